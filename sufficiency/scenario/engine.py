"""Running a scenario: demand -> carers -> allocation -> costs, against a baseline.

:func:`run` is a pure function of (data, fitted models, scenario, seed): demand levers are applied
to the fitted stock-flow model's parameters (no refit), foster-carer households are projected from
recruitment and retention, demand is allocated to in-house capacity first, and the resulting
placements are costed by financial year against the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError
from sufficiency.scenario.levers import _CARER_TYPE_BANDS
from sufficiency.scenario.value import Scenario, _month


@dataclass(frozen=True, eq=False)
class FittedModels:
    """Models fitted once per dataset; every scenario run reuses them (no refitting).

    Attributes
    ----------
    demand : StockFlowModel
        A fitted :class:`sufficiency.demand.stockflow.StockFlowModel`.
    is_demo : bool
        True when fitted on the synthetic demo authority (outputs are labelled as such).
    authority : str
        Name shown on reports.
    existing_carer_survival : numpy.ndarray, optional
        From :func:`carer_survival_from_records`: how today's in-house places decline as carers
        leave, from the service's own household records. None uses the scenario's yearly
        leaving rate.
    channels : tuple of sufficiency.plan.optimiser.Channel
        Marketing channels measured on the service's enquiry and spend records (cost per
        enquiry, enquiry-to-approval, most enquiries a quarter); channels not listed use the
        scenario's ``cost_per_enquiry`` and ``enquiry_to_approval_pct``.
    """

    demand: Any
    is_demo: bool = False
    authority: str = ""
    existing_carer_survival: np.ndarray | None = None
    channels: tuple = ()

    @property
    def origin(self) -> pd.Timestamp:
        """Month end the projections start from (the last observed month)."""
        return pd.Timestamp(self.demand.params_.origin)


def fit_models(
    data: Any = None,
    *,
    max_horizon: int = 60,
    households: Any = None,
    funnel: Any = None,
    progress: Any = None,
) -> FittedModels:
    """Fit (or load a matching saved) demand model for 903 data; the demo authority when None.

    A model saved by ``sufficiency fit`` in ``models/demand`` is reused when it was fitted on the
    same data with the same settings, so scenario runs start in well under a second.

    Parameters
    ----------
    data : Ssda903Data, optional
        Clean 903 data (``episodes`` and ``extract_date``).
    max_horizon : int
        Longest scenario horizon to prepare for (months); 60 matches saved models.
    households : CarerHouseholds or DataFrame, optional
        The service's carer household records
        (:func:`sufficiency.supply.households.read_households`); when given, today's carers
        leave as the fitted retention model says instead of at the scenario's yearly rate.
    funnel : FunnelRecords, optional
        Enquiry and campaign spend records (:func:`sufficiency.supply.records.read_funnel_records`);
        marketing spend then buys enquiries at each channel's measured cost and conversion.
    progress : callable, optional
        Progress callback ``(done, total, message)``.
    """
    from sufficiency.demand.pipeline import demand_inputs, load_or_fit

    is_demo = data is None
    authority = ""
    if data is None:
        from sufficiency.data.demo import DEMO_AUTHORITY_NAME, load_demo

        data = load_demo()
        authority = DEMO_AUTHORITY_NAME
    inputs = demand_inputs(data.episodes, pd.Timestamp(data.extract_date))
    params = None if max_horizon <= 60 else {"max_horizon": int(max_horizon)}
    fitted = load_or_fit(inputs, model_params=params, backtest=False, progress=progress)
    survival = None
    if households is not None:
        survival = carer_survival_from_records(
            households, fitted.model.params_.origin, fitted.model.params_.max_horizon
        )
    channels: tuple = ()
    if funnel is not None:
        from sufficiency.plan.optimiser import channels_from_funnel

        channels = tuple(channels_from_funnel(funnel))
    return FittedModels(
        demand=fitted.model,
        is_demo=is_demo,
        authority=authority,
        existing_carer_survival=survival,
        channels=channels,
    )


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Everything a scenario run produces (tidy frames with units in the column names' docs).

    Attributes
    ----------
    scenario : Scenario
    months : DatetimeIndex
        Month ends of the projection.
    placements : DataFrame
        month, age_band, placement_category, provider, mean, p10, p90 (children, after
        allocation to in-house capacity).
    carers : DataFrame
        month, age_band, households, usable_places, approvals (in-house foster carers as
        projected under the scenario's recruitment and retention).
    carers_needed : DataFrame
        Quarter x age band: extra households, approvals and enquiries the targets need
        (:data:`sufficiency.plan.carers_needed.CARERS_NEEDED_COLUMNS`).
    costs_by_financial_year : DataFrame
        financial_year, placement_category, provider, cost_mean, cost_p10, cost_p90, months (£).
    budget_by_financial_year : DataFrame
        financial_year, cost_mean, cost_p10, cost_p90, months: placements plus recruitment (£).
    savings_by_financial_year : DataFrame
        Against the baseline (same data, seed and prices): positive = saving (£).
    invest_to_save : InvestToSave
    cost_paths : numpy.ndarray
        £ (nominal) by path, month and label ``(paths, months, labels)``; see
        :meth:`monthly_costs`.
    cost_labels : tuple of str
        Placement categories, then :data:`RECRUITMENT_CATEGORY`.
    targets : DataFrame
        target, date, value_projected, target_value, met.
    summary : dict
        Headline figures for summary.json.
    is_demo : bool
    """

    scenario: Scenario
    months: pd.DatetimeIndex
    placements: pd.DataFrame
    carers: pd.DataFrame
    carers_needed: pd.DataFrame
    costs_by_financial_year: pd.DataFrame
    budget_by_financial_year: pd.DataFrame
    savings_by_financial_year: pd.DataFrame
    invest_to_save: fin.InvestToSave
    cost_paths: np.ndarray
    cost_labels: tuple[str, ...]
    targets: pd.DataFrame
    summary: dict
    is_demo: bool = False
    carers_needed_text: str = ""

    def monthly_costs(self) -> pd.DataFrame:
        """Long frame: month, draw, placement_category, provider, cost (£, nominal)."""
        paths, n_months, n_labels = self.cost_paths.shape
        labels = np.array(self.cost_labels, dtype=object)
        frame = pd.DataFrame(
            {
                "month": np.tile(np.repeat(self.months.to_numpy(), n_labels), paths),
                "draw": np.repeat(np.arange(paths), n_months * n_labels),
                "placement_category": np.tile(labels, paths * n_months),
                "cost": self.cost_paths.reshape(-1),
            }
        )
        frame["provider"] = (
            frame["placement_category"].map(fin.PROVIDER_BY_CATEGORY).fillna(fin.IN_HOUSE)
        )
        return frame


