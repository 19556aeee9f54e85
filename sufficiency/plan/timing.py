"""When a plan's extra approvals fall: first and busiest quarter, before and after the target date.

An average over the quarters with approvals hides what matters to a fostering service: a plan
that approves nothing for two years and then 26 households a quarter is not "9.6 a quarter".
:func:`approval_timing` reads the plan's quarterly table; :meth:`ApprovalTiming.sentence` says it
in plain words, beside the approvals achieved now.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ApprovalTiming:
    """When the extra approvals fall (households; quarters are financial-quarter labels).

    Attributes
    ----------
    total : int
        Extra households approved over the horizon.
    first_quarter, peak_quarter : str or None
        First quarter with extra approvals, and the busiest one (None without approvals).
    peak : int
        Extra households approved in the busiest quarter.
    first_enquiry_quarter : str or None
        First quarter the extra enquiries are needed (the lead time before the first approval).
    enquiries_start_now : bool
        True when that is the forecast's first quarter (straight after the data end): the
        enquiries are needed now (see :attr:`enquiries_from`).
    by_target : int
        Extra households approved in quarters starting on or before the target date (all of
        them when there is no date).
    after_target : int
        Extra households approved in quarters starting after the target date: they keep the
        target met (or keep closing the gap) as the number of children changes.
    target_date : Timestamp or None
    peak_enquiries : float
        Extra enquiries needed in the busiest quarter for enquiries (they run ahead of the
        approvals by the lead time).
    peak_enquiry_quarter : str or None
    last_quarter : str or None
        Last quarter with extra approvals.
    quarters : int
        Quarters with extra approvals.
    even : bool
        True when every quarter with extra approvals has the same number (then no quarter is
        the busiest: "Busiest quarter: 2" read wrongly when every quarter had 2).
    enquiry_quarters : int
        Quarters that need extra enquiries.
    last_enquiry_quarter : str or None
    enquiries_even : bool
        True when every quarter that needs extra enquiries needs about the same (to the whole
        enquiry).
    """

    total: int
    first_quarter: str | None
    peak_quarter: str | None
    peak: int
    first_enquiry_quarter: str | None
    by_target: int
    after_target: int
    target_date: pd.Timestamp | None
    peak_enquiries: float = 0.0
    peak_enquiry_quarter: str | None = None
    enquiries_start_now: bool = False
    last_quarter: str | None = None
    quarters: int = 0
    even: bool = False
    enquiry_quarters: int = 0
    last_enquiry_quarter: str | None = None
    enquiries_even: bool = False

    @property
    def enquiries_from(self) -> str | None:
        """When the extra enquiries start, in plain words: the forecast's first quarter is
        straight after the data end, so its enquiries are needed now, not in a future quarter."""
        if self.first_enquiry_quarter is None:
            return None
        if self.enquiries_start_now:
            return (
                f"now, in the forecast's first quarter ({self.first_enquiry_quarter}, straight "
                "after the data end)"
            )
        return self.first_enquiry_quarter

    def sentence(
        self,
        approvals_now: float,
        replacing: float,
        lead_time: str,
        target_met: bool = True,
        enquiries_now: float | None = None,
    ) -> str:
        """The timing in plain words, beside approvals now (households a quarter): the
        :meth:`points` as one paragraph."""
        return " ".join(self.points(approvals_now, replacing, lead_time, target_met, enquiries_now))

    def points(
        self,
        approvals_now: float,
        replacing: float,
        lead_time: str,
        target_met: bool = True,
        enquiries_now: float | None = None,
    ) -> list[str]:
        """The timing in short sentences, beside approvals now (households a quarter).

        Parameters
        ----------
        approvals_now : float
            Households approved a quarter now (all approvals), with its source shown elsewhere.
        replacing : float
            Approvals a quarter the model makes anyway, without a plan (as many as now).
        lead_time : str
            Enquiry-to-approval time as every page words it (e.g. "287 days").
        target_met : bool
            False when the limits keep the target out of reach: later approvals then keep
            closing the gap rather than keeping the target met.
        enquiries_now : float, optional
            Enquiries received a quarter now: the busiest quarter's extra enquiries are set
            beside it.
        """
        if not self.total:
            return ["No extra households to approve."]
        words = [
            f"The first extra approvals are in {self.first_quarter}"
            + (
                f" (their enquiries are needed from {self.enquiries_from}; {lead_time} "
                "before approval)"
                if self.first_enquiry_quarter
                else ""
            )
            + ".",
            (
                f"All {self.quarters} quarters with extra approvals, {self.first_quarter} to "
                f"{self.last_quarter}, have the same {self.peak}"
                if self.even
                else f"The busiest quarter is {self.peak_quarter}: {self.peak}"
            )
            # to a tenth, as the Scenario explorer says it ("6.5 a quarter in all"): 2 + 4.5
            # read "6" here and "6.5" there
            + f" extra households, {self.peak + replacing:.1f} with those approved without a "
            f"plan, against {approvals_now:.1f} a quarter approved now.",
        ]
        if enquiries_now is not None and self.peak_enquiry_quarter:
            words.append(
                (
                    f"All {self.enquiry_quarters} quarters that need extra enquiries, "
                    f"{self.first_enquiry_quarter} to {self.last_enquiry_quarter}, need about "
                    if self.enquiries_even
                    else f"The busiest quarter for enquiries is {self.peak_enquiry_quarter}: about "
                )
                + f"{self.peak_enquiries:,.0f} extra, against {enquiries_now:,.0f} a quarter "
                "received now."
            )
        if self.target_date is not None:
            words.append(
                f"{self.by_target} of the {self.total} are approved by "
                f"{self.target_date:%B %Y}, the target date"
                + (
                    f"; the other {self.after_target} come after it, "
                    f"{self.after_purpose(target_met)}: they are not needed to reach it by then."
                    if self.after_target
                    else "."
                )
            )
        return words

    @staticmethod
    def after_purpose(target_met: bool) -> str:
        """Why approvals come after the target date, in plain words."""
        if target_met:
            return "to keep the target met as the number of children grows"
        return "to keep closing the gap the limits leave at the target date"


def approval_timing(quarterly: pd.DataFrame, target_date=None) -> ApprovalTiming:
    """First, busiest, before and after the target date, from a plan's quarterly table.

    Parameters
    ----------
    quarterly : pandas.DataFrame
        By financial quarter: ``quarter_start``, ``quarter`` (label), ``approvals_<carer type>``
        (households) and optionally ``enquiries_needed``.
    target_date : date-like, optional
        The (latest) target date; None: no split.

    Returns
    -------
    ApprovalTiming
    """
    columns = [c for c in quarterly.columns if c.startswith("approvals_")]
    per_quarter = quarterly[columns].sum(axis=1).round().astype(int) if columns else None
    date = None if target_date is None else pd.Timestamp(target_date)
    if per_quarter is None or not per_quarter.sum():
        return ApprovalTiming(0, None, None, 0, None, 0, 0, date)
    active = per_quarter > 0
    first = quarterly.loc[active, "quarter"].iloc[0]
    last = quarterly.loc[active, "quarter"].iloc[-1]
    peak_at = per_quarter.idxmax()
    enquiries = quarterly.get("enquiries_needed")
    asked = enquiries is not None and bool((enquiries > 0.5).any())
    first_enquiry = quarterly.loc[enquiries > 0.5, "quarter"].iloc[0] if asked else None
    # the table starts with the forecast's first quarter (the quarter after the data end)
    start_now = asked and bool(enquiries.iloc[0] > 0.5)
    busiest = enquiries.idxmax() if asked else None
    needing = enquiries[enquiries > 0.5].round() if asked else pd.Series(dtype=float)
    total = int(per_quarter.sum())
    if date is None:
        by_target = total
    else:
        by_target = int(per_quarter[pd.to_datetime(quarterly["quarter_start"]) <= date].sum())
    return ApprovalTiming(
        total=total,
        first_quarter=first,
        peak_quarter=quarterly.loc[peak_at, "quarter"],
        peak=int(per_quarter[peak_at]),
        first_enquiry_quarter=first_enquiry,
        by_target=by_target,
        after_target=total - by_target,
        target_date=date,
        peak_enquiries=float(enquiries[busiest]) if asked else 0.0,
        peak_enquiry_quarter=quarterly.loc[busiest, "quarter"] if asked else None,
        enquiries_start_now=start_now,
        last_quarter=last,
        quarters=int(active.sum()),
        even=bool(active.sum() > 1 and (per_quarter[active] == per_quarter.max()).all()),
        enquiry_quarters=len(needing),
        last_enquiry_quarter=quarterly.loc[needing.index[-1], "quarter"] if asked else None,
        enquiries_even=bool(len(needing) > 1 and needing.nunique() == 1),
    )


def schedule_table(quarterly: pd.DataFrame, target_date=None) -> pd.DataFrame:
    """The quarters a plan asks something of: extra enquiries or extra approvals, in order.

    The extra enquiries sit in the quarter they must come in, the enquiry-to-approval lead
    time before the approvals they bring, so the first rows can hold enquiries and no approvals
    (a table of approval quarters only would show each quarter's enquiries beside approvals they
    do not lead to). The forecast's first quarter, straight after the data end, is labelled
    "start now": it is not a quarter to plan for later.

    Parameters
    ----------
    quarterly : pandas.DataFrame
        :attr:`sufficiency.scenario.solve.TargetPlan.quarterly` (every quarter of the forecast,
        first to last): ``quarter``, ``approvals_<type>``, ``enquiries_needed``,
        ``households_in_post``, ``households_needed`` (households; enquiries).
    target_date : date-like, optional
        The (latest) target date: ``households_needed`` is left empty (NaN) in quarters that
        end before it, where the target does not apply yet (approvals there come early
        because later quarters' limits bind), rather than shown as 0.

    Returns
    -------
    pandas.DataFrame
        ``quarter``, ``enquiries_needed`` (whole enquiries), ``approvals_<type>``,
        ``households_in_post`` and ``households_needed`` (households).
    """
    approvals = [c for c in quarterly.columns if c.startswith("approvals_")]
    frame = quarterly.reset_index(drop=True)
    enquiries = frame["enquiries_needed"].round(0)
    asked = (frame[approvals].sum(axis=1) > 0) | (enquiries > 0)
    out = frame.assign(enquiries_needed=enquiries)
    labels = out["quarter"].astype(str).to_numpy(dtype=object)
    if len(labels):
        labels[0] = f"{labels[0]}: start now"
    out["quarter"] = labels
    if target_date is not None and "quarter_start" in out:
        ends = pd.to_datetime(out["quarter_start"]) + pd.offsets.QuarterEnd(startingMonth=3)
        before = ends < pd.Timestamp(target_date)
        out["households_needed"] = out["households_needed"].astype("float64").mask(before)
    columns = ["quarter", "enquiries_needed", *approvals, "households_in_post", "households_needed"]
    return out.loc[asked, columns].reset_index(drop=True)
