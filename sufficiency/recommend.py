"""The recommended recruitment plan for a scenario: the same answer as the scenario explorer.

:func:`recommend_plan` runs the scenario engine, which solves the scenario's targets into
approvals by carer type and quarter within the authority's recruitment limits (one feasibility
logic, :mod:`sufficiency.plan.targets`), and prices them like every other page (one price basis:
the scenario's unit costs, in-house fostering by its parts, cash and net present value). The plan
page's inputs (assessment capacity, recruitment budget, channel reach) are scenario levers, so the
explorer gives the same answer for the same inputs.

On top, it shows where to buy the enquiries (the marketing channels with the lowest cost per
approval first, each within its reach) and, optionally, asks the mixed-integer optimiser
(:func:`sufficiency.plan.optimiser.optimise_recruitment`, PuLP + CBC) whether recruiting beyond
the target would pay for itself within the horizon, within the same limits.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.authority import (
    ASSESSMENT_CAPACITY_SOURCE,
    DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
    DEFAULT_CHANNEL_REACH,
)
from sufficiency.errors import SufficiencyError
from sufficiency.periods import financial_quarter_labels, financial_quarter_start
from sufficiency.plan.carers_needed import Targets
from sufficiency.plan.optimiser import RecruitmentPlan, Specialism, optimise_recruitment
from sufficiency.plan.targets import PLANNING_CARER_TYPES, TEEN_BANDS
from sufficiency.progress import ProgressCallback

__all__ = [
    "ASSESSMENT_CAPACITY_SOURCE",
    "DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER",
    "DEFAULT_CHANNEL_REACH",
    "RecommendedPlan",
    "cost_table",
    "excel_bytes",
    "plan_markdown",
    "plan_scenario",
    "plan_tables",
    "recommend_plan",
    "targets_of",
]


def targets_of(scenario: Any) -> Targets:
    """The scenario's IFA share and external residential targets (for plain-words lists)."""
    return Targets(
        ifa_share_max=None
        if scenario.ifa_share_target_pct is None
        else scenario.ifa_share_target_pct / 100,
        ifa_share_by=scenario.ifa_share_target_date,
        external_residential_max=scenario.external_residential_target,
        external_residential_by=scenario.external_residential_target_date,
    )


def plan_scenario(
    scenario: Any,
    *,
    assessment_capacity_per_quarter: float | None = None,
    budget_per_financial_year: float | None = None,
    channel_reach: float | None = None,
) -> Any:
    """The scenario with the plan page's limits set as its levers (None keeps the scenario's)."""
    changes: dict[str, Any] = {}
    if assessment_capacity_per_quarter is not None:
        changes["assessment_capacity_per_quarter"] = float(assessment_capacity_per_quarter)
    if budget_per_financial_year is not None:
        changes["recruitment_budget_per_year"] = float(budget_per_financial_year)
    if channel_reach is not None:
        changes["channel_reach"] = float(channel_reach)
    return scenario.replace(**changes) if changes else scenario