RECRUITMENT_CATEGORY = "carer recruitment and support"
"""Label of the non-placement cost rows (marketing, assessment, supervising social workers and
step-down support packages)."""


def _demand_levers(scenario: Scenario, params: Any) -> Any:
    """DemandLevers for the scenario's entries and step-downs.

    Step-downs (children a year) are shared across age bands in proportion to the external
    residential children at the start; each band's share is moved as a count (children a year).
    """
    from sufficiency.demand.levers import DemandLevers, StepDown

    multipliers = {band: 1 + pct / 100 for band, pct in scenario.entries_change_pct if pct}
    steps = []
    if scenario.step_downs_per_year > 0:
        stock = np.array(
            [
                params.start_stock[params.state_index(b, codes.EXTERNAL_RESIDENTIAL)]
                for b in codes.AGE_BANDS
            ]
        )
        if stock.sum() > 0:
            for band, children in zip(codes.AGE_BANDS, stock, strict=True):
                if children > 0:
                    per_year = scenario.step_downs_per_year * children / stock.sum()
                    steps.append(
                        StepDown(
                            band, codes.EXTERNAL_RESIDENTIAL, codes.IN_HOUSE_FOSTERING, per_year
                        )
                    )
    return DemandLevers(entry_multiplier=multipliers, step_downs=tuple(steps))


