"""Checks shown beside the Scenario explorer's and the Recommended plan's figures, in the words
and from the functions of the pages that make them, so the pages cannot disagree:

- beside the placements chart, the demand forecast's track record (the Demand forecast page's
  sentence: where it did not beat carrying the last figure forward), worked out once per data
  set when the models are built (:attr:`sufficiency.scenario.FittedModels.forecast_caveat`);
- under the total cost, the Placement budget page's RO3 cross-check when a line is more than
  25% away (:func:`sufficiency.finance.ro3_cost_note`).
"""

from __future__ import annotations

import streamlit as st

from sufficiency import finance as fin
from sufficiency.demand.track_record import TRACK_RECORD_NOT_CHECKED
from sufficiency.errors import SufficiencyError

RO3_AUTHORITY_KEY = "ro3_authority"
"""Session-state key: (data key, ONS code) of the authority chosen on the Placement budget page
(a plain key, not the widget's: a widget's value goes when its page is left)."""

NOT_CROSS_CHECKED = (
    "Not yet checked against what the authority spent: choose the authority on the Placement "
    f"budget page ('{fin.RO3_CROSS_CHECK_TITLE}')."
)


def remember_ro3_authority(key: str, code: str) -> None:
    """Keep the Placement budget page's choice of authority for the other pages, for this data
    (``key``, :func:`app_pages.common.authority_models`' key) only."""
    st.session_state[RO3_AUTHORITY_KEY] = (key, code)


def ro3_authority(key: str, is_demo: bool) -> str | None:
    """The authority to cross-check against: the one chosen on the Placement budget page for this
    data (``key``), else on the demo Middlesbrough (the authority it is calibrated to)."""
    chosen = st.session_state.get(RO3_AUTHORITY_KEY)
    if chosen is not None and chosen[0] == key:
        return chosen[1]
    return fin.DEMO_RO3_AUTHORITY if is_demo else None


def cost_note(result, key: str, is_demo: bool) -> str | None:
    """The line under the total cost: the RO3 cross-check when a line is off (None when all are
    within 25%), or where to choose the authority when none is known for uploaded data."""
    code = ro3_authority(key, is_demo)
    if code is None:
        return NOT_CROSS_CHECKED
    try:
        return fin.ro3_cost_note(result.costs_by_financial_year, code)
    except SufficiencyError:
        return None  # the Placement budget page says why (no RO3 figures, no full year)


def board_checks(models, result, key: str) -> tuple[str, ...]:
    """The checks above, for the printable summary: the forecast's track record and the RO3
    cross-check of the costs, each when there is something to say."""
    checks = []
    if models.forecast_caveat:
        checks.append(f"Demand forecast: {models.forecast_caveat}")
    note = cost_note(result, key, models.is_demo)
    if note:
        # under the heading "Check before quoting these figures": the line says which figure
        checks.append(note.replace("Check before quoting this total: ", "Total cost: ", 1))
    return tuple(checks)


def show_forecast_caveat(models) -> None:
    """The demand forecast's track record beside a chart of it, when there is something to say."""
    caveat = models.forecast_caveat
    if not caveat:
        return
    where = (
        ""
        if caveat == TRACK_RECORD_NOT_CHECKED
        else " Source: the Demand forecast page, 'Track record on this data'."
    )
    st.warning(
        f"**How far to trust the demand forecast.** {caveat}{where}", icon=":material/report:"
    )
