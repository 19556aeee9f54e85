"""Benchmark: one scenario run (mean path) once the models are fitted.

Target (finance/scenario issue): at most 200 ms for a mean-path run on the demo authority, with the
demand model already fitted (the explorer's slider path). The run includes the baseline projection,
allocation to in-house capacity, carers needed, and costs by financial year for both. The baseline
in the same run is the demand model's own mean projection alone (``StockFlowModel.predict``), the
floor any scenario run pays. A 200-path simulated run is timed for information.

Run: ``.venv/bin/python benchmarks/bench_scenario.py``
"""

from __future__ import annotations

import statistics
import sys
import time

TARGET_SECONDS = 0.200


def timed(function, repeats: int) -> float:
    """Median wall time of ``repeats`` calls (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    from sufficiency.scenario import Scenario, fit_models, run

    started = time.perf_counter()
    models = fit_models()
    fit_seconds = time.perf_counter() - started
    scenario = Scenario(
        name="bench",
        n_simulations=0,
        entries_change_pct={"10-15": -10},
        step_downs_per_year=12,
        approvals_per_quarter={"mainstream": 8, "teenagers": 2},
        homes=[{"beds": 4, "opening_month": "2026-09", "weekly_running_cost": 24000}],
        ifa_share_target_pct=35,
        ifa_share_target_date="2028-03",
    )
    run(scenario, models=models)  # warm-up: imports and first-call caches
    mean_path = timed(lambda: run(scenario, models=models), repeats=15)
    floor = timed(lambda: models.demand.predict(scenario.horizon_months), repeats=15)
    simulated = timed(
        lambda: run(scenario.replace(n_simulations=200), models=models, random_state=0), repeats=3
    )
    print(f"demand model fit or load (demo authority): {fit_seconds:.2f} s (once per dataset)")
    print(
        f"scenario run, mean path:   {mean_path * 1000:.0f} ms (target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    print(f"baseline demand predict:   {floor * 1000:.0f} ms")
    print(f"ratio run / predict:       {mean_path / floor:.1f}x")
    print(f"scenario run, 200 paths:   {simulated:.2f} s")
    met = mean_path < TARGET_SECONDS
    print("target met" if met else "TARGET NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
