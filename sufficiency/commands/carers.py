"""``sufficiency carers``: carer households and usable places by month and age band."""

from __future__ import annotations

import argparse
import sys

from sufficiency.errors import SufficiencyError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``carers`` subcommand."""
    from sufficiency.supply import defaults

    parser = subparsers.add_parser(
        "carers",
        help="approved carer households and usable foster places by month and age band",
        description=(
            "Project the service's own approved foster-carer households, approved places and "
            "usable places (approved places x occupancy) by month and DfE age band, simulating "
            "carers leaving at rates estimated from the records by tenure and carer group "
            "(shrunk towards Ofsted's published rates where the records are thin), with optional "
            "new approvals. By default kinship (family and friends) households are left out because "
            "they are approved for named children (see --carer-types). Output columns: horizon_month, month, age_band (the DfE "
            "bands and 'all ages'), then for households, approved_places, usable_places and "
            "new_households the mean and 10th/50th/90th percentiles over the simulated paths. "
            "File format: docs/supply_formats.md."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="carer household files (CSV or XLSX) or folders of them. Omit to use the synthetic "
        "demo authority's households.",
    )
    parser.add_argument(
        "--horizon",
        type=int,
        default=60,
        metavar="MONTHS",
        help="months to project from the extract date (1-240, default 60)",
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    parser.add_argument(
        "--extract-date",
        metavar="YYYY-MM-DD",
        help="the date the records describe (default: the latest date in them)",
    )
    parser.add_argument(
        "--approvals-per-month",
        type=float,
        default=0.0,
        metavar="N",
        help="mean new mainstream approvals a month over the horizon (default 0: no recruitment)",
    )
    parser.add_argument(
        "--occupancy",
        type=float,
        default=float(defaults.OCCUPANCY),
        metavar="SHARE",
        help="usable share of approved places (default "
        + defaults.OCCUPANCY.describe().replace("%", "%%")
        + ")",
    )
    parser.add_argument(
        "--carer-types",
        metavar="TYPES",
        default="mainstream,parent and child,teenagers,sibling groups,disabled children",
        help="comma-separated carer types to count (default: every type except kinship). Types: "
        "mainstream, kinship, parent and child, teenagers, sibling groups, disabled children",
    )
    parser.add_argument(
        "--simulations",
        type=int,
        default=500,
        metavar="N",
        help="simulated futures for the intervals (default 500)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--report",
        metavar="FILE.csv",
        help="also write the validation report (one row per problem found in the records)",
    )
    parser.set_defaults(func=run)


def _check(args: argparse.Namespace) -> None:
    if not 1 <= args.horizon <= 240:
        raise SufficiencyError("--horizon must be between 1 and 240 months.")
    if args.approvals_per_month < 0:
        raise SufficiencyError("--approvals-per-month must not be negative.")
    if not 0 < args.occupancy <= 1:
        raise SufficiencyError("--occupancy must be a share between 0 and 1, e.g. 0.66.")
    if not 1 <= args.simulations <= 20_000:
        raise SufficiencyError("--simulations must be between 1 and 20000.")


def _carer_types(text: str) -> list[str]:
    import pandas as pd

    from sufficiency.supply.households import CARER_TYPES, normalise_carer_type

    given = [part.strip() for part in text.split(",") if part.strip()]
    types = normalise_carer_type(pd.Series(given, dtype="string")).tolist()
    unknown = [raw for raw, kind in zip(given, types, strict=True) if kind not in CARER_TYPES]
    if unknown or not types:
        raise SufficiencyError(
            f"--carer-types: {', '.join(unknown) or '(none given)'} not recognised. Use a "
            f"comma-separated list of: {', '.join(CARER_TYPES)}."
        )
    return list(dict.fromkeys(types))


def run(args: argparse.Namespace) -> int:
    """Read households (or the demo), project capacity and write the CSV."""
    import pandas as pd

    from sufficiency.commands.common import write_csv
    from sufficiency.supply.capacity import ALL_AGES, project_capacity
    from sufficiency.supply.retention import RetentionModel

    _check(args)
    carer_types = _carer_types(args.carer_types)
    if args.extract_date is not None:
        try:
            extract_date = pd.Timestamp(args.extract_date)
        except ValueError as error:
            raise SufficiencyError(
                f"--extract-date '{args.extract_date}' is not a date; write it as YYYY-MM-DD."
            ) from error
    else:
        extract_date = None
    if args.paths:
        from sufficiency.cli import progress_bar
        from sufficiency.supply.households import read_households

        with progress_bar("Reading carer households") as progress:
            data = read_households(args.paths, extract_date=extract_date, progress=progress)
    else:
        from sufficiency.supply.demo_carers import DEMO_HOUSEHOLDS_LABEL, load_demo_households

        print(f"Using the {DEMO_HOUSEHOLDS_LABEL}.", file=sys.stderr)
        data = load_demo_households()
    print(data.summary(), file=sys.stderr)
    if args.report:
        write_csv(data.report, args.report)
    start = data.extract_date
    model = RetentionModel().fit(data.households, start)
    projection = project_capacity(
        data.households,
        start,
        args.horizon,
        approvals_per_month=args.approvals_per_month or None,
        retention_model=model,
        carer_types=carer_types,
        occupancy=args.occupancy,
        n_paths=args.simulations,
        random_state=args.seed,
    )
    summary = projection.summary()
    summary["month"] = summary["month"].dt.date
    write_csv(summary.round(3), args.out)
    total = summary[summary["age_band"] == ALL_AGES]
    first, last = total.iloc[0], total.iloc[-1]
    print(
        f"Households ({', '.join(carer_types)}): {first['households_mean']:.0f} at {start:%d %b %Y}; "
        f"{last['households_mean']:.0f} expected at {last['month']:%d %b %Y} "
        f"(80% interval {last['households_p10']:.0f}-{last['households_p90']:.0f}). Usable "
        f"places: {first['usable_places_mean']:.0f} -> {last['usable_places_mean']:.0f}.",
        file=sys.stderr,
    )
    return 0
