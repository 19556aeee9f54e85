"""Targets solved and checked: the approvals by carer type that meet a target, or the best possible.

The one feasibility logic of the tool. The scenario engine, ``sufficiency scenario run``,
``sufficiency plan`` and the explorer's pages all call :func:`solve_approvals` with the same
:class:`RecruitmentLimits` (built from the authority's figures), so they agree on how many
households a target needs, whether it can be met, the best level reachable by the target date and
the earliest date it could be reached.

How it works, month by month over the projection (means over simulated paths):

1. **Places the target needs** (:func:`ifa_share_places_needed`): from the target date on, IFA
   placements above x% of the share's denominator (all foster placements, or non-kinship ones)
   must move to in-house carers; each moved child needs one usable place. Paths are averaged after
   taking the shortfall in each path, so the mean path meets the target.
2. **Households in post**: places / usable places per new household (approved places x
   occupancy), split by carer type: places for 10-17 year olds go to teenager carers, the rest to
   mainstream carers, in proportion to the IFA children of each age that month.
3. **Approvals** (:func:`schedule`): whole households per financial quarter, as late as possible
   (new carers leave too, so approving early costs more approvals), never before the enquiry-to-
   approval lead time (unless the households are already in the pipeline), and at most the
   quarter's extra approvals (assessment capacity left after replacing leavers, and the approvals
   the marketing channels can bring at full reach). A backward pass brings approvals forward when a
   later quarter's limit binds.
4. **Feasibility**: where households are still short after the target date, the target cannot be
   met with these limits; the best level reachable at the target date and the earliest month the
   target could be reached come from the most approvals the limits allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.codes import AGE_BANDS
from sufficiency.errors import SufficiencyError
from sufficiency.periods import financial_quarter_labels, financial_quarter_start

MAINSTREAM = "mainstream"
TEENAGERS = "teenagers"
PLANNING_CARER_TYPES: tuple[str, ...] = (MAINSTREAM, TEENAGERS)
"""Carer types targets are solved for: mainstream households take any age (younger children
first), teenager households take 10-17 year olds."""

TEEN_BANDS: tuple[str, ...] = ("10-15", "16-17")

SHARE_BASES: dict[str, str] = {
    "foster placements": "IFA share of foster placements (all foster placements, including family "
    "and friends carers, as councils report it)",
    "non-kinship fostering": "IFA share of non-kinship foster placements (family and friends "
    "carers left out)",
}
"""The two IFA share definitions a target can use, with their plain-words labels."""

_TOLERANCE = 0.05
"""Households: smaller shortfalls are rounding, not a missed target."""


@dataclass(frozen=True)
class RecruitmentLimits:
    """What new recruitment can deliver: lead time, household size and the quarterly ceiling.

    Attributes
    ----------
    lead_months : int
        Months from enquiry to approval: new households are in post from this month of the
        projection (0 = the first month).
    usable_places_per_household : float
        Usable places of a new household (approved places x occupancy).
    annual_leaving_rate : float
        Share of new households leaving a year (0-1).
    assessment_room_per_quarter : float
        Approvals a quarter the assessment team can add on top of replacing carers who leave.
    marketing_approvals_per_quarter : float
        Approvals a quarter that extra enquiries can bring (all paid channels at full reach x
        their conversion).
    in_pipeline : bool
        True when the households are already in assessment: they can be approved from the start.
    budget_approvals_per_quarter : float
        Approvals a quarter the recruitment budget pays for (inf: no budget set).
    """

    lead_months: int
    usable_places_per_household: float
    annual_leaving_rate: float
    assessment_room_per_quarter: float
    marketing_approvals_per_quarter: float
    in_pipeline: bool = False
    budget_approvals_per_quarter: float = math.inf

    def __post_init__(self) -> None:
        if self.usable_places_per_household <= 0:
            raise SufficiencyError("Usable places per new household must be above zero.")
        if not 0 <= self.annual_leaving_rate < 1:
            raise SufficiencyError("The yearly leaving rate must be at least 0 and below 1.")
        if self.lead_months < 0:
            raise SufficiencyError("The lead time from enquiry to approval cannot be negative.")

    @property
    def per_quarter(self) -> float:
        """Most extra approvals a quarter (whole households)."""
        value = min(
            self.assessment_room_per_quarter,
            self.marketing_approvals_per_quarter,
            self.budget_approvals_per_quarter,
        )
        return float(max(math.floor(value + 1e-9), 0))

    @property
    def binding(self) -> str:
        """Which limit sets :attr:`per_quarter`, in plain words."""
        limits = {
            "the assessment team's capacity": self.assessment_room_per_quarter,
            "the enquiries marketing can bring": self.marketing_approvals_per_quarter,
            "the recruitment budget": self.budget_approvals_per_quarter,
        }
        return min(limits, key=limits.get)

    @property
    def first_month(self) -> int:
        """First month index new households can be in post."""
        return 0 if self.in_pipeline else self.lead_months

    @property
    def monthly_survival(self) -> float:
        return (1.0 - self.annual_leaving_rate) ** (1.0 / 12.0)


@dataclass(frozen=True)
class Schedule:
    """Approvals that keep enough new households in post.

    Attributes
    ----------
    approvals : numpy.ndarray
        Whole households approved, ``(months, types)``, in the first approvable month of each
        quarter.
    in_post : numpy.ndarray
        New households still fostering at each month end, ``(months, types)``.
    needed : numpy.ndarray
        Households needed in post, ``(months, types)``.
    short : numpy.ndarray
        Households needed but not in post, ``(months,)`` (all types).
    """

    approvals: np.ndarray
    in_post: np.ndarray
    needed: np.ndarray
    short: np.ndarray


def quarter_index(months: pd.DatetimeIndex) -> np.ndarray:
    """Quarter number (0 = the first quarter the projection touches) of each month."""
    starts = financial_quarter_start(months)
    _, index = np.unique(starts.to_numpy(), return_inverse=True)
    return index


def approval_months(months: pd.DatetimeIndex, limits: RecruitmentLimits) -> dict[int, int]:
    """Quarter -> the month index in it when its approvals are made (approvable quarters only)."""
    quarters = quarter_index(months)
    result: dict[int, int] = {}
    for t, q in enumerate(quarters):
        if t >= limits.first_month and q not in result:
            result[int(q)] = t
    return result


def schedule(
    needed: np.ndarray,
    months: pd.DatetimeIndex,
    limits: RecruitmentLimits,
    *,
    per_quarter: np.ndarray | float | None = None,
) -> Schedule:
    """Fewest whole approvals per quarter that keep ``needed`` households in post, within limits.

    Parameters
    ----------
    needed : numpy.ndarray
        New households needed in post, ``(months, types)`` (or ``(months,)``).
    months : pandas.DatetimeIndex
        Month ends of the projection.
    limits : RecruitmentLimits
    per_quarter : array or float, optional
        Most approvals in each quarter (default ``limits.per_quarter`` in every quarter).

    Returns
    -------
    Schedule
    """
    needed = np.asarray(needed, dtype="float64")
    if needed.ndim == 1:
        needed = needed[:, None]
    n_months, n_types = needed.shape
    total = needed.sum(axis=1)
    survival = limits.monthly_survival
    quarters = quarter_index(months)
    n_q = int(quarters.max()) + 1 if n_months else 0
    caps = np.broadcast_to(
        np.asarray(limits.per_quarter if per_quarter is None else per_quarter, dtype="float64"),
        (n_q,),
    )
    when = approval_months(months, limits)
    order = sorted(when)
    # requirement at each approval month: enough in post to cover needs until the next one
    required = {}
    following = None
    for q in reversed(order):
        t0 = when[q]
        t1 = when[following] if following is not None else n_months
        span = np.arange(t0, t1)
        local = float(np.max(total[span] / survival ** (span - t0))) if len(span) else 0.0
        carry = 0.0
        if following is not None:
            carry = (required[following] - caps[following]) / survival ** (t1 - t0)
        required[q] = max(local, carry, 0.0)
        following = q
    approvals = np.zeros((n_months, n_types))
    in_post_total = np.zeros(n_months)
    carried = 0.0
    index = {when[q]: q for q in order}
    for t in range(n_months):
        carried *= survival if t > 0 else 1.0
        if t in index:
            q = index[t]
            wanted = math.ceil(required[q] - carried - 1e-9)
            count = float(min(max(wanted, 0), caps[q]))
            approvals[t, :] = _split(count, needed, t, when, q, order)
            carried += count
        in_post_total[t] = carried
    in_post = _in_post(approvals, survival)
    short = np.maximum(total - in_post_total, 0.0)
    short[short < _TOLERANCE] = 0.0
    return Schedule(approvals=approvals, in_post=in_post, needed=needed, short=short)


def _split(
    count: float, needed: np.ndarray, t: int, when: dict[int, int], q: int, order: list[int]
) -> np.ndarray:
    """Share ``count`` whole approvals between types in proportion to their need until the next
    approval (largest remainder)."""
    n_types = needed.shape[1]
    if n_types == 1 or count <= 0:
        out = np.zeros(n_types)
        out[0] = count
        return out
    position = order.index(q)
    end = when[order[position + 1]] if position + 1 < len(order) else needed.shape[0]
    weights = needed[t:end].max(axis=0) if end > t else needed[t]
    if weights.sum() <= 0:
        # approved ahead of the need (a later quarter's limit binds): split by the need they
        # are approved for, not all to mainstream
        weights = needed[t:].max(axis=0)
    if weights.sum() <= 0:
        weights = np.zeros(n_types)
        weights[0] = 1.0
    exact = count * weights / weights.sum()
    whole = np.floor(exact)
    remainder = int(round(count - whole.sum()))
    for i in np.argsort(-(exact - whole))[:remainder]:
        whole[i] += 1
    return whole


def _in_post(approvals: np.ndarray, survival: float) -> np.ndarray:
    result = np.zeros_like(approvals)
    current = np.zeros(approvals.shape[1])
    for t in range(approvals.shape[0]):
        current = current * (survival if t > 0 else 1.0) + approvals[t]
        result[t] = current
    return result


def most_places(months: pd.DatetimeIndex, limits: RecruitmentLimits) -> np.ndarray:
    """Usable places from new households at each month end with the most approvals allowed."""
    n_months = len(months)
    approvals = np.zeros((n_months, 1))
    for t in approval_months(months, limits).values():
        approvals[t, 0] = limits.per_quarter
    return _in_post(approvals, limits.monthly_survival)[:, 0] * limits.usable_places_per_household


def ifa_share_places_needed(
    ifa_by_band: np.ndarray,
    denominator: np.ndarray,
    share: float,
    from_month: int,
) -> np.ndarray:
    """In-house places the IFA share target needs, by month and age band (mean over paths).

    Parameters
    ----------
    ifa_by_band : numpy.ndarray
        IFA placements without the target's recruitment, ``(paths, months, bands)``.
    denominator : numpy.ndarray
        The share's denominator, ``(paths, months)`` (unchanged when children move in-house).
    share : float
        Highest IFA share allowed (0-1).
    from_month : int
        First month the target applies.

    Returns
    -------
    numpy.ndarray
        ``(months, bands)``: children to move from IFA to in-house carers, taken from each band in
        proportion to its IFA placements.
    """
    ifa_total = ifa_by_band.sum(axis=-1)
    excess = np.maximum(ifa_total - share * denominator, 0.0)
    excess[:, :from_month] = 0.0
    fraction = np.divide(excess, ifa_total, out=np.zeros_like(excess), where=ifa_total > 0)
    return (ifa_by_band * np.minimum(fraction, 1.0)[..., None]).mean(axis=0)


def places_by_carer_type(places_by_band: np.ndarray) -> np.ndarray:
    """``(months, bands)`` places -> ``(months, types)``: 10-17 to teenagers, the rest mainstream."""
    teen = np.isin(np.array(AGE_BANDS, dtype=object), TEEN_BANDS)
    return np.stack(
        [places_by_band[:, ~teen].sum(axis=1), places_by_band[:, teen].sum(axis=1)], axis=1
    )


@dataclass(frozen=True)
class TargetCheck:
    """A target against the plan: met or not, the best reachable level, the earliest date.

    Attributes
    ----------
    target : str
        Plain words, with the definition used.
    date : Timestamp
        Month the target applies from.
    target_value : float
        The ceiling (% for shares, children for counts).
    without_plan : float
        Level at the target date without the target's recruitment.
    projected : float
        Level at the target date with the plan applied.
    feasible : bool
        True when the limits allow the target to be met from its date.
    best_achievable : float
        Lowest level reachable at the target date within the limits.
    earliest_month : Timestamp or None
        First month the target can be reached within the limits (None: not within the horizon).
    note : str
    forecast_end : Timestamp or None
        The projection's last month (said when the target cannot be met within it).
    """

    target: str
    date: pd.Timestamp
    target_value: float
    unit: str
    now: float
    without_plan: float
    projected: float
    feasible: bool
    best_achievable: float
    earliest_month: pd.Timestamp | None
    note: str = ""
    forecast_end: pd.Timestamp | None = None

    @property
    def met(self) -> bool:
        return self.projected <= self.target_value + 0.05

    @property
    def when_met(self) -> str:
        """The earliest it could be met, in the words every page and command uses: "earliest
        April 2028", or "not by March 2029, the end of the forecast"."""
        if self.earliest_month is not None:
            return f"earliest {self.earliest_month:%B %Y}"
        if self.forecast_end is None:
            return "not within the forecast"
        return f"not by {self.forecast_end:%B %Y}, the end of the forecast"

    @property
    def verdict(self) -> str:
        """Can it be met, in plain words (one wording for the explorer, the plan and exports)."""
        if self.feasible:
            return "can be met"
        unit = "%" if self.unit == "%" else " children"
        level = f"{self.target_value:g}{unit}"
        if self.earliest_month is not None:
            reached = f"{level} could be reached from {self.earliest_month:%B %Y} at the earliest"
        elif self.forecast_end is not None:
            reached = (
                f"{level} is not reached by {self.forecast_end:%B %Y}, the end of the forecast"
            )
        else:
            reached = f"{level} is not reached within the forecast"
        return (
            f"cannot be met with realistic recruitment: the best reachable by {self.date:%B %Y} "
            f"is {self.best_achievable:.0f}{unit}; {reached}"
        )

    def as_row(self) -> dict:
        return {
            "target": self.target,
            "date": self.date.strftime("%Y-%m"),
            "now": self.now,
            "without_plan": self.without_plan,
            "projected": self.projected,
            "target_value": self.target_value,
            "unit": self.unit,
            "met": self.met,
            "feasible": self.feasible,
            "best_achievable": self.best_achievable,
            "earliest_month": None
            if self.earliest_month is None
            else self.earliest_month.strftime("%Y-%m"),
            "note": self.note,
            "when_met": self.when_met,
            "verdict": self.verdict,
        }


