"""Least-cost recruitment plan: households per quarter by specialism and marketing spend by channel.

A mixed-integer programme (PuLP with the CBC solver) over financial quarters chooses

- ``approve[s, q]``: new in-house households of specialism ``s`` approved in quarter ``q`` (whole
  households by default);
- ``enquiries[c, q]``: enquiries bought through marketing channel ``c`` in quarter ``q`` (only when
  channels are given; each costs the channel's cost per enquiry);

to minimise, over the horizon, the cost of non-kinship foster placements (in-house at the in-house
weekly rate, the rest at the IFA rate), external residential placements, recruitment and
assessment per approved household, supervising social work per household in post, and marketing.

Subject to:

- *capacity*: in-house children in each age band are at most the existing carers' usable places
  (from the supply projection) plus the usable places of new households still fostering (each
  specialism loses its leaving rate a year and serves only its age bands);
- *lead time*: nothing is approved before the enquiry-to-approval lead time has passed, and with
  channels, approvals in a quarter need the enquiries of one lead time earlier;
- *sufficiency*: the IFA share of non-kinship fostering stays at or below the target ceiling, and
  stepped-down children (from the external residential cap or step-down target) are placed in
  in-house foster care;
- *practical bounds*: approvals per quarter within the assessment team's capacity and each
  specialism's limit, enquiries within each channel's reach, recruitment and marketing spend within
  the budget of each financial year.

The sufficiency constraints carry penalised slack, so a target that cannot be met still yields the
closest plan with a plain message saying by how much and why, never a solver error. Costs are in
constant prices of ``price_year``; demand is the mean over simulation paths (or a chosen
quantile) aggregated to quarters.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pulp

from sufficiency import finance
from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
)
from sufficiency.errors import SufficiencyError
from sufficiency.periods import (
    financial_quarter_label,
    financial_quarter_start,
    financial_year_label,
)
from sufficiency.plan.allocation import (
    DEFAULT_RESIDENTIAL_BANDS,
    as_band_capacity,
    as_demand_paths,
    as_monthly,
    band_mask,
    month_index,
    other_fostering,
    residential_in_house,
    split_needs,
)
from sufficiency.plan.carers_needed import Targets, ifa_share_ceiling, step_down_children
from sufficiency.supply import defaults as supply_defaults

DEFAULT_USABLE_PLACES_PER_HOUSEHOLD = (
    supply_defaults.APPROVED_PLACES_PER_HOUSEHOLD.value * supply_defaults.OCCUPANCY.value
)
"""About 1.22 usable places per household: 1.85 approved places x 66% occupancy (Ofsted 2017-19)."""

_SLACK_PENALTY = 1e7
"""£ per missing place per quarter: far above any placement cost, so targets are met when possible."""

_SHORT_TOLERANCE = 0.05
"""Places: smaller misses are solver tolerance (and a twentieth of a child), not a real shortfall."""


@dataclass(frozen=True)
class Specialism:
    """A kind of carer household the service recruits.

    Parameters
    ----------
    name : str
        Plain name shown in the plan, e.g. ``"under-10s"``.
    age_bands : sequence of str
        Age bands its places can serve.
    usable_places_per_household : float
        Usable places per household (approved places x occupancy).
    annual_leaving_rate : float
        Share of these households that stop fostering each year (0-1).
    max_approvals_per_quarter : float, optional
        Most households of this kind that can be approved in a quarter.
    recruitment_cost_per_household : float, optional
        £ per approved household for recruitment and assessment; default
        :class:`sufficiency.finance.CarerCosts` (an assumption to replace).
    """

    name: str
    age_bands: tuple[str, ...]
    usable_places_per_household: float = DEFAULT_USABLE_PLACES_PER_HOUSEHOLD
    annual_leaving_rate: float = supply_defaults.ANNUAL_LEAVING_RATE_MAINSTREAM.value
    max_approvals_per_quarter: float | None = None
    recruitment_cost_per_household: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "age_bands", tuple(self.age_bands))
        band_mask(self.age_bands)
        if not self.age_bands:
            raise SufficiencyError(f"Specialism {self.name!r} must serve at least one age band.")
        if self.usable_places_per_household <= 0:
            raise SufficiencyError(
                f"Usable places per household for {self.name!r} must be above zero."
            )
        if not 0.0 <= self.annual_leaving_rate < 1.0:
            raise SufficiencyError(
                f"The leaving rate for {self.name!r} must be a share from 0 to below 1."
            )


DEFAULT_SPECIALISMS: tuple[Specialism, ...] = (
    Specialism("under-10s", ("under 1", "1-4", "5-9")),
    Specialism(
        "10 and over (incl. step-down)",
        ("10-15", "16-17"),
        annual_leaving_rate=supply_defaults.ANNUAL_LEAVING_RATE_SPECIALIST.value,
    ),
)
"""Two carer groups by the ages they take; leaving rates from Ofsted (15% a year)."""


@dataclass(frozen=True)
class Channel:
    """A marketing channel that buys enquiries.

    Parameters
    ----------
    name : str
        E.g. ``"radio"``, ``"social media"``.
    cost_per_enquiry : float
        £ of marketing spend per enquiry (from your campaign spend / enquiries, e.g.
        :func:`sufficiency.supply.funnel.cost_per_outcome`).
    enquiry_to_approval : float
        Share of this channel's enquiries that end in approval (0-1).
    max_enquiries_per_quarter : float
        Most enquiries the channel can bring in a quarter, however much is spent.
    source : str
        Where the figures come from.
    """

    name: str
    cost_per_enquiry: float
    enquiry_to_approval: float
    max_enquiries_per_quarter: float
    source: str = finance.ASSUMPTION

    def __post_init__(self) -> None:
        if self.cost_per_enquiry < 0 or self.max_enquiries_per_quarter < 0:
            raise SufficiencyError(
                f"Channel {self.name!r}: cost per enquiry and enquiry limit must be zero or more."
            )
        if not 0.0 < self.enquiry_to_approval <= 1.0:
            raise SufficiencyError(
                f"Channel {self.name!r}: enquiry-to-approval must be a share above 0, at most 1."
            )


def channels_from_cost_per_outcome(
    table: pd.DataFrame,
    quarters_observed: float,
    *,
    reach: float = 1.5,
    min_approvals: int = 3,
    source: str = "your campaign spend and enquiry records",
) -> list[Channel]:
    """Marketing channels from the funnel's cost-per-outcome table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`sufficiency.supply.funnel.cost_per_outcome` (by channel): channel, spend,
        enquiries, approvals, still_open.
    quarters_observed : float
        Quarters the table covers, to turn enquiries into a quarterly rate.
    reach : float
        Most enquiries a channel can bring per quarter, as a multiple of its observed rate
        (1.5: an assumption that spend can be scaled up by half before the audience runs out).
    min_approvals : int
        Channels with fewer approvals are left out: their conversion rate is too uncertain.
    source : str
        Where the figures come from, shown with the plan.

    Returns
    -------
    list of Channel
        Channels with recorded spend, enquiries and ``min_approvals`` approvals; others are left out
        (unpaid channels such as word of mouth are already in the carers' baseline).
    """
    if quarters_observed <= 0:
        raise SufficiencyError("quarters_observed must be above zero.")
    missing = {"channel", "spend", "enquiries", "approvals"} - set(table.columns)
    if missing:
        raise SufficiencyError(
            f"The cost-per-outcome table lacks column(s) {', '.join(sorted(missing))}."
        )
    channels = []
    for row in table.itertuples(index=False):
        spend = float(row.spend) if pd.notna(row.spend) else 0.0
        decided = float(row.enquiries) - float(getattr(row, "still_open", 0) or 0)
        if (
            spend <= 0
            or row.enquiries <= 0
            or row.approvals < max(min_approvals, 1)
            or decided <= 0
        ):
            continue
        channels.append(
            Channel(
                name=str(row.channel),
                cost_per_enquiry=spend / float(row.enquiries),
                enquiry_to_approval=min(float(row.approvals) / decided, 1.0),
                max_enquiries_per_quarter=reach * float(row.enquiries) / quarters_observed,
                source=f"{source}; reach {reach:g}x the observed enquiry rate ({finance.ASSUMPTION})",
            )
        )
    return channels


def default_weekly_costs(price_year: int = 2025) -> dict[str, float]:
    """Weekly unit costs (£ per child per week) at ``price_year`` prices from :mod:`finance`.

    In-house fostering £646 (PSSRU 2017), IFA £820 (CMA 2021) and external residential £6,100
    (NAO 2023-24), moved to ``price_year`` with the ONS CPI index.
    """
    return {
        category: finance.DEFAULT_UNIT_COSTS[category].at_prices(price_year, 0.0)
        for category in (IN_HOUSE_FOSTERING, IFA_FOSTERING, EXTERNAL_RESIDENTIAL)
    }


@dataclass(frozen=True)
class RecruitmentPlan:
    """The optimiser's answer.

    Attributes
    ----------
    feasible : bool
        True when every target is met.
    status : str
        ``"optimal"``, ``"targets not met"`` or ``"time limit"`` (best plan found in time).
    households : pandas.DataFrame
        quarter, quarter_start, specialism, approvals (households), households_in_post (new
        households still fostering at quarter end), usable_places.
    marketing : pandas.DataFrame
        quarter, quarter_start, channel, enquiries, spend (£). Empty without channels.
    placements : pandas.DataFrame
        By quarter: in_house_fostering, ifa_fostering, ifa_share, external_residential,
        step_downs (mean children in the quarter), baseline_ifa_share, target_ifa_share.
    costs : dict
        £ over the horizon: placements, recruitment, marketing, supervision, total, baseline,
        saving.
    shortfalls : pandas.DataFrame
        Quarters where a target is missed: quarter, target, places_short, best_ifa_share.
    message : str
        One-paragraph plain-words status.
    """

    feasible: bool
    status: str
    households: pd.DataFrame
    marketing: pd.DataFrame
    placements: pd.DataFrame
    costs: dict[str, float]
    shortfalls: pd.DataFrame
    message: str
    weekly_costs: dict[str, float] = field(default_factory=dict)
    price_year: int = 2025
    notes: tuple[str, ...] = ()

    def approvals_by_quarter(self) -> pd.DataFrame:
        """Approvals as a quarter x specialism table (households)."""
        return self.households.pivot_table(
            index=["quarter_start", "quarter"],
            columns="specialism",
            values="approvals",
            aggfunc="sum",
            sort=True,
        ).reset_index()

    def explain(self) -> str:
        """The plan, its cost and its limits in plain words."""
        quarters = self.placements["quarter"]
        lines = [
            f"Recommended plan from {quarters.iloc[0]} to {quarters.iloc[-1]}, chosen to keep the "
            f"total cost of placements, recruitment and carer support as low as possible "
            f"({self.price_year} prices)."
        ]
        if not self.feasible:
            lines.append(self.message)
        approvals = self.households
        total_approvals = int(round(approvals["approvals"].sum()))
        if total_approvals == 0 and self.feasible:
            lines.append(
                "- Recruit no extra households: at these costs new carers would not pay for "
                "themselves within the horizon and no target needs them."
            )
        elif total_approvals == 0:
            lines.append("- No extra households can be approved in time to help within the plan.")
        for name, rows in approvals.groupby("specialism", sort=False):
            whole = rows["approvals"].round().astype(int)
            if whole.sum() == 0:
                continue
            years = []
            for year, counts in whole.groupby(
                rows["quarter_start"].map(financial_year_label), sort=True
            ):
                if counts.sum() == 0:
                    continue
                active = counts[counts > 0]
                low, high = int(active.min()), int(active.max())
                rate = f"{low}" if low == high else f"{low}-{high}"
                years.append(
                    f"{int(counts.sum())} in {year} ({rate} a quarter in {len(active)} "
                    f"quarter{'s' if len(active) > 1 else ''})"
                )
            first = rows.loc[whole.gt(0).to_numpy(), "quarter"].iloc[0]
            lines.append(
                f"- Approve {int(whole.sum())} {name} households, starting {first}: "
                + "; ".join(years)
                + "."
            )
        if len(self.marketing) and self.marketing["spend"].sum() > 0:
            by_channel = self.marketing.groupby("channel", sort=False)[["enquiries", "spend"]].sum()
            by_channel = by_channel[by_channel["spend"] > 0.5]
            parts = [
                f"{channel} £{row.spend:,.0f} ({row.enquiries:,.0f} enquiries)"
                for channel, row in by_channel.iterrows()
            ]
            lines.append("- Marketing over the plan: " + ", ".join(parts) + ".")
        if total_approvals:
            last = approvals.loc[approvals["quarter_start"] == approvals["quarter_start"].max()]
            lines.append(
                f"- By {quarters.iloc[-1]} about {last['households_in_post'].sum():.0f} of the new "
                f"households are still fostering ({last['usable_places'].sum():.0f} usable places), "
                "after allowing for carers who leave."
            )
        first, final = self.placements.iloc[0], self.placements.iloc[-1]
        lines.append(
            f"- IFA share of non-kinship fostering: {first['baseline_ifa_share']:.0%} at the start, "
            f"{final['ifa_share']:.0%} by {final['quarter']} (without the plan "
            f"{final['baseline_ifa_share']:.0%})."
        )
        if self.placements["step_downs"].max() > 0.05:
            lines.append(
                f"- Step-downs from external residential to in-house fostering: about "
                f"{final['step_downs']:.0f} children by {final['quarter']}; external residential "
                f"{final['external_residential']:.0f} children then."
            )
        costs = self.costs
        lines.append(
            f"- Cost over the plan: £{costs['total'] / 1e6:,.2f}m (placements "
            f"£{costs['placements'] / 1e6:,.2f}m, recruitment and assessment "
            f"£{costs['recruitment'] / 1e3:,.0f}k, "
            + (f"marketing £{costs['marketing'] / 1e3:,.0f}k, " if costs["marketing"] > 0 else "")
            + f"supervising social work £{costs['supervision'] / 1e3:,.0f}k). Without extra "
            f"recruitment or step-downs: £{costs['baseline'] / 1e6:,.2f}m, so the plan "
            + (
                f"saves £{costs['saving'] / 1e6:,.2f}m."
                if costs["saving"] >= 0
                else f"costs £{-costs['saving'] / 1e6:,.2f}m more (the price of the targets)."
            )
        )
        lines.extend(f"- {note}" for note in self.notes)
        weekly = self.weekly_costs
        lines.append(
            f"Unit costs (£ per child per week, {self.price_year} prices): in-house fostering "
            f"£{weekly[IN_HOUSE_FOSTERING]:,.0f} (PSSRU 2017), IFA £{weekly[IFA_FOSTERING]:,.0f} "
            f"(CMA 2021), external residential £{weekly[EXTERNAL_RESIDENTIAL]:,.0f} (NAO 2023-24)."
        )
        return "\n".join(lines)


def _per_quarter(values: float | Sequence[float] | None, quarters: int, what: str) -> np.ndarray:
    if values is None:
        return np.full(quarters, np.inf)
    array = np.asarray(values, dtype="float64")
    if array.ndim == 0:
        array = np.full(quarters, float(array))
    if array.shape != (quarters,) or np.any(array < 0) or np.any(np.isnan(array)):
        raise SufficiencyError(
            f"{what} must be one number or one per quarter ({quarters}), zero or more."
        )
    return array


def optimise_recruitment(
    demand: np.ndarray,
    foster_capacity: np.ndarray | float,
    targets: Targets | None = None,
    residential_beds: np.ndarray | float = 0.0,
    *,
    months: Sequence | pd.DatetimeIndex | None = None,
    specialisms: Sequence[Specialism] = DEFAULT_SPECIALISMS,
    channels: Sequence[Channel] | None = None,
    assessment_capacity_per_quarter: float | Sequence[float] | None = 10.0,
    budget_per_financial_year: float | Mapping[str, float] | None = None,
    weekly_costs: Mapping[str, float] | None = None,
    carer_costs: finance.CarerCosts | None = None,
    price_year: int = 2025,
    days_enquiry_to_approval: float = supply_defaults.DAYS_ENQUIRY_TO_APPROVAL.value,
    integer: bool = True,
    quantile: float | None = None,
    residential_bands: Sequence[str] = DEFAULT_RESIDENTIAL_BANDS,
    time_limit_seconds: float = 20.0,
    relative_gap: float = 0.01,
    steadiness_cost: float = 100.0,
    minimum_approvals: np.ndarray | None = None,
) -> RecruitmentPlan:
    """Propose the least-cost recruitment plan that meets the targets within practical bounds.

    Parameters
    ----------
    demand : numpy.ndarray
        Children ``(paths, months, bands, categories)`` or one path ``(months, bands, categories)``.
    foster_capacity : numpy.ndarray or float
        Usable places of existing carers, projected with their attrition (see
        :func:`sufficiency.plan.allocation.allocate`).
    targets : Targets, optional
        IFA share, external residential cap and step-downs (see
        :class:`sufficiency.plan.carers_needed.Targets`). Each applies from its date (the plan
        picks the timing of recruitment, so ``phasing`` is ignored). None: minimise cost only.
    residential_beds : numpy.ndarray or float
        In-house children's home beds.
    months : sequence of dates, optional
        Month ends the demand covers.
    specialisms : sequence of Specialism
        Kinds of household to recruit (default: under-10s and 10 and over).
    channels : sequence of Channel, optional
        Marketing channels; when given, approvals need enquiries one lead time earlier.
    assessment_capacity_per_quarter : float or sequence, optional
        Most approvals the assessment team can complete per quarter, all specialisms together
        (households; default 10, an assumption: set your team's capacity). None: no limit.
    budget_per_financial_year : float or mapping, optional
        Most recruitment, assessment and marketing spend per financial year (£), one number or
        ``{"2025-26": 150000, ...}`` (years left out have no limit). None: no limit.
    weekly_costs : mapping, optional
        £ per child per week for in-house fostering, IFA fostering and external residential
        (default :func:`default_weekly_costs`, sourced in :mod:`sufficiency.finance`).
    carer_costs : finance.CarerCosts, optional
        Recruitment and assessment per household and supervising social work per household-year.
    price_year : int
        Price base of the default costs.
    days_enquiry_to_approval : float
        Lead time from enquiry to approval (281 days, Fostering Network / iMPOWER 2013).
    integer : bool
        Whole households (mixed-integer) or a continuous relaxation (faster).
    quantile : float, optional
        Plan for this quantile of demand over paths instead of the mean.
    residential_bands : sequence of str
        Bands in-house homes take.
    time_limit_seconds : float
        CBC time limit; the best plan found by then is returned.
    relative_gap : float
        Stop when the plan's objective is within this share of the best possible (0.01: 1%),
        which keeps whole-household plans to about a second.
    steadiness_cost : float
        £ charged per household of change in a specialism's quarterly approvals, so the plan
        prefers a steady rate the assessment team can staff over a saw-tooth of equal cost
        (a tie-breaker, not a published figure; 0 turns it off). Not counted in the reported costs.
    minimum_approvals : numpy.ndarray, optional
        Approvals already decided, ``(quarters, specialisms)``: the plan approves at least these
        (for example the households a target needs) and adds more only where they save money.

    Returns
    -------
    RecruitmentPlan
        The plan, costs and :meth:`RecruitmentPlan.explain`.
    """
    # The optimiser chooses the timing itself, so each target applies from its own date only.
    targets = replace(targets or Targets(), phasing="by date")
    specialisms = tuple(specialisms)
    channels = tuple(channels or ())
    if not specialisms:
        raise SufficiencyError("Give at least one kind of carer household to recruit.")
    names = [s.name for s in specialisms] + [c.name for c in channels]
    if len(set(names)) != len(names):
        raise SufficiencyError("Specialism and channel names must be unique.")
    demand = as_demand_paths(demand)
    n_months = demand.shape[1]
    months = month_index(months, n_months)
    capacity = as_band_capacity(foster_capacity, n_months, "In-house foster capacity")
    beds = as_monthly(residential_beds, n_months, "In-house children's home beds")
    weekly = {**default_weekly_costs(price_year), **dict(weekly_costs or {})}
    carer_costs = carer_costs or finance.CarerCosts()
    carer_factor = finance.price_factor(carer_costs.price_year, price_year, 0.0)
    recruitment_default = carer_costs.recruitment_assessment_per_household * carer_factor
    supervision_per_year = (
        carer_costs.supervising_social_worker_per_household_per_year * carer_factor
    )
    lead_months = int(round(days_enquiry_to_approval / (365.25 / 12)))
    first_month = min(lead_months, n_months - 1)

    # --- monthly needs (per path), then one trajectory aggregated to quarters ----------------
    fostering_need, residential_need = split_needs(demand)
    external = np.maximum(
        residential_need - residential_in_house(residential_need, beds, residential_bands, demand),
        0.0,
    )
    step_downs = step_down_children(external, months, targets, first_month)
    capacity_paths = np.broadcast_to(capacity, fostering_need.shape)
    kept = np.minimum(fostering_need, capacity_paths)
    other = other_fostering(demand)
    ceiling = ifa_share_ceiling(
        (fostering_need - kept).sum(axis=-1),
        (fostering_need + step_downs).sum(axis=-1) + other,
        months,
        targets,
        first_month,
    )

    def reduce_paths(values: np.ndarray) -> np.ndarray:
        if quantile is None or values.shape[0] == 1:
            return values.mean(axis=0)
        return np.quantile(values, quantile, axis=0)

    quarter_starts = financial_quarter_start(months)
    unique_starts, quarter_of_month = np.unique(quarter_starts.to_numpy(), return_inverse=True)
    starts = pd.DatetimeIndex(unique_starts)
    n_q, n_b = len(starts), len(AGE_BANDS)
    counts = np.bincount(quarter_of_month, minlength=n_q).astype(float)

    def quarterly(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_q, *values.shape[1:]))
        np.add.at(out, quarter_of_month, values)
        return out / counts.reshape(-1, *([1] * (values.ndim - 1)))

    need = quarterly(reduce_paths(fostering_need))
    sd = quarterly(reduce_paths(step_downs))
    cap = quarterly(reduce_paths(capacity_paths))
    kept_q = np.minimum(need, cap)
    external_q = quarterly(reduce_paths(external)).sum(axis=-1)
    other_q = quarterly(reduce_paths(other))
    last_month_of_quarter = np.array(
        [np.flatnonzero(quarter_of_month == q)[-1] for q in range(n_q)]
    )
    share_ceiling = np.min(ceiling, axis=0)[last_month_of_quarter]
    # weeks each quarter covers within the horizon (months x 365.25/12/7)
    weeks = counts * (365.25 / 12 / 7)
    first_quarter = int(quarter_of_month[first_month]) if lead_months < n_months else n_q
    lead_quarters = int(round(lead_months / 3))

    assessment = _per_quarter(assessment_capacity_per_quarter, n_q, "Assessment capacity")
    fy_of_quarter = [financial_year_label(s) for s in starts]
    budgets = _budgets(budget_per_financial_year, fy_of_quarter)

    # --- the model ------------------------------------------------------------------------
    model = pulp.LpProblem("recruitment_plan", pulp.LpMinimize)

    def new_variable(name, low=None, high=None, cat=pulp.LpContinuous):
        # PuLP 3.3 attaches variables to the model; older PuLP creates them free-standing
        if hasattr(model, "add_variable"):
            return model.add_variable(name, low, high, cat)
        return pulp.LpVariable(name, low, high, cat)

    category = pulp.LpInteger if integer else pulp.LpContinuous
    approve = {}
    floor = None
    if minimum_approvals is not None:
        floor = np.asarray(minimum_approvals, dtype="float64")
        if floor.shape != (n_q, len(specialisms)) or np.any(floor < 0):
            raise SufficiencyError(
                f"minimum_approvals must be ({n_q} quarters, {len(specialisms)} specialisms), "
                "zero or more."
            )
    for si, spec in enumerate(specialisms):
        upper = spec.max_approvals_per_quarter
        for q in range(n_q):
            low = 0.0 if floor is None else float(floor[q, si])
            allowed = 0 if q < first_quarter and low == 0 else upper
            if allowed is not None:
                allowed = max(allowed, low)
            approve[si, q] = new_variable(f"approve_{si}_{q}", low, allowed, category)
    in_post = {}
    for si, spec in enumerate(specialisms):
        survival = (1.0 - spec.annual_leaving_rate) ** 0.25
        for q in range(n_q):
            in_post[si, q] = pulp.lpSum(
                approve[si, p] * survival ** (q - p) for p in range(first_quarter, q + 1)
            )
    places = {
        (si, q, b): new_variable(f"places_{si}_{q}_{b}", 0)
        for si, spec in enumerate(specialisms)
        for q in range(n_q)
        for b in range(n_b)
        if AGE_BANDS[b] in spec.age_bands
    }
    in_house = {
        # existing in-house placements are kept: children are not moved out to cut costs
        (q, b): new_variable(f"in_house_{q}_{b}", float(kept_q[q, b]), float(need[q, b] + sd[q, b]))
        for q in range(n_q)
        for b in range(n_b)
    }
    enquiries = {
        (ci, q): new_variable(
            f"enquiries_{ci}_{q}",
            0,
            channel.max_enquiries_per_quarter if q + lead_quarters < n_q else 0,
        )
        for ci, channel in enumerate(channels)
        for q in range(n_q)
    }
    step_down_slack = {
        (q, b): new_variable(f"step_down_short_{q}_{b}", 0)
        for q in range(n_q)
        for b in range(n_b)
        if sd[q, b] > 1e-9
    }
    share_slack = {
        q: new_variable(f"ifa_share_short_{q}", 0)
        for q in range(n_q)
        if np.isfinite(share_ceiling[q])
    }

    for si, spec in enumerate(specialisms):
        for q in range(n_q):
            model += (
                pulp.lpSum(places[si, q, b] for b in range(n_b) if (si, q, b) in places)
                <= spec.usable_places_per_household * in_post[si, q],
                f"places_{si}_{q}",
            )
    for q in range(n_q):
        total_need = float(need[q].sum() + sd[q].sum())
        for b in range(n_b):
            new_places = pulp.lpSum(
                places[si, q, b] for si in range(len(specialisms)) if (si, q, b) in places
            )
            model += in_house[q, b] <= float(cap[q, b]) + new_places, f"capacity_{q}_{b}"
            if (q, b) in step_down_slack:
                model += (
                    in_house[q, b] + step_down_slack[q, b] >= float(kept_q[q, b] + sd[q, b]),
                    f"step_downs_{q}_{b}",
                )
        if q in share_slack:
            ifa = total_need - pulp.lpSum(in_house[q, b] for b in range(n_b))
            model += (
                ifa - share_slack[q] <= float(share_ceiling[q]) * (total_need + other_q[q]),
                f"ifa_share_{q}",
            )
        approvals_q = pulp.lpSum(approve[si, q] for si in range(len(specialisms)))
        if np.isfinite(assessment[q]):
            model += approvals_q <= float(assessment[q]), f"assessment_{q}"
        if channels and q >= first_quarter:
            source_q = q - lead_quarters
            supply = pulp.lpSum(
                channel.enquiry_to_approval * enquiries[ci, source_q]
                for ci, channel in enumerate(channels)
                if source_q >= 0
            )
            model += approvals_q <= supply, f"funnel_{q}"

    changes = {}
    for si in range(len(specialisms)):
        for q in range(first_quarter + 1, n_q):
            change = new_variable(f"change_{si}_{q}", 0)
            model += change >= approve[si, q] - approve[si, q - 1], f"rise_{si}_{q}"
            model += change >= approve[si, q - 1] - approve[si, q], f"fall_{si}_{q}"
            changes[si, q] = change

    recruitment_cost = {
        si: spec.recruitment_cost_per_household
        if spec.recruitment_cost_per_household is not None
        else recruitment_default
        for si, spec in enumerate(specialisms)
    }
    spend_q = {
        q: pulp.lpSum(recruitment_cost[si] * approve[si, q] for si in range(len(specialisms)))
        + pulp.lpSum(
            channel.cost_per_enquiry * enquiries[ci, q] for ci, channel in enumerate(channels)
        )
        for q in range(n_q)
    }
    for year, limit in budgets.items():
        quarters_in_year = [q for q in range(n_q) if fy_of_quarter[q] == year]
        model += pulp.lpSum(spend_q[q] for q in quarters_in_year) <= limit, f"budget_{year}"

    saving_per_child_week = weekly[IFA_FOSTERING] - weekly[IN_HOUSE_FOSTERING]
    supervision_per_week = supervision_per_year / finance.WEEKS_PER_YEAR
    model += (
        pulp.lpSum(
            -saving_per_child_week * weeks[q] * in_house[q, b]
            for q in range(n_q)
            for b in range(n_b)
        )
        + pulp.lpSum(spend_q.values())
        + pulp.lpSum(
            supervision_per_week * weeks[q] * in_post[si, q]
            for si in range(len(specialisms))
            for q in range(n_q)
        )
        + steadiness_cost * pulp.lpSum(changes.values())
        + _SLACK_PENALTY * (pulp.lpSum(step_down_slack.values()) + pulp.lpSum(share_slack.values()))
    )

    with warnings.catch_warnings():
        # PuLP 3.3 flags its bundled CBC as deprecated in favour of PuLP 4; it is what is installed
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_seconds, gapRel=relative_gap)
    try:
        model.solve(solver)
    except pulp.PulpSolverError as error:
        raise SufficiencyError(
            f"The optimiser could not run ({error}). Try integer=False or a shorter horizon."
        ) from None
    status = pulp.LpStatus[model.status]
    if status not in ("Optimal",) and model.sol_status not in (
        pulp.LpSolutionIntegerFeasible,
        pulp.LpSolutionOptimal,
    ):
        raise SufficiencyError(
            f"The optimiser found no plan (solver status: {status}). Check that costs, capacities "
            "and budgets are positive numbers."
        )
    timed_out = model.sol_status == pulp.LpSolutionIntegerFeasible

    def value(expression: object) -> float:
        return float(pulp.value(expression) or 0.0)

    x = np.array([[value(in_house[q, b]) for b in range(n_b)] for q in range(n_q)])
    ifa_children = need + sd - x
    # --- frames ---------------------------------------------------------------------------
    labels = [financial_quarter_label(s) for s in starts]
    household_rows = []
    for si, spec in enumerate(specialisms):
        for q in range(n_q):
            households_now = value(in_post[si, q])
            household_rows.append(
                {
                    "quarter": labels[q],
                    "quarter_start": starts[q],
                    "specialism": spec.name,
                    "approvals": value(approve[si, q]),
                    "households_in_post": households_now,
                    "usable_places": households_now * spec.usable_places_per_household,
                }
            )
    households = pd.DataFrame(household_rows)
    marketing = pd.DataFrame(
        [
            {
                "quarter": labels[q],
                "quarter_start": starts[q],
                "channel": channel.name,
                "enquiries": value(enquiries[ci, q]),
                "spend": value(enquiries[ci, q]) * channel.cost_per_enquiry,
            }
            for ci, channel in enumerate(channels)
            for q in range(n_q)
        ],
        columns=["quarter", "quarter_start", "channel", "enquiries", "spend"],
    )
    total_fostering = (need + sd).sum(axis=1) + other_q
    baseline_ifa = (need - kept_q).sum(axis=1)
    placements = pd.DataFrame(
        {
            "quarter": labels,
            "quarter_start": starts,
            "in_house_fostering": x.sum(axis=1),
            "ifa_fostering": ifa_children.sum(axis=1),
            "ifa_share": _share(ifa_children.sum(axis=1), total_fostering),
            "baseline_ifa_share": _share(baseline_ifa, need.sum(axis=1) + other_q),
            "target_ifa_share": np.where(np.isfinite(share_ceiling), share_ceiling, np.nan),
            "external_residential": external_q - sd.sum(axis=1),
            "step_downs": sd.sum(axis=1),
        }
    )

    placement_cost = float(
        np.sum(
            weeks
            * (
                weekly[IN_HOUSE_FOSTERING] * x.sum(axis=1)
                + weekly[IFA_FOSTERING] * ifa_children.sum(axis=1)
                + weekly[EXTERNAL_RESIDENTIAL] * (external_q - sd.sum(axis=1))
            )
        )
    )
    baseline = float(
        np.sum(
            weeks
            * (
                weekly[IN_HOUSE_FOSTERING] * kept_q.sum(axis=1)
                + weekly[IFA_FOSTERING] * baseline_ifa
                + weekly[EXTERNAL_RESIDENTIAL] * external_q
            )
        )
    )
    recruitment = sum(
        recruitment_cost[si] * value(approve[si, q])
        for si in range(len(specialisms))
        for q in range(n_q)
    )
    marketing_spend = float(marketing["spend"].sum()) if len(marketing) else 0.0
    supervision = float(
        sum(
            supervision_per_week * weeks[q] * value(in_post[si, q])
            for si in range(len(specialisms))
            for q in range(n_q)
        )
    )
    total = placement_cost + recruitment + marketing_spend + supervision
    costs = {
        "placements": placement_cost,
        "recruitment": recruitment,
        "marketing": marketing_spend,
        "supervision": supervision,
        "total": total,
        "baseline": baseline,
        "saving": baseline - total,
    }

    shortfalls = _shortfalls(
        labels, share_slack, step_down_slack, value, placements, share_ceiling, n_b
    )
    feasible = shortfalls.empty
    notes = _binding_notes(
        households,
        assessment,
        budgets,
        fy_of_quarter,
        spend_q,
        value,
        max(recruitment_cost.values()),
    )
    notes.append(
        f"Recruitment and assessment costed at £{recruitment_default:,.0f} per household and "
        f"supervising social work at £{supervision_per_year:,.0f} per household a year "
        f"({finance.ASSUMPTION})."
    )
    per_quarter_total = households.groupby("quarter_start", sort=True)["approvals"].sum()
    if per_quarter_total.sum() > 0.5 and per_quarter_total.iloc[-4:].sum() < 0.5:
        notes.append(
            f"Savings are counted only up to {labels[-1]}, so recruitment stops once a new "
            "household could no longer repay its recruitment and support costs by then; a longer "
            "horizon would keep recruiting."
        )
    if first_quarter >= n_q:
        notes.append(
            f"No new household can be approved within the plan (to {labels[-1]}): enquiry to "
            f"approval takes about {lead_months} months. Lengthen the horizon."
        )
    elif first_quarter > 0:
        notes.append(
            f"No new household can be approved before {labels[first_quarter]}: "
            f"enquiry to approval takes about {lead_months} months."
        )
    message = _message(feasible, timed_out, shortfalls, targets, months, assessment, budgets)
    return RecruitmentPlan(
        feasible=feasible,
        status="time limit" if timed_out else ("optimal" if feasible else "targets not met"),
        households=households,
        marketing=marketing,
        placements=placements,
        costs=costs,
        shortfalls=shortfalls,
        message=message,
        weekly_costs=weekly,
        price_year=price_year,
        notes=tuple(notes),
    )


def _and(parts: list[str]) -> str:
    """``"a, b and c"``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(whole, dtype=float), where=whole > 0)


def _budgets(budget: float | Mapping[str, float] | None, years: list[str]) -> dict[str, float]:
    if budget is None:
        return {}
    if isinstance(budget, Mapping):
        unknown = set(budget) - set(years)
        if unknown:
            raise SufficiencyError(
                f"Budget given for financial year(s) {', '.join(sorted(unknown))} outside the plan "
                f"({years[0]} to {years[-1]}); label years like '2025-26'."
            )
        result = {year: float(value) for year, value in budget.items()}
    else:
        result = dict.fromkeys(dict.fromkeys(years), float(budget))
    if any(value < 0 or math.isnan(value) for value in result.values()):
        raise SufficiencyError("Budgets must be zero or more pounds.")
    return result


def _shortfalls(labels, share_slack, step_down_slack, value, placements, ceiling, n_b):
    rows = []
    for q, variable in share_slack.items():
        short = value(variable)
        if short > _SHORT_TOLERANCE:
            rows.append(
                {
                    "quarter": labels[q],
                    "target": f"IFA share at or below {ceiling[q]:.0%}",
                    "places_short": short,
                    "best_ifa_share": float(placements.loc[q, "ifa_share"]),
                }
            )
    by_quarter: dict[int, float] = {}
    for (q, _b), variable in step_down_slack.items():
        by_quarter[q] = by_quarter.get(q, 0.0) + value(variable)
    for q, short in sorted(by_quarter.items()):
        if short > _SHORT_TOLERANCE:
            rows.append(
                {
                    "quarter": labels[q],
                    "target": "step-downs into in-house fostering",
                    "places_short": short,
                    "best_ifa_share": float(placements.loc[q, "ifa_share"]),
                }
            )
    return pd.DataFrame(rows, columns=["quarter", "target", "places_short", "best_ifa_share"])


def _binding_notes(
    households, assessment, budgets, fy_of_quarter, spend_q, value, household_cost
) -> list[str]:
    notes = []
    per_quarter = households.groupby("quarter_start", sort=True)["approvals"].sum().to_numpy()
    at_limit = np.isfinite(assessment) & (per_quarter >= assessment - 1e-6) & (per_quarter > 0)
    if at_limit.any():
        notes.append(
            f"The assessment team is at full capacity ({assessment[at_limit].max():g} approvals a "
            f"quarter) in {int(at_limit.sum())} quarter(s): more assessment capacity would let the "
            "plan recruit sooner."
        )
    spent_years = []
    for year, limit in budgets.items():
        spent = sum(value(spend_q[q]) for q, fy in enumerate(fy_of_quarter) if fy == year)
        # within one household's cost of the limit: whole households cannot use the last pounds
        if limit > 0 and spent >= limit - household_cost:
            spent_years.append(year)
    if spent_years:
        notes.append(f"The recruitment budget is fully used in {', '.join(spent_years)}.")
    return notes


def _message(feasible, timed_out, shortfalls, targets, months, assessment, budgets) -> str:
    if feasible:
        text = "All targets are met." if targets.describe() else "No targets were set."
        if timed_out:
            text += " The solver hit its time limit: this is the best plan found, maybe not the cheapest."
        return text
    worst = shortfalls.sort_values("places_short", ascending=False).iloc[0]
    limits = []
    finite = assessment[np.isfinite(assessment)]
    if finite.size:
        limits.append(f"at most {finite.max():g} approvals a quarter")
    if budgets:
        limits.append("the recruitment budget")
    limits.append("the time it takes to approve new carers")
    return (
        f"The targets cannot all be met ({'; '.join(targets.describe(months))}). "
        f"With {_and(limits)}, the plan falls short in {shortfalls['quarter'].nunique()} "
        f"quarter(s): worst in {worst['quarter']}, {worst['places_short']:.1f} in-house places "
        f"short of '{worst['target']}' (best IFA share then {worst['best_ifa_share']:.0%}). "
        "Move the target date later, relax the target, or raise assessment capacity or budget. "
        "The plan below gets as close as it can."
    )


CHANNEL_WINDOW_YEARS = 3
"""Years of enquiry and spend records (to the extract date) that cost per enquiry is measured on."""

DEFAULT_CHANNEL_REACH = 1.5
"""Most enquiries a channel can bring a quarter, as a multiple of its observed rate (assumption)."""


def channels_from_funnel(
    funnel: Any,
    *,
    years: float = CHANNEL_WINDOW_YEARS,
    reach: float = DEFAULT_CHANNEL_REACH,
    source: str = "your enquiry and campaign spend records",
) -> list[Channel]:
    """Paid marketing channels measured on the last ``years`` of funnel records.

    Parameters
    ----------
    funnel : sufficiency.supply.records.FunnelRecords
        Validated enquiries and campaign spend.
    years : float
        Window ending at the records' extract date.
    reach : float
        Most enquiries a channel can bring a quarter, as a multiple of its observed rate.
    source : str
        Where the records come from, shown with the plan.

    Returns
    -------
    list of Channel
        Channels with spend and at least three approvals in the window (none without spend).
    """
    from sufficiency.supply.funnel import cost_per_outcome

    if funnel.spend is None or len(funnel.spend) == 0:
        return []
    end = pd.Timestamp(funnel.extract_date)
    first = pd.Timestamp(funnel.enquiries["enquiry_date"].min())
    start = max(end - pd.DateOffset(years=years) + pd.Timedelta(days=1), first)
    quarters = max((end - start).days + 1, 1) / (365.25 / 4)
    table = cost_per_outcome(funnel.enquiries, funnel.spend, start=start, end=end)
    window = f"{start:%b %Y} to {end:%b %Y}"
    return channels_from_cost_per_outcome(
        table, quarters, reach=reach, source=f"{source}, enquiries {window}"
    )
