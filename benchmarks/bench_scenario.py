"""Benchmark: one scenario run once the models are fitted.

Target (finance/scenario issue): at most 200 ms for a fast run (``n_simulations=0``: 32
representative paths, see ``sufficiency.scenario.engine.representative_paths``) on the demo authority, with the
demand model already fitted (the explorer's slider path). The run includes the baseline projection,
the target solved into the plan (places, households, approvals within the limits, applied),
allocation to in-house capacity, and costs by financial year for both. Timed for a lever that
changes demand (new simulated paths) and one that does not (the paths are re-used from the cache),
on the fast run and on 200 simulated paths (what every page shows). The baseline in the same run
is the demand model's own mean projection alone (``StockFlowModel.predict``). Also the
Scenario explorer's step-downs lever on its default scenario (wall and CPU time of the run; issue
10 asks the whole lever change, browser included, to take at most 500 ms).

Run: ``.venv/bin/python benchmarks/bench_scenario.py``; ``--against DIR`` also times the step-downs
lever with the library of another checkout (``DIR``, e.g. ``git worktree add /tmp/old <commit>``)
in a subprocess, before and after this one's, so old and new are measured in the same minute.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.200


def timed(function, repeats: int) -> float:
    """Median wall time of ``repeats`` calls (seconds)."""
    return timed_with_cpu(function, repeats)[0]


def timed_with_cpu(function, repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process over ``repeats`` calls (seconds).

    CPU time is what a lever change costs the server's two shared cores, whatever else runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def step_downs_lever(models, repeats: int = 9) -> tuple[float, float]:
    """The explorer's "Step-downs from external residential" lever on the default scenario (200
    paths, no target): median wall and CPU seconds of a run for a new value (new futures)."""
    from sufficiency.scenario import Scenario, run

    explorer = Scenario(name="bench")
    run(explorer, models=models)

    def new_value() -> Scenario:
        # never a value already run in this process (its paths would come from the cache)
        return explorer.replace(step_downs_per_year=6 + next(_STEP_DOWN_VALUES) / 64)

    run(new_value(), models=models)
    return timed_with_cpu(lambda: run(new_value(), models=models), repeats=repeats)


_STEP_DOWN_VALUES = iter(range(10_000))


def against(checkout: str) -> tuple[float, float]:
    """:func:`step_downs_lever` with the library of another checkout, in a subprocess."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout)}
    done = subprocess.run(
        [sys.executable, __file__, "--step-downs-only"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = done.stdout.strip().splitlines()[-1].split()[1:]
    return float(wall), float(cpu)


def main() -> int:
    from pathlib import Path

    from sufficiency.scenario import Scenario, fit_models, run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="another checkout to time the step-downs lever with")
    parser.add_argument("--step-downs-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.step_downs_only:
        wall, cpu = step_downs_lever(fit_models())
        print(f"STEP_DOWNS {wall} {cpu}")
        return 0
    started = time.perf_counter()
    models = fit_models()
    fit_seconds = time.perf_counter() - started
    scenario = Scenario(
        name="bench",
        n_simulations=0,
        entries_change_pct={"10-15": -10},
        step_downs_per_year=12,
        approvals_per_quarter={"mainstream": 3, "teenagers": 1},
        homes=[{"beds": 4, "opening_month": "2026-09", "weekly_running_cost": 24000}],
        ifa_share_target_pct=35,
        ifa_share_target_date="2028-03",
    )
    run(scenario, models=models)  # warm-up: imports and first-call caches
    counter = iter(range(1, 10_000))

    def new_demand(base: Scenario) -> Scenario:
        # a new entries change each call: the demand paths are not in the cache
        return base.replace(entries_change_pct={"10-15": -10 - next(counter) / 100})

    def new_recruitment(base: Scenario) -> Scenario:
        # a new approvals figure: the same demand paths, re-used from the cache
        return base.replace(approvals_per_quarter={"mainstream": 3 + next(counter) / 100})

    mean_demand = timed(lambda: run(new_demand(scenario), models=models), repeats=15)
    mean_supply = timed(lambda: run(new_recruitment(scenario), models=models), repeats=15)
    floor = timed(lambda: models.demand.predict(scenario.horizon_months), repeats=15)
    paths = scenario.replace(n_simulations=200)
    run(paths, models=models)
    simulated_demand = timed(lambda: run(new_demand(paths), models=models), repeats=5)
    simulated_supply = timed(lambda: run(new_recruitment(paths), models=models), repeats=5)
    step_wall, step_cpu = step_downs_lever(models)
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]} (2 shared cores)")
    print(f"demand model fit or load (demo authority): {fit_seconds:.2f} s (once per dataset)")
    print("scenario run with a 35% IFA target solved into the plan, baseline included:")
    print(
        f"  fast run (32 paths), new demand lever:      {mean_demand * 1000:.0f} ms "
        f"(target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    print(f"  fast run (32 paths), new recruitment lever: {mean_supply * 1000:.0f} ms")
    print(f"  baseline demand predict:          {floor * 1000:.0f} ms")
    print(f"  ratio run / predict:              {mean_demand / floor:.1f}x")
    print(f"  200 paths, new demand lever:      {simulated_demand * 1000:.0f} ms")
    print(f"  200 paths, new recruitment lever: {simulated_supply * 1000:.0f} ms")
    print(
        "explorer default (200 paths, no target), new step-downs a year: "
        f"{step_wall * 1000:.0f} ms wall, {step_cpu * 1000:.0f} ms CPU"
    )
    if options.against:
        # old, new, old, new in the same minute: the medians of each pair
        old = [against(options.against)]
        new = [step_downs_lever(models)]
        old.append(against(options.against))
        new.append(step_downs_lever(models))
        old_cpu = statistics.median(c for _, c in old)
        new_cpu = statistics.median(c for _, c in new)
        print(
            f"  against {options.against}: step-downs change {old_cpu * 1000:.0f} ms CPU "
            f"there, {new_cpu * 1000:.0f} ms CPU here ({(1 - new_cpu / old_cpu) * 100:.0f}% less); "
            f"wall {statistics.median(w for w, _ in old) * 1000:.0f} / "
            f"{statistics.median(w for w, _ in new) * 1000:.0f} ms "
            f"(load {Path('/proc/loadavg').read_text().split()[:3]})"
        )
    met = mean_demand < TARGET_SECONDS
    print("target met" if met else "TARGET NOT MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
