"""``sufficiency plan``: the least-cost recruitment plan for a scenario's targets.

``sufficiency plan [FILE.toml] --out DIR`` writes recommended_households.csv,
marketing_by_channel.csv, placements.csv, shortfalls.csv, costs.csv, plan.xlsx and plan.md (the
plan in plain words). Without FILE it plans for the baseline scenario; without ``--data`` it uses
the embedded synthetic demo authority (and its synthetic enquiry records for marketing channels).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sufficiency.commands.common import add_903_options
from sufficiency.errors import SufficiencyError
from sufficiency.spreadsheets import write_csv


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``plan``."""
    from sufficiency.recommend import (
        DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
        DEFAULT_CHANNEL_REACH,
    )

    parser = subparsers.add_parser(
        "plan",
        help="propose the least-cost recruitment plan (households a quarter, marketing by channel)",
        description=(
            "Find the recruitment plan that keeps the total cost of placements, recruitment and "
            "carer support lowest over the scenario's horizon while meeting its targets (IFA "
            "share, external residential cap) within the assessment team's capacity and the "
            "recruitment budget, using a mixed-integer solver (CBC). Writes "
            "recommended_households.csv (quarter, specialism, approvals: households), "
            "marketing_by_channel.csv (quarter, channel, enquiries, spend: £), placements.csv "
            "(children by quarter; IFA share in %), shortfalls.csv (quarters where a target is "
            "missed: in-house places short), costs.csv (£), plan.xlsx and plan.md, which "
            "explains the plan in plain words. Costs are in constant prices of the scenario's "
            "price base year."
        ),
    )
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE.toml",
        help="scenario file (.toml or .json; see examples/scenarios/) with targets, costs and "
        "carer assumptions; omit for the baseline scenario",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write outputs to")
    parser.add_argument(
        "--data",
        nargs="+",
        default=[],
        metavar="PATH",
        help="SSDA903 files or folders (CSV/XLSX); omit to use the synthetic demo authority",
    )
    add_903_options(parser)
    parser.add_argument(
        "--households",
        nargs="+",
        default=[],
        metavar="FILE",
        help="carer household records (CSV/XLSX, see the README); today's carers then leave "
        "as the fitted retention model says instead of at the scenario's yearly rate",
    )
    parser.add_argument(
        "--funnel",
        nargs="+",
        default=[],
        metavar="PATH",
        help="enquiries and campaign spend files or folders, to plan marketing by channel "
        "(see docs/supply_formats.md); the demo authority's synthetic records are used with "
        "the demo data",
    )
    parser.add_argument(
        "--assessment-capacity",
        type=float,
        default=DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
        metavar="N",
        help="most households the assessment team can approve a quarter "
        f"(default {DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER:g}, an assumption: use your own)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="GBP",
        help="most recruitment, assessment and marketing spend per financial year (£); "
        "default: no limit",
    )
    parser.add_argument(
        "--ifa-share-target",
        type=float,
        default=None,
        metavar="PCT",
        help="target IFA share of non-kinship foster placements (%%), overriding the scenario's",
    )
    parser.add_argument(
        "--ifa-share-by",
        default=None,
        metavar="YYYY-MM",
        help="month the IFA share target applies from (default: the scenario's, else the "
        "horizon's last month)",
    )
    parser.add_argument(
        "--external-residential-cap",
        type=float,
        default=None,
        metavar="CHILDREN",
        help="most children in external residential care, overriding the scenario's target",
    )
    parser.add_argument(
        "--external-residential-by",
        default=None,
        metavar="YYYY-MM",
        help="month the external residential cap applies from",
    )
    parser.add_argument(
        "--channel-reach",
        type=float,
        default=DEFAULT_CHANNEL_REACH,
        metavar="TIMES",
        help="most enquiries a marketing channel can bring a quarter, as a multiple of its "
        f"enquiries a quarter over the last three years (default {DEFAULT_CHANNEL_REACH:g}, "
        "an assumption)",
    )
    parser.add_argument(
        "--no-marketing",
        action="store_true",
        help="plan approvals without marketing channels (approvals limited by capacity only)",
    )
    parser.add_argument(
        "--demand-quantile",
        type=float,
        default=None,
        metavar="Q",
        help="plan for this quantile of simulated demand (e.g. 0.8 for a prudent plan) instead "
        "of the mean; needs simulated paths (--simulations above 0)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed for simulated demand paths (default 0)"
    )
    parser.add_argument(
        "--simulations",
        type=int,
        default=None,
        metavar="N",
        help="override the scenario's number of simulated paths (0 = mean path only, fastest)",
    )
    parser.set_defaults(func=run)


def _scenario(args: argparse.Namespace, last_month: str):
    """The scenario file (or the baseline) with the command-line targets applied.

    Targets given without a month apply from ``last_month`` (the horizon's last month).
    """
    from sufficiency.scenario import Scenario

    scenario = Scenario.from_file(args.file) if args.file else Scenario()
    changes: dict = {}
    if args.simulations is not None:
        changes["n_simulations"] = args.simulations
    if args.ifa_share_target is not None:
        changes["ifa_share_target_pct"] = args.ifa_share_target
    if args.ifa_share_by is not None:
        changes["ifa_share_target_date"] = args.ifa_share_by
    if args.external_residential_cap is not None:
        changes["external_residential_target"] = args.external_residential_cap
    if args.external_residential_by is not None:
        changes["external_residential_target_date"] = args.external_residential_by
    merged = {
        "ifa_share_target_date": scenario.ifa_share_target_date,
        "external_residential_target_date": scenario.external_residential_target_date,
        **changes,
    }
    targets = {
        "ifa_share_target_date": changes.get("ifa_share_target_pct", scenario.ifa_share_target_pct),
        "external_residential_target_date": changes.get(
            "external_residential_target", scenario.external_residential_target
        ),
    }
    for date, target in targets.items():
        if target is not None and merged[date] is None:
            changes[date] = last_month
    return scenario.replace(**changes) if changes else scenario


