"""``sufficiency consortium``: per-authority and pooled forecasts from stacked 903 extracts."""

from __future__ import annotations

import argparse
import sys

from sufficiency.commands.common import (
    add_903_options,
    add_simulation_arguments,
    load_903_or_demo,
    write_csv,
)
from sufficiency.commands.national import add_engine_arguments
from sufficiency.errors import SufficiencyError

MAX_HORIZON = 120


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``consortium`` subcommand."""
    from sufficiency.national.consortium import DEFAULT_SHRINKAGE, POOLED

    parser = subparsers.add_parser(
        "consortium",
        help="forecast every authority in stacked 903 files (an LA column), and all together",
        description=(
            "Regional consortium mode. Reads 903 files holding several authorities (an LA column "
            "in the header and episodes tables), fits the stock-flow model of `sufficiency "
            "forecast` to each authority and to all of them pooled, optionally shrinks each "
            "authority's monthly rates towards the pooled rates (--shrinkage: a small "
            "authority's more, as its rates rest on fewer children), and forecasts children looked after at each month end by age "
            "band and placement category. Output columns: la, date, age_band, "
            "placement_category, mean, p2_5, p10, p50, p90, p97_5 (children); rows with "
            f"la='{POOLED}' are the pooled model's forecast for the consortium as a whole; "
            "age_band / placement_category 'all' are totals."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="SSDA903 Header/Episodes files (CSV or XLSX) or folders, with an LA column",
    )
    add_903_options(
        parser,
        la_help="forecast only these authorities (comma-separated names; default every one). "
        "The pool is always every authority in the files",
    )
    parser.add_argument(
        "--horizon", type=int, default=36, metavar="MONTHS", help="months ahead (default 36)"
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    parser.add_argument(
        "--weights",
        metavar="FILE.csv",
        help="also write each authority's children, child-months and the share of its rates "
        "resting on its own data",
    )
    parser.add_argument(
        "--shrinkage",
        type=float,
        default=DEFAULT_SHRINKAGE,
        metavar="CHILD_MONTHS",
        help="child-months in a cell (age x time in care x placement) at which an authority's "
        f"own rate and the pooled rate weigh the same (default {DEFAULT_SHRINKAGE:g}: each "
        "authority's own rates, chosen by backtest on three mid-size authorities; 120 is "
        "suggested for authorities of a few dozen children, untested)",
    )
    add_simulation_arguments(
        parser, paths_help="simulated futures per authority behind the ranges (default 1000)"
    )
    add_engine_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read the stacked files, fit, shrink, forecast and write the CSV."""
    from sufficiency.cli import progress_bar
    from sufficiency.demand.stockflow import OUTPUT_COLUMNS
    from sufficiency.distributed import engine, validate_engine
    from sufficiency.national.consortium import (
        consortium_forecast,
        consortium_panels,
        fit_consortium,
    )

    validate_engine(args.engine, args.workers, args.scheduler)
    if not 1 <= args.horizon <= MAX_HORIZON:
        raise SufficiencyError(
            f"--horizon must be between 1 and {MAX_HORIZON} months (got {args.horizon})."
        )
    if not 100 <= args.n_paths <= 20000:
        raise SufficiencyError(
            f"--paths must be between 100 and 20000 simulated futures (got {args.n_paths})."
        )
    if not args.shrinkage >= 0:
        raise SufficiencyError(
            f"--shrinkage must be 0 or more child-months (got {args.shrinkage})."
        )
    data = load_903_or_demo(
        args.paths,
        "Reading the consortium's 903 data",
        extract_date=args.extract_date,
        several_authorities=True,
    )
    chosen = [name for name in (args.la or "").split(",") if name.strip()] or None
    panels, pooled = consortium_panels(data, chosen)
    with engine(args.engine, args.workers, args.scheduler) as running:
        print(f"Running on the {running.describe()}.", file=sys.stderr)
        with progress_bar(f"Fitting {len(panels) + 1} models") as progress:
            fit = fit_consortium(
                panels,
                pooled,
                shrinkage=args.shrinkage,
                model_params={"max_horizon": max(60, args.horizon)},
                engine=running,
                progress=progress,
            )
        forecast = consortium_forecast(
            fit, args.horizon, n_paths=args.n_paths, random_state=args.seed, engine=running
        )
    weights = fit.weights_table()
    columns = ["la", *OUTPUT_COLUMNS]
    forecast = forecast[columns]
    forecast["date"] = forecast["date"].dt.date
    forecast[columns[4:]] = forecast[columns[4:]].round(2)
    write_csv(forecast, args.out)
    if args.weights:
        write_csv(weights, args.weights)
    print(summary_text(weights, args.shrinkage), file=sys.stderr)
    for name, fitted in fit.authorities.items():
        for note in fitted.model.notes_:
            print(f"{name}: {note}", file=sys.stderr)
    return 0


def summary_text(weights, shrinkage: float) -> str:
    """Each authority's size and how much of its rates rests on its own data, in words."""
    lines = [
        f"Forecasts for {len(weights) - 1} authorities and for all of them pooled "
        f"(shrinkage {shrinkage:g} child-months per cell):"
    ]
    for row in weights.itertuples():
        own = (
            ""
            if row.own_weight == 1.0
            else f"; {row.own_weight:.0%} of its rates from its own data"
        )
        lines.append(
            f"  {row.la}: {row.children_at_origin:,} children looked after on "
            f"{row.origin:%d %b %Y}, {row.child_months:,.0f} child-months behind the rates{own}"
        )
    if shrinkage > 0:
        lines.append(
            "Each authority's children in care and its level of new entries are its own; its "
            "exit, move and first-placement rates are shrunk towards the pool's."
        )
    else:
        lines.append(
            "Each authority's rates are its own (no shrinkage: the default, chosen by backtest "
            "on three authorities of 300-700 children). For very small authorities consider "
            "--shrinkage 120 to borrow rates from the pool."
        )
    return "\n".join(lines)
