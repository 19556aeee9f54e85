"""One IFA-share measure: each simulated future's own share, averaged, everywhere.

A commissioner found the headline's 42% (March 2028, with the plan, on the demo) could not be
rebuilt from the downloads: the placements CSV's average counts give 44% (182 IFA of 415 foster
placements), and the printable summary said 40% at March 2029 while its table gave 43.3%. Every
table and download that lists placement counts now carries the share as the headline computes
it, and the target solver reads its best level and earliest month on that measure too.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sufficiency.export_units import with_units
from sufficiency.exports import (
    RESULT_UNITS,
    placements_at_year_ends,
    placements_table,
    summary_html,
    workbook_bytes,
    write_result,
)
from sufficiency.plan.shares import SHARE_COLUMNS, SHARE_NOTE
from sufficiency.plan.targets import RecruitmentLimits, first_month_held, share_reachable
from sufficiency.scenario import Scenario, run

FOSTERING = (
    "IFA fostering",
    "in-house fostering",
    "kinship fostering",
    "other LA / public fostering",
)


@pytest.fixture(scope="module")
def demo():
    from sufficiency.scenario import fit_models

    return fit_models()


@pytest.fixture(scope="module")
def thirty(demo):
    """The commissioner's scenario: IFA share at most 30% by March 2028 (the explorer's URL)."""
    return run(
        Scenario(name="IFA 30", ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"),
        models=demo,
        random_state=0,
    )


def test_reachable_share_is_each_futures_share_averaged():
    """Two futures: 10 of 100 and 30 of 50 IFA; 5 more in-house places in each. Each future's
    share: 5% and 50%, averaged 27.5%; the share of the average counts would say 20%."""
    months = pd.date_range("2024-04-30", periods=3, freq="ME")
    limits = RecruitmentLimits(
        lead_months=0,
        usable_places_per_household=5.0,
        annual_leaving_rate=0.0,
        assessment_room_per_quarter=1.0,
        marketing_approvals_per_quarter=1.0,
    )
    ifa = np.array([[10.0, 10.0, 10.0], [30.0, 30.0, 30.0]])
    denominator = np.array([[100.0, 100.0, 100.0], [50.0, 50.0, 50.0]])
    reachable = share_reachable(ifa, denominator, months, limits)
    assert reachable == pytest.approx([0.275, 0.275, 0.275])
    # one future is its own average
    assert share_reachable(ifa[1], denominator[1], months, limits) == pytest.approx([0.5] * 3)


def test_the_earliest_month_is_read_on_the_headlines_measure(demo):
    """37% by March 2027 cannot be met on the demo; with the most approvals the limits allow
    (the plan applied), the share shown on every page is at or under 37% from January 2028 on,
    so that is the earliest month. (Read on the share of the average placements, the solver
    said such a level was not reached by March 2029, while the page's own line reached it.)"""
    result = run(
        Scenario(ifa_share_target_pct=37.0, ifa_share_target_date="2027-03"),
        models=demo,
        random_state=0,
    )
    (check,) = result.plan.checks
    assert not check.feasible
    shares = result.shares["ifa_share_of_fostering_pct"].to_numpy()
    held = first_month_held(shares, 37.0 + 0.05)
    assert held is not None
    assert check.earliest_month == result.months[held]
    assert f"{check.earliest_month:%Y-%m}" == "2028-01"
    assert check.best_achievable == pytest.approx(
        shares[result.months.get_loc(check.date)], abs=0.01
    )


def test_the_placements_download_carries_the_headlines_share(thirty):
    """March 2028: the headline's 37% beside the counts; dividing the average counts gives 39.3%,
    a different measure, which the header says."""
    table = placements_table(thirty)
    march = table[table["month"] == "2028-03"]
    headline = thirty.targets.iloc[0]["projected"]
    assert headline == pytest.approx(36.99, abs=0.01)
    assert march["ifa_share_of_fostering_pct"].unique() == pytest.approx([headline])
    counts = march.groupby("placement_category")["mean"].sum()
    assert 100 * counts["IFA fostering"] / counts[list(FOSTERING)].sum() == pytest.approx(
        39.31, abs=0.05
    )
    # the end month's share is the summary's end share
    end = table[table["month"] == table["month"].max()]
    assert end["ifa_share_of_fostering_pct"].iloc[0] == pytest.approx(
        thirty.summary["ifa_share_of_fostering_end_pct"]
    )
    assert end["ifa_share_of_non_kinship_fostering_pct"].iloc[0] == pytest.approx(
        thirty.summary["ifa_share_of_non_kinship_fostering_end_pct"]
    )
    headers = list(with_units(table, units=RESULT_UNITS).columns)
    share_header = next(h for h in headers if h.startswith("ifa_share_of_fostering_pct"))
    assert "%" in share_header and "each simulated future's own share, averaged" in share_header
    assert any(h.startswith("p10 (children, low: 1 in 10 futures below") for h in headers)


def test_the_printable_summary_states_one_share_for_one_month(thirty):
    """The narrative's share and the table's share row are the same figure for the same month
    (March 2029, the end), and the table uses the pages' words for family and friends
    fostering."""
    page = summary_html(thirty)
    end_share = thirty.summary["ifa_share_of_fostering_end_pct"]
    assert f"By March 2029, the end of the forecast, {end_share:.0f}% of foster placements" in page
    table = placements_at_year_ends(thirty)
    row = table.set_index("Placement").loc["IFA share of foster placements (%)"]
    assert row["2028-29"] == pytest.approx(round(end_share, 1))
    assert row["2027-28"] == pytest.approx(round(thirty.targets.iloc[0]["projected"], 1))
    assert f"<td>{end_share:.1f}%</td>" in page
    assert "family and friends fostering" in page
    assert not re.search(r"<td>kinship fostering</td>", page)
    assert SHARE_NOTE.replace("'", "&#x27;") in page


def test_workbook_and_summary_json_name_the_measure_and_month(thirty, tmp_path):
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(thirty)), read_only=True)
    rows = list(book["Placements by month"].values)
    assert rows[1][0] == SHARE_NOTE
    header = rows[2]
    assert all(any(str(h).startswith(c) for h in header) for c in SHARE_COLUMNS)
    paths = write_result(thirty, tmp_path)
    summary = json.loads(paths["summary"].read_text())
    assert summary["ifa_share_end_month"] == "2029-03"
    assert summary["ifa_share_measure"] == "each simulated future's own share, averaged"