TARGET_COLUMNS: tuple[str, ...] = (
    "target",
    "date",
    "now",
    "without_plan",
    "projected",
    "target_value",
    "unit",
    "met",
    "feasible",
    "best_achievable",
    "earliest_month",
    "note",
    "when_met",
    "verdict",
)


def first_month_held(levels: np.ndarray, ceiling: float) -> int | None:
    """Index of the first month from which ``levels`` stay at or under ``ceiling`` to the end of
    the projection (a target "by" a month holds from then on); None when no such month."""
    above = np.flatnonzero(np.asarray(levels, dtype="float64") > ceiling + 1e-6)
    if not len(above):
        return 0
    first = int(above[-1]) + 1
    return first if first < len(levels) else None


def share_reachable(
    ifa_total: np.ndarray,
    denominator: np.ndarray,
    months: pd.DatetimeIndex,
    limits: RecruitmentLimits,
    already: np.ndarray | None = None,
) -> np.ndarray:
    """Lowest IFA share reachable each month (0-1) with the most approvals the limits allow.

    ``ifa_total`` and ``denominator`` are IFA placements and the share's denominator by path,
    ``(paths, months)`` (or one path, ``(months,)``); ``already`` is places already planned
    (they are part of the most, not on top). The new places move children from IFAs in every
    path; the result is each path's share, averaged over paths: the measure the target is
    checked on and every page shows (:data:`sufficiency.plan.shares.SHARE_MEASURE`), not the
    share of the average placements, which can differ by two points.
    """
    places = most_places(months, limits)
    if already is not None:
        places = np.maximum(places, already)
    ifa_total = np.atleast_2d(np.asarray(ifa_total, dtype="float64"))
    denominator = np.atleast_2d(np.asarray(denominator, dtype="float64"))
    best = np.maximum(ifa_total - places, 0.0)
    shares = np.divide(best, denominator, out=np.zeros_like(best), where=denominator > 0)
    return shares.mean(axis=0)


def quarterly_table(schedule_: Schedule, months: pd.DatetimeIndex, enquiries: np.ndarray):
    """Approvals and enquiries by financial quarter and carer type (whole numbers)."""
    labels = financial_quarter_labels(months)
    starts = financial_quarter_start(months)
    frame = pd.DataFrame(
        {
            "quarter": labels,
            "quarter_start": starts,
            **{
                f"approvals_{name}": schedule_.approvals[:, i]
                for i, name in enumerate(PLANNING_CARER_TYPES[: schedule_.approvals.shape[1]])
            },
            "enquiries_needed": enquiries,
            "households_in_post": schedule_.in_post.sum(axis=1),
            "households_needed": schedule_.needed.sum(axis=1),
        }
    )
    summed = frame.groupby(["quarter_start", "quarter"], sort=True).agg(
        {
            **{c: "sum" for c in frame.columns if c.startswith("approvals_")},
            "enquiries_needed": "sum",
            "households_in_post": "last",
            "households_needed": "max",
        }
    )
    return summed.reset_index()
