"""The duration-aware stock-flow model of children looked after (fit, then project or simulate).

Children are followed by single year of age, time in care and placement category
(:mod:`sufficiency.demand.projection`), with monthly transition probabilities estimated from the
authority's own month-end care histories (:mod:`sufficiency.demand.panel`,
:mod:`sufficiency.demand.hazards`) and entries from the recent level with a damped trend
(:class:`~sufficiency.demand.entries.DampedTrendEntries`; Prophet on request). Forecasts report
the mean, median and ranges of simulated futures that include drift in rates and entries; the
output keeps the (age band x placement category) cells of :data:`sufficiency.codes.AGE_BANDS`
and :data:`sufficiency.codes.PLACEMENT_CATEGORIES`.

The settings' defaults were chosen by backtest on three synthetic authorities together, with the
rule written down before the confirmation origins were looked at (``docs/demand_defaults.md``):
12 months of equally weighted outcomes, time in care ignored (the bands are an option), entries
held at the last 48 months' level, the stock-flow total (no top-down reconciliation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BANDS,
    PLACEMENT_CATEGORIES,
    SUPPORTED,
)
from sufficiency.demand.entries import DampedTrendEntries, MonthlyEntries
from sufficiency.demand.feasibility import SUPPORTED_MIN_AGE
from sufficiency.demand.hazards import estimate_transitions
from sufficiency.demand.panel import ADULT_MONTHS, CARE_MONTHS, age_band_of_months, month_end_stock
from sufficiency.demand.projection import (
    MeanPath,
    ProjectionParams,
    SimulatedPaths,
    StepDownFlow,
    forecast_dates,
    project_mean,
    simulate,
    simulate_paths,
)
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report

if TYPE_CHECKING:
    from sufficiency.demand.levers import DemandLevers

StockFlowParams = ProjectionParams
"""The parameters levers act on (kept under this name for callers written before the split)."""

__all__ = [
    "ALL",
    "FORECAST_COLUMNS",
    "OUTPUT_COLUMNS",
    "QUANTILES",
    "MeanPath",
    "ProjectionParams",
    "SimulatedPaths",
    "StepDownFlow",
    "StockFlowModel",
    "StockFlowParams",
    "forecast_dates",
    "mean_frame",
    "project_mean",
    "simulate",
    "simulate_paths",
    "stretch",
    "summarise_paths",
    "top_down_total",
]

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

# --- summarising paths into the long forecast frame ------------------------------------------


def _aggregates(values: np.ndarray, params: ProjectionParams) -> tuple[np.ndarray, list, list]:
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
    """Quantiles over axis 0 as ``np.quantile`` (linear) gives them, to within floating-point
    rounding (numpy interpolates from the upper value above the midpoint: about 1e-15 apart),
    from one sort of the draws."""
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


def stretch(quantile: np.ndarray, mean: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """A quantile stretched around the mean by ``factor``: ``mean + factor (quantile - mean)``,
    clipped at zero children (monotone in the quantile, so ranges stay ordered and the mean
    stays inside every range that held it)."""
    return np.maximum(mean + factor * (quantile - mean), 0.0)


def summarise_paths(
    paths: np.ndarray, params: ProjectionParams, mean: np.ndarray | None = None
) -> pd.DataFrame:
    """Long forecast frame (:data:`FORECAST_COLUMNS`) from simulated paths, totals included.

    Parameters
    ----------
    paths : numpy.ndarray
        ``(n_paths, H, S)`` simulated stocks.
    params : ProjectionParams
        The parameters the paths came from (for labels and dates).
    mean : numpy.ndarray, optional
        ``(H, S)`` analytic mean path; when given it is used for the ``mean`` column (exact, not a
        Monte Carlo estimate).

    When ``params.range_scale`` is set (ranges calibrated on the authority's own backtest), every
    quantile is stretched around the mean by the month's factor (:func:`stretch`): the total's
    factor for the total, the other for every other series.
    """
    horizon = paths.shape[1]
    stacked, bands, cats = _aggregates(paths, params)
    quantiles = _quantiles(stacked, list(QUANTILES.values()))  # (Q, H, K)
    if mean is None:
        mean_all = stacked.mean(axis=0)
    else:
        mean_all, _, _ = _aggregates(mean, params)
    n_series = stacked.shape[-1]
    if params.range_scale is not None:
        factor = np.repeat(params.range_scale[:horizon, 1:2], n_series, axis=1)
        factor[:, -1] = params.range_scale[:horizon, 0]  # the grand total is the last series
        quantiles = stretch(quantiles, mean_all[None], factor[None])
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


def mean_frame(path: MeanPath, params: ProjectionParams) -> pd.DataFrame:
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


# --- the model -------------------------------------------------------------------------------

ENTRIES_METHODS = ("damped", "prophet")
RECONCILE_METHODS = (
    "bottom-up",
    "top-down: damped_holt",
    "top-down: combination",
    "top-down: naive",
    "top-down: half naive",
)
"""How the total is set: the stock-flow model's own (bottom-up), or every cell scaled so the total
follows a damped Holt forecast, the average of naive, SES and damped Holt (combination), the last
figure carried forward (naive), or the average of the stock-flow total and the last figure."""
OWN_BACKTEST = "own backtest"
"""``reconcile`` / ``ranges`` setting: chosen from the authority's own backtest when the model is
fitted with one (:func:`sufficiency.demand.pipeline.fit_demand`, :mod:`.own_choice`)."""
RANGES_METHODS = ("simulated", OWN_BACKTEST)
DURATION_CLOCKS = ("care", "placement")
_CLOCK_COLUMN = {"care": "care_months", "placement": "placement_months"}


class StockFlowModel:
    """Duration-aware stock-flow model (see the module docstring); estimator-shaped.

    Parameters
    ----------
    reference_months : int, default 12
        Months of month-end outcomes before the origin that the transition rates rest on.
    halflife_months : float or None, default None
        Recency weighting of those months: a month's weight halves every ``halflife_months``
        months back (None: equal weights).
    duration_edges : tuple of int, default ()
        Time-in-care bands (months) the exit and move rates depend on, for example
        ``(3, 6, 12, 24)``; ``()`` ignores time in care. The backtest on three authorities did
        not favour the bands (point score 1.20 against 1.18; ``docs/demand_defaults.md``).
    duration_clock : {"care", "placement"}, default "care"
        What ``duration_edges`` measure: time in care, or time in the current placement (a move
        starts the clock again; needs a panel from ``care_months(..., placement_months=True)``).
        Time in the current placement was tried once on the choosing origins and did not help
        (``docs/demand_defaults.md``, 30 November 2026).
    prior_sd : float, default 1.0
        Shrinkage: prior standard deviation of each log-rate effect of age, time in care and
        placement (smaller pulls small cells harder towards the pooled rates).
    destination_prior : float, default 10
        Pseudo-moves pulling each age band's move destinations towards the placement's pooled
        destinations.
    entry_split_prior : float, default 10
        Pseudo-entrants pulling each age band's first placements towards all entrants'.
    entry_profile_months : int, default 36
        Months of entrants whose ages and first placements describe future entrants.
    entries_method : {"damped", "prophet"}, default "damped"
        Expected entries: recent level with a damped trend, or Prophet per age band (flat level
        with yearly seasonality). Prophet did not win the backtest: the flat 48-month level was
        as good (point scores 0.986 and 0.988) at a fraction of the cost.
    entry_level_months, entry_trend_months : int, default 48 and 24
        Window of the recent level and of the trend (damped entries).
    entry_level_halflife : float or None, default None
        Recency weighting of the entry level window (months; None: equal weights).
    entry_damping : float, default 0.0
        Monthly damping of the entries trend (0 holds the level flat; the backtest found every
        trend tried worse).
    entry_drift, exit_drift, mix_drift : float, default 0.2, 0.2 and 0.3
        Drift in the simulated futures (standard deviation of the log per square root of a
        year): in the entry level, in exit rates and in moves into each placement; calibrated so
        the 80% ranges of the total held 82% of outcomes at 12-36 months on the choosing origins
        (the placement categories' 77%, the most any setting tried reached).
    reconcile : str, default "bottom-up"
        One of :data:`RECONCILE_METHODS`: the stock-flow total, or a top-down total (every cell
        scaled by the same factor each month, so the stock-flow mix is kept); or
        ``"own backtest"``: whichever of those did best on this authority's own past origins
        (chosen by :meth:`adopt`; bottom-up until then). Not the default: chosen that way at every
        past origin (nested), it did worse than bottom-up on the choosing origins
        (``docs/demand_defaults.md``, section of 30 November 2026).
    ranges : {"own backtest", "simulated"}, default "own backtest"
        Report the simulated ranges stretched around the mean so that the 80% range would have
        held 80% of this authority's own past outcomes at each month ahead (never narrower than
        simulated; set by :meth:`adopt` from the model's own backtest, simulated until then), or
        the simulated ranges as they are. Added after the confirmation scores were seen.
    max_horizon : int, default 60
        Longest forecast prepared at fit time (months).
    random_state : int, default 0
        Seed (Prophet's fits; the simulations take their own seed).

    Attributes
    ----------
    params_ : ProjectionParams
        Fitted parameters (apply levers to these with :meth:`DemandLevers.apply`).
    transitions_ : Transitions
        The monthly transition probabilities and structural zeros.
    entries_ : DampedTrendEntries or MonthlyEntries
        The fitted entries model.
    rates_ : pandas.DataFrame
        Every monthly rate with its weighted exposure and events.
    structural_zeros_ : pandas.DataFrame
        age_band, placement_category, reason: cells nobody is placed in, and why.
    history_ : pandas.DataFrame
        Observed month-end stock (STOCK schema) up to the origin, for charts and backtests.
    reference_period_ : tuple of Timestamp
        First and last month end whose outcomes the rates rest on.
    notes_ : list of str
        Plain-words notes about the fit (for example children moved out of a placement the law
        rules out).
    """

    def __init__(
        self,
        reference_months: int = 12,
        halflife_months: float | None = None,
        duration_edges: tuple[int, ...] = (),
        duration_clock: str = "care",
        prior_sd: float = 1.0,
        destination_prior: float = 10.0,
        entry_split_prior: float = 10.0,
        entry_profile_months: int = 36,
        entries_method: str = "damped",
        entry_level_months: int = 48,
        entry_trend_months: int = 24,
        entry_damping: float = 0.0,
        entry_level_halflife: float | None = None,
        entry_drift: float = 0.2,
        exit_drift: float = 0.2,
        mix_drift: float = 0.3,
        reconcile: str = "bottom-up",
        ranges: str = OWN_BACKTEST,
        max_horizon: int = 60,
        random_state: int = 0,
    ) -> None:
        self.reference_months = reference_months
        self.halflife_months = halflife_months
        self.duration_edges = duration_edges
        self.duration_clock = duration_clock
        self.prior_sd = prior_sd
        self.destination_prior = destination_prior
        self.entry_split_prior = entry_split_prior
        self.entry_profile_months = entry_profile_months
        self.entries_method = entries_method
        self.entry_level_months = entry_level_months
        self.entry_trend_months = entry_trend_months
        self.entry_damping = entry_damping
        self.entry_level_halflife = entry_level_halflife
        self.entry_drift = entry_drift
        self.exit_drift = exit_drift
        self.mix_drift = mix_drift
        self.reconcile = reconcile
        self.ranges = ranges
        self.max_horizon = max_horizon
        self.random_state = random_state

    _PARAM_NAMES = (
        "reference_months",
        "halflife_months",
        "duration_edges",
        "duration_clock",
        "prior_sd",
        "destination_prior",
        "entry_split_prior",
        "entry_profile_months",
        "entries_method",
        "entry_level_months",
        "entry_trend_months",
        "entry_damping",
        "entry_level_halflife",
        "entry_drift",
        "exit_drift",
        "mix_drift",
        "reconcile",
        "ranges",
        "max_horizon",
        "random_state",
    )

    def get_params(self) -> dict:
        """Constructor parameters (JSON friendly: tuples as lists), for saving and comparing."""
        params = {name: getattr(self, name) for name in self._PARAM_NAMES}
        params["duration_edges"] = [int(e) for e in params["duration_edges"]]
        return params

    def set_params(self, **params) -> StockFlowModel:
        """Change settings (unknown names are an error); returns ``self``."""
        unknown = set(params) - set(self._PARAM_NAMES)
        if unknown:
            raise SufficiencyError(f"Unknown stock-flow setting(s): {', '.join(sorted(unknown))}.")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def _validate(self) -> None:
        problems = []
        if not 6 <= int(self.reference_months) <= 240:
            problems.append(f"reference_months must be 6 to 240 (got {self.reference_months})")
        if self.halflife_months is not None and not self.halflife_months > 0:
            problems.append(f"halflife_months must be above 0 (got {self.halflife_months})")
        edges = list(self.duration_edges)
        if edges != sorted(set(edges)) or any(not 0 < e <= 120 for e in edges):
            problems.append(
                "duration_edges must be increasing whole months between 1 and 120 "
                f"(got {self.duration_edges})"
            )
        if self.duration_clock not in DURATION_CLOCKS:
            problems.append(
                f"duration_clock must be one of {', '.join(DURATION_CLOCKS)} "
                f"(got {self.duration_clock!r})"
            )
        for name in ("prior_sd", "destination_prior", "entry_split_prior"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be above 0 (got {getattr(self, name)})")
        if self.entries_method not in ENTRIES_METHODS:
            problems.append(
                f"entries_method must be one of {', '.join(ENTRIES_METHODS)} "
                f"(got {self.entries_method!r})"
            )
        if self.entry_level_halflife is not None and not self.entry_level_halflife > 0:
            problems.append(
                f"entry_level_halflife must be above 0 (got {self.entry_level_halflife})"
            )
        if not 0 <= self.entry_damping < 1:
            problems.append(f"entry_damping must be 0 to below 1 (got {self.entry_damping})")
        for name in ("entry_drift", "exit_drift", "mix_drift"):
            if not 0 <= getattr(self, name) <= 2:
                problems.append(f"{name} must be 0 to 2 (got {getattr(self, name)})")
        if self.reconcile not in (*RECONCILE_METHODS, OWN_BACKTEST):
            problems.append(
                f"reconcile must be one of {', '.join(RECONCILE_METHODS)} or {OWN_BACKTEST!r} "
                f"(got {self.reconcile!r})"
            )
        if self.ranges not in RANGES_METHODS:
            problems.append(
                f"ranges must be one of {', '.join(RANGES_METHODS)} (got {self.ranges!r})"
            )
        if not 1 <= int(self.max_horizon) <= 240:
            problems.append(f"max_horizon must be 1 to 240 months (got {self.max_horizon})")
        if problems:
            raise SufficiencyError("Stock-flow model settings: " + "; ".join(problems) + ".")

    # --- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        origin: pd.Timestamp | None = None,
        progress: ProgressCallback | None = None,
    ) -> StockFlowModel:
        """Estimate rates, entrants' profile and the entries model from month-end care histories.

        Parameters
        ----------
        panel : pandas.DataFrame
            :func:`sufficiency.demand.panel.care_months` output (:data:`CARE_MONTHS` columns).
        origin : pandas.Timestamp, optional
            Month end to forecast from; later data is ignored (used by backtests). Defaults to
            the last month end in ``panel``.
        progress : callable, optional
            Progress callback ``(done, total, message)``.

        Returns
        -------
        StockFlowModel
            ``self``.
        """
        self._validate()
        needed = [*CARE_MONTHS, self._clock_column()]
        missing = [c for c in dict.fromkeys(needed) if c not in panel.columns]
        if missing:
            raise SufficiencyError(
                "The stock-flow model needs the month-end care histories from "
                "sufficiency.demand.panel.care_months; these columns are missing: "
                f"{', '.join(missing)}"
                + (
                    " (time in the current placement needs care_months(..., "
                    "placement_months=True))."
                    if "placement_months" in missing
                    else "."
                )
            )
        dates = pd.DatetimeIndex(sorted(pd.to_datetime(panel["date"]).unique()))
        origin = dates[-1] if origin is None else pd.Timestamp(origin).normalize()
        dates = dates[dates <= origin]
        if len(dates) < 7:
            raise SufficiencyError(
                "The stock-flow model needs at least 7 month ends of history up to the "
                f"forecast origin; the data gives {len(dates)}. Provide a longer 903 history."
            )
        origin = dates[-1]
        panel = panel.loc[pd.to_datetime(panel["date"]) <= origin]
        report(progress, 0, 3, "estimating transition rates")
        reference_months = min(int(self.reference_months), len(dates) - 1)
        self.transitions_ = estimate_transitions(
            panel,
            origin,
            reference_months=reference_months,
            halflife_months=self.halflife_months,
            duration_edges=tuple(self.duration_edges),
            prior_sd=self.prior_sd,
            destination_prior=self.destination_prior,
            duration_column=self._clock_column(),
        )
        self.reference_period_ = (dates[-1 - reference_months], dates[-2])
        report(progress, 1, 3, "fitting monthly entries")
        entries_history = _entries_history(panel, dates[1:])
        self.entries_history_ = entries_history
        self.entries_ = self._entries_model().fit(entries_history)
        entry_mean = self.entries_.predict_mean(int(self.max_horizon))
        report(progress, 2, 3, "assembling the model")
        self.notes_: list[str] = []
        start = self._start_population(panel, origin)
        entry_age, entry_split = self._entrants(panel, origin)
        exits_seen = float(
            panel.loc[
                (panel["outcome"] == "exit")
                & (pd.to_datetime(panel["date"]) >= self.reference_period_[0])
                & (panel["age_months"] < ADULT_MONTHS - 1),
                "children",
            ].sum()
        )
        level_entries = self._level_entries(entries_history)
        self.params_ = ProjectionParams(
            origin=origin,
            start_population=start,
            exit_prob=self.transitions_.exit_prob,
            move_prob=self.transitions_.move_prob,
            destination=self.transitions_.destination,
            duration_edges=self.transitions_.duration_edges,
            entry_mean=entry_mean,
            entry_age=entry_age,
            entry_split=entry_split,
            entry_level_sd=1.0 / np.sqrt(max(level_entries, 1.0)),
            exit_level_sd=1.0 / np.sqrt(max(exits_seen, 1.0)),
            entry_drift=float(self.entry_drift),
            exit_drift=float(self.exit_drift),
            mix_drift=float(self.mix_drift),
            reset_duration_on_move=self.duration_clock == "placement",
            ruled_out=self.transitions_.ruled_out,
        )
        self.history_ = month_end_stock(panel)
        self.reconcile_ = "bottom-up" if self.reconcile == OWN_BACKTEST else self.reconcile
        self.own_choice_ = None
        if self.reconcile_ != "bottom-up":
            self.params_ = self.params_.replace(total_scale=self._top_down_scale())
        self.rates_ = self.transitions_.rates
        self.structural_zeros_ = pd.DataFrame(
            [
                {"age_band": band, "placement_category": cat, "reason": reason}
                for (band, cat), reason in self.transitions_.zero_reasons.items()
            ],
            columns=["age_band", "placement_category", "reason"],
        )
        report(progress, 3, 3, "done")
        return self

    def _clock_column(self) -> str:
        return _CLOCK_COLUMN.get(self.duration_clock, "care_months")

    def _entries_model(self):
        if self.entries_method == "prophet":
            return MonthlyEntries(growth="flat", n_samples=1, random_state=self.random_state)
        return DampedTrendEntries(
            level_months=int(self.entry_level_months),
            trend_months=int(self.entry_trend_months),
            damping=float(self.entry_damping),
            level_halflife=self.entry_level_halflife,
        )

    def _level_entries(self, history: pd.DataFrame) -> float:
        if self.entry_level_halflife and hasattr(self.entries_, "level_entries_"):
            return float(self.entries_.level_entries_)
        months = sorted(history["ds"].unique())[-int(self.entry_level_months) :]
        return float(history.loc[history["ds"].isin(months), "y"].sum())

    def _start_population(self, panel: pd.DataFrame, origin: pd.Timestamp) -> np.ndarray:
        """Children at the origin by age in months, months in care (capped) and placement."""
        cap = int(self.duration_edges[-1]) if len(self.duration_edges) else 0
        rows = panel.loc[(panel["kind"] == "in care") & (pd.to_datetime(panel["date"]) == origin)]
        cats = {c: i for i, c in enumerate(PLACEMENT_CATEGORIES)}
        population = np.zeros((ADULT_MONTHS, cap + 1, len(PLACEMENT_CATEGORIES)))
        age = np.clip(rows["age_months"].to_numpy(), 0, ADULT_MONTHS - 1)
        dur = np.minimum(rows[self._clock_column()].to_numpy(), cap)
        cat = rows["placement_category"].map(cats).to_numpy()
        np.add.at(population, (age, dur, cat.astype(int)), rows["children"].to_numpy(float))
        # the law: no under-16 in supported accommodation; any recorded there are projected as
        # having moved at once to where their age band's moves out of supported accommodation
        # most often go
        sup = PLACEMENT_CATEGORIES.index(SUPPORTED)
        young = SUPPORTED_MIN_AGE * 12
        count = float(population[:young, :, sup].sum())
        if count > 0:
            bands = age_band_of_months(np.arange(young))
            target = np.argmax(self.transitions_.destination[bands, sup], axis=1)
            population[np.arange(young), :, target] += population[:young, :, sup]
            population[:young, :, sup] = 0.0
            self.notes_.append(
                f"{count:.0f} children under {SUPPORTED_MIN_AGE} were recorded in supported / "
                f"semi-independent accommodation on {origin:%d %B %Y}; the law rules that out "
                "since 9 September 2021, so the forecast places them where children of their age "
                "moving out of supported accommodation most often go. Check those records."
            )
        return population

    def _entrants(self, panel: pd.DataFrame, origin: pd.Timestamp):
        """Entrants' age in months within each band ``(B, 216)`` and first placements ``(B, C)``."""
        first = origin - pd.offsets.MonthEnd(int(self.entry_profile_months))
        rows = panel.loc[(panel["kind"] == "entry") & (pd.to_datetime(panel["date"]) > first)]
        if rows["children"].sum() == 0:
            rows = panel.loc[panel["kind"] == "entry"]
        if rows["children"].sum() == 0:
            raise SufficiencyError(
                "No child entering care appears in the data, so the ages and first placements "
                "of new entrants cannot be estimated. Check the episodes include starts."
            )
        n_b, n_c = len(AGE_BANDS), len(PLACEMENT_CATEGORIES)
        age = np.clip(rows["age_months"].to_numpy(), 0, ADULT_MONTHS - 1)
        band = age_band_of_months(age)
        weight = rows["children"].to_numpy(float)
        ages = np.zeros(ADULT_MONTHS)
        np.add.at(ages, age, weight)
        every_band = age_band_of_months(np.arange(ADULT_MONTHS))
        entry_age = np.zeros((n_b, ADULT_MONTHS))
        for b in range(n_b):
            inside = every_band == b
            # observed ages plus one child's worth spread evenly across the band
            entry_age[b, inside] = ages[inside] + 1.0 / inside.sum()
            entry_age[b] /= entry_age[b].sum()
        cats = rows["placement_category"].map({c: i for i, c in enumerate(PLACEMENT_CATEGORIES)})
        counts = np.zeros((n_b, n_c))
        np.add.at(counts, (band, cats.to_numpy().astype(int)), weight)
        overall = counts.sum(axis=0) / counts.sum()
        a = float(self.entry_split_prior)
        allowed = self.transitions_.arrival_allowed
        split = (counts + a * overall[None, :]) * allowed
        totals = split.sum(axis=1, keepdims=True)
        # no entrant of that age band was ever placed where children of that age go: spread
        # evenly over the placements allowed to them
        even = allowed / np.maximum(allowed.sum(axis=1, keepdims=True), 1)
        split = np.where(totals > 0, split / np.where(totals > 0, totals, 1.0), even)
        return entry_age, split

    def _top_down_scale(self) -> np.ndarray:
        """Factors taking the stock-flow total to the top-down total, month by month."""
        totals = self.history_.groupby("date")["children"].sum()
        still = self.params_.replace(total_scale=None)
        base = project_mean(still, int(self.max_horizon)).stock.sum(axis=1)
        target = top_down_total(totals, base, self.reconcile_)
        return np.where(base > 0, target / np.where(base > 0, base, 1.0), 1.0)

    def adopt(self, choice) -> StockFlowModel:
        """Take the choices read off this authority's own backtest (:mod:`.own_choice`).

        The point forecast is taken only when ``reconcile="own backtest"`` and the range factors
        only when ``ranges="own backtest"``; other settings keep what they fixed. Returns
        ``self``.
        """
        if not hasattr(self, "params_"):
            raise SufficiencyError("The stock-flow model has not been fitted yet: call fit first.")
        self.own_choice_ = choice
        if self.reconcile == OWN_BACKTEST and choice.reconcile != self.reconcile_:
            self.reconcile_ = choice.reconcile
            scale = None if self.reconcile_ == "bottom-up" else self._top_down_scale()
            self.params_ = self.params_.replace(total_scale=scale)
        if self.ranges == OWN_BACKTEST:
            scale = np.ones((int(self.max_horizon), 2))
            given = np.asarray(choice.range_scale, dtype=float)[: len(scale)]
            scale[: len(given)] = given
            scale[len(given) :] = given[-1] if len(given) else 1.0
            self.params_ = self.params_.replace(range_scale=scale)
        return self

    # --- prediction ------------------------------------------------------------------------

    def _params(self, levers: DemandLevers | None) -> ProjectionParams:
        if not hasattr(self, "params_"):
            raise SufficiencyError("The stock-flow model has not been fitted yet: call fit first.")
        return self.params_ if levers is None else levers.apply(self.params_)

    def predict(self, horizon: int, levers: DemandLevers | None = None) -> pd.DataFrame:
        """Deterministic mean path (long frame: date, age_band, placement_category, mean).

        Fast, for interaction; within 2% of the simulated mean on totals. The reported forecast
        (:meth:`forecast`) is the mean of simulated futures.
        """
        params = self._params(levers)
        return mean_frame(project_mean(params, horizon), params)

    def simulate(
        self,
        horizon: int,
        n_paths: int = 1000,
        random_state: int | None = 0,
        levers: DemandLevers | None = None,
    ) -> np.ndarray:
        """Simulated stock paths, shape ``(n_paths, horizon, S)`` (see :func:`simulate`)."""
        return simulate_paths(self._params(levers), horizon, n_paths, random_state)

    def forecast(
        self,
        horizon: int,
        n_paths: int = 1000,
        random_state: int | None = 0,
        levers: DemandLevers | None = None,
    ) -> pd.DataFrame:
        """Long forecast frame: the mean, median and 50/80/95% ranges of simulated futures."""
        params = self._params(levers)
        return summarise_paths(simulate_paths(params, horizon, n_paths, random_state), params)


def top_down_total(totals: pd.Series, base: np.ndarray, reconcile: str) -> np.ndarray:
    """The total a top-down ``reconcile`` method forecasts, month by month.

    Parameters
    ----------
    totals : pandas.Series
        Observed month-end total (children) up to the origin, indexed by date.
    base : numpy.ndarray
        ``(H,)`` the stock-flow total (children) the top-down total replaces.
    reconcile : str
        One of :data:`RECONCILE_METHODS` other than ``"bottom-up"`` (which returns ``base``).
    """
    from sufficiency.demand.series import make_forecaster

    base = np.asarray(base, dtype=float)
    method = reconcile.removeprefix("top-down: ")
    if reconcile == "bottom-up":
        return base
    if method in ("naive", "half naive"):
        target = np.full(len(base), float(totals.iloc[-1]))
        return 0.5 * (target + base) if method == "half naive" else target
    series = pd.DataFrame(
        {"unique_id": "total", "ds": totals.index, "y": totals.to_numpy(dtype=float)}
    )
    return make_forecaster(method).fit(series).predict(len(base))["mean"].to_numpy()


def _entries_history(panel: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Entries per month and age band (``unique_id, ds, y``), zero-filled over ``months``."""
    rows = panel.loc[panel["kind"] == "entry"]
    band = np.array(AGE_BANDS, dtype=object)[age_band_of_months(rows["age_months"].to_numpy())]
    counts = (
        pd.DataFrame({"unique_id": band, "ds": pd.to_datetime(rows["date"]), "y": rows["children"]})
        .groupby(["unique_id", "ds"])["y"]
        .sum()
    )
    full = pd.MultiIndex.from_product([list(AGE_BANDS), months], names=["unique_id", "ds"])
    return counts.reindex(full, fill_value=0).astype(float).reset_index()
