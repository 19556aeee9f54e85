"""The one export helper: text that would run as a formula is defused, numbers are untouched, and
no other code in the project writes CSV or Excel itself."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sufficiency.spreadsheets import csv_bytes, excel_bytes, neutralise, neutralise_text, write_csv
from tests.spreadsheet_checks import HOSTILE, assert_csv_safe, assert_workbook_safe

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", HOSTILE[:-1] + ("=1+1", " =1+1", "＝1+1", "-", "--x", "+"))
def test_formula_text_gets_a_leading_quote(value):
    assert neutralise_text(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["-5", "-1.25", "+3", "-.5", "1e-3", "-2E+10", "2024-03", "IFA fostering", "", "10-15", "'=x"],
)
def test_plain_numbers_and_ordinary_text_are_left_alone(value):
    assert neutralise_text(value) == value


def test_frames_keep_numbers_as_numbers_and_defuse_text_and_headers():
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "safe", None],
            "cost": [-1200.5, 3.0, np.nan],
            "children": [-3, 4, 5],
            "category": pd.Categorical(["@x", "b", "b"]),
            "text": pd.array(["-2+3", pd.NA, "-7"], dtype="string"),
            "=header": [True, False, True],
            "month": pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-31"]),
        }
    )
    out = neutralise(frame)
    assert list(out["name"][:2]) == ["'=1+1", "safe"] and pd.isna(out["name"][2])
    assert out["cost"].equals(frame["cost"]) and out["children"].equals(frame["children"])
    assert list(out["category"]) == ["'@x", "b", "b"]
    assert out["text"][0] == "'-2+3" and pd.isna(out["text"][1]) and out["text"][2] == "-7"
    assert "'=header" in out.columns and out["month"].equals(frame["month"])
    assert frame["name"][0] == "=1+1", "the input frame is not modified"
    # CSV: numbers still read back as numbers
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)))
    assert back["cost"].iloc[0] == -1200.5 and back["children"].tolist() == [-3, 4, 5]
    assert_csv_safe(csv_bytes(frame), expect_neutralised=4)


def test_workbooks_hold_no_formulas_or_links():
    frame = pd.DataFrame(
        {"name": list(HOSTILE) + ["https://example.invalid/x"], "value": range(len(HOSTILE) + 1)}
    )
    content = excel_bytes({"a sheet with a very long name over thirty-one characters": frame})
    assert_workbook_safe(content, expect_neutralised=len(HOSTILE) - 1)
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert values == list(range(len(HOSTILE) + 1))


def test_a_carriage_return_inside_text_cannot_start_a_new_row():
    content = csv_bytes(pd.DataFrame({"note": ["harmless\r=1+1", "two\r\nlines"], "n": [1, 2]}))
    assert content == b'note,n\n"harmless\n=1+1",1\n"two\nlines",2\n'
    assert_csv_safe(content)


def test_write_csv_to_a_path_and_a_stream(tmp_path):
    frame = pd.DataFrame({"x": ["=1"], "y": [-1]})
    write_csv(frame, tmp_path / "a.csv")
    stream = io.StringIO()
    write_csv(frame, stream)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == stream.getvalue() == "x,y\n'=1,-1\n"


# --- no other writer ---------------------------------------------------------------------------

WRITING_CALLS = {"to_csv", "to_excel", "ExcelWriter", "Workbook", "writer", "DictWriter"}
ALLOWED = {REPO / "sufficiency" / "spreadsheets.py"}


def _project_files():
    for folder in ("sufficiency", "app_pages", "scripts", "benchmarks"):
        yield from sorted((REPO / folder).rglob("*.py"))
    yield REPO / "app.py"


def test_no_code_outside_the_helper_writes_csv_or_excel():
    offenders = []
    for path in _project_files():
        if path in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in WRITING_CALLS:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno} {name}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names] + [getattr(node, "module", "")]
                if any(m and m.split(".")[0] == "xlsxwriter" for m in modules):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno} imports a writer")
    assert not offenders, (
        "write CSV and Excel through sufficiency.spreadsheets (formulas neutralised): "
        + ", ".join(offenders)
    )


def test_tables_built_in_csv_export_is_off():
    """Streamlit's own table download does not neutralise formulas; ours do."""
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
