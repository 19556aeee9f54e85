"""How many more in-house foster households a target needs, and the approvals and enquiries behind them.

The user sets targets (:class:`Targets`): an IFA share of non-kinship fostering at or below x% by a
date, external residential at or below n children by a date, and n step-downs from residential
into in-house fostering by a date. From the demand paths and the projected usable places of the
*existing* carers (which already allow for their attrition and any approvals the projection
assumed), :func:`carers_needed` works out:

1. the **usable places** missing in each month and age band once a target applies:

   - step-downs: children moved out of external residential need an in-house foster place. The
     external-residential cap steps down the excess over n from the target date; the step-down
     target phases n children in evenly up to its date. Stepped-down children are taken from age
     bands in proportion to external residential placements.
   - IFA share: in-house fostering must reach (1 - x) of non-kinship foster need (step-downs
     included). Existing in-house placements are kept; the extra comes from every age band's IFA
     placements in the same proportion.

2. the **households in post** those places need: places / (approved places per household x
   occupancy), about 1.85 x 0.66 = 1.22 usable places per household (Ofsted);
3. the **approvals** per month, as late as possible (new households leave at about 15% a year,
   Ofsted, so approving early costs more approvals), never earlier than the enquiry-to-approval
   lead time (281 days, about 9 months; Fostering Network / iMPOWER 2013) after the start;
4. the **enquiries** needed that lead time before each approval, at about 11% enquiry-to-approval
   conversion (Fostering Network / iMPOWER 2013).

Results are by financial quarter (April-June is Q1) and age band, rounded up to whole households
and enquiries cumulatively so totals are whole numbers too. Matching across age bands is not
counted here (the allocation may use it), so the answer errs on the side of enough carers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency import periods
from sufficiency.codes import AGE_BANDS
from sufficiency.errors import SufficiencyError
from sufficiency.plan.allocation import (
    DEFAULT_RESIDENTIAL_BANDS,
    as_band_capacity,
    as_demand_paths,
    as_monthly,
    month_index,
    other_fostering,
    residential_in_house,
    split_needs,
)
from sufficiency.supply import defaults as supply_defaults
from sufficiency.supply.defaults import SourcedFigure

DAYS_PER_MONTH = 365.25 / 12

ENQUIRY_TO_APPROVAL = SourcedFigure(
    0.11,
    "share of enquiries that end in approval (0-1)",
    "Fostering Network / iMPOWER benchmark, 2013 (about 11% of enquiries approved, 281 days). "
    "Ofsted stage rates for local authorities (12% of enquiries apply, 33% of applications are "
    "approved) imply nearer 4%: use your own funnel figures where you have them",
)

CARERS_NEEDED_COLUMNS: dict[str, str] = {
    "quarter": "financial quarter label, e.g. 'Q1 2025-26 (Apr-Jun 2025)'",
    "quarter_start": "first day of the quarter (Timestamp)",
    "age_band": "one of sufficiency.codes.AGE_BANDS",
    "usable_places_gap": "most usable in-house foster places missing in any month of the quarter",
    "additional_households_needed": "new households needed in post at the quarter's peak (households)",
    "new_households_in_post": "new households approved under this plan still fostering at quarter end",
    "households_short": "households needed before the earliest possible approval (cannot be met)",
    "approvals_needed": "new households to approve in the quarter (households, whole)",
    "enquiries_needed": "enquiries needed in the quarter to produce later approvals (whole)",
}


DEFAULT_BAND_GROUPS: dict[str, tuple[str, ...]] = {
    "under-10s": ("under 1", "1-4", "5-9"),
    "10 and over (incl. step-down)": ("10-15", "16-17"),
}
"""Carer groups by the ages they take, matching the optimiser's default specialisms."""


