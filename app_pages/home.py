"""Start page: what the explorer does for each audience, and whose data is shown."""

import streamlit as st

from app_pages.common import (
    active_903_data,
    authority_models,
    current_scenario,
    show_data_banner,
)
from app_pages.plain import plain

st.title("Placement sufficiency explorer")
st.write(
    "Forecast how many children your council will look after, by age band and placement type; "
    "see how many in-house foster carers you need to rely less on independent fostering agencies "
    "(IFAs) and external children's homes; and cost every plan by financial year."
)
active = active_903_data()
show_data_banner(active)
for_commissioners, for_fostering, for_finance = st.columns(3)
with for_commissioners:
    st.subheader("Commissioners")
    st.write(
        "What-if scenarios: fewer children entering care, step-downs from residential care, "
        "recruitment pushes. See the placements needed by age band over the next 1-5 years."
    )
    st.page_link("app_pages/demand.py", label="Demand forecast", icon=":material/query_stats:")
    st.page_link("app_pages/scenarios.py", label="Scenario explorer", icon=":material/tune:")
    st.page_link(
        "app_pages/recommended_plan.py", label="Recommended plan", icon=":material/auto_awesome:"
    )
with for_fostering:
    st.subheader("Fostering managers")
    st.write(
        "Which campaigns bring enquiries that become approved households, where applicants drop "
        "out, how many carers you will lose, and how many enquiries you need now."
    )
    st.page_link(
        "app_pages/campaign_funnel.py", label="Campaign funnel", icon=":material/filter_alt:"
    )
    st.page_link("app_pages/pipeline.py", label="Approvals pipeline", icon=":material/timeline:")
    st.page_link("app_pages/retention.py", label="Carer retention", icon=":material/groups:")
    st.page_link(
        "app_pages/recruitment_calculator.py",
        label="Recruitment calculator",
        icon=":material/calculate:",
    )
with for_finance:
    st.subheader("Finance")
    st.write(
        "What the placement mix costs by financial year with its uncertainty, and when "
        "recruiting in-house carers pays back. Every unit cost shows its source."
    )
    st.page_link("app_pages/finance.py", label="Placement budget", icon=":material/payments:")
st.divider()
models, _ = authority_models(active)
figures = models.figures
st.subheader("The authority every page works on")
cols = st.columns(5)
cols[0].metric("Children looked after", f"{models.start_grid.sum():,.0f}")
cols[1].metric(
    "In-house households",
    f"{figures.in_house.households:,.0f}",
    help=figures.in_house.rule,
)
cols[2].metric("Usable in-house places", f"{figures.in_house.usable_places:,.0f}")
cols[3].metric(
    "Approvals a quarter",
    f"{figures.approvals_per_quarter.value:.1f}",
    help=figures.approvals_per_quarter.source,
)
cols[4].metric(
    "Enquiries approved",
    figures.enquiry_to_approval.text,
    help=figures.enquiry_to_approval.source,
)
st.caption(
    f"At {models.origin:%d %B %Y}. Every page uses these figures, each with its source (the "
    "authority's own records where loaded, else national figures); the Scenario explorer lists "
    f"them all. Scenario on screen: {plain(current_scenario().name)}."
)

with st.expander("Words used in this tool"):
    st.markdown(
        "- **Children looked after (CLA)**: children in the council's care on a given day.\n"
        "- **In-house fostering**: foster carers the council recruits, approves and supports "
        "itself.\n"
        "- **IFA**: independent fostering agency; the council buys the placement.\n"
        "- **Kinship (connected) carers**: relatives or friends approved to foster a named "
        "child.\n"
        "- **External residential**: children's homes run by private or voluntary providers.\n"
        "- **Step-down**: moving a child from residential care to a family placement.\n"
        "- **SSDA903**: the yearly return on children looked after every council sends to the "
        "Department for Education; the tool reads it.\n"
        "- **Usable places**: approved foster places that are actually available to fill "
        "(approved places x occupancy).\n"
        "- **Baseline**: the forecast if current trends continue and no lever is pulled."
    )
st.write(
    "Start on **Data > Children looked after** to see the children looked after month by month, "
    "or to check and load your own SSDA903 extracts. Nothing you upload leaves this computer."
)
