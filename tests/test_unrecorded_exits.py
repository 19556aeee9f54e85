"""Exits the reader made (stale episodes closed as MISSING_LATER) are not counted as 'other'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.codes import EXIT_NOT_RECORDED, EXIT_OTHER, EXIT_REASON_GROUPS
from sufficiency.demand.hazards import estimate_transitions
from tests.demand_fixtures import micro_panel


def test_unrecorded_exits_leave_care_but_are_shared_among_the_recorded_reasons():
    panel = micro_panel(months=48, seed=5)
    origin = pd.Timestamp(panel["date"].max())
    exits = panel.index[(panel["outcome"] == "exit") & (panel["exit_reason_group"] != EXIT_OTHER)]
    stale = exits[::4]  # a quarter of the exits lose their recorded reason
    as_other = panel.copy()
    as_other.loc[stale, "exit_reason_group"] = EXIT_OTHER
    unrecorded = panel.copy()
    unrecorded.loc[stale, "exit_reason_group"] = EXIT_NOT_RECORDED
    settings = {"reference_months": 36, "halflife_months": None, "duration_edges": ()}
    other = estimate_transitions(as_other, origin, **settings)
    shared = estimate_transitions(unrecorded, origin, **settings)
    truth = estimate_transitions(panel, origin, **settings)

    # every exit still leaves care: the exits counted are the same either way (the fitted
    # chances differ a little, as each reason's rates are smoothed on their own)
    def exits_counted(t):
        rates = t.rates
        return rates.loc[rates["transition"].str.startswith("exit"), "events"].sum()

    assert exits_counted(shared) == pytest.approx(exits_counted(other))
    assert exits_counted(shared) > 0
    np.testing.assert_allclose(
        shared.exit_prob.sum(axis=-1), other.exit_prob.sum(axis=-1), rtol=0.25
    )
    # but 'other' is not inflated: its share is the recorded one, not the stale closures'
    g = EXIT_REASON_GROUPS.index(EXIT_OTHER)

    def other_share(t):
        return t.exit_prob[..., g].sum() / t.exit_prob.sum()

    assert other_share(shared) < other_share(other)
    assert abs(other_share(shared) - other_share(truth)) < abs(
        other_share(other) - other_share(truth)
    )
