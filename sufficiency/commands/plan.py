"""``sufficiency plan``: the recruitment plan a scenario's targets need, and whether it can be met.

``sufficiency plan [FILE.toml] --out DIR`` writes recommended_households.csv,
marketing_by_channel.csv, targets.csv, quarterly.csv, costs.csv, plan.xlsx and plan.md (the plan
in plain words). It gives the same approvals as ``sufficiency scenario run`` for the same
scenario. Without FILE it plans for the baseline scenario; without ``--data`` it uses the embedded
synthetic demo authority and its synthetic carer and enquiry records.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sufficiency.commands.common import add_903_options
from sufficiency.errors import SufficiencyError
from sufficiency.export_units import money_unit, with_units
from sufficiency.spreadsheets import write_csv


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``plan``."""
    from sufficiency.recommend import (
        DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
        DEFAULT_CHANNEL_REACH,
    )

    parser = subparsers.add_parser(
        "plan",
        help="solve the targets into a recruitment plan (households a quarter, marketing by "
        "channel) and check it can be met",
        description=(
            "Solve the scenario's targets (IFA share, external residential cap) into the extra "
            "in-house households to approve each quarter by carer type, within the authority's "
            "recruitment limits (assessment capacity, the enquiries marketing can bring, the "
            "lead time from enquiry to approval, the recruitment budget), and say whether the "
            "target can be met, the best level reachable by its date and the earliest date it "
            "could be met. The same solver runs in `scenario run` and the explorer. Writes "
            "recommended_households.csv (quarter, carer type, approvals: households), "
            "marketing_by_channel.csv (quarter, channel, enquiries, spend: £), targets.csv, "
            "quarterly.csv (approvals, enquiries, households needed and in post), costs.csv (£ "
            "cash and net present value), plan.xlsx and plan.md, which explains the plan in "
            "plain words. --beyond-target also asks a mixed-integer optimiser (CBC) whether "
            "more households would pay for themselves."
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
        default=None,
        metavar="N",
        help="most households the assessment team can approve a quarter, all recruitment "
        f"together (default: the scenario's, else {DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER:g}, "
        "an assumption: use your own)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="GBP",
        help="most recruitment, assessment and marketing spend per financial year (£); "
        "default: the scenario's, else no limit",
    )
    parser.add_argument(
        "--ifa-share-target",
        type=float,
        default=None,
        metavar="PCT",
        help="target IFA share (%%) of foster placements (or of non-kinship fostering when the "
        "scenario says so), overriding the scenario's",
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
        default=None,
        metavar="TIMES",
        help="most extra enquiries a paid marketing channel can bring a quarter, as a multiple of "
        f"its enquiries a quarter over the last three years (default {DEFAULT_CHANNEL_REACH:g}, "
        "an assumption)",
    )
    parser.add_argument(
        "--beyond-target",
        action="store_true",
        help="also ask the optimiser (CBC) whether recruiting more households than the target "
        "needs would pay for itself within the horizon",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed for simulated demand paths (default 0)"
    )
    parser.add_argument(
        "--simulations",
        type=int,
        default=None,
        metavar="N",
        help="override the scenario's number of simulated paths (0 = the fast run: 32 representative paths)",
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
    """Solve the scenario's targets into a plan and write its tables and plan.md."""
    import pandas as pd

    from sufficiency.cli import progress_bar
    from sufficiency.recommend import (
        cost_table,
        excel_bytes,
        plan_markdown,
        plan_tables,
        recommend_plan,
        targets_of,
    )
    from sufficiency.scenario import fit_models

    if args.assessment_capacity is not None and args.assessment_capacity < 0:
        raise SufficiencyError(
            f"--assessment-capacity must be zero or more households a quarter "
            f"(got {args.assessment_capacity:g})."
        )
    if args.budget is not None and args.budget < 0:
        raise SufficiencyError(f"--budget must be zero or more pounds (got {args.budget:g}).")
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
            funnel=funnel,
            progress=progress,
            is_demo=not args.data,
        )
    last_month = models.origin + pd.offsets.MonthEnd(scenario.horizon_months)
    scenario = _scenario(args, last_month=last_month.strftime("%Y-%m"))
    with progress_bar("Solving the targets") as progress:
        plan = recommend_plan(
            scenario,
            models=models,
            assessment_capacity_per_quarter=args.assessment_capacity,
            budget_per_financial_year=args.budget,
            channel_reach=args.channel_reach,
            beyond_target=args.beyond_target,
            random_state=args.seed,
            progress=progress,
        )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {**plan_tables(plan), "costs": cost_table(plan)}
    money = money_unit(scenario.price_base_year)
    for name, frame in tables.items():
        # units in the headers after the documented names, as plan.xlsx
        write_csv(with_units(frame, money=money), out / f"{name}.csv")
    (out / "plan.xlsx").write_bytes(excel_bytes(tables, money=money))
    if models.is_demo:
        data_label = f"{models.authority}: synthetic demo data, not a real council"
    else:
        data_label = f"your 903 data ({', '.join(args.data)})"
    resolved = plan.result.resolved
    inputs = {
        "Scenario": args.file or "baseline (no levers)",
        "Horizon": f"{scenario.horizon_months} months from {models.origin:%B %Y}",
        "Targets": "; ".join(targets_of(scenario).describe()) or "none",
        "Assessment capacity": (
            f"{resolved.assessment_capacity:g} households a quarter "
            f"({resolved.sources['assessment_capacity']})"
        ),
        "Demand planned for": (
            "32 representative paths (the fast run: the demand model's mean path spread like its simulated paths)"
            if scenario.n_simulations == 0
            else f"the mean of {scenario.n_simulations} simulated paths (seed {args.seed})"
        ),
        "Recruitment budget": "no limit"
        if args.budget is None and scenario.recruitment_budget_per_year is None
        else f"£{(args.budget or scenario.recruitment_budget_per_year):,.0f} per financial year",
        "Marketing channel reach": (
            f"{resolved.channel_reach:g}x recent enquiries ({resolved.sources['channel_reach']})"
        ),
    }
    text = plan_markdown(plan, scenario_name=scenario.name, data_label=data_label, inputs=inputs)
    (out / "plan.md").write_text(text, encoding="utf-8")
    if models.is_demo:
        print("Note: the plan uses the synthetic demo authority, not real data.", file=sys.stderr)
    print(f"Wrote {len(tables) + 2} files to {out}", file=sys.stderr)
    print(plan.explain())
    return 0
