"""The Demand page's IFA shares of demand: each simulated future's own share, averaged (the
measure every page uses), from the same futures as its forecast."""

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand.levers import DemandLevers
from sufficiency.plan.shares import SHARE_COLUMNS, forecast_with_shares
from tests.scenario_fixtures import fitted_models


@pytest.fixture(scope="module")
def model():
    return fitted_models().demand


def test_forecast_is_the_models_own_and_shares_are_each_futures_averaged(model):
    levers = DemandLevers(entry_multiplier={"all": 1.1})
    frame, shares = forecast_with_shares(model, 12, 50, 3, levers)
    pd.testing.assert_frame_equal(
        frame, model.forecast(12, n_paths=50, random_state=3, levers=levers)
    )
    # by hand from the same futures: IFA / (IFA + in-house + other LA + kinship), per future
    paths = model.simulate(12, n_paths=50, random_state=3, levers=levers)
    params = levers.apply(model.params_)
    grid = paths.reshape(50, 12, len(params.age_bands), len(params.categories)).sum(axis=2)
    cats = list(params.categories)

    def c(name):
        return grid[..., cats.index(name)].astype(float)

    ifa = c("IFA fostering")
    non_kinship = ifa + c("in-house fostering") + c("other LA / public fostering")
    fostering = non_kinship + c("kinship fostering")
    assert list(shares.columns) == ["month", *SHARE_COLUMNS]
    assert list(shares["month"]) == list(frame["date"].drop_duplicates())
    expected = 100 * (ifa / fostering).mean(axis=0)
    assert shares["ifa_share_of_fostering_pct"].to_numpy() == pytest.approx(expected)
    expected = 100 * (ifa / non_kinship).mean(axis=0)
    assert shares["ifa_share_of_non_kinship_fostering_pct"].to_numpy() == pytest.approx(expected)
    # not the share of the average counts (a different measure), which the page used to show
    of_means = 100 * ifa.mean(axis=0) / fostering.mean(axis=0)
    assert not np.allclose(shares["ifa_share_of_fostering_pct"], of_means, atol=1e-9)
