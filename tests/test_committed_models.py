"""The fitted demo models committed in models/ match the demo data, so the explorer loads them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.data.demo import load_demo
from sufficiency.demand.artefacts import default_directory, load_fitted
from sufficiency.demand.pipeline import demand_inputs
from sufficiency.demand.stockflow import QUANTILES, StockFlowModel


def test_committed_demand_model_matches_the_demo_data_and_default_settings():
    demo = load_demo()
    inputs = demand_inputs(demo.episodes, demo.extract_date)
    loaded = load_fitted(
        default_directory(),
        fingerprint=inputs.fingerprint,
        model_params=StockFlowModel().get_params(),
        panel=inputs.panel,
    )
    assert loaded is not None, "models/demand is stale: run `make fit` and commit models/"
    # The saved history is the stock the current code derives from the demo data.
    saved = loaded.model.history_.groupby("date")["children"].sum()
    derived = inputs.stock.groupby("date")["children"].sum()
    pd.testing.assert_series_equal(
        saved.rename(None), derived.rename(None), check_index_type=False, check_dtype=False
    )


def test_the_demo_forecast_holds_nobody_in_a_ruled_out_placement_at_any_month():
    """The issue's leak: children placed for adoption grew into 16-17, an age nobody placed for
    adoption reached in the demo's data (0.35 children by March 2029). Every ruled-out cell is
    now empty at every month, in the mean and every range."""
    demo = load_demo()
    inputs = demand_inputs(demo.episodes, demo.extract_date)
    model = load_fitted(default_directory(), panel=inputs.panel).model
    ruled_out = model.params_.ruled_out_cells
    cells = {
        (model.params_.age_bands[b], model.params_.categories[c])
        for b, c in zip(*np.nonzero(ruled_out), strict=True)
    }
    assert ("16-17", "placed for adoption") in cells
    assert ("5-9", "external residential") in cells
    forecast = model.forecast(60, n_paths=200, random_state=0)
    keys = list(zip(forecast["age_band"], forecast["placement_category"], strict=True))
    banned = forecast[[key in cells for key in keys]]
    assert len(banned) == 60 * len(cells)
    assert (banned[["mean", *QUANTILES]].to_numpy() == 0).all()
