"""``sufficiency fit``: fit the demand models and save them to models/ for the explorer and CLI."""

from __future__ import annotations

import argparse
import sys
import time

from sufficiency.commands.common import add_paths_argument, load_903_or_demo, options_903


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``fit`` subcommand."""
    parser = subparsers.add_parser(
        "fit",
        help="fit the demand models and save them (models/demand/)",
        description=(
            "Fit the stock-flow demand model (transition rates, first-placement split, Prophet "
            "entries per age band) and its three-year backtest, and save them with a manifest: "
            "Prophet models as JSON, rates as CSV and arrays as .npz. The manifest holds a "
            "fingerprint of the data (a one-way hash; no child-level data is written), package "
            "versions and the date. The explorer and `sufficiency forecast` load these instead of "
            "refitting when the fingerprint and settings match."
        ),
    )
    add_paths_argument(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder to write the models to (default models/demand)",
    )
    parser.add_argument(
        "--reference-months",
        type=int,
        default=12,
        metavar="MONTHS",
        help="months of recent flows the transition rates are estimated from (default 12)",
    )
    parser.add_argument(
        "--entries-trend",
        choices=("flat", "linear"),
        default="flat",
        help="Prophet trend for monthly entries: flat level with seasonality (default) or "
        "linear trend with changepoints",
    )
    parser.add_argument(
        "--no-backtest",
        action="store_true",
        help="skip the rolling-origin backtest (faster; no track record is saved)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Fit and save."""
    from sufficiency.cli import progress_bar
    from sufficiency.commands.forecast import model_settings
    from sufficiency.demand.artefacts import default_directory, save_fitted
    from sufficiency.demand.pipeline import accuracy_sentence, demand_inputs, fit_demand
    from sufficiency.errors import SufficiencyError

    if not 6 <= args.reference_months <= 240:
        raise SufficiencyError(
            f"--reference-months must be between 6 and 240 (got {args.reference_months})."
        )
    data = load_903_or_demo(args.paths, **options_903(args))
    started = time.perf_counter()
    with progress_bar("Fitting demand models") as progress:
        inputs = demand_inputs(data.episodes, data.extract_date)
        fitted = fit_demand(
            inputs,
            model_params=model_settings(args),
            backtest=not args.no_backtest,
            progress=progress,
        )
    manifest = save_fitted(fitted, args.out or default_directory())
    seconds = time.perf_counter() - started
    methods = fitted.model.entries_.methods_
    print(f"Fitted in {seconds:.1f} s; saved to {manifest.parent} (manifest {manifest.name}).")
    print("Entries model per age band: " + ", ".join(f"{b}: {m}" for b, m in methods.items()) + ".")
    if not args.no_backtest:
        print(accuracy_sentence(fitted.backtest))
    print(
        "No child-level data was written; the manifest holds a one-way fingerprint.",
        file=sys.stderr,
    )
    return 0
