"""In-house foster carers under a scenario: today's households, those the service approves as it
does now, and extra recruitment, with the scenario's assumptions resolved against the authority's figures.

- :func:`resolve` turns the scenario's carer and funnel levers into numbers: a lever left empty
  takes the authority's figure (its records, else the national figure), with that source.
- :func:`recruitment_channels` and :func:`recruitment_limits` are the one description of what
  extra recruitment can deliver (marketing channels with their cost, conversion and reach; the
  assessment team's room; the budget), shared by the explorer, ``scenario run`` and ``plan``.
- :func:`project_supply` projects households and usable places month by month: today's
  households leave (as the authority's records say, or at the yearly rate); the service approves
  as many households as it approves now (:func:`baseline_approvals_per_month`; a recruitment plan
  is on top of that); approvals set in the scenario, marketing and a solved target plan add
  households after the enquiry-to-approval lead time, each carer type taking the ages it is
  approved for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency.authority import NATIONAL_CHANNEL, AuthorityFigures
from sufficiency.plan.optimiser import Channel
from sufficiency.plan.targets import PLANNING_CARER_TYPES, RecruitmentLimits
from sufficiency.scenario.levers import CARER_TYPE_BANDS, CARER_TYPES
from sufficiency.scenario.value import Scenario

POOL_ORDER: tuple[str, ...] = (
    "parent and child",
    "teenagers",
    "sibling groups",
    "disabled children",
    "mainstream",
)
"""New households fill places in this order: the narrowest age ranges first."""


@dataclass(frozen=True)
class Resolved:
    """The scenario's carer and funnel figures as numbers, each with its source.

    Attributes
    ----------
    enquiry_to_approval : float
        Share of enquiries approved (0-1), before any conversion improvement.
    cost_per_enquiry : float
        £ per enquiry on channels not measured in the records.
    days_enquiry_to_approval : float
    annual_leaving_rate : float
        Share of in-house households leaving a year (0-1), before the retention lever.
    places_per_household, occupancy : float
        For new households: approved places and the share usable (0-1).
    assessment_capacity : float
        Households a quarter the assessment team can approve, all recruitment together.
    channel_reach : float
        Extra enquiries a paid channel can bring a quarter, x its recent rate.
    sources : dict
        Figure name -> where it comes from.
    """

    enquiry_to_approval: float
    cost_per_enquiry: float
    days_enquiry_to_approval: float
    annual_leaving_rate: float
    places_per_household: float
    occupancy: float
    assessment_capacity: float
    channel_reach: float
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def usable_per_household(self) -> float:
        """Usable places of a new household."""
        return self.places_per_household * self.occupancy

    @property
    def lead_months(self) -> int:
        """Whole months from enquiry to approval."""
        return int(round(self.days_enquiry_to_approval / (365.25 / 12)))


def resolve(scenario: Scenario, figures: AuthorityFigures) -> Resolved:
    """Scenario overrides where set, else the authority's figures (with their sources)."""

    def pick(name: str, figure, scale: float = 1.0) -> tuple[float, str]:
        value = getattr(scenario, name)
        if value is None:
            return float(figure.value), figure.source
        return float(value) / scale, "set in the scenario"

    conversion, conversion_source = pick(
        "enquiry_to_approval_pct", figures.enquiry_to_approval, 100
    )
    cost, cost_source = pick("cost_per_enquiry", figures.cost_per_enquiry)
    days, days_source = pick("days_enquiry_to_approval", figures.days_enquiry_to_approval)
    leaving, leaving_source = pick("annual_leaving_rate_pct", figures.annual_leaving_rate, 100)
    places, places_source = pick("places_per_household", figures.places_per_household)
    occupancy, occupancy_source = pick("occupancy_pct", figures.occupancy, 100)
    capacity, capacity_source = pick(
        "assessment_capacity_per_quarter", figures.assessment_capacity_per_quarter
    )
    reach, reach_source = pick("channel_reach", figures.channel_reach)
    return Resolved(
        enquiry_to_approval=conversion,
        cost_per_enquiry=cost,
        days_enquiry_to_approval=days,
        annual_leaving_rate=min(leaving, 0.99),
        places_per_household=places,
        occupancy=occupancy,
        assessment_capacity=capacity,
        channel_reach=reach,
        sources={
            "enquiry_to_approval": conversion_source,
            "cost_per_enquiry": cost_source,
            "days_enquiry_to_approval": days_source,
            "annual_leaving_rate": leaving_source,
            "places_per_household": places_source,
            "occupancy": occupancy_source,
            "assessment_capacity": capacity_source,
            "channel_reach": reach_source,
        },
    )


