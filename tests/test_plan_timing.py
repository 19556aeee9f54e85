"""When a plan's approvals fall: busiest quarter, lead time, before and after the target date."""

import pandas as pd

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
