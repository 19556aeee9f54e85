"""Demand levers: validation in plain words, hashing, round trips and effects on the projection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.codes import AGE_BANDS, EXIT_REASON_GROUPS
from sufficiency.codes import PLACEMENT_CATEGORIES as CATS
from sufficiency.demand.levers import DemandLevers, LeverError, StepDown
from sufficiency.demand.stockflow import StockFlowModel, StockFlowParams, project_mean, simulate
from tests.demand_fixtures import micro_panel, simple_params

EXTERNAL_RES = "external residential"
IN_HOUSE = "in-house fostering"


@pytest.fixture(scope="module")
def params() -> StockFlowParams:
    """Small hand-made parameters: 10 children in every allowed cell, modest rates, flat entries."""
    return simple_params(exit_prob=0.004, move_prob=0.004, entries=2.0, children_per_cell=10)


def _with_cell(params: StockFlowParams, band: str, category: str, children: float):
    population = params.start_population.copy()
    age = {"10-15": 156, "16-17": 203}[band]
    population[age, 0, CATS.index(category)] = children
    return params.replace(start_population=population)


def test_neutral_levers_change_nothing(params):
    levers = DemandLevers()
    assert levers.is_neutral
    assert levers.apply(params) is params
    same = DemandLevers(entry_multiplier={"all": 1.0}, exit_multiplier={"adoption": 1})
    assert same.is_neutral


def test_entry_levers_scale_and_add(params):
    levers = DemandLevers(entry_multiplier={"all": 0.9, "10-15": 0.5}, entry_change={"1-4": 1.5})
    applied = levers.apply(params)
    row = applied.entry_mean[0]
    np.testing.assert_allclose(row, [1.8, 3.3, 1.8, 1.0, 1.8])
    # the original is untouched (fast path works on a copy)
    np.testing.assert_allclose(params.entry_mean[0], 2.0)


def test_entry_change_all_is_spread_and_never_negative(params):
    applied = DemandLevers(entry_change={"all": 5.0}).apply(params)
    assert applied.entry_mean[0].sum() == pytest.approx(15.0)
    cut = DemandLevers(entry_change={"under 1": -50}).apply(params)
    assert cut.entry_mean[:, 0].min() == 0.0


def test_exit_multiplier_changes_only_that_group(params):
    exits = params.exit_prob.copy()
    exits[..., EXIT_REASON_GROUPS.index("adoption")] = 0.003
    base = params.replace(exit_prob=exits)
    applied = DemandLevers(exit_multiplier={"adoption": 2.0}).apply(base)
    g = EXIT_REASON_GROUPS.index("adoption")
    np.testing.assert_allclose(applied.exit_prob[..., g], 2 * base.exit_prob[..., g])
    other = [i for i in range(len(EXIT_REASON_GROUPS)) if i != g]
    np.testing.assert_allclose(applied.exit_prob[..., other], base.exit_prob[..., other])
    # three times very high rates still leave a valid month
    huge = DemandLevers(exit_multiplier={"all": 3.0}).apply(params.replace(exit_prob=exits * 60))
    assert (huge.exit_prob.sum(axis=-1) + huge.move_prob <= 0.95 + 1e-9).all()


def _still(params: StockFlowParams) -> StockFlowParams:
    """No entries and no transitions: only step-downs (and leaving at 18) change the stock."""
    return params.replace(
        entry_mean=np.zeros_like(params.entry_mean),
        exit_prob=np.zeros_like(params.exit_prob),
        move_prob=np.zeros_like(params.move_prob),
    )


def test_step_down_moves_the_count_a_year_in_mean_path_and_simulations(params):
    source = params.state_index("10-15", EXTERNAL_RES)
    target = params.state_index("10-15", IN_HOUSE)
    still = _still(_with_cell(params, "10-15", EXTERNAL_RES, 100.0))
    levers = DemandLevers(step_downs=[StepDown("10-15", EXTERNAL_RES, IN_HOUSE, 60)])
    applied = levers.apply(still)
    path = project_mean(applied, 12)
    np.testing.assert_allclose(path.stepped_down[:, 0], 5.0)
    assert path.stock[-1, source] == pytest.approx(40.0)
    assert path.stock[-1, target] == pytest.approx(10.0 + 60.0)
    sims = simulate(applied, 12, n_paths=50, random_state=1)
    assert (sims.stepped_down[:, :, 0] == 5).all()
    assert (sims.stock[:, -1, source] == 40).all()
    assert sims.labels == ("10-15: external residential -> in-house fostering",)


def test_step_down_fractions_add_up_to_the_yearly_count(params):
    levers = DemandLevers(step_downs=[StepDown("10-15", EXTERNAL_RES, IN_HOUSE, 15)])
    sims = simulate(levers.apply(_still(_with_cell(params, "10-15", EXTERNAL_RES, 100.0))), 24)
    per_month = sims.stepped_down[0, :, 0]
    assert set(per_month) <= {1, 2}
    assert per_month[:12].sum() == 15 and per_month[12:].sum() == 15


def test_step_down_stops_when_the_cell_runs_out(params):
    levers = DemandLevers(step_downs=[StepDown("10-15", EXTERNAL_RES, IN_HOUSE, 36)])
    applied = levers.apply(_still(params))  # 10 children in the source cell
    path = project_mean(applied, 6)
    np.testing.assert_allclose(path.stepped_down[:, 0], [3, 3, 3, 1, 0, 0])
    sims = simulate(applied, 6, n_paths=20)
    assert (sims.stepped_down[:, :, 0] == [3, 3, 3, 1, 0, 0]).all()
    assert (sims.stock >= 0).all()
    # children are conserved: the total never changes without entries and exits (nobody here
    # turns 18 within six months)
    assert (sims.stock.sum(axis=2) == params.start_population.sum()).all()


def test_step_downs_from_one_cell_are_served_in_order(params):
    levers = DemandLevers(
        step_downs=[
            StepDown("10-15", EXTERNAL_RES, IN_HOUSE, 96),
            StepDown("10-15", EXTERNAL_RES, "IFA fostering", 96),
        ]
    )
    path = project_mean(levers.apply(_still(params)), 2)
    np.testing.assert_allclose(path.stepped_down, [[8, 2], [0, 0]])


def test_step_down_into_supported_accommodation_under_16_is_refused():
    with pytest.raises(LeverError, match="unlawful"):
        DemandLevers(
            step_downs=[StepDown("10-15", EXTERNAL_RES, "supported / semi-independent", 6)]
        )
    # 16-17 year olds may move there
    DemandLevers(step_downs=[StepDown("16-17", EXTERNAL_RES, "supported / semi-independent", 6)])


def test_retired_share_form_gets_a_clear_message():
    with pytest.raises(LeverError, match="children a year"):
        DemandLevers.from_dict(
            {
                "step_downs": [
                    {
                        "age_band": "10-15",
                        "from_category": EXTERNAL_RES,
                        "to_category": IN_HOUSE,
                        "share_per_year": 0.2,
                    }
                ]
            }
        )


def test_step_down_on_fitted_model_lowers_its_source():
    model = StockFlowModel(max_horizon=24).fit(micro_panel(months=48, seed=5))
    levers = DemandLevers(
        entry_multiplier={"all": 0.8},
        step_downs=[StepDown("10-15", IN_HOUSE, "kinship fostering", 60)],
    )
    base = model.predict(24)
    changed = model.predict(24, levers=levers)
    last = base["date"].max()

    def value(frame, band, cat):
        sel = (frame["date"] == last) & (frame["age_band"] == band)
        return frame.loc[sel & (frame["placement_category"] == cat), "mean"].item()

    assert value(changed, "all", "all") < value(base, "all", "all")
    assert value(changed, "10-15", IN_HOUSE) < 0.7 * value(base, "10-15", IN_HOUSE)
    sims = model.simulate(12, n_paths=100, random_state=0, levers=levers)
    assert sims.shape == (100, 12, len(AGE_BANDS) * len(CATS))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"entry_multiplier": {"all": 4}}, "between 0 and 3 times"),
        ({"entry_multiplier": {"teenagers": 1.2}}, "'teenagers', which is not one of"),
        ({"entry_change": {"5-9": 80}}, "between -50 and 50 children a month"),
        ({"exit_multiplier": {"adoption": float("nan")}}, "exit-rate multiplier for 'adoption'"),
        ({"exit_multiplier": {"holiday": 2}}, "not one of"),
        (
            {"step_downs": [StepDown("10-15", EXTERNAL_RES, "foster care", 0.1)]},
            "'foster care' is not a placement category",
        ),
        (
            {"step_downs": [StepDown("10-15", EXTERNAL_RES, EXTERNAL_RES, 0.1)]},
            "two different categories",
        ),
        (
            {"step_downs": [StepDown("10-15", EXTERNAL_RES, IN_HOUSE, -2)]},
            "between 0 and 1,000 children a year",
        ),
    ],
)
def test_invalid_levers_explain_themselves(kwargs, message):
    with pytest.raises(LeverError, match=message):
        DemandLevers(**kwargs)


def test_all_problems_reported_together():
    with pytest.raises(LeverError) as error:
        DemandLevers(entry_multiplier={"all": -1}, exit_multiplier={"adoption": 9})
    assert "entries multiplier" in str(error.value) and "exit-rate" in str(error.value)


def test_hashable_round_trip_and_description():
    levers = DemandLevers(
        entry_multiplier={"all": 0.9},
        entry_change={"16-17": -1},
        exit_multiplier={"adoption": 1.2},
        step_downs=[StepDown("10-15", EXTERNAL_RES, IN_HOUSE, 15)],
    )
    again = DemandLevers.from_dict(levers.to_dict())
    assert again == levers
    assert hash(again) == hash(levers)
    text = " ".join(levers.describe())
    assert "90%" in text and "15 children a year" in text and "-1 children a month" in text
    with pytest.raises(LeverError, match="Unknown"):
        DemandLevers.from_dict({"entry_rate": {}})


@settings(max_examples=40, deadline=None)
@given(
    mult=st.floats(0, 3),
    add=st.floats(-50, 50),
    exit_mult=st.floats(0, 3),
    per_year=st.floats(0, 1000),
)
def test_any_valid_levers_keep_probabilities_valid(params, mult, add, exit_mult, per_year):
    levers = DemandLevers(
        entry_multiplier={"5-9": mult},
        entry_change={"all": add},
        exit_multiplier={"all": exit_mult},
        step_downs=[StepDown("16-17", EXTERNAL_RES, "supported / semi-independent", per_year)],
    )
    applied = levers.apply(params)
    leave = applied.exit_prob.sum(axis=-1) + applied.move_prob
    assert np.isfinite(applied.exit_prob).all() and (applied.exit_prob >= 0).all()
    assert (leave <= 0.95 + 1e-9).all()
    assert (applied.entry_mean >= 0).all()
    path = project_mean(applied, 24)
    assert np.isfinite(path.stock).all() and (path.stock >= -1e-9).all()
