"""Benchmark: the demand forecast's accuracy against carrying the last figure forward.

On every test authority (the demo and the two synthetic test authorities in
``data/test_authorities``), the stock-flow model with its default settings is refitted at every
31 March and 30 September (choosing origins up to March 2021, confirmation origins after: see
``docs/demand_defaults.md``) and scored 12, 24 and 36 months ahead against the naive forecast in
the same run. Each origin's forecast is the one the product would have made then: its ranges
calibrated on the earlier origins' known outcomes only (nested, 300 paths as the product's own
backtest; :func:`sufficiency.demand.track_record.backtest_stockflow`). Targets (from the issue): total children MAE below naive at 12, 24 and 36 months;
placement categories (all ten summed) below naive at 12 and 24 months; 80% ranges holding 70-90%
of outcomes at 12-36 months.

Run: ``.venv/bin/python benchmarks/bench_demand_accuracy.py`` (a few minutes on two cores).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import choose_demand_defaults as selection  # noqa: E402
import pandas as pd  # noqa: E402

from sufficiency.demand.track_record import backtest_stockflow  # noqa: E402


def _verdict(ratio: float) -> str:
    return "ok" if ratio < 1 else "NOT MET"


def nested_report(authorities: dict) -> pd.DataFrame:
    """Scores of the default model as the product makes it, at every origin (nested)."""
    scored = []
    for name, authority in authorities.items():
        inputs = authority["inputs"]
        found = backtest_stockflow(
            inputs.panel, inputs.stock, origins=authority["origins"], horizon=60, n_paths=300
        )
        scored.append(found.assign(authority=name))
    return pd.concat(scored, ignore_index=True)


def main() -> int:
    started = time.perf_counter()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    authorities = selection.load_authorities()
    scored = nested_report(authorities)
    for phase in ("choose", "confirm"):
        chosen = scored["origin"] <= selection.LAST_CHOOSING_ORIGIN
        table = selection.table_of(scored[chosen if phase == "choose" else ~chosen], phase)
        label = "choosing origins (to March 2021)" if phase == "choose" else "confirmation origins"
        print(f"\n== {label}")
        for _, row in table.iterrows():
            line = (
                f"{row['authority']:<20} {row['horizon']:>2} months ({row['origins']:>2} origins): "
                f"total MAE {row['total MAE']:6.1f} vs naive {row['naive total MAE']:6.1f} "
                f"children, ratio {row['total ratio']:4.2f} ({_verdict(row['total ratio'])})"
            )
            if row["horizon"] in selection.CATEGORY_HORIZONS:
                line += (
                    f"; categories MAE {row['category MAE']:5.1f} vs naive "
                    f"{row['naive category MAE']:5.1f}, ratio {row['category ratio']:4.2f} "
                    f"({_verdict(row['category ratio'])})"
                )
            print(line)
        for _, row in table.iterrows():
            coverage = row["total inside 80%"]
            verdict = "ok" if 0.7 <= coverage <= 0.9 else "NOT MET"
            print(
                f"{row['authority']:<20} {row['horizon']:>2} months: 80% range held the total "
                f"{coverage:.0%} of the time (target 70-90%: {verdict}); categories "
                f"{row['categories inside 80%']:.0%}"
            )
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