def recruitment_channels(
    scenario: Scenario, figures: AuthorityFigures, resolved: Resolved
) -> list[Channel]:
    """Channels extra enquiries can come from: measured paid channels at the scenario's reach, or
    one channel at the authority's cost per enquiry and conversion when none was measured.

    ``max_enquiries_per_quarter`` is the most *extra* enquiries a quarter the channel can bring.
    """
    default_reach = float(figures.channel_reach.value)
    scale = resolved.channel_reach / default_reach if default_reach > 0 else 1.0
    if figures.channels:
        channels = []
        for channel in figures.channels:
            conversion = channel.enquiry_to_approval
            if scenario.enquiry_to_approval_pct is not None:
                # an overridden conversion applies to every channel alike
                conversion = resolved.enquiry_to_approval
            channels.append(
                Channel(
                    name=channel.name,
                    cost_per_enquiry=channel.cost_per_enquiry
                    if scenario.cost_per_enquiry is None
                    else resolved.cost_per_enquiry,
                    enquiry_to_approval=min(max(conversion, 1e-6), 1.0),
                    max_enquiries_per_quarter=channel.max_enquiries_per_quarter * scale,
                    source=channel.source,
                )
            )
        return channels
    reach = resolved.channel_reach * float(figures.enquiries_per_quarter.value)
    return [
        Channel(
            name=NATIONAL_CHANNEL,
            cost_per_enquiry=resolved.cost_per_enquiry,
            enquiry_to_approval=min(max(resolved.enquiry_to_approval, 1e-6), 1.0),
            max_enquiries_per_quarter=reach,
            source=resolved.sources["cost_per_enquiry"],
        )
    ]


def _channel_for(name: str, channels: list[Channel], resolved: Resolved) -> Channel:
    for channel in channels:
        if channel.name == name:
            return channel
    return Channel(
        name=name,
        cost_per_enquiry=resolved.cost_per_enquiry,
        enquiry_to_approval=min(max(resolved.enquiry_to_approval, 1e-6), 1.0),
        max_enquiries_per_quarter=math.inf,
        source=resolved.sources["cost_per_enquiry"],
    )


def marketing_bought(
    scenario: Scenario, channels: list[Channel], resolved: Resolved
) -> tuple[float, float, dict[str, float]]:
    """(enquiries a quarter, approvals a quarter, enquiries used per channel) the scenario's
    marketing spend buys (each channel saturates at its reach; conversion improvement included)."""
    improvement = 1 + scenario.conversion_improvement_pct / 100
    enquiries = approvals = 0.0
    used: dict[str, float] = {}
    for name, spend in scenario.marketing_spend_per_quarter:
        channel = _channel_for(name, channels, resolved)
        if channel.cost_per_enquiry <= 0:
            continue
        bought = min(spend / channel.cost_per_enquiry, channel.max_enquiries_per_quarter)
        used[channel.name] = used.get(channel.name, 0.0) + bought
        enquiries += bought
        approvals += bought * min(channel.enquiry_to_approval * improvement, 1.0)
    return enquiries, approvals, used


def cheapest_enquiries(
    approvals_per_quarter: float,
    channels: list[Channel],
    improvement: float = 1.0,
    used: Mapping[str, float] | None = None,
) -> tuple[float, float]:
    """(enquiries, £) a quarter to bring ``approvals_per_quarter`` extra approvals, buying from the
    channels with the lowest cost per approval first, each up to its remaining reach. Beyond every
    channel's reach the last channel's price is used (the limit is reported elsewhere)."""
    if approvals_per_quarter <= 0 or not channels:
        return 0.0, 0.0
    bought = _channel_purchase(approvals_per_quarter, channels, improvement, used)
    return sum(b[1] for b in bought), sum(b[2] for b in bought)


BEYOND_REACH = "beyond every channel's reach"
"""Channel name of enquiries priced beyond every channel's reach (at the dearest channel used)."""