@dataclass(frozen=True, eq=False)
class RecommendedPlan:
    """The plan for a scenario's targets: households, marketing, costs, feasibility.

    Attributes
    ----------
    result : sufficiency.scenario.ScenarioResult
        The scenario run with the target plan applied (the explorer's numbers).
    households : DataFrame
        quarter, quarter_start, specialism (carer type), approvals, households_in_post,
        usable_places.
    marketing : DataFrame
        quarter, quarter_start, channel, enquiries, spend (£, price base).
    beyond : RecruitmentPlan or None
        The optimiser's least-cost plan allowed to recruit beyond the target (when asked).
    notes : tuple of str
    """

    result: Any
    households: pd.DataFrame
    marketing: pd.DataFrame
    beyond: RecruitmentPlan | None = None
    notes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        plan = self.result.plan
        return True if plan is None else plan.feasible

    @property
    def approvals_total(self) -> int:
        return int(round(self.households["approvals"].sum()))

    @property
    def message(self) -> str:
        return self.result.carers_needed_text

    @property
    def price_year(self) -> int:
        return fin.financial_year_start(self.result.scenario.price_base_year)

    @property
    def costs(self) -> dict[str, float]:
        """£ over the horizon: cash (nominal) and net present value, as on every page."""
        s = self.result.summary
        return {
            "total": s["total_cost_gbp"],
            "saving": s["total_saving_vs_baseline_gbp"],
            "investment": s["total_investment_gbp"],
            "net": s["net_position_gbp"],
            "npv": s["npv_gbp"],
            "marketing": float(self.marketing["spend"].sum()) if len(self.marketing) else 0.0,
        }

    def approvals_by_quarter(self) -> pd.DataFrame:
        """Approvals as a quarter x carer type table (households)."""
        return self.households.pivot_table(
            index=["quarter_start", "quarter"],
            columns="specialism",
            values="approvals",
            aggfunc="sum",
            sort=True,
        ).reset_index()

    def explain(self) -> str:
        """The plan, its cost and its limits in plain words."""
        s = self.result.summary
        lines = [self.message]
        costs = self.costs
        lines.append(
            f"- Cost over the {self.result.scenario.horizon_months} months: "
            f"£{costs['total'] / 1e6:,.1f}m cash (placements and investment); against the "
            f"baseline it saves £{costs['saving'] / 1e6:,.1f}m in placements for "
            f"£{costs['investment'] / 1e6:,.1f}m of investment: net £{costs['net'] / 1e6:,.1f}m "
            f"in cash, £{costs['npv'] / 1e6:,.1f}m net present value at "
            f"{s['discount_rate_pct']:g}% a year"
            + (f", paying back by {s['payback_month']}." if s["payback_month"] else ".")
        )
        if costs["marketing"] > 0:
            by_channel = self.marketing.groupby("channel", sort=False)[["enquiries", "spend"]].sum()
            parts = [
                f"{channel} £{row.spend:,.0f} ({row.enquiries:,.0f} enquiries)"
                for channel, row in by_channel.iterrows()
                if row.spend > 0.5
            ]
            lines.append("- Marketing for the extra enquiries: " + ", ".join(parts) + ".")
        if self.beyond is not None:
            extra = int(round(self.beyond.households["approvals"].sum())) - self.approvals_total
            if extra > 0:
                lines.append(
                    f"- Beyond the target, {extra} more households would pay for themselves "
                    f"within the horizon (optimiser, same limits and prices)."
                )
            else:
                lines.append(
                    "- Recruiting beyond the target would not pay for itself within the horizon "
                    "(optimiser, same limits and prices)."
                )
        lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines)


def _households_table(result: Any, usable: float) -> pd.DataFrame:
    months = result.months
    plan = result.plan
    labels = financial_quarter_labels(months)
    starts = financial_quarter_start(months)
    rows = []
    approvals = (
        np.zeros((len(months), len(PLANNING_CARER_TYPES))) if plan is None else plan.approvals
    )
    in_post = (
        np.zeros_like(approvals) if plan is None or plan.schedule is None else plan.schedule.in_post
    )
    if plan is not None and not result.scenario.solve_targets:
        in_post = np.zeros_like(approvals)
    frame = pd.DataFrame({"quarter": labels, "quarter_start": starts})
    for i, name in enumerate(PLANNING_CARER_TYPES):
        part = frame.assign(
            specialism=name, approvals=approvals[:, i], households_in_post=in_post[:, i]
        )
        grouped = part.groupby(["quarter_start", "quarter", "specialism"], sort=True).agg(
            approvals=("approvals", "sum"), households_in_post=("households_in_post", "last")
        )
        rows.append(grouped.reset_index())
    table = pd.concat(rows, ignore_index=True)
    table["usable_places"] = table["households_in_post"] * usable
    return table[
        [
            "quarter",
            "quarter_start",
            "specialism",
            "approvals",
            "households_in_post",
            "usable_places",
        ]
    ]


