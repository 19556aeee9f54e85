"""The authority's figures every page plans with, shown the same way wherever they appear.

Pages that measure a figure another way (the Campaign funnel over the years selected, the
Approvals pipeline's model) label theirs as a different measure and show this row beside it, so
the figure the Scenario explorer, the Recommended plan and the Placement budget use is always in
view, with its source.
"""

from __future__ import annotations

import streamlit as st

from sufficiency.authority import AuthorityFigures

# "(plan)", not "(plan figure)": four to a row, "Places per household (plan figure)" was cut
# at 1280 px (about 170 px for a label); the help and the caption below say what "plan" means
PLAN_FIGURE_LABELS = {
    "enquiry_to_approval": "Enquiries approved (plan)",
    "days_enquiry_to_approval": "Enquiry to approval (plan)",
    "cost_per_enquiry": "Cost per enquiry (plan)",
    "places_per_household": "Places per household (plan)",
    "annual_leaving_rate": "Households leaving a year (plan)",
}
"""Metric labels of the figures every page plans with (one label per figure, on every page)."""


def show_plan_figures(figures: AuthorityFigures, names: tuple[str, ...], note: str = "") -> None:
    """A row of the authority's figures (``names`` of :class:`AuthorityFigures` attributes), each
    with its source in the help, then ``note`` and where the figures come from."""
    columns = st.columns(len(names))
    for column, name in zip(columns, names, strict=True):
        figure = getattr(figures, name)
        column.metric(
            PLAN_FIGURE_LABELS[name],
            figure.text,
            help=f"Plan figure: the figure every page plans with. Source: {figure.source}",
        )
    if all(getattr(figures, name).own_data for name in names):
        origin = figures.records_label or "your records"
    else:
        origin = "the authority's records where loaded, else national figures"
    st.caption(
        (note + " " if note else "")
        + 'Figures marked "(plan)" are the ones every page plans with (Scenario explorer, '
        "Recommended plan, Placement "
        f"budget, Recruitment calculator), from {origin}; hover over each for its source."
    )