def _demand_paths(
    models: FittedModels, scenario: Scenario, horizon: int, random_state: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Children ``(paths, months, bands, categories)`` before allocation, and the children
    stepped down each month (mean over paths, ``(months,)``)."""
    from sufficiency.demand.stockflow import project_mean, simulate

    model = models.demand
    if horizon > model.params_.max_horizon:
        raise SufficiencyError(
            f"The scenario horizon ({horizon} months) is longer than the fitted model allows "
            f"({model.params_.max_horizon} months). Shorten horizon_months or refit with a "
            "longer max_horizon."
        )
    params = _demand_levers(scenario, model.params_).apply(model.params_)
    shape = (len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    if scenario.n_simulations == 0:
        path = project_mean(params, horizon)
        return path.stock.reshape(1, horizon, *shape), path.stepped_down.sum(axis=1)
    sims = simulate(params, horizon, scenario.n_simulations, random_state)
    stepped = sims.stepped_down.sum(axis=2).mean(axis=0)
    return sims.stock.reshape(sims.stock.shape[0], horizon, *shape).astype("float64"), stepped


def _step_down_support(
    scenario: Scenario, stepped: np.ndarray, months: pd.DatetimeIndex
) -> np.ndarray:
    """£ a month (base prices) of support packages for stepped-down children.

    ``stepped`` is the children actually stepped down each month (mean over paths); each is
    supported for ``step_down_support_months`` months.
    """
    support = np.zeros(len(months))
    if scenario.step_downs_per_year <= 0 or scenario.step_down_support_per_week <= 0:
        return support
    duration = int(round(scenario.step_down_support_months))
    supported = np.convolve(stepped, np.ones(duration))[: len(months)] if duration else stepped * 0
    weeks = months.days_in_month.to_numpy() / 7.0
    return supported * scenario.step_down_support_per_week * weeks


def _band_weights(carer_type: str, in_house_mix: np.ndarray) -> np.ndarray:
    if carer_type == "mainstream":
        return in_house_mix
    shares = _CARER_TYPE_BANDS[carer_type]
    return np.array([shares.get(b, 0.0) for b in codes.AGE_BANDS])


def _carer_projection(
    scenario: Scenario,
    start_stock: np.ndarray,
    months: pd.DatetimeIndex,
    existing_survival: np.ndarray | None = None,
    channels: tuple = (),
) -> dict[str, np.ndarray]:
    """In-house foster households and usable places by month and age band.

    Existing households are sized from the in-house fostering children at the start (usable places
    = children placed). They leave at the scenario's yearly rate or, when carer household records
    were given to :func:`fit_models`, follow the share of those records' usable places still
    available (the fitted retention model, by carer group and tenure); the retention lever scales
    the leaving hazard either way. Without an approvals plan, recruitment replaces leavers at the
    *unimproved* rate, so better retention grows the service. Marketing adds approvals after the
    enquiry-to-approval lead time.
    """
    n_months, n_bands = len(months), len(codes.AGE_BANDS)
    grid = start_stock.reshape(n_bands, len(codes.PLACEMENT_CATEGORIES))
    in_house = grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)]
    usable_per_household = scenario.places_per_household * scenario.occupancy_pct / 100
    total = float(in_house.sum())
    mix = in_house / total if total > 0 else np.full(n_bands, 1.0 / n_bands)
    households_0 = total / usable_per_household
    hazard_scale = 1 + scenario.deregistration_change_pct / 100

    if existing_survival is None:
        base_leave = 1 - (1 - scenario.annual_leaving_rate_pct / 100) ** (1 / 12)
        steps = np.arange(1, n_months + 1)[:, None]
        survival = np.broadcast_to((1 - base_leave) ** steps, (n_months, n_bands))
    else:
        survival = existing_survival[1 : n_months + 1]
        first_year = float(
            np.average(existing_survival[min(12, len(existing_survival) - 1)], weights=mix)
        )
        base_leave = 1 - max(first_year, 1e-6) ** (1 / 12)
    existing = households_0 * mix[None, :] * np.clip(survival, 1e-12, None) ** hazard_scale
    leave = 1 - (1 - base_leave) ** hazard_scale

    conversion = 1 + scenario.conversion_improvement_pct / 100
    approvals = np.zeros((n_months, n_bands))
    if scenario.approvals_per_quarter:
        for carer_type, per_quarter in scenario.approvals_per_quarter:
            approvals += per_quarter / 3 * _band_weights(carer_type, mix)[None, :]
    else:
        approvals += households_0 * base_leave * conversion * mix[None, :]
    marketing = sum(v for _, v in scenario.marketing_spend_per_quarter) / 3
    if marketing:
        measured = {channel.name: channel for channel in channels}
        per_quarter = 0.0
        for name, spend in scenario.marketing_spend_per_quarter:
            channel = measured.get(name)
            if channel is None or channel.cost_per_enquiry <= 0:
                per_quarter += (
                    spend / scenario.cost_per_enquiry * scenario.enquiry_to_approval_pct / 100
                )
            else:
                # a channel saturates: spend beyond its reach buys no more enquiries
                enquiries = min(spend / channel.cost_per_enquiry, channel.max_enquiries_per_quarter)
                per_quarter += enquiries * channel.enquiry_to_approval
        lead = 9  # Fostering Network / iMPOWER: about 281 days from enquiry to approval
        approvals[lead:] += per_quarter / 3 * conversion * mix[None, :]

    new = np.empty((n_months, n_bands))
    current = np.zeros(n_bands)
    for t in range(n_months):
        current = current * (1 - leave) + approvals[t]
        new[t] = current
    households = existing + new
    return {
        "households": households,
        "usable_places": households * usable_per_household,
        "approvals": approvals,
        "marketing_monthly": np.full(n_months, float(marketing)),
    }


def carer_survival_from_records(
    households: Any, origin: pd.Timestamp, horizon: int, random_state: int = 0
) -> np.ndarray:
    """Share of today's usable in-house places still available each month, by age band.

    Uses :func:`sufficiency.supply.capacity.project_capacity` (the fitted retention model by
    carer group and tenure) on the service's own household records, with no new approvals.

    Returns
    -------
    numpy.ndarray
        ``(horizon + 1, bands)``, 1.0 at month 0; bands without places take the all-ages share.
    """
    from sufficiency.supply.capacity import ALL_AGES, project_capacity

    frame = getattr(households, "households", households)
    projection = project_capacity(frame, origin, horizon, n_paths=200, random_state=random_state)
    places = projection.paths("usable_places").mean(axis=0)  # (horizon + 1, bands + all)
    bands = [projection.age_bands.index(b) for b in codes.AGE_BANDS]
    total = places[:, projection.age_bands.index(ALL_AGES)]
    if total[0] <= 0:
        raise SufficiencyError(
            "The carer household records have no approved in-house households at the forecast "
            f"start ({origin:%d %B %Y}); check the approval and deregistration dates."
        )
    by_band = places[:, bands]
    share = np.where(by_band[0] > 0, by_band / np.where(by_band[0] > 0, by_band[0], 1.0), np.nan)
    fallback = (total / total[0])[:, None]
    return np.where(np.isnan(share), fallback, share)


def _residential_beds(
    scenario: Scenario, start_stock: np.ndarray, months: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beds by month: (all in-house beds, beds costed per child, new homes' weekly running cost)."""
    grid = start_stock.reshape(len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    existing = float(grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)].sum())
    per_child = np.full(len(months), existing)
    opened = np.zeros(len(months))
    running = np.zeros(len(months))
    for home in scenario.homes:
        from_month = months >= _month(home.opening_month)
        if home.beds > 0:
            opened[from_month] += home.beds
            running[from_month] += home.weekly_running_cost
        else:
            per_child[from_month] += home.beds
    per_child = np.maximum(per_child, 0.0)
    return per_child + opened, per_child, running


