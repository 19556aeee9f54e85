"""The inverse question: how many enquiries a month, from when, at what cost, for N more places?

"To have N more usable in-house places for age band b by date d, how many enquiries a month do we
need, from when, and at what marketing cost?"

The answer runs the supply chain backwards:

1. **Places needed from recruits.** N more than today means N plus the usable places expected to
   be lost as current households leave by ``d`` (from the fitted :class:`RetentionModel`); N more
   than the no-recruitment baseline means N.
2. **Places per enquiry.** An enquiry becomes an approval with the funnel's conversion
   (enquiry -> application -> approval), after a lag (a gamma distribution with the funnel's mean
   time and spread, in months). An approved household then leaves at the model's rates from tenure
   0, and while approved offers the usable places of a typical new household in band ``b``.
3. **Enquiries a month.** Enquiries arrive at a steady rate from the campaign start to the last
   month whose enquirers are more likely than not to be approved by ``d``. The places from recruits
   at ``d`` are linear in that rate, so the rate is places needed / places per unit rate. For a
   given confidence, surviving approvals are Poisson (thinned Poisson enquiries), and the rate is
   raised until the chance of enough of them reaches the confidence.

Conversion and timing come from :class:`FunnelAssumptions`: the sourced defaults in
:mod:`sufficiency.supply.defaults`, or the authority's own funnel via
:meth:`FunnelAssumptions.from_funnel_parameters` (the funnel engineer's ``FunnelParameters``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sufficiency.finance import money_text
from sufficiency.supply import defaults
from sufficiency.supply.capacity import (
    ALL_AGES,
    BANDS_WITH_TOTAL,
    NewHouseholdProfile,
    age_band_shares,
    usable_share,
)
from sufficiency.supply.households import IN_HOUSE_CARER_TYPES, empty_households, households_on
from sufficiency.supply.retention import DAYS_PER_MONTH, RetentionModel, month_ends

MAX_LAG_MONTHS = 48


@dataclass(frozen=True)
class FunnelAssumptions:
    """Conversion, timing and cost of the recruitment funnel.

    Attributes
    ----------
    enquiry_to_application : float
        Share of enquiries that become applications (0-1).
    application_to_approval : float
        Share of applications approved (0-1).
    months_enquiry_to_application, months_application_to_approval : float
        Average months in each stage.
    lag_spread : float
        Coefficient of variation of the enquiry-to-approval time.
    cost_per_enquiry : float or None
        Marketing spend per enquiry in pounds (spend / enquiries); None when unknown.
    source : str
        Where the figures come from.
    """

    enquiry_to_application: float = float(defaults.ENQUIRY_TO_APPLICATION)
    application_to_approval: float = float(defaults.APPLICATION_TO_APPROVAL)
    months_enquiry_to_application: float = float(defaults.MONTHS_ENQUIRY_TO_APPLICATION)
    months_application_to_approval: float = float(defaults.MONTHS_APPLICATION_TO_APPROVAL)
    lag_spread: float = float(defaults.LAG_SPREAD)
    cost_per_enquiry: float | None = None
    source: str = (
        "Ofsted Fostering in England (conversion) and Fostering Network / iMPOWER 2013 (281 days "
        "from enquiry to approval)"
    )

    def __post_init__(self) -> None:
        for name in ("enquiry_to_application", "application_to_approval"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be a share between 0 and 1, got {value}")
        if self.months_enquiry_to_application < 0 or self.months_application_to_approval < 0:
            raise ValueError("stage times must not be negative")
        if self.months_enquiry_to_application + self.months_application_to_approval <= 0:
            raise ValueError("the enquiry-to-approval time must be positive")
        if not 0 < self.lag_spread <= 2:
            raise ValueError("lag_spread must be between 0 and 2")
        if self.cost_per_enquiry is not None and self.cost_per_enquiry < 0:
            raise ValueError("cost_per_enquiry must not be negative")

    @property
    def enquiry_to_approval(self) -> float:
        """Share of enquiries that end in approval."""
        return self.enquiry_to_application * self.application_to_approval

    @property
    def months_enquiry_to_approval(self) -> float:
        """Average months from enquiry to approval."""
        return self.months_enquiry_to_application + self.months_application_to_approval

    @classmethod
    def from_funnel_parameters(
        cls, parameters: object, *, cost_per_enquiry: float | None = None, **overrides: float
    ) -> FunnelAssumptions:
        """Build from :class:`sufficiency.supply.funnel.FunnelParameters` (rates and days).

        Missing or non-finite figures fall back to the sourced defaults.
        """

        def figure(name: str, default: float, scale: float = 1.0) -> float:
            value = getattr(parameters, name, None)
            if value is None or not np.isfinite(value):
                return default
            return float(value) / scale

        base = cls()
        built = cls(
            enquiry_to_application=figure("enquiry_to_application", base.enquiry_to_application),
            application_to_approval=figure("application_to_approval", base.application_to_approval),
            months_enquiry_to_application=figure(
                "days_enquiry_to_application", base.months_enquiry_to_application, DAYS_PER_MONTH
            ),
            months_application_to_approval=figure(
                "days_application_to_approval",
                base.months_application_to_approval,
                DAYS_PER_MONTH,
            ),
            cost_per_enquiry=cost_per_enquiry,
            source=str(getattr(parameters, "source", "the authority's funnel records")),
        )
        return replace(built, **overrides) if overrides else built

    def lag_pmf(self, max_months: int = MAX_LAG_MONTHS) -> np.ndarray:
        """Chance an approved enquirer is approved k = 0..max_months months after enquiring.

        A gamma distribution with the mean time and spread, in whole months (rounded).
        """
        mean = self.months_enquiry_to_approval
        shape = 1 / self.lag_spread**2
        edges = np.concatenate([[0.0], np.arange(max_months + 1) + 0.5])
        from scipy import stats  # here: importing it takes ~1 s, most pages never need it

        cdf = stats.gamma.cdf(edges, shape, scale=mean / shape)
        pmf = np.diff(cdf)
        pmf[-1] += 1 - cdf[-1]
        return pmf

    def median_lag_months(self) -> int:
        """Whole months by which half of eventual approvals have happened."""
        return int(np.searchsorted(np.cumsum(self.lag_pmf()), 0.5))


@dataclass
class InverseAnswer:
    """The answer to the inverse question (see :func:`enquiries_needed`).

    Attributes are expected values unless named otherwise. ``schedule`` has one row per month
    end: month, enquiries, applications, approvals, recruits_approved (recruited households still
    approved), usable_places_from_recruits (band ``age_band``). ``start_options`` shows, for each
    possible campaign start month, the enquiries a month and total cost needed.

    Marketing is priced only for enquiries beyond those already arriving:
    ``extra_enquiries_per_month`` = ``enquiries_per_month`` less ``arriving_counted_per_month``
    (today's enquiries, as many as count for the age band), never below zero;
    ``marketing_enquiries`` = that x the campaign months; ``total_cost`` = that x the cost per
    enquiry.
    """

    target_places: float
    age_band: str
    target_date: pd.Timestamp
    start: pd.Timestamp
    relative_to: str
    feasible: bool
    places_needed_from_recruits: float
    places_expected_to_be_lost: float
    current_usable_places: float
    usable_places_per_household: float
    campaign_start: pd.Timestamp | None
    campaign_end: pd.Timestamp | None
    campaign_months: int
    enquiries_per_month: float
    enquiries_per_month_at_confidence: float
    confidence: float
    total_enquiries: float
    applications: float
    approvals: float
    approvals_by_target: float
    households_from_recruits_at_target: float
    cost_per_enquiry: float | None
    total_cost: float | None
    funnel: FunnelAssumptions
    schedule: pd.DataFrame
    start_options: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    enquiries_arriving_per_month: float = 0.0
    arriving_counted_per_month: float = 0.0
    extra_enquiries_per_month: float = 0.0
    marketing_enquiries: float = 0.0

    def approvals_per_month(self) -> np.ndarray:
        """Expected approvals in months 1..horizon of the schedule, for ``project_capacity``."""
        return self.schedule["approvals"].to_numpy()[1:]

    def explanation(self) -> str:
        """The answer in plain words, with units."""
        band = (
            "children of any age" if self.age_band == ALL_AGES else f"children aged {self.age_band}"
        )
        target = f"{self.target_places:g} more usable in-house places for {band}"
        when = f"{self.target_date:%d %B %Y}"
        if not self.feasible:
            return " ".join(
                [f"{target} by {when} cannot be reached by recruitment alone.", *self.notes]
            )
        baseline = (
            f"Today's households offer about {self.current_usable_places:.0f} usable places for "
            f"{band}; about {self.places_expected_to_be_lost:.0f} of them are expected to be lost as "
            f"carers leave by {when}, so recruits must provide about "
            f"{self.places_needed_from_recruits:.0f} places."
            if self.relative_to == "today"
            else f"Recruits must provide {self.places_needed_from_recruits:.0f} places above what "
            f"today's households are expected to offer on {when}."
        )
        cost = " " + self.marketing_text()
        reason = ""
        if self.arriving_counts_less:
            # a user read "you need about 15 a month" beside the 26.5 arriving now, and marketing
            # priced for 6.7 more, as a contradiction: the reason goes in the main sentence
            reason = " " + self.arriving_reason(band) + "."
            cost = " " + self.marketing_text(reason_given=True)
        return (
            f"To have {target} by {when}, you need about {self.enquiries_per_month:.0f} enquiries a "
            f"month{' recruiting for ' + band if self.arriving_counts_less else ''} from "
            f"{self.campaign_start:%B %Y} to {self.campaign_end:%B %Y} "
            f"({self.campaign_months} months, {self.total_enquiries:,.0f} enquiries in all); to be "
            f"{self.confidence:.0%} sure, about {self.enquiries_per_month_at_confidence:.0f} a month."
            f"{reason} {baseline} Each recruited household offers about "
            f"{self.usable_places_per_household:.2f} usable places for {band}; about "
            f"{self.approvals:,.0f} approvals are expected ({self.approvals_by_target:,.0f} by {when}), "
            f"of which about {self.households_from_recruits_at_target:,.0f} are still fostering on "
            f"{when}.{cost} The campaign stops at {self.campaign_end:%B %Y} because later enquirers "
            "are unlikely to be approved in time (about "
            f"{self.funnel.months_enquiry_to_approval * DAYS_PER_MONTH:,.0f} days from enquiry to "
            "approval)." + (" " + " ".join(self.notes) if self.notes else "")
        )

    @property
    def arriving_counts_less(self) -> bool:
        """True when today's enquiries count for fewer enquiries than they are (a campaign for
        one age group: their households take other ages too) and marketing is still needed."""
        return (
            self.enquiries_arriving_per_month > 0
            and abs(self.arriving_counted_per_month - self.enquiries_arriving_per_month) >= 0.05
            and self.extra_enquiries_per_month > 0
        )

    def arriving_reason(self, band: str) -> str:
        """Why today's enquiries do not meet the need, in one sentence (no full stop)."""
        return (
            f"Enquiries are not all alike: the {self.enquiries_arriving_per_month:.1f} a month "
            f"arriving now bring households like recent approvals, who take other ages too, so "
            f"for {band} they are worth about {self.arriving_counted_per_month:.1f} of these a "
            f"month, and marketing is needed for the other {self.extra_enquiries_per_month:.1f} "
            "a month"
        )

    def marketing_text(self, *, reason_given: bool = False) -> str:
        """What the marketing is priced on, in one or two sentences (``reason_given``: the
        answer has already said why today's enquiries count for fewer)."""
        arriving = self.enquiries_arriving_per_month
        if reason_given and self.arriving_counts_less:
            head = (
                f"Marketing for those {self.extra_enquiries_per_month:.1f} a month "
                f"({self.marketing_enquiries:,.0f} enquiries in all)"
            )
        elif arriving > 0:
            counted = (
                f"today's {arriving:.1f} enquiries a month"
                if abs(self.arriving_counted_per_month - arriving) < 0.05
                else f"today's {arriving:.1f} enquiries a month (worth about "
                f"{self.arriving_counted_per_month:.1f} for this age group: their households "
                "take other ages too)"
            )
            if self.extra_enquiries_per_month <= 0:
                return (
                    f"If they keep coming, {counted} already cover this: no extra marketing is "
                    "needed, so none is priced."
                )
            head = (
                f"{counted} count towards the {self.enquiries_per_month:.1f} a month needed; "
                f"marketing is needed for the other {self.extra_enquiries_per_month:.1f} a month "
                f"({self.marketing_enquiries:,.0f} enquiries in all)"
            )
            head = head[0].upper() + head[1:]
        else:
            head = (
                "No enquiries are counted as arriving already, so marketing is priced for all "
                f"{self.marketing_enquiries:,.0f}"
            )
        if self.total_cost is None:
            return (
                head + ". Enter a cost per enquiry (marketing spend ÷ enquiries) to see the cost."
            )
        return (
            f"{head}: at £{self.cost_per_enquiry:,.0f} per enquiry about "
            f"{money_text(self.total_cost)}."
        )


