"""``sufficiency stocks``: children looked after by day or month end, age band and placement."""

from __future__ import annotations

import argparse

from sufficiency.commands.common import (
    add_paths_argument,
    load_903_or_demo,
    options_903,
    write_csv,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``stocks`` subcommand."""
    parser = subparsers.add_parser(
        "stocks",
        help="children looked after by date, age band and placement category",
        description=(
            "Count children looked after at each month end (or each day) by DfE age band and "
            "placement category, from SSDA903 extracts. Short-break-only episodes (V3/V4) are left "
            "out, as in DfE's published figures. Output columns: date, age_band, "
            "placement_category, children; with several authorities in the files (an LA column) "
            "and no --la, a first column la gives each authority's own counts (their sum is the "
            "pooled count). Counts start with the first collection year and stop at the last "
            "day the extracts see."
        ),
    )
    add_paths_argument(parser)
    parser.add_argument(
        "--freq",
        choices=("month", "day"),
        default="month",
        help="count at each month end (default) or at the end of every day",
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute stocks and write them as CSV."""
    from sufficiency.stocks import daily_stock, monthly_stock

    data = load_903_or_demo(args.paths, **options_903(args), several_authorities=True)
    counter = monthly_stock if args.freq == "month" else daily_stock
    stock = counter(data.episodes, data.extract_date)
    stock["date"] = stock["date"].dt.date
    write_csv(stock, args.out)
    return 0