def _marketing_table(result: Any, channels: list, improvement: float) -> pd.DataFrame:
    """Enquiries and £ by channel and quarter for the plan's approvals, cheapest channels first."""
    columns = ["quarter", "quarter_start", "channel", "enquiries", "spend"]
    plan = result.plan
    if plan is None or plan.approvals.sum() <= 0 or not channels:
        return pd.DataFrame(columns=columns)
    from sufficiency.scenario.supply import enquiries_for_approvals, marketing_bought, resolve

    months = result.months
    _, _, used = marketing_bought(
        result.scenario, channels, resolve(result.scenario, result.figures)
    )
    # the same purchase the engine prices (quarter by quarter, cheapest approvals first), so the
    # table's enquiries and £ are the budget's marketing line and the plan's enquiries
    frame = enquiries_for_approvals(
        plan.approvals.sum(axis=1),
        months,
        channels,
        plan.limits.lead_months,
        improvement=improvement,
        used=used,
        skip_before_lead=result.scenario.approvals_in_pipeline,
    )
    if frame.empty:
        return pd.DataFrame(columns=columns)
    at = pd.DatetimeIndex(frame["month"])
    frame = frame.assign(
        quarter=list(financial_quarter_labels(at)), quarter_start=list(financial_quarter_start(at))
    )
    return (
        frame.groupby(["quarter_start", "quarter", "channel"], sort=True)[["enquiries", "spend"]]
        .sum()
        .reset_index()[columns]
    )


def _beyond_target(
    result: Any, models: Any, scenario: Any, channels: list, random_state: int | None, **solver
) -> RecruitmentPlan | None:
    """The optimiser's least-cost plan with the target's approvals as a floor."""
    from sufficiency.scenario.engine import in_house_parts, project, unit_costs_for
    from sufficiency.scenario.supply import resolve

    plan = result.plan
    resolved = resolve(scenario, models.figures)
    limits = plan.limits if plan is not None else None
    base_year = fin.financial_year_start(scenario.price_base_year)
    step_downs = scenario.step_downs_per_year + (plan.step_downs_per_year if plan else 0.0)
    before = project(scenario, models, random_state, step_downs_per_year=step_downs)
    parts = in_house_parts(scenario, models)
    costs = unit_costs_for(scenario)
    weekly = {
        # one price basis: an extra child in a new household costs its allowance (the household's
        # fee and supervision are charged per household below), an IFA child the IFA price
        codes.IN_HOUSE_FOSTERING: parts.allowance_per_child,
        codes.IFA_FOSTERING: costs[codes.IFA_FOSTERING].at_prices(
            base_year, scenario.annual_inflation_pct
        ),
        codes.EXTERNAL_RESIDENTIAL: costs[codes.EXTERNAL_RESIDENTIAL].at_prices(
            base_year, scenario.annual_inflation_pct
        ),
    }
    carer_costs = fin.CarerCosts(
        recruitment_assessment_per_household=scenario.recruitment_cost_per_household,
        supervising_social_worker_per_household_per_year=parts.per_household * fin.WEEKS_PER_YEAR,
        price_year=base_year,
    )
    leaving = min(
        resolved.annual_leaving_rate * (1 + scenario.deregistration_change_pct / 100), 0.99
    )
    teen = tuple(TEEN_BANDS)
    specialisms = [
        Specialism("mainstream", codes.AGE_BANDS, resolved.usable_per_household, leaving),
        Specialism("teenagers", teen, resolved.usable_per_household, leaving),
    ]
    capacity = before.supply.capacity_by_band.copy()
    if before.supply.pools:
        mix = capacity[0] / max(capacity[0].sum(), 1e-9)
        pooled = np.sum(list(before.supply.pools.values()), axis=0)
        capacity = capacity + pooled[:, None] * mix[None, :]
    months = result.months
    starts = financial_quarter_start(months)
    unique, index = np.unique(starts.to_numpy(), return_inverse=True)
    floor = np.zeros((len(unique), len(specialisms)))
    if plan is not None:
        np.add.at(floor, index, plan.approvals)
    per_quarter = limits.per_quarter if limits is not None else math.inf
    capacity_q = np.maximum(np.full(len(unique), per_quarter), floor.sum(axis=1))
    try:
        return optimise_recruitment(
            before.demand,
            capacity,
            None,
            before.beds,
            months=months,
            specialisms=specialisms,
            channels=None,
            assessment_capacity_per_quarter=capacity_q,
            weekly_costs=weekly,
            carer_costs=carer_costs,
            price_year=base_year,
            days_enquiry_to_approval=resolved.days_enquiry_to_approval,
            minimum_approvals=floor,
            **solver,
        )
    except SufficiencyError:
        return None