def run(args: argparse.Namespace) -> int:
    """Find the plan and write its tables and plan.md."""
    import pandas as pd

    from sufficiency.cli import progress_bar
    from sufficiency.recommend import (
        ASSESSMENT_CAPACITY_SOURCE,
        DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
        cost_table,
        excel_bytes,
        plan_markdown,
        plan_tables,
        recommend_plan,
        targets_of,
    )
    from sufficiency.scenario import fit_models

    if args.assessment_capacity < 0:
        raise SufficiencyError(
            f"--assessment-capacity must be zero or more households a quarter "
            f"(got {args.assessment_capacity:g})."
        )
    if args.budget is not None and args.budget < 0:
        raise SufficiencyError(f"--budget must be zero or more pounds (got {args.budget:g}).")
    if args.demand_quantile is not None and not 0 < args.demand_quantile < 1:
        raise SufficiencyError(
            f"--demand-quantile must be a share between 0 and 1, e.g. 0.8 (got "
            f"{args.demand_quantile:g})."
        )
    # check the scenario before the slow work so a typo fails fast (the date is a placeholder)
    scenario = _scenario(args, last_month="2099-12")

    data = None
    if args.data or args.extract_date:
        from sufficiency.commands.common import load_903_or_demo, options_903

        data = load_903_or_demo(args.data, **options_903(args))
    funnel = None
    if args.funnel:
        from sufficiency.supply.records import read_funnel_records

        funnel = read_funnel_records(args.funnel)
    households = None
    if args.households:
        from sufficiency.supply.households import read_households

        households = read_households(args.households)
    with progress_bar("Fitting the demand model") as progress:
        models = fit_models(
            data,
            max_horizon=max(scenario.horizon_months, 60),
            households=households,
            progress=progress,
        )
    if args.demand_quantile is not None and scenario.n_simulations == 0:
        raise SufficiencyError(
            "--demand-quantile needs simulated demand paths: set --simulations to 100 or more "
            "(or n_simulations in the scenario file)."
        )
    last_month = models.origin + pd.offsets.MonthEnd(scenario.horizon_months)
    scenario = _scenario(args, last_month=last_month.strftime("%Y-%m"))
    with progress_bar("Finding the least-cost plan") as progress:
        plan = recommend_plan(
            scenario,
            models=models,
            assessment_capacity_per_quarter=args.assessment_capacity,
            budget_per_financial_year=args.budget,
            funnel=funnel,
            channels=[] if args.no_marketing else None,
            channel_reach=args.channel_reach,
            quantile=args.demand_quantile,
            random_state=args.seed,
            progress=progress,
        )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {**plan_tables(plan), "costs": cost_table(plan)}
    for name, frame in tables.items():
        write_csv(frame, out / f"{name}.csv")
    (out / "plan.xlsx").write_bytes(excel_bytes(tables))
    if models.is_demo:
        data_label = f"{models.authority}: synthetic demo data, not a real council"
    else:
        data_label = f"your 903 data ({', '.join(args.data)})"
    capacity_source = (
        ASSESSMENT_CAPACITY_SOURCE
        if args.assessment_capacity == DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER
        else "entered"
    )
    if args.no_marketing:
        marketing = "not planned (--no-marketing)"
    elif args.funnel:
        marketing = f"channels measured on {', '.join(args.funnel)}, reach {args.channel_reach:g}x"
    elif models.is_demo:
        marketing = (
            "channels measured on the demo authority's synthetic enquiry records, reach "
            f"{args.channel_reach:g}x"
        )
    else:
        marketing = "not planned: give --funnel with your enquiry and campaign spend records"
    inputs = {
        "Scenario": args.file or "baseline (no levers)",
        "Horizon": f"{scenario.horizon_months} months from {models.origin:%B %Y}",
        "Targets": "; ".join(targets_of(scenario).describe())
        or "none: the plan recruits only where new carers pay for themselves",
        "Assessment capacity": (
            f"{args.assessment_capacity:g} households a quarter ({capacity_source})"
        ),
        "Demand planned for": (
            "the mean path"
            if scenario.n_simulations == 0
            else f"the mean of {scenario.n_simulations} simulated paths"
        )
        if args.demand_quantile is None
        else f"the {args.demand_quantile:.0%} quantile of {scenario.n_simulations} simulated paths",
        "Recruitment budget": "no limit"
        if args.budget is None
        else f"£{args.budget:,.0f} per financial year (entered)",
        "Marketing": marketing,
    }
    text = plan_markdown(plan, scenario_name=scenario.name, data_label=data_label, inputs=inputs)
    (out / "plan.md").write_text(text, encoding="utf-8")
    if models.is_demo:
        print("Note: the plan uses the synthetic demo authority, not real data.", file=sys.stderr)
    print(f"Wrote {len(tables) + 2} files to {out}", file=sys.stderr)
    print(plan.explain())
    return 0
