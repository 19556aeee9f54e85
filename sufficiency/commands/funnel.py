"""``sufficiency funnel``: recruitment funnel conversion, time in stage and projected approvals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sufficiency.errors import SufficiencyError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``funnel`` subcommand."""
    parser = subparsers.add_parser(
        "funnel",
        help="foster-carer recruitment funnel: conversion, time in stage, projected approvals",
        description=(
            "Analyse foster-carer enquiry records: the share converting between stages (enquiry, "
            "initial visit, application, Skills to Foster, assessment, panel, approval) with 95% "
            "Wilson intervals, overall and by channel, campaign and financial year; time in each "
            "stage (people still in progress are censored, not failures); cost per enquiry, "
            "application and approval when a campaign spend file is given; and approvals "
            "projected per month from the people in the pipeline plus future enquiries, from a "
            "scikit-learn model evaluated on a time-based split. Writes conversion.csv, "
            "stage_durations.csv, pipeline_projection.csv, cohort_curves.csv, "
            "cost_per_outcome.csv (with spend), model_evaluation.txt and validation_report.csv "
            "to --out. File formats: docs/supply_formats.md."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="enquiries file and optional campaign spend file (CSV or XLSX) or a folder holding "
        "them. Omit to use the synthetic demo authority's records.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSVs to")
    parser.add_argument(
        "--extract-date",
        metavar="YYYY-MM-DD",
        help="the date the records describe (default: the latest date in the enquiries)",
    )
    parser.add_argument(
        "--horizon",
        type=int,
        default=24,
        metavar="MONTHS",
        help="months of approvals to project (default 24)",
    )
    parser.add_argument(
        "--enquiries-per-month",
        type=float,
        metavar="N",
        help="expected new enquiries a month for the projection (default: the last 12 months' "
        "average)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.8,
        metavar="SHARE",
        help="coverage of the projection interval (default 0.8 = 80%%)",
    )
    parser.add_argument(
        "--simulations",
        type=int,
        default=2000,
        metavar="N",
        help="simulated futures (default 2000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if not 1 <= args.horizon <= 120:
        raise SufficiencyError("--horizon must be between 1 and 120 months.")
    if not 0 < args.interval < 1:
        raise SufficiencyError("--interval must be a share between 0 and 1, e.g. 0.8.")
    if args.enquiries_per_month is not None and args.enquiries_per_month < 0:
        raise SufficiencyError("--enquiries-per-month cannot be negative.")
    if not 100 <= args.simulations <= 100_000:
        raise SufficiencyError("--simulations must be between 100 and 100,000.")


def run(args: argparse.Namespace) -> int:
    """Read the records, write the funnel tables and print the model evaluation."""
    import pandas as pd

    from sufficiency.cli import progress_bar
    from sufficiency.commands.common import write_csv
    from sufficiency.supply import conversion, funnel
    from sufficiency.supply.records import read_funnel_records

    _check(args)
    extract_date = None
    if args.extract_date:
        try:
            extract_date = pd.Timestamp(args.extract_date)
        except ValueError as error:
            raise SufficiencyError(
                f"--extract-date {args.extract_date!r} is not a date; write it as YYYY-MM-DD."
            ) from error
    if args.paths:
        records = read_funnel_records(args.paths, extract_date=extract_date)
    else:
        from sufficiency.supply.demo_records import DEMO_FUNNEL_LABEL, load_demo_funnel

        print(f"Using the {DEMO_FUNNEL_LABEL}.", file=sys.stderr)
        records = load_demo_funnel()
    print(records.summary(), file=sys.stderr)
    if not records.usable:
        raise SufficiencyError(
            "no enquiry rows could be used. See validation_report.csv in the output folder."
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    enquiries, extract = records.enquiries, records.extract_date
    groupings = [None, "channel", "campaign", "year"]
    with progress_bar("Funnel") as progress:
        steps = 5
        write_csv(records.report, str(out / "validation_report.csv"))
        progress(1, steps, "conversion")
        write_csv(
            funnel.stage_conversion(enquiries, extract, by=groupings), str(out / "conversion.csv")
        )
        progress(2, steps, "time in stage")
        write_csv(
            funnel.stage_durations(enquiries, extract, by=groupings),
            str(out / "stage_durations.csv"),
        )
        cohorts = funnel.cohort_curves(enquiries, extract)
        cohorts["cohort"] = cohorts["cohort"].dt.strftime("%Y-%m")
        write_csv(cohorts, str(out / "cohort_curves.csv"))
        if len(records.spend):
            costs = pd.concat(
                [
                    funnel.cost_per_outcome(enquiries, records.spend, by="channel").assign(
                        campaign="all campaigns"
                    ),
                    funnel.cost_per_outcome(enquiries, records.spend, by="campaign"),
                ],
                ignore_index=True,
            )
            costs = costs[["channel", "campaign", *costs.columns.drop(["channel", "campaign"])]]
            write_csv(costs, str(out / "cost_per_outcome.csv"))
        progress(3, steps, "approval model")
        evaluation_text = _evaluation_text(enquiries, extract)
        print(evaluation_text)
        (out / "model_evaluation.txt").write_text(evaluation_text + "\n", encoding="utf-8")
        progress(4, steps, "projection")
        try:
            model = conversion.ApprovalModel(random_state=args.seed).fit(enquiries, extract)
        except SufficiencyError as error:
            print(
                f"pipeline_projection.csv not written: {error}",
                file=sys.stderr,
            )
            return 0
        projection = model.project(
            enquiries,
            args.horizon,
            future_enquiries_per_month=args.enquiries_per_month,
            interval=args.interval,
            n_simulations=args.simulations,
            random_state=args.seed,
        )
        projection["month"] = projection["month"].dt.strftime("%Y-%m")
        write_csv(projection, str(out / "pipeline_projection.csv"))
        progress(5, steps, "done")
    months = min(12, args.horizon)
    first_year = projection["expected_approvals"].head(months).sum()
    rate = (
        args.enquiries_per_month
        if args.enquiries_per_month is not None
        else model.recent_enquiries_per_month_
    )
    print(
        f"Expected approvals in the next {months} months: {first_year:.1f} households "
        f"(from {len(model.open_pipeline(enquiries))} people in progress plus {rate:.1f} new "
        "enquiries a month)."
    )
    return 0


def _evaluation_text(enquiries, extract) -> str:
    from sufficiency.supply.conversion import backtest_projection, evaluate_approval_model

    try:
        text = evaluate_approval_model(enquiries, extract).text()
    except SufficiencyError as error:
        return f"Approval model not evaluated: {error}"
    try:
        return text + "\n" + backtest_projection(enquiries, extract).text()
    except SufficiencyError as error:
        return text + f"\nProjection not checked against history: {error}"