def recommend_plan(
    scenario: Any = None,
    data: Any = None,
    models: Any = None,
    *,
    assessment_capacity_per_quarter: float | None = None,
    budget_per_financial_year: float | None = None,
    households: Any = None,
    funnel: Any = None,
    channel_reach: float | None = None,
    beyond_target: bool = False,
    integer: bool = True,
    random_state: int | None = 0,
    time_limit_seconds: float = 20.0,
    progress: ProgressCallback | None = None,
    result: Any = None,
) -> RecommendedPlan:
    """The recruitment plan that meets a scenario's targets, or gets as close as the limits allow.

    Parameters
    ----------
    scenario : sufficiency.scenario.Scenario, optional
        Targets, demand levers, homes, unit costs and carer assumptions (default: the baseline).
    data : Ssda903Data, optional
        903 data to fit models on when ``models`` is not given (demo authority when both None).
    models : sufficiency.scenario.FittedModels, optional
        The authority's fitted models and figures (the fast path).
    assessment_capacity_per_quarter, budget_per_financial_year, channel_reach : float, optional
        Limits set on the plan page; they become the scenario's levers (None keeps the
        scenario's, which default to the authority's figures).
    households, funnel : optional
        Carer household and recruitment records, used only when fitting models here.
    beyond_target : bool
        Also ask the optimiser whether more households than the target needs would pay back.
    random_state : int, optional
        Seed of the simulated demand paths (the same as every page's).
    result : ScenarioResult, optional
        The scenario already run with these models and seed (pages pass their cached run).

    Returns
    -------
    RecommendedPlan
    """
    from sufficiency.scenario import Scenario, fit_models, run
    from sufficiency.scenario.supply import recruitment_channels, resolve

    def report(done: int, message: str) -> None:
        if progress is not None:
            progress(done, 3, message)

    scenario = Scenario() if scenario is None else scenario
    if channel_reach is not None and not channel_reach > 0:
        raise SufficiencyError(
            "Channel reach must be above zero (a multiple of each channel's recent enquiries a "
            f"quarter, e.g. 1.5); got {channel_reach}."
        )
    scenario = plan_scenario(
        scenario,
        assessment_capacity_per_quarter=assessment_capacity_per_quarter,
        budget_per_financial_year=budget_per_financial_year,
        channel_reach=channel_reach,
    )
    if models is None:
        report(0, "fitting the demand model")
        models = fit_models(
            data,
            max_horizon=max(scenario.horizon_months, 60),
            households=households,
            funnel=funnel,
        )
    report(1, "solving the targets")
    if result is None or result.scenario.fingerprint() != scenario.fingerprint():
        result = run(scenario, models=models, random_state=random_state)
    resolved = resolve(scenario, models.figures)
    channels = recruitment_channels(scenario, models.figures, resolved)
    improvement = 1 + scenario.conversion_improvement_pct / 100
    beyond = None
    if beyond_target:
        report(2, "asking the optimiser about recruiting beyond the target")
        beyond = _beyond_target(
            result,
            models,
            scenario,
            channels,
            random_state,
            integer=integer,
            time_limit_seconds=time_limit_seconds,
        )
    report(3, "done")
    notes = _input_notes(scenario, models, resolved, channels)
    return RecommendedPlan(
        result=result,
        households=_households_table(result, resolved.usable_per_household),
        marketing=_marketing_table(result, channels, improvement),
        beyond=beyond,
        notes=tuple(notes),
    )


