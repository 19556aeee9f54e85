"""``sufficiency scenario``: run what-if scenarios and compare them.

``sufficiency scenario run FILE.toml --out DIR`` writes placements.csv, carers_needed.csv,
costs_by_financial_year.csv, summary.json, workbook.xlsx and summary.html (and a few more CSVs).
``sufficiency scenario compare A.toml B.toml [...] --out DIR`` runs each and writes side-by-side
tables. Both use the embedded synthetic demo authority unless ``--data`` names 903 files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sufficiency.commands.common import add_903_options


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``scenario`` with its ``run`` and ``compare`` sub-subcommands."""
    parser = subparsers.add_parser(
        "scenario",
        help="run what-if scenarios (placements, carers needed, costs) and compare them",
        description=(
            "Run a scenario file (TOML or JSON; see examples/scenarios/) against the 903 data: "
            "projected placements by month, age band and placement category, in-house carers "
            "and the recruitment the targets need, and costs by financial year (April-March) "
            "with 10th-90th percentile intervals, against a baseline with the same prices."
        ),
    )
    commands = parser.add_subparsers(
        title="scenario commands", dest="scenario_command", metavar="COMMAND"
    )

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--data",
            nargs="+",
            default=[],
            metavar="PATH",
            help="SSDA903 files or folders (CSV/XLSX); omit to use the synthetic demo authority",
        )
        add_903_options(sub)
        sub.add_argument(
            "--households",
            nargs="+",
            default=[],
            metavar="FILE",
            help="carer household records (CSV/XLSX, see the README); today's carers then leave "
            "as the fitted retention model says instead of at the scenario's yearly rate",
        )
        sub.add_argument(
            "--funnel",
            nargs="+",
            default=[],
            metavar="FILE",
            help="enquiry and campaign spend records (CSV/XLSX); marketing spend then buys "
            "enquiries at each channel's measured cost per enquiry and conversion",
        )
        sub.add_argument("--out", required=True, metavar="DIR", help="folder to write outputs to")
        sub.add_argument(
            "--seed", type=int, default=0, help="random seed for the simulated paths (default 0)"
        )
        sub.add_argument(
            "--simulations",
            type=int,
            default=None,
            metavar="N",
            help="override the scenario's number of simulated paths (0 = the fast run: 32 representative paths)",
        )

    run_parser = commands.add_parser(
        "run",
        help="run one scenario file",
        description=(
            "Run one scenario and write placements.csv (month, age_band, placement_category, "
            "provider, mean, p10, p90: children), carers_needed.csv, carers.csv, "
            "costs_by_financial_year.csv (financial_year, placement_category, provider, "
            "cost_mean, cost_p10, cost_p90: £ nominal), invest_to_save.csv, assumptions.csv, "
            "summary.json, workbook.xlsx and a printable summary.html."
        ),
    )
    run_parser.add_argument("file", metavar="FILE.toml", help="scenario file (.toml or .json)")
    common(run_parser)
    run_parser.set_defaults(func=run)

    compare_parser = commands.add_parser(
        "compare",
        help="run two or more scenario files and compare them side by side",
        description=(
            "Run each scenario on the same data and seed and write compare_headline.csv, "
            "compare_placements.csv, compare_carers.csv, compare_costs.csv, "
            "compare_differences.csv and comparison.xlsx, plus each scenario's own outputs in a "
            "sub-folder named after it."
        ),
    )
    compare_parser.add_argument(
        "files", nargs="+", metavar="FILE.toml", help="two or more scenario files"
    )
    common(compare_parser)
    compare_parser.set_defaults(func=compare)

    sweep_parser = commands.add_parser(
        "sweep",
        help="run one scenario with one lever stepped through several values, in parallel",
        description=(
            "Step one lever of a scenario file through several values and run each version in "
            "parallel (worker processes on this machine, or a Dask cluster with --engine dask), "
            "with the same data and seed. Writes sweep.csv: lever, value, children looked "
            "after at the end, IFA share of non-kinship fostering at the end (%%), in-house households at the end, total "
            "cost and investment (£) and the payback month, one row per value."
        ),
    )
    sweep_parser.add_argument("file", metavar="FILE.toml", help="scenario file (.toml or .json)")
    sweep_parser.add_argument(
        "--lever",
        required=True,
        help="the lever to step: a numeric lever (e.g. step_downs_per_year) or a mapping entry "
        "(e.g. approvals_per_quarter.mainstream, entries_change_pct.10-15)",
    )
    sweep_parser.add_argument(
        "--values",
        required=True,
        type=_numbers,
        metavar="V1,V2,...",
        help="comma-separated values in the lever's own unit, e.g. 0,2,4,6,8",
    )
    from sufficiency.commands.national import add_engine_arguments

    add_engine_arguments(sweep_parser)
    common(sweep_parser)
    sweep_parser.set_defaults(func=sweep)
    parser.set_defaults(func=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _load(paths: list[str], args: argparse.Namespace | None = None):
    from sufficiency.commands.common import load_903_or_demo, options_903

    options = options_903(args) if args is not None else {}
    if not paths and not options.get("extract_date"):
        return None
    return load_903_or_demo(paths, **options)


def _models(args: argparse.Namespace, horizon: int):
    from sufficiency.cli import progress_bar
    from sufficiency.scenario import fit_models

    data = _load(args.data, args)
    households = None
    if args.households:
        from sufficiency.supply.households import read_households

        households = read_households(args.households)
    funnel = None
    if args.funnel:
        from sufficiency.supply.records import read_funnel_records

        funnel = read_funnel_records(args.funnel)
    with progress_bar("Fitting the demand model") as progress:
        return fit_models(
            data,
            max_horizon=max(horizon, 60),
            households=households,
            funnel=funnel,
            progress=progress,
            is_demo=not args.data,
        )


def _scenario(path: str, simulations: int | None):
    from sufficiency.scenario import Scenario

    scenario = Scenario.from_file(path)
    if simulations is not None:
        scenario = scenario.replace(n_simulations=simulations)
    return scenario


def run(args: argparse.Namespace) -> int:
    """Run one scenario and write its outputs."""
    from sufficiency.exports import write_result
    from sufficiency.scenario import run as run_scenario

    scenario = _scenario(args.file, args.simulations)
    models = _models(args, scenario.horizon_months)
    result = run_scenario(scenario, models=models, random_state=args.seed)
    paths = write_result(result, args.out)
    if result.is_demo:
        print("Note: results use the synthetic demo authority, not real data.", file=sys.stderr)
    print(f"Wrote {len(paths)} files to {args.out}", file=sys.stderr)
    _print_headline(result.summary)
    return 0


def compare(args: argparse.Namespace) -> int:
    """Run two or more scenarios and write side-by-side tables."""
    from pathlib import Path

    from sufficiency.errors import SufficiencyError
    from sufficiency.exports import write_comparison, write_result
    from sufficiency.scenario import compare as compare_results
    from sufficiency.scenario import run as run_scenario

    if len(args.files) < 2:
        raise SufficiencyError("compare needs at least two scenario files.")
    scenarios = [_scenario(path, args.simulations) for path in args.files]
    models = _models(args, max(s.horizon_months for s in scenarios))
    results = []
    for scenario in scenarios:
        result = run_scenario(scenario, models=models, random_state=args.seed)
        folder = "".join(c if c.isalnum() or c in "-_" else "_" for c in scenario.name)
        write_result(result, Path(args.out) / folder)
        results.append(result)
    tables = compare_results(results)
    years = {s.price_base_year for s in scenarios}
    paths = write_comparison(tables, args.out, years.pop() if len(years) == 1 else None)
    print(f"Wrote {len(paths)} comparison files to {args.out}", file=sys.stderr)
    print(tables["headline"].to_string(index=False))
    return 0


def _numbers(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a comma-separated list of numbers (for example 0,2,4,6)"
        ) from None


def sweep(args: argparse.Namespace) -> int:
    """Run one scenario for each value of a lever on a local Dask cluster."""
    from sufficiency.cli import progress_bar
    from sufficiency.commands.common import write_csv
    from sufficiency.distributed import engine, swept_scenarios, validate_engine
    from sufficiency.distributed import sweep as sweep_scenarios
    from sufficiency.exports import sweep_table

    validate_engine(args.engine, args.workers, args.scheduler)  # before any slow work
    base = _scenario(args.file, args.simulations)
    swept_scenarios(base, args.lever, args.values)  # check the lever before the slow work
    models = _models(args, base.horizon_months)
    with (
        engine(
            args.engine, args.workers, args.scheduler, preload=("sufficiency.scenario",)
        ) as running,
        progress_bar("Running scenarios") as progress,
    ):
        print(f"Running on the {running.describe()}.", file=sys.stderr)
        table = sweep_scenarios(
            base,
            args.lever,
            args.values,
            models,
            engine=running,
            random_state=args.seed,
            progress=progress,
        )
    if models.is_demo:
        print("Note: results use the synthetic demo authority, not real data.", file=sys.stderr)
    write_csv(
        sweep_table(table, args.lever, base.price_base_year), str(Path(args.out) / "sweep.csv")
    )
    print(table.to_string(index=False))
    return 0


def _print_headline(summary: dict) -> None:
    import pandas as pd

    from sufficiency.plan.shares import SHARE_MEASURE

    # the forecast starts the month after the data end (the origin)
    end = pd.Timestamp(summary["origin"]) + pd.offsets.MonthEnd(summary["horizon_months"])
    lines = [
        f"Scenario: {summary['scenario']} (from {summary['origin']}, "
        f"{summary['horizon_months']} months)",
        f"Children looked after: {summary['children_looked_after_start']:,.0f} now, "
        f"{summary['children_looked_after_end']:,.0f} at the end",
        f"IFA share at the end ({end:%B %Y}): {summary['ifa_share_of_fostering_end_pct']:.0f}% "
        f"of foster placements ({summary['ifa_share_of_non_kinship_fostering_end_pct']:.0f}% of "
        f"non-kinship foster placements; {SHARE_MEASURE})",
        f"Total cost: £{summary['total_cost_gbp']:,.0f}; saving against baseline: "
        f"£{summary['total_saving_vs_baseline_gbp']:,.0f}; investment: "
        f"£{summary['total_investment_gbp']:,.0f}; net present value: "
        f"£{summary['npv_gbp']:,.0f}; payback: {summary['payback_month'] or 'none'}",
    ]
    for target in summary["targets"]:
        verdict = target["verdict"]
        lines.append(
            f"Target: {target['target']} at most {target['target_value']:g} by "
            f"{target['date']}: {verdict}; extra households to approve: "
            f"{summary['approvals_needed_total']}"
        )
    print("\n".join(lines))
