"""Recruitment-funnel analytics: where enquirers drop out, how long each stage takes, what it costs.

All functions take validated enquiries (:data:`sufficiency.supply.records.CLEAN_ENQUIRIES`) and the
extract date. People still in progress at the extract date are not counted as failures:

- stage conversion divides those who reached the next stage by those who have *resolved* (reached
  it or withdrew), with Wilson score intervals;
- time in stage uses the Aalen-Johansen estimator of cumulative incidence, with withdrawal as a
  competing risk and people still in the stage censored at the extract date.

Groupings (``by``): ``None`` (everyone, group ``"all"``), ``"channel"``, ``"campaign"``,
``"year"`` (financial year of the enquiry, April-March) or ``"quarter"``. Group labels read
``"channel: radio"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats (~1 s)

from sufficiency import periods
from sufficiency.supply.records import STAGE_DATE_COLUMNS, STAGE_LABELS, STAGES

GROUPINGS: tuple[str, ...] = ("channel", "campaign", "year", "quarter")

CONSECUTIVE_TRANSITIONS: tuple[tuple[str, str], ...] = tuple(
    zip(STAGES[:-1], STAGES[1:], strict=True)
)
HEADLINE_TRANSITIONS: tuple[tuple[str, str], ...] = (
    ("enquiry", "application"),
    ("application", "approval"),
    ("enquiry", "approval"),
)
"""The spans Ofsted and the Fostering Network publish benchmarks for."""
ALL_TRANSITIONS = CONSECUTIVE_TRANSITIONS + HEADLINE_TRANSITIONS

CONVERSION_COLUMNS: tuple[str, ...] = (
    "from_stage",
    "to_stage",
    "group",
    "rate",
    "lower",
    "upper",
    "reached",
    "converted",
    "withdrawn",
    "still_open",
)
"""``rate`` = converted / (converted + withdrawn), a share (0-1); lower/upper its Wilson interval."""

DURATION_COLUMNS: tuple[str, ...] = (
    "from_stage",
    "to_stage",
    "group",
    "entered",
    "converted",
    "withdrawn",
    "still_open",
    "share_converting",
    "share_withdrawing",
    "median_days",
    "p25_days",
    "p75_days",
    "p90_days",
    "mean_days",
)
"""Durations are days from reaching ``from_stage`` to reaching ``to_stage`` among those who do."""


@dataclass(frozen=True)
class SourcedFigure:
    """A published figure used as an editable default."""

    value: float
    unit: str
    source: str
    low: float | None = None
    high: float | None = None


PUBLISHED_BENCHMARKS: dict[str, SourcedFigure] = {
    "enquiry_to_application": SourcedFigure(
        0.155,
        "share of enquiries",
        "Ofsted Fostering in England 2017-18 to 2022-23: local authority services 12-19%",
        0.12,
        0.19,
    ),
    "application_to_approval": SourcedFigure(
        0.34,
        "share of applications",
        "Ofsted Fostering in England 2017-18: 4,920 approvals / 14,280 applications (LA 33%, "
        "IFA 36%)",
        0.33,
        0.36,
    ),
    "enquiry_to_approval_older": SourcedFigure(
        0.11,
        "share of enquiries",
        "Fostering Network / iMPOWER 2013 (older benchmark; higher than the Ofsted stage rates "
        "multiplied together)",
    ),
    "enquiry_to_approval_days": SourcedFigure(
        281.0, "days", "Fostering Network / iMPOWER 2013 (older benchmark)"
    ),
}
"""Sourced defaults from DOMAIN.md, shown beside the authority's own rates."""


