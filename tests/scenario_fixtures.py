"""A small individual-level micro-simulation of a looked-after population, for scenario tests.

Independent of the stock-flow model's maths: children carry an age in months, sit in one of six
placement categories, move, exit and enter at fixed monthly probabilities. Returns MOVEMENTS and
monthly STOCK frames that the real :class:`StockFlowModel` is fitted on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.codes import AGE_BAND_LOWER_YEARS, AGE_BANDS

CATEGORIES = (
    codes.IN_HOUSE_FOSTERING,
    codes.IFA_FOSTERING,
    codes.KINSHIP_FOSTERING,
    codes.IN_HOUSE_RESIDENTIAL,
    codes.EXTERNAL_RESIDENTIAL,
    codes.SUPPORTED,
)
START_SHARES = (0.32, 0.28, 0.2, 0.04, 0.1, 0.06)


def micro_simulation(children: int = 400, months: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)
    upper = np.array([*AGE_BAND_LOWER_YEARS[1:], 18]) * 12
    month_ends = pd.date_range("2020-01-31", periods=months + 1, freq="ME")
    ages = rng.integers(0, 216, size=children)
    cats = rng.choice(len(CATEGORIES), size=children, p=START_SHARES)
    events: list[tuple] = []
    stock_rows: list[tuple] = []

    def band_of(age):
        return np.searchsorted(upper, age, side="right")

    def record(date):
        bands = band_of(ages)
        for b, band in enumerate(AGE_BANDS):
            for cat in codes.PLACEMENT_CATEGORIES:
                code = CATEGORIES.index(cat) if cat in CATEGORIES else -1
                stock_rows.append((date, band, cat, int(((bands == b) & (cats == code)).sum())))

    record(month_ends[0])
    for date in month_ends[1:]:
        day = date - pd.Timedelta(days=12)
        bands = band_of(ages)
        u = rng.random(ages.size)
        leaving = (u < 0.025) | (ages >= 215)
        moving = ~leaving & (u < 0.04)
        for i in np.flatnonzero(leaving):
            events.append(
                (
                    day,
                    "exit",
                    AGE_BANDS[bands[i]],
                    CATEGORIES[cats[i]],
                    None,
                    None,
                    codes.EXIT_RETURN_HOME,
                )
            )
        for i in np.flatnonzero(moving):
            new = int(rng.integers(len(CATEGORIES)))
            if new == cats[i]:
                continue
            events.append(
                (
                    day,
                    "placement_change",
                    AGE_BANDS[bands[i]],
                    CATEGORIES[cats[i]],
                    AGE_BANDS[bands[i]],
                    CATEGORIES[new],
                    None,
                )
            )
            cats[i] = new
        keep = ~leaving
        ages, cats = ages[keep] + 1, cats[keep]
        new_bands = band_of(ages)
        for i in np.flatnonzero(new_bands != band_of(ages - 1)):
            if new_bands[i] < len(AGE_BANDS):
                events.append(
                    (
                        day,
                        "ageing",
                        AGE_BANDS[new_bands[i] - 1],
                        CATEGORIES[cats[i]],
                        AGE_BANDS[new_bands[i]],
                        CATEGORIES[cats[i]],
                        None,
                    )
                )
        arrivals = rng.poisson(10)
        new_ages = rng.integers(0, 204, size=arrivals)
        new_cats = rng.choice(len(CATEGORIES), size=arrivals, p=START_SHARES)
        for a, c in zip(new_ages, new_cats, strict=True):
            events.append(
                (
                    day,
                    "entry",
                    None,
                    None,
                    AGE_BANDS[band_of(np.array([a]))[0]],
                    CATEGORIES[c],
                    None,
                )
            )
        ages = np.concatenate([ages, new_ages])
        cats = np.concatenate([cats, new_cats])
        record(date)
    movements = pd.DataFrame(
        events,
        columns=[
            "date",
            "movement",
            "from_age_band",
            "from_category",
            "to_age_band",
            "to_category",
            "exit_reason_group",
        ],
    )
    movements["reason_place_change"] = None
    movements["carer_side_ending"] = False
    movements["children"] = 1
    stock = pd.DataFrame(stock_rows, columns=["date", "age_band", "placement_category", "children"])
    return movements, stock


def fitted_models(max_horizon: int = 60):
    """Real StockFlowModel fitted on the micro-simulation (recent-mean entries: no Prophet)."""
    from sufficiency.demand.stockflow import StockFlowModel
    from sufficiency.scenario import FittedModels

    movements, stock = micro_simulation()
    model = StockFlowModel(
        max_horizon=max_horizon, entries_min_history=1000, n_entry_samples=50, random_state=0
    ).fit(movements, stock)
    return FittedModels(demand=model, is_demo=True, authority="synthetic test authority")
