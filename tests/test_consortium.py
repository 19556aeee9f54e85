"""Regional consortium mode: stacked 903 extracts of several authorities (an LA column).

The stacked file is built from the project's seeded generator: three synthetic authorities of
different sizes, each written with an ``LA`` column in the header and episodes tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.codes import AGE_BANDS, PLACEMENT_CATEGORIES
from sufficiency.data.ssda903 import read_903
from sufficiency.data.synthetic import generate_authority, to_903_text
from sufficiency.demand.feasibility import LEGAL_ZEROS
from sufficiency.errors import SufficiencyError
from sufficiency.national.consortium import (
    DEFAULT_SHRINKAGE,
    POOLED,
    consortium_forecast,
    consortium_panels,
    fit_consortium,
    shrink_towards_pool,
)

# name, scale (x the demo authority), seed: a large, a middling and a very small authority
AUTHORITIES = (("Northshire", 0.25, 11), ("Southby", 0.1, 12), ("Little Wick", 0.03, 13))
EXTRACT_DATE = "2024-03-31"
COLUMNS = ["la", "date", "age_band", "placement_category", "mean"]
COLUMNS += ["p2_5", "p10", "p50", "p90", "p97_5"]


def write_stacked(folder: Path, authorities=AUTHORITIES) -> Path:
    """Header and episodes CSVs holding every authority, each row tagged with its LA."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[pd.DataFrame]] = {"header": [], "episodes": []}
    for name, scale, seed in authorities:
        history = generate_authority(seed=seed, scale=scale, first_year=2019, last_year=2024)
        text = to_903_text(history)
        for key, frames in tables.items():
            frames.append(text[key].assign(LA=name))
    for key, frames in tables.items():
        pd.concat(frames, ignore_index=True).to_csv(folder / f"{key}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def stacked(tmp_path_factory) -> Path:
    return write_stacked(tmp_path_factory.mktemp("consortium"))


@pytest.fixture(scope="module")
def fitted(stacked):
    data = read_903([stacked], extract_date=EXTRACT_DATE)
    panels, pooled = consortium_panels(data)
    return panels, fit_consortium(panels, pooled, shrinkage=120.0)


def test_small_authorities_lean_on_the_pool_more(fitted) -> None:
    _, fit = fitted
    weights = fit.weights_table().set_index("la")
    assert list(weights.index) == ["Little Wick", "Northshire", "Southby", POOLED]
    sizes = weights.loc[["Northshire", "Southby", "Little Wick"], "child_months"]
    assert sizes.is_monotonic_decreasing
    own = weights.loc[["Northshire", "Southby", "Little Wick"], "own_weight"]
    assert own.is_monotonic_decreasing
    assert 0 < own.min() < own.max() < 1
    # the pool holds every authority's children
    assert weights.loc[POOLED, "children_at_origin"] == pytest.approx(
        weights.loc[["Northshire", "Southby", "Little Wick"], "children_at_origin"].sum(), abs=1
    )


def test_shrunk_rates_lie_between_own_and_pooled(fitted) -> None:
    _, fit = fitted
    pool = fit.pooled.params_
    for authority in fit.authorities.values():
        own, shrunk = authority.own_params, authority.params
        for name in ("exit_prob", "move_prob"):
            low = np.minimum(getattr(own, name), getattr(pool, name)) - 1e-12
            high = np.maximum(getattr(own, name), getattr(pool, name)) + 1e-12
            assert ((getattr(shrunk, name) >= low) & (getattr(shrunk, name) <= high)).all()
        # what makes the authority itself is kept: its children and its level of entries
        np.testing.assert_array_equal(shrunk.start_population, own.start_population)
        np.testing.assert_array_equal(shrunk.entry_mean, own.entry_mean)
        np.testing.assert_allclose(
            shrunk.destination.sum(axis=2)[shrunk.destination.sum(axis=2) > 0], 1
        )
        np.testing.assert_allclose(shrunk.entry_split.sum(axis=1), 1)
        np.testing.assert_allclose(shrunk.entry_age.sum(axis=1), 1)


def test_no_shrinkage_keeps_own_rates_and_strong_shrinkage_takes_the_pools(fitted) -> None:
    panels, fit = fitted
    authority = fit.authorities["Little Wick"]
    own_model = authority.model
    # the unshrunk model: same fit, own parameters
    import copy

    own_model = copy.copy(own_model)
    own_model.params_ = authority.own_params
    kept, share = shrink_towards_pool(own_model, fit.pooled, panels["Little Wick"], 0.0)
    assert share == 1.0
    for name in ("exit_prob", "move_prob", "destination", "entry_split", "entry_age"):
        np.testing.assert_allclose(getattr(kept, name), getattr(authority.own_params, name))
    pooled, share = shrink_towards_pool(own_model, fit.pooled, panels["Little Wick"], 1e12)
    assert share < 1e-6
    for name in ("exit_prob", "move_prob", "destination", "entry_split", "entry_age"):
        np.testing.assert_allclose(
            getattr(pooled, name), getattr(fit.pooled.params_, name), atol=1e-8
        )
    with pytest.raises(SufficiencyError, match="0 or more"):
        shrink_towards_pool(own_model, fit.pooled, panels["Little Wick"], -1.0)


def test_placements_the_law_rules_out_stay_closed(fitted) -> None:
    _, fit = fitted
    for authority in fit.authorities.values():
        params = authority.params
        for band, category in LEGAL_ZEROS:
            b, c = AGE_BANDS.index(band), PLACEMENT_CATEGORIES.index(category)
            assert params.destination[b, :, c].sum() == 0
            assert params.entry_split[b, c] == 0


def test_forecast_has_every_authority_and_the_pool(fitted) -> None:
    _, fit = fitted
    frame = consortium_forecast(fit, 6, n_paths=200)
    assert list(frame["la"].unique()) == ["Little Wick", "Northshire", "Southby", POOLED]
    assert frame.groupby("la")["date"].nunique().eq(6).all()
    totals = frame[(frame["age_band"] == "all") & (frame["placement_category"] == "all")]
    cells = frame[(frame["age_band"] != "all") & (frame["placement_category"] != "all")]
    np.testing.assert_allclose(
        totals.set_index(["la", "date"])["mean"],
        cells.groupby(["la", "date"])["mean"].sum().loc[totals.set_index(["la", "date"]).index],
    )
    last = totals.groupby("la").tail(1).set_index("la")
    assert (
        last.loc["Northshire", "mean"]
        > last.loc["Southby", "mean"]
        > last.loc["Little Wick", "mean"]
    )
    for low, high in (("p2_5", "p10"), ("p10", "p50"), ("p50", "p90"), ("p90", "p97_5")):
        assert (frame[low] <= frame[high] + 1e-9).all()
    # same seed, same numbers
    again = consortium_forecast(fit, 6, n_paths=200)
    pd.testing.assert_frame_equal(frame, again)


def test_consortium_command_same_numbers_on_one_and_two_workers(stacked, tmp_path, capsys) -> None:
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"consortium_{workers}.csv"
        weights = tmp_path / f"weights_{workers}.csv"
        args = ["consortium", str(stacked), "--extract-date", EXTRACT_DATE, "--horizon", "4"]
        args += ["--paths", "200", "--out", str(out), "--weights", str(weights)]
        args += ["--shrinkage", "120"]
        assert main([*args, "--workers", workers]) == 0
        outputs.append(pd.read_csv(out))
    err = capsys.readouterr().err
    assert "Little Wick" in err and "of its rates from its own data" in err
    frame = outputs[0]
    assert list(frame.columns) == COLUMNS
    assert set(frame["la"]) == {"Northshire", "Southby", "Little Wick", POOLED}
    pd.testing.assert_frame_equal(outputs[0], outputs[1])
    assert set(pd.read_csv(tmp_path / "weights_1.csv")["la"]) == set(frame["la"])


def test_consortium_command_picks_authorities_and_names_unknown_ones(
    stacked, tmp_path, capsys
) -> None:
    out = tmp_path / "one.csv"
    args = ["consortium", str(stacked), "--extract-date", EXTRACT_DATE, "--horizon", "2"]
    args += ["--paths", "100", "--workers", "1", "--out", str(out)]
    weights = tmp_path / "own_weights.csv"
    assert main([*args, "--la", "northshire", "--weights", str(weights)]) == 0
    assert set(pd.read_csv(out)["la"]) == {"Northshire", POOLED}
    # by default (the backtest's choice) every authority keeps its own rates
    assert DEFAULT_SHRINKAGE == 0
    assert (pd.read_csv(weights)["own_weight"] == 1).all()
    assert "no shrinkage" in capsys.readouterr().err
    assert main([*args, "--la", "Nowhere"]) == 1
    err = capsys.readouterr().err
    assert "No authority called nowhere" in err and "Little Wick" in err


def test_one_authority_is_refused_with_a_clear_message(tmp_path, capsys) -> None:
    folder = write_stacked(tmp_path / "one", AUTHORITIES[2:])
    out = tmp_path / "x.csv"
    assert main(["consortium", str(folder), "--out", str(out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "several authorities" in err and "Traceback" not in err
    assert not out.exists()
