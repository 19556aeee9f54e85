"""Benchmark: one-year-ahead accuracy of every series method on the published DfE LA tables.

Every English authority with an unbroken 2010-2024 series of children looked after at 31 March
(146 of 158 LA codes; boundary-change LAs excluded) is forecast one year ahead from 31 March
2019, 2020, 2021, 2022 and 2023, each time using only the figures published up to that year.

Targets: error below naive (ratio < 1) and 80% intervals that hold what happened 70-90% of the
time. The numbers printed are whatever they come to.

Run: ``.venv/bin/python benchmarks/bench_backtest_published.py [--jobs 2] [--out FILE.csv]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sufficiency.demand.backtest import (  # noqa: E402
    DEFAULT_METHODS,
    backtest_published,
    recommend_method,
    summarise_backtest,
)
from sufficiency.spreadsheets import write_csv  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel Prophet fits (default 2)")
    parser.add_argument("--out", default=None, help="also write the per-row metrics as CSV")
    parser.add_argument(
        "--methods", default=",".join(DEFAULT_METHODS), help="comma-separated methods"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    scores = backtest_published(
        args.methods.split(","), range(2019, 2024), horizon=1, n_jobs=args.jobs
    )
    elapsed = time.perf_counter() - started
    if args.out:
        write_csv(scores, args.out)

    summary = summarise_backtest(scores).sort_values("mae_ratio_vs_naive")
    n_las = scores["series_id"].nunique()
    print(
        f"Published DfE LA tables: children looked after at 31 March, {n_las} authorities with "
        f"an unbroken 2010-2024 series, one year ahead from 31 March 2019-2023 "
        f"({len(scores):,} scored forecasts, {elapsed:.0f} s)."
    )
    print(
        "MAE ratio vs naive = total absolute error / naive's total absolute error (< 1 is better)."
    )
    print(
        f"{'method':<13}{'MAE ratio':>10}{'80% cover':>11}{'95% cover':>11}"
        f"{'MAE (children)':>16}{'median APE':>12}{'MASE':>7}"
    )
    for row in summary.itertuples():
        print(
            f"{row.method:<13}{row.mae_ratio_vs_naive:>10.3f}{row.coverage_80:>11.1%}"
            f"{row.coverage_95:>11.1%}{row.MAE:>16.1f}{row.median_APE:>11.1f}%{row.MASE:>7.2f}"
        )
    by_origin = summarise_backtest(scores, by=("method", "origin"))
    pivot = by_origin.pivot(index="method", columns="origin", values="mae_ratio_vs_naive")
    pivot.columns = [f"{c:%Y}" for c in pivot.columns]
    print("\nMAE ratio vs naive by forecast origin (31 March of the year shown):")
    print(pivot.round(3).to_string())

    recommendation = recommend_method(scores)
    target_ratio = recommendation.mae_ratio_vs_naive < 1
    target_coverage = 0.70 <= recommendation.coverage_80 <= 0.90
    print(
        f"\nRecommended: {recommendation.method} - MAE ratio vs naive "
        f"{recommendation.mae_ratio_vs_naive:.3f} ({'meets' if target_ratio else 'misses'} < 1), "
        f"80% coverage {recommendation.coverage_80:.1%} "
        f"({'within' if target_coverage else 'outside'} 70-90%), "
        f"95% coverage {recommendation.coverage_95:.1%}."
    )
    print(recommendation.sentence)
    return 0


if __name__ == "__main__":
    sys.exit(main())
