"""When a plan's approvals fall: busiest quarter, lead time, before and after the target date."""

import numpy as np
import pandas as pd
import pytest

from sufficiency.plan.timing import approval_timing


def quarterly() -> pd.DataFrame:
    """Nothing for nine quarters, then 16 a quarter for four, then 2 a quarter after the date."""
    starts = pd.date_range("2024-04-01", periods=16, freq="QS-APR")
    mainstream = [0] * 9 + [10, 10, 10, 10] + [1, 1, 1]
    teenagers = [0] * 9 + [6, 6, 6, 6] + [1, 1, 1]
    enquiries = [0.0] * 6 + [90.0] * 7 + [30.0] * 3
    return pd.DataFrame(
        {
            "quarter_start": starts,
            "quarter": [f"Q{i}" for i in range(16)],
            "approvals_mainstream": mainstream,
            "approvals_teenagers": teenagers,
            "enquiries_needed": enquiries,
        }
    )


def test_the_busiest_quarter_not_the_average():
    timing = approval_timing(quarterly(), "2027-09-30")
    assert timing.total == 70
    assert timing.peak == 16  # the average over active quarters would say 10
    assert (timing.first_quarter, timing.peak_quarter) == ("Q9", "Q9")
    assert timing.first_enquiry_quarter == "Q6"
    # quarters starting on or before 30 Sep 2027 (Q0-Q13 start by Jul 2027)
    assert (timing.by_target, timing.after_target) == (66, 4)
    words = timing.sentence(4.5, 3.1, "287 days")
    assert "16 extra households" in words and "4.5 a quarter approved now" in words
    assert "287 days before approval" in words
    assert "the other 4 come after it, to keep the target met" in words
    assert "not needed to reach it" in words
    assert "closing the gap" in timing.sentence(4.5, 3.1, "287 days", target_met=False)
    # enquiries run ahead of approvals: their busiest quarter is not the average either
    assert (timing.peak_enquiries, timing.peak_enquiry_quarter) == (90.0, "Q6")
    words = timing.sentence(4.5, 3.1, "287 days", enquiries_now=80)
    assert "busiest quarter for enquiries is Q6: about 90 extra, against 80 a quarter" in words


def test_no_target_date_keeps_every_approval_and_no_plan_says_so():
    timing = approval_timing(quarterly())
    assert (timing.by_target, timing.after_target) == (70, 0)
    empty = approval_timing(quarterly().assign(approvals_mainstream=0, approvals_teenagers=0))
    assert empty.total == 0 and empty.peak_quarter is None
    assert empty.sentence(4.5, 3.1, "287 days") == "No extra households to approve."


def test_the_schedule_table_puts_enquiries_a_lead_time_ahead_and_says_start_now():
    """The explorer's quarterly table: quarters with enquiries but no approvals yet are shown
    (enquiries come before the approvals they bring), the forecast's first quarter says "start
    now", and households needed in post are blank (not 0) before the target date."""
    from sufficiency.plan.timing import schedule_table

    frame = quarterly().assign(
        households_in_post=0.0,
        households_needed=[0.0] * 13 + [20.0, 21.0, 22.0],
        enquiries_needed=[40.0] + [0.0] * 5 + [90.0] * 7 + [30.0] * 3,
    )
    table = schedule_table(frame, "2027-09-30")
    # Q0 (enquiries only, first quarter), Q6-Q8 (enquiries only), Q9-Q15 (approvals)
    assert list(table["quarter"]) == ["Q0: start now", *[f"Q{i}" for i in range(6, 16)]]
    assert list(table["enquiries_needed"][:4]) == [40.0, 90.0, 90.0, 90.0]
    assert table.loc[1:3, ["approvals_mainstream", "approvals_teenagers"]].sum().sum() == 0
    # Q13 (Jul-Sep 2027) ends on the target date: needed shown; earlier quarters blank
    needed = table.set_index("quarter")["households_needed"]
    assert needed[["Q0: start now", "Q6", "Q12"]].isna().all()
    assert list(needed[["Q13", "Q14", "Q15"]]) == [20.0, 21.0, 22.0]
    assert list(table.columns) == [
        "quarter",
        "enquiries_needed",
        "approvals_mainstream",
        "approvals_teenagers",
        "households_in_post",
        "households_needed",
    ]
    timing = approval_timing(frame, "2027-09-30")
    assert timing.enquiries_start_now
    assert "enquiries are needed from now, in the forecast's first quarter (Q0" in (
        timing.sentence(4.5, 3.1, "287 days")
    )
    later = approval_timing(quarterly(), "2027-09-30")
    assert not later.enquiries_start_now and later.enquiries_from == "Q6"


