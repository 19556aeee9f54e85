"""Every download a page offers gives each number column's unit in its header (issue 10).

A user test found CSV headers such as ``cost`` with no unit or price year. Every page's CSV and
Excel downloads go through :func:`app_pages.common.csv_bytes` / :func:`excel_bytes` (or the
scenario workbook), which put the unit in each number column's header; with
``SUFFICIENCY_CHECK_EXPORTS`` set a download missing one raises. Downloads built on click (a
callable) are built here during the run, so none escapes the check.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from app_pages.common import CHECK_EXPORTS_ENV
from sufficiency.export_units import missing_units

REPO = Path(__file__).resolve().parents[2]
PAGES = [
    "finance",
    "pipeline",
    "campaign_funnel",
    "retention",
    "recruitment_calculator",
    "scenarios",
    "recommended_plan",
    "demand",
    "benchmarking",
    "model_quality",
    "data",
]


def _sheets(content: bytes) -> list[pd.DataFrame]:
    """Each worksheet as a frame under its header row (the first row of text cells only; the
    scenario workbook puts a title above it), number columns as numbers."""
    frames = []
    for sheet in openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets:
        rows = [row for row in sheet.values if any(cell is not None for cell in row)]
        header = next(
            (i for i, row in enumerate(rows) if all(isinstance(c, str) for c in row)), None
        )
        if header is None or header + 1 >= len(rows):
            continue  # an empty sheet, or one of text only
        frame = pd.DataFrame(rows[header + 1 :], columns=rows[header])
        for column in frame.columns:
            cells = frame[column].dropna()
            if len(cells) and cells.map(lambda v: type(v) in (int, float)).all():
                frame[column] = pd.to_numeric(frame[column])  # numbers stored as numbers
            else:
                frame[column] = frame[column].astype(object)  # text, dates
        frames.append(frame)
    return frames


@pytest.mark.parametrize("page", PAGES)
def test_every_download_has_units_in_its_headers(page, monkeypatch):
    monkeypatch.setenv(CHECK_EXPORTS_ENV, "1")
    built: list[tuple[str, bytes, str]] = []
    original = DeltaGenerator.download_button

    def download_button(self, label, data, *args, **kwargs):
        content = data() if callable(data) else data
        if isinstance(content, bytes | str):
            raw = content.encode() if isinstance(content, str) else content
            built.append((label, raw, kwargs.get("mime", "")))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", download_button)
    app = AppTest.from_file(str(REPO / "app_pages" / f"{page}.py"), default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    for label, raw, mime in built:
        if label.startswith("Example"):
            continue  # example input files: their columns are the reader's, not figures
        if mime == "text/csv":
            frames = [pd.read_csv(io.BytesIO(raw))]
        elif "spreadsheetml" in mime:
            frames = _sheets(raw)
        else:
            continue
        for frame in frames:
            assert missing_units(frame) == [], label
