"""The pre-registered choice and the saved backtest summaries agree with the code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sufficiency.national.evaluation import add_ranges, rolling_forecasts
from sufficiency.national.panel import CLA, build_panel
from sufficiency.national.quality import (
    SPLITS,
    load_quality,
    quality_tables,
    track_record_sentence,
)
from sufficiency.national.selection import CANDIDATES, CHOSEN, choose

REPO = Path(__file__).resolve().parents[1]


def test_the_committed_choice_is_what_the_rule_gives_on_the_choosing_set():
    card = pd.read_csv(REPO / "docs" / "national_backtest" / "choosing_scorecard.csv")
    assert set(card["method"]) == set(CANDIDATES)
    assert choose(card) == CHOSEN


def test_the_rule_prefers_simpler_methods_on_ties_and_needs_honest_ranges():
    card = pd.DataFrame(
        {
            "measure": ["m"] * 4,
            "method": ["naive", "ses", "pooled_trend", "pooled_regression"],
            "score": [1.0, 0.952, 0.950, 0.90],
            "eligible": [True, True, True, False],  # the best one's ranges were too narrow
        }
    )
    assert choose(card) == {"m": "ses"}
    card["score"] = [1.0, 1.01, 1.02, 1.03]
    assert choose(card) == {"m": "naive"}


def test_saved_summaries_reproduce_from_the_code():
    saved = load_quality()
    assert saved is not None, "models/national/ is missing: run bench_national.py --write-results"
    by_method = saved["by_method"]
    assert set(by_method["split"]) == set(SPLITS)
    naive = by_method.loc[by_method["method"] == "naive", "mae_ratio_vs_naive"]
    assert (naive == 1).all()
    panel = build_panel()
    forecasts, _ = rolling_forecasts(panel, ["pooled_trend"], range(2011, 2022), 3, measures=[CLA])
    fresh = quality_tables(add_ranges(forecasts), panel)["by_method"]
    fresh = fresh.loc[fresh["split"] == "choosing"].set_index("horizon")
    kept = by_method.loc[
        (by_method["split"] == "choosing")
        & (by_method["method"] == "pooled_trend")
        & (by_method["measure"] == CLA)
    ].set_index("horizon")
    for column in ("MAE", "mae_ratio_vs_naive", "coverage_80", "coverage_95", "forecasts"):
        pd.testing.assert_series_equal(
            fresh[column], kept[column], check_names=False, check_dtype=False, atol=1e-3
        )


def test_track_record_sentence_is_plain(tmp_path):
    sentence = track_record_sentence(CHOSEN[CLA])
    assert "carrying the last figure forward" in sentence
    assert "2022" in sentence and "year ahead" in sentence
    assert "No saved backtest" in track_record_sentence("naive", folder=tmp_path)


@pytest.mark.parametrize("name", ["by_region", "by_size", "by_authority"])
def test_saved_breakdowns_cover_every_split(name):
    table = load_quality()[name]
    assert set(table["split"]) == set(SPLITS)
    assert table["coverage_80"].between(0, 1).all()
