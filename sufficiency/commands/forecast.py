"""``sufficiency forecast``: children looked after by age band x placement category, months ahead."""

from __future__ import annotations

import argparse
import sys

from sufficiency import spreadsheets
from sufficiency.commands.common import (
    add_paths_argument,
    add_simulation_arguments,
    load_903_or_demo,
    options_903,
    write_csv,
)
from sufficiency.errors import SufficiencyError

MAX_HORIZON = 120


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``forecast`` subcommand."""
    parser = subparsers.add_parser(
        "forecast",
        help="forecast children looked after by age band and placement, with intervals",
        description=(
            "Forecast children looked after at each month end by DfE age band and placement "
            "category with the stock-flow model (monthly transition rates by single year of "
            "age and placement from your 903 data; time in care is an option the backtest did "
            "not favour; entries at the recent level; 1,000 simulated futures with drift in rates and entries). "
            "Output columns: date, age_band, placement_category, mean, p2_5, p10, p50, p90, "
            "p97_5 (children): the mean, median and ranges of the simulated futures; rows with "
            "age_band='all' and/or placement_category='all' are totals. p10-p90 is the 80% "
            "range and p2_5-p97_5 the 95% range. A saved model from `sufficiency fit` is used "
            "when it matches the data."
        ),
    )
    add_paths_argument(parser)
    parser.add_argument(
        "--horizon",
        type=int,
        default=36,
        metavar="MONTHS",
        help=f"months ahead to forecast, 1 to {MAX_HORIZON} (default 36)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE.csv",
        help="where to write the forecast CSV (default: standard output)",
    )
    add_simulation_arguments(
        parser, paths_help="simulated paths behind the intervals (default 1000)"
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--models",
        metavar="DIR",
        help="folder of saved demand models (default models/demand)",
    )
    parser.add_argument(
        "--quartiles",
        action="store_true",
        help="also write p25 and p75 (the 50%% range)",
    )
    parser.add_argument(
        "--refit",
        action="store_true",
        help="ignore saved models and fit afresh",
    )
    parser.set_defaults(func=run)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Stock-flow settings a user may change (shared with ``fit``); defaults are the model's."""
    parser.add_argument(
        "--reference-months",
        type=int,
        default=None,
        metavar="MONTHS",
        help="months of month-end outcomes the transition rates rest on (default: the model's "
        "default, chosen by backtest; see docs/demand_defaults.md)",
    )
    parser.add_argument(
        "--entries",
        choices=("damped", "prophet"),
        default=None,
        help="expected entries: recent level with a damped trend, or Prophet per age band "
        "(default: the model's default, chosen by backtest)",
    )


def model_settings(args: argparse.Namespace, horizon: int | None = None) -> dict:
    """Stock-flow settings from the command line (shared with ``fit``)."""
    from sufficiency.demand.stockflow import StockFlowModel

    params = StockFlowModel().get_params()
    if getattr(args, "reference_months", None) is not None:
        params["reference_months"] = args.reference_months
    if getattr(args, "entries", None) is not None:
        params["entries_method"] = args.entries
    if horizon is not None and horizon > params["max_horizon"]:
        params["max_horizon"] = horizon
    return params


def run(args: argparse.Namespace) -> int:
    """Fit (or load) the stock-flow model and write the forecast."""
    from sufficiency.cli import progress_bar
    from sufficiency.demand.pipeline import (
        demand_inputs,
        fit_demand,
        last_total,
        load_or_fit,
        ranges_sentence,
        track_record_sentences,
    )
    from sufficiency.demand.stockflow import FORECAST_COLUMNS, OUTPUT_COLUMNS

    if not 1 <= args.horizon <= MAX_HORIZON:
        raise SufficiencyError(
            f"--horizon must be between 1 and {MAX_HORIZON} months (got {args.horizon})."
        )
    if not 100 <= args.n_paths <= 20000:
        raise SufficiencyError(
            f"--paths must be between 100 and 20000 simulated paths (got {args.n_paths})."
        )
    if args.reference_months is not None and not 6 <= args.reference_months <= 240:
        raise SufficiencyError(
            f"--reference-months must be between 6 and 240 (got {args.reference_months})."
        )
    data = load_903_or_demo(args.paths, **options_903(args))
    settings = model_settings(args, args.horizon)
    with progress_bar("Forecasting demand") as progress:
        inputs = demand_inputs(data.episodes, data.extract_date)
        if args.refit:
            fitted = fit_demand(inputs, model_params=settings, backtest=False, progress=progress)
        else:
            fitted = load_or_fit(
                inputs,
                directory=args.models,
                model_params=settings,
                backtest=False,
                progress=progress,
            )
        forecast = fitted.model.forecast(args.horizon, n_paths=args.n_paths, random_state=args.seed)
    origin = fitted.model.params_.origin
    where = "saved model " + fitted.source if fitted.source != "fitted" else "a fresh fit"
    print(f"Forecast from {origin:%d %b %Y} using {where}.", file=sys.stderr)
    for note in fitted.model.notes_:
        print(note, file=sys.stderr)
    print(ranges_sentence(fitted.model), file=sys.stderr)
    if fitted.backtest is not None:
        print("Track record on this data (total children):", file=sys.stderr)
        for line in track_record_sentences(fitted.backtest, last=last_total(fitted.model)):
            print("  " + line, file=sys.stderr)
    else:
        print(
            "Run `sufficiency fit` on the same data to backtest the model and see its track record.",
            file=sys.stderr,
        )
    columns = list(OUTPUT_COLUMNS if not args.quartiles else FORECAST_COLUMNS)
    forecast = forecast[columns]
    forecast["date"] = forecast["date"].dt.date
    forecast[columns[3:]] = forecast[columns[3:]].round(2)
    if args.out:
        write_csv(forecast, args.out)
    else:
        spreadsheets.write_csv(forecast, sys.stdout)
    return 0
