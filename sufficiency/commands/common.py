"""Helpers shared by subcommands: loading 903 data or the demo authority, writing outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sufficiency import spreadsheets
from sufficiency.errors import SufficiencyError


def add_paths_argument(parser: argparse.ArgumentParser) -> None:
    """The optional PATH... argument: 903 files or folders; the demo authority when omitted."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="SSDA903 Header/Episodes/UASC files (CSV or XLSX) or folders of yearly extracts. "
        "Omit to use the embedded synthetic demo authority.",
    )


def load_903_or_demo(paths: list[str], description: str = "Reading 903 data"):
    """Read the user's 903 files (with a progress bar), or the demo authority when none are given.

    Raises
    ------
    SufficiencyError
        When the data is not usable; the message points to ``sufficiency validate``.
    """
    from sufficiency.cli import progress_bar

    if not paths:
        from sufficiency.data.demo import DEMO_AUTHORITY_NAME, load_demo

        print(f"Using the embedded {DEMO_AUTHORITY_NAME}.", file=sys.stderr)
        return load_demo()
    from sufficiency.data.ssda903 import read_903

    with progress_bar(description) as progress:
        data = read_903(paths, progress=progress)
    if not data.usable:
        raise SufficiencyError(
            "the 903 data cannot be used as it is. Run `sufficiency validate "
            + " ".join(paths)
            + " --report problems.csv` to see every problem, fix them and try again."
        )
    return data


def write_csv(frame: pd.DataFrame, out: str) -> Path:
    """Write ``frame`` to ``out`` (creating folders) and say where it went."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    spreadsheets.write_csv(frame, path)
    print(f"Wrote {len(frame):,} rows to {path}", file=sys.stderr)
    return path