def _band_index(age_band: str) -> int:
    if age_band not in BANDS_WITH_TOTAL:
        raise ValueError(f"age_band must be one of {', '.join(BANDS_WITH_TOTAL)}")
    return BANDS_WITH_TOTAL.index(age_band)


def enquiries_needed(
    target_places: float,
    age_band: str,
    target_date: pd.Timestamp | str,
    *,
    households: pd.DataFrame | None = None,
    start: pd.Timestamp | str | None = None,
    funnel: FunnelAssumptions | None = None,
    retention_model: RetentionModel | None = None,
    new_household_profile: NewHouseholdProfile | None = None,
    relative_to: str = "today",
    campaign_start: pd.Timestamp | str | None = None,
    occupancy: float = float(defaults.OCCUPANCY),
    unavailable_share: float = float(defaults.UNAVAILABLE_SHARE),
    confidence: float = 0.8,
    targeted: bool = False,
    enquiries_arriving_per_month: float = 0.0,
) -> InverseAnswer:
    """Enquiries a month (and when, and cost) for ``target_places`` more usable places by a date.

    Parameters
    ----------
    target_places : float
        Usable places wanted (places; more than zero).
    age_band : str
        A DfE age band or ``"all ages"``.
    target_date : date
        When the places are wanted.
    households : DataFrame, optional
        Current household records (needed for ``relative_to="today"`` and the default profile).
    start : date, optional
        Today (month 0). Default: the latest date in ``households``.
    funnel : FunnelAssumptions, optional
        Default: the sourced defaults.
    retention_model : RetentionModel, optional
        Default: fitted to ``households`` (or the sourced defaults when there are none).
    new_household_profile : NewHouseholdProfile, optional
        Default: recent mainstream approvals in ``households``, else the sourced defaults.
    relative_to : {'today', 'baseline'}
        'today': N more than the places offered at ``start`` (recruits also replace leavers);
        'baseline': N more than today's households are expected to offer at ``target_date``.
    campaign_start : date, optional
        First month of enquiries. Default: the month after ``start``.
    occupancy, unavailable_share : float
        Usable share of approved places (see :func:`sufficiency.supply.capacity.usable_share`).
    confidence : float
        Chance (0.5-0.99) of reaching the target for ``enquiries_per_month_at_confidence``.
    targeted : bool
        True when recruitment is aimed at carers for ``age_band`` (e.g. a teenagers campaign): all of
        a new household's usable places count for the band. False (default): new households are
        like ``new_household_profile`` and only the share of their places credited to the band
        counts.
    enquiries_arriving_per_month : float
        Enquiries the authority already receives a month (e.g. the last 12 months ÷ 12). They
        count towards the enquiries needed and only those beyond them are priced as marketing.
        Their households are like recent approvals, so with ``targeted`` they count for the
        band's share of their places only. Default 0: every enquiry is priced.

    Returns
    -------
    InverseAnswer
    """
    if not target_places > 0:
        raise ValueError("target_places must be more than zero")
    if relative_to not in ("today", "baseline"):
        raise ValueError("relative_to must be 'today' or 'baseline'")
    if not 0.5 <= confidence < 1:
        raise ValueError("confidence must be between 0.5 and 0.99")
    band = _band_index(age_band)
    funnel = funnel or FunnelAssumptions()
    if households is None:
        households = empty_households()
    if start is None:
        dates = pd.concat([households["approval_date"], households["deregistration_date"]])
        start = dates.max() if dates.notna().any() else pd.Timestamp.today().normalize()
    start = pd.Timestamp(start)
    target_date = pd.Timestamp(target_date)
    horizon = _months_from(start, target_date)
    if horizon < 1:
        raise ValueError("target_date must be at least a month after start")
    retention_model = retention_model or RetentionModel().fit(households, start)
    profile = new_household_profile or NewHouseholdProfile.from_households(households, start)
    factor = usable_share(occupancy, unavailable_share)
    like_recent = np.append(np.asarray(profile.approved_places_by_band), profile.approved_places)[
        band
    ]
    per_household_band = factor * (profile.approved_places if targeted else like_recent)
    if enquiries_arriving_per_month < 0:
        raise ValueError("enquiries_arriving_per_month must not be negative")
    # Today's enquiries bring households like recent approvals: with a targeted campaign each is
    # worth the band's share of a targeted enquiry.
    arriving_counted = float(enquiries_arriving_per_month) * (
        like_recent / profile.approved_places if targeted and profile.approved_places > 0 else 1.0
    )

    # Baseline: usable places today and expected at the target date from current households.
    current = households_on(
        households[households["carer_type"].isin(list(IN_HOUSE_CARER_TYPES))], start
    )
    shares, _ = age_band_shares(current["age_from"].to_numpy(), current["age_to"].to_numpy())
    usable_by_household = (
        current["approved_places"].to_numpy(dtype=float)[:, None] * shares * factor
    )
    usable_by_household = np.concatenate(
        [usable_by_household, usable_by_household.sum(axis=1, keepdims=True)], axis=1
    )[:, band]
    survival_current = retention_model.survival_matrix(current, start, horizon)[:, horizon]
    current_usable = float(usable_by_household.sum())
    expected_at_target = float((usable_by_household * survival_current).sum())
    lost = current_usable - expected_at_target
    needed = target_places + (lost if relative_to == "today" else 0.0)

    # Per enquiry in month j (1..horizon): expected approved households still approved at the
    # target, and expected approvals in each month.
    pmf = funnel.lag_pmf()
    leaving = retention_model.monthly_leaving_probability(
        [profile.group], np.arange(horizon + 1, dtype=float)[None, :]
    )[0]
    survival_new = np.concatenate([[1.0], np.cumprod(1 - leaving)])  # by tenure in months
    conversion = funnel.enquiry_to_approval
    months = np.arange(1, horizon + 1)
    lags = np.arange(len(pmf))
    approval_month = months[:, None] + lags[None, :]
    in_time = approval_month <= horizon
    tenure_at_target = np.clip(horizon - approval_month, 0, horizon)
    surviving_per_enquiry = conversion * (
        pmf[None, :] * in_time * survival_new[tenure_at_target]
    ).sum(axis=1)
    approved_by_target_per_enquiry = conversion * (pmf[None, :] * in_time).sum(axis=1)

    first = (
        1 if campaign_start is None else max(1, _months_from(start, pd.Timestamp(campaign_start)))
    )
    median_lag = funnel.median_lag_months()
    last = horizon - median_lag
    notes: list[str] = []
    schedule_months = month_ends(start, horizon)

    def answer_for(first_month: int) -> tuple[float, float, float]:
        window = slice(first_month - 1, last)
        households_per_unit = float(surviving_per_enquiry[window].sum())
        if households_per_unit <= 0 or per_household_band <= 0:
            return math.inf, math.inf, households_per_unit
        rate = needed / (households_per_unit * per_household_band)
        households_wanted = math.ceil(needed / per_household_band - 1e-9)
        from scipy import stats

        mean_needed = stats.gamma.ppf(confidence, max(households_wanted, 1))
        return rate, float(mean_needed / households_per_unit), households_per_unit

    if needed <= 0:
        notes.append("Today's households are expected to provide these places without recruitment.")
    feasible = last >= first and needed > 0 and per_household_band > 0
    if last < first:
        earliest = start + pd.DateOffset(months=first + median_lag)
        notes.append(
            "Approval takes about "
            f"{funnel.months_enquiry_to_approval * DAYS_PER_MONTH:,.0f} days from enquiry, so "
            f"enquiries from {schedule_months[min(first, horizon)]:%B %Y} cannot be approved by "
            f"then; the earliest realistic date is about {earliest:%B %Y}."
        )
    if per_household_band <= 0:
        notes.append(
            f"New households are not usually approved for children aged {age_band}; change the "
            "profile of new households or choose another age band."
        )
    rate, rate_confident, _ = answer_for(first) if feasible else (0.0, 0.0, 0.0)
    if not np.isfinite(rate):
        feasible, rate, rate_confident = False, 0.0, 0.0
        notes.append("No enquiry in the campaign window can be approved in time.")

    enquiries = np.zeros(horizon + 1)
    if feasible:
        enquiries[first : last + 1] = rate
    # Approvals by month (including after the target, truncated at the horizon for the schedule).
    approvals = np.zeros(horizon + 1)
    for lag, chance in enumerate(pmf):
        if lag > horizon:
            break
        approvals[lag:] += enquiries[: horizon + 1 - lag] * conversion * chance
    applications = np.zeros(horizon + 1)
    app_lag = int(round(funnel.months_enquiry_to_application))
    if app_lag <= horizon:
        applications[app_lag:] = enquiries[: horizon + 1 - app_lag] * funnel.enquiry_to_application
    still = np.zeros(horizon + 1)
    for month in range(1, horizon + 1):
        tenure = month - np.arange(1, month + 1)
        still[month] = (approvals[1 : month + 1] * survival_new[tenure]).sum()
    total_enquiries = float(enquiries.sum())
    schedule = pd.DataFrame(
        {
            "month": schedule_months,
            "enquiries": enquiries,
            "applications": applications,
            "approvals": approvals,
            "recruits_approved": still,
            "usable_places_from_recruits": still * per_household_band,
        }
    )

    options = []
    if last >= 1 and needed > 0 and per_household_band > 0:
        for option in range(1, last + 1):
            option_rate, option_confident, _ = answer_for(option)
            if not np.isfinite(option_rate):
                continue
            option_months = last - option + 1
            option_marketing = max(option_rate - arriving_counted, 0.0) * option_months
            options.append(
                {
                    "campaign_start": schedule_months[option],
                    "campaign_months": option_months,
                    "enquiries_per_month": option_rate,
                    "enquiries_per_month_at_confidence": option_confident,
                    "total_enquiries": option_rate * option_months,
                    "marketing_enquiries": option_marketing,
                    "total_cost": (
                        option_marketing * funnel.cost_per_enquiry
                        if funnel.cost_per_enquiry is not None
                        else np.nan
                    ),
                }
            )
    start_options = pd.DataFrame(
        options,
        columns=[
            "campaign_start",
            "campaign_months",
            "enquiries_per_month",
            "enquiries_per_month_at_confidence",
            "total_enquiries",
            "marketing_enquiries",
            "total_cost",
        ],
    )
    campaign_months = int(last - first + 1) if feasible else 0
    extra_per_month = max(float(rate) - arriving_counted, 0.0) if feasible else 0.0
    marketing_enquiries = extra_per_month * campaign_months
    return InverseAnswer(
        target_places=float(target_places),
        age_band=age_band,
        target_date=target_date,
        start=start,
        relative_to=relative_to,
        feasible=bool(feasible),
        places_needed_from_recruits=float(max(needed, 0.0)),
        places_expected_to_be_lost=float(lost),
        current_usable_places=current_usable,
        usable_places_per_household=float(per_household_band),
        campaign_start=schedule_months[first] if feasible else None,
        campaign_end=schedule_months[last] if feasible else None,
        campaign_months=campaign_months,
        enquiries_per_month=float(rate),
        enquiries_per_month_at_confidence=float(rate_confident),
        confidence=float(confidence),
        total_enquiries=total_enquiries,
        applications=total_enquiries * funnel.enquiry_to_application,
        approvals=total_enquiries * conversion,
        approvals_by_target=float(
            (enquiries[1:] * approved_by_target_per_enquiry).sum() if feasible else 0.0
        ),
        households_from_recruits_at_target=float(still[horizon]),
        cost_per_enquiry=funnel.cost_per_enquiry,
        total_cost=(
            marketing_enquiries * funnel.cost_per_enquiry
            if funnel.cost_per_enquiry is not None
            else None
        ),
        funnel=funnel,
        schedule=schedule,
        start_options=start_options,
        notes=notes,
        enquiries_arriving_per_month=float(enquiries_arriving_per_month),
        arriving_counted_per_month=arriving_counted,
        extra_enquiries_per_month=extra_per_month,
        marketing_enquiries=marketing_enquiries,
    )


def _months_from(start: pd.Timestamp, date: pd.Timestamp) -> int:
    """Whole month ends from ``start``'s month end to ``date``'s month end."""
    return (date.year - start.year) * 12 + (date.month - start.month)