@dataclass(frozen=True)
class Targets:
    """Sufficiency targets. Each applies from its date to the end of the horizon.

    Parameters
    ----------
    ifa_share_max : float, optional
        Highest IFA share of non-kinship foster placements allowed (0-1, e.g. 0.30).
    ifa_share_by : date, optional
        When the share must be reached (default: the last month of the horizon).
    external_residential_max : float, optional
        Most children allowed in external residential placements (children).
    external_residential_by : date, optional
        When the cap applies from (default: the last month of the horizon).
    step_downs : int
        Children to move from external residential to in-house fostering (children).
    step_downs_by : date, optional
        When all step-downs are done (default: horizon end).
    phasing : {"steady", "by date"}
        ``"steady"`` (default) moves each target in a straight line from where things stand when
        the first new carers can be approved to the target at its date, so recruitment is spread
        out; ``"by date"`` only requires the target from its date on.
    """

    ifa_share_max: float | None = None
    ifa_share_by: dt.date | pd.Timestamp | str | None = None
    external_residential_max: float | None = None
    external_residential_by: dt.date | pd.Timestamp | str | None = None
    step_downs: int = 0
    step_downs_by: dt.date | pd.Timestamp | str | None = None
    phasing: str = "steady"

    def __post_init__(self) -> None:
        if self.phasing not in ("steady", "by date"):
            raise SufficiencyError(
                f"Target phasing must be 'steady' or 'by date'; got {self.phasing!r}."
            )
        if self.ifa_share_max is not None and not 0.0 <= self.ifa_share_max <= 1.0:
            raise SufficiencyError(
                f"The IFA share target must be a share between 0 and 1 (e.g. 0.3 for 30%); got "
                f"{self.ifa_share_max}."
            )
        if self.external_residential_max is not None and self.external_residential_max < 0:
            raise SufficiencyError(
                "The external residential cap must be zero or more children; got "
                f"{self.external_residential_max}."
            )
        if self.step_downs < 0:
            raise SufficiencyError(f"Step-downs must be zero or more; got {self.step_downs}.")

    def month_from(self, date: object, months: pd.DatetimeIndex) -> int:
        """Index of the first month on or after ``date`` (the last month when ``date`` is None)."""
        if date is None:
            return len(months) - 1
        when = pd.Timestamp(date)
        index = int(months.searchsorted(when, side="left"))
        if index >= len(months):
            raise SufficiencyError(
                f"The target date {when:%d %B %Y} is after the end of the forecast "
                f"({months[-1]:%B %Y}); extend the horizon or choose an earlier date."
            )
        return index

    def describe(self, months: pd.DatetimeIndex | None = None) -> list[str]:
        """Each target in plain words."""

        def when(date: object) -> str:
            if date is None:
                return f"by {months[-1]:%B %Y}" if months is not None else "by the end of the plan"
            return f"by {pd.Timestamp(date):%B %Y}"

        parts = []
        if self.ifa_share_max is not None:
            parts.append(
                f"IFA share of non-kinship fostering at or below {self.ifa_share_max:.0%} "
                f"{when(self.ifa_share_by)}"
            )
        if self.external_residential_max is not None:
            parts.append(
                f"external residential at or below {self.external_residential_max:g} children "
                f"{when(self.external_residential_by)}"
            )
        if self.step_downs:
            parts.append(
                f"{self.step_downs} step-downs from residential to in-house fostering "
                f"{when(self.step_downs_by)}"
            )
        return parts


