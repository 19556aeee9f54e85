"""Time in the current placement: the panel's clock by hand, and a move restarting it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.codes import PLACEMENT_CATEGORIES as CATS
from sufficiency.demand.panel import care_months
from sufficiency.demand.projection import project_mean, simulate_paths
from sufficiency.demand.stockflow import StockFlowModel
from sufficiency.errors import SufficiencyError
from tests.demand_fixtures import micro_panel, simple_params
from tests.test_panel import _episodes

IFA, IN_HOUSE = "IFA fostering", "in-house fostering"


def test_placement_months_by_hand():
    # IFA from 10 January, a new IFA episode (legal status change) on 5 March, in-house from
    # 5 May: the placement clock runs on through the same-category episode and restarts in May
    child = {"child": "A", "dob": "2010-05-15"}
    episodes = _episodes(
        [
            {
                **child,
                "decom": "2020-01-10",
                "dec": "2020-03-05",
                "rne": "S",
                "placement_category": IFA,
                "rec": "X1",
            },
            {
                **child,
                "decom": "2020-03-05",
                "dec": "2020-05-05",
                "rne": "L",
                "placement_category": IFA,
                "rec": "X1",
            },
            {
                **child,
                "decom": "2020-05-05",
                "rne": "P",
                "place_provider": "PR1",
                "placement_category": IN_HOUSE,
            },
        ]
    )
    panel = care_months(
        episodes,
        pd.Timestamp("2020-08-31"),
        start=pd.Timestamp("2020-01-01"),
        placement_months=True,
    )
    rows = panel[panel["kind"] == "in care"].sort_values("date")
    assert rows["care_months"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert rows["placement_months"].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    # the default panel is unchanged (no extra column)
    plain = care_months(episodes, pd.Timestamp("2020-08-31"), start=pd.Timestamp("2020-01-01"))
    assert "placement_months" not in plain.columns


def test_a_move_restarts_the_placement_clock_in_the_mean_path_and_the_simulation():
    # everyone moves in the first month (a placement clock with one band edge at 3 months)
    params = simple_params(duration_edges=(3,), move_prob=1.0, children_per_cell=10.0)
    # children start with 3+ months in their placement
    population = np.zeros_like(params.start_population)
    population[:, 3] = params.start_population[:, 0]
    care = params.replace(start_population=population)
    placement = care.replace(reset_duration_on_move=True)
    # after one month, time in care is 4+ (capped at 3), time in placement 1
    # (project_mean reports stock by state only: check through the exit chances instead)
    exit_prob = np.zeros_like(care.exit_prob)
    exit_prob[:, 1:, :, 0] = 0.5  # children 3+ months in leave at 50% a month
    care = care.replace(exit_prob=exit_prob, move_prob=np.full_like(care.move_prob, 1.0))
    placement = placement.replace(exit_prob=exit_prob, move_prob=care.move_prob)
    start = care.start_stock.sum()
    by_care = project_mean(care.replace(exit_drift=0.0), 2).stock.sum(axis=1)
    by_placement = project_mean(placement.replace(exit_drift=0.0), 2).stock.sum(axis=1)
    # month 1: both lose half (everyone is 3+ months in). Month 2: on the care clock they are
    # still 3+ and lose half again; on the placement clock they moved, so they are at 1 month
    assert by_care[0] < start
    assert by_placement[1] > by_care[1]
    sims_care = simulate_paths(care, 2, 200, 1).sum(axis=2).mean(axis=0)
    sims_placement = simulate_paths(placement, 2, 200, 1).sum(axis=2).mean(axis=0)
    assert sims_placement[1] > sims_care[1]


def test_the_model_fits_and_forecasts_with_the_placement_clock():
    from tests.demand_fixtures import micro_episodes

    episodes, extract = micro_episodes(48, 2, 1.0)
    panel = care_months(
        episodes, extract, start=extract - pd.offsets.MonthEnd(48), placement_months=True
    )
    model = StockFlowModel(duration_edges=(3, 12), duration_clock="placement", max_horizon=12).fit(
        panel
    )
    assert model.params_.reset_duration_on_move
    forecast = model.forecast(12, n_paths=100)
    assert (forecast["mean"] >= 0).all() and set(forecast["placement_category"]) >= set(CATS)
    # without the column the model says what to do
    plain = micro_panel(months=48, seed=2)
    with pytest.raises(SufficiencyError, match="placement_months=True"):
        StockFlowModel(duration_edges=(3,), duration_clock="placement").fit(plain)
