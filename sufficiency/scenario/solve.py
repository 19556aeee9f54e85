"""Targets solved into a scenario: the step-downs and approvals a target needs, applied.

For an external residential cap, the step-downs a year that bring external residential down to
the cap by its date are found on the fast run's representative paths (bisection; step-downs are
delivered as a count).
For an IFA share target (either definition), the in-house places it needs come from the
scenario's own allocation, and :mod:`sufficiency.plan.targets` turns them into whole approvals
by carer type per quarter within the authority's recruitment limits. The approvals are then
added to the scenario, so every chart and cost shows the plan that meets the target, or the
best plan the limits allow, with the best level reachable and the earliest date it could be met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.plan.targets import (
    PLANNING_CARER_TYPES,
    SHARE_BASES,
    RecruitmentLimits,
    Schedule,
    TargetCheck,
    first_month_held,
    ifa_share_places_needed,
    places_by_carer_type,
    quarterly_table,
    schedule,
    share_reachable,
)
from sufficiency.scenario.supply import recruitment_limits, resolve
from sufficiency.scenario.value import Scenario, _month

_TYPE_WORDS = {"mainstream": "mainstream", "teenagers": "teenager"}

STEP_DOWN_SEARCH_MAX = 200.0
"""Most step-downs a year the external residential solver tries (the lever's upper bound)."""

STEP_DOWN_CHECKS = 6
"""Most whole step-downs a year added after checking the fast run's answer on the page's paths."""

MET_TOLERANCE = 0.05
"""A level within this of the target counts as meeting it (as :attr:`TargetCheck.met`)."""


@dataclass(frozen=True, eq=False)
class TargetPlan:
    """What the scenario's targets need, and whether the limits allow it.

    Attributes
    ----------
    step_downs_per_year : float
        Step-downs a year added for the external residential cap (0 without one).
    approvals : numpy.ndarray
        Whole households approved ``(months, 2)`` (mainstream, teenagers), on top of the
        scenario's own recruitment.
    schedule : Schedule or None
    limits : RecruitmentLimits
    checks : list of TargetCheck
    quarterly : DataFrame
        By financial quarter: approvals by carer type, enquiries needed, households in post and
        needed.
    enquiries : numpy.ndarray
        Enquiries needed a month (lead time before each approval).
    text : str
        The plan in plain words (its :attr:`points` as one paragraph).
    points : tuple of str
        The plan in short points ("Approve: ...", "When: ...", "Enquiries: ...", ...), shown as
        bullets on the pages.
    without_plan_mean : numpy.ndarray or None
        Children ``(months, bands, categories)``, the mean of the simulated futures, for the
        scenario without the plan (its own levers; no step-downs or approvals the targets add):
        the placements behind the headline's "without a plan" (for the downloads).
    without_plan_shares : tuple of numpy.ndarray or None
        By month, the same projection's IFA share of foster placements and of foster placements
        leaving out family and friends carers (0-1, each future's own share, averaged).
    """

    step_downs_per_year: float
    approvals: np.ndarray
    schedule: Schedule | None
    limits: RecruitmentLimits
    checks: list[TargetCheck]
    quarterly: pd.DataFrame
    enquiries: np.ndarray
    text: str
    points: tuple[str, ...] = ()
    without_plan_mean: np.ndarray | None = None
    without_plan_shares: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def feasible(self) -> bool:
        return all(check.feasible for check in self.checks)

    @property
    def active_quarters(self) -> int:
        if self.quarterly.empty:
            return 0
        columns = [c for c in self.quarterly.columns if c.startswith("approvals_")]
        return int((self.quarterly[columns].sum(axis=1) > 0).sum())

    @property
    def per_quarter(self) -> float:
        """Households approved a quarter, on average over the quarters with approvals."""
        quarters = self.active_quarters
        return float(self.approvals.sum() / quarters) if quarters else 0.0

    @property
    def enquiries_per_quarter(self) -> float:
        """Extra enquiries a quarter, on average over the quarters that need them."""
        if self.quarterly.empty:
            return 0.0
        active = self.quarterly["enquiries_needed"] > 0.5
        return float(self.quarterly.loc[active, "enquiries_needed"].mean()) if active.any() else 0.0

    @property
    def peak_per_quarter(self) -> float:
        """Extra households approved in the busiest quarter."""
        return float(self.timing().peak)

    def timing(self):
        """When the approvals fall (:class:`sufficiency.plan.timing.ApprovalTiming`), split at
        the latest target date."""
        from sufficiency.plan.timing import approval_timing

        dates = [check.date for check in self.checks]
        return approval_timing(self.quarterly, max(dates) if dates else None)

    def by_carer_type(self) -> dict[str, int]:
        return {
            name: int(round(self.approvals[:, i].sum()))
            for i, name in enumerate(PLANNING_CARER_TYPES)
        }


def share_parts(allocation, basis: str) -> tuple[np.ndarray, np.ndarray]:
    """(IFA placements by band ``(paths, months, bands)``, the share's denominator ``(paths,
    months)``) for ``basis`` ('foster placements' or 'non-kinship fostering')."""
    index = codes.PLACEMENT_CATEGORIES.index
    demand = allocation.demand
    denominator = (
        allocation.ifa_fostering.sum(axis=-1)
        + allocation.in_house_fostering.sum(axis=-1)
        + demand[..., index(codes.OTHER_LA_FOSTERING)].sum(axis=-1)
    )
    if basis == "foster placements":
        denominator = denominator + demand[..., index(codes.KINSHIP_FOSTERING)].sum(axis=-1)
    return allocation.ifa_fostering, denominator


def start_share(grid: np.ndarray, basis: str) -> float:
    """IFA share (%) at the forecast start from the 903 start stock."""
    index = codes.PLACEMENT_CATEGORIES.index
    ifa = grid[:, index(codes.IFA_FOSTERING)].sum()
    categories = (
        codes.FOSTERING_CATEGORIES
        if basis == "foster placements"
        else codes.NON_KINSHIP_FOSTERING_CATEGORIES
    )
    total = sum(grid[:, index(c)].sum() for c in categories)
    return float(100 * ifa / total) if total > 0 else 0.0


def _month_index(months: pd.DatetimeIndex, text: str) -> tuple[int, str]:
    when = _month(text)
    position = int(months.searchsorted(when))
    if position >= len(months):
        return len(months) - 1, (
            f"The target date ({when:%B %Y}) is after the projection ends, so the target is "
            f"checked at its last month, {months[-1]:%B %Y} (a longer horizon, where possible, "
            "checks it at its own date)."
        )
    return position, ""


def _external(projection) -> np.ndarray:
    return projection.allocation.external_residential.sum(axis=-1).mean(axis=0)


def _solve_step_downs(scenario: Scenario, models, random_state) -> tuple[float, TargetCheck]:
    """Step-downs a year that bring external residential to the cap by its date (fast run)."""
    from sufficiency.scenario.engine import project

    months = pd.date_range(models.origin, periods=scenario.horizon_months + 1, freq="ME")[1:]
    at, note = _month_index(months, scenario.external_residential_target_date)
    cap = float(scenario.external_residential_target)
    mean_path = scenario.replace(
        n_simulations=0, ifa_share_target_pct=None, ifa_share_target_date=None
    )
    own = scenario.step_downs_per_year

    def external(extra: float) -> np.ndarray:
        return _external(project(mean_path, models, random_state, step_downs_per_year=own + extra))

    without = external(0.0)
    best = external(STEP_DOWN_SEARCH_MAX - own)
    grid = models.start_grid
    now = float(grid[:, codes.PLACEMENT_CATEGORIES.index(codes.EXTERNAL_RESIDENTIAL)].sum())
    reachable = np.flatnonzero(best[at:] <= cap + 1e-9)
    held = first_month_held(best, cap)
    earliest = None if held is None else months[held]
    if without[at] <= cap:
        extra = 0.0
    elif best[at] > cap:
        extra = STEP_DOWN_SEARCH_MAX - own
    else:
        # the fewest whole step-downs a year that reach the cap: bisection over whole numbers
        # (about 8 projections, not 18 to a fraction that is rounded up anyway)
        low, high = 0, math.ceil(STEP_DOWN_SEARCH_MAX - own)
        while high - low > 1:
            middle = (low + high) // 2
            if external(float(middle))[at] <= cap:
                high = middle
            else:
                low = middle
        extra = float(high)
    check = TargetCheck(
        target="children in external residential care",
        date=months[at],
        target_value=cap,
        unit="children",
        now=now,
        without_plan=float(without[at]),
        projected=float("nan"),
        feasible=bool(len(reachable)) and best[at] <= cap + 1e-9,
        best_achievable=float(best[at]),
        earliest_month=earliest,
        note=note,
        forecast_end=months[-1],
    )
    return float(extra), check


def solve_targets(scenario: Scenario, models, random_state) -> tuple[TargetPlan, object]:
    """Solve the scenario's targets into step-downs and approvals and project the result.

    Returns
    -------
    tuple of (TargetPlan, Projection)
        The plan and the scenario projected with it (or, with ``solve_targets`` off, without it).
    """
    from sufficiency.scenario.engine import project

    figures = models.figures
    resolved = resolve(scenario, figures)
    limits = recruitment_limits(scenario, figures, resolved)
    months = pd.date_range(models.origin, periods=scenario.horizon_months + 1, freq="ME")[1:]
    checks: list[TargetCheck] = []
    extra_step_downs = 0.0
    ext_check = None
    if scenario.external_residential_target is not None:
        extra_step_downs, ext_check = _solve_step_downs(scenario, models, random_state)
        if not scenario.solve_targets:
            extra_step_downs = 0.0
    step_downs = scenario.step_downs_per_year + extra_step_downs
    before = project(scenario, models, random_state, step_downs_per_year=step_downs)
    if extra_step_downs > 0 and ext_check is not None:
        # the search ran on the fast run; check on the scenario's own paths and add whole
        # step-downs a year while the cap is missed there (the same paths as every page)
        at = months.searchsorted(ext_check.date)
        for _ in range(STEP_DOWN_CHECKS):
            if _external(before)[at] <= ext_check.target_value + MET_TOLERANCE:
                break
            if step_downs + 1 > STEP_DOWN_SEARCH_MAX:
                break
            extra_step_downs += 1.0
            step_downs += 1.0
            before = project(scenario, models, random_state, step_downs_per_year=step_downs)
    n_months = len(months)
    places = np.zeros((n_months, len(codes.AGE_BANDS)))
    share_at = share_note = None
    if scenario.ifa_share_target_pct is not None:
        share_at, share_note = _month_index(months, scenario.ifa_share_target_date)
        ifa, denominator = share_parts(before.allocation, scenario.ifa_share_target_basis)
        places = ifa_share_places_needed(
            ifa, denominator, scenario.ifa_share_target_pct / 100, share_at
        )
    # the scenario without the plan: before the plan's approvals and its step-downs
    no_plan = before
    if extra_step_downs > 0:
        # stepped-down children need in-house places, else they land with IFAs
        own = project(scenario, models, random_state)
        no_plan = own
        moved = np.maximum(
            before.allocation.ifa_fostering.mean(axis=0)
            - own.allocation.ifa_fostering.mean(axis=0),
            0.0,
        )
        places = np.maximum(places, moved)
    by_type = places_by_carer_type(places)
    needed = by_type / limits.usable_places_per_household
    plan_schedule = schedule(needed, months, limits)
    approvals = plan_schedule.approvals if scenario.solve_targets else np.zeros_like(needed)
    after = project(
        scenario,
        models,
        random_state,
        step_downs_per_year=step_downs,
        solved_approvals=approvals,
    )
    # enquiries the solved approvals need: what the engine buys (and prices) for them, from the
    # channels with the cheapest approvals, lead months before each approval; counted once
    enquiries = np.maximum(after.enquiries - before.enquiries, 0.0)
    if ext_check is not None:
        at = months.searchsorted(ext_check.date)
        ext_check = TargetCheck(
            **{
                **ext_check.__dict__,
                "projected": float(_external(after)[at]),
                "best_achievable": min(ext_check.best_achievable, float(_external(after)[at])),
            }
        )
        checks.append(ext_check)
    if scenario.ifa_share_target_pct is not None:
        basis = scenario.ifa_share_target_basis
        ifa0, denominator = share_parts(before.allocation, basis)
        ifa1, denominator1 = share_parts(after.allocation, basis)
        # each future's own share, averaged: the measure every page, chart and export shows
        # (the share of the average placements can be two points higher on the demo)
        share0 = (ifa0.sum(axis=-1) / np.maximum(denominator, 1e-9)).mean(axis=0)
        share1 = (ifa1.sum(axis=-1) / np.maximum(denominator1, 1e-9)).mean(axis=0)
        planned_places = plan_schedule.in_post.sum(axis=1) * limits.usable_places_per_household
        # each future's share with the most places the limits allow, averaged: the same
        # measure as the check below and the headline
        reachable = share_reachable(
            ifa0.sum(axis=-1),
            denominator,
            months,
            limits,
            already=planned_places if scenario.solve_targets else None,
        )
        short_after = plan_schedule.short[share_at:] > 0
        target = scenario.ifa_share_target_pct
        met_from = first_month_held(reachable * 100, target)
        checks.append(
            TargetCheck(
                target=SHARE_BASES[basis],
                date=months[share_at],
                target_value=target,
                unit="%",
                now=start_share(models.start_grid, basis),
                without_plan=float(share0[share_at] * 100),
                projected=float(share1[share_at] * 100),
                # met (the mean share at or under the target from its date) or no household
                # short: the per-path shortfall plans for the paths above the target as well,
                # so a plan the limits cap can still meet the target on the mean
                feasible=not bool(short_after.any())
                or bool((share1[share_at:] * 100 <= target + 0.05).all()),
                best_achievable=float(min(reachable[share_at], share1[share_at]) * 100),
                earliest_month=None if met_from is None else months[met_from],
                note=share_note or "",
                forecast_end=months[-1],
            )
        )
    quarterly = quarterly_table(plan_schedule, months, enquiries)
    plan = TargetPlan(
        step_downs_per_year=extra_step_downs,
        approvals=approvals,
        schedule=plan_schedule,
        limits=limits,
        checks=checks,
        quarterly=quarterly,
        enquiries=enquiries,
        text="",
        # means only (a few thousand figures), not the paths: results are kept in a cache
        without_plan_mean=no_plan.placements.mean(axis=0),
        without_plan_shares=no_plan.mean_shares[:2],
    )
    points = tuple(describe(plan, scenario, figures, resolved))
    plan = TargetPlan(**{**plan.__dict__, "text": " ".join(points), "points": points})
    return plan, after


def describe(plan: TargetPlan, scenario: Scenario, figures, resolved) -> list[str]:
    """The plan in short points: households by type, when, enquiries, each target, the limit."""
    lines = []
    approvals = int(round(plan.approvals.sum()))
    by_type = plan.by_carer_type()
    now = float(figures.approvals_per_quarter.value)
    enquiries_now = float(figures.enquiries_per_quarter.value)
    if plan.step_downs_per_year:
        lines.append(
            f"Step-downs: about {plan.step_downs_per_year:,.0f} more a year from external "
            "residential care, for the external residential cap."
        )
    if approvals:
        quarters = plan.quarterly.loc[
            plan.quarterly[[c for c in plan.quarterly if c.startswith("approvals_")]].sum(axis=1)
            > 0,
            "quarter",
        ]
        kinds = ", ".join(
            f"{count} {'for teenagers' if name == 'teenagers' else _TYPE_WORDS[name]}"
            for name, count in by_type.items()
            if count
        )
        timing = plan.timing()
        lines.append(
            f"Approve: {approvals} extra in-house households ({kinds}), on top of the "
            "households approved now, who keep being approved without a plan."
        )
        when = (
            f"When: {quarters.iloc[0]} to {quarters.iloc[-1]}, "
            + (f"{timing.peak} each quarter " if timing.even else f"up to {timing.peak} a quarter ")
            + f"(approved now: {now:.1f} a quarter, all approvals)"
        )
        if timing.after_target:
            when += (
                f"; {timing.by_target} by {timing.target_date:%B %Y}, the target date, the other "
                f"{timing.after_target} after it, {timing.after_purpose(plan.feasible)}"
            )
        lines.append(when + ".")
        # enquiries run a lead time ahead of the approvals: say when they start, and plainly
        # "now" when that is the forecast's first quarter (straight after the data end)
        start = (
            " from the forecast's first quarter: start now"
            if timing.enquiries_start_now
            else f" from {timing.first_enquiry_quarter}"
            if timing.first_enquiry_quarter
            else ""
        )
        lines.append(
            f"Enquiries: about {plan.enquiries_per_quarter:,.0f} more a quarter{start} "
            f"({enquiries_now:,.0f} a quarter received now), from the marketing channels with the "
            f"cheapest approvals (each at its own share approved; "
            f"{resolved.enquiry_to_approval:.1%} across all enquiries), "
            f"{resolved.days_enquiry_to_approval:,.0f} days from enquiry to approval."
        )
    elif plan.feasible:
        lines.append("No extra households are needed: the scenario already meets the target.")
    else:
        lines.append("No extra households can be approved within the limits below.")
    for check in plan.checks:
        level = f"{check.target_value:g}{'%' if check.unit == '%' else ' children'}"
        lines.append(
            f"Target: {check.target} at most {level} by {check.date:%B %Y} {check.verdict}."
        )
    if plan.checks and not plan.feasible:
        limits = plan.limits
        tightest = min(
            limits.assessment_room_per_quarter,
            limits.marketing_approvals_per_quarter,
            limits.budget_approvals_per_quarter,
        )
        # "at most 2 (room for 5.5, marketing brings 2.5)" read as a contradiction: say that
        # the plan approves whole households, so the tightest limit is rounded down
        whole = (
            f"whole households, so {tightest:.1f} rounded down; "
            if round(tightest, 1) != limits.per_quarter
            else ""
        )
        lines.append(
            f"What limits it: {limits.binding}, at most {limits.per_quarter:g} extra approvals "
            f"a quarter ({whole}the assessment team has room for "
            f"{limits.assessment_room_per_quarter:.1f}, marketing at full reach brings "
            f"{limits.marketing_approvals_per_quarter:.1f}"
            + (
                f", the budget pays for {limits.budget_approvals_per_quarter:.1f}"
                if math.isfinite(limits.budget_approvals_per_quarter)
                else ""
            )
            + f"), none before about {limits.first_month} months from now. The plan shown is the "
            "most that can be done."
        )
    return lines
