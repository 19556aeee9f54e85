"""``sufficiency fit``: fit the demand models and save them to models/ for the explorer and CLI."""

from __future__ import annotations

import argparse
import sys
import time

from sufficiency.commands.common import add_paths_argument, load_903_or_demo, options_903
from sufficiency.commands.forecast import add_model_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``fit`` subcommand."""
    parser = subparsers.add_parser(
        "fit",
        help="fit the demand models and save them (models/demand/)",
        description=(
            "Fit the stock-flow demand model (monthly transition rates by single year of age "
            "and placement; time in care is an option the backtest did not favour; entrants' ages and first placements; "
            "expected entries) and its backtest (refitted every six months over the last six "
            "years and checked one to five years ahead), and save them with a manifest: rates "
            "and tables as CSV, arrays as .npz. The manifest holds a fingerprint of the data (a "
            "one-way hash; no child-level data is written), package versions and the date. The "
            "explorer and `sufficiency forecast` load these instead of refitting when the "
            "fingerprint and settings match."
        ),
    )
    add_paths_argument(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder to write the models to (default models/demand)",
    )
    add_model_arguments(parser)
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
    from sufficiency.demand.pipeline import (
        demand_inputs,
        fit_demand,
        last_total,
        ranges_sentence,
        track_record_sentences,
    )
    from sufficiency.errors import SufficiencyError

    if args.reference_months is not None and not 6 <= args.reference_months <= 240:
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
    methods = sorted(set(fitted.model.entries_.methods_.values()))
    print(f"Fitted in {seconds:.1f} s; saved to {manifest.parent} (manifest {manifest.name}).")
    print("Entries: " + "; ".join(methods) + ".")
    for note in fitted.model.notes_:
        print(note)
    if not args.no_backtest:
        if fitted.backtest is None:
            print("No track record: the data is too short for a backtest.")
        else:
            print("Track record on this data (total children):")
            for line in track_record_sentences(fitted.backtest, last=last_total(fitted.model)):
                print("  " + line)
    print(ranges_sentence(fitted.model))
    print(
        "No child-level data was written; the manifest holds a one-way fingerprint.",
        file=sys.stderr,
    )
    return 0
