"""Monthly transition probabilities by single year of age, time in care and placement.

Estimated from the month-end care histories (:func:`sufficiency.demand.panel.care_months`) over a
reference period before the forecast origin, each month weighted by its recency:

- **Exits** by reason group and the **chance of a placement move**: a Poisson generalised linear
  model (scikit-learn ``PoissonRegressor``) per outcome, with single year of age, time-in-care
  band and placement category as factors and age band x placement interactions (log link, so
  effects multiply), fitted to events per child-month. The ridge penalty is a prior on each log-rate effect with standard deviation
  ``prior_sd``: small cells are shrunk towards what age, time in care and placement predict
  on their own (the pooled rates), never left at 0/0.
- **Where moves go**: per age band and placement, the observed destinations shrunk towards where
  children of that age band move to from any placement (``destination_prior`` pseudo-moves),
  themselves shrunk towards all arrivals.
- **Structural zeros** (:mod:`sufficiency.demand.feasibility`): placements the law rules out
  for an age band, and placements nobody of that age band came into (by entry or move) in the
  whole history up to the origin, receive no one. A child may age into such a placement only
  where the data show children of that age band staying there; otherwise the cell is **ruled
  out** and holds nobody at all (the projection makes children who would age into it leave it at
  that birthday: :data:`sufficiency.demand.feasibility.AGEING_RULE`).

Leaving care at 18 is not estimated: the projection ends care at the 18th birthday.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BANDS,
    EXIT_NOT_RECORDED,
    EXIT_REASON_GROUPS,
    PLACEMENT_CATEGORIES,
    share_unrecorded_exits,
)
from sufficiency.demand.feasibility import LEGAL_ZEROS
from sufficiency.demand.panel import ADULT_MONTHS, age_band_of_months
from sufficiency.errors import SufficiencyError

N_YEARS = ADULT_MONTHS // 12
MAX_MONTHLY_PROBABILITY = 0.95


def duration_band_index(care_months: np.ndarray, edges: tuple[int, ...]) -> np.ndarray:
    """Time-in-care band of completed months in care (band k starts at ``edges[k-1]``)."""
    return np.searchsorted(np.asarray(edges, dtype=np.int64), np.asarray(care_months), "right")


def duration_band_labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    """Readable labels, e.g. ``('under 3 months', '3-6 months', ..., '24 months and over')``."""
    if not edges:
        return ("any time in care",)
    labels = [f"under {edges[0]} months"]
    labels += [f"{a}-{b} months" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    labels.append(f"{edges[-1]} months and over")
    return tuple(labels)


@dataclass(frozen=True, eq=False)
class Transitions:
    """Monthly transition probabilities (the rates a projection needs).

    Attributes
    ----------
    exit_prob : numpy.ndarray
        ``(18, D, C, G)``: chance of leaving care for each exit reason group within a month, by
        completed year of age, time-in-care band and placement category.
    move_prob : numpy.ndarray
        ``(18, D, C)``: chance of moving to another placement category within a month.
    destination : numpy.ndarray
        ``(B, C, C)``: where moves go, by the age band the child is in at the next month end and
        the placement moved from (rows sum to 1; zero diagonal and zero columns for structural
        zeros).
    arrival_allowed : numpy.ndarray
        ``(B, C)`` boolean: False where nobody may arrive (the law, or nobody ever did).
    zero_reasons : dict
        ``(band, category) -> reason`` for every structural zero.
    duration_edges : tuple of int
        Time-in-care band edges in months.
    rates : pandas.DataFrame
        Every estimated rate with its weighted exposure and events, for display.
    """

    exit_prob: np.ndarray
    move_prob: np.ndarray
    destination: np.ndarray
    arrival_allowed: np.ndarray
    zero_reasons: dict
    duration_edges: tuple[int, ...]
    rates: pd.DataFrame
    ruled_out: np.ndarray | None = None
    """``(B, C)`` boolean: True where nobody may be at all (the law, or nobody of that age band
    arrived or stayed there in the data); None: the law's cells only. A subset of the cells
    ``arrival_allowed`` closes."""


def recency_weights(dates: pd.Series, origin: pd.Timestamp, halflife: float | None) -> np.ndarray:
    """Weight of each month end's outcome: halves every ``halflife`` months back from the origin."""
    if not halflife:
        return np.ones(len(dates))
    origin = pd.Timestamp(origin)
    when = pd.to_datetime(dates)
    back = (origin.year - when.dt.year) * 12 + (origin.month - when.dt.month)
    # the outcome of month end T is seen at T + 1 month
    return 0.5 ** ((back.to_numpy(dtype=float) - 1.0) / float(halflife))