def _input_notes(scenario: Any, models: Any, resolved: Any, channels: list) -> list[str]:
    """Where the plan's inputs come from, in plain words."""
    paths = (
        "32 representative paths (the fast run: the demand model's mean path spread like its simulated paths)"
        if scenario.n_simulations == 0
        else f"the mean of {scenario.n_simulations} simulated paths (the same paths and seed as "
        "every page)"
    )
    who = models.authority or ("the demo authority" if models.is_demo else "your 903 data")
    notes = [
        f"Demand is the scenario engine's projection for {who}, {paths}; new households are on "
        "top of the households approved now, who keep being approved without a plan.",
        f"New households: {resolved.usable_per_household:.2f} usable places each "
        f"({resolved.places_per_household:.2f} approved places x {resolved.occupancy:.0%} filled; "
        f"{resolved.sources['places_per_household']}) and {resolved.annual_leaving_rate:.0%} "
        f"leaving a year ({resolved.sources['annual_leaving_rate']}).",
        f"Enquiry to approval takes about {resolved.days_enquiry_to_approval:.0f} days "
        f"({resolved.sources['days_enquiry_to_approval']}); "
        f"{resolved.enquiry_to_approval:.1%} of enquiries are approved "
        f"({resolved.sources['enquiry_to_approval']}).",
        f"Assessment capacity {resolved.assessment_capacity:g} households a quarter "
        f"({resolved.sources['assessment_capacity']}).",
    ]
    names = ", ".join(
        f"{c.name} (£{c.cost_per_enquiry:,.0f} an enquiry, {c.enquiry_to_approval:.1%} approved, "
        f"up to {c.max_enquiries_per_quarter:.0f} more enquiries a quarter)"
        for c in channels
    )
    notes.append(f"Marketing channels: {names}.")
    return notes


# --- tables and files ----------------------------------------------------------------------------


