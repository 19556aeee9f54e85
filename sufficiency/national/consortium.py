"""Regional consortium mode: one stock-flow model per authority from stacked 903 extracts.

A consortium or recruitment hub holds the 903 extracts of several authorities in one set of files
(an ``LA`` column). Each authority gets the duration-aware stock-flow model of
:mod:`sufficiency.demand.stockflow` fitted on its own children, and every authority together
gets the same model fitted on the pooled data (children kept distinct by authority). A small
authority's monthly rates rest on few children, so each of its rates is then shrunk towards the
pooled model's rate for the same cell (credibility weighting):

    rate = w x own rate + (1 - w) x pooled rate,   w = E / (E + k)

where ``E`` is the authority's own exposure in that cell (child-months in the reference period,
by single year of age, time in care and placement) and ``k`` the shrinkage strength in
child-months (:data:`DEFAULT_SHRINKAGE`: none by default, as the backtest chose; see there). Where moves go and where entrants are first placed are
shrunk the same way, with the authority's moves and entrants in place of child-months and the
model's own pseudo-count priors (``destination_prior``, ``entry_split_prior``) in place of ``k``,
scaled with ``k`` (:data:`PRIOR_SCALE`). What stays the authority's own: the children in care
at the origin and the level of entries (the size of the authority), and its drift settings.
Placements the law rules out stay closed; a placement nobody of an age band arrived in within
the authority's own history opens when some child of that age arrived in it in the pooled data.

The outputs are one forecast per authority (from its shrunk model) and one for the consortium
as a whole (the pooled model), in the long frame of :func:`sufficiency.demand.stockflow
.summarise_paths` with a leading ``la`` column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.codes import AGE_BANDS
from sufficiency.demand.hazards import duration_band_labels
from sufficiency.demand.panel import ADULT_MONTHS, age_band_of_months, care_months
from sufficiency.demand.projection import ProjectionParams, simulate_paths
from sufficiency.demand.stockflow import StockFlowModel, summarise_paths
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report

DEFAULT_SHRINKAGE = 0.0
"""Default shrinkage strength ``k`` in child-months per cell: none. Chosen by the rule written
down in ``benchmarks/bench_consortium.py`` before any score was computed, on three synthetic
authorities of 300-700 children taken as one consortium: on the choosing origins (2017-2021)
every ``k`` tried (30, 120, 480, in effect the pool) was worse than each authority's own rates
(score 0.916 for 0 against 0.973 for 30 and 1.079 for 120); on the confirming origins
(September 2021 to March 2023) 120 did better than 0 (1.261 against 1.578). No small authority
was in that backtest: for authorities of a few dozen children, ``--shrinkage 120`` (half weight
on the pool in a cell holding ten children for a year) is the suggestion, not a tested choice."""

PRIOR_SCALE = 120.0
"""``k`` at which the pseudo-counts of where moves go and of entrants' first placements
(``destination_prior``, ``entry_split_prior`` of the stock-flow model) weigh fully against the
authority's own moves and entrants; they are scaled with ``k`` (0 at ``k`` = 0)."""

POOLED = "All authorities (pooled)"
"""``la`` label of the consortium-wide forecast from the pooled model."""


@dataclass(frozen=True, eq=False)
class AuthorityModel:
    """One authority's fitted model, before and after shrinkage.

    Attributes
    ----------
    la : str
        The authority's name as in the LA column.
    model : StockFlowModel
        The authority's model with its rates shrunk towards the pool (``params_``).
    own_params : ProjectionParams
        The parameters fitted on the authority's data alone.
    child_months : float
        The authority's exposure in the reference period (child-months).
    own_weight : float
        Exposure-weighted average of ``w`` over the authority's cells: the share of its exit and
        move rates that rests on its own data (0-1).
    """

    la: str
    model: StockFlowModel
    own_params: ProjectionParams
    child_months: float
    own_weight: float

    @property
    def params(self) -> ProjectionParams:
        """The shrunk parameters the forecast uses."""
        return self.model.params_


