"""The fitted demo models committed in models/ match the demo data, so the explorer loads them."""

from __future__ import annotations

import pandas as pd

from sufficiency.data.demo import load_demo
from sufficiency.demand.artefacts import default_directory, load_fitted
from sufficiency.demand.pipeline import demand_inputs
from sufficiency.demand.stockflow import StockFlowModel


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
