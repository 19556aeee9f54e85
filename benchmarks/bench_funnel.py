"""Benchmark: recruitment-funnel analytics on 50,000 enquiries (budget 2 s) and the pieces a page
interaction re-runs (budget 1 s each).

Run with ``.venv/bin/python benchmarks/bench_funnel.py``. Exits 1 when a budget is missed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sufficiency.supply import funnel
from sufficiency.supply.conversion import ApprovalModel
from sufficiency.supply.demo_records import load_demo_funnel, write_demo_funnel
from sufficiency.supply.records import read_funnel_records

ANALYTICS_BUDGET_SECONDS = 2.0
INTERACTION_BUDGET_SECONDS = 1.0
GROUPINGS = [None, "channel", "campaign", "year"]


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    print(f"  {label:<48} {elapsed:6.3f} s")
    return result, elapsed


def funnel_analytics(records) -> None:
    enquiries, extract, spend = records.enquiries, records.extract_date, records.spend
    funnel.funnel_counts(enquiries, by=GROUPINGS)
    funnel.stage_conversion(enquiries, extract, by=GROUPINGS)
    funnel.stage_durations(enquiries, extract, by=GROUPINGS)
    funnel.cost_per_outcome(enquiries, spend, by="channel")
    funnel.cost_per_outcome(enquiries, spend, by="campaign")
    funnel.cohort_curves(enquiries, extract, max_months=24)
    funnel.monthly_enquiries(enquiries, by="channel")
    funnel.funnel_parameters(enquiries, extract)


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        paths = write_demo_funnel(Path(scratch), scale=22, random_state=7)
        large, _ = timed(
            "read + validate large enquiries file", lambda: read_funnel_records(list(paths))
        )
    print(f"Large synthetic authority: {len(large.enquiries):,} enquiries")
    _, elapsed = timed("funnel analytics (all groupings)", lambda: funnel_analytics(large))
    if len(large.enquiries) < 50_000:
        failures.append("fewer than 50,000 enquiries generated")
    if elapsed > ANALYTICS_BUDGET_SECONDS:
        failures.append(f"funnel analytics took {elapsed:.2f} s (budget 2 s)")
    model, _ = timed(
        "approval model fit (large)",
        lambda: ApprovalModel().fit(large.enquiries, large.extract_date),
    )
    timed("projection, 2,000 simulations (large)", lambda: model.project(large.enquiries, 24))

    demo = load_demo_funnel()
    print(f"Demo authority (page interactions): {len(demo.enquiries):,} enquiries")
    demo_model = ApprovalModel().fit(demo.enquiries, demo.extract_date)
    checks = {
        "campaign funnel page: filter change": lambda: funnel_analytics(demo),
        "pipeline page: change enquiries a month": lambda: demo_model.project(
            demo.enquiries, 24, future_enquiries_per_month=40
        ),
    }
    for label, action in checks.items():
        _, elapsed = timed(label, action)
        if elapsed > INTERACTION_BUDGET_SECONDS:
            failures.append(f"{label} took {elapsed:.2f} s (budget 1 s)")
    if failures:
        print("MISSED: " + "; ".join(failures))
        return 1
    print("All funnel budgets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
