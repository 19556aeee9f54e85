"""Helpers shared by subcommands: loading 903 data or the demo authority, writing outputs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sufficiency import spreadsheets
from sufficiency.errors import SufficiencyError


def add_paths_argument(parser: argparse.ArgumentParser, *, la_help: str | None = None) -> None:
    """The optional PATH... argument (the demo authority when omitted) and the 903 options."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="SSDA903 Header/Episodes/UASC files (CSV or XLSX) or folders of yearly extracts. "
        "Omit to use the embedded synthetic demo authority.",
    )
    add_903_options(parser, la_help=la_help)


def add_simulation_arguments(parser: argparse.ArgumentParser, *, paths_help: str) -> None:
    """``--paths`` (simulated futures, default 1000) and ``--seed`` (default 0)."""
    parser.add_argument(
        "--paths", dest="n_paths", type=int, default=1000, metavar="N", help=paths_help
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed; same seed, same forecast (default 0)"
    )


def add_903_options(parser: argparse.ArgumentParser, *, la_help: str | None = None) -> None:
    """``--extract-date`` and ``--la``, shared by every command that reads 903 files.

    ``la_help`` replaces the help of ``--la`` for a command that gives it a further meaning.
    """
    parser.add_argument(
        "--extract-date",
        metavar="YYYY-MM-DD",
        help="the last day the latest 903 extract sees (open episodes run to it; stocks stop "
        "there). Default: from a YEAR column or the file/folder names (a collection year, or an "
        "export date such as _2023-10-05), else the latest date in the data",
    )
    parser.add_argument(
        "--la",
        metavar="NAME",
        help=la_help
        or "when the files hold several authorities (an LA column), use this one; 'all' pools "
        "them (children stay distinct)",
    )


def options_903(args: argparse.Namespace) -> dict:
    """The shared 903 options from parsed arguments, as keywords for :func:`load_903_or_demo`."""
    return {"extract_date": getattr(args, "extract_date", None), "la": getattr(args, "la", None)}


def load_903_or_demo(
    paths: list[str],
    description: str = "Reading 903 data",
    *,
    extract_date: str | None = None,
    la: str | None = None,
    several_authorities: bool = False,
):
    """Read the user's 903 files (with a progress bar), or the demo authority when none are given.

    Parameters
    ----------
    paths : list of str
        Files or folders; empty for the demo authority.
    extract_date : str, optional
        ``--extract-date``: the last day the latest extract sees.
    la : str, optional
        ``--la``: the authority to use when the files hold several ('all' pools them).
    several_authorities : bool
        Return data holding several authorities as it is (an ``la`` column) when ``la`` is not
        given; otherwise such data needs ``--la``.

    Raises
    ------
    SufficiencyError
        When the data is not usable (the message points to ``sufficiency validate``), or holds
        several authorities and none was chosen.
    """
    from sufficiency.cli import progress_bar

    if not paths:
        from sufficiency.data.demo import DEMO_AUTHORITY_NAME, load_demo

        print(f"Using the embedded {DEMO_AUTHORITY_NAME}.", file=sys.stderr)
        data = load_demo(extract_date=extract_date)
    else:
        from sufficiency.data.ssda903 import read_903

        with progress_bar(description) as progress:
            data = read_903(paths, extract_date=extract_date, progress=progress)
        if not data.usable:
            raise SufficiencyError(
                "the 903 data cannot be used as it is. Run `sufficiency validate "
                + " ".join(paths)
                + " --report problems.csv` to see every problem, fix them and try again."
            )
    if la:
        return data.for_authority(la)
    if data.multi_authority and not several_authorities:
        raise SufficiencyError(
            f"the files hold {len(data.authorities)} authorities ({', '.join(data.authorities)}). "
            "Choose one with --la NAME, or --la all to pool them."
        )
    return data


def write_csv(frame: pd.DataFrame, out: str) -> Path:
    """Write ``frame`` to ``out`` (creating folders) and say where it went."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    spreadsheets.write_csv(frame, path)
    print(f"Wrote {len(frame):,} rows to {path}", file=sys.stderr)
    return path
