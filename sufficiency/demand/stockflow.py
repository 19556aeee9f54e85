"""Stock-flow (multi-state) model of children looked after by age band x placement category.

States are (age band, placement category). Each month a child in a state may stay, move to another
placement category (same band), age into the next band (same category) or leave care for one of the
exit reason groups. New children arrive as a Poisson process per age band (mean from
:class:`~sufficiency.demand.entries.MonthlyEntries`) and are split across first placements.

Estimation, explicitly:

- **Rates** are events / exposure over the reference period, where exposure is child-months in the
  state (trapezoid of consecutive month-end stocks).
- **Small cells** are shrunk on purpose (Gamma-Poisson empirical Bayes): a cell rate is
  ``(events + k * prior) / (exposure + k)`` with ``k = prior_strength`` child-months, and cells with
  less than ``min_exposure`` child-months take the prior outright. Priors: placement moves pool the
  same category pair across age bands (moves depend mostly on the placement); exits pool the same age
  band across categories (exits depend mostly on age: adoption for the young, independence at 16-17);
  ageing pools the band across categories, itself shrunk towards the band-width rate
  ``1 / (12 * width in years)``. Every pooled rate is shrunk towards the authority-wide rate, so no
  rate is ever NaN or 0/0.
- **Competing hazards** become monthly probabilities through the matrix exponential of the
  generator (exits absorbing): this is the exact continuous-time answer, lets a child move and
  leave in the same month, and gives rows that are non-negative and sum to one. The simpler
  ``p_k = (1 - exp(-H)) * h_k / H`` allows one transition a month and, on the demo authority,
  under-counted exits by about 4% a month (:meth:`StockFlowParams.competing_risk_probabilities`).

The mean path is a matrix recursion; the Monte Carlo draws a binomial number of leavers per state and
path, then allocates each leaver to a destination by its conditional probabilities (an exact
multinomial), vectorised over paths with numpy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BAND_LOWER_YEARS,
    AGE_BANDS,
    EXIT_OTHER,
    EXIT_REASON_GROUPS,
    PLACEMENT_CATEGORIES,
)
from sufficiency.demand.entries import MonthlyEntries, monthly_entries_history
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report
from sufficiency.schemas import MOVEMENTS, STOCK

if TYPE_CHECKING:
    from sufficiency.demand.levers import DemandLevers

ALL = "all"
"""Label used in ``age_band`` / ``placement_category`` for total rows."""

QUANTILES: dict[str, float] = {
    "p2_5": 0.025,
    "p10": 0.10,
    "p25": 0.25,
    "p50": 0.50,
    "p75": 0.75,
    "p90": 0.90,
    "p97_5": 0.975,
}
"""Forecast quantile columns: 95% (p2_5-p97_5), 80% (p10-p90) and 50% (p25-p75) intervals, median."""

FORECAST_COLUMNS: tuple[str, ...] = ("date", "age_band", "placement_category", "mean", *QUANTILES)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "date",
    "age_band",
    "placement_category",
    "mean",
    "p2_5",
    "p10",
    "p50",
    "p90",
    "p97_5",
)
"""Columns of the ``sufficiency forecast`` CSV (the agreed output; the 50% interval is on request)."""


def band_width_ageing_rates() -> np.ndarray:
    """Monthly ageing hazard per band from band widths alone, ``1 / (12 * width)``; 0 for 16-17."""
    uppers = (*AGE_BAND_LOWER_YEARS[1:], 18)
    widths = np.array(uppers, dtype=float) - np.array(AGE_BAND_LOWER_YEARS, dtype=float)
    rates = 1.0 / (12.0 * widths)
    rates[-1] = 0.0  # at 18 care ends: that is an exit, counted with exits
    return rates


@dataclass(frozen=True)
class StepDownFlow:
    """A step-down as the projection applies it: a count of children moved each month.

    Attributes
    ----------
    source, target : int
        Flat state indices (``band * C + category``) moved from and to.
    children_per_month : float
        Children moved each month while the source holds that many (simulations move whole
        children, spreading fractions so that every 12 months move 12 x this).
    label : str
        ``"<band>: <from> -> <to>"`` for tables.
    """

    source: int
    target: int
    children_per_month: float
    label: str = ""

    def due(self, horizon: int) -> np.ndarray:
        """Whole children due each month, ``(horizon,)``: cumulative rounding of the monthly rate."""
        cumulative = np.floor(self.children_per_month * np.arange(horizon + 1) + 1e-9)
        return np.diff(cumulative).astype(np.int64)


@dataclass(frozen=True, eq=False)
class StockFlowParams:
    """Everything the projection needs; levers act on a copy of this, never on the data.

    Attributes
    ----------
    origin : pandas.Timestamp
        Month end the projection starts from (the last observed stock).
    start_stock : numpy.ndarray
        Children per state at ``origin``, shape ``(S,)``; state index ``band * C + category``.
    hazards : numpy.ndarray
        Monthly hazards, shape ``(S, S + G)``: columns ``0..S-1`` are destination states (diagonal
        zero), then one column per exit reason group.
    entry_split : numpy.ndarray
        Share of each band's entries starting in each category, shape ``(B, C)``, rows sum to 1.
    entry_mean : numpy.ndarray
        Expected entries per month and band, shape ``(H, B)`` (children/month).
    entry_samples : numpy.ndarray
        Sampled entry-mean paths (trend uncertainty), shape ``(N, H, B)``.
    exit_events, move_events : numpy.ndarray or None
        Events behind the rates in the reference period: exits per exit reason group ``(G,)`` and
        placement moves into each category ``(C,)``. They size the rate uncertainty drawn by
        :func:`simulate_paths`; None leaves the rates fixed.
    step_downs : tuple of StepDownFlow
        Step-downs (children a month) applied at the start of every month, in order.
    """

    origin: pd.Timestamp
    start_stock: np.ndarray
    hazards: np.ndarray
    entry_split: np.ndarray
    entry_mean: np.ndarray
    entry_samples: np.ndarray
    age_bands: tuple[str, ...] = AGE_BANDS
    categories: tuple[str, ...] = PLACEMENT_CATEGORIES
    exit_groups: tuple[str, ...] = EXIT_REASON_GROUPS
    exit_events: np.ndarray | None = None
    move_events: np.ndarray | None = None
    step_downs: tuple[StepDownFlow, ...] = ()

    @property
    def n_states(self) -> int:
        return len(self.age_bands) * len(self.categories)

    @property
    def max_horizon(self) -> int:
        return int(self.entry_mean.shape[0])

    def state_index(self, age_band: str, category: str) -> int:
        """Index of a state in the flat state axis."""
        return self.age_bands.index(age_band) * len(self.categories) + self.categories.index(
            category
        )

    def probabilities(self) -> np.ndarray:
        """Monthly transition probabilities, shape ``(S, S + G)``; the diagonal is "same state".

        The month's transition matrix is the matrix exponential of the continuous-time generator
        (exit groups absorbing), so a child can move and then leave within one month, as the
        rates (events per child-month, whenever in the month they happened) assume. Every row is
        non-negative and sums to one.
        """
        from scipy.linalg import expm

        n_states, width = self.n_states, self.hazards.shape[1]
        generator = np.zeros((width, width))
        generator[:n_states] = self.hazards
        idx = np.arange(n_states)
        generator[idx, idx] = -self.hazards.sum(axis=1)
        probs = np.clip(expm(generator)[:n_states], 0.0, 1.0)
        return probs / probs.sum(axis=1, keepdims=True)

    def competing_risk_probabilities(self) -> np.ndarray:
        """One-transition-per-month approximation ``p_k = (1 - exp(-H)) h_k / H`` (for comparison)."""
        hazards = self.hazards
        total = hazards.sum(axis=1)
        leave = -np.expm1(-total)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[:, None] > 0, hazards / total[:, None], 0.0)
        probs = leave[:, None] * share
        idx = np.arange(self.n_states)
        probs[idx, idx] = np.exp(-total)
        return probs

    def replace(self, **changes) -> StockFlowParams:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class MeanPath:
    """Expected monthly stock and flows.

    Shapes: stock/entries ``(H, S)``, exits ``(H, S, G)``, stepped_down ``(H, K)`` (children
    actually moved each month by each of the K step-downs, in the order of
    ``params.step_downs``).
    """

    dates: pd.DatetimeIndex
    stock: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    stepped_down: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SimulatedPaths:
    """Simulated futures: stock ``(n_paths, H, S)`` and step-downs delivered ``(n_paths, H, K)``.

    ``stepped_down[p, t, k]`` is how many children step-down ``k`` moved in month ``t`` of path
    ``p`` (the full monthly count unless the source cell ran out).
    """

    stock: np.ndarray
    stepped_down: np.ndarray
    labels: tuple[str, ...] = ()


def forecast_dates(origin: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` month ends after ``origin``."""
    return pd.date_range(pd.Timestamp(origin), periods=horizon + 1, freq="ME")[1:]


