"""The projection: children by single year of age, time in care and placement, month by month.

State of a child at a month end: age in completed months (0-215), completed months in care and
placement category. Each month every child in care may leave (by exit reason group) or move to
another placement category, with the monthly probabilities of
:class:`~sufficiency.demand.hazards.Transitions` for their year of age, time-in-care band and
placement; then everyone is a month older and a month longer in care, and a child who turns 18
leaves care ("18+ / independence"). New children arrive at the month end with ages drawn from
recent entrants' ages in their age band, first placements from recent entrants' by age band,
never into a structural zero. A child who would age into a **ruled-out** cell (``ruled_out``: the
law, or nobody of that age there in the data) leaves that placement in the month of the birthday,
out of care or to another placement, in proportion to their exit and move chances that month
(:data:`sufficiency.demand.feasibility.AGEING_RULE`), so ruled-out cells hold nobody, ever.

Two ways to run it, from the same parameters:

- :func:`simulate`: a micro-simulation of every child in every simulated future, vectorised over
  children and paths with numpy (whole children; the reported mean, median and ranges come from
  these paths). Each path also carries **drift**, so the ranges include rates and entries
  changing over time, not only chance: random-walk multipliers on the entry level and on moves
  into each placement category, and its own path of exit rates (one draw per future, its log
  spread growing with the square root of time from the uncertainty of the estimate). All are
  mean-one on the log-normal scale, clipped to 1/2.5 to 2.5 times.
- :func:`project_mean`: the same recursion on expected numbers (children spread over age in
  months x months in care x placement), deterministic and much cheaper: for interaction. It
  averages three exit-rate paths (Gauss-Hermite nodes of the exit drift), so it agrees with the
  mean of the simulated paths to within 2% on the total and on every age band and placement
  holding at least ten children (``benchmarks/bench_demand.py`` prints the largest gap).

Step-downs (:class:`StepDownFlow`) move a count of children each month before anything else
happens that month.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from sufficiency.codes import (
    AGE_BAND_LOWER_YEARS,
    AGE_BANDS,
    EXIT_REASON_GROUPS,
    PLACEMENT_CATEGORIES,
)
from sufficiency.demand.hazards import duration_band_index
from sufficiency.demand.panel import ADULT_MONTHS
from sufficiency.errors import SufficiencyError

MAX_DRIFT = 2.5
"""Drift multipliers are kept within 1/2.5 and 2.5 times the estimated rate or level."""
_BIRTHDAY_MARK = np.float32(3.0)
"""Simulation: the 'chance of being looked at' of children about to age into a ruled-out cell
(above 1, so always; no real chance reaches it, the highest being 2 for those turning 18)."""


@dataclass(frozen=True)
class StepDownFlow:
    """A step-down as the projection applies it: a count of children moved each month.

    Attributes
    ----------
    source, target : int
        Flat state indices (``band * C + category``) moved from and to (same age band).
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
class ProjectionParams:
    """Everything a projection needs; levers act on a copy, never on the data.

    Attributes
    ----------
    origin : pandas.Timestamp
        Month end the projection starts from (the last observed month end).
    start_population : numpy.ndarray
        Children at the origin, ``(216, DC + 1, C)``: age in completed months, completed months
        in care (the last index holds ``DC`` months and over, ``DC`` the last time-in-care band
        edge) and placement category.
    exit_prob, move_prob, destination, duration_edges
        Monthly transition probabilities (see :class:`~sufficiency.demand.hazards.Transitions`):
        ``(18, D, C, G)``, ``(18, D, C)``, ``(B, C, C)`` and the band edges in months.
    entry_mean : numpy.ndarray
        Expected entries per month by age band, ``(H, B)`` (children a month).
    entry_age : numpy.ndarray
        Age in months of entrants within each age band, ``(B, 216)``, rows sum to 1.
    entry_split : numpy.ndarray
        First placement of entrants by age band, ``(B, C)``, rows sum to 1.
    entry_level_sd, exit_level_sd : float
        Uncertainty (standard deviation of the log) of the entry level and of exit rates at the
        origin, from the events behind them.
    entry_drift, exit_drift, mix_drift : float
        Standard deviation per square root of a year of the random-walk drift (log scale) in the
        entry level, in exit rates and in moves into each placement category.
    total_scale : numpy.ndarray or None
        ``(H,)`` factors applied to every cell's stock each month (top-down reconciliation to
        another forecast of the total); None leaves the stock-flow totals.
    range_scale : numpy.ndarray or None
        ``(H, 2)`` factors stretching the reported ranges around the mean, for the total
        (column 0) and every other series (column 1), from the authority's own backtest
        (:mod:`sufficiency.demand.own_choice`); None reports the simulated ranges. Paths are not
        changed: only :func:`~sufficiency.demand.stockflow.summarise_paths` applies them.
    reset_duration_on_move : bool
        The duration axis is time in the current placement: a child who moves (or is stepped
        down) starts again at none. False: it is time in care, which a move does not change.
    step_downs : tuple of StepDownFlow
        Applied at the start of every month, in order.
    ruled_out : numpy.ndarray or None
        ``(B, C)`` boolean: cells nobody may be in, not even by growing older
        (:attr:`~sufficiency.demand.hazards.Transitions.ruled_out`); None: the law's cells
        (:func:`~sufficiency.demand.feasibility.legal_zero_mask`).
    age_bands, categories, exit_groups : tuple of str
        Labels of the band, category and exit-group axes.
    """

    origin: pd.Timestamp
    start_population: np.ndarray
    exit_prob: np.ndarray
    move_prob: np.ndarray
    destination: np.ndarray
    duration_edges: tuple[int, ...]
    entry_mean: np.ndarray
    entry_age: np.ndarray
    entry_split: np.ndarray
    entry_level_sd: float = 0.0
    exit_level_sd: float = 0.0
    entry_drift: float = 0.0
    exit_drift: float = 0.0
    mix_drift: float = 0.0
    total_scale: np.ndarray | None = None
    range_scale: np.ndarray | None = None
    reset_duration_on_move: bool = False
    step_downs: tuple[StepDownFlow, ...] = ()
    ruled_out: np.ndarray | None = None
    age_bands: tuple[str, ...] = AGE_BANDS
    categories: tuple[str, ...] = PLACEMENT_CATEGORIES
    exit_groups: tuple[str, ...] = EXIT_REASON_GROUPS

    @property
    def n_states(self) -> int:
        """Number of (age band, placement category) cells, ``S = B * C``."""
        return len(self.age_bands) * len(self.categories)

    @property
    def ruled_out_cells(self) -> np.ndarray:
        """``(B, C)`` boolean: True where nobody may be (``ruled_out``, or the law's cells)."""
        if self.ruled_out is not None:
            return np.asarray(self.ruled_out, dtype=bool)
        from sufficiency.demand.feasibility import legal_zero_mask

        return legal_zero_mask(self.age_bands, self.categories)

    @property
    def max_horizon(self) -> int:
        """Longest horizon the parameters were prepared for (months)."""
        return int(self.entry_mean.shape[0])

    @property
    def start_stock(self) -> np.ndarray:
        """Children at the origin by flat state ``band * C + category``, ``(S,)``."""
        return _by_band(self.start_population.sum(axis=1)).reshape(-1)

    def state_index(self, age_band: str, category: str) -> int:
        """Index of a state in the flat state axis."""
        return self.age_bands.index(age_band) * len(self.categories) + self.categories.index(
            category
        )

    def replace(self, **changes) -> ProjectionParams:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class MeanPath:
    """Expected monthly stock (no drift), for interaction.

    Shapes: stock and entries ``(H, S)``, stepped_down ``(H, K)`` (children moved each month by
    each of the K step-downs, in the order of ``params.step_downs``), left_at_birthday ``(H, G)``
    (children leaving care by exit reason group because they reached an age their placement is
    ruled out for; the others who do so move, and stay counted in ``stock``).
    """

    dates: pd.DatetimeIndex
    stock: np.ndarray
    entries: np.ndarray
    stepped_down: np.ndarray
    left_at_birthday: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SimulatedPaths:
    """Simulated futures: stock ``(n_paths, H, S)`` and step-downs delivered ``(n_paths, H, K)``.

    ``stepped_down[p, t, k]`` is how many children step-down ``k`` moved in month ``t`` of path
    ``p`` (the full monthly count unless the source cell ran out). The stock is whole children
    (int32) unless a top-down ``total_scale`` rescaled it (float32).
    """

    stock: np.ndarray
    stepped_down: np.ndarray
    labels: tuple[str, ...] = ()


