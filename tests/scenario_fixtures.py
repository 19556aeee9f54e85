"""A small individual-level micro-simulation of a looked-after population, for scenario tests.

Independent of the stock-flow model's maths: children carry a date of birth, sit in one of six
placement categories, move, exit and enter at fixed monthly probabilities
(:func:`tests.demand_fixtures.micro_episodes`). The real :class:`StockFlowModel` is fitted on
the month-end care histories of the episodes it writes.
"""

from __future__ import annotations

import pandas as pd

from sufficiency import codes

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
    """Clean episodes and extract date of a simulated authority (about ``children`` at first)."""
    from tests.demand_fixtures import micro_episodes

    return micro_episodes(
        months=months,
        seed=seed,
        scale=children / 300,
        start="2020-01-31",
        categories=CATEGORIES,
        first_placement=START_SHARES,
    )


def fitted_models(max_horizon: int = 60):
    """Real StockFlowModel fitted on the micro-simulation (recent-level entries: no Prophet)."""
    from sufficiency.demand.panel import care_months
    from sufficiency.demand.stockflow import StockFlowModel
    from sufficiency.scenario import FittedModels

    episodes, extract = micro_simulation()
    panel = care_months(episodes, extract, start=extract - pd.offsets.MonthEnd(40))
    model = StockFlowModel(max_horizon=max_horizon, random_state=0).fit(panel)
    return FittedModels(demand=model, is_demo=True, authority="synthetic test authority")
