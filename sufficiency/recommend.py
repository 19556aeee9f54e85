"""A recommended recruitment plan for a scenario: the optimiser fed from the scenario engine.

:func:`recommend_plan` runs the scenario engine's projection (demand after the scenario's demand
and residential levers, existing carers' usable places, in-house children's home beds) and hands
it to :func:`sufficiency.plan.optimiser.optimise_recruitment` with the scenario's targets, costs
and carer assumptions. The carers' projection is the *baseline* one: the scenario's own
recruitment levers (approvals per quarter, marketing spend, conversion improvement) are left out,
so every household the optimiser proposes is additional to recruitment that just replaces carers
who leave. Marketing channels come from the authority's enquiry and campaign spend records (the
demo authority's synthetic records for the demo) through
:func:`sufficiency.supply.funnel.cost_per_outcome`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import finance
from sufficiency.codes import EXTERNAL_RESIDENTIAL, IFA_FOSTERING, IN_HOUSE_FOSTERING
from sufficiency.errors import SufficiencyError
from sufficiency.periods import financial_quarter_start
from sufficiency.plan.carers_needed import Targets
from sufficiency.plan.optimiser import (
    DEFAULT_CHANNEL_REACH,
    DEFAULT_SPECIALISMS,
    Channel,
    RecruitmentPlan,
    channels_from_funnel,
    default_weekly_costs,
    optimise_recruitment,
)
from sufficiency.progress import ProgressCallback
from sufficiency.supply import defaults as supply_defaults

DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER = 10.0
"""Approvals a quarter the assessment team can complete (an assumption: set your team's figure)."""

ASSESSMENT_CAPACITY_SOURCE = (
    f"{finance.ASSUMPTION}: about two supervising social workers' assessment time; "
    "set your own team's capacity"
)

_RECRUITMENT_LEVERS = {
    "approvals_per_quarter": (),
    "marketing_spend_per_quarter": (),
    "conversion_improvement_pct": 0.0,
}


def planning_scenario(scenario: Any) -> Any:
    """The scenario without its own recruitment levers, so planned households are additional.

    Demand levers (entries, step-downs), children's homes, retention, unit costs and targets are
    kept; approvals per quarter, marketing spend and conversion improvement are removed.
    """
    return scenario.replace(**_RECRUITMENT_LEVERS)


def targets_of(scenario: Any) -> Targets:
    """The scenario's IFA share and external residential targets as optimiser targets."""
    return Targets(
        ifa_share_max=None
        if scenario.ifa_share_target_pct is None
        else scenario.ifa_share_target_pct / 100,
        ifa_share_by=scenario.ifa_share_target_date,
        external_residential_max=scenario.external_residential_target,
        external_residential_by=scenario.external_residential_target_date,
    )


def _lead_days(funnel: Any, records_words: str) -> tuple[float, str]:
    default = supply_defaults.DAYS_ENQUIRY_TO_APPROVAL
    if funnel is None:
        return default.value, default.source
    from sufficiency.supply.funnel import funnel_parameters

    try:
        days = funnel_parameters(funnel.enquiries, pd.Timestamp(funnel.extract_date))
    except (KeyError, ValueError, SufficiencyError):
        return default.value, default.source
    value = float(days.days_enquiry_to_approval)
    if not math.isfinite(value) or value <= 0:
        return default.value, default.source
    return value, f"median days from enquiry to approval in {records_words}"


def recommend_plan(
    scenario: Any = None,
    data: Any = None,
    models: Any = None,
    *,
    assessment_capacity_per_quarter: float
    | Sequence[float]
    | None = DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
    budget_per_financial_year: float | Mapping[str, float] | None = None,
    households: Any = None,
    funnel: Any = None,
    channels: Sequence[Channel] | None = None,
    channel_reach: float = DEFAULT_CHANNEL_REACH,
    integer: bool = True,
    quantile: float | None = None,
    random_state: int | None = 0,
    time_limit_seconds: float = 20.0,
    progress: ProgressCallback | None = None,
) -> RecruitmentPlan:
    """The least-cost recruitment plan that meets a scenario's targets within practical bounds.

    Parameters
    ----------
    scenario : sufficiency.scenario.Scenario, optional
        Targets (IFA share, external residential cap), demand levers, homes, unit costs, price
        base and carer assumptions (places, occupancy, leaving rate, recruitment and supervising
        costs). Its own recruitment levers are ignored (see :func:`planning_scenario`). Default:
        the baseline scenario.
    data : Ssda903Data, optional
        903 data to fit models on when ``models`` is not given (demo authority when both None).
    models : sufficiency.scenario.FittedModels, optional
        Fitted once with :func:`sufficiency.scenario.fit_models` (the fast path).
    assessment_capacity_per_quarter : float or sequence, optional
        Most approvals a quarter (households, all specialisms). None: no limit.
    budget_per_financial_year : float or mapping, optional
        Most recruitment, assessment and marketing spend per financial year (£, scenario price
        base), one number or ``{"2025-26": 150000, ...}``. None: no limit.
    households : CarerHouseholds, optional
        Carer household records for today's carers' retention, used only when fitting models
        here (pass them to :func:`~sufficiency.scenario.fit_models` otherwise).
    funnel : FunnelRecords, optional
        Enquiry and campaign spend records for channels and the enquiry-to-approval lead time.
        Default: the demo authority's synthetic records when the models are the demo's.
    channels : sequence of Channel, optional
        Marketing channels to use instead of those measured from ``funnel``; ``[]`` plans
        approvals without marketing (approvals then cost only recruitment and assessment).
    channel_reach : float
        Most enquiries a channel can bring a quarter, as a multiple of its observed rate.
    integer : bool
        Whole households (mixed-integer) or the faster continuous relaxation.
    quantile : float, optional
        Plan for this quantile of demand over simulated paths instead of the mean.
    random_state : int, optional
        Seed of the simulated demand paths.
    time_limit_seconds : float
        Solver time limit; the best plan found by then is returned.
    progress : callable, optional
        Progress callback ``(done, total, message)``.

    Returns
    -------
    RecruitmentPlan
        Households per quarter by specialism, marketing by channel, placements, shortfalls and
        :meth:`~sufficiency.plan.optimiser.RecruitmentPlan.explain`, with notes on where the
        inputs came from.
    """
    # scenario sits downstream of plan in the data flow; import at call time to avoid a cycle
    from sufficiency.scenario import Scenario, fit_models, project

    def report(done: int, message: str) -> None:
        if progress is not None:
            progress(done, 4, message)

    scenario = Scenario() if scenario is None else scenario
    if not channel_reach > 0:
        raise SufficiencyError(
            "Channel reach must be above zero (a multiple of each channel's recent enquiries a "
            f"quarter, e.g. 1.5); got {channel_reach}."
        )
    if models is None:
        report(0, "fitting the demand model")
        models = fit_models(
            data, max_horizon=max(scenario.horizon_months, 60), households=households
        )
    report(1, "projecting demand and existing carers")
    planned = planning_scenario(scenario)
    projected = project(planned, models, random_state)
    months = projected["months"]
    targets = targets_of(scenario)

    report(2, "reading marketing channels")
    if funnel is None and channels is None and models.is_demo:
        from sufficiency.supply.demo_records import DEMO_FUNNEL_LABEL, load_demo_funnel

        funnel = load_demo_funnel()
        funnel_source = DEMO_FUNNEL_LABEL
        records_words = "the demo authority's synthetic enquiry records"
    else:
        funnel_source = "your enquiry and campaign spend records"
        records_words = "your enquiry records"
    if channels is None:
        channels = (
            []
            if funnel is None
            else channels_from_funnel(funnel, reach=channel_reach, source=funnel_source)
        )
    channels = list(channels)
    lead_days, lead_source = _lead_days(funnel, records_words)

    price_year = finance.financial_year_start(scenario.price_base_year)
    weekly = default_weekly_costs(price_year)
    overrides = dict(scenario.unit_costs)
    for category in (IN_HOUSE_FOSTERING, IFA_FOSTERING, EXTERNAL_RESIDENTIAL):
        if category in overrides:
            weekly[category] = float(overrides[category])
    carer_costs = finance.CarerCosts(
        recruitment_assessment_per_household=scenario.recruitment_cost_per_household,
        supervising_social_worker_per_household_per_year=scenario.ssw_cost_per_household_per_year,
        price_year=price_year,
    )
    leaving = min(
        scenario.annual_leaving_rate_pct * (1 + scenario.deregistration_change_pct / 100) / 100,
        0.99,
    )
    usable = scenario.places_per_household * scenario.occupancy_pct / 100
    specialisms = [
        dataclasses.replace(spec, usable_places_per_household=usable, annual_leaving_rate=leaving)
        for spec in DEFAULT_SPECIALISMS
    ]

    report(3, "finding the least-cost plan")
    plan = optimise_recruitment(
        projected["demand"],
        projected["carers"]["usable_places"],
        targets,
        projected["beds"],
        months=months,
        specialisms=specialisms,
        channels=channels,
        assessment_capacity_per_quarter=assessment_capacity_per_quarter,
        budget_per_financial_year=budget_per_financial_year,
        weekly_costs=weekly,
        carer_costs=carer_costs,
        price_year=price_year,
        days_enquiry_to_approval=lead_days,
        integer=integer,
        quantile=quantile,
        time_limit_seconds=time_limit_seconds,
    )
    report(4, "done")
    limited = _quarters_limited_by_channels(
        plan, channels, months, lead_days, assessment_capacity_per_quarter
    )
    notes = _input_notes(
        scenario, models, channels, funnel, lead_days, lead_source, usable, leaving, quantile
    )
    if limited:
        most = sum(c.enquiry_to_approval * c.max_enquiries_per_quarter for c in channels)
        notes.append(
            f"In {len(limited)} quarter(s) the marketing channels cannot bring the enquiries for "
            f"one more household (all channels at full reach give about {most:.1f} approvals a "
            "quarter), so their reach limits recruitment. A new channel, a wider audience (reach "
            "is an assumption: raise it if your channels can bring more) or more approvals per "
            "enquiry would let the plan recruit more."
        )
    message = plan.message
    if not plan.feasible and limited:
        message += (
            " Here the marketing channels' reach is the tighter limit: they cannot bring enough "
            "enquiries for more approvals."
        )
    return dataclasses.replace(plan, notes=(*plan.notes, *notes), message=message)


def _quarters_limited_by_channels(
    plan: RecruitmentPlan,
    channels: Sequence[Channel],
    months: pd.DatetimeIndex,
    lead_days: float,
    assessment_capacity: float | Sequence[float] | None,
) -> list[str]:
    """Quarters (after the lead time) where the channels at full reach allow no more approvals.

    Only quarters where the assessment team still has room count, so the note names the limit
    that actually binds.
    """
    if not channels:
        return []
    lead_months = int(round(lead_days / (365.25 / 12)))
    if lead_months >= len(months):
        return []
    first = financial_quarter_start(months[[lead_months]])[0]
    per_quarter = plan.households.groupby(["quarter_start", "quarter"], sort=True)[
        "approvals"
    ].sum()
    n_q = len(per_quarter)
    if assessment_capacity is None:
        capacity = np.full(n_q, np.inf)
    else:
        capacity = np.broadcast_to(np.asarray(assessment_capacity, dtype="float64"), (n_q,))
    most = sum(c.enquiry_to_approval * c.max_enquiries_per_quarter for c in channels)
    limited = []
    for (start, label), approvals, room in zip(
        per_quarter.index, per_quarter.to_numpy(), capacity, strict=True
    ):
        if pd.Timestamp(start) >= first and approvals + 1 > most + 1e-6 and approvals + 1 <= room:
            limited.append(label)
    return limited


def _input_notes(
    scenario: Any,
    models: Any,
    channels: list[Channel],
    funnel: Any,
    lead_days: float,
    lead_source: str,
    usable: float,
    leaving: float,
    quantile: float | None,
) -> list[str]:
    """Plain-words notes on where the optimiser's inputs came from and which channels bind."""
    if scenario.n_simulations == 0:
        paths = "its mean path"
    elif quantile is not None:
        paths = f"the {quantile:.0%} quantile of {scenario.n_simulations} simulated paths"
    else:
        paths = f"the mean of {scenario.n_simulations} simulated paths"
    who = models.authority or ("the demo authority" if models.is_demo else "your 903 data")
    if models.is_demo and "synthetic" not in who.lower():
        who += " (synthetic demo data, not a real council)"
    notes = [
        f"Demand is the scenario engine's projection for {who}, {paths}; new "
        "households are on top of recruitment that replaces carers who leave.",
        f"New households: {usable:.2f} usable places each ({scenario.places_per_household:g} "
        f"approved places x {scenario.occupancy_pct:g}% filled) and {leaving:.0%} leaving a year "
        "(scenario levers; defaults from Ofsted Fostering in England).",
        f"Enquiry to approval takes about {lead_days:.0f} days ({lead_source}).",
    ]
    if getattr(models, "existing_carer_survival", None) is not None:
        notes.append(
            "Today's carers leave as the retention model fitted on your carer household records "
            "says; new households leave at the yearly rate above."
        )
    if channels:
        names = ", ".join(
            f"{c.name} (£{c.cost_per_enquiry:,.0f} an enquiry, {c.enquiry_to_approval:.1%} "
            f"approved, up to {c.max_enquiries_per_quarter:.0f} enquiries a quarter)"
            for c in channels
        )
        notes.append(f"Marketing channels: {names}; from {channels[0].source}.")
    elif funnel is None:
        notes.append(
            "No enquiry and campaign spend records were given, so marketing is not planned: "
            "approvals are limited only by assessment capacity and budget. Add your records to "
            "plan marketing by channel."
        )
    else:
        notes.append(
            "No paid channel in your records has enough spend and approvals to measure its cost "
            "per enquiry, so marketing is not planned."
        )
    return notes


def plan_tables(plan: RecruitmentPlan) -> dict[str, pd.DataFrame]:
    """The plan's tables for CSV and Excel, with dates as ISO text and shares as percentages.

    Returns
    -------
    dict of DataFrame
        ``recommended_households`` (households), ``marketing_by_channel`` (enquiries, £),
        ``placements`` (children; IFA shares in %), ``shortfalls`` (places; IFA share in %).
    """

    def dated(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if "quarter_start" in frame:
            frame["quarter_start"] = pd.to_datetime(frame["quarter_start"]).dt.strftime("%Y-%m-%d")
        return frame

    placements = dated(plan.placements)
    for column in ("ifa_share", "baseline_ifa_share", "target_ifa_share"):
        placements[column] = placements[column].astype(float) * 100
    placements = placements.rename(
        columns={
            "ifa_share": "ifa_share_pct",
            "baseline_ifa_share": "baseline_ifa_share_pct",
            "target_ifa_share": "target_ifa_share_pct",
        }
    )
    shortfalls = plan.shortfalls.copy()
    shortfalls["best_ifa_share"] = shortfalls["best_ifa_share"].astype(float) * 100
    shortfalls = shortfalls.rename(columns={"best_ifa_share": "best_ifa_share_pct"})
    households = dated(plan.households)
    households["approvals"] = np.round(households["approvals"].astype(float), 6)
    return {
        "recommended_households": households,
        "marketing_by_channel": dated(plan.marketing),
        "placements": placements,
        "shortfalls": shortfalls,
    }


def cost_table(plan: RecruitmentPlan) -> pd.DataFrame:
    """The plan's costs over the horizon: item, cost_gbp (constant prices of the price base)."""
    labels = {
        "placements": "placements",
        "recruitment": "recruitment and assessment",
        "marketing": "marketing",
        "supervision": "supervising social work",
        "total": "total with the plan",
        "baseline": "total without extra recruitment",
        "saving": "saving (negative: the extra cost of the targets)",
    }
    return pd.DataFrame(
        {
            "item": [labels.get(key, key) for key in plan.costs],
            "cost_gbp": [float(value) for value in plan.costs.values()],
        }
    )


def plan_markdown(
    plan: RecruitmentPlan,
    *,
    scenario_name: str,
    data_label: str,
    inputs: Mapping[str, str],
) -> str:
    """A short Markdown report: data, inputs with sources, the explanation and headline tables.

    Parameters
    ----------
    plan : RecruitmentPlan
    scenario_name : str
        Shown in the title.
    data_label : str
        Whose data the plan uses (say "synthetic" for the demo).
    inputs : mapping
        Input label -> value with its unit and source.
    """
    approvals = plan.approvals_by_quarter()
    specialisms = [c for c in approvals.columns if c not in ("quarter_start", "quarter")]
    approvals = approvals.assign(total=approvals[specialisms].sum(axis=1))
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
        "## Households to approve (households a quarter)",
        "",
    ]
    if approvals.empty:
        lines.append("No extra households.")
    else:
        header = ["quarter", *specialisms, "total"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for row in approvals.itertuples(index=False):
            values = dict(zip(approvals.columns, row, strict=True))
            cells = [str(values["quarter"])] + [
                f"{float(values[name]):.0f}" for name in [*specialisms, "total"]
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"## Costs over the plan (£, {plan.price_year} prices)", ""]
    lines += ["| item | £ |", "|---|---|"]
    lines += [f"| {row.item} | {row.cost_gbp:,.0f} |" for row in cost_table(plan).itertuples()]
    return "\n".join(lines) + "\n"


def excel_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """Tables as an Excel workbook, one sheet each (names cut to Excel's 31 characters; text a
    spreadsheet would run as a formula is neutralised)."""
    from sufficiency import spreadsheets

    return spreadsheets.excel_bytes(tables)
