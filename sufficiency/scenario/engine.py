"""Running a scenario: demand -> carers -> allocation -> costs, against a baseline.

:func:`run` is a pure function of (data, fitted models, scenario, seed):

1. demand levers (entries, step-downs) act on the fitted stock-flow model's parameters (no refit)
   and the same simulated paths (same seed) are used whatever page asks;
2. carers come from :mod:`sufficiency.scenario.supply`: today's households, those replacing
   leavers, and extra recruitment (the scenario's approvals and marketing, and a target plan);
3. targets are solved into the plan (:mod:`sufficiency.scenario.solve`, with the one feasibility
   logic in :mod:`sufficiency.plan.targets`), so the charts and costs show the plan that meets
   them, or the best the limits allow;
4. demand is allocated to in-house capacity first, and placements are costed by financial year:
   in-house fostering by its parts (allowances per child, fees and supervision per household,
   overheads held), everything else per child per week, plus the scenario's investment
   (recruitment and assessment, marketing, step-down support, programmes), counted once;
5. the baseline is the same data, paths and prices with no levers and no targets; savings,
   invest-to-save and net present value (Green Book 3.5%) are against it.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.authority import replacement_per_month
from sufficiency.errors import SufficiencyError
from sufficiency.scenario.levers import STEP_DOWN_DESTINATIONS_16_17
from sufficiency.scenario.models import (
    FittedModels,
    carer_survival_from_records,
    fit_models,
)
from sufficiency.scenario.supply import (
    BASELINE_RECRUITMENT,
    CarerSupply,
    Resolved,
    enquiries_for_approvals,
    marketing_bought,
    project_supply,
    recruitment_channels,
    resolve,
)
from sufficiency.scenario.value import AUTHORITY_LEVERS, Scenario, _month

__all__ = [
    "INVESTMENT_LABELS",
    "RECRUITMENT_CATEGORY",
    "FittedModels",
    "Projection",
    "ScenarioResult",
    "baseline_of",
    "carer_survival_from_records",
    "fit_models",
    "project",
    "run",
]

RECRUITMENT_CATEGORY = "recruitment and assessment"
MARKETING_CATEGORY = "marketing"
STEP_DOWN_CATEGORY = "step-down support"
PROGRAMMES_CATEGORY = "programmes (edge of care, retention, conversion)"
INVESTMENT_LABELS: tuple[str, ...] = (
    RECRUITMENT_CATEGORY,
    MARKETING_CATEGORY,
    STEP_DOWN_CATEGORY,
    PROGRAMMES_CATEGORY,
)
"""Cost rows that are the scenario's investment rather than placements (all in-house)."""

_DEMAND_CACHE_SIZE = 24


# --- demand ------------------------------------------------------------------------------------


def _step_downs(
    scenario: Scenario, params: Any, per_year: float
) -> tuple[tuple[str, str, str, float], ...]:
    """(band, from, to, children a year) step-downs from external residential, shared across
    bands in proportion to the children there at the start; 16-17 year olds go to the scenario's
    choice, younger children to foster care (in-house where there is a place, else an IFA)."""
    if per_year <= 0:
        return ()
    stock = np.array(
        [
            params.start_stock[params.state_index(b, codes.EXTERNAL_RESIDENTIAL)]
            for b in codes.AGE_BANDS
        ],
        dtype="float64",
    )
    if stock.sum() <= 0:
        stock = np.array([0, 0, 0, 1.0, 1.0])
    steps = []
    for band, children in zip(codes.AGE_BANDS, stock, strict=True):
        if children > 0:
            destination = (
                STEP_DOWN_DESTINATIONS_16_17[scenario.step_down_16_17_to]
                if band == "16-17"
                else codes.IN_HOUSE_FOSTERING
            )
            steps.append(
                (band, codes.EXTERNAL_RESIDENTIAL, destination, per_year * children / stock.sum())
            )
    return tuple(steps)


REPRESENTATIVE_PATHS = 32
"""Demand paths the fast run (``n_simulations=0``) allocates: a fixed, representative set."""

REPRESENTATIVE_FROM = 200
"""Simulated baseline paths the representative set is drawn from (the pages' default)."""