def enquiries_for_approvals(
    approvals: np.ndarray,
    months: pd.DatetimeIndex,
    channels: list[Channel],
    lead_months: int,
    *,
    improvement: float = 1.0,
    used: Mapping[str, float] | None = None,
    skip_before_lead: bool = False,
) -> pd.DataFrame:
    """The enquiries (and their £) extra approvals need, by month and channel: the one count
    every page, export and cost uses.

    Channel reach is a quarter's, so each quarter's approvals are bought together at the quarter's
    rate, cheapest approvals first (:func:`cheapest_enquiries`); each month gets its share, lead
    months before it. (Buying a month's approvals as if they came every month of the quarter
    overran the channels' reach and priced the rest at the dearest channel.)

    Parameters
    ----------
    approvals : numpy.ndarray
        Extra approvals by month ``(months,)``.
    months : DatetimeIndex
        Month ends of ``approvals``.
    channels : list of Channel
    lead_months : int
        Months from enquiry to approval; enquiries for earlier approvals fall in the first month.
    improvement : float
        Conversion multiplier (1 + the conversion lever).
    used : mapping, optional
        Enquiries a quarter of each channel's reach already used (the scenario's marketing).
    skip_before_lead : bool
        True when approvals before the lead time are already in the pipeline (no enquiries).

    Returns
    -------
    DataFrame
        month (the enquiry month), channel, enquiries (count), spend (£, base prices); channel
        :data:`BEYOND_REACH` for enquiries beyond every channel's reach, priced at the channel
        with the dearest approval.
    """
    columns = ["month", "channel", "enquiries", "spend"]
    approvals = np.asarray(approvals, dtype="float64").copy()
    if skip_before_lead:
        approvals[:lead_months] = 0.0
    if not channels or not np.any(approvals > 1e-12):
        return pd.DataFrame(columns=columns)
    quarters = pd.DatetimeIndex(months).to_period("Q")
    rows = []
    for quarter in pd.unique(quarters):
        in_quarter = np.flatnonzero((quarters == quarter) & (approvals > 1e-12))
        total = float(approvals[in_quarter].sum())
        if total <= 1e-12:
            continue
        for name, enquiries, spend in _channel_purchase(total, channels, improvement, used):
            for t in in_quarter:
                share = approvals[t] / total
                rows.append(
                    (months[max(t - lead_months, 0)], name, enquiries * share, spend * share)
                )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.groupby(["month", "channel"], as_index=False, sort=False)[
        ["enquiries", "spend"]
    ].sum()


def _channel_purchase(
    approvals_per_quarter: float,
    channels: list[Channel],
    improvement: float,
    used: Mapping[str, float] | None,
) -> list[tuple[str, float, float]]:
    """(channel, enquiries, £) for a quarter's approvals, cheapest approvals first, each channel
    up to its remaining reach; the rest at the dearest channel's price as :data:`BEYOND_REACH`."""
    used = used or {}
    remaining = approvals_per_quarter
    ranked = sorted(
        channels,
        key=lambda c: c.cost_per_enquiry / min(c.enquiry_to_approval * improvement, 1.0),
    )
    bought = []
    for channel in ranked:
        rate = min(channel.enquiry_to_approval * improvement, 1.0)
        room = max(channel.max_enquiries_per_quarter - used.get(channel.name, 0.0), 0.0)
        take = min(remaining / rate, room)
        if take > 0:
            bought.append((channel.name, take, take * channel.cost_per_enquiry))
            remaining -= take * rate
        if remaining <= 1e-9:
            return bought
    last = ranked[-1]
    rate = min(last.enquiry_to_approval * improvement, 1.0)
    bought.append((BEYOND_REACH, remaining / rate, remaining / rate * last.cost_per_enquiry))
    return bought


BASELINE_RECRUITMENT = "recruiting as now"
"""Name of the approvals the service makes without a plan (households and approvals dicts)."""


def baseline_approvals_per_month(figures: AuthorityFigures) -> float:
    """Households the service approves a month without a plan: as many as it approves now.

    The authority's approvals now (:attr:`AuthorityFigures.approvals_per_quarter`: the last 12
    months of its records ÷ 4; without records, enough to replace the households that leave)
    carry on. Replacing leavers alone understated the demo's recruitment: it approves 4.5 a
    quarter (18 in the year to March 2024; 18.3 a year over three years, while about 10 a year
    left and households grew from 62 to 86), its Approvals pipeline expects 18.9 in the next 12
    months from the people already in progress and today's enquiries, and today's 79.5
    enquiries a quarter at 6.1% approved bring 4.9 a quarter; replacing leavers is 3.1.
    """
    return float(figures.approvals_per_quarter.value) / 3.0


