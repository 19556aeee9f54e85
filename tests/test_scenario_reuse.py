"""The scenario engine re-uses work between runs without changing any number: the baseline is
projected once per authority, baseline settings and seed, and a run that re-uses it gives exactly
the figures of a run that projects it afresh."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.scenario import Scenario, baseline_of, engine, fit_models, run


def same_result(first, second) -> None:
    assert first.summary == second.summary
    assert first.baseline_summary == second.baseline_summary
    for name in ("placements", "by_category", "carers", "costs_by_financial_year", "shares"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True)
    pd.testing.assert_frame_equal(
        first.savings_by_financial_year, second.savings_by_financial_year, check_exact=True
    )
    assert np.array_equal(first.cost_paths, second.cost_paths)


def test_a_remembered_baseline_gives_the_same_figures_as_a_fresh_one():
    models = fit_models()
    scenarios = (
        Scenario(step_downs_per_year=6),
        Scenario(entries_change_pct={"10-15": -20}, approvals_per_quarter={"mainstream": 2}),
        Scenario(ifa_share_target_pct=30, ifa_share_target_date="2028-03"),
    )
    warm = [run(scenario, models=models, random_state=0) for scenario in scenarios]
    assert len(models._cache["baseline"]) == 1  # one baseline shared by the three
    for scenario, remembered in zip(scenarios, warm, strict=True):
        models._cache.pop("baseline")
        same_result(remembered, run(scenario, models=models, random_state=0))
        # the baseline run itself agrees with the baseline figures every run carries
        base = run(baseline_of(scenario), models=models, random_state=0)
        for name, value in remembered.baseline_summary.items():
            assert base.summary[name] == value, name


def test_remembered_baselines_are_bounded_and_keyed_by_their_settings():
    models = fit_models()
    horizons = (24, 30, 36, 42, 48, 54)
    for horizon in horizons:
        run(Scenario(horizon_months=horizon, n_simulations=20), models=models, random_state=0)
    remembered = models._cache["baseline"]
    assert len(remembered) == engine._BASELINE_CACHE_SIZE
    kept = {Scenario.from_json(key).horizon_months for key, _ in remembered}
    assert kept == set(horizons[-engine._BASELINE_CACHE_SIZE :])
    # another seed is another baseline
    run(Scenario(horizon_months=54, n_simulations=20), models=models, random_state=1)
    assert any(seed == 1 for _, seed in remembered)