def plan_tables(plan: RecommendedPlan) -> dict[str, pd.DataFrame]:
    """The plan's tables for CSV and Excel, with dates as ISO text and shares as percentages.

    Returns
    -------
    dict of DataFrame
        ``recommended_households`` (households), ``marketing_by_channel`` (enquiries, £),
        ``targets`` (one row per target: now, without and with the plan, feasible, best
        reachable, earliest month), ``quarterly`` (approvals by carer type, enquiries,
        households in post and needed).
    """

    def dated(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if "quarter_start" in frame:
            frame["quarter_start"] = pd.to_datetime(frame["quarter_start"]).dt.strftime("%Y-%m-%d")
        return frame

    households = dated(plan.households)
    households["approvals"] = np.round(households["approvals"].astype(float), 6)
    quarterly = plan.result.carers_needed
    return {
        "recommended_households": households,
        "marketing_by_channel": dated(plan.marketing),
        "targets": plan.result.targets.copy(),
        "quarterly": dated(quarterly) if len(quarterly) else pd.DataFrame(),
    }


ALL_CHANNELS = "all channels"
"""The total row of :func:`channel_table`."""


def channel_table(plan: RecommendedPlan) -> pd.DataFrame:
    """Extra enquiries and marketing spend by channel over the horizon, with a total row.

    Returns
    -------
    pandas.DataFrame
        channel, enquiries (extra enquiries), spend (£, price base prices, as the cost table's
        marketing line); channels in alphabetical order, then
        :data:`ALL_CHANNELS`: the plan's extra enquiries and its marketing spend, summed before
        any rounding. Empty without marketing.
    """
    if not len(plan.marketing):
        return pd.DataFrame(columns=["channel", "enquiries", "spend"])
    by_channel = plan.marketing.groupby("channel", as_index=False)[["enquiries", "spend"]].sum()
    total = pd.DataFrame(
        {
            "channel": [ALL_CHANNELS],
            "enquiries": [float(by_channel["enquiries"].sum())],
            "spend": [plan.costs["marketing"]],
        }
    )
    return pd.concat([by_channel, total], ignore_index=True)


def channel_cost_per_approval(plan: RecommendedPlan) -> dict[str, float]:
    """£ per approval of each channel the plan buys from, the measure it ranks them by.

    The plan buys each quarter's extra approvals from the channel with the lowest
    cost per enquiry ÷ share approved first (:func:`sufficiency.scenario.supply.
    cheapest_enquiries`), the share approved being among enquiries whose outcome is known (people
    still in progress left out) times the scenario's conversion improvement. The Campaign
    funnel's "£/approval so far" counts people in progress as not approved, so it ranks some
    channels differently; its "£/approval (plan)" column is this figure.

    Returns
    -------
    dict
        Channel name -> £ per approval (price base prices; the channel's spend basis).
    """
    from sufficiency.scenario.supply import recruitment_channels

    result = plan.result
    improvement = 1 + result.scenario.conversion_improvement_pct / 100
    channels = recruitment_channels(result.scenario, result.figures, result.resolved)
    return {
        c.name: c.cost_per_enquiry / min(c.enquiry_to_approval * improvement, 1.0) for c in channels
    }


def cost_table(plan: RecommendedPlan) -> pd.DataFrame:
    """The plan's costs over the horizon: item, cost_gbp (cash, nominal; NPV as labelled)."""
    costs = plan.costs
    labels = {
        "total": "total cost with the plan (placements and investment, cash)",
        "saving": "placement saving against the baseline (cash)",
        "investment": "investment: recruitment, assessment, marketing, support (cash)",
        "net": "net position: saving less investment (cash)",
        # short enough for the table at 1280 px; the rate from finance, not typed here
        "npv": "net position, net present value (HM Treasury Green Book discount, "
        f"{fin.GREEN_BOOK_DISCOUNT_RATE:.1%} a year)",
        "marketing": "of which marketing for the extra enquiries (price base)",
    }
    return pd.DataFrame(
        {
            "item": [labels[key] for key in labels],
            "cost_gbp": [float(costs[key]) for key in labels],
        }
    )


def plan_markdown(
    plan: RecommendedPlan,
    *,
    scenario_name: str,
    data_label: str,
    inputs: Mapping[str, str],
) -> str:
    """A short Markdown report: data, inputs with sources, the explanation and headline tables."""
    approvals = plan.approvals_by_quarter()
    kinds = [c for c in approvals.columns if c not in ("quarter_start", "quarter")]
    approvals = approvals.assign(total=approvals[kinds].sum(axis=1))
    approvals = approvals.loc[approvals["total"] > 0.5]
    lines = [
        f"# Recommended recruitment plan: {scenario_name}",
        "",
        f"Data: {data_label}.",
        "",
        "## Inputs",
        "",
        *[f"- {label}: {value}" for label, value in inputs.items()],
        "",
        "## The plan in plain words",
        "",
        plan.explain(),
        "",
        "## Households to approve (households a quarter, on top of those approved now)",
        "",
    ]
    if approvals.empty:
        lines.append("No extra households.")
    else:
        header = ["quarter", *kinds, "total"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in approvals.itertuples(index=False):
            values = dict(zip(approvals.columns, row, strict=True))
            cells = [str(values["quarter"])] + [
                f"{float(values[name]):.0f}" for name in [*kinds, "total"]
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Costs over the plan (£)", ""]
    lines += ["| item | £ |", "|---|---|"]
    lines += [f"| {row.item} | {row.cost_gbp:,.0f} |" for row in cost_table(plan).itertuples()]
    return "\n".join(lines) + "\n"


def excel_bytes(tables: Mapping[str, pd.DataFrame], money: str | None = None) -> bytes:
    """Tables as an Excel workbook, one sheet each (names cut to Excel's 31 characters; text a
    spreadsheet would run as a formula is neutralised), each number column's unit in its header
    (``money``: the pounds columns' unit with its price year, see
    :func:`sufficiency.export_units.money_unit`)."""
    from sufficiency import spreadsheets
    from sufficiency.export_units import with_units

    return spreadsheets.excel_bytes(
        {name: with_units(frame, money=money) for name, frame in tables.items()}
    )


def planning_scenario(scenario: Any) -> Any:
    """Kept for older callers: the scenario unchanged (plans are now on top of its recruitment)."""
    return dataclasses.replace(scenario)