def demand_paths(
    models: FittedModels,
    scenario: Scenario,
    random_state: int | None,
    *,
    step_downs_per_year: float | None = None,
    n_simulations: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Children ``(paths, months, bands, categories)`` before allocation, and the children
    stepped down each month (mean over paths).

    With ``n_simulations`` (default: the scenario's) above 0 these are the demand model's
    simulated paths. With 0 (the fast run) they are :data:`REPRESENTATIVE_PATHS` representative
    paths (:func:`representative_paths`): the model's mean path under the scenario's levers,
    spread and centred like the simulated baseline paths, so the fast run's headline agrees with
    the simulated one within 2% (the capacity limits are not linear in demand, so one mean path
    cannot). Cached per authority by the demand levers, horizon, paths and seed, so a lever that
    does not touch demand re-uses the same paths.
    """
    model = models.demand
    horizon = scenario.horizon_months
    if horizon > model.params_.max_horizon:
        raise SufficiencyError(
            f"The scenario horizon ({horizon} months) is longer than the fitted model allows "
            f"({model.params_.max_horizon} months). Shorten horizon_months or refit with a "
            "longer max_horizon."
        )
    per_year = scenario.step_downs_per_year if step_downs_per_year is None else step_downs_per_year
    paths = scenario.n_simulations if n_simulations is None else n_simulations
    steps = _step_downs(scenario, model.params_, per_year)
    entries = tuple((band, pct) for band, pct in scenario.entries_change_pct if pct)
    if paths > 0:
        return _model_paths(models, entries, steps, horizon, paths, random_state)
    key = ("representative", entries, steps, horizon, random_state)
    cache = models._cache.setdefault("demand", {})
    if key not in cache:
        seed = 0 if random_state is None else random_state
        mean, stepped = _model_paths(models, entries, steps, horizon, 0, seed)
        spread_key = ("representative spread", horizon, seed)
        spread = models._cache.setdefault("spread", {})
        entry = spread.get(spread_key)
        if entry is None:
            # once per authority, horizon and seed: the simulated baseline paths' spread
            base_mean, _ = _model_paths(models, (), (), horizon, 0, seed)
            simulated, _ = _model_paths(models, (), (), horizon, REPRESENTATIVE_FROM, seed)
            entry = (_centred_picks(simulated, REPRESENTATIVE_PATHS), base_mean[0])
            _remember(spread, spread_key, entry)
        centred, base_mean = entry
        _remember(cache, key, (_spread_like(mean[0], base_mean, centred), stepped))
    return cache[key]


def representative_paths(
    mean: np.ndarray,
    baseline_mean: np.ndarray,
    baseline_paths: np.ndarray,
    n_paths: int = REPRESENTATIVE_PATHS,
) -> np.ndarray:
    """A few demand paths that stand for many: the scenario's mean path, spread like the baseline.

    Capacity limits make the headline a non-linear function of demand (in-house places fill
    or sit spare path by path: E[min(X, c)] < min(E[X], c)), and the demand model's mean path
    leaves out the uncertainty in its rates that the simulated paths carry. So the fast run
    allocates ``n_paths`` paths rather than one: baseline paths picked evenly across the
    quantiles of fostering demand (in-house plus IFA, whole horizon), re-centred cell by cell so
    their mean is the mean of all the baseline paths, then scaled cell by cell by the scenario's
    mean path over the baseline's (its levers, the same relative spread). On the baseline the
    result has exactly the simulated paths' mean.

    Parameters
    ----------
    mean : numpy.ndarray
        The scenario's mean path, children ``(months, bands, categories)``.
    baseline_mean : numpy.ndarray
        The baseline's mean path, same shape.
    baseline_paths : numpy.ndarray
        Simulated baseline paths ``(paths, months, bands, categories)``.
    n_paths : int
        Paths to return (at most the baseline's).

    Returns
    -------
    numpy.ndarray
        Children ``(n_paths, months, bands, categories)``, never negative.
    """
    return _spread_like(mean, baseline_mean, _centred_picks(baseline_paths, n_paths))


def _centred_picks(baseline_paths: np.ndarray, n_paths: int) -> np.ndarray:
    """``n_paths`` baseline paths evenly across the quantiles of fostering demand, re-centred
    cell by cell on the mean of all of them."""
    fostering = [
        codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING),
        codes.PLACEMENT_CATEGORIES.index(codes.IFA_FOSTERING),
    ]
    total = len(baseline_paths)
    n_paths = min(n_paths, total)
    order = np.argsort(baseline_paths[..., fostering].sum(axis=(1, 2, 3)), kind="stable")
    picked = baseline_paths[order[((np.arange(n_paths) + 0.5) * total / n_paths).astype(int)]]
    everyone = baseline_paths.mean(axis=0)
    some = picked.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(some > 0, picked * (everyone / some), everyone)


def _spread_like(mean: np.ndarray, baseline_mean: np.ndarray, centred: np.ndarray) -> np.ndarray:
    """The scenario's mean path with the baseline's relative spread, cell by cell."""
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(baseline_mean > 0, mean / baseline_mean, 0.0)
    # a cell the baseline's mean path leaves empty: the scenario's own mean, spread additively
    shifted = np.maximum(mean + centred - baseline_mean, 0.0)
    return np.where(baseline_mean > 0, centred * relative, shifted)


def _model_paths(
    models: FittedModels,
    entries: tuple,
    steps: tuple,
    horizon: int,
    paths: int,
    random_state: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The demand model's own paths (its mean path when ``paths`` is 0), cached."""
    from sufficiency.demand.levers import DemandLevers, StepDown
    from sufficiency.demand.stockflow import project_mean, simulate

    key = (entries, steps, horizon, paths, random_state)
    cache = models._cache.setdefault("demand", {})
    if key in cache:
        return cache[key]
    levers = DemandLevers(
        entry_multiplier={band: 1 + pct / 100 for band, pct in entries},
        step_downs=tuple(StepDown(*step) for step in steps),
    )
    params = levers.apply(models.demand.params_)
    shape = (len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    if paths == 0:
        path = project_mean(params, horizon)
        stepped = path.stepped_down.sum(axis=1) if path.stepped_down is not None else 0.0
        result = path.stock.reshape(1, horizon, *shape), np.broadcast_to(stepped, (horizon,))
    else:
        sims = simulate(params, horizon, paths, random_state)
        stepped = sims.stepped_down.sum(axis=2).mean(axis=0)
        result = sims.stock.reshape(sims.stock.shape[0], horizon, *shape).astype("float64"), stepped
    return _remember(cache, key, result)


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= _DEMAND_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _residential_beds(
    scenario: Scenario, start_grid: np.ndarray, months: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beds by month: (all in-house beds, beds costed per child, new homes' weekly running cost)."""
    existing = float(
        start_grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)].sum()
    )
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


# --- a projection ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Projection:
    """One scenario projected: demand, carers, allocation and costs, as arrays.

    Attributes
    ----------
    months : DatetimeIndex
    demand : numpy.ndarray
        Children ``(paths, months, bands, categories)`` before allocation.
    stepped_down : numpy.ndarray
        Children stepped down each month (mean over paths).
    supply : CarerSupply
    allocation : sufficiency.plan.allocation.Allocation
    placements : numpy.ndarray
        Children ``(paths, months, bands, categories)`` after allocation.
    placement_costs : numpy.ndarray
        Nominal £ ``(paths, months, categories)``.
    investment : dict
        :data:`INVESTMENT_LABELS` -> nominal £ a month.
    enquiries : numpy.ndarray
        Extra enquiries a month the scenario's recruitment needs (marketing and approvals).
    """

    scenario: Scenario
    months: pd.DatetimeIndex
    demand: np.ndarray
    stepped_down: np.ndarray
    supply: CarerSupply
    allocation: Any
    placements: np.ndarray
    placement_costs: np.ndarray
    investment: dict[str, np.ndarray]
    enquiries: np.ndarray
    beds: np.ndarray
    base_year: int
    resolved: Resolved
    children_by_category: np.ndarray | None = None

    @property
    def investment_total(self) -> np.ndarray:
        return np.sum(list(self.investment.values()), axis=0)

    @functools.cached_property
    def mean_shares(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """By month, means over paths: IFA share of foster placements and of non-kinship
        fostering (0-1), children in external residential homes (worked out once: the
        headline and the shares table both show them)."""
        allocation = self.allocation
        return (
            allocation.ifa_share_of_fostering().mean(axis=0),
            allocation.ifa_share().mean(axis=0),
            allocation.external_residential.sum(axis=-1).mean(axis=0),
        )


def _months(models: FittedModels, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(models.origin, periods=horizon + 1, freq="ME")[1:]


def _inflation(months: pd.DatetimeIndex, scenario: Scenario, base_year: int) -> np.ndarray:
    return fin._inflation(pd.Series(months), base_year, scenario.annual_inflation_pct)


def _carer_costs(scenario: Scenario, base_year: int) -> fin.CarerCosts:
    return fin.CarerCosts(
        recruitment_assessment_per_household=scenario.recruitment_cost_per_household,
        supervising_social_worker_per_household_per_year=scenario.ssw_cost_per_household_per_year,
        price_year=fin.CARER_COSTS_PRICE_YEAR,
        allowance_per_child_per_week=scenario.allowance_per_child_per_week,
        fee_per_household_per_week=scenario.fee_per_household_per_week,
    )


def unit_costs_for(scenario: Scenario) -> dict[str, fin.UnitCost]:
    """Weekly unit costs for the scenario: its overrides at the price base, else the defaults; the
    kinship cost follows the scenario's allowance and supervising social work figures."""
    base_year = fin.financial_year_start(scenario.price_base_year)
    costs = dict(fin.DEFAULT_UNIT_COSTS)
    kinship = fin.DEFAULT_UNIT_COSTS[codes.KINSHIP_FOSTERING]
    costs[codes.KINSHIP_FOSTERING] = fin.UnitCost(
        codes.KINSHIP_FOSTERING,
        scenario.allowance_per_child_per_week
        + scenario.ssw_cost_per_household_per_year / fin.WEEKS_PER_YEAR,
        fin.CARER_COSTS_PRICE_YEAR,
        kinship.source,
        kinship.method,
    )
    for category, value in scenario.unit_costs:
        costs[category] = fin.UnitCost(
            category, value, base_year, "scenario override", "entered in the scenario"
        )
    return costs


def in_house_parts(scenario: Scenario, models: FittedModels) -> fin.InHouseCostParts:
    """The scenario's all-in in-house fostering cost split into its parts (price base prices)."""
    base_year = fin.financial_year_start(scenario.price_base_year)
    reconciliation = models.figures.in_house
    per_household = (
        reconciliation.children / reconciliation.households
        if reconciliation.households > 0 and reconciliation.children > 0
        else 1.0
    )
    all_in = unit_costs_for(scenario)[codes.IN_HOUSE_FOSTERING].at_prices(
        base_year, scenario.annual_inflation_pct
    )
    return fin.in_house_cost_parts(
        all_in,
        _carer_costs(scenario, base_year),
        children_per_household=per_household,
        price_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
    )


def _placement_costs(
    scenario: Scenario,
    models: FittedModels,
    by_category: np.ndarray,
    supply: CarerSupply,
    months: pd.DatetimeIndex,
    per_child_beds: np.ndarray,
    running: np.ndarray,
) -> np.ndarray:
    """Nominal £ ``(paths, months, categories)`` of children ``(paths, months, categories)``
    (changed here): per child per week, except in-house fostering (by its parts) and new
    children's homes (their running cost)."""
    base_year = fin.financial_year_start(scenario.price_base_year)
    residential = codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)
    fostering = codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)
    by_category[:, :, residential] = np.minimum(by_category[:, :, residential], per_child_beds)
    children_in_house = by_category[:, :, fostering].copy()
    by_category[:, :, fostering] = 0.0
    weeks = months.days_in_month.to_numpy() / 7.0
    extra = np.zeros((len(months), len(codes.PLACEMENT_CATEGORIES)))
    extra[:, residential] = running * weeks
    parts = in_house_parts(scenario, models)
    overheads = parts.overheads_per_child * models.figures.in_house.children
    weekly_in_house = (
        parts.allowance_per_child * children_in_house
        + parts.per_household * supply.total_households[None, :]
        + overheads
    )
    extra_paths = np.zeros((1, len(months), len(codes.PLACEMENT_CATEGORIES)))
    costs = fin.cost_paths(
        by_category,
        months,
        unit_costs_for(scenario),
        price_base_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
        extra_monthly_costs=extra,
    )
    inflation = _inflation(months, scenario, base_year)
    costs[:, :, fostering] = weekly_in_house * weeks[None, :] * inflation[None, :]
    return costs + extra_paths


def _step_down_support(scenario: Scenario, stepped: np.ndarray, months: pd.DatetimeIndex):
    """£ a month (base prices) of support packages: each child stepped down is supported for
    ``step_down_support_months`` months at ``step_down_support_per_week``."""
    stepped = np.asarray(stepped, dtype="float64")
    if scenario.step_down_support_per_week <= 0 or not np.any(stepped > 0):
        return np.zeros(len(months))
    duration = int(round(scenario.step_down_support_months))
    supported = np.convolve(stepped, np.ones(duration))[: len(months)] if duration else stepped * 0
    weeks = months.days_in_month.to_numpy() / 7.0
    return supported * scenario.step_down_support_per_week * weeks


def _recruitment_spend(
    scenario: Scenario,
    supply: CarerSupply,
    resolved: Resolved,
    channels: list,
    months: pd.DatetimeIndex,
) -> tuple[np.ndarray, np.ndarray]:
    """(enquiries, £ at base prices) a month the extra approvals need, bought lead months before
    each approval from the cheapest channels at each quarter's rate
    (:func:`~sufficiency.scenario.supply.enquiries_for_approvals`; households already in the
    pipeline need none)."""
    improvement = 1 + scenario.conversion_improvement_pct / 100
    _, _, used = marketing_bought(scenario, channels, resolved)
    needing = np.zeros(len(months))
    for name, series in supply.approvals.items():
        if name == BASELINE_RECRUITMENT:
            continue
        needing += series
    # approvals the scenario's marketing lever buys are paid for by its spend
    _, bought, _ = marketing_bought(scenario, channels, resolved)
    if bought:
        needing[resolved.lead_months :] -= bought / 3.0
    bought_by_month = enquiries_for_approvals(
        np.maximum(needing, 0.0),
        months,
        channels,
        resolved.lead_months,
        improvement=improvement,
        used=used,
        skip_before_lead=scenario.approvals_in_pipeline,
    )
    by_month = bought_by_month.groupby("month")[["enquiries", "spend"]].sum()
    at = months.get_indexer(by_month.index)
    enquiries = np.zeros(len(months))
    spend = np.zeros(len(months))
    enquiries[at] = by_month["enquiries"].to_numpy()
    spend[at] = by_month["spend"].to_numpy()
    enquiries += supply.marketing_enquiries
    return enquiries, spend + supply.marketing_spend


def project(
    scenario: Scenario,
    models: FittedModels,
    random_state: int | None,
    *,
    solved_approvals: np.ndarray | None = None,
    step_downs_per_year: float | None = None,
) -> Projection:
    """Demand -> carers -> allocation -> costs for one scenario (no baseline, no target solving).

    Parameters
    ----------
    solved_approvals : numpy.ndarray, optional
        Extra approvals ``(months, 2)`` (mainstream, teenagers) from a solved target.
    step_downs_per_year : float, optional
        Step-downs a year to use instead of the scenario's (a solved external residential target).
    """
    from sufficiency.plan.allocation import allocate

    months = _months(models, scenario.horizon_months)
    base_year = fin.financial_year_start(scenario.price_base_year)
    figures = models.figures
    resolved = resolve(scenario, figures)
    channels = recruitment_channels(scenario, figures, resolved)
    demand, stepped = demand_paths(
        models, scenario, random_state, step_downs_per_year=step_downs_per_year
    )
    supply = project_supply(
        scenario,
        figures,
        resolved,
        months,
        existing_survival=models.existing_carer_survival,
        channels=channels,
        solved_approvals=solved_approvals,
    )
    beds, per_child_beds, running = _residential_beds(scenario, models.start_grid, months)
    allocation = allocate(
        demand,
        supply.capacity_by_band,
        beds,
        months=months,
        pools=supply.pool_arguments(),
    )
    placements = allocation.placements()
    by_category = placements.sum(axis=2)  # all ages
    costs = _placement_costs(
        scenario, models, by_category.copy(), supply, months, per_child_beds, running
    )
    inflation = _inflation(months, scenario, base_year)
    enquiries, marketing = _recruitment_spend(scenario, supply, resolved, channels, months)
    programmes = np.zeros(len(months))
    if any(pct for _, pct in scenario.entries_change_pct):
        programmes += scenario.edge_of_care_cost_per_year / 12
    if scenario.deregistration_change_pct:
        programmes += scenario.retention_cost_per_year / 12
    if scenario.conversion_improvement_pct:
        programmes += scenario.conversion_cost_per_year / 12
    investment = {
        RECRUITMENT_CATEGORY: supply.extra_approvals * scenario.recruitment_cost_per_household,
        MARKETING_CATEGORY: marketing,
        STEP_DOWN_CATEGORY: _step_down_support(scenario, stepped, months),
        PROGRAMMES_CATEGORY: programmes,
    }
    investment[RECRUITMENT_CATEGORY] = investment[RECRUITMENT_CATEGORY] + (
        (supply.approvals[BASELINE_RECRUITMENT] - _replacement_without_levers(supply, scenario))
        * scenario.recruitment_cost_per_household
    )
    investment = {
        label: np.asarray(v, dtype="float64") * inflation for label, v in investment.items()
    }
    return Projection(
        scenario=scenario,
        months=months,
        demand=demand,
        stepped_down=np.asarray(stepped, dtype="float64"),
        supply=supply,
        allocation=allocation,
        placements=placements,
        placement_costs=costs,
        investment=investment,
        enquiries=enquiries,
        beds=beds,
        base_year=base_year,
        resolved=resolved,
        children_by_category=by_category,
    )


_project = project  # kept for callers written before the public name


def _replacement_without_levers(supply: CarerSupply, scenario: Scenario) -> np.ndarray:
    """Approvals made without a plan, before the conversion improvement (only the extra is
    investment)."""
    improvement = 1 + scenario.conversion_improvement_pct / 100
    return supply.approvals[BASELINE_RECRUITMENT] / improvement


def baseline_of(scenario: Scenario) -> Scenario:
    """The comparison run: no demand, supply, residential or target levers; same prices, horizon,
    paths, carer costs and authority figure overrides."""
    keep = (
        "horizon_months",
        "unit_costs",
        "annual_inflation_pct",
        "price_base_year",
        "recruitment_cost_per_household",
        "allowance_per_child_per_week",
        "fee_per_household_per_week",
        "ssw_cost_per_household_per_year",
        "n_simulations",
        *AUTHORITY_LEVERS,
    )
    return Scenario(name="baseline", **{k: getattr(scenario, k) for k in keep})


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Everything a scenario run produces (tidy frames; £ are nominal unless said).

    Attributes
    ----------
    scenario : Scenario
    months : DatetimeIndex
        Month ends of the projection.
    placements : DataFrame
        month, age_band, placement_category, provider, mean, p10, p90 (children, after
        allocation to in-house capacity).
    carers : DataFrame
        month, age_band ('all ages'), households, usable_places, approvals, extra_approvals.
    carers_needed : DataFrame
        By financial quarter: approvals a target needs by carer type, enquiries needed,
        households in post and needed (empty without targets).
    costs_by_financial_year : DataFrame
        financial_year, placement_category, provider, cost_mean, cost_p10, cost_p90, months (£);
        the investment rows (:data:`INVESTMENT_LABELS`) follow the placement categories.
    budget_by_financial_year : DataFrame
        financial_year, cost_mean, cost_p10, cost_p90, months: placements plus investment (£).
    savings_by_financial_year : DataFrame
        Placement costs against the baseline (same data, seed and prices): positive = saving (£).
    invest_to_save : InvestToSave
    cost_paths : numpy.ndarray
        £ by path, month and label ``(paths, months, labels)``; see :meth:`monthly_costs`.
    cost_labels : tuple of str
        Placement categories, then :data:`INVESTMENT_LABELS`.
    targets : DataFrame
        One row per target (:data:`sufficiency.plan.targets.TARGET_COLUMNS`).
    summary : dict
        Headline figures for summary.json.
    plan : TargetPlan or None
        The solved target plan.
    baseline_summary : dict
        The baseline's headline figures (for changes against baseline).
    shares : DataFrame
        month, ifa_share_of_fostering_pct, ifa_share_of_non_kinship_fostering_pct (mean over
        paths), external_residential (children).
    by_category : DataFrame
        month, placement_category, mean, p10, p90: children of all ages in each category, the
        percentiles taken over paths of the all-ages count (summing the age bands' percentiles
        would overstate the spread).
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
    plan: Any = None
    baseline_summary: dict = field(default_factory=dict)
    figures: Any = None
    resolved: Any = None
    warnings: tuple[str, ...] = ()
    shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_category: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def _placements_frame(placements: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    mean = placements.mean(axis=0)
    if placements.shape[0] > 1:
        p10, p90 = fin.path_quantiles(placements, [0.1, 0.9])
    else:
        p10 = p90 = mean
    n_b, n_c = len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)
    categories = np.tile(np.array(codes.PLACEMENT_CATEGORIES, dtype=object), len(months) * n_b)
    providers = [fin.PROVIDER_BY_CATEGORY.get(c, np.nan) for c in codes.PLACEMENT_CATEGORIES]
    return pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_b * n_c),
            "age_band": np.tile(
                np.repeat(np.array(codes.AGE_BANDS, dtype=object), n_c), len(months)
            ),
            "placement_category": categories,
            "provider": np.tile(np.array(providers, dtype=object), len(months) * n_b),
            "mean": mean.reshape(-1),
            "p10": np.asarray(p10).reshape(-1),
            "p90": np.asarray(p90).reshape(-1),
        }
    )


def _by_category_frame(totals: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Children of all ages by month and category (``totals``: ``(paths, months, categories)``):
    mean and 10th-90th percentiles over paths."""
    mean = totals.mean(axis=0)
    if totals.shape[0] > 1:
        p10, p90 = fin.path_quantiles(totals, [0.1, 0.9])
    else:
        p10 = p90 = mean
    n_c = len(codes.PLACEMENT_CATEGORIES)
    return pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_c),
            "placement_category": np.tile(
                np.array(codes.PLACEMENT_CATEGORIES, dtype=object), len(months)
            ),
            "mean": mean.reshape(-1),
            "p10": np.asarray(p10).reshape(-1),
            "p90": np.asarray(p90).reshape(-1),
        }
    )


def _headline(projection: Projection, models: FittedModels) -> dict[str, float]:
    """Headline figures of a projection: means over the same simulated paths."""
    placements = projection.placements
    allocation = projection.allocation
    children = placements.sum(axis=(2, 3)).mean(axis=0)
    of_fostering, of_non_kinship, external = projection.mean_shares
    return {
        "children_looked_after_start": float(models.start_grid.sum()),
        "children_looked_after_end": float(children[-1]),
        "ifa_share_of_fostering_end_pct": float(of_fostering[-1] * 100),
        "ifa_share_of_non_kinship_fostering_end_pct": float(of_non_kinship[-1] * 100),
        "in_house_households_start": float(models.figures.in_house.households),
        "in_house_households_end": float(projection.supply.total_households[-1]),
        "ifa_placements_end": float(allocation.ifa_fostering.sum(axis=-1).mean(axis=0)[-1]),
        "external_residential_end": float(external[-1]),
    }


_BASELINE_CACHE_SIZE = 4
_BASELINE_LOCK = threading.Lock()


def _baseline_projection(
    scenario: Scenario, models: FittedModels, random_state: int | None
) -> tuple[Projection, dict[str, float]]:
    """The baseline's projection and headline figures, remembered per authority (``models``),
    baseline settings and seed: every lever change is compared with the same baseline, so it is
    projected once, not on every run (the same pure function of the same inputs). At most
    :data:`_BASELINE_CACHE_SIZE` are kept (a few horizons and price settings)."""
    base = baseline_of(scenario)
    key = (base.to_json(), random_state)
    cache = models._cache.setdefault("baseline", {})
    with _BASELINE_LOCK:
        found = cache.get(key)
    if found is None:
        projection = project(base, models, random_state)
        found = (projection, _headline(projection, models))
        with _BASELINE_LOCK:
            while len(cache) >= _BASELINE_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = found
    return found


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
        The levers and targets.
    data : Ssda903Data, optional
        Used only to fit models when ``models`` is not given (demo authority when both are None).
    models : FittedModels, optional
        Fitted once with :func:`fit_models` and reused across runs (the fast path).
    random_state : int, optional
        Seed for the simulated paths; the baseline uses the same seed and paths, so differences
        are the levers' effect, not noise.

    Returns
    -------
    ScenarioResult
    """
    from sufficiency.plan.targets import TARGET_COLUMNS
    from sufficiency.scenario.solve import solve_targets

    if models is None:
        models = fit_models(data, max_horizon=max(scenario.horizon_months, 60))
    baseline, base_headline = _baseline_projection(scenario, models, random_state)
    base_headline = dict(base_headline)
    plan = None
    if scenario.has_targets:
        plan, projected = solve_targets(scenario, models, random_state)
    else:
        projected = project(scenario, models, random_state)
    months = projected.months
    base_year = projected.base_year

    placement_costs = projected.placement_costs
    investment = projected.investment_total - baseline.investment_total
    base_totals = baseline.placement_costs.sum(axis=-1)
    scen_totals = placement_costs.sum(axis=-1)
    itos = fin.invest_to_save_from_totals(
        months, base_totals.mean(axis=0), scen_totals.mean(axis=0), investment
    )
    invest_rows = np.stack(
        [projected.investment[label] - baseline.investment[label] for label in INVESTMENT_LABELS],
        axis=-1,
    )
    with_investment = np.concatenate(
        [
            placement_costs,
            np.broadcast_to(invest_rows, (*placement_costs.shape[:2], len(INVESTMENT_LABELS))),
        ],
        axis=-1,
    )
    labels = (*codes.PLACEMENT_CATEGORIES, *INVESTMENT_LABELS)
    costs = fin.financial_year_summary(with_investment, months, labels)
    budget = fin.financial_year_summary(with_investment, months, labels, by_label=False)
    savings = fin.savings_summary(base_totals, scen_totals, months)
    present = fin.present_value_factors(months, base_year, scenario.annual_inflation_pct)
    saving_monthly = base_totals.mean(axis=0) - scen_totals.mean(axis=0)
    headline = _headline(projected, models)
    base_headline["total_cost_gbp"] = float(
        (base_totals.mean(axis=0) + baseline.investment_total).sum()
    )
    base_headline["npv_total_cost_gbp"] = float(
        ((base_totals.mean(axis=0) + baseline.investment_total) * present).sum()
    )
    total_monthly = scen_totals.mean(axis=0) + projected.investment_total

    if plan is not None:
        target_table = pd.DataFrame([c.as_row() for c in plan.checks], columns=list(TARGET_COLUMNS))
        needed_frame, needed_text = plan.quarterly, plan.text
    else:
        target_table = pd.DataFrame(columns=list(TARGET_COLUMNS))
        needed_frame = pd.DataFrame()
        needed_text = (
            "No targets are set (an IFA share or an external residential cap), so no extra "
            "in-house households are needed for them."
        )
    figures = models.figures
    summary = {
        "scenario": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "authority": models.authority,
        "synthetic_demo_data": models.is_demo,
        "origin": models.origin.strftime("%Y-%m-%d"),
        "horizon_months": scenario.horizon_months,
        "simulated_paths": int(projected.placements.shape[0]),
        "random_state": random_state,
        "price_base_year": scenario.price_base_year,
        **headline,
        "total_cost_gbp": float(total_monthly.sum()),
        "total_saving_vs_baseline_gbp": float(savings["saving_mean"].sum()),
        "total_investment_gbp": itos.total_investment,
        "net_position_gbp": itos.net_position,
        "npv_gbp": float(((saving_monthly - investment) * present).sum()),
        "npv_total_cost_gbp": float((total_monthly * present).sum()),
        "discount_rate_pct": fin.GREEN_BOOK_DISCOUNT_RATE * 100,
        "payback_month": None
        if itos.payback_month is None
        else itos.payback_month.strftime("%Y-%m"),
        "approvals_needed_total": 0 if plan is None else int(round(plan.approvals.sum())),
        "approvals_needed_per_quarter": 0.0 if plan is None else plan.per_quarter,
        "enquiries_needed_per_quarter": 0.0 if plan is None else plan.enquiries_per_quarter,
        "approvals_now_per_quarter": float(figures.approvals_per_quarter.value),
        # without a plan the service approves as many as now; replacing leavers alone is less
        "approvals_without_plan_per_quarter": float(
            baseline.supply.approvals[BASELINE_RECRUITMENT][0] * 3
        ),
        # with the scenario's change in carers leaving, as project_supply applies it (a fifth
        # fewer leaving on the demo: 2.5 a quarter, not the baseline's 3.1)
        "approvals_replacing_leavers_per_quarter": 3
        * replacement_per_month(
            figures.in_house.households,
            1.0
            - (1.0 - projected.resolved.annual_leaving_rate)
            ** (1 + scenario.deregistration_change_pct / 100),
        ),
        "enquiries_now_per_quarter": float(figures.enquiries_per_quarter.value),
        "step_downs_solved_per_year": 0.0 if plan is None else plan.step_downs_per_year,
        "targets": target_table.to_dict(orient="records"),
        "carers_needed": needed_text,
        "migration_notes": list(scenario.migration_notes),
    }
    warnings = []
    if (
        any(pct for _, pct in scenario.entries_change_pct)
        and not scenario.edge_of_care_cost_per_year
    ):
        warnings.append(
            "Entries into care change but no edge-of-care programme cost is entered, so its "
            "payback is immediate by construction: enter the programme's yearly cost."
        )
    if scenario.deregistration_change_pct and not scenario.retention_cost_per_year:
        warnings.append(
            "Retention changes but no retention programme cost is entered: enter its yearly cost."
        )
    if scenario.conversion_improvement_pct and not scenario.conversion_cost_per_year:
        warnings.append(
            "Conversion improves but no cost is entered for the improvement: enter its yearly cost."
        )
    of_fostering, of_non_kinship, external = projected.mean_shares
    shares = pd.DataFrame(
        {
            "month": months,
            "ifa_share_of_fostering_pct": of_fostering * 100,
            "ifa_share_of_non_kinship_fostering_pct": of_non_kinship * 100,
            "external_residential": external,
        }
    )
    return ScenarioResult(
        shares=shares,
        scenario=scenario,
        months=months,
        placements=_placements_frame(projected.placements, months),
        by_category=_by_category_frame(projected.children_by_category, months),
        carers=projected.supply.frame(),
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
        plan=plan,
        baseline_summary=base_headline,
        figures=figures,
        resolved=projected.resolved,
        warnings=tuple(warnings),
    )
