"""Start page: what the explorer does for each audience, and whose data is shown."""

import streamlit as st

from app_pages.common import active_903_data, show_data_banner

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
with for_fostering:
    st.subheader("Fostering managers")
    st.write(
        "Which campaigns bring enquiries that become approved households, where applicants drop "
        "out, how many carers you will lose, and how many enquiries you need now."
    )
with for_finance:
    st.subheader("Finance")
    st.write(
        "What the placement mix costs by financial year with its uncertainty, and when "
        "recruiting in-house carers pays back. Every unit cost shows its source."
    )
st.divider()
st.write(
    "Start on **Data > Children looked after** to see the children looked after month by month, "
    "or to check and load your own SSDA903 extracts. Nothing you upload leaves this computer."
)