def forecast_dates(origin: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` month ends after ``origin``."""
    start = pd.Timestamp(origin).as_unit("ns")
    return pd.date_range(start, periods=horizon + 1, freq="ME")[1:]


def _check_horizon(params: ProjectionParams, horizon: int) -> None:
    if not 1 <= horizon <= params.max_horizon:
        raise SufficiencyError(
            f"The horizon must be between 1 and {params.max_horizon} months (got {horizon}). "
            "Refit with a longer max_horizon for longer forecasts."
        )


_BAND_STARTS = np.array(AGE_BAND_LOWER_YEARS) * 12
_BAND_OF_AGE = np.searchsorted(_BAND_STARTS, np.arange(ADULT_MONTHS), side="right") - 1
_BAND_SLICES = [
    slice(int(a), int(b))
    for a, b in zip(_BAND_STARTS, [*_BAND_STARTS[1:], ADULT_MONTHS], strict=True)
]
# moves go where children of the age band they reach by the month end go
_MOVE_BAND_OF_AGE = _BAND_OF_AGE[np.minimum(np.arange(ADULT_MONTHS) + 1, ADULT_MONTHS - 1)]
_MOVE_SLICES = [
    slice(max(int(a) - 1, 0), int(b) - 1)
    for a, b in zip(_BAND_STARTS, [*_BAND_STARTS[1:], ADULT_MONTHS + 1], strict=True)
]


def _by_band(per_age: np.ndarray) -> np.ndarray:
    """Sum a leading age-in-months axis (216) into age bands."""
    return np.add.reduceat(per_age, _BAND_STARTS, axis=0)


def _age_tables(params: ProjectionParams, n_dur: int):
    """Per (age month, months in care up to ``n_dur - 1``) transition tables."""
    year = np.arange(ADULT_MONTHS) // 12
    dband = duration_band_index(np.arange(n_dur), params.duration_edges)
    exit_prob = np.ascontiguousarray(params.exit_prob[year][:, dband])  # (216, n_dur, C, G)
    move_prob = np.ascontiguousarray(params.move_prob[year][:, dband])  # (216, n_dur, C)
    return exit_prob, move_prob


def _birthdays(params: ProjectionParams) -> list[tuple[int, int, int]]:
    """``(age in months, next age band, category)`` of every ruled-out cell a child could age
    into: a child of that age in that placement reaches the band at the month end. (A cell whose
    band before is ruled out too is left out: a ruled-out cell holds nobody to grow older.)"""
    mask = params.ruled_out_cells
    bands, cats = np.nonzero(mask)
    return [
        (int(_BAND_STARTS[b]) - 1, int(b), int(c))
        for b, c in zip(bands, cats, strict=True)
        if b > 0 and not mask[b - 1, c]
    ]


@dataclass(frozen=True, eq=False)
class _Birthdays:
    """Every ruled-out cell a child could age into (:func:`_birthdays`), with the shares its
    leavers split into (for the mean path).

    ``age``, ``cat``: ``(K,)`` age in months the month before the birthday and the placement;
    ``to`` ``(K, C)`` where the reached band's moves out of that placement go; ``out`` ``(Q, H,
    K, D)`` the share leaving care and ``by_reason`` ``(Q, H, K, D, G)`` the share leaving care
    by exit reason, for each exit-rate node and month (the rest move, where they can).
    """

    age: np.ndarray
    cat: np.ndarray
    to: np.ndarray
    out: np.ndarray
    by_reason: np.ndarray
    can_move: np.ndarray

    @classmethod
    def of(cls, params: ProjectionParams, exit_prob, move_prob, destination, nodes) -> _Birthdays:
        """``exit_prob`` ``(216, D, C, G)``, ``move_prob`` ``(216, D, C)``, ``nodes`` ``(Q, H)``
        exit-rate multipliers."""
        found = np.array(_birthdays(params), dtype=np.int64).reshape(-1, 3)
        age, band, cat = found.T
        to = np.asarray(destination[band, cat], dtype=np.float64)  # (K, C)
        can_move = to.sum(axis=1) > 0  # nowhere to move to never happens with fitted rates
        exits = np.asarray(exit_prob[age, :, cat], dtype=np.float64)  # (K, D, G)
        by_reason = nodes[:, :, None, None, None] * exits[None, None]  # (Q, H, K, D, G)
        leave = np.minimum(by_reason.sum(axis=-1), 1.0)
        move = np.minimum(np.asarray(move_prob[age, :, cat], dtype=np.float64), 1.0 - leave)
        move = move * can_move[:, None]
        either = leave + move
        out = np.where(either > 0, leave / np.where(either > 0, either, 1.0), 0.0)
        total = by_reason.sum(axis=-1, keepdims=True)
        by_reason = out[..., None] * by_reason / np.where(total > 0, total, 1.0)
        return cls(age=age, cat=cat, to=to, out=out, by_reason=by_reason, can_move=can_move)

    def apply(self, nxt: np.ndarray, q: int, t: int, reset: bool) -> np.ndarray:
        """Children about to age into a ruled-out cell leave it
        (:data:`~sufficiency.demand.feasibility.AGEING_RULE`): out of care or to another
        placement, in proportion to their exit (by reason) and move chances. Changes ``nxt``
        ``(216, D, C)`` in place; returns the expected exits by reason ``(G,)``."""
        left = np.zeros(self.by_reason.shape[-1])
        for k in range(len(self.age)):
            age, cat = self.age[k], self.cat[k]
            staying = nxt[age, :, cat].astype(np.float64)
            if not staying.any():
                continue
            left += staying @ self.by_reason[q, t, k]
            if self.can_move[k]:
                movers = staying * (1.0 - self.out[q, t, k])
                nxt[age, :, cat] = 0.0
                if reset:
                    nxt[age, 0, :] += (movers.sum() * self.to[k]).astype(nxt.dtype)
                else:
                    nxt[age] += (movers[:, None] * self.to[k][None, :]).astype(nxt.dtype)
            else:
                # only leaving care can empty the cell; where nobody can leave either, they stay
                nxt[age, :, cat] = staying * (self.out[q, t, k] == 0)
        return left


def _entry_pattern(params: ProjectionParams) -> np.ndarray:
    """Entrants per unit of each band's entries: ``(B, 216, C)`` age x first placement shares."""
    pattern = params.entry_age[:, :, None] * params.entry_split[:, None, :]
    return pattern


def project_mean(params: ProjectionParams, horizon: int) -> MeanPath:
    """Expected stock per state for each month ahead (deterministic, no drift; for interaction).

    Returns
    -------
    MeanPath
        ``stock`` ``(H, S)`` in children; ``stepped_down`` ``(H, K)``.
    """
    _check_horizon(params, horizon)
    # the matrix products here are tiny: a pool of BLAS threads only slows them down
    with single_threaded():
        return _project_mean(params, horizon)


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The process's thread pools, found once (looking them up costs a few hundred ms)."""
    return ThreadpoolController()


def single_threaded():
    """A context in which BLAS and OpenMP use one thread (for small, many-times-repeated work)."""
    return _blas().limit(limits=1)


_NODES = np.array([-1.0, 1.0])
_NODE_WEIGHTS = np.array([0.5, 0.5])
"""Gauss-Hermite nodes and weights for a standard normal: the expected value of anything smooth in
the exit-rate drift, exact for polynomials up to the third degree."""


def exit_drift_sd(params: ProjectionParams, horizon: int) -> np.ndarray:
    """Standard deviation of the log exit-rate multiplier by month ahead, ``(horizon,)``: the
    uncertainty at the origin and a drift growing with the square root of time."""
    months = np.arange(1, horizon + 1)
    return np.sqrt(params.exit_level_sd**2 + params.exit_drift**2 * months / 12.0)


def clipped_mean(sd: np.ndarray) -> np.ndarray:
    """Mean of a mean-one log-normal multiplier with log standard deviation ``sd`` once clipped
    to [1/MAX_DRIFT, MAX_DRIFT] (dividing by it keeps clipped multipliers mean-one)."""
    from scipy.special import ndtr

    sd = np.maximum(np.asarray(sd, dtype=float), 1e-12)
    low, high = -np.log(MAX_DRIFT), np.log(MAX_DRIFT)
    half = sd**2 / 2.0
    middle = ndtr((high - half) / sd) - ndtr((low - half) / sd)
    below = ndtr((low + half) / sd) / MAX_DRIFT
    above = (1.0 - ndtr((high + half) / sd)) * MAX_DRIFT
    return middle + below + above


def exit_multiplier(sd: np.ndarray, z) -> np.ndarray:
    """Mean-one log-normal exit-rate multipliers for standard normal draws ``z``, clipped."""
    z = np.asarray(z, dtype=float)
    values = np.exp(np.multiply.outer(z, sd) - sd**2 / 2.0)
    return np.clip(values, 1.0 / MAX_DRIFT, MAX_DRIFT) / clipped_mean(sd)


def _project_mean(params: ProjectionParams, horizon: int) -> MeanPath:
    n_c = len(params.categories)
    n_dur = params.start_population.shape[1]
    exit_prob, move_prob = _age_tables(params, n_dur)
    exit_by_group = exit_prob
    exit_total = exit_prob.sum(axis=-1)
    highest_exit, highest_move = float(exit_total.max()), float(move_prob.max())
    # each future has its own exit rates: the expected stock averages three of them (Gauss-
    # Hermite nodes of the drift), which is what the simulated futures average over
    sd = exit_drift_sd(params, horizon)
    if sd.max() > 0:
        nodes, weights = exit_multiplier(sd, _NODES), _NODE_WEIGHTS
    else:
        nodes, weights = np.ones((1, horizon)), np.ones(1)
    n_q = len(weights)
    band_slices = _BAND_SLICES
    pattern = _entry_pattern(params)  # (B, 216, C)
    entries_by_age = np.zeros((ADULT_MONTHS, n_c))
    stock = np.empty((horizon, params.n_states))
    entries = np.empty((horizon, params.n_states))
    stepped = np.zeros((horizon, len(params.step_downs)))
    birthdays = _Birthdays.of(params, exit_by_group, move_prob, params.destination, nodes)
    left_at_birthday = np.zeros((horizon, exit_by_group.shape[-1]))
    # single precision: a millionth of a child is far below what matters, and it halves the
    # memory traffic of the recursion
    exit_total = exit_total.astype(np.float32)
    move_prob = move_prob.astype(np.float32)
    destination = params.destination.astype(np.float32)
    current = np.repeat(params.start_population.astype(np.float32)[None], n_q, axis=0)
    moving, nxt = np.empty_like(current), np.empty_like(current)
    by_age = np.empty((n_q, ADULT_MONTHS, n_c), dtype=np.float32)
    entry_rows = [(b, ages, pattern[b, ages]) for b, ages in enumerate(band_slices)]
    for t in range(horizon):
        for k, step in enumerate(params.step_downs):
            moved = [
                _step_down_mean(
                    current[q], step, band_slices, n_c, reset=params.reset_duration_on_move
                )
                for q in range(n_q)
            ]
            stepped[t, k] = float(np.dot(weights, moved))
        for q in range(n_q):
            factor = nodes[q, t]
            if factor * highest_exit + highest_move <= 1.0:
                # the usual case: no cell's chances can add up to more than one this month
                np.multiply(current[q], move_prob, out=moving[q])
                np.multiply(current[q], exit_total, out=nxt[q])
                nxt[q] *= np.float32(-factor)
                nxt[q] += current[q]
                nxt[q] -= moving[q]
            else:
                leave = np.minimum(exit_total * factor, 1.0)
                move = np.minimum(move_prob, 1.0 - leave)
                np.multiply(current[q], move, out=moving[q])
                np.multiply(current[q], 1.0 - leave - move, out=nxt[q])
            for b, ages in enumerate(_MOVE_SLICES):
                if params.reset_duration_on_move:
                    # time in the new placement starts again
                    nxt[q, ages, 0] += moving[q, ages].sum(axis=1) @ destination[b]
                    continue
                flat = nxt[q, ages].reshape(-1, n_c)  # a view: one matrix product per band
                flat += moving[q, ages].reshape(-1, n_c) @ destination[b]
            left = birthdays.apply(nxt[q], q, t, params.reset_duration_on_move)
            left_at_birthday[t] += weights[q] * left
        # a month older and a month longer in care (the last column holds the longest stays);
        # those who turn 18 leave
        current[:, 0] = 0.0
        current[:, 1:, 1:] = nxt[:, :-1, :-1]
        current[:, 1:, 0] = 0.0
        current[:, 1:, -1] += nxt[:, :-1, -1]
        for b, ages, shares in entry_rows:
            entries_by_age[ages] = params.entry_mean[t, b] * shares
        current[:, :, 0] += entries_by_age.astype(np.float32)
        # expected numbers shrink geometrically in cells nobody enters; keep them off subnormal
        # floats (which are slow) by treating a billionth of a child as none
        np.putmask(current, current < 1e-9, 0.0)
        np.einsum("qadc->qac", current, out=by_age)
        stock[t] = _by_band(np.tensordot(weights, by_age.astype(np.float64), axes=1)).reshape(-1)
        entries[t] = _by_band(entries_by_age).reshape(-1)
    if params.total_scale is not None:
        stock = stock * params.total_scale[:horizon, None]
    return MeanPath(
        forecast_dates(params.origin, horizon), stock, entries, stepped, left_at_birthday
    )


def _step_down_mean(
    current: np.ndarray, step: StepDownFlow, band_slices, n_c: int, *, reset: bool = False
) -> float:
    band, source = divmod(step.source, n_c)
    target = step.target % n_c
    ages = band_slices[band]
    held = current[ages, :, source]
    total = float(held.sum())
    moved = min(step.children_per_month, total)
    if moved > 0:
        share = held * (moved / total)
        current[ages, :, source] -= share
        if reset:
            current[ages, 0, target] += share.sum(axis=1)
        else:
            current[ages, :, target] += share
    return moved


# --- simulation ------------------------------------------------------------------------------


def _random_walk(rng, n_paths: int, horizon: int, sd_level: float, drift: float, size=()):
    """Mean-one log-normal multipliers ``(n_paths, horizon, *size)``: a level draw plus a random
    walk, clipped to [1/MAX_DRIFT, MAX_DRIFT]."""
    shape = (n_paths, *size)
    level = rng.standard_normal(shape) * sd_level
    steps = rng.standard_normal((n_paths, horizon, *size)) * (drift / np.sqrt(12.0))
    log = level[:, None] + np.cumsum(steps, axis=1)
    months = np.arange(1, horizon + 1).reshape((1, horizon) + (1,) * len(size))
    variance = sd_level**2 + drift**2 * months / 12.0
    clipped = np.clip(np.exp(log - variance / 2.0), 1.0 / MAX_DRIFT, MAX_DRIFT)
    return clipped / clipped_mean(np.sqrt(variance))


def simulate_paths(
    params: ProjectionParams, horizon: int, n_paths: int = 1000, random_state: int | None = 0
) -> np.ndarray:
    """Simulated stock per state, ``(n_paths, horizon, S)``: the stock of :func:`simulate`."""
    return simulate(params, horizon, n_paths, random_state).stock


def simulate(
    params: ProjectionParams, horizon: int, n_paths: int = 1000, random_state: int | None = 0
) -> SimulatedPaths:
    """Micro-simulate every child in ``n_paths`` futures (see the module docstring).

    Parameters
    ----------
    params : ProjectionParams
    horizon : int
        Months ahead, 1 to ``params.max_horizon``.
    n_paths : int
        Simulated futures.
    random_state : int or None
        Seed; the same seed gives the same paths.

    Returns
    -------
    SimulatedPaths
        Stock ``(n_paths, horizon, S)`` and step-downs delivered ``(n_paths, horizon, K)``.
    """
    _check_horizon(params, horizon)
    if n_paths < 1:
        raise SufficiencyError(f"The number of simulated paths must be at least 1 (got {n_paths}).")
    return _Simulation(params, horizon, n_paths, np.random.default_rng(random_state)).run()


class _Simulation:
    """One micro-simulation run (state kept on the instance to keep the steps readable).

    Every child in every path is one entry of two arrays: ``key`` (int32) codes age in months,
    months in care (up to the last time-in-care band edge ``DC``, which stands for "DC and more")
    and placement as ``(age * (DC + 1) + months in care) * C + category``, and ``slot`` (int64)
    is ``path * (S + 1)``, the child's path's first cell in the flattened output. A month passing
    adds a small table's increment to every key; children who leave get a key past every real
    one (which no month moves) and are dropped every year. The tables are small enough to stay in
    the processor's cache.
    """

    def __init__(self, params: ProjectionParams, horizon: int, n_paths: int, rng) -> None:
        self.params, self.horizon, self.n_paths, self.rng = params, horizon, n_paths, rng
        n_c = len(params.categories)
        self.n_c = n_c
        self.n_s = params.n_states
        self.width = self.n_s + 1  # output cells per path, the last one for children who left
        n_dur = params.start_population.shape[1]
        self.n_dur = n_dur
        self.dead_key = ADULT_MONTHS * n_dur * n_c  # the one key that holds nobody
        exit_prob, move_prob = _age_tables(params, n_dur)
        exit_total = exit_prob.sum(axis=-1)  # (216, n_dur, C)

        # children who left sit at the dead key; where every key moves by the same amount each
        # month (time in care not tracked) they drift for up to a year before being dropped
        pad = 13 * n_dur * n_c + 1

        def table(values: np.ndarray, dead: float, dtype) -> np.ndarray:
            return np.concatenate([values.reshape(-1), np.full(pad, dead)]).astype(dtype)

        self.exit_total = table(exit_total, 0.0, np.float32)
        self.move_total = table(move_prob, 0.0, np.float32)
        # the chance a child is looked at this month: exits and moves at the highest drift
        candidate = (exit_total + move_prob) * MAX_DRIFT
        candidate[ADULT_MONTHS - 1] = 2.0  # turning 18 this month: always
        # reaching an age at which the placement is ruled out: always (they leave it); the
        # mark tells them apart from the others looked at
        birthday = np.zeros((ADULT_MONTHS, n_dur, n_c), dtype=bool)
        for age, _, cat in _birthdays(params):
            birthday[age, :, cat] = True
        candidate[birthday] = _BIRTHDAY_MARK
        self.candidate = table(candidate, 0.0, np.float32)
        self.has_birthdays = bool(birthday.any())
        cells = (_BAND_OF_AGE[:, None, None] * n_c + np.arange(n_c)[None, None, :]) + np.zeros(
            (1, n_dur, 1), dtype=np.int64
        )
        # a small integer type: the monthly look-up writes one byte a child, not eight
        self.state = table(cells, self.n_s, np.int8 if self.n_s < 127 else np.int32)
        # the row of ``destination_rows`` a mover's key draws from: the band reached by the
        # month end, and the placement left
        rows = _MOVE_BAND_OF_AGE[:, None, None] * n_c + np.arange(n_c)[None, None, :]
        self.destination_row = table(rows + np.zeros((1, n_dur, 1), dtype=np.int64), 0, np.intp)
        # a month older, and a month longer in care until the last band edge
        longer = (np.arange(n_dur) < n_dur - 1).astype(np.int64)
        increment = (n_dur * n_c + longer[None, :, None] * n_c) + np.zeros(
            (ADULT_MONTHS, 1, n_c), dtype=np.int64
        )
        increment[ADULT_MONTHS - 1] = 0  # (everyone this old leaves this month)
        self.increment = table(increment, 0, np.int32)
        self.constant_increment = n_dur * n_c if n_dur == 1 else None

    # --- drift -------------------------------------------------------------------------------

    def _drifts(self) -> None:
        p, rng, h = self.params, self.rng, self.horizon
        self.entry_mult = _random_walk(rng, self.n_paths, h, p.entry_level_sd, p.entry_drift)
        # each future's exit rates follow their own path away from the estimate, by a log amount
        # whose spread grows with the square root of time (one draw per future)
        self.exit_mult = exit_multiplier(exit_drift_sd(p, h), rng.standard_normal(self.n_paths))
        self.mix_mult = _random_walk(rng, self.n_paths, h, 0.0, p.mix_drift, (self.n_c,))
        self.mix_high = self.mix_mult.max(axis=2)
        self.destination_rows = self.params.destination.reshape(-1, self.n_c)
        self.mix_by_month = np.ascontiguousarray(self.mix_mult.transpose(1, 0, 2))
        # month by month, each a contiguous row to gather paths from
        self.exit_by_month = np.ascontiguousarray(self.exit_mult.T)
        self.mix_high_by_month = np.ascontiguousarray(self.mix_high.T)

    # --- the run -----------------------------------------------------------------------------

    def _start(self) -> None:
        pop = np.rint(self.params.start_population).astype(np.int64)  # (216, DC+1, C)
        age, dur, cat = np.nonzero(pop)
        counts = pop[age, dur, cat]
        keys = ((age * self.n_dur + dur) * self.n_c + cat).astype(np.int32)
        per_path = int(counts.sum())
        expected_entries = float(self.params.entry_mean[: self.horizon].sum())
        capacity = self.n_paths * (per_path + int(expected_entries * 1.3) + 50)
        self.key = np.empty(capacity, dtype=np.int32)
        self.slot = np.empty(capacity, dtype=np.int64)  # bincount counts int64 without a copy
        self.size = per_path * self.n_paths
        self._scratch(capacity)
        self.key[: self.size] = np.tile(np.repeat(keys, counts), self.n_paths)
        self.slot[: self.size] = np.repeat(
            np.arange(self.n_paths, dtype=np.int64) * self.width, per_path
        )

    def _compact(self) -> None:
        """Drop the children who have left care."""
        alive = self.key[: self.size] < self.dead_key
        n_alive = int(alive.sum())
        self.key[:n_alive] = self.key[: self.size][alive]
        self.slot[:n_alive] = self.slot[: self.size][alive]
        self.size = n_alive

    def _grow(self, extra: int) -> None:
        """Make room for ``extra`` more children."""
        if self.size + extra <= self.key.size:
            return
        self._compact()
        if self.size + extra <= self.key.size:
            return
        capacity = 2 * (self.size + extra)
        key, slot = np.empty(capacity, np.int32), np.empty(capacity, np.int64)
        key[: self.size], slot[: self.size] = self.key[: self.size], self.slot[: self.size]
        self.key, self.slot = key, slot
        self._scratch(capacity)

    def _scratch(self, capacity: int) -> None:
        """Arrays the monthly steps write into, one value a child: re-used every month (a
        fresh array this size each month costs the system more than filling it)."""
        self.draws = np.empty(capacity, np.float32)
        self.chances = np.empty(capacity, np.float32)
        self.looked = np.empty(capacity, bool)
        self.states = np.empty(capacity, self.state.dtype)
        self.cells = np.empty(capacity, np.int64)

    def run(self) -> SimulatedPaths:
        p, n_paths, horizon, n_c, n_s = self.params, self.n_paths, self.horizon, self.n_c, self.n_s
        rng, width = self.rng, self.width
        self._drifts()
        self._start()
        steps = p.step_downs
        due = [step.due(horizon) for step in steps]
        stepped = np.zeros((n_paths, horizon, len(steps)), dtype=np.int32)
        out = np.empty((n_paths, horizon, n_s), dtype=np.int32)
        entry_cells = self._entry_cells()
        entry_guide = _CdfGuide(entry_cells)
        first_slot = np.arange(n_paths, dtype=np.int64) * width
        # each child's (band, placement) cell, as counted at the last month end (the step-downs
        # at the start of the next month look their children up in it)
        states = self._states_of(self.key[: self.size]) if steps else None
        for t in range(horizon):
            key = self.key[: self.size]
            for k, step in enumerate(steps):
                if due[k][t]:
                    stepped[:, t, k] = self._step_down(key, step, int(due[k][t]), states)
            # who might leave or move this month (a superset), then who does
            n = key.size
            u = rng.random(dtype=np.float32, out=self.draws[:n])
            chance = np.take(self.candidate, key, out=self.chances[:n], mode="clip")
            look = np.flatnonzero(np.less(u, chance, out=self.looked[:n]))
            if look.size:
                k_look, u_look = key[look], u[look]
                path_look = self.slot[look] // width
                exit_p = np.take(self.exit_total, k_look) * np.take(
                    self.exit_by_month[t], path_look
                )
                adult = k_look // (self.n_dur * n_c) == ADULT_MONTHS - 1
                leaves = adult | (u_look < exit_p)
                # who might move (the most any placement's drift allows), then who does
                move_total = np.take(self.move_total, k_look)
                high = np.take(self.mix_high_by_month[t], path_look)
                might = ~leaves & (u_look < exit_p + move_total * high)
                birthday = chance[look] == _BIRTHDAY_MARK if self.has_birthdays else None
                if birthday is not None and birthday.any():
                    leaves &= ~birthday
                    might |= birthday
                maybe = np.flatnonzero(might)
                weights = self._move_weights(k_look[maybe], path_look[maybe], t)
                # each child's weights summed once (the same sums wherever they are used)
                total = _row_sums(weights)
                exit_maybe, u_maybe = exit_p[maybe], u_look[maybe]
                either = exit_maybe + move_total[maybe] * total
                moves = u_maybe < either
                if birthday is not None and birthday.any():
                    moves = self._leave_at_birthday(
                        birthday[maybe], u_maybe, exit_maybe, either, moves, leaves, maybe
                    )
                if moves.any():
                    movers = maybe[moves]
                    key[look[movers]] += self._destinations(
                        k_look[movers], weights[moves], total[moves]
                    )
                    self._reset_duration(key, look[movers])
                key[look[leaves]] = self.dead_key
            if self.constant_increment is not None:
                key += self.constant_increment  # time in care is not tracked
            else:
                key += np.take(self.increment, key)
            if t % 12 == 11:
                self._compact()
            # new children at the month end
            new = rng.poisson(p.entry_mean[t].sum() * self.entry_mult[:, t])
            n_new = int(new.sum())
            if n_new:
                self._grow(n_new)
                cells = entry_guide.searchsorted(t, rng.random(n_new))
                age, cat = np.divmod(np.minimum(cells, entry_cells[t].size - 1), n_c)
                end = self.size + n_new
                self.key[self.size : end] = (age * self.n_dur) * n_c + cat
                self.slot[self.size : end] = np.repeat(first_slot, new)
                self.size = end
            key = self.key[: self.size]
            states = self._states_of(key)
            cell = np.add(self.slot[: self.size], states, out=self.cells[: self.size])
            counts = np.bincount(cell, minlength=n_paths * width)
            out[:, t, :] = counts.reshape(n_paths, width)[:, :n_s]
        labels = tuple(step.label for step in steps)
        if p.total_scale is not None:
            scale = p.total_scale[None, :horizon, None].astype(np.float32)
            return SimulatedPaths(out.astype(np.float32) * scale, stepped, labels)
        return SimulatedPaths(out, stepped, labels)

    def _states_of(self, key: np.ndarray) -> np.ndarray:
        """Each child's (band, placement) cell, into :meth:`_scratch`'s array (keys are always
        within the tables, so ``mode="clip"`` clips nothing; it only spares numpy a copy)."""
        return np.take(self.state, key, out=self.states[: key.size], mode="clip")

    def _entry_cells(self) -> np.ndarray:
        """Per month, the cdf over (age month x first placement) cells of an entrant."""
        p = self.params
        pattern = _entry_pattern(p)  # (B, 216, C)
        weights = np.einsum("tb,bac->tac", p.entry_mean[: self.horizon], pattern)
        weights = weights.reshape(self.horizon, -1)
        total = weights.sum(axis=1, keepdims=True)
        cdf = np.cumsum(weights / np.where(total > 0, total, 1.0), axis=1)
        cdf[:, -1] = 1.0
        return cdf

    def _move_weights(self, keys: np.ndarray, paths: np.ndarray, t: int) -> np.ndarray:
        """Chance of moving into each placement relative to the estimate, ``(children, C)``:
        the band's destinations times the path's drift in moves into each placement (mean one,
        so the expected moves into each placement are the estimated ones)."""
        rows = np.take(self.destination_rows, np.take(self.destination_row, keys), axis=0)
        rows *= np.take(self.mix_by_month[t], paths, axis=0)
        return rows

    @staticmethod
    def _leave_at_birthday(birthday, u, exit_p, either, moves, leaves, maybe):
        """Children reaching an age at which their placement is ruled out leave it
        (:data:`~sufficiency.demand.feasibility.AGEING_RULE`): out of care with their chance of
        leaving over their chance of leaving or moving (``either``) this month, otherwise they
        move. Marks leavers in ``leaves``; returns who moves among ``maybe``."""
        out = u * either < exit_p  # u is uniform on [0, 1) for them (always looked at)
        leaves[maybe[birthday & out]] = True
        return np.where(birthday, ~out, moves)

    def _destinations(self, keys: np.ndarray, weights: np.ndarray, total: np.ndarray) -> np.ndarray:
        """Key change of each mover: the new placement drawn in proportion to ``weights``
        (``(movers, C)``, summing to ``total``)."""
        n_c = self.n_c
        cat = keys % n_c
        positive = total > 0
        cdf = _cumulative_shares(weights, np.where(positive, total, 1.0))
        draw = self.rng.random(keys.size)
        new = np.minimum((cdf < draw).sum(axis=0), n_c - 1)
        new = np.where(positive, new, cat)  # nowhere allowed: stays
        return (new - cat).astype(np.int32)

    def _reset_duration(self, key: np.ndarray, index: np.ndarray) -> None:
        """Time in the current placement starts again for children who moved (placement clock)."""
        if not self.params.reset_duration_on_move or self.n_dur == 1:
            return
        moved = key[index]
        per_age = self.n_dur * self.n_c
        key[index] = (moved // per_age) * per_age + moved % self.n_c

    def _step_down(
        self, key, step: StepDownFlow, due: int, states: np.ndarray | None = None
    ) -> np.ndarray:
        """Move up to ``due`` random children per path from the step-down's source cell.

        ``states`` is each child's cell (``self.state`` of ``key``) when already looked up; the
        children moved are updated in it."""
        n_paths = self.n_paths
        if states is None:
            states = np.take(self.state, key)
        in_source = np.flatnonzero(states == step.source)
        moved = np.zeros(n_paths, dtype=np.int32)
        if in_source.size == 0:
            return moved
        path = self.slot[in_source] // self.width
        order = _by_path_then_draw(path, self.rng.random(in_source.size), n_paths)
        chosen, chosen_path = in_source[order], path[order]
        starts = np.searchsorted(chosen_path, np.arange(n_paths))
        rank = np.arange(chosen.size) - starts[chosen_path]
        take = rank < due
        key[chosen[take]] += step.target - step.source
        states[chosen[take]] = step.target
        self._reset_duration(key, chosen[take])
        return np.bincount(chosen_path[take], minlength=n_paths).astype(np.int32)


def _cumulative_shares(weights: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``np.cumsum(weights / total[:, None], axis=1).T``, value for value: ``(C, rows)``.

    Laid out column by column and added up one column at a time: the same divisions and the
    same additions in the same order as numpy's cumulative sum along each short row, several
    times faster."""
    cdf = np.empty(weights.shape[::-1])
    np.divide(weights.T, total, out=cdf)
    for j in range(1, cdf.shape[0]):
        cdf[j] += cdf[j - 1]
    return cdf


class _CdfGuide:
    """``np.searchsorted(cdf[t], draws, side="right")`` for uniform draws, mostly by table.

    The draws of month ``t`` fall in one of ``2**11`` equal buckets of [0, 1); for each bucket
    the table holds how many of the month's cdf values are at or below its start, a lower bound
    of the answer for every draw in it. Where the cdf value at that position is already above
    the draw the bound is the answer (numpy's, exactly); the few others are searched.
    """

    BUCKETS = 1 << 11

    def __init__(self, cdf: np.ndarray) -> None:
        n_months, n_cells = cdf.shape
        size = self.BUCKETS + 1
        # c <= b / 2**11 exactly when ceil(c * 2**11) <= b (scaling by a power of two is exact)
        edge = np.minimum(np.ceil(cdf * self.BUCKETS), self.BUCKETS).astype(np.intp)
        edge += (np.arange(n_months) * size)[:, None]
        at_or_below = np.bincount(edge.reshape(-1), minlength=n_months * size)
        self.lower = np.cumsum(at_or_below.reshape(n_months, size), axis=1, dtype=np.intp)
        self.cdf = cdf
        # the cdf with one value above any draw after the last, so every bound can be checked
        self.padded = np.concatenate([cdf, np.full((n_months, 1), np.inf)], axis=1)

    def searchsorted(self, t: int, draws: np.ndarray) -> np.ndarray:
        """Position of each draw (in [0, 1)) in month ``t``'s cdf, as ``side="right"``."""
        bucket = (draws * self.BUCKETS).astype(np.intp)  # exact: floor of a scaled draw
        found = np.take(self.lower[t], bucket)
        unsure = np.flatnonzero(np.take(self.padded[t], found) <= draws)
        if unsure.size:
            found[unsure] = np.searchsorted(self.cdf[t], draws[unsure], side="right")
        return found


_PAIRWISE_BLOCK = 8
"""numpy adds a contiguous run of 8 or more float64 in 8 running sums, then the rest."""


def _row_sums(rows: np.ndarray) -> np.ndarray:
    """``rows.sum(axis=1)`` of a C-contiguous float64 ``(n, C)`` array, value for value, added
    up a column at a time (numpy's own sum along each short row costs more than the adding).

    numpy's sum of a short contiguous row (C up to 128) is pairwise: below 8 values one after
    the other; from 8, eight running sums (values 0-7, plus 8-15 and so on) combined as
    ``((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))``, then the rest one by one. The same
    additions in the same order here (tested against numpy's sum); other shapes go to numpy.
    """
    n = rows.shape[1]
    if rows.ndim != 2 or rows.dtype != np.float64 or n > 128 or n < 1:
        return rows.sum(axis=1)
    if n < _PAIRWISE_BLOCK:
        total = rows[:, 0].copy()
        for j in range(1, n):
            total += rows[:, j]
        return total
    whole = n - n % _PAIRWISE_BLOCK
    s = [rows[:, j].copy() for j in range(_PAIRWISE_BLOCK)]
    for start in range(_PAIRWISE_BLOCK, whole, _PAIRWISE_BLOCK):
        for j in range(_PAIRWISE_BLOCK):
            s[j] += rows[:, start + j]
    total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
    for j in range(whole, n):
        total += rows[:, j]
    return total


_DRAW_BITS = 53
"""``Generator.random`` returns whole multiples of 2**-53: 53 bits, exactly."""


def _by_path_then_draw(path: np.ndarray, draw: np.ndarray, n_paths: int) -> np.ndarray:
    """The order of ``np.lexsort((draw, path))``: by path, then by draw, ties kept in place.

    ``draw`` comes from ``Generator.random`` (whole multiples of 2**-53 in [0, 1)), so with
    fewer than 2**11 paths ``path * 2**53 + draw * 2**53`` is an exact unsigned 64-bit key with
    the same order and the same ties; one stable sort of it is several times faster than the
    lexsort (the children arrive nearly sorted by path, which a stable sort runs through).
    """
    if n_paths <= 1 << (64 - _DRAW_BITS):
        combined = path.astype(np.uint64) << np.uint64(_DRAW_BITS)
        combined |= (draw * float(1 << _DRAW_BITS)).astype(np.uint64)
        return np.argsort(combined, kind="stable")
    by_draw = np.argsort(draw, kind="stable")  # np.lexsort as its two stable sorts
    return by_draw[np.argsort(path[by_draw], kind="stable")]