@dataclass(frozen=True, eq=False)
class ConsortiumFit:
    """Every authority's shrunk model and the pooled model.

    Attributes
    ----------
    authorities : dict of str to AuthorityModel
    pooled : StockFlowModel
        The model fitted on every authority's children together.
    shrinkage : float
        ``k`` in child-months per cell.
    """

    authorities: dict[str, AuthorityModel]
    pooled: StockFlowModel
    shrinkage: float

    def weights_table(self) -> pd.DataFrame:
        """One row per authority and one for the pool: ``la, origin, children_at_origin,
        child_months, own_weight`` (the pool's own weight is 1)."""
        rows = [
            {
                "la": fitted.la,
                "origin": fitted.params.origin.date(),
                "children_at_origin": int(round(float(fitted.params.start_population.sum()))),
                "child_months": round(fitted.child_months, 1),
                "own_weight": round(fitted.own_weight, 3),
            }
            for fitted in self.authorities.values()
        ]
        pooled = self.pooled.params_
        rows.append(
            {
                "la": POOLED,
                "origin": pooled.origin.date(),
                "children_at_origin": int(round(float(pooled.start_population.sum()))),
                "child_months": round(float(cell_exposure(self.pooled).sum()), 1),
                "own_weight": 1.0,
            }
        )
        return pd.DataFrame(rows)


def consortium_panels(data, authorities: list[str] | None = None):
    """Month-end care histories of each authority and of all of them pooled.

    Parameters
    ----------
    data : sufficiency.data.ssda903.Ssda903Data
        903 data holding several authorities (an ``la`` column).
    authorities : list of str, optional
        Names of the authorities to model (default every one in the files; matched without
        regard to case). The pool is always every authority in the files.

    Returns
    -------
    (dict of str to pandas.DataFrame, pandas.DataFrame)
        Each authority's :func:`~sufficiency.demand.panel.care_months`, and the pooled one.

    Raises
    ------
    SufficiencyError
        When the files hold one authority only, or a name is not among those in the files.
    """
    if not data.multi_authority or len(data.authorities) < 2:
        raise SufficiencyError(
            "Consortium mode needs 903 files holding several authorities, with an LA column in "
            "the header and episodes tables naming each child's authority. These files hold one "
            "authority: use `sufficiency forecast` for it."
        )
    chosen = list(data.authorities)
    if authorities:
        wanted = {name.strip().lower() for name in authorities}
        chosen = [a for a in data.authorities if a.lower() in wanted]
        unknown = wanted - {a.lower() for a in chosen}
        if unknown:
            raise SufficiencyError(
                f"No authority called {', '.join(sorted(unknown))} in these files. The LA column "
                f"holds: {', '.join(data.authorities)}."
            )
    panels = {}
    for name in chosen:
        one = data.for_authority(name)
        panels[name] = care_months(one.episodes, one.extract_date)
    pooled = data.pooled()
    return panels, care_months(pooled.episodes, pooled.extract_date)


def cell_exposure(model: StockFlowModel) -> np.ndarray:
    """Child-months behind a fitted model's rates, ``(18, D, C)`` like its ``move_prob``."""
    params = model.params_
    labels = {label: i for i, label in enumerate(duration_band_labels(params.duration_edges))}
    categories = {c: i for i, c in enumerate(params.categories)}
    exposure = np.zeros(params.move_prob.shape)
    rates = model.rates_.loc[model.rates_["transition"] == "placement move"]
    np.add.at(
        exposure,
        (
            rates["age_years"].to_numpy(int),
            rates["time_in_care"].map(labels).to_numpy(int),
            rates["placement_category"].map(categories).to_numpy(int),
        ),
        rates["exposure_child_months"].to_numpy(float),
    )
    return exposure


def _entrants_by_band(model: StockFlowModel, panel: pd.DataFrame) -> np.ndarray:
    """Entrants per age band over the model's entrant-profile window, ``(B,)``."""
    origin = model.params_.origin
    first = origin - pd.offsets.MonthEnd(int(model.entry_profile_months))
    dates = pd.to_datetime(panel["date"])
    rows = panel.loc[(panel["kind"] == "entry") & (dates > first) & (dates <= origin)]
    counts = np.zeros(len(AGE_BANDS))
    band = age_band_of_months(np.clip(rows["age_months"].to_numpy(), 0, ADULT_MONTHS - 1))
    np.add.at(counts, band, rows["children"].to_numpy(float))
    return counts


