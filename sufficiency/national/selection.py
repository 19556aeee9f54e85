"""The pre-registered rule that chooses the national forecasting method, and its choice.

Written and committed before any forecast from an origin after 2021 was scored (see
``docs/national_preregistration.md``, which states the same rule in words).

Rule, applied to each measure (``cla_31_march``, ``starts``, ``ceased``) separately:

1. Choosing set: every candidate's forecasts from origins 2013-2021 of years up to 2021 (so no
   figure published after 31 March 2021 is used), one to three years ahead, for every authority
   with a published figure; ranges calibrated on each method's earlier forecasts only. Only
   forecasts that every candidate made are compared.
2. Score: the mean over horizons 1, 2 and 3 of the MAE ratio against naive (total absolute error
   / naive's total absolute error on the same forecasts).
3. Eligible: 70% to 90% of the choosing-set figures inside the method's 80% range (all horizons
   together). Naive is always eligible.
4. Choice: the eligible method with the lowest score; within 0.005 of the best, the simpler
   (earlier in :data:`CANDIDATES`). If no score is below 1, naive.

Confirmation (after the choice, computed once): origins 2022-2024 as the issue sets them (from
2022 one and two years ahead, from 2023 one year ahead; 2024 has nothing to score yet) and, as a
larger check, every forecast of 2022-2024 from origins 2019-2021.
"""

from __future__ import annotations

import pandas as pd

CANDIDATES: tuple[str, ...] = (
    "naive",
    "drift",
    "ses",
    "damped_holt",
    "combination",
    "pooled_trend",
    "stockflow",
    "pooled_regression",
)
"""Candidate methods, simplest first (the tie-break order)."""

CHOOSING_ORIGINS: tuple[int, ...] = tuple(range(2013, 2022))
CHOOSING_LAST_YEAR = 2021
CONFIRMATION_ORIGINS: tuple[int, ...] = (2022, 2023, 2024)
HELD_OUT_YEARS: tuple[int, ...] = (2022, 2023, 2024)
HELD_OUT_ORIGINS: tuple[int, ...] = (2019, 2020, 2021)
HORIZONS: tuple[int, ...] = (1, 2, 3)
COVERAGE_80: tuple[float, float] = (0.70, 0.90)
TIE = 0.005

CHOSEN: dict[str, str] = {
    "cla_31_march": "pooled_regression",
    "starts": "pooled_regression",
    "ceased": "pooled_regression",
}
"""Method used by ``sufficiency national`` for each measure: :func:`choose` applied to the
choosing set (``docs/national_backtest/choosing_scorecard.csv``), before any later score."""


def choosing_set(scored: pd.DataFrame) -> pd.DataFrame:
    """The choosing set of a scored backtest (see the module docstring), common forecasts only."""
    rows = scored.loc[
        scored["origin"].isin(CHOOSING_ORIGINS)
        & (scored["year"] <= CHOOSING_LAST_YEAR)
        & scored["horizon"].isin(HORIZONS)
    ]
    key = ["measure", "origin", "horizon", "la_code"]
    methods = rows.groupby(key)["method"].nunique()
    everyone = rows.groupby("measure")["method"].nunique()
    complete = methods[methods == methods.index.get_level_values("measure").map(everyone)]
    return rows.set_index(key).loc[complete.index].reset_index()


def scorecard(choosing: pd.DataFrame) -> pd.DataFrame:
    """Per measure and method: MAE ratio by horizon, the score and 80% coverage."""
    errors = (
        choosing.groupby(["measure", "method", "horizon"])[["abs_error", "naive_abs_error"]]
        .sum()
        .reset_index()
    )
    errors["ratio"] = errors["abs_error"] / errors["naive_abs_error"]
    wide = errors.pivot_table(index=["measure", "method"], columns="horizon", values="ratio")
    wide.columns = [f"ratio_h{h}" for h in wide.columns]
    wide["score"] = wide[[f"ratio_h{h}" for h in HORIZONS]].mean(axis=1)
    coverage = choosing.groupby(["measure", "method"])["inside_80"].mean()
    wide["coverage_80"] = coverage
    wide["forecasts"] = choosing.groupby(["measure", "method"]).size()
    low, high = COVERAGE_80
    wide["eligible"] = wide["coverage_80"].between(low, high) | (
        wide.index.get_level_values("method") == "naive"
    )
    return wide.reset_index()


def choose(card: pd.DataFrame) -> dict[str, str]:
    """Apply the rule to a :func:`scorecard`: measure -> chosen method."""
    chosen = {}
    rank = {name: i for i, name in enumerate(CANDIDATES)}
    for measure, rows in card.groupby("measure", sort=False):
        pool = rows.loc[rows["eligible"]]
        best = pool["score"].min()
        if not best < 1:
            chosen[str(measure)] = "naive"
            continue
        near = pool.loc[pool["score"] <= best + TIE]
        chosen[str(measure)] = min(near["method"], key=lambda name: rank.get(name, len(rank)))
    return chosen
