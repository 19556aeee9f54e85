"""Reading downloaded CSVs in browser tests: headers carry units, ``cost_mean (£, ...)``."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def csv_rows(path: str | Path) -> list[dict[str, str]]:
    """The CSV's rows keyed by column name without its unit (``cost_mean``), after checking
    every header that holds numbers gives its unit in brackets."""
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    return [{key.split(" (", 1)[0]: value for key, value in row.items()} for row in rows]
