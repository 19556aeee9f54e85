"""AppTest: the Scenario explorer and the Recommended plan show the checks beside their figures
(the Demand forecast page's track record beside the chart, the Placement budget page's RO3
cross-check under the total cost) and the explorer's placements download lets the headline's
"without a plan" and "with the plan" shares be checked from the file."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from app_pages.cross_checks import RO3_AUTHORITY_KEY
from sufficiency import finance as fin
from sufficiency.scenario import fit_models
from tests.app.answer_view import indicator, paragraphs
from tests.spreadsheet_checks import read_csv_by_name

REPO = Path(__file__).resolve().parents[2]
TARGET = {"v": "2", "ifa": "30", "ifad": "2028-03"}  # 30% IFA share by March 2028
RO3_NOTE_START = (
    "Check before quoting this total: the model's 2024-25 cost for fostering services (£15.1m) "
    "is 1.35 times the authority's RO3 2024-25 spend on them (£11.2m)"
)


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    from sufficiency.store import ENV_VAR

    monkeypatch.setenv(ENV_VAR, str(tmp_path / "scenarios.db"))


def downloads(monkeypatch) -> dict[str, bytes]:
    """Label -> content of every download the page offers (built as a click would)."""
    built: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def download_button(self, label, data, *args, **kwargs):
        content = data() if callable(data) else data
        built[label] = content.encode() if isinstance(content, str) else content
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", download_button)
    return built


def test_the_explorer_shows_both_checks_and_its_csv_gives_the_headlines_shares(monkeypatch):
    built = downloads(monkeypatch)
    app = AppTest.from_file(str(REPO / "app_pages" / "scenarios.py"), default_timeout=300)
    app.query_params.update(TARGET)
    app.run()
    assert not app.exception, app.exception

    # the Demand forecast page's sentence beside the placements chart
    caveat = fit_models().forecast_caveat
    assert caveat.startswith("Not better than carrying the last figure forward for the total")
    assert any(caveat in w.value and "Demand forecast page" in w.value for w in app.warning)

    # under the total cost: the Placement budget page's cross-check against Middlesbrough
    shown = paragraphs(app)
    note = next(p for p in shown if p.startswith("Check before quoting this total"))
    assert note.startswith(RO3_NOTE_START)

    # the headline: without a plan 43%, with the plan 37% by March 2028 ...
    without = indicator(app, "Without a plan, Mar 2028").value
    with_plan = indicator(app, "With the plan, Mar 2028").value
    assert (without, with_plan) == ("43%", "37%")
    # ... and the placements CSV gives both, and what dividing its counts gives
    table = read_csv_by_name(io.BytesIO(built["Download placements (CSV)"]))
    march = table[table["month"] == "2028-03"].iloc[0]
    assert f"{march['ifa_share_of_fostering_without_plan_pct']:.0f}%" == without
    assert f"{march['ifa_share_of_fostering_pct']:.0f}%" == with_plan
    assert march["ifa_share_of_fostering_pct"] == pytest.approx(36.99, abs=0.01)
    assert march["ifa_share_of_fostering_of_mean_counts_pct"] == pytest.approx(39.31, abs=0.01)
    assert march["ifa_share_of_fostering_without_plan_pct"] == pytest.approx(43.00, abs=0.01)

    # the printable summary, the page a board reads, carries both checks too
    summary = built["Download the printable summary (HTML)"].decode()
    assert "<h2>Check before quoting these figures</h2>" in summary
    assert html.escape(f"Demand forecast: {caveat}") in summary
    total = note.replace("Check before quoting this total: ", "Total cost: ")
    assert total.startswith("Total cost: the model's 2024-25 cost for fostering services")
    assert html.escape(total) in summary


def test_the_recommended_plan_shows_the_cross_check_under_its_total():
    app = AppTest.from_file(str(REPO / "app_pages" / "recommended_plan.py"), default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    assert any(p.startswith(RO3_NOTE_START) for p in paragraphs(app))


def test_the_budget_pages_choice_of_authority_is_kept_for_the_other_pages():
    app = AppTest.from_file(str(REPO / "app_pages" / "finance.py"), default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    key, code = app.session_state[RO3_AUTHORITY_KEY]
    assert code == fin.DEMO_RO3_AUTHORITY and key.startswith("demo|")
    app.selectbox(key="fx_ro3_authority").set_value("E08000025").run()  # Birmingham
    assert not app.exception, app.exception
    assert app.session_state[RO3_AUTHORITY_KEY] == (key, "E08000025")


def test_an_uploaded_authority_is_told_what_has_not_been_checked(tmp_path, monkeypatch):
    """Uploaded 903 data: no track record was run for the explorer's model and no authority is
    chosen for the RO3 cross-check yet; the explorer says so, and where to check each."""
    from app_pages.common import UPLOADED_903_KEY, UPLOADED_903_NAME_KEY
    from app_pages.cross_checks import NOT_CROSS_CHECKED
    from sufficiency.data.ssda903 import read_903
    from sufficiency.demand.track_record import TRACK_RECORD_NOT_CHECKED

    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(tmp_path))
    app = AppTest.from_file(str(REPO / "app_pages" / "scenarios.py"), default_timeout=300)
    app.session_state[UPLOADED_903_KEY] = read_903(REPO / "tests" / "fixtures" / "903" / "yearly")
    app.session_state[UPLOADED_903_NAME_KEY] = "your 903 data"
    app.run()
    assert not app.exception, app.exception
    assert any(TRACK_RECORD_NOT_CHECKED in w.value for w in app.warning)
    assert not any("Source: the Demand forecast page" in w.value for w in app.warning)
    assert NOT_CROSS_CHECKED in paragraphs(app)


def test_an_uploaded_authority_is_asked_for_its_authority_not_given_the_first(
    tmp_path, monkeypatch
):
    """Uploaded 903 data: the budget page's RO3 authority starts empty and asks (it was the
    first in the alphabet, and the explorer's total was then checked against that authority);
    once chosen, the choice is kept for the other pages."""
    from app_pages.common import UPLOADED_903_KEY, UPLOADED_903_NAME_KEY
    from sufficiency.data.ssda903 import read_903

    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(tmp_path))
    app = AppTest.from_file(str(REPO / "app_pages" / "finance.py"), default_timeout=300)
    app.session_state[UPLOADED_903_KEY] = read_903(REPO / "tests" / "fixtures" / "903" / "yearly")
    app.session_state[UPLOADED_903_NAME_KEY] = "your 903 data"
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="fx_ro3_authority").value is None
    assert any(i.value.startswith("Choose your authority above") for i in app.info)
    assert RO3_AUTHORITY_KEY not in app.session_state
    app.selectbox(key="fx_ro3_authority").set_value("E08000025").run()  # Birmingham
    assert not app.exception, app.exception
    key, code = app.session_state[RO3_AUTHORITY_KEY]
    assert code == "E08000025" and not key.startswith("demo|")
    assert not any(i.value.startswith("Choose your authority above") for i in app.info)
