"""``sufficiency validate``: check SSDA903 files and report every problem row."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sufficiency.commands.common import add_903_options
from sufficiency.errors import InputDataError, SufficiencyError
from sufficiency.spreadsheets import write_csv

_EXAMPLES_SHOWN = 10

HELP = "check SSDA903 Header/Episodes/UASC files and report every problem row"
DESCRIPTION = """\
Read SSDA903 files (CSV or Excel .xlsx; single files, several files or folders of yearly
extracts), check every row and print a summary: the tables recognised, rows in / kept / rejected,
problems by rule and severity, the extract date and the date range. Rows with errors are left out;
rows with warnings are kept. Child identifiers, dates of birth and postcodes are never printed and
are masked as *** in the report.

Exit status: 0 when the data can be used, 1 when it cannot.
"""
EPILOG = """\
examples:
  sufficiency validate exports/903/                  a folder of yearly extracts
  sufficiency validate header.csv episodes.csv --report problems.csv
  sufficiency validate 903_2024.xlsx --extract-date 2024-03-31
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="903 files (.csv, .xlsx) or folders; default: the embedded synthetic demo authority",
    )
    parser.add_argument(
        "--report",
        metavar="FILE.csv",
        type=Path,
        help="write every problem found (file, row, column, masked value, rule, severity, "
        "message) to this CSV file",
    )
    add_903_options(parser)
    parser.set_defaults(func=run)


def _write_report(frame: pd.DataFrame, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, path)
    except OSError as error:
        raise SufficiencyError(
            f"Could not write the report to {path} ({error.strerror or type(error).__name__}). "
            "Choose a folder you can write to."
        ) from error


def _examples(report: pd.DataFrame) -> list[str]:
    """The first problem of each rule, most severe first, personal values already masked."""
    severity_order = {"fatal": 0, "error": 1, "warning": 2}
    report = report[report["severity"] != "info"]
    firsts = (
        report.assign(_order=report["severity"].map(severity_order))
        .sort_values(["_order"], kind="stable")
        .drop_duplicates(subset=["rule", "column"])
        .head(_EXAMPLES_SHOWN)
    )
    lines = []
    for item in firsts.itertuples(index=False):
        where = item.file if pd.isna(item.row) else f"{item.file} row {int(item.row)}"
        column = f", {item.column}" if item.column else ""
        value = f" = {item.value!r}" if item.value else ""
        lines.append(f"  {item.severity}: {where}{column}{value} [{item.rule}]: {item.message}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Validate the given files; print the summary and optionally write the full report."""
    from sufficiency.cli import progress_bar
    from sufficiency.data.ssda903 import UnusableInputError, read_903

    if not args.paths:
        try:
            from sufficiency.data.demo import load_demo
        except ImportError as error:
            raise SufficiencyError(
                "No PATH given and the embedded demo data is not available. Give 903 files or "
                "folders to check."
            ) from error
        data = load_demo(extract_date=args.extract_date)
        print("No PATH given: checking the embedded synthetic demo authority.")
    else:
        try:
            with progress_bar("Reading 903 files") as progress:
                data = read_903(args.paths, extract_date=args.extract_date, progress=progress)
        except UnusableInputError as error:
            if args.report is not None:
                _write_report(error.report, args.report)
                print(f"error: {error}", file=sys.stderr)
                print(f"Report written to {args.report}.", file=sys.stderr)
                return 1
            raise
        except InputDataError:
            raise
    if args.la:
        data = data.for_authority(args.la)

    print(data.summary())
    if (data.report["severity"] != "info").any():
        print("")
        print("An example of each kind of problem (personal values masked):")
        print("\n".join(_examples(data.report)))
    if args.report is not None:
        _write_report(data.report, args.report)
        print("")
        print(f"Full report ({len(data.report):,} rows) written to {args.report}.")
    elif len(data.report):
        print("")
        print("Use --report FILE.csv to save every problem row.")
    return 0 if data.usable else 1