def _check_horizon(params: StockFlowParams, horizon: int) -> None:
    if not 1 <= horizon <= params.max_horizon:
        raise SufficiencyError(
            f"The horizon must be between 1 and {params.max_horizon} months (got {horizon}). "
            "Refit with a longer max_horizon for longer forecasts."
        )


def project_mean(params: StockFlowParams, horizon: int) -> MeanPath:
    """Expected stock per state for each month ahead (the fast, deterministic path)."""
    _check_horizon(params, horizon)
    n_states = params.n_states
    probs = params.probabilities()
    moves, exits = probs[:, :n_states], probs[:, n_states:]
    entries = (params.entry_mean[:horizon, :, None] * params.entry_split[None]).reshape(
        horizon, n_states
    )
    stock = np.empty((horizon, n_states))
    exit_flows = np.empty((horizon, n_states, exits.shape[1]))
    stepped = np.zeros((horizon, len(params.step_downs)))
    current = params.start_stock.astype("float64")
    for t in range(horizon):
        for k, step in enumerate(params.step_downs):
            moved = min(step.children_per_month, current[step.source])
            current[step.source] -= moved
            current[step.target] += moved
            stepped[t, k] = moved
        exit_flows[t] = current[:, None] * exits
        current = current @ moves + entries[t]
        stock[t] = current
    return MeanPath(forecast_dates(params.origin, horizon), stock, entries, exit_flows, stepped)


