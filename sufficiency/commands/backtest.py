"""``sufficiency backtest``: how accurate would each forecasting method have been?"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from sufficiency.commands.common import add_paths_argument, load_903_or_demo, options_903, write_csv
from sufficiency.errors import SufficiencyError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``backtest`` subcommand."""
    parser = subparsers.add_parser(
        "backtest",
        help="rolling-origin backtest of every forecasting method, with a recommendation",
        description=(
            "Pretend to stand at several past dates, forecast with every method using only the "
            "data available then, and compare with what happened. With --published: the DfE "
            "children-looked-after totals of every authority with an unbroken 2010-2024 series, "
            "forecast one year ahead from 31 March 2019-2023 (the latest year, 2024, may be an "
            "origin: its forecasts are written with nothing to score yet). With 903 files (or the embedded "
            "synthetic demo authority when no PATH is given and --published is not set): month-end "
            "stocks in total, by age band and by placement category, forecast from every 31 March "
            "and 30 September over the last six years (each method refitted on the data up to "
            "then), up to --horizon months ahead; the stock-flow model the explorer uses is the "
            "method 'stockflow'. Writes one row per series x "
            "method x forecast date x horizon with MAE (children), MAPE (%), MASE, the error "
            "relative to the naive forecast and whether the 80%/95% ranges held what happened; "
            "then prints which method to trust for which kind of series."
        ),
    )
    add_paths_argument(
        parser,
        la_help="903 files holding several authorities: use this one ('all' pools them); "
        "published tables: only these ONS LA codes (comma-separated), e.g. E10000016",
    )
    parser.add_argument(
        "--published",
        action="store_true",
        help="backtest on the published DfE LA tables (2010-2024)",
    )
    parser.add_argument(
        "--methods",
        default=None,
        metavar="LIST",
        help="comma-separated methods: stockflow (903 data only), naive, seasonal_naive, "
        "drift, ses, damped_holt, combination, prophet (default: all that suit the data; for "
        "903 data all but prophet, which is slow on monthly series)",
    )
    parser.add_argument(
        "--origins",
        default="2019-2023",
        metavar="FIRST-LAST",
        help="published tables: forecast from 31 March of these years (default 2019-2023)",
    )
    parser.add_argument(
        "--horizon",
        type=int,
        default=None,
        metavar="N",
        help="steps ahead: years for --published (default 1), months for 903 data (default 36, "
        "at most 60)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="Prophet fits in parallel (processes; default 1)",
    )
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    parser.set_defaults(func=run)


