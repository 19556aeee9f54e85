"""The sufficiency scenario explorer: a Streamlit router with a section per audience.

Run with ``make run`` (or ``streamlit run app.py``). Pages live in ``app_pages/``, one thin file each.
"""

import streamlit as st

from app_pages.sign_in import require_sign_in

# An emoji tab icon is drawn in the browser; a ":material/...:" one makes Streamlit point the
# browser at fonts.gstatic.com (nothing may leave this computer: tests/browser/test_exposure.py).
st.set_page_config(page_title="sufficiency explorer", page_icon="🏠", layout="wide")
require_sign_in()  # only when a team deployment configures sign-in (docs/security.md)

pages = {
    "": [
        st.Page("app_pages/home.py", title="Start here", icon=":material/home:", default=True),
    ],
    "Commissioners": [
        st.Page("app_pages/demand.py", title="Demand forecast", icon=":material/query_stats:"),
        st.Page("app_pages/scenarios.py", title="Scenario explorer", icon=":material/tune:"),
        st.Page(
            "app_pages/recommended_plan.py",
            title="Recommended plan",
            icon=":material/auto_awesome:",
        ),
    ],
    "Fostering managers": [
        st.Page(
            "app_pages/campaign_funnel.py", title="Campaign funnel", icon=":material/filter_alt:"
        ),
        st.Page("app_pages/pipeline.py", title="Approvals pipeline", icon=":material/timeline:"),
        st.Page("app_pages/retention.py", title="Carer retention", icon=":material/groups:"),
        st.Page(
            "app_pages/recruitment_calculator.py",
            title="Recruitment calculator",
            icon=":material/calculate:",
        ),
    ],
    "Finance": [
        st.Page("app_pages/finance.py", title="Placement budget", icon=":material/payments:"),
    ],
    "Compare authorities": [
        st.Page("app_pages/benchmarking.py", title="Benchmarking", icon=":material/leaderboard:"),
        st.Page("app_pages/model_quality.py", title="Model quality", icon=":material/rule:"),
    ],
    "Data": [
        st.Page("app_pages/data.py", title="Children looked after", icon=":material/table_chart:"),
    ],
}

navigation = st.navigation({section: items for section, items in pages.items() if items})
navigation.run()