def _targets(scenario: Scenario) -> Any:
    from sufficiency.plan.carers_needed import Targets

    return Targets(
        ifa_share_max=None
        if scenario.ifa_share_target_pct is None
        else scenario.ifa_share_target_pct / 100,
        ifa_share_by=_month(scenario.ifa_share_target_date),
        external_residential_max=scenario.external_residential_target,
        external_residential_by=_month(scenario.external_residential_target_date),
    )


def baseline_of(scenario: Scenario) -> Scenario:
    """The comparison run: no demand, supply or residential levers; same prices and horizon."""
    keep = (
        "horizon_months",
        "unit_costs",
        "annual_inflation_pct",
        "price_base_year",
        "recruitment_cost_per_household",
        "ssw_cost_per_household_per_year",
        "n_simulations",
        "annual_leaving_rate_pct",
        "places_per_household",
        "occupancy_pct",
        "cost_per_enquiry",
        "enquiry_to_approval_pct",
    )
    return Scenario(name="baseline", **{k: getattr(scenario, k) for k in keep})


def project(scenario: Scenario, models: FittedModels, random_state: int | None) -> dict[str, Any]:
    """Demand -> supply -> allocation -> costs for one scenario, as arrays (no baseline).

    Returns
    -------
    dict
        ``months`` (DatetimeIndex); ``demand`` and ``placements`` (children ``(paths, months,
        bands, categories)`` before and after allocation to in-house capacity); ``allocation``
        (:class:`sufficiency.plan.allocation.Allocation`); ``carers`` (dict of ``households``,
        ``usable_places``, ``approvals`` ``(months, bands)`` and ``marketing_monthly``);
        ``beds`` (in-house children's home beds by month); ``costs`` (£ ``(paths, months,
        categories)``); ``step_down_support`` (£ a month at base prices); ``base_year``.
    """
    from sufficiency.plan.allocation import allocate

    horizon = scenario.horizon_months
    params = models.demand.params_
    months = pd.date_range(params.origin, periods=horizon + 1, freq="ME")[1:]
    demand, stepped_down = _demand_paths(models, scenario, horizon, random_state)
    step_down_support = _step_down_support(scenario, stepped_down, months)
    carers = _carer_projection(
        scenario, params.start_stock, months, models.existing_carer_survival, models.channels
    )
    beds, per_child_beds, running = _residential_beds(scenario, params.start_stock, months)
    allocation = allocate(
        demand,
        carers["usable_places"],
        beds,
        months=months,
    )
    placements = allocation.placements()  # (paths, months, bands, categories)

    by_category = placements.sum(axis=2)  # (paths, months, categories)
    residential = codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)
    in_homes = by_category[:, :, residential]
    # Children in new homes are paid for by the home's running cost, not per child.
    by_category[:, :, residential] = np.minimum(in_homes, per_child_beds[None, :])
    base_year = fin.financial_year_start(scenario.price_base_year)
    unit_costs = {
        category: fin.UnitCost(
            category, value, base_year, "scenario override", "entered in the scenario"
        )
        for category, value in scenario.unit_costs
    }
    weeks = months.days_in_month.to_numpy() / 7.0
    extra = np.zeros((horizon, len(codes.PLACEMENT_CATEGORIES)))
    extra[:, residential] = running * weeks
    costs = fin.cost_paths(
        by_category,
        months,
        unit_costs,
        price_base_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
        extra_monthly_costs=extra,
    )
    return {
        "months": months,
        "demand": demand,
        "allocation": allocation,
        "placements": placements,
        "carers": carers,
        "beds": beds,
        "costs": costs,
        "step_down_support": step_down_support,
        "base_year": base_year,
    }