def _moves_by_band(exposure: np.ndarray, move_prob: np.ndarray) -> np.ndarray:
    """Expected moves per (age band, placement moved from), ``(B, C)``."""
    per_year = (exposure * move_prob).sum(axis=1)  # (18, C)
    bands = age_band_of_months(np.arange(per_year.shape[0]) * 12)
    out = np.zeros((len(AGE_BANDS), per_year.shape[1]))
    np.add.at(out, bands, per_year)
    return out


def _normalised(rows: np.ndarray) -> np.ndarray:
    totals = rows.sum(axis=-1, keepdims=True)
    return np.where(totals > 0, rows / np.where(totals > 0, totals, 1.0), 0.0)


def shrink_towards_pool(
    own: StockFlowModel, pooled: StockFlowModel, own_panel: pd.DataFrame, shrinkage: float
) -> tuple[ProjectionParams, float]:
    """An authority's parameters with every rate shrunk towards the pooled model's.

    Parameters
    ----------
    own, pooled : StockFlowModel
        Fitted on the authority's data and on every authority's (same settings).
    own_panel : pandas.DataFrame
        The authority's month-end care histories (for its entrants by age band).
    shrinkage : float
        ``k``: child-months per cell at which own and pooled rates weigh the same (>= 0).

    Returns
    -------
    (ProjectionParams, float)
        The shrunk parameters and the exposure-weighted share of the exit and move rates that
        rests on the authority's own data.
    """
    if not shrinkage >= 0:
        raise SufficiencyError(f"The shrinkage must be 0 or more child-months (got {shrinkage}).")
    mine, pool = own.params_, pooled.params_
    if mine.exit_prob.shape != pool.exit_prob.shape:
        raise SufficiencyError(
            "The authority and pooled models must be fitted with the same settings."
        )
    exposure = cell_exposure(own)
    weight = exposure / (exposure + shrinkage) if shrinkage > 0 else np.ones_like(exposure)
    exit_prob = weight[..., None] * mine.exit_prob + (1 - weight[..., None]) * pool.exit_prob
    move_prob = weight * mine.move_prob + (1 - weight) * pool.move_prob

    # a placement is open to an age band if the law allows it and a child of that age arrived
    # in it in either the authority's own history or the pool's (the law closes both alike)
    allowed = own.transitions_.arrival_allowed | pooled.transitions_.arrival_allowed
    moves = _moves_by_band(exposure, mine.move_prob)  # (B, C)
    move_weight = _credibility(moves, float(own.destination_prior), shrinkage)[..., None]
    destination = move_weight * mine.destination + (1 - move_weight) * pool.destination
    destination = _normalised(destination * allowed[:, None, :])

    entrants = _entrants_by_band(own, own_panel)
    entry_weight = _credibility(entrants, float(own.entry_split_prior), shrinkage)[:, None]
    entry_split = _normalised(
        (entry_weight * mine.entry_split + (1 - entry_weight) * pool.entry_split) * allowed
    )
    entry_age = _normalised(entry_weight * mine.entry_age + (1 - entry_weight) * pool.entry_age)

    total = exposure.sum()
    share = float((weight * exposure).sum() / total) if total > 0 else 0.0
    shrunk = mine.replace(
        exit_prob=exit_prob,
        move_prob=move_prob,
        destination=destination,
        entry_split=entry_split,
        entry_age=entry_age,
        # open to anyone the shrunk rates may send there (children may then age in and stay)
        ruled_out=mine.ruled_out_cells & pool.ruled_out_cells,
    )
    return shrunk, share


def _credibility(counts: np.ndarray, prior: float, shrinkage: float) -> np.ndarray:
    """Weight on own shares given ``counts`` events: ``prior`` pseudo-events weigh against them
    at the default shrinkage, scaled with it (0: own shares only; very large: the pool's)."""
    strength = prior * shrinkage / PRIOR_SCALE
    if strength == 0:
        return np.ones_like(counts)
    return counts / (counts + strength)