@dataclass(frozen=True)
class RecruitmentAssumptions:
    """Carer-side figures that turn places into households, approvals and enquiries.

    Defaults come from :mod:`sufficiency.supply.defaults` (Ofsted Fostering in England) and the
    Fostering Network / iMPOWER benchmark; see :meth:`sources`.

    Parameters
    ----------
    places_per_household : float or sequence of float
        Approved places per new household (one number or one per age band).
    occupancy : float
        Share of approved places that are filled in practice (0-1).
    annual_leaving_rate : float
        Share of new households that stop fostering each year (0-1).
    enquiry_to_approval : float
        Share of enquiries that end in approval (0-1).
    days_enquiry_to_approval : float
        Average days from enquiry to approval.
    """

    places_per_household: float | Sequence[float] = (
        supply_defaults.APPROVED_PLACES_PER_HOUSEHOLD.value
    )
    occupancy: float = supply_defaults.OCCUPANCY.value
    annual_leaving_rate: float = supply_defaults.ANNUAL_LEAVING_RATE_MAINSTREAM.value
    enquiry_to_approval: float = ENQUIRY_TO_APPROVAL.value
    days_enquiry_to_approval: float = supply_defaults.DAYS_ENQUIRY_TO_APPROVAL.value

    def __post_init__(self) -> None:
        places = np.atleast_1d(np.asarray(self.places_per_household, dtype="float64"))
        if places.shape not in ((1,), (len(AGE_BANDS),)) or np.any(places <= 0):
            raise SufficiencyError(
                "Places per household must be one positive number or one per age band "
                f"({len(AGE_BANDS)}); got {self.places_per_household}."
            )
        for name in ("occupancy", "enquiry_to_approval"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise SufficiencyError(f"{name.replace('_', ' ')} must be above 0 and at most 1.")
        if not 0.0 <= self.annual_leaving_rate < 1.0:
            raise SufficiencyError("The annual leaving rate must be at least 0 and below 1.")
        if self.days_enquiry_to_approval < 0:
            raise SufficiencyError("Days from enquiry to approval must be zero or more.")

    @property
    def usable_places_per_household(self) -> np.ndarray:
        """Usable places per new household by age band (places x occupancy)."""
        places = np.asarray(self.places_per_household, dtype="float64") * self.occupancy
        return np.broadcast_to(places, (len(AGE_BANDS),)).copy()

    @property
    def lead_months(self) -> int:
        """Whole months from enquiry to approval."""
        return int(round(self.days_enquiry_to_approval / DAYS_PER_MONTH))

    @property
    def monthly_survival(self) -> float:
        """Share of new households still fostering one month later."""
        return (1.0 - self.annual_leaving_rate) ** (1.0 / 12.0)

    def sources(self) -> dict[str, str]:
        """Each assumption with its value, unit and source, for captions and reports."""
        defaults = supply_defaults
        return {
            "places_per_household": (
                f"{self.places_per_household} approved places per household "
                f"(default {defaults.APPROVED_PLACES_PER_HOUSEHOLD.source})"
            ),
            "occupancy": f"{self.occupancy:.0%} of places filled (default {defaults.OCCUPANCY.source})",
            "annual_leaving_rate": (
                f"{self.annual_leaving_rate:.0%} of households leave a year "
                f"(default {defaults.ANNUAL_LEAVING_RATE_MAINSTREAM.source})"
            ),
            "enquiry_to_approval": (
                f"{self.enquiry_to_approval:.0%} of enquiries approved "
                f"(default {ENQUIRY_TO_APPROVAL.source})"
            ),
            "days_enquiry_to_approval": (
                f"{self.days_enquiry_to_approval:g} days from enquiry to approval "
                f"(default {defaults.DAYS_ENQUIRY_TO_APPROVAL.source})"
            ),
        }


def assumptions_from_funnel(
    funnel: object, base: RecruitmentAssumptions | None = None
) -> RecruitmentAssumptions:
    """Take conversion and lead time from the authority's own funnel figures.

    Parameters
    ----------
    funnel : sufficiency.supply.funnel.FunnelParameters
        Anything with ``enquiry_to_approval`` (0-1) and ``days_enquiry_to_approval``.
    base : RecruitmentAssumptions, optional
        Other assumptions (places, occupancy, leaving rate) to keep.
    """
    base = base or RecruitmentAssumptions()
    return dataclasses.replace(
        base,
        enquiry_to_approval=float(funnel.enquiry_to_approval),
        days_enquiry_to_approval=float(funnel.days_enquiry_to_approval),
    )


# --- quarters ----------------------------------------------------------------------------------


# Quarter and year labels come from sufficiency.periods (kept importable from here).
financial_quarter_start = periods.financial_quarter_start
financial_quarter_label = periods.financial_quarter_label
financial_year_label = periods.financial_year_label


# --- the calculation ---------------------------------------------------------------------------


def _glide(
    start_value: np.ndarray, final: float, first: int, reached: int, n_months: int
) -> np.ndarray:
    """Per-path, per-month ceiling ``(paths, months)``: none before ``first``, then a straight line
    from ``start_value`` (or ``final`` if lower) down to ``final`` at ``reached``, then ``final``."""
    ceiling = np.full((start_value.shape[0], n_months), np.inf)
    ceiling[:, reached:] = final
    if reached > first:
        steps = np.arange(first, reached)
        done = (steps - first + 1) / (reached - first + 1)
        above = np.maximum(start_value - final, 0.0)[:, np.newaxis]
        ceiling[:, first:reached] = final + above * (1.0 - done)
    return ceiling


def step_down_children(
    external_residential: np.ndarray,
    months: pd.DatetimeIndex,
    targets: Targets,
    first_month: int = 0,
) -> np.ndarray:
    """Children stepped down from external residential to in-house fostering, ``(paths, months, bands)``.

    Parameters
    ----------
    external_residential : numpy.ndarray
        External residential placements before any step-down, ``(paths, months, bands)``.
    months : pandas.DatetimeIndex
        Month ends of the horizon.
    targets : Targets
        The external residential cap and step-down target.
    first_month : int
        First month new carers can take children; steady phasing starts here.
    """
    n_months = external_residential.shape[1]
    total = external_residential.sum(axis=-1)
    wanted = np.zeros_like(total)
    if targets.external_residential_max is not None:
        reached = targets.month_from(targets.external_residential_by, months)
        if targets.phasing == "steady":
            first = min(first_month, reached)
            ceiling = _glide(
                total[:, first], targets.external_residential_max, first, reached, n_months
            )
        else:
            ceiling = np.full_like(total, np.inf)
            ceiling[:, reached:] = targets.external_residential_max
        wanted = np.maximum(total - ceiling, 0.0)
    if targets.step_downs:
        done_by = targets.month_from(targets.step_downs_by, months)
        first = min(first_month, done_by) if targets.phasing == "steady" else done_by
        ramp = targets.step_downs * np.clip(
            (np.arange(n_months) - first + 1) / (done_by - first + 1), 0, 1
        )
        wanted = np.maximum(wanted, ramp)
    wanted = np.minimum(wanted, total)
    share = np.divide(wanted, total, out=np.zeros_like(total), where=total > 0)
    return external_residential * share[..., np.newaxis]


def ifa_share_ceiling(
    remaining_ifa: np.ndarray,
    total_need: np.ndarray,
    months: pd.DatetimeIndex,
    targets: Targets,
    first_month: int = 0,
) -> np.ndarray:
    """Highest IFA share allowed by path and month, ``(paths, months)``; ``inf`` where no target.

    Parameters
    ----------
    remaining_ifa : numpy.ndarray
        Children in IFA placements with the existing carers only, ``(paths, months)``.
    total_need : numpy.ndarray
        All non-kinship foster need including step-downs, ``(paths, months)``.
    months : pandas.DatetimeIndex
        Month ends of the horizon.
    targets : Targets
        The IFA share target and phasing.
    first_month : int
        First month new carers can take children; steady phasing starts from the share then.
    """
    ceiling = np.full_like(total_need, np.inf)
    if targets.ifa_share_max is None:
        return ceiling
    reached = targets.month_from(targets.ifa_share_by, months)
    if targets.phasing == "steady":
        first = min(first_month, reached)
        start_share = np.divide(
            remaining_ifa[:, first],
            total_need[:, first],
            out=np.zeros(total_need.shape[0]),
            where=total_need[:, first] > 0,
        )
        return _glide(start_share, targets.ifa_share_max, first, reached, total_need.shape[1])
    ceiling[:, reached:] = targets.ifa_share_max
    return ceiling


def required_in_house_places(
    fostering_need: np.ndarray,
    capacity: np.ndarray,
    step_downs: np.ndarray,
    months: pd.DatetimeIndex,
    targets: Targets,
    first_month: int = 0,
    other_fostering: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Usable in-house foster places the targets need, ``(paths, months, bands)``.

    Existing in-house placements are kept, stepped-down children are added, and while the IFA
    share target applies, IFA placements above x of the share's denominator (all non-kinship
    foster placements, including ``other_fostering``) are taken from every band's IFA
    placements in the same proportion. With steady phasing the allowed share falls in a straight
    line from the share at ``first_month`` to the target at its date.

    Parameters
    ----------
    other_fostering : numpy.ndarray or float
        Foster children counted in the share's denominator who cannot move in-house here
        (placements with other councils), ``(paths, months)``.
    """
    in_house_now = np.minimum(fostering_need, capacity)
    kept = in_house_now + step_downs
    if targets.ifa_share_max is None:
        return kept
    remaining_ifa = fostering_need - in_house_now
    total_need = (fostering_need + step_downs).sum(axis=-1)
    denominator = total_need + np.asarray(other_fostering, dtype="float64")
    ceiling = ifa_share_ceiling(
        remaining_ifa.sum(axis=-1), denominator, months, targets, first_month
    )
    allowed_share = np.minimum(ceiling, 1.0)
    extra = np.maximum(total_need - allowed_share * denominator - kept.sum(axis=-1), 0.0)
    ifa_total = remaining_ifa.sum(axis=-1)
    fraction = np.divide(extra, ifa_total, out=np.zeros_like(extra), where=ifa_total > 0)
    return kept + remaining_ifa * np.minimum(fraction, 1.0)[..., np.newaxis]


def schedule_approvals(
    households_needed: np.ndarray, lead_months: int, monthly_survival: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latest-possible approvals that keep enough new households in post.

    Parameters
    ----------
    households_needed : numpy.ndarray
        New households needed in post, ``(months, groups)``.
    lead_months : int
        First month (0-based) a new household can be approved.
    monthly_survival : float
        Share of new households still fostering a month later.

    Returns
    -------
    tuple of numpy.ndarray
        ``(approvals, in_post, short)``, each ``(months, groups)``: approvals in the month, new
        households in post at month end, and households needed but not yet approvable.
    """
    approvals = np.zeros_like(households_needed)
    in_post = np.zeros_like(households_needed)
    short = np.zeros_like(households_needed)
    carried = np.zeros(households_needed.shape[1])
    for month in range(households_needed.shape[0]):
        carried = carried * monthly_survival
        if month >= lead_months:
            approvals[month] = np.maximum(households_needed[month] - carried, 0.0)
            carried = carried + approvals[month]
        else:
            short[month] = np.maximum(households_needed[month] - carried, 0.0)
        in_post[month] = carried
    return approvals, in_post, short


def _cumulative_ceiling(values: np.ndarray) -> np.ndarray:
    """Whole numbers per period whose running total is the running total of ``values`` rounded up."""
    running = np.ceil(np.cumsum(values, axis=0) - 1e-6)
    return np.diff(running, axis=0, prepend=0.0)


@dataclass(frozen=True)
class CarersNeeded:
    """Result of :func:`carers_needed`.

    Attributes
    ----------
    frame : pandas.DataFrame
        By quarter x age band, the columns of :data:`CARERS_NEEDED_COLUMNS`.
    months : pandas.DatetimeIndex
        Month ends of the horizon.
    places_gap, households_needed, approvals, enquiries, new_in_post, short : numpy.ndarray
        Monthly ``(months, bands)`` arrays behind the frame (unrounded).
    step_downs : numpy.ndarray
        Children stepped down by month and band (mean over paths).
    targets : Targets
    assumptions : RecruitmentAssumptions
    """

    frame: pd.DataFrame
    months: pd.DatetimeIndex
    places_gap: np.ndarray
    households_needed: np.ndarray
    approvals: np.ndarray
    enquiries: np.ndarray
    new_in_post: np.ndarray
    short: np.ndarray
    step_downs: np.ndarray
    targets: Targets
    assumptions: RecruitmentAssumptions = field(default_factory=RecruitmentAssumptions)
    quarters: tuple[str, ...] = ()
    quarterly: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def totals(self) -> pd.DataFrame:
        """All age bands together, one row per quarter."""
        starts = self.frame["quarter_start"].to_numpy()[:: len(AGE_BANDS)]
        return pd.DataFrame(
            {
                "quarter_start": starts,
                "quarter": list(self.quarters),
                **{name: values.sum(axis=1) for name, values in self.quarterly.items()},
            }
        )

    def by_group(self, groups: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """Quarterly figures summed over groups of age bands, e.g. carer specialisms.

        Parameters
        ----------
        groups : mapping of str to sequence of str, optional
            Group name to the age bands it recruits for; each band in at most one group. Default
            :data:`DEFAULT_BAND_GROUPS` (under-10s; 10 and over, incl. step-down).

        Returns
        -------
        pandas.DataFrame
            quarter, quarter_start, group and the numeric columns of :attr:`frame`.
        """
        groups = dict(groups or DEFAULT_BAND_GROUPS)
        seen: list[str] = [band for bands in groups.values() for band in bands]
        unknown = sorted(set(seen) - set(AGE_BANDS))
        if unknown or len(seen) != len(set(seen)):
            raise SufficiencyError(
                "Each group needs DfE age bands, each band in one group only; got "
                f"{', '.join(f'{name}: {list(bands)}' for name, bands in groups.items())}."
            )
        frame = self.frame.assign(
            group=self.frame["age_band"].map(
                {band: name for name, bands in groups.items() for band in bands}
            )
        ).dropna(subset=["group"])
        numeric = [
            c for c in CARERS_NEEDED_COLUMNS if c not in ("quarter", "quarter_start", "age_band")
        ]
        result = frame.groupby(["quarter_start", "quarter", "group"], sort=False)[numeric].sum()
        return result.reset_index()

    def summary(self) -> str:
        """The answer in plain words."""
        described = self.targets.describe(self.months)
        targets = " and ".join(described)
        assumptions = self.assumptions
        method = (
            f"Assumes {assumptions.usable_places_per_household.mean():.2f} usable places per "
            f"household ({assumptions.places_per_household} approved places x "
            f"{assumptions.occupancy:.0%} occupancy), {assumptions.annual_leaving_rate:.0%} of new "
            f"households leaving a year, {assumptions.enquiry_to_approval:.0%} of enquiries approved "
            f"and about {assumptions.lead_months} months from enquiry to approval."
        )
        peak_per_month = self.households_needed.sum(axis=1)
        if not described:
            return (
                "No targets are set (an IFA share, an external residential cap or step-downs), "
                f"so no additional in-house households are needed for them. {method}"
            )
        if peak_per_month.max() <= 1e-9:
            return (
                f"Targets: {targets}. The existing carers, as projected, already meet them: no "
                f"additional in-house households are needed. {method}"
            )
        peak_month = int(peak_per_month.argmax())
        approvals_q = self.quarterly["approvals_needed"]
        enquiries_q = self.quarterly["enquiries_needed"].sum(axis=1)
        approvals = int(approvals_q.sum())
        enquiries = int(enquiries_q.sum())
        approving = [q for q, n in zip(self.quarters, approvals_q.sum(axis=1), strict=True) if n]
        enquiring = [q for q, n in zip(self.quarters, enquiries_q, strict=True) if n]
        band_text = ", ".join(
            f"{int(v)} for {band}"
            for band, v in zip(AGE_BANDS, approvals_q.sum(axis=0), strict=True)
            if v > 0
        )
        lines = [
            f"Targets: {targets}.",
            f"You need about {math.ceil(peak_per_month.max() - 1e-6)} more in-house foster "
            f"households in post by {self.months[peak_month]:%B %Y} "
            f"({self.places_gap.sum(axis=1).max():.0f} usable places).",
        ]
        if approvals:
            lines.append(
                f"Allowing for new carers leaving, that means approving {approvals} households "
                f"({band_text}) between {approving[0]} and "
                f"{approving[-1]}, about {approvals / len(approving):.1f} a quarter."
            )
        if enquiries:
            lines.append(
                f"That takes about {enquiries} enquiries, starting in {enquiring[0]} "
                f"(about {enquiries / len(enquiring):.0f} a quarter)."
            )
        short = self.short.sum(axis=1)
        if short.max() > 1e-9:
            first_short = int(np.argmax(short > 1e-9))
            if assumptions.lead_months < len(self.months):
                earliest = f"before {self.months[assumptions.lead_months]:%B %Y}"
            else:
                earliest = f"within the forecast (to {self.months[-1]:%B %Y})"
            lines.append(
                f"Not achievable in time: new enquiries cannot produce approved carers {earliest}, "
                "but the "
                f"targets need up to {math.ceil(short.max() - 1e-6)} more households from "
                f"{self.months[first_short]:%B %Y}. Move the target date later or add households "
                f"already in assessment to the capacity projection."
            )
        lines.append(method)
        return " ".join(lines)


def carers_needed(
    demand: np.ndarray,
    foster_capacity: np.ndarray | float,
    targets: Targets,
    residential_beds: np.ndarray | float = 0.0,
    *,
    months: Sequence | pd.DatetimeIndex | None = None,
    assumptions: RecruitmentAssumptions | None = None,
    quantile: float | None = None,
    residential_bands: Sequence[str] = DEFAULT_RESIDENTIAL_BANDS,
) -> CarersNeeded:
    """Additional in-house households, approvals and enquiries per quarter to meet ``targets``.

    Parameters
    ----------
    demand : numpy.ndarray
        Children ``(paths, months, bands, categories)`` or one path ``(months, bands, categories)``.
    foster_capacity : numpy.ndarray or float
        Usable places of the existing carers, projected with their attrition,
        ``(paths or 1, months, bands)`` or ``(months, bands)``.
    targets : Targets
        What to reach and by when.
    residential_beds : numpy.ndarray or float
        In-house children's home beds (a number, one per month, or per path and month).
    months : sequence of dates, optional
        Month ends the demand covers (defaults to months from now).
    assumptions : RecruitmentAssumptions, optional
        Places per household, occupancy, leaving rate, conversion and lead time (sourced defaults).
    quantile : float, optional
        Plan for this quantile over simulation paths of the places gap (e.g. 0.8 to meet the target
        in 4 paths out of 5); default the mean.
    residential_bands : sequence of str
        Age bands the in-house children's homes take.

    Returns
    -------
    CarersNeeded
        The quarterly frame, the monthly arrays and :meth:`CarersNeeded.summary`.
    """
    assumptions = assumptions or RecruitmentAssumptions()
    demand = as_demand_paths(demand)
    n_months = demand.shape[1]
    months = month_index(months, n_months)
    capacity = as_band_capacity(foster_capacity, n_months, "In-house foster capacity")
    beds = as_monthly(residential_beds, n_months, "In-house children's home beds")
    if quantile is not None and not 0.0 <= quantile <= 1.0:
        raise SufficiencyError(f"quantile must be between 0 and 1; got {quantile}.")

    fostering_need, residential_need = split_needs(demand)
    external = residential_need - residential_in_house(
        residential_need, beds, residential_bands, demand
    )
    first = min(assumptions.lead_months, n_months - 1)
    step_downs = step_down_children(np.maximum(external, 0.0), months, targets, first)
    required = required_in_house_places(
        fostering_need, capacity, step_downs, months, targets, first, other_fostering(demand)
    )
    gap_paths = np.maximum(required - capacity, 0.0)
    gap = gap_paths.mean(axis=0) if quantile is None else np.quantile(gap_paths, quantile, axis=0)

    households = gap / assumptions.usable_places_per_household
    approvals, in_post, short = schedule_approvals(
        households, assumptions.lead_months, assumptions.monthly_survival
    )
    lead = assumptions.lead_months
    enquiries = np.zeros_like(approvals)
    if lead < n_months:
        enquiries[: n_months - lead] = approvals[lead:] / assumptions.enquiry_to_approval

    frame, quarters, quarterly = _quarterly_frame(
        months, gap, households, approvals, enquiries, in_post, short
    )
    return CarersNeeded(
        frame=frame,
        months=months,
        places_gap=gap,
        households_needed=households,
        approvals=approvals,
        enquiries=enquiries,
        new_in_post=in_post,
        short=short,
        step_downs=step_downs.mean(axis=0),
        targets=targets,
        assumptions=assumptions,
        quarters=quarters,
        quarterly=quarterly,
    )


def _quarterly_frame(
    months: pd.DatetimeIndex,
    gap: np.ndarray,
    households: np.ndarray,
    approvals: np.ndarray,
    enquiries: np.ndarray,
    in_post: np.ndarray,
    short: np.ndarray,
) -> tuple[pd.DataFrame, tuple[str, ...], dict[str, np.ndarray]]:
    quarter_starts = financial_quarter_start(months)
    unique_starts, codes = np.unique(quarter_starts.to_numpy(), return_inverse=True)
    n_quarters, bands = len(unique_starts), gap.shape[1]

    def reduce(values: np.ndarray, how: str) -> np.ndarray:
        out = np.zeros((n_quarters, bands))
        if how == "sum":
            np.add.at(out, codes, values)
        elif how == "max":
            np.maximum.at(out, codes, values)
        else:  # last month of the quarter
            out[codes] = values
        return out

    approvals_q = _cumulative_ceiling(reduce(approvals, "sum"))
    enquiries_q = _cumulative_ceiling(reduce(enquiries, "sum"))
    columns = {
        "usable_places_gap": reduce(gap, "max"),
        "additional_households_needed": np.ceil(reduce(households, "max") - 1e-6),
        "new_households_in_post": reduce(in_post, "last"),
        "households_short": np.ceil(reduce(short, "max") - 1e-6),
        "approvals_needed": approvals_q,
        "enquiries_needed": enquiries_q,
    }
    for name in (
        "additional_households_needed",
        "households_short",
        "approvals_needed",
        "enquiries_needed",
    ):
        columns[name] = columns[name].astype("int64")
    labels = tuple(periods.financial_quarter_labels(unique_starts))
    frame = pd.DataFrame(
        {
            "quarter": np.repeat(np.array(labels, dtype=object), bands),
            "quarter_start": np.repeat(unique_starts, bands),
            "age_band": np.tile(np.array(AGE_BANDS, dtype=object), n_quarters),
            **{name: values.ravel() for name, values in columns.items()},
        }
    )
    return frame, labels, columns