_project = project  # kept for callers written before the public name


def _placements_frame(placements: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    mean = placements.mean(axis=0)
    if placements.shape[0] > 1:
        p10, p90 = np.quantile(placements, [0.1, 0.9], axis=0)
    else:
        p10 = p90 = mean
    n_b, n_c = len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)
    categories = np.tile(np.array(codes.PLACEMENT_CATEGORIES, dtype=object), len(months) * n_b)
    return pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_b * n_c),
            "age_band": np.tile(
                np.repeat(np.array(codes.AGE_BANDS, dtype=object), n_c), len(months)
            ),
            "placement_category": categories,
            "provider": pd.Series(categories).map(fin.PROVIDER_BY_CATEGORY).to_numpy(),
            "mean": mean.reshape(-1),
            "p10": np.asarray(p10).reshape(-1),
            "p90": np.asarray(p90).reshape(-1),
        }
    )


def _investment(scenario: Scenario, projected: dict, baseline: dict) -> np.ndarray:
    """Monthly £ invested over the baseline: step-down support, marketing, assessment and
    supervision of extra households."""
    months = projected["months"]
    base_year = projected["base_year"]
    # Recruitment figures are entered at base-year prices, like scenario unit costs.
    extra_approvals = np.maximum(
        projected["carers"]["approvals"].sum(axis=1) - baseline["carers"]["approvals"].sum(axis=1),
        0.0,
    )
    extra_households = np.maximum(
        projected["carers"]["households"].sum(axis=1)
        - baseline["carers"]["households"].sum(axis=1),
        0.0,
    )
    spend = (
        projected["step_down_support"]
        - baseline["step_down_support"]
        + projected["carers"]["marketing_monthly"]
        + extra_approvals * scenario.recruitment_cost_per_household
        + extra_households * scenario.ssw_cost_per_household_per_year / 12
    )
    return spend * fin._inflation(pd.Series(months), base_year, scenario.annual_inflation_pct)