def _rate_draws(params: StockFlowParams, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` hazard matrices with exit and move rates scaled by draws of their uncertainty.

    Each exit reason group's rates share one multiplier, and so do the moves into each
    placement category: Gamma(events + 1/2) / (events + 1/2), mean 1, spread about
    1/sqrt(events), i.e. what the reference period's counts can tell.
    """
    n_states, n_cats = params.n_states, len(params.categories)
    exit_events = np.asarray(params.exit_events, dtype=float)
    move_events = np.asarray(params.move_events, dtype=float)
    exit_mult = rng.gamma(exit_events + 0.5, 1.0 / (exit_events + 0.5), (n_draws, exit_events.size))
    move_mult = rng.gamma(move_events + 0.5, 1.0 / (move_events + 0.5), (n_draws, n_cats))
    # moves are the within-band off-diagonal blocks; ageing (next band) is left as it is
    band = np.arange(n_states) // n_cats
    within_band = band[:, None] == band[None, :]
    destination_cat = np.arange(n_states) % n_cats
    draws = np.repeat(params.hazards[None], n_draws, axis=0)
    for k in range(n_draws):
        moves = draws[k, :, :n_states]
        moves[within_band] *= np.broadcast_to(move_mult[k, destination_cat], moves.shape)[
            within_band
        ]
        draws[k, :, n_states:] *= exit_mult[k]
    return draws


def _leave_and_cdf(params: StockFlowParams, hazards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probability of leaving each state this month and the cdf of where leavers go."""
    n_states = params.n_states
    probs = params.replace(hazards=hazards).probabilities()
    leave = np.clip(1.0 - np.diag(probs), 0.0, 1.0)
    conditional = probs.copy()
    conditional[np.arange(n_states), np.arange(n_states)] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = np.where(leave[:, None] > 0, conditional / leave[:, None], 0.0)
    cdf = np.cumsum(conditional, axis=1)
    cdf[:, -1] = 1.0  # guard against rounding so every leaver lands somewhere
    return leave, cdf


def simulate_paths(
    params: StockFlowParams,
    horizon: int,
    n_paths: int = 1000,
    random_state: int | None = 0,
    rate_draws: int = 10,
) -> np.ndarray:
    """Simulated stock per state, shape ``(n_paths, horizon, S)`` (children, int32).

    The stock of :func:`simulate`; use that to also read the step-downs delivered.
    """
    return simulate(params, horizon, n_paths, random_state, rate_draws).stock


def simulate(
    params: StockFlowParams,
    horizon: int,
    n_paths: int = 1000,
    random_state: int | None = 0,
    rate_draws: int = 10,
) -> SimulatedPaths:
    """Simulated futures: stock per state ``(n_paths, horizon, S)`` and step-downs delivered.

    Each month: leavers per state ~ Binomial(stock, 1 - stay); each leaver's destination ~ its
    state's conditional probabilities; entries ~ Poisson(sampled mean) split multinomially across
    first placements. Each path follows one sampled entry-mean path (trend uncertainty) and one of
    ``rate_draws`` draws of the exit and move rates (rate uncertainty; 0 keeps them fixed, as does
    parameters without event counts). Destinations are drawn by inverse-cdf search, an exact
    multinomial split.
    """
    _check_horizon(params, horizon)
    if n_paths < 1:
        raise SufficiencyError(f"The number of simulated paths must be at least 1 (got {n_paths}).")
    rng = np.random.default_rng(random_state)
    n_states = params.n_states
    uncertain = rate_draws > 0 and params.exit_events is not None and params.move_events is not None
    if uncertain:
        hazard_sets = _rate_draws(params, int(rate_draws), rng)
    else:
        hazard_sets = params.hazards[None]
    pairs = [_leave_and_cdf(params, hazards) for hazards in hazard_sets]
    leave_by_draw = np.stack([leave for leave, _ in pairs])  # (K, S)
    cdf = np.concatenate([cdf for _, cdf in pairs])  # (K * S, D)
    n_dest = cdf.shape[1]
    # Row r of the cdf shifted into [r, r + 1] and flattened is sorted, so one searchsorted of
    # (row + uniform) finds every leaver's destination without a (leavers x destinations) array.
    shifted_cdf = (cdf + np.arange(cdf.shape[0])[:, None]).ravel()
    draw_of_path = np.arange(n_paths) % len(pairs)
    leave = leave_by_draw[draw_of_path]  # (paths, S)
    can_leave = leave_by_draw.max(axis=0) > 0

    samples = params.entry_samples[:, :horizon, :]
    sample_of_path = rng.integers(samples.shape[0], size=n_paths)
    split = params.entry_split
    path_offset = np.arange(n_paths)[:, None]

    counts = np.broadcast_to(params.start_stock.astype(np.int64), (n_paths, n_states)).copy()
    out = np.empty((n_paths, horizon, n_states), dtype=np.int32)
    steps = params.step_downs
    due = [step.due(horizon) for step in steps]
    stepped = np.zeros((n_paths, horizon, len(steps)), dtype=np.int32)
    for t in range(horizon):
        for k, step in enumerate(steps):
            if due[k][t]:
                moved = np.minimum(due[k][t], counts[:, step.source])
                counts[:, step.source] -= moved
                counts[:, step.target] += moved
                stepped[:, t, k] = moved
        # only states holding children in some path can lose any (skips empty cells' draws)
        active = np.flatnonzero(counts.any(axis=0) & can_leave)
        leavers = np.zeros_like(counts)
        leavers[:, active] = rng.binomial(counts[:, active], leave[:, active])
        counts -= leavers
        path_idx, state_idx = np.nonzero(leavers)
        if path_idx.size:
            reps = leavers[path_idx, state_idx]
            leaver_path = np.repeat(path_idx, reps)
            leaver_state = np.repeat(state_idx, reps)
            row = draw_of_path[leaver_path] * n_states + leaver_state
            flat = np.searchsorted(shifted_cdf, row + rng.random(row.size), side="right")
            dest = np.minimum(flat - row * n_dest, n_dest - 1)
            stays_in_care = dest < n_states
            arrivals = np.bincount(
                leaver_path[stays_in_care] * n_states + dest[stays_in_care],
                minlength=n_paths * n_states,
            )
            counts += arrivals.reshape(n_paths, n_states)
        # Entries: Poisson total per path, each entrant placed in a (band, first placement) cell
        # with probability proportional to its mean: the same law as independent Poisson counts
        # per cell (Poisson thinning), at a fraction of the cost.
        cell_mean = (samples[sample_of_path, t, :, None] * split[None]).reshape(n_paths, -1)
        total_mean = cell_mean.sum(axis=1)
        new = rng.poisson(total_mean)
        if new.sum():
            safe = np.where(total_mean > 0, total_mean, 1.0)[:, None]
            cdf_entry = np.cumsum(cell_mean / safe, axis=1)
            cdf_entry[:, -1] = 1.0
            shifted_entry = (cdf_entry + path_offset).ravel()
            entrant_path = np.repeat(np.arange(n_paths), new)
            cell = np.searchsorted(
                shifted_entry, entrant_path + rng.random(entrant_path.size), side="right"
            )
            cell = np.minimum(cell - entrant_path * n_states, n_states - 1)
            counts += np.bincount(
                entrant_path * n_states + cell, minlength=n_paths * n_states
            ).reshape(n_paths, n_states)
        out[:, t, :] = counts
    return SimulatedPaths(out, stepped, tuple(step.label for step in steps))


# --- summarising paths into the long forecast frame ------------------------------------------


def _aggregates(values: np.ndarray, params: StockFlowParams) -> tuple[np.ndarray, list, list]:
    """Append band totals, category totals and the grand total along the last (state) axis."""
    n_bands, n_cats = len(params.age_bands), len(params.categories)
    grid = values.reshape(*values.shape[:-1], n_bands, n_cats)
    by_band = grid.sum(axis=-1)
    by_cat = grid.sum(axis=-2)
    total = grid.sum(axis=(-1, -2))[..., None]
    stacked = np.concatenate([values, by_band, by_cat, total], axis=-1)
    bands = [b for b in params.age_bands for _ in params.categories]
    cats = [c for _ in params.age_bands for c in params.categories]
    bands += list(params.age_bands) + [ALL] * n_cats + [ALL]
    cats += [ALL] * n_bands + list(params.categories) + [ALL]
    return stacked, bands, cats


def _quantiles(draws: np.ndarray, probs: list[float]) -> np.ndarray:
    """Quantiles over axis 0, identical to ``np.quantile`` (linear), from one sort of the draws."""
    ordered = np.sort(draws, axis=0)
    n = ordered.shape[0]
    out = np.empty((len(probs), *ordered.shape[1:]))
    for i, q in enumerate(probs):
        position = q * (n - 1)
        low = int(np.floor(position))
        high = min(low + 1, n - 1)
        weight = position - low
        out[i] = ordered[low] + weight * (ordered[high].astype(float) - ordered[low])
    return out


def summarise_paths(
    paths: np.ndarray, params: StockFlowParams, mean: np.ndarray | None = None
) -> pd.DataFrame:
    """Long forecast frame (:data:`FORECAST_COLUMNS`) from simulated paths, totals included.

    Parameters
    ----------
    paths : numpy.ndarray
        ``(n_paths, H, S)`` simulated stocks.
    params : StockFlowParams
        The parameters the paths came from (for labels and dates).
    mean : numpy.ndarray, optional
        ``(H, S)`` analytic mean path; when given it is used for the ``mean`` column (exact, not a
        Monte Carlo estimate).
    """
    horizon = paths.shape[1]
    stacked, bands, cats = _aggregates(paths, params)
    quantiles = _quantiles(stacked, list(QUANTILES.values()))  # (Q, H, K)
    if mean is None:
        mean_all = stacked.mean(axis=0)
    else:
        mean_all, _, _ = _aggregates(mean, params)
    n_series = stacked.shape[-1]
    dates = forecast_dates(params.origin, horizon)
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), n_series),
            "age_band": np.tile(np.array(bands, dtype=object), horizon),
            "placement_category": np.tile(np.array(cats, dtype=object), horizon),
            "mean": mean_all.reshape(-1),
        }
    )
    for j, name in enumerate(QUANTILES):
        frame[name] = quantiles[j].reshape(-1).astype("float64")
    return frame


def mean_frame(path: MeanPath, params: StockFlowParams) -> pd.DataFrame:
    """Long frame ``date, age_band, placement_category, mean`` from a mean path, totals included."""
    stacked, bands, cats = _aggregates(path.stock, params)
    horizon, n_series = stacked.shape
    return pd.DataFrame(
        {
            "date": np.repeat(path.dates.to_numpy(), n_series),
            "age_band": np.tile(np.array(bands, dtype=object), horizon),
            "placement_category": np.tile(np.array(cats, dtype=object), horizon),
            "mean": stacked.reshape(-1),
        }
    )


# --- estimation -------------------------------------------------------------------------------


def _shrink(events, exposure, prior, strength: float, min_exposure: float) -> np.ndarray:
    events, exposure, prior = np.broadcast_arrays(
        np.asarray(events, float), np.asarray(exposure, float), np.asarray(prior, float)
    )
    rate = (events + strength * prior) / (exposure + strength)
    return np.where(exposure < min_exposure, prior, rate)


def _index_of(values: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    lookup = {label: i for i, label in enumerate(labels)}
    return values.astype(object).map(lookup).fillna(-1).astype(int).to_numpy()


def _stock_matrix(
    stock: pd.DataFrame, bands: tuple[str, ...], cats: tuple[str, ...]
) -> pd.DataFrame:
    """Month-end stock, dates x flat states (band-major), zero-filled."""
    frame = stock.assign(date=pd.to_datetime(stock["date"]).dt.normalize())
    b = _index_of(frame["age_band"], bands)
    c = _index_of(frame["placement_category"], cats)
    keep = (b >= 0) & (c >= 0)
    flat = pd.DataFrame(
        {
            "date": frame["date"].to_numpy()[keep],
            "state": b[keep] * len(cats) + c[keep],
            "children": pd.to_numeric(frame["children"]).to_numpy()[keep].astype(float),
        }
    )
    wide = flat.pivot_table(index="date", columns="state", values="children", aggfunc="sum")
    wide = wide.reindex(columns=range(len(bands) * len(cats)), fill_value=0.0).fillna(0.0)
    # keep month ends only (a daily stock would make exposure wrong)
    wide = wide[wide.index == wide.index + pd.offsets.MonthEnd(0)]
    return wide.sort_index()


@dataclass(frozen=True, eq=False)
class _Counts:
    exposure: np.ndarray  # (B, C) child-months
    moves: np.ndarray  # (B, C, C)
    ageing: np.ndarray  # (B, C)
    exits: np.ndarray  # (B, C, G)
    entries: np.ndarray  # (B, C)
    months: int


def _count_events(
    movements: pd.DataFrame,
    stock_wide: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    bands: tuple[str, ...],
    cats: tuple[str, ...],
    groups: tuple[str, ...],
) -> _Counts:
    n_b, n_c, n_g = len(bands), len(cats), len(groups)
    dates = stock_wide.index
    in_period = dates[(dates > start) & (dates <= end)]
    values = stock_wide.to_numpy()
    exposure = np.zeros(n_b * n_c)
    for date in in_period:
        pos = dates.get_loc(date)
        previous = values[pos - 1] if pos > 0 else values[pos]
        exposure += 0.5 * (previous + values[pos])
    when = pd.to_datetime(movements["date"])
    window = movements.loc[(when > start) & (when <= end)]
    kind = window["movement"].astype(object)
    weight = pd.to_numeric(window["children"]).to_numpy().astype(float)
    fb = _index_of(window["from_age_band"], bands)
    fc = _index_of(window["from_category"], cats)
    tb = _index_of(window["to_age_band"], bands)
    tc = _index_of(window["to_category"], cats)

    moves = np.zeros((n_b, n_c, n_c))
    sel = ((kind == "placement_change").to_numpy()) & (fb >= 0) & (fc >= 0) & (tc >= 0) & (fc != tc)
    np.add.at(moves, (fb[sel], fc[sel], tc[sel]), weight[sel])

    ageing = np.zeros((n_b, n_c))
    sel = ((kind == "ageing").to_numpy()) & (fb >= 0) & (fc >= 0) & (tb == fb + 1)
    np.add.at(ageing, (fb[sel], fc[sel]), weight[sel])

    exits = np.zeros((n_b, n_c, n_g))
    reason = (
        window["exit_reason_group"]
        .astype(object)
        .where(window["exit_reason_group"].notna(), EXIT_OTHER)
    )
    g = _index_of(reason, groups)
    g = np.where(g < 0, groups.index(EXIT_OTHER) if EXIT_OTHER in groups else n_g - 1, g)
    sel = ((kind == "exit").to_numpy()) & (fb >= 0) & (fc >= 0)
    np.add.at(exits, (fb[sel], fc[sel], g[sel]), weight[sel])

    entries = np.zeros((n_b, n_c))
    sel = ((kind == "entry").to_numpy()) & (tb >= 0) & (tc >= 0)
    np.add.at(entries, (tb[sel], tc[sel]), weight[sel])

    return _Counts(exposure.reshape(n_b, n_c), moves, ageing, exits, entries, len(in_period))


class StockFlowModel:
    """Multi-state stock-flow model of children looked after (see the module docstring).

    Parameters
    ----------
    reference_months : int, default 12
        Months before the origin whose flows estimate the transition rates. Recent rates track
        change best: on the demo authority's three-year backtest, 12 months gave a 12-month-ahead
        error of about 3% against 6-8% for 24-36 months.
    prior_strength : float, default 24.0
        Weight of the pooled rate, in child-months of exposure (Gamma-Poisson shrinkage).
    min_exposure : float, default 6.0
        Cells with less exposure (child-months) than this use the pooled rate outright.
    entry_split_prior : float, default 10.0
        Weight, in children, of the all-bands first-placement split in each band's split.
    max_horizon : int, default 60
        Longest forecast prepared at fit time (months).
    entries_min_history : int, default 24
        Months of entries history needed for Prophet; shorter histories use the recent mean.
    entries_history_months : int or None, default 48
        Months of entries history given to Prophet (None: all available). Older extracts also
        under-count entries (children who left before the first extract are missing).
    entries_growth : {"flat", "linear"}, default "flat"
        Prophet trend for entries. ``"flat"`` fits Prophet's level and yearly seasonality without
        extrapolating a trend; ``"linear"`` adds Prophet's piecewise-linear trend. On the demo
        authority's backtest the linear trend over-extrapolated short-lived swings (12-month error
        about 11% against 3%), so flat is the default; choose linear for a sustained trend.
    entries_changepoint_prior_scale : float, default 0.05
        Prophet trend flexibility for entries.
    n_entry_samples : int, default 200
        Sampled entry-mean paths kept for trend uncertainty.
    random_state : int, default 0
        Seed for the entry model's sampling.

    Attributes
    ----------
    params_ : StockFlowParams
        Fitted parameters (apply levers to these with :meth:`DemandLevers.apply`).
    entries_ : MonthlyEntries
        The fitted entries model.
    rates_ : pandas.DataFrame
        Every monthly rate with its events, exposure and whether the pooled rate was used.
    history_ : pandas.DataFrame
        Observed month-end stock, long (STOCK schema), for charts and backtests.
    reference_period_ : tuple of Timestamp
        (start, end] of the months the rates were estimated from.
    """

    def __init__(
        self,
        reference_months: int = 12,
        prior_strength: float = 24.0,
        min_exposure: float = 6.0,
        entry_split_prior: float = 10.0,
        max_horizon: int = 60,
        entries_min_history: int = 24,
        entries_history_months: int | None = 48,
        entries_growth: str = "flat",
        entries_changepoint_prior_scale: float = 0.05,
        n_entry_samples: int = 200,
        random_state: int = 0,
    ) -> None:
        self.reference_months = reference_months
        self.prior_strength = prior_strength
        self.min_exposure = min_exposure
        self.entry_split_prior = entry_split_prior
        self.max_horizon = max_horizon
        self.entries_min_history = entries_min_history
        self.entries_history_months = entries_history_months
        self.entries_growth = entries_growth
        self.entries_changepoint_prior_scale = entries_changepoint_prior_scale
        self.n_entry_samples = n_entry_samples
        self.random_state = random_state

    def get_params(self) -> dict:
        """Constructor parameters (for saving and comparing fitted models)."""
        return {
            "reference_months": self.reference_months,
            "prior_strength": self.prior_strength,
            "min_exposure": self.min_exposure,
            "entry_split_prior": self.entry_split_prior,
            "max_horizon": self.max_horizon,
            "entries_min_history": self.entries_min_history,
            "entries_history_months": self.entries_history_months,
            "entries_growth": self.entries_growth,
            "entries_changepoint_prior_scale": self.entries_changepoint_prior_scale,
            "n_entry_samples": self.n_entry_samples,
            "random_state": self.random_state,
        }

    def _validate(self) -> None:
        problems = []
        if int(self.reference_months) < 6:
            problems.append(f"reference_months must be at least 6 (got {self.reference_months})")
        if not self.prior_strength > 0:
            problems.append(f"prior_strength must be above 0 (got {self.prior_strength})")
        if self.min_exposure < 0:
            problems.append(f"min_exposure cannot be negative (got {self.min_exposure})")
        if not self.entry_split_prior > 0:
            problems.append(f"entry_split_prior must be above 0 (got {self.entry_split_prior})")
        if self.entries_growth not in ("linear", "flat"):
            problems.append(
                f"entries_growth must be 'linear' or 'flat' (got {self.entries_growth!r})"
            )
        if not 1 <= int(self.max_horizon) <= 240:
            problems.append(f"max_horizon must be 1 to 240 months (got {self.max_horizon})")
        if problems:
            raise SufficiencyError("Stock-flow model settings: " + "; ".join(problems) + ".")

    def fit(
        self,
        movements: pd.DataFrame,
        stock: pd.DataFrame,
        *,
        origin: pd.Timestamp | None = None,
        progress: ProgressCallback | None = None,
    ) -> StockFlowModel:
        """Estimate rates, entry split and the entries model.

        Parameters
        ----------
        movements : pandas.DataFrame
            MOVEMENTS schema (one row per entry, exit, placement change or ageing).
        stock : pandas.DataFrame
            STOCK schema at month ends (:func:`sufficiency.stocks.monthly_stock`).
        origin : pandas.Timestamp, optional
            Month end to forecast from; data after it is ignored (used by backtests). Defaults to
            the last month end in ``stock``.
        progress : callable, optional
            Progress callback ``(done, total, message)``.

        Returns
        -------
        StockFlowModel
            ``self``.
        """
        self._validate()
        missing = [c for c in MOVEMENTS if c not in movements.columns and c != "carer_side_ending"]
        missing += [c for c in STOCK if c not in stock.columns]
        if missing:
            raise SufficiencyError(
                "The stock-flow model needs the movements and monthly stock tables from "
                f"sufficiency.stocks; these columns are missing: {', '.join(missing)}."
            )
        bands, cats, groups = AGE_BANDS, PLACEMENT_CATEGORIES, EXIT_REASON_GROUPS
        report(progress, 0, 3, "counting flows")
        wide = _stock_matrix(stock, bands, cats)
        if origin is not None:
            wide = wide.loc[wide.index <= pd.Timestamp(origin).normalize()]
        if len(wide) < 7:
            raise SufficiencyError(
                "The stock-flow model needs at least 7 month ends of stock before the forecast "
                f"origin; the data gives {len(wide)}. Provide a longer 903 history."
            )
        end = wide.index[-1]
        months = min(int(self.reference_months), len(wide) - 1)
        start = wide.index[-1 - months]
        counts = _count_events(movements, wide, start, end, bands, cats, groups)
        total_exposure = counts.exposure.sum()
        if total_exposure <= 0:
            raise SufficiencyError(
                "No children were looked after in the reference period "
                f"({start:%b %Y} to {end:%b %Y}), so no rates can be estimated."
            )
        hazards, self.rates_ = self._rates(counts, bands, cats, groups)
        split = self._entry_split(counts, movements, end, bands, cats)

        report(progress, 1, 3, "fitting monthly entries (Prophet per age band)")
        history_months = wide.index
        if self.entries_history_months:
            history_months = history_months[-(int(self.entries_history_months) + 1) :]
        entries_history = monthly_entries_history(
            movements.loc[pd.to_datetime(movements["date"]) <= end], history_months[1:], bands
        )
        self.entries_ = MonthlyEntries(
            min_history_months=self.entries_min_history,
            growth=self.entries_growth,
            changepoint_prior_scale=self.entries_changepoint_prior_scale,
            n_samples=self.n_entry_samples,
            random_state=self.random_state,
        ).fit(entries_history)
        entry_mean = self.entries_.predict_mean(int(self.max_horizon))
        entry_samples = self.entries_.sample_means(int(self.max_horizon))

        report(progress, 2, 3, "assembling the model")
        self.params_ = StockFlowParams(
            origin=end,
            start_stock=wide.iloc[-1].to_numpy(dtype=float),
            hazards=hazards,
            entry_split=split,
            entry_mean=entry_mean,
            entry_samples=entry_samples,
            exit_events=counts.exits.sum(axis=(0, 1)),
            move_events=counts.moves.sum(axis=(0, 1)),
            age_bands=bands,
            categories=cats,
            exit_groups=groups,
        )
        self.reference_period_ = (start, end)
        self.entries_history_ = entries_history
        self.history_ = _wide_to_long(wide, bands, cats)
        report(progress, 3, 3, "done")
        return self

    def _rates(self, counts: _Counts, bands, cats, groups) -> tuple[np.ndarray, pd.DataFrame]:
        k, floor = float(self.prior_strength), float(self.min_exposure)
        n_b, n_c, n_g = len(bands), len(cats), len(groups)
        exposure = counts.exposure
        total = exposure.sum()

        # placement moves: cell -> same category pair across bands -> authority-wide rate into c'
        into = counts.moves.sum(axis=(0, 1)) / total
        pooled_moves = _shrink(
            counts.moves.sum(axis=0), exposure.sum(axis=0)[:, None], into[None, :], k, 0.0
        )
        moves = _shrink(counts.moves, exposure[:, :, None], pooled_moves[None], k, floor)
        moves[:, np.arange(n_c), np.arange(n_c)] = 0.0

        # exits: cell -> same band across categories -> authority-wide rate per reason group
        overall_exit = counts.exits.sum(axis=(0, 1)) / total
        pooled_exits = _shrink(
            counts.exits.sum(axis=1), exposure.sum(axis=1)[:, None], overall_exit[None, :], k, 0.0
        )
        exits = _shrink(counts.exits, exposure[:, :, None], pooled_exits[:, None, :], k, floor)

        # ageing: cell -> band across categories -> band-width rate
        width_rate = band_width_ageing_rates()[:n_b]
        pooled_age = _shrink(counts.ageing.sum(axis=1), exposure.sum(axis=1), width_rate, k, 0.0)
        ageing = _shrink(counts.ageing, exposure, pooled_age[:, None], k, floor)
        ageing[-1] = 0.0

        n_states = n_b * n_c
        hazards = np.zeros((n_states, n_states + n_g))
        for b in range(n_b):
            rows = slice(b * n_c, (b + 1) * n_c)
            hazards[rows, b * n_c : (b + 1) * n_c] = moves[b]
            if b + 1 < n_b:
                idx = np.arange(n_c)
                hazards[b * n_c + idx, (b + 1) * n_c + idx] = ageing[b]
            hazards[rows, n_states:] = exits[b]

        probs = StockFlowParams(
            pd.Timestamp("2000-01-31"),
            np.zeros(n_states),
            hazards,
            np.full((n_b, n_c), 1.0 / n_c),
            np.zeros((1, n_b)),
            np.zeros((1, 1, n_b)),
            bands,
            cats,
            groups,
        ).probabilities()
        records = []
        for b, band in enumerate(bands):
            for c, cat in enumerate(cats):
                s = b * n_c + c
                pooled = bool(exposure[b, c] < floor)
                base = {
                    "age_band": band,
                    "placement_category": cat,
                    "exposure_child_months": float(exposure[b, c]),
                    "used_pooled_rate": pooled,
                }
                for c2, cat2 in enumerate(cats):
                    if c2 != c:
                        records.append(
                            base
                            | {
                                "transition": f"move to {cat2}",
                                "events": float(counts.moves[b, c, c2]),
                                "monthly_hazard": float(moves[b, c, c2]),
                                "monthly_probability": float(probs[s, b * n_c + c2]),
                            }
                        )
                if b + 1 < n_b:
                    records.append(
                        base
                        | {
                            "transition": f"age into {bands[b + 1]}",
                            "events": float(counts.ageing[b, c]),
                            "monthly_hazard": float(ageing[b, c]),
                            "monthly_probability": float(probs[s, (b + 1) * n_c + c]),
                        }
                    )
                for g, group in enumerate(groups):
                    records.append(
                        base
                        | {
                            "transition": f"exit: {group}",
                            "events": float(counts.exits[b, c, g]),
                            "monthly_hazard": float(exits[b, c, g]),
                            "monthly_probability": float(probs[s, n_states + g]),
                        }
                    )
        return hazards, pd.DataFrame.from_records(records)

    def _entry_split(self, counts: _Counts, movements, end, bands, cats) -> np.ndarray:
        entries = counts.entries
        if entries.sum() == 0:
            # no entries in the reference period: fall back to every entry in the history
            every = _count_events(
                movements,
                pd.DataFrame(0.0, index=pd.DatetimeIndex([end]), columns=range(entries.size)),
                pd.Timestamp.min,
                end,
                bands,
                cats,
                EXIT_REASON_GROUPS,
            )
            entries = every.entries
        if entries.sum() == 0:
            raise SufficiencyError(
                "No child entering care appears in the data, so the first placements of new "
                "entrants cannot be estimated. Check the episodes include starts (RNE 'S')."
            )
        overall = entries.sum(axis=0) / entries.sum()
        a = float(self.entry_split_prior)
        split = (entries + a * overall[None, :]) / (entries.sum(axis=1, keepdims=True) + a)
        return split / split.sum(axis=1, keepdims=True)

    # --- prediction -----------------------------------------------------------------------

    def _params(self, levers: DemandLevers | None) -> StockFlowParams:
        if not hasattr(self, "params_"):
            raise SufficiencyError("The stock-flow model has not been fitted yet: call fit first.")
        return self.params_ if levers is None else levers.apply(self.params_)

    def predict(self, horizon: int, levers: DemandLevers | None = None) -> pd.DataFrame:
        """Expected stock per month (long frame: date, age_band, placement_category, mean)."""
        params = self._params(levers)
        return mean_frame(project_mean(params, horizon), params)

    def simulate(
        self,
        horizon: int,
        n_paths: int = 1000,
        random_state: int | None = 0,
        levers: DemandLevers | None = None,
    ) -> np.ndarray:
        """Simulated stock paths, shape ``(n_paths, horizon, S)`` (see :func:`simulate_paths`)."""
        return simulate_paths(self._params(levers), horizon, n_paths, random_state)

    def forecast(
        self,
        horizon: int,
        n_paths: int = 1000,
        random_state: int | None = 0,
        levers: DemandLevers | None = None,
    ) -> pd.DataFrame:
        """Long forecast frame with mean and 50/80/95% interval quantiles, totals included."""
        params = self._params(levers)
        paths = simulate_paths(params, horizon, n_paths, random_state)
        return summarise_paths(paths, params, project_mean(params, horizon).stock)


def _wide_to_long(wide: pd.DataFrame, bands, cats) -> pd.DataFrame:
    n_c = len(cats)
    long = wide.stack().rename("children").reset_index()
    long.columns = ["date", "state", "children"]
    state = long["state"].to_numpy(dtype=int)
    return pd.DataFrame(
        {
            "date": long["date"],
            "age_band": np.array(bands, dtype=object)[state // n_c],
            "placement_category": np.array(cats, dtype=object)[state % n_c],
            "children": long["children"].astype("float64"),
        }
    )