def _fit_one(settings: dict, item: tuple[str, pd.DataFrame]) -> tuple[str, StockFlowModel]:
    name, panel = item
    return name, StockFlowModel(**settings).fit(panel)


def fit_consortium(
    panels: dict[str, pd.DataFrame],
    pooled_panel: pd.DataFrame,
    *,
    shrinkage: float = DEFAULT_SHRINKAGE,
    model_params: dict | None = None,
    engine=None,
    progress: ProgressCallback | None = None,
) -> ConsortiumFit:
    """Fit each authority's model and the pooled model, then shrink each towards the pool.

    Parameters
    ----------
    panels : dict of str to pandas.DataFrame
        Each authority's month-end care histories (:func:`consortium_panels`).
    pooled_panel : pandas.DataFrame
        Every authority's together.
    shrinkage : float, default :data:`DEFAULT_SHRINKAGE`
        ``k`` in child-months per cell; 0 keeps every authority's own rates.
    model_params : dict, optional
        Stock-flow settings (default the model's own), the same for every authority and the pool.
    engine : sufficiency.distributed.Engine, optional
        Runs the fits (one task per authority and one for the pool); default in this process.

    Returns
    -------
    ConsortiumFit
    """
    from sufficiency.distributed import SerialEngine

    if not panels:
        raise SufficiencyError("No authority to model.")
    settings = StockFlowModel(**(model_params or {})).get_params()
    settings["duration_edges"] = tuple(settings["duration_edges"])
    running = engine or SerialEngine()
    items = [*panels.items(), (POOLED, pooled_panel)]
    report(progress, 0, 2, f"fitting {len(items)} models")
    fitted = dict(running.map(_fit_one, items, settings, label="models"))
    report(progress, 1, 2, "shrinking rates towards the pool")
    pooled = fitted.pop(POOLED)
    authorities = {}
    for name, own in fitted.items():
        params, share = shrink_towards_pool(own, pooled, panels[name], shrinkage)
        model = copy.copy(own)
        model.params_ = params
        authorities[name] = AuthorityModel(
            la=name,
            model=model,
            own_params=own.params_,
            child_months=float(cell_exposure(own).sum()),
            own_weight=share,
        )
    report(progress, 2, 2, "done")
    return ConsortiumFit(authorities=authorities, pooled=pooled, shrinkage=float(shrinkage))


def _forecast_one(shared: tuple[int, int, int], item: tuple[str, ProjectionParams]):
    horizon, n_paths, seed = shared
    name, params = item
    frame = summarise_paths(simulate_paths(params, horizon, n_paths, seed), params)
    frame.insert(0, "la", name)
    return frame


def consortium_forecast(
    fit: ConsortiumFit,
    horizon: int,
    *,
    n_paths: int = 1000,
    random_state: int = 0,
    engine=None,
) -> pd.DataFrame:
    """Every authority's forecast and the consortium's (pooled model), one long frame.

    Parameters
    ----------
    fit : ConsortiumFit
    horizon : int
        Months ahead.
    n_paths : int, default 1000
        Simulated futures per authority.
    random_state : int, default 0
        Seed, the same for every authority: the same seed gives the same numbers on every engine.
    engine : sufficiency.distributed.Engine, optional
        Runs one simulation task per authority and one for the pool.

    Returns
    -------
    pandas.DataFrame
        ``la`` then :data:`sufficiency.demand.stockflow.FORECAST_COLUMNS` (children), the
        authorities in the files' order then :data:`POOLED`.
    """
    from sufficiency.distributed import SerialEngine

    running = engine or SerialEngine()
    items = [(name, fitted.params) for name, fitted in fit.authorities.items()]
    items.append((POOLED, fit.pooled.params_))
    frames = running.map(
        _forecast_one, items, (int(horizon), int(n_paths), int(random_state)), label="forecasts"
    )
    return pd.concat(frames, ignore_index=True)