def _target_table(scenario: Scenario, allocation: Any, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Each target against the projection (mean path) at its date."""
    checks = []
    if scenario.ifa_share_target_pct is not None:
        checks.append(
            (
                "IFA share of non-kinship foster placements (%)",
                scenario.ifa_share_target_date,
                scenario.ifa_share_target_pct,
                allocation.ifa_share().mean(axis=0) * 100,
            )
        )
    if scenario.external_residential_target is not None:
        checks.append(
            (
                "children in external residential care",
                scenario.external_residential_target_date,
                scenario.external_residential_target,
                allocation.external_residential.sum(axis=-1).mean(axis=0),
            )
        )
    rows = []
    for label, date, target, projected in checks:
        when = _month(date)
        index = int(months.searchsorted(when))
        note = ""
        if index >= len(months):
            index = len(months) - 1
            note = f"target date {date} is after the projection ends; checked at its last month"
        value = float(projected[index])
        rows.append(
            {
                "target": label,
                "date": months[index].strftime("%Y-%m"),
                "projected": value,
                "target_value": target,
                "met": value <= target + 1e-9,
                "note": note,
            }
        )
    return pd.DataFrame(
        rows, columns=["target", "date", "projected", "target_value", "met", "note"]
    )


def run(
    scenario: Scenario,
    data: Any = None,
    models: FittedModels | None = None,
    random_state: int | None = 0,
) -> ScenarioResult:
    """Run a scenario: a pure function of (data, fitted models, scenario, seed).

    Parameters
    ----------
    scenario : Scenario
        The levers.
    data : Ssda903Data, optional
        Used only to fit models when ``models`` is not given (demo authority when both are None).
    models : FittedModels, optional
        Fitted once with :func:`fit_models` and reused across runs (the fast path).
    random_state : int, optional
        Seed for the simulated paths; the baseline uses the same seed so differences are the
        levers' effect, not noise.

    Returns
    -------
    ScenarioResult
    """
    from sufficiency.plan.carers_needed import RecruitmentAssumptions, carers_needed

    if models is None:
        models = fit_models(data, max_horizon=max(scenario.horizon_months, 60))
    projected = project(scenario, models, random_state)
    baseline = project(baseline_of(scenario), models, random_state)
    months = projected["months"]

    investment = _investment(scenario, projected, baseline)
    costs_paths = projected["costs"]
    base_totals = baseline["costs"].sum(axis=-1)
    scen_totals = costs_paths.sum(axis=-1)
    itos = fin.invest_to_save_from_totals(
        months, base_totals.mean(axis=0), scen_totals.mean(axis=0), investment
    )
    with_investment = np.concatenate(
        [costs_paths, np.broadcast_to(investment, costs_paths.shape[:2])[..., None]], axis=-1
    )
    labels = (*codes.PLACEMENT_CATEGORIES, RECRUITMENT_CATEGORY)
    costs = fin.financial_year_summary(with_investment, months, labels)
    budget = fin.financial_year_summary(with_investment, months, labels, by_label=False)
    savings = fin.savings_summary(base_totals, scen_totals, months)

    targets = _targets(scenario)
    try:
        needed = carers_needed(
            projected["placements"],
            projected["carers"]["usable_places"],
            targets,
            projected["beds"],
            months=months,
            assumptions=RecruitmentAssumptions(
                places_per_household=scenario.places_per_household,
                occupancy=scenario.occupancy_pct / 100,
                annual_leaving_rate=min(
                    scenario.annual_leaving_rate_pct
                    * (1 + scenario.deregistration_change_pct / 100)
                    / 100,
                    0.99,
                ),
                enquiry_to_approval=scenario.enquiry_to_approval_pct / 100,
            ),
        )
        needed_frame, needed_text = needed.frame, needed.summary()
    except SufficiencyError as error:
        needed_frame = pd.DataFrame()
        needed_text = f"Carers needed could not be worked out: {error}"

    carers = projected["carers"]
    n_b = len(codes.AGE_BANDS)
    carers_frame = pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_b),
            "age_band": np.tile(np.array(codes.AGE_BANDS, dtype=object), len(months)),
            "households": carers["households"].reshape(-1),
            "usable_places": carers["usable_places"].reshape(-1),
            "approvals": carers["approvals"].reshape(-1),
        }
    )
    placements = _placements_frame(projected["placements"], months)
    target_table = _target_table(scenario, projected["allocation"], months)
    total_children = projected["placements"].sum(axis=(2, 3)).mean(axis=0)
    ifa_share = projected["allocation"].ifa_share().mean(axis=0)
    ifa_share_all = projected["allocation"].ifa_share_of_fostering().mean(axis=0)
    summary = {
        "scenario": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "authority": models.authority,
        "synthetic_demo_data": models.is_demo,
        "origin": models.origin.strftime("%Y-%m-%d"),
        "horizon_months": scenario.horizon_months,
        "simulated_paths": int(projected["placements"].shape[0]),
        "random_state": random_state,
        "price_base_year": scenario.price_base_year,
        "children_looked_after_start": float(total_children[0]),
        "children_looked_after_end": float(total_children[-1]),
        "ifa_share_of_fostering_end_pct": float(ifa_share_all[-1] * 100),
        "ifa_share_of_non_kinship_fostering_end_pct": float(ifa_share[-1] * 100),
        "in_house_households_end": float(carers["households"][-1].sum()),
        "total_cost_gbp": float(budget["cost_mean"].sum()),
        "total_saving_vs_baseline_gbp": float(savings["saving_mean"].sum()),
        "total_investment_gbp": itos.total_investment,
        "net_position_gbp": itos.net_position,
        "payback_month": None
        if itos.payback_month is None
        else itos.payback_month.strftime("%Y-%m"),
        "targets": target_table.to_dict(orient="records"),
        "carers_needed": needed_text,
    }
    return ScenarioResult(
        scenario=scenario,
        months=months,
        placements=placements,
        carers=carers_frame,
        carers_needed=needed_frame,
        costs_by_financial_year=costs,
        budget_by_financial_year=budget,
        savings_by_financial_year=savings,
        invest_to_save=itos,
        cost_paths=with_investment,
        cost_labels=labels,
        targets=target_table,
        summary=summary,
        is_demo=models.is_demo,
        carers_needed_text=needed_text,
    )