# --- grouping -------------------------------------------------------------------------------


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year label ('2019-20') of each date (April to March)."""
    labels = periods.financial_year_labels(dates)
    labels.index = dates.index
    return labels


def group_codes(enquiries: pd.DataFrame, by: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Integer group code of each enquiry and the sorted group labels the codes index.

    Labels read 'all', 'channel: radio', 'campaign: ...', 'year: 2019-20' or
    'quarter: Q2 2019-20 (Jul-Sep 2019)' (financial years and quarters, April to March).
    """
    n = len(enquiries)
    if by is None:
        return np.zeros(n, dtype=np.int64), np.array(["all"], dtype=object)
    if by in ("channel", "campaign"):
        codes, uniques = pd.factorize(enquiries[by].astype(object).to_numpy(), sort=True)
        names = [str(value) for value in uniques]
    elif by == "year":
        dates = enquiries["enquiry_date"]
        start_year = (dates.dt.year - (dates.dt.month < 4).astype(int)).to_numpy()
        codes, uniques = pd.factorize(start_year, sort=True)
        names = [periods.financial_year_label_of_start(year) for year in uniques]
    elif by == "quarter":
        dates = enquiries["enquiry_date"]
        quarter = (dates.dt.year * 4 + (dates.dt.month - 1) // 3).to_numpy()
        codes, uniques = pd.factorize(quarter, sort=True)
        starts = pd.DatetimeIndex(
            [pd.Timestamp(int(value // 4), int(value % 4) * 3 + 1, 1) for value in uniques]
        )
        names = periods.financial_quarter_labels(starts)
    else:
        raise ValueError(f"by must be None or one of {GROUPINGS}, not {by!r}")
    labels = np.array([f"{by}: {name}" for name in names], dtype=object)
    return codes.astype(np.int64), labels


def group_labels(enquiries: pd.DataFrame, by: str | None) -> pd.Series:
    """Label each enquiry with its group ('all', 'channel: radio', 'year: 2019-20', ...)."""
    codes, labels = group_codes(enquiries, by)
    return pd.Series(labels[codes] if len(codes) else [], index=enquiries.index, dtype=object)


def _groupings(by: str | Sequence[str | None] | None) -> list[str | None]:
    if by is None or isinstance(by, str):
        return [by]
    return list(by)


def filter_enquiries(
    enquiries: pd.DataFrame,
    *,
    channels: Sequence[str] | None = None,
    campaigns: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Enquiries made between ``start`` and ``end`` (inclusive) from the given channels/campaigns."""
    keep = pd.Series(True, index=enquiries.index)
    if channels:
        keep &= enquiries["channel"].isin(list(channels))
    if campaigns:
        keep &= enquiries["campaign"].isin(list(campaigns))
    if start is not None:
        keep &= enquiries["enquiry_date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= enquiries["enquiry_date"] <= pd.Timestamp(end)
    return enquiries[keep]


# --- conversion -----------------------------------------------------------------------------


def wilson_interval(
    successes: np.ndarray | float, trials: np.ndarray | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial share; NaN where there are no trials."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = ndtri(0.5 + confidence / 2)  # = scipy.stats.norm.ppf
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lower = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    upper = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lower, upper


def _stage_arrays(enquiries: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
    stage_days = {
        stage: enquiries[column].to_numpy("datetime64[ns]").astype("datetime64[D]")
        for stage, column in STAGE_DATE_COLUMNS.items()
    }
    withdrawal = enquiries["withdrawal_date"].to_numpy("datetime64[ns]").astype("datetime64[D]")
    return stage_days, withdrawal


def stage_conversion(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    by: str | Sequence[str | None] | None = None,
    transitions: Sequence[tuple[str, str]] = ALL_TRANSITIONS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of people reaching ``from_stage`` who went on to reach ``to_stage``.

    Parameters
    ----------
    enquiries : DataFrame
        Validated enquiries.
    extract_date : Timestamp
        Date the records describe: people with no outcome are in progress up to it.
    by : grouping or list of groupings
        ``None`` for everyone; see the module docstring.
    transitions : sequence of (from_stage, to_stage)
        Defaults to every consecutive stage plus the headline spans.
    confidence : float
        Interval coverage (0.95 = 95% Wilson interval).

    Returns
    -------
    DataFrame
        :data:`CONVERSION_COLUMNS`. Where everyone who reached ``from_stage`` is still in
        progress, ``rate``, ``lower`` and ``upper`` are missing (not yet known, never 0%). Where
        nobody is still open, ``rate`` is converted /
        (converted + withdrawn). Where some are (``still_open`` > 0), it is the Aalen-Johansen
        cumulative incidence of conversion at the longest follow-up (withdrawal competing, open
        people censored at the extract date), so recent cohorts are neither penalised for
        people still in progress nor judged only on their quick withdrawals. The Wilson interval
        uses the resolved count (converted + withdrawn) as its sample size.
    """
    arrays = _stage_arrays(enquiries)
    stage_days, withdrawal = arrays
    withdrawn_any = ~np.isnat(withdrawal)
    columns: dict[str, list[np.ndarray]] = {name: [] for name in CONVERSION_COLUMNS}
    timings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for grouping in _groupings(by):
        codes, names = group_codes(enquiries, grouping)
        size = len(names)
        for from_stage, to_stage in transitions:
            reached = ~np.isnat(stage_days[from_stage])
            converted = ~np.isnat(stage_days[to_stage]) & reached
            withdrawn = reached & ~converted & withdrawn_any
            still_open = reached & ~converted & ~withdrawn_any
            counts = {
                name: np.bincount(codes, weights=flag, minlength=size).astype("int64")
                for name, flag in (
                    ("reached", reached),
                    ("converted", converted),
                    ("withdrawn", withdrawn),
                    ("still_open", still_open),
                )
            }
            resolved = counts["converted"] + counts["withdrawn"]
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(resolved > 0, counts["converted"] / resolved, np.nan)
            censored = np.flatnonzero(counts["still_open"] > 0)
            if len(censored):
                # People still in progress: the Aalen-Johansen share converting, which counts them
                # as at risk until the extract date rather than as failures or not at all.
                if (from_stage, to_stage) not in timings:
                    timings[(from_stage, to_stage)] = _transition_times(
                        enquiries, extract_date, from_stage, to_stage, arrays=arrays
                    )
                _, days, event = timings[(from_stage, to_stage)]
                for position in censored:
                    mask = reached & (codes == position)
                    _, cif1, _, _ = _competing_risks(days[mask], event[mask])
                    rate[position] = cif1[-1]
            # everyone who reached the stage is still in progress: not yet known, never 0%
            # (and a cumulative incidence of 1 in floating point is exactly 1)
            rate = np.where(resolved > 0, np.clip(rate, 0.0, 1.0), np.nan)
            lower, upper = wilson_interval(rate * resolved, resolved, confidence)
            lower = np.where(resolved > 0, lower, np.nan)
            upper = np.where(resolved > 0, upper, np.nan)
            columns["from_stage"].append(np.full(size, from_stage, dtype=object))
            columns["to_stage"].append(np.full(size, to_stage, dtype=object))
            columns["group"].append(names)
            columns["rate"].append(rate)
            columns["lower"].append(lower)
            columns["upper"].append(upper)
            for name, values in counts.items():
                columns[name].append(values)
    result = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    return result[list(CONVERSION_COLUMNS)]


def funnel_counts(
    enquiries: pd.DataFrame, *, by: str | Sequence[str | None] | None = None
) -> pd.DataFrame:
    """Number reaching each stage (for a funnel chart).

    Returns
    -------
    DataFrame
        stage, stage_label, group, reached, share_of_enquiries (0-1), in_stage_now (open
        enquiries whose furthest stage is this one).
    """
    is_open = (enquiries["outcome"] == "open").to_numpy()
    last_stage = enquiries["last_stage"].to_numpy()
    columns: dict[str, list[np.ndarray]] = {
        name: []
        for name in ("stage", "stage_label", "group", "enquiries", "reached", "in_stage_now")
    }
    for grouping in _groupings(by):
        codes, names = group_codes(enquiries, grouping)
        size = len(names)
        totals = np.bincount(codes, minlength=size)
        for stage in STAGES:
            reached = enquiries[STAGE_DATE_COLUMNS[stage]].notna().to_numpy()
            in_stage = is_open & (last_stage == stage)
            columns["stage"].append(np.full(size, stage, dtype=object))
            columns["stage_label"].append(np.full(size, STAGE_LABELS[stage], dtype=object))
            columns["group"].append(names)
            columns["enquiries"].append(totals)
            columns["reached"].append(np.bincount(codes, weights=reached, minlength=size))
            columns["in_stage_now"].append(np.bincount(codes, weights=in_stage, minlength=size))
    result = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    for name in ("enquiries", "reached", "in_stage_now"):
        result[name] = result[name].astype("int64")
    result = result.sort_values(["group"], kind="stable").reset_index(drop=True)
    result = result[result["enquiries"] > 0]
    result["share_of_enquiries"] = result["reached"] / result["enquiries"]
    return result[
        ["stage", "stage_label", "group", "reached", "share_of_enquiries", "in_stage_now"]
    ]


# --- time in stage --------------------------------------------------------------------------


def _competing_risks(
    days: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Aalen-Johansen cumulative incidence.

    Parameters
    ----------
    days : array of float
        Follow-up time for each person.
    event : array of int
        1 = reached the next stage, 2 = withdrew, 0 = still in stage (censored).

    Returns
    -------
    (times, cif_progress, cif_withdraw, survival) at each distinct event or censoring time.
    """
    if len(days) == 0:
        empty = np.array([], dtype=float)
        return empty, empty, empty, empty
    whole = days.astype(np.int64)
    if np.all(whole == days) and whole.min() >= 0:
        # Whole days (always, for dates): count by day without sorting.
        size = int(whole.max()) + 1
        leaving = np.bincount(whole, minlength=size).astype(float)
        seen = np.flatnonzero(leaving)
        times = seen.astype(float)
        d1 = np.bincount(whole, weights=(event == 1), minlength=size)[seen]
        d2 = np.bincount(whole, weights=(event == 2), minlength=size)[seen]
        leaving = leaving[seen]
    else:
        times, inverse = np.unique(days, return_inverse=True)
        d1 = np.bincount(inverse, weights=(event == 1), minlength=len(times))
        d2 = np.bincount(inverse, weights=(event == 2), minlength=len(times))
        leaving = np.bincount(inverse, minlength=len(times)).astype(float)
    at_risk = len(days) - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, (d1 + d2) / at_risk, 0.0)
        survival = np.cumprod(1 - hazard)
        before = np.concatenate([[1.0], survival[:-1]])
        cif1 = np.cumsum(np.where(at_risk > 0, before * d1 / at_risk, 0.0))
        cif2 = np.cumsum(np.where(at_risk > 0, before * d2 / at_risk, 0.0))
    return times, cif1, cif2, survival


def _transition_times(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    from_stage: str,
    to_stage: str,
    *,
    arrays: tuple[dict[str, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask of people who reached from_stage, days, event) for one transition."""
    stage_days, withdrawal = arrays if arrays is not None else _stage_arrays(enquiries)
    start = stage_days[from_stage]
    finish = stage_days[to_stage]
    reached = ~np.isnat(start)
    extract = np.datetime64(pd.Timestamp(extract_date).date(), "D")
    converted = reached & ~np.isnat(finish)
    withdrawn = reached & ~converted & ~np.isnat(withdrawal)
    end = np.where(converted, finish, np.where(withdrawn, withdrawal, extract))
    days = np.maximum((end - start).astype("timedelta64[D]").astype(float), 0.0)
    event = np.where(converted, 1, np.where(withdrawn, 2, 0))
    return reached, days, event


@dataclass(frozen=True)
class DurationDistribution:
    """Distribution of days from one stage to another among those who get there.

    Built from the Aalen-Johansen increments, so people still in progress count. ``share`` is
    the estimated share of people entering ``from_stage`` who eventually reach ``to_stage``.
    """

    from_stage: str
    to_stage: str
    days: np.ndarray
    probabilities: np.ndarray
    share: float
    entered: int = 0
    source: str = ""
    _cumulative: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cumulative", np.cumsum(self.probabilities))

    def quantile(self, q: float | np.ndarray) -> np.ndarray | float:
        """Days by which a share ``q`` of eventual converters had progressed."""
        if len(self.days) == 0:
            return np.full(np.shape(q), np.nan) if np.ndim(q) else float("nan")
        index = np.searchsorted(self._cumulative, np.asarray(q) - 1e-12, side="left")
        values = self.days[np.minimum(index, len(self.days) - 1)]
        return values if np.ndim(q) else float(values)

    def mean(self) -> float:
        """Mean days among those who progress."""
        if len(self.days) == 0:
            return float("nan")
        return float(np.sum(self.days * self.probabilities))

    def sample(self, size: int, random_state: int | np.random.Generator | None = None):
        """Draw ``size`` durations (days, int) for people who progress."""
        rng = np.random.default_rng(random_state)
        if len(self.days) == 0:
            return np.full(size, np.nan)
        return rng.choice(self.days, size=size, p=self.probabilities).astype(int)


def duration_distribution(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    from_stage: str = "enquiry",
    to_stage: str = "approval",
) -> DurationDistribution:
    """Censoring-aware distribution of days from ``from_stage`` to ``to_stage``.

    Used by the inverse calculator for lead times (e.g. enquiry to approval).
    """
    reached, days, event = _transition_times(enquiries, extract_date, from_stage, to_stage)
    times, cif1, _, _ = _competing_risks(days[reached], event[reached])
    increments = np.diff(np.concatenate([[0.0], cif1])) if len(cif1) else cif1
    share = float(cif1[-1]) if len(cif1) else float("nan")
    mask = increments > 0
    probabilities = increments[mask] / increments[mask].sum() if mask.any() else increments[mask]
    return DurationDistribution(
        from_stage,
        to_stage,
        times[mask],
        probabilities,
        share,
        entered=int(reached.sum()),
        source="the records given (Aalen-Johansen, withdrawal as competing risk)",
    )


def stage_durations(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    by: str | Sequence[str | None] | None = None,
    transitions: Sequence[tuple[str, str]] = ALL_TRANSITIONS,
) -> pd.DataFrame:
    """Time in stage, censoring-aware, with withdrawal as a competing risk.

    Returns
    -------
    DataFrame
        :data:`DURATION_COLUMNS`. ``share_converting`` / ``share_withdrawing`` are the
        Aalen-Johansen cumulative incidences at the longest follow-up (shares 0-1); the
        day columns are quantiles and the mean of days to progress among those who progress.
    """
    rows = []
    arrays = _stage_arrays(enquiries)
    timings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for grouping in _groupings(by):
        codes, names = group_codes(enquiries, grouping)
        for from_stage, to_stage in transitions:
            if (from_stage, to_stage) not in timings:
                timings[(from_stage, to_stage)] = _transition_times(
                    enquiries, extract_date, from_stage, to_stage, arrays=arrays
                )
            reached, days, event = timings[(from_stage, to_stage)]
            present = np.flatnonzero(np.bincount(codes[reached], minlength=len(names)))
            for code in present:
                label = names[code]
                mask = reached & (codes == code)
                times, cif1, cif2, _ = _competing_risks(days[mask], event[mask])
                share = float(cif1[-1])
                increments = np.diff(np.concatenate([[0.0], cif1]))
                row = {
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "group": label,
                    "entered": int(mask.sum()),
                    "converted": int((event[mask] == 1).sum()),
                    "withdrawn": int((event[mask] == 2).sum()),
                    "still_open": int((event[mask] == 0).sum()),
                    "share_converting": share,
                    "share_withdrawing": float(cif2[-1]),
                }
                if share > 0:
                    relative = cif1 / share
                    for name, q in (
                        ("median_days", 0.5),
                        ("p25_days", 0.25),
                        ("p75_days", 0.75),
                        ("p90_days", 0.9),
                    ):
                        row[name] = float(times[np.searchsorted(relative, q - 1e-12)])
                    row["mean_days"] = float(np.sum(times * increments) / share)
                else:
                    for name in ("median_days", "p25_days", "p75_days", "p90_days", "mean_days"):
                        row[name] = np.nan
                rows.append(row)
    return pd.DataFrame(rows, columns=list(DURATION_COLUMNS))


def duration_curves(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    max_days: int | None = None,
) -> pd.DataFrame:
    """Cumulative incidence curves for one transition (for charts).

    Returns
    -------
    DataFrame
        group, days, progressed, withdrawn, still_in_stage (shares 0-1 of those entering).
    """
    reached, days, event = _transition_times(enquiries, extract_date, from_stage, to_stage)
    codes, names = group_codes(enquiries, by)
    frames = []
    for code in np.flatnonzero(np.bincount(codes[reached], minlength=len(names))):
        label = names[code]
        mask = reached & (codes == code)
        times, cif1, cif2, survival = _competing_risks(days[mask], event[mask])
        part = pd.DataFrame(
            {
                "group": label,
                "days": np.concatenate([[0.0], times]),
                "progressed": np.concatenate([[0.0], cif1]),
                "withdrawn": np.concatenate([[0.0], cif2]),
                "still_in_stage": np.concatenate([[1.0], survival]),
            }
        )
        if max_days is not None:
            part = part[part["days"] <= max_days]
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["group", "days", "progressed", "withdrawn", "still_in_stage"])
    return pd.concat(frames, ignore_index=True)


# --- cost -----------------------------------------------------------------------------------


def cost_per_outcome(
    enquiries: pd.DataFrame,
    spend: pd.DataFrame,
    *,
    by: str = "channel",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Spend per enquiry, application and approval by channel or campaign.

    Enquiries made between ``start`` and ``end`` are followed to their outcome; spend in periods
    that overlap the window is counted pro rata by days.

    Returns
    -------
    DataFrame
        channel (and campaign when ``by='campaign'``), spend (£), enquiries, applications,
        approvals, still_open (count), cost_per_enquiry, cost_per_application,
        cost_per_approval (£; missing where the count is 0 or no spend is recorded).
    """
    if by not in ("channel", "campaign"):
        raise ValueError("by must be 'channel' or 'campaign'")
    keys = ["channel"] if by == "channel" else ["channel", "campaign"]
    chosen = filter_enquiries(enquiries, start=start, end=end)
    counts = (
        pd.DataFrame(
            {
                **{key: chosen[key].astype(object) for key in keys},
                "enquiries": 1,
                "applications": chosen["application_date"].notna(),
                "approvals": chosen["approval_date"].notna(),
                "still_open": chosen["outcome"] == "open",
            }
        )
        .groupby(keys, sort=True)
        .sum()
        .reset_index()
    )
    money = spend.copy()
    if len(money):
        window_start = pd.Timestamp(start) if start is not None else money["period_start"].min()
        window_end = pd.Timestamp(end) if end is not None else money["period_end"].max()
        overlap_start = money["period_start"].clip(lower=window_start)
        overlap_end = money["period_end"].clip(upper=window_end)
        overlap = ((overlap_end - overlap_start).dt.days + 1).clip(lower=0)
        length = (money["period_end"] - money["period_start"]).dt.days + 1
        money["spend"] = money["spend"] * overlap / length
        totals = money.groupby(keys, sort=True)["spend"].sum().reset_index()
    else:
        totals = pd.DataFrame({**{key: pd.Series(dtype=object) for key in keys}, "spend": []})
    for key in keys:
        totals[key] = totals[key].astype(object)
    result = counts.merge(totals, on=keys, how="outer")
    for column in ("enquiries", "applications", "approvals", "still_open"):
        result[column] = result[column].fillna(0).astype("int64")
    has_spend = result["spend"].fillna(0) > 0
    for column, count in (
        ("cost_per_enquiry", "enquiries"),
        ("cost_per_application", "applications"),
        ("cost_per_approval", "approvals"),
    ):
        result[column] = (result["spend"] / result[count].where(result[count] > 0)).where(has_spend)
    return result[
        [
            *keys,
            "spend",
            "enquiries",
            "applications",
            "approvals",
            "still_open",
            "cost_per_enquiry",
            "cost_per_application",
            "cost_per_approval",
        ]
    ]


def cost_per_decided_approval(table: pd.DataFrame) -> pd.Series:
    """£ per approval with enquiries still in progress left out: the plan's ranking measure.

    ``cost_per_outcome``'s ``cost_per_approval`` is spend ÷ approvals so far, which counts every
    enquirer still in assessment as not approved, so a channel with many people still in progress
    (radio on the demo: £6,039 so far) looks dearer than it is. The recruitment plan buys
    enquiries at spend ÷ enquiries and expects the share approved among enquiries whose outcome
    is known (approvals ÷ (enquiries − still open); :func:`sufficiency.plan.optimiser.
    channels_from_cost_per_outcome`), so its £ per approval is
    (spend ÷ enquiries) ÷ (approvals ÷ decided enquiries) (radio on the demo: £4,687).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`cost_per_outcome`'s table (spend £, enquiries, approvals, still_open).

    Returns
    -------
    pandas.Series
        £ per approval (the table's spend basis); missing where there is no spend, no approval
        or no decided enquiry.
    """
    decided = (table["enquiries"] - table["still_open"]).astype("float64")
    per_enquiry = table["spend"] / table["enquiries"].where(table["enquiries"] > 0)
    share = table["approvals"] / decided.where(decided > 0)
    cost = per_enquiry / share.where(share > 0)
    return cost.where(table["spend"].fillna(0) > 0)


# --- cohorts and trends ---------------------------------------------------------------------


def _month_index(dates: pd.Series) -> pd.Series:
    """Months since year 0 (year * 12 + month - 1); -1 where the date is missing."""
    index = dates.dt.year * 12 + dates.dt.month - 1
    return index.fillna(-1).astype("int64")


def cohort_curves(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    max_months: int = 24,
    by: str | None = None,
    to_stage: str = "approval",
) -> pd.DataFrame:
    """Of enquiries made in month m, the share that reached ``to_stage`` by the end of month m+k.

    Only (cohort, k) pairs fully observed by the extract date are returned.

    Returns
    -------
    DataFrame
        cohort (first day of the enquiry month), group, months_since_enquiry (k), enquiries,
        reached (count by the end of month m+k), share (0-1).
    """
    extract = pd.Timestamp(extract_date)
    cohort_ordinal = _month_index(enquiries["enquiry_date"]).to_numpy()
    reached_ordinal = _month_index(enquiries[STAGE_DATE_COLUMNS[to_stage]]).to_numpy()
    delay = np.where(reached_ordinal >= 0, reached_ordinal - cohort_ordinal, -1)
    labels = group_labels(enquiries, by).to_numpy()
    # The last month wholly observed: the extract month only when the extract is its last day.
    last_full = extract.year * 12 + extract.month - 1
    if extract.normalize() != extract.normalize() + pd.offsets.MonthEnd(0):
        last_full -= 1
    frame = pd.DataFrame({"cohort": cohort_ordinal, "group": labels, "delay": delay})
    sizes = frame.groupby(["cohort", "group"]).size().rename("enquiries").reset_index()
    hits = frame[(frame["delay"] >= 0) & (frame["delay"] <= max_months)]
    hit_counts = hits.groupby(["cohort", "group", "delay"]).size().rename("hits").reset_index()
    grid = sizes.merge(
        pd.DataFrame({"months_since_enquiry": np.arange(max_months + 1)}), how="cross"
    )
    grid = grid.merge(
        hit_counts.rename(columns={"delay": "months_since_enquiry"}),
        on=["cohort", "group", "months_since_enquiry"],
        how="left",
    )
    grid["hits"] = grid["hits"].fillna(0)
    grid = grid.sort_values(["group", "cohort", "months_since_enquiry"])
    grid["reached"] = grid.groupby(["group", "cohort"])["hits"].cumsum().astype("int64")
    grid = grid[grid["cohort"] + grid["months_since_enquiry"] <= last_full]
    grid["share"] = grid["reached"] / grid["enquiries"]
    grid["cohort"] = pd.to_datetime(
        {"year": grid["cohort"] // 12, "month": grid["cohort"] % 12 + 1, "day": 1}
    )
    return grid[
        ["cohort", "group", "months_since_enquiry", "enquiries", "reached", "share"]
    ].reset_index(drop=True)


def monthly_enquiries(enquiries: pd.DataFrame, *, by: str | None = "channel") -> pd.DataFrame:
    """Enquiries per month (first day of month) by group, with zero months filled in."""
    months = enquiries["enquiry_date"].dt.to_period("M").dt.to_timestamp()
    labels = group_labels(enquiries, by)
    counts = pd.DataFrame({"month": months, "group": labels}).groupby(["month", "group"]).size()
    if counts.empty:
        return pd.DataFrame(columns=["month", "group", "enquiries"])
    all_months = pd.date_range(months.min(), months.max(), freq="MS")
    index = pd.MultiIndex.from_product(
        [all_months, sorted(labels.unique())], names=["month", "group"]
    )
    return counts.reindex(index, fill_value=0).rename("enquiries").reset_index()


# --- parameters for the inverse calculator --------------------------------------------------


@dataclass(frozen=True)
class FunnelParameters:
    """Headline funnel rates and lead times for the inverse question.

    Rates are shares (0-1) with 95% Wilson intervals; days are medians among those who progress.
    ``stage_rates`` maps each consecutive (from_stage, to_stage) to its rate.
    """

    enquiry_to_application: float
    application_to_approval: float
    enquiry_to_approval: float
    enquiry_to_approval_interval: tuple[float, float]
    days_enquiry_to_application: float
    days_application_to_approval: float
    days_enquiry_to_approval: float
    stage_rates: dict[tuple[str, str], float]
    stage_median_days: dict[tuple[str, str], float]
    source: str

    def enquiries_needed(self, approvals: float) -> float:
        """Enquiries needed for ``approvals`` approved households at this conversion rate."""
        return approvals / self.enquiry_to_approval

    @classmethod
    def published_default(cls) -> FunnelParameters:
        """Defaults from published figures (Ofsted stage rates, Fostering Network timing)."""
        to_application = PUBLISHED_BENCHMARKS["enquiry_to_application"]
        to_approval = PUBLISHED_BENCHMARKS["application_to_approval"]
        days = PUBLISHED_BENCHMARKS["enquiry_to_approval_days"].value
        overall = to_application.value * to_approval.value
        low = (to_application.low or 0) * (to_approval.low or 0)
        high = (to_application.high or 0) * (to_approval.high or 0)
        return cls(
            enquiry_to_application=to_application.value,
            application_to_approval=to_approval.value,
            enquiry_to_approval=overall,
            enquiry_to_approval_interval=(low, high),
            # Split the 281 days roughly as the demo records do: a quarter before application.
            days_enquiry_to_application=round(days * 0.25),
            days_application_to_approval=round(days * 0.75),
            days_enquiry_to_approval=days,
            stage_rates={},
            stage_median_days={},
            source=f"{to_application.source}; {to_approval.source}; timing: "
            f"{PUBLISHED_BENCHMARKS['enquiry_to_approval_days'].source}",
        )


def funnel_parameters(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    since: str | pd.Timestamp | None = None,
    source: str = "the authority's enquiry records",
) -> FunnelParameters:
    """Headline rates and lead times from enquiry records (optionally enquiries since a date)."""
    chosen = filter_enquiries(enquiries, start=since)
    conversion = stage_conversion(chosen, extract_date).set_index(["from_stage", "to_stage"])
    durations = stage_durations(chosen, extract_date).set_index(["from_stage", "to_stage"])

    def rate(pair: tuple[str, str]) -> float:
        return float(conversion.loc[pair, "rate"])

    def median(pair: tuple[str, str]) -> float:
        return float(durations.loc[pair, "median_days"]) if pair in durations.index else np.nan

    overall = conversion.loc[("enquiry", "approval")]
    return FunnelParameters(
        enquiry_to_application=rate(("enquiry", "application")),
        application_to_approval=rate(("application", "approval")),
        enquiry_to_approval=float(overall["rate"]),
        enquiry_to_approval_interval=(float(overall["lower"]), float(overall["upper"])),
        days_enquiry_to_application=median(("enquiry", "application")),
        days_application_to_approval=median(("application", "approval")),
        days_enquiry_to_approval=median(("enquiry", "approval")),
        stage_rates={pair: rate(pair) for pair in CONSECUTIVE_TRANSITIONS},
        stage_median_days={pair: median(pair) for pair in CONSECUTIVE_TRANSITIONS},
        source=source,
    )