def structural_zeros(
    panel: pd.DataFrame, origin: pd.Timestamp, bands=AGE_BANDS, cats=PLACEMENT_CATEGORIES
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Arrivals allowed ``(B, C)``, cells ruled out altogether ``(B, C)``, and the reason for
    every cell closed to arrivals.

    A cell is closed to arrivals when the law rules it out, or when no child of that age band
    entered care into it or moved into it at any month end up to ``origin`` (while some child of
    that age band arrived somewhere). A closed cell is ruled out altogether (nobody may even age
    into it) when the law rules it out, or when no child of that age band was in it at any month
    end up to ``origin`` either (:data:`sufficiency.demand.feasibility.AGEING_RULE`).
    """
    seen = panel.loc[pd.to_datetime(panel["date"]) <= pd.Timestamp(origin)]
    arrivals = np.zeros((len(bands), len(cats)))
    held = np.zeros((len(bands), len(cats)))
    first = pd.to_datetime(seen["date"]).min()
    entry = seen.loc[seen["kind"] == "entry"]
    moved = seen.loc[seen["outcome"] == "move"]
    in_care = seen.loc[seen["kind"] == "in care"]
    for frame, column, counts in (
        (entry, "placement_category", arrivals),
        (moved, "to_category", arrivals),
        (in_care, "placement_category", held),
    ):
        b = age_band_of_months(frame["age_months"].to_numpy())
        c = frame[column].map({cat: i for i, cat in enumerate(cats)}).to_numpy()
        ok = ~pd.isna(c)
        np.add.at(counts, (b[ok], c[ok].astype(int)), frame["children"].to_numpy()[ok])
    # a band nobody arrived in at all says nothing about where its children can go
    allowed = (arrivals > 0) | (arrivals.sum(axis=1, keepdims=True) == 0)
    ruled_out = ~allowed & (held == 0)
    reasons: dict = {}
    period = f"between {first:%B %Y} and {pd.Timestamp(origin):%B %Y}"
    for i, band in enumerate(bands):
        for j, cat in enumerate(cats):
            law = LEGAL_ZEROS.get((band, cat))
            if law:
                allowed[i, j] = False
                ruled_out[i, j] = True
                reasons[(band, cat)] = "the law: " + law
            elif ruled_out[i, j]:
                reasons[(band, cat)] = (
                    f"this authority's data: no child aged {band} entered care into, moved into "
                    f"or stayed in {cat} {period}"
                    + (
                        " (a child who reaches that age there leaves it at the birthday, as "
                        "children of the age before leave it)"
                        if i > 0
                        else ""
                    )
                )
            elif not allowed[i, j]:
                reasons[(band, cat)] = (
                    f"this authority's data: no child aged {band} entered care into or moved "
                    f"into {cat} {period} (no new arrivals; children who reach that age there "
                    f"stay, as {held[i, j]:.0f} child-months in the data show)"
                )
    return allowed, ruled_out, reasons


def _design(n_years: int, n_dur: int, n_cats: int) -> np.ndarray:
    """One-hot design for every (year of age, duration band, category) cell: main effects (first
    level of each dropped) plus age band x category interactions (all penalised, so they are only
    used where the data insist: for example 16-17 year olds in foster care moving on more)."""
    y, d, c = np.meshgrid(np.arange(n_years), np.arange(n_dur), np.arange(n_cats), indexing="ij")
    y, d, c = y.ravel(), d.ravel(), c.ravel()
    band = age_band_of_months(y * 12)
    columns = [(y == k) for k in range(1, n_years)]
    columns += [(d == k) for k in range(1, n_dur)]
    columns += [(c == k) for k in range(1, n_cats)]
    columns += [(band == b) & (c == k) for b in range(len(AGE_BANDS)) for k in range(n_cats)]
    return np.column_stack(columns).astype(float)


def _poisson_rates(events: np.ndarray, exposure: np.ndarray, design: np.ndarray, prior_sd: float):
    """Fitted rates per cell from a ridge-penalised Poisson GLM (events / child-month)."""
    from sklearn.linear_model import PoissonRegressor

    keep = exposure > 0
    total = float(exposure[keep].sum())
    if total <= 0 or events.sum() <= 0:
        return np.zeros_like(exposure)
    from sufficiency.demand.projection import single_threaded

    alpha = 1.0 / (prior_sd**2 * total)
    model = PoissonRegressor(alpha=alpha, solver="newton-cholesky", max_iter=100, tol=1e-6)
    # a few hundred cells: thread pools (OpenMP, BLAS) only add waiting, badly so on a busy machine
    with warnings.catch_warnings(), single_threaded():
        warnings.simplefilter("ignore")  # convergence chatter on tiny cells
        model.fit(design[keep], events[keep] / exposure[keep], sample_weight=exposure[keep])
        return model.predict(design)


def estimate_transitions(
    panel: pd.DataFrame,
    origin: pd.Timestamp,
    *,
    reference_months: int = 36,
    halflife_months: float | None = 12.0,
    duration_edges: tuple[int, ...] = (3, 6, 12, 24),
    prior_sd: float = 1.0,
    destination_prior: float = 10.0,
    bands: tuple[str, ...] = AGE_BANDS,
    cats: tuple[str, ...] = PLACEMENT_CATEGORIES,
    groups: tuple[str, ...] = EXIT_REASON_GROUPS,
    duration_column: str = "care_months",
) -> Transitions:
    """Monthly transition probabilities from the month ends before ``origin`` (see module doc).

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`sufficiency.demand.panel.care_months` output.
    origin : Timestamp
        Forecast origin (a month end); outcomes seen after it are ignored.
    reference_months : int
        Months of outcomes used (the last month end used is the one before the origin).
    halflife_months : float or None
        Recency weighting; None weighs every month alike.
    duration_edges : tuple of int
        Time-in-care band edges in months; ``()`` ignores time in care (a Markov model).
    prior_sd : float
        Prior standard deviation of each log-rate effect (smaller shrinks more).
    destination_prior : float
        Pseudo-moves pulling each age band's destinations towards the placement's pooled ones.
    duration_column : {"care_months", "placement_months"}
        The clock ``duration_edges`` apply to: time in care, or time in the current placement.
    """
    origin = pd.Timestamp(origin)
    start = origin - pd.offsets.MonthEnd(int(reference_months))
    dates = pd.to_datetime(panel["date"])
    rows = panel.loc[
        (panel["kind"] == "in care")
        & (dates >= start)
        & (dates < origin)
        & panel["outcome"].isin(["stay", "move", "exit"])
        # a child of 215 months leaves at 18 within the month whatever else happens: the
        # projection ends care at the 18th birthday, so that month says nothing about rates
        & (panel["age_months"] < ADULT_MONTHS - 1)
    ]
    if rows.empty:
        raise SufficiencyError(
            f"No month-end outcomes between {start:%B %Y} and {origin:%B %Y}: the rates cannot "
            "be estimated. Provide a longer 903 history."
        )
    n_b, n_c, n_g = len(bands), len(cats), len(groups)
    n_d = len(duration_edges) + 1
    weight = recency_weights(rows["date"], origin, halflife_months) * rows["children"].to_numpy()
    year = np.clip(rows["age_months"].to_numpy() // 12, 0, N_YEARS - 1)
    dur = duration_band_index(rows[duration_column].to_numpy(), duration_edges)
    cat_index = {c: i for i, c in enumerate(cats)}
    cat = rows["placement_category"].map(cat_index).to_numpy()
    # where a move goes depends on the age band the child is in by the next month end (a child
    # who turns 16 that month may move to supported accommodation)
    band = age_band_of_months(np.minimum(rows["age_months"].to_numpy() + 1, ADULT_MONTHS - 1))

    shape = (N_YEARS, n_d, n_c)
    exposure = np.zeros(shape)
    np.add.at(exposure, (year, dur, cat), weight)
    is_exit = (rows["outcome"] == "exit").to_numpy()
    group = rows["exit_reason_group"].map({g: i for i, g in enumerate(groups)}).to_numpy()
    exits = np.zeros((*shape, n_g))
    sel = is_exit & ~pd.isna(group)
    np.add.at(exits, (year[sel], dur[sel], cat[sel], group[sel].astype(int)), weight[sel])
    # exits without a recorded reason (stale episodes the reader closed) still leave care, but
    # are shared among the reasons recorded in the same cell rather than counted as 'other'
    unrecorded = np.zeros(shape)
    sel = is_exit & (rows["exit_reason_group"] == EXIT_NOT_RECORDED).to_numpy()
    np.add.at(unrecorded, (year[sel], dur[sel], cat[sel]), weight[sel])
    exits = share_unrecorded_exits(exits, unrecorded, tuple(groups))
    is_move = (rows["outcome"] == "move").to_numpy()
    to = rows["to_category"].map(cat_index).to_numpy()
    moves = np.zeros(shape)
    np.add.at(moves, (year[is_move], dur[is_move], cat[is_move]), weight[is_move])
    flows = np.zeros((n_b, n_c, n_c))
    sel = is_move & ~pd.isna(to)
    np.add.at(flows, (band[sel], cat[sel], to[sel].astype(int)), weight[sel])

    design = _design(N_YEARS, n_d, n_c)
    flat_exposure = exposure.ravel()
    exit_rate = np.stack(
        [
            _poisson_rates(exits[..., g].ravel(), flat_exposure, design, prior_sd)
            for g in range(n_g)
        ],
        axis=-1,
    ).reshape(*shape, n_g)
    move_rate = _poisson_rates(moves.ravel(), flat_exposure, design, prior_sd).reshape(shape)
    total = exit_rate.sum(axis=-1) + move_rate
    scale = np.where(total > MAX_MONTHLY_PROBABILITY, MAX_MONTHLY_PROBABILITY / total, 1.0)
    exit_prob, move_prob = exit_rate * scale[..., None], move_rate * scale

    allowed, ruled_out, reasons = structural_zeros(panel, origin, bands, cats)
    destination = _destinations(flows, allowed, destination_prior)
    rates = _rates_table(exposure, exits, moves, exit_prob, move_prob, duration_edges, cats, groups)
    return Transitions(
        exit_prob=exit_prob,
        move_prob=move_prob,
        destination=destination,
        arrival_allowed=allowed,
        zero_reasons=reasons,
        duration_edges=tuple(int(e) for e in duration_edges),
        rates=rates,
        ruled_out=ruled_out,
    )


def _destinations(flows: np.ndarray, allowed: np.ndarray, prior: float) -> np.ndarray:
    """Destination shares per (band, from), shrunk towards the band's pooled shares (where
    children of that age move to from any placement), themselves shrunk towards all arrivals;
    structural zeros respected."""
    n_b, n_c, _ = flows.shape
    off_diagonal = ~np.eye(n_c, dtype=bool)
    arrivals = flows.sum(axis=(0, 1)) + 1.0  # every category a little, before zeros
    by_band = flows.sum(axis=1) + prior * arrivals[None, :] / arrivals.sum()  # (B, C)
    pooled = by_band[:, None, :] * off_diagonal[None]  # (B, from, to) without staying put
    pooled = pooled / pooled.sum(axis=2, keepdims=True)
    dest = (flows + prior * pooled) * off_diagonal[None] * allowed[:, None, :]
    totals = dest.sum(axis=2, keepdims=True)
    # nowhere allowed to go (cannot happen with real data): stay put by moving nowhere
    return np.where(totals > 0, dest / np.where(totals > 0, totals, 1.0), 0.0)


def _rates_table(exposure, exits, moves, exit_prob, move_prob, edges, cats, groups):
    labels = duration_band_labels(edges)
    y, d, c = np.meshgrid(
        np.arange(exposure.shape[0]),
        np.arange(exposure.shape[1]),
        np.arange(exposure.shape[2]),
        indexing="ij",
    )
    base = pd.DataFrame(
        {
            "age_years": y.ravel(),
            "time_in_care": np.array(labels, dtype=object)[d.ravel()],
            "placement_category": np.array(cats, dtype=object)[c.ravel()],
            "exposure_child_months": exposure.ravel(),
        }
    )
    frames = [
        base.assign(
            transition="placement move",
            events=moves.ravel(),
            monthly_probability=move_prob.ravel(),
        )
    ]
    for g, group in enumerate(groups):
        frames.append(
            base.assign(
                transition=f"exit: {group}",
                events=exits[..., g].ravel(),
                monthly_probability=exit_prob[..., g].ravel(),
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out = out.loc[out["exposure_child_months"] > 0].reset_index(drop=True)
    out[["exposure_child_months", "events"]] = out[["exposure_child_months", "events"]].round(2)
    return out