def recruitment_limits(
    scenario: Scenario,
    figures: AuthorityFigures,
    resolved: Resolved,
    channels: list[Channel] | None = None,
) -> RecruitmentLimits:
    """What extra recruitment a target can ask for, on top of the scenario's own recruitment.

    Assessment room = capacity - approvals made without a plan (as now) - approvals set in the
    scenario -
    approvals its marketing buys. Marketing room = every channel at full reach (less what the
    scenario's marketing already uses) x its conversion. Budget room (when a recruitment budget is
    set) = what is left of a quarter's budget ÷ (recruitment and assessment + the cheapest
    marketing cost of one approval).
    """
    channels = (
        channels if channels is not None else recruitment_channels(scenario, figures, resolved)
    )
    improvement = 1 + scenario.conversion_improvement_pct / 100
    as_now = 3 * baseline_approvals_per_month(figures) * improvement
    own = sum(value for _, value in scenario.approvals_per_quarter)
    _, bought, used = marketing_bought(scenario, channels, resolved)
    room = resolved.assessment_capacity - as_now - own - bought
    marketing = sum(
        max(c.max_enquiries_per_quarter - used.get(c.name, 0.0), 0.0)
        * min(c.enquiry_to_approval * improvement, 1.0)
        for c in channels
    )
    budget = math.inf
    if scenario.recruitment_budget_per_year is not None:
        spend_now = sum(value for _, value in scenario.marketing_spend_per_quarter)
        left = (
            scenario.recruitment_budget_per_year / 4
            - spend_now
            - (own + bought) * scenario.recruitment_cost_per_household
        )
        _, per_approval = cheapest_enquiries(1.0, channels, improvement, used)
        budget = max(left, 0.0) / (scenario.recruitment_cost_per_household + per_approval)
    return RecruitmentLimits(
        lead_months=resolved.lead_months,
        usable_places_per_household=resolved.usable_per_household,
        annual_leaving_rate=min(
            resolved.annual_leaving_rate * (1 + scenario.deregistration_change_pct / 100), 0.99
        ),
        assessment_room_per_quarter=max(room, 0.0),
        marketing_approvals_per_quarter=max(marketing, 0.0),
        in_pipeline=scenario.approvals_in_pipeline,
        budget_approvals_per_quarter=budget,
    )


@dataclass(frozen=True, eq=False)
class CarerSupply:
    """In-house foster carers month by month under a scenario.

    Attributes
    ----------
    months : DatetimeIndex
    capacity_by_band : numpy.ndarray
        Usable places ``(months, bands)`` of today's households and those the service approves
        without a plan (as now).
    pools : dict
        Carer type -> usable places ``(months,)`` of extra households (the scenario's approvals,
        its marketing and a solved target plan), each taking the ages in
        :data:`~sufficiency.scenario.levers.CARER_TYPE_BANDS`.
    households : dict
        'today', :data:`BASELINE_RECRUITMENT` and each carer type -> households ``(months,)``.
    approvals : dict
        :data:`BASELINE_RECRUITMENT` and each carer type -> approvals ``(months,)``.
    marketing_spend : numpy.ndarray
        £ a month (base prices) of the scenario's own marketing.
    marketing_enquiries : numpy.ndarray
        Enquiries a month the scenario's marketing buys.
    """

    months: pd.DatetimeIndex
    capacity_by_band: np.ndarray
    pools: dict[str, np.ndarray]
    households: dict[str, np.ndarray]
    approvals: dict[str, np.ndarray]
    marketing_spend: np.ndarray
    marketing_enquiries: np.ndarray

    @property
    def total_households(self) -> np.ndarray:
        return np.sum(list(self.households.values()), axis=0)

    @property
    def total_approvals(self) -> np.ndarray:
        return np.sum(list(self.approvals.values()), axis=0)

    @property
    def extra_approvals(self) -> np.ndarray:
        """Approvals on top of those the service makes without a plan, ``(months,)``."""
        return np.sum([v for k, v in self.approvals.items() if k != BASELINE_RECRUITMENT], axis=0)

    @property
    def usable_places(self) -> np.ndarray:
        return self.capacity_by_band.sum(axis=1) + np.sum(list(self.pools.values()), axis=0)

    def pool_arguments(self) -> list[tuple[np.ndarray, tuple[str, ...]]]:
        """(places, age bands) per carer type, narrowest first, for the allocation."""
        return [
            (self.pools[name], CARER_TYPE_BANDS[name])
            for name in POOL_ORDER
            if name in self.pools and np.any(self.pools[name] > 0)
        ]

    def frame(self) -> pd.DataFrame:
        """month, households, usable_places, approvals, extra_approvals (all ages)."""
        return pd.DataFrame(
            {
                "month": self.months,
                "age_band": "all ages",
                "households": self.total_households,
                "usable_places": self.usable_places,
                "approvals": self.total_approvals,
                "extra_approvals": self.extra_approvals,
            }
        )


