"""Time the plan stage on a 5-year monthly horizon: allocation, carers needed and the optimiser.

The issue's budget is 200 ms for a whole scenario run on the mean path once models are fitted; the
allocation and carers-needed steps here must be a small part of that. Demand and capacity are
seeded arrays shaped like a unitary authority of about 500 children looked after (the sizes, not
the values, drive the time).

Run: ``.venv/bin/python benchmarks/bench_plan.py``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    IN_HOUSE_RESIDENTIAL,
    KINSHIP_FOSTERING,
    PLACEMENT_CATEGORIES,
)
from sufficiency.plan import Targets, allocate, carers_needed, optimise_recruitment

HORIZON = 60
MONTHS = pd.date_range("2025-04-30", periods=HORIZON, freq="ME")
BUDGET_MS = 200.0


def demand_paths(n_paths: int, seed: int = 0) -> np.ndarray:
    """Children ``(paths, months, bands, categories)``: a gently rising demand with noise."""
    rng = np.random.default_rng(seed)
    level = np.zeros((len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    index = PLACEMENT_CATEGORIES.index
    level[:, index(IN_HOUSE_FOSTERING)] = [6, 25, 40, 70, 28]
    level[:, index(IFA_FOSTERING)] = [4, 20, 35, 68, 30]
    level[:, index(KINSHIP_FOSTERING)] = [8, 25, 30, 40, 11]
    level[3:, index(IN_HOUSE_RESIDENTIAL)] = [15, 8]
    level[3:, index(EXTERNAL_RESIDENTIAL)] = [30, 15]
    trend = np.linspace(1.0, 1.08, HORIZON)[None, :, None, None]
    return rng.poisson(level[None, None] * trend, size=(n_paths, HORIZON, *level.shape)).astype(
        float
    )


def timed(label: str, function, repeats: int = 20) -> float:
    function()  # warm up imports and caches
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    elapsed_ms = (time.perf_counter() - start) / repeats * 1000
    print(f"{label:<58} {elapsed_ms:8.2f} ms")
    return elapsed_ms


def main() -> int:
    mean_path = demand_paths(200).mean(axis=0)
    paths = demand_paths(1000)
    capacity = np.array([6, 25, 40, 70, 28.0]) * np.linspace(1.0, 0.75, HORIZON)[:, None]
    beds = 23.0
    targets = Targets(
        ifa_share_max=0.30,
        ifa_share_by="2028-03-31",
        external_residential_max=35,
        external_residential_by="2028-03-31",
    )
    print(f"plan stage, {HORIZON}-month horizon, {len(AGE_BANDS)} age bands")
    alloc_ms = timed(
        "allocation, mean path", lambda: allocate(mean_path, capacity, beds, months=MONTHS)
    )
    needed_ms = timed(
        "carers needed + summary(), mean path",
        lambda: carers_needed(mean_path, capacity, targets, beds, months=MONTHS).summary(),
    )
    frame_ms = timed(
        "allocation + to_frame, mean path",
        lambda: allocate(mean_path, capacity, beds, months=MONTHS).to_frame(),
    )
    timed(
        "allocation + to_frame, 1000 paths",
        lambda: allocate(paths, capacity, beds, months=MONTHS).to_frame(),
        repeats=3,
    )
    timed(
        "carers needed, 1000 paths",
        lambda: carers_needed(paths, capacity, targets, beds, months=MONTHS),
        repeats=3,
    )
    timed(
        "optimiser (CBC, whole households), mean path",
        lambda: optimise_recruitment(mean_path, capacity, targets, beds, months=MONTHS),
        repeats=3,
    )
    mean_path_total = alloc_ms + needed_ms + frame_ms
    print(
        f"mean-path plan steps together: {mean_path_total:.1f} ms "
        f"(scenario budget {BUDGET_MS:.0f} ms for everything)"
    )
    return 0 if mean_path_total < BUDGET_MS / 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