def test_the_demo_plan_asks_for_enquiries_now_nine_months_before_its_first_approvals():
    """IFA share at most 30% by March 2028 on the demo: the first approvals are in Jan-Mar 2025,
    their enquiries 287 days (9 months) earlier, from Apr-Jun 2024, the forecast's first
    quarter: the table and the plan say "start now"; the target's households needed in post
    (56) show from Jan-Mar 2028, beside the 21 the limits allow."""
    from sufficiency.plan.timing import schedule_table
    from sufficiency.scenario import Scenario, fit_models, run

    result = run(
        Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"),
        models=fit_models(),
        random_state=0,
    )
    plan = result.plan
    assert plan.limits.lead_months == 9
    table = schedule_table(plan.quarterly, plan.checks[0].date)
    first = table.iloc[0]
    assert first["quarter"] == "Q1 2024-25 (Apr-Jun 2024): start now"
    assert first["enquiries_needed"] == 46 and first["approvals_mainstream"] == 0
    approvals = table[["approvals_mainstream", "approvals_teenagers"]].sum(axis=1)
    assert table.loc[approvals.gt(0).idxmax(), "quarter"] == "Q4 2024-25 (Jan-Mar 2025)"
    # every enquiry leads an approval by the lead time: the months with extra enquiries are the
    # months with extra approvals, 9 months earlier
    asked = np.flatnonzero(plan.enquiries > 0)
    approved = np.flatnonzero(plan.approvals.sum(axis=1) > 0)
    assert list(asked) == list(approved - 9)
    needed = table.set_index("quarter")["households_needed"]
    assert needed["Q3 2027-28 (Oct-Dec 2027)"] != needed["Q3 2027-28 (Oct-Dec 2027)"]  # blank
    assert needed["Q4 2027-28 (Jan-Mar 2028)"] == pytest.approx(55.6, abs=0.5)
    assert any(
        p.startswith(
            "Enquiries: about 46 more a quarter from the forecast's first quarter: "
            "start now (80 a quarter received now)"
        )
        for p in plan.points
    ), plan.points


def test_equal_quarters_say_so_instead_of_naming_a_busiest_one():
    # the demo's recommended plan approves 2 extra households in every one of its 17 quarters:
    # "Busiest quarter: 2" read as if the others had fewer
    frame = quarterly().assign(
        approvals_mainstream=[0] * 9 + [1] * 7, approvals_teenagers=[0] * 9 + [1] * 7
    )
    timing = approval_timing(frame)
    assert timing.even and timing.quarters == 7 and timing.peak == 2
    assert (timing.first_quarter, timing.last_quarter) == ("Q9", "Q15")
    words = timing.sentence(4.5, 4.5, "287 days")
    assert "All 7 quarters with extra approvals, Q9 to Q15, have the same 2 extra households" in (
        words
    )
    # to a tenth, as the Scenario explorer's "up to 6.5 a quarter in all" (was "6", rounded)
    assert "6.5 with those approved without a plan" in words
    assert "busiest" not in words.lower()
    # the same for enquiries: every quarter that needs them needs about 46 on the demo
    frame = frame.assign(enquiries_needed=[0.0] * 6 + [46.2, 45.8, 46.0] + [0.0] * 7)
    timing = approval_timing(frame)
    assert timing.enquiries_even and timing.enquiry_quarters == 3
    words = timing.sentence(4.5, 4.5, "287 days", enquiries_now=80)
    assert (
        "All 3 quarters that need extra enquiries, Q6 to Q8, need about 46 extra, against 80 a "
        "quarter received now." in words
    )
    # uneven quarters keep naming the busiest
    uneven = approval_timing(quarterly())
    assert not uneven.even and "The busiest quarter is Q9: 16" in uneven.sentence(4.5, 3.1, "2")
    # one quarter alone is not "every quarter"
    single = approval_timing(
        quarterly().assign(approvals_mainstream=[0] * 15 + [3], approvals_teenagers=0)
    )
    assert single.quarters == 1 and not single.even