def _survive(households: np.ndarray, approvals: np.ndarray, leave: float) -> np.ndarray:
    """Households in post each month: last month's less those leaving, plus this month's approvals."""
    out = np.empty_like(approvals)
    current = 0.0
    for t in range(len(approvals)):
        current = current * (1.0 - leave) + approvals[t]
        out[t] = current
    return out + households


def project_supply(
    scenario: Scenario,
    figures: AuthorityFigures,
    resolved: Resolved,
    months: pd.DatetimeIndex,
    *,
    existing_survival: np.ndarray | None = None,
    channels: list[Channel] | None = None,
    solved_approvals: np.ndarray | None = None,
) -> CarerSupply:
    """Households and usable places by month under the scenario.

    Parameters
    ----------
    existing_survival : numpy.ndarray, optional
        ``(months + 1, bands)`` share of today's usable places still available (from the
        authority's household records, see :func:`~sufficiency.scenario.carer_survival_from_records`);
        None: today's households leave at the yearly leaving rate.
    solved_approvals : numpy.ndarray, optional
        Approvals a target needs, ``(months, planning carer types)`` (mainstream, teenagers).
    """
    n_months = len(months)
    reconciliation = figures.in_house
    by_band = reconciliation.usable_places_by_band
    households_0 = reconciliation.households
    usable_0 = reconciliation.usable_places
    per_household_0 = usable_0 / households_0 if households_0 > 0 else resolved.usable_per_household
    scale = 1 + scenario.deregistration_change_pct / 100
    improvement = 1 + scenario.conversion_improvement_pct / 100
    base_leave = 1.0 - (1.0 - resolved.annual_leaving_rate) ** (1.0 / 12.0)
    leave = 1.0 - (1.0 - base_leave) ** scale
    steps = np.arange(1, n_months + 1)
    if existing_survival is None:
        survival = np.broadcast_to(((1.0 - base_leave) ** steps)[:, None], (n_months, len(by_band)))
    else:
        survival = np.asarray(existing_survival)[1 : n_months + 1]
    survival = np.clip(survival, 1e-12, None) ** scale
    existing = by_band[None, :] * survival
    total_0 = by_band.sum()
    weights = by_band / total_0 if total_0 > 0 else np.full(len(by_band), 1.0 / len(by_band))
    today = households_0 * (survival * weights[None, :]).sum(axis=1)

    mix = weights
    as_now_approvals = np.full(n_months, baseline_approvals_per_month(figures) * improvement)
    as_now = _survive(np.zeros(n_months), as_now_approvals, leave)
    capacity = existing + as_now[:, None] * per_household_0 * mix[None, :]

    channels = (
        channels if channels is not None else recruitment_channels(scenario, figures, resolved)
    )
    first = 0 if scenario.approvals_in_pipeline else resolved.lead_months
    approvals: dict[str, np.ndarray] = {BASELINE_RECRUITMENT: as_now_approvals}
    for carer_type, per_quarter in scenario.approvals_per_quarter:
        series = np.zeros(n_months)
        series[first:] = per_quarter / 3.0
        approvals[carer_type] = series
    enquiries, bought, _ = marketing_bought(scenario, channels, resolved)
    spend = np.full(n_months, sum(v for _, v in scenario.marketing_spend_per_quarter) / 3.0)
    if bought:
        series = approvals.get("mainstream", np.zeros(n_months)).copy()
        series[resolved.lead_months :] += bought / 3.0
        approvals["mainstream"] = series
    if solved_approvals is not None:
        for i, name in enumerate(PLANNING_CARER_TYPES):
            series = approvals.get(name, np.zeros(n_months)).copy()
            series += np.asarray(solved_approvals)[:, i]
            approvals[name] = series
    pools: dict[str, np.ndarray] = {}
    households: dict[str, np.ndarray] = {"today": today, BASELINE_RECRUITMENT: as_now}
    for name in CARER_TYPES:
        if name in approvals:
            in_post = _survive(np.zeros(n_months), approvals[name], leave)
            households[name] = in_post
            pools[name] = in_post * resolved.usable_per_household
    return CarerSupply(
        months=months,
        capacity_by_band=capacity,
        pools=pools,
        households=households,
        approvals=approvals,
        marketing_spend=spend,
        marketing_enquiries=np.full(n_months, enquiries / 3.0),
    )