def _years(text: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            return list(range(first, last + 1))
        return [int(part) for part in text.split(",")]
    except ValueError as error:
        raise SufficiencyError(
            f"--origins '{text}': expected years like 2019-2023 or 2019,2021."
        ) from error


STOCKFLOW = "stockflow"
MONTHLY_903_DEFAULT = (
    STOCKFLOW,
    "naive",
    "seasonal_naive",
    "drift",
    "ses",
    "damped_holt",
    "combination",
)
"""Methods backtested on 903 data by default (Prophet on request: slow on monthly series)."""
MAX_903_HORIZON = 60


def _methods(text: str | None) -> list[str] | None:
    if text is None:
        return None
    from sufficiency.demand.series import METHODS

    names = [name.strip() for name in text.split(",") if name.strip()]
    known = (STOCKFLOW, *METHODS)
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise SufficiencyError(
            f"--methods: unknown method(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(known)}."
        )
    if "naive" not in names:
        names.insert(0, "naive")  # the yardstick every ratio is measured against
    return names


def summary_text(scores: pd.DataFrame) -> str:
    """Plain-words summary per kind of series: a small table and the recommended method."""
    from sufficiency.demand.backtest import recommend_by_kind, summarise_backtest

    lines = []
    recommendations = recommend_by_kind(scores)
    for kind, rows in scores.groupby("kind", sort=False):
        summary = summarise_backtest(rows)
        recommendation = recommendations[str(kind)]
        lines.append(
            f"\n{kind}: {rows['series_id'].nunique()} series, "
            f"{rows['origin'].nunique()} forecast dates"
        )
        lines.append(
            "  method          error vs naive  inside 80% range  inside 95% range  typical error"
        )
        for row in summary.sort_values("mae_ratio_vs_naive").itertuples():
            lines.append(
                f"  {row.method:<15} {row.mae_ratio_vs_naive:>14.2f}  {row.coverage_80:>16.0%}"
                f"  {row.coverage_95:>16.0%}  {row.median_APE:>12.1f}%"
            )
        lines.append(f"  Trust: {recommendation.method}. {recommendation.sentence}")
    lines.append(
        "\n(error vs naive below 1 means less error than carrying the last figure forward; "
        "well-calibrated ranges hold what happened about 80% and 95% of the time.)"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the backtests, write the metric rows and print the summary."""
    from sufficiency.cli import progress_bar
    from sufficiency.demand.backtest import backtest_published

    methods = _methods(args.methods)
    if args.horizon is not None and args.horizon < 1:
        raise SufficiencyError("--horizon must be 1 or more.")
    if (args.paths or not args.published) and (args.horizon or 0) > MAX_903_HORIZON:
        raise SufficiencyError(
            f"--horizon: at most {MAX_903_HORIZON} months ahead on 903 data (got {args.horizon})."
        )
    if methods is not None and STOCKFLOW in methods and args.published and not args.paths:
        raise SufficiencyError(
            "--methods stockflow needs 903 files: the published tables hold no flows by age "
            "and placement to fit it on."
        )
    if args.jobs < 1:
        raise SufficiencyError("--jobs must be 1 or more.")
    results = []
    if args.published:
        la_codes = [c.strip() for c in args.la.split(",")] if args.la else None
        with progress_bar("Backtesting published LA tables") as progress:
            published_methods = (
                [name for name in methods if name != STOCKFLOW] if methods is not None else None
            )
            results.append(
                backtest_published(
                    published_methods,
                    _years(args.origins),
                    args.horizon or 1,
                    la_codes=la_codes,
                    n_jobs=args.jobs,
                    progress=progress,
                    keep_unscored=True,
                )
            )
    if args.paths or not args.published:
        results.append(_backtest_903(args, methods))
    scores = pd.concat(results, ignore_index=True)
    output = scores.copy()
    for column in ("origin", "ds"):
        output[column] = pd.to_datetime(output[column]).dt.date
    write_csv(output, args.out)
    scored = scores.loc[scores["actual"].notna()]
    if len(scored):
        print(summary_text(scored), file=sys.stdout)
    print(unscored_text(scores), file=sys.stdout)
    if (scores["method"] == STOCKFLOW).any():
        from sufficiency.demand.pipeline import track_record_sentences

        print("\nThe stock-flow model (total children), against carrying the last figure forward:")
        for line in track_record_sentences(scores[scores["method"] == STOCKFLOW]):
            print("  " + line)
    return 0


def unscored_text(scores: pd.DataFrame) -> str:
    """Say plainly which forecasts could not be checked (no published figure yet)."""
    waiting = scores.loc[scores["actual"].isna()]
    if waiting.empty:
        return ""
    years = sorted(pd.to_datetime(waiting["ds"]).dt.year.unique())
    origins = sorted(pd.to_datetime(waiting["origin"]).dt.year.unique())
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return (
        f"\n{len(waiting):,} forecast(s) from 31 March {', '.join(map(str, origins))} are of "
        f"{span}, which is not published yet: they are written to the CSV with an empty "
        "'actual' and nothing to score. For forecasts of every authority with 80% and 95% "
        "ranges, use `sufficiency national`."
    )


def _backtest_903(args: argparse.Namespace, methods: list[str] | None) -> pd.DataFrame:
    """The stock-flow model and the series methods on month-end 903 stocks, same origins."""
    from sufficiency.cli import progress_bar
    from sufficiency.demand.backtest import backtest_monthly_stock
    from sufficiency.demand.pipeline import backtest_origins, backtest_stockflow, demand_inputs

    data = load_903_or_demo(args.paths, **options_903(args))
    inputs = demand_inputs(data.episodes, data.extract_date)
    horizon = args.horizon or 36
    chosen = list(methods) if methods is not None else list(MONTHLY_903_DEFAULT)
    origins = backtest_origins(inputs.stock["date"])
    if len(origins) == 0:
        raise SufficiencyError(
            "backtest: the 903 data cover too short a period; a backtest needs at least two years "
            "of month-end history before a forecast date and one year after it."
        )
    results = []
    if STOCKFLOW in chosen:
        with progress_bar("Backtesting the stock-flow model") as progress:
            results.append(
                backtest_stockflow(
                    inputs.panel,
                    inputs.stock,
                    origins=origins,
                    horizon=horizon,
                    n_paths=300,
                    progress=progress,
                )
            )
    series_methods = [name for name in chosen if name != STOCKFLOW]
    if series_methods:
        with progress_bar("Backtesting monthly 903 stocks") as progress:
            results.append(
                backtest_monthly_stock(
                    inputs.stock,
                    series_methods,
                    origins=list(origins),
                    horizon=horizon,
                    progress=progress,
                )
            )
    return pd.concat(results, ignore_index=True)
