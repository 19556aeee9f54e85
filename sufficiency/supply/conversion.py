"""Which open enquiries and applications will end in approval, and when.

:class:`ApprovalModel` learns from monthly *snapshots* of the pipeline: at each month end, every
enquiry still in progress becomes one example with its stage, days since enquiry, days in the
stage, channel and household facts. Every enquiry is also an example at the moment it was made
(month-end snapshots alone miss people who enquire and drop out within a month). The label is
whether it was eventually approved (examples whose outcome is still unknown are left out).
A scikit-learn ``HistGradientBoostingClassifier`` (one thread: the data are small and cores are
shared) gives the probability of approval; the time to approval is drawn from the
days-to-approval seen in training for people at the same stage and a similar time in stage.

:func:`evaluate_approval_model` fits on snapshots before a split date (with outcomes known by
then) and scores later snapshots: ROC AUC, Brier score and a calibration table.

:meth:`ApprovalModel.simulate` projects approvals per month from the people already in the
pipeline plus future enquiries (Poisson), drawing Bernoulli outcomes and timings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from sufficiency.errors import SufficiencyError
from sufficiency.supply.records import STAGE_DATE_COLUMNS, STAGES

CATEGORICAL_FEATURES: tuple[str, ...] = (
    "channel",
    "household_type",
    "has_children_at_home",
    "fostering_interest",
)
NUMERIC_FEATURES: tuple[str, ...] = (
    "stage_number",
    "days_since_enquiry",
    "days_in_stage",
    "spare_bedrooms",
)
FEATURES: tuple[str, ...] = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# Time-in-stage bins (days) used to match people to similar training examples for timing draws.
_DAY_BINS = np.array([0, 14, 30, 60, 90, 150, 240, np.inf])
_MIN_POOL = 15

PROJECTION_COLUMNS: tuple[str, ...] = (
    "month",
    "expected_approvals",
    "lower",
    "upper",
    "expected_from_pipeline",
    "expected_from_new_enquiries",
    "cumulative_expected",
    "cumulative_lower",
    "cumulative_upper",
)
"""``month`` is the month end; approvals are households per month; lower/upper the interval;
the cumulative columns count approvals from the extract date to the end of the month."""


def _stage_matrix(enquiries: pd.DataFrame) -> np.ndarray:
    """Days (int64 since epoch) each stage was reached; a large sentinel where never reached."""
    matrix = np.column_stack(
        [
            enquiries[STAGE_DATE_COLUMNS[stage]].to_numpy("datetime64[ns]").astype("datetime64[D]")
            for stage in STAGES
        ]
    )
    days = matrix.astype("int64")
    days[np.isnat(matrix)] = np.iinfo(np.int64).max
    return days


def _day_number(values: pd.Series | np.ndarray | pd.Timestamp) -> np.ndarray | int:
    if isinstance(values, pd.Timestamp):
        return int(np.datetime64(values.normalize().date(), "D").astype("int64"))
    array = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = array.astype("int64")
    out[np.isnat(array)] = np.iinfo(np.int64).max
    return out


def _snapshot_core(stages: np.ndarray, withdrawal: np.ndarray, day: int) -> dict[str, np.ndarray]:
    """Numeric snapshot of everyone in progress at the end of day number ``day``."""
    approval = stages[:, -1]
    open_now = (stages[:, 0] <= day) & (approval > day) & (withdrawal > day)
    index = np.flatnonzero(open_now)
    reached = stages[index] <= day
    stage_number = reached.sum(axis=1) - 1
    stage_day = stages[index, stage_number]
    sentinel = np.iinfo(np.int64).max
    approved_day = approval[index]
    withdrawn_day = withdrawal[index]
    resolved_day = np.minimum(approved_day, withdrawn_day)
    approved = np.where(
        approved_day != sentinel, 1.0, np.where(withdrawn_day != sentinel, 0.0, np.nan)
    )
    return {
        "index": index,
        "snapshot_day": np.full(len(index), day, dtype=np.int64),
        "stage_number": stage_number.astype(float),
        "days_since_enquiry": (day - stages[index, 0]).astype(float),
        "days_in_stage": (day - stage_day).astype(float),
        "approved": approved,
        "resolved_day": np.where(resolved_day == sentinel, np.nan, resolved_day.astype(float)),
        "days_to_approval": np.where(approved == 1, approved_day - day, np.nan).astype(float),
    }


def _entry_core(
    stages: np.ndarray, withdrawal: np.ndarray, first_day: int, last_day: int
) -> dict[str, np.ndarray]:
    """Everyone who enquired between two day numbers, at the moment they enquired.

    Month-end snapshots miss people who enquire and drop out within the month, so on their own
    they overstate a fresh enquiry's chances; these examples put them back.
    """
    sentinel = np.iinfo(np.int64).max
    index = np.flatnonzero((stages[:, 0] >= first_day) & (stages[:, 0] <= last_day))
    day = stages[index, 0]
    approved_day = stages[index, -1]
    withdrawn_day = withdrawal[index]
    resolved_day = np.minimum(approved_day, withdrawn_day)
    approved = np.where(
        approved_day != sentinel, 1.0, np.where(withdrawn_day != sentinel, 0.0, np.nan)
    )
    zeros = np.zeros(len(index))
    return {
        "index": index,
        "snapshot_day": day.astype(np.int64),
        "stage_number": zeros.copy(),
        "days_since_enquiry": zeros.copy(),
        "days_in_stage": zeros.copy(),
        "approved": approved,
        "resolved_day": np.where(resolved_day == sentinel, np.nan, resolved_day.astype(float)),
        "days_to_approval": np.where(approved == 1, approved_day - day, np.nan).astype(float),
    }


def _snapshot_frame(enquiries: pd.DataFrame, parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    core = {
        name: np.concatenate([part[name] for part in parts]) if parts else np.array([], dtype=float)
        for name in (
            "index",
            "snapshot_day",
            "stage_number",
            "days_since_enquiry",
            "days_in_stage",
            "approved",
            "resolved_day",
            "days_to_approval",
        )
    }
    index = core["index"].astype(np.int64)
    frame = pd.DataFrame(
        {
            "enquiry_id": enquiries["enquiry_id"].to_numpy()[index],
            "snapshot": core["snapshot_day"].astype("datetime64[D]").astype("datetime64[ns]"),
            "stage": np.asarray(STAGES, dtype=object)[core["stage_number"].astype(int)],
            "stage_number": core["stage_number"],
            "days_since_enquiry": core["days_since_enquiry"],
            "days_in_stage": core["days_in_stage"],
            "spare_bedrooms": pd.to_numeric(enquiries["spare_bedrooms"])
            .astype(float)
            .to_numpy()[index],
        }
    )
    for column in CATEGORICAL_FEATURES:
        frame[column] = enquiries[column].astype(object).to_numpy()[index]
    frame["approved"] = core["approved"]
    frame["resolved_day"] = core["resolved_day"]
    frame["days_to_approval"] = core["days_to_approval"]
    return frame


def pipeline_snapshot(enquiries: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """Everyone in progress at the end of day ``at``, with model features.

    Returns
    -------
    DataFrame
        enquiry_id, snapshot (date), stage (name), the :data:`FEATURES`, and for training
        ``approved`` (1/0, missing if unresolved), ``resolved_day`` (day number of the outcome)
        and ``days_to_approval`` (from the snapshot; missing unless approved).
    """
    core = _snapshot_core(
        _stage_matrix(enquiries),
        _day_number(enquiries["withdrawal_date"]),
        _day_number(pd.Timestamp(at)),
    )
    return _snapshot_frame(enquiries, [core])


def training_snapshots(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    known_by: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Month-end snapshots between ``start`` and ``end`` whose outcome is known by ``known_by``,
    plus every enquiry made in that window at the moment it was made.

    ``known_by`` defaults to the extract date; outcomes after it are treated as unknown (this is
    what keeps a time-based split honest).
    """
    extract_date = pd.Timestamp(extract_date)
    first = pd.Timestamp(start) if start is not None else enquiries["enquiry_date"].min()
    last = pd.Timestamp(end) if end is not None else extract_date
    known_by = pd.Timestamp(known_by) if known_by is not None else extract_date
    known_day = _day_number(known_by)
    stages = _stage_matrix(enquiries)
    withdrawal = _day_number(enquiries["withdrawal_date"])
    cores = [
        _snapshot_core(stages, withdrawal, _day_number(month_end))
        for month_end in pd.date_range(first, last, freq="ME")
    ]
    cores.append(_entry_core(stages, withdrawal, _day_number(first), _day_number(last)))
    parts = []
    for core in cores:
        resolved = core["resolved_day"]
        known = ~np.isnan(resolved) & (resolved <= known_day)
        parts.append({name: values[known] for name, values in core.items()})
    return _snapshot_frame(enquiries, parts)


def _day_bin(days_in_stage: np.ndarray) -> np.ndarray:
    return np.searchsorted(_DAY_BINS, days_in_stage, side="right") - 1


class ApprovalModel:
    """Probability that an open enquiry ends in approval, and when.

    Parameters
    ----------
    max_iter : int
        Boosting iterations of the ``HistGradientBoostingClassifier``.
    learning_rate : float
        Boosting learning rate.
    max_leaf_nodes : int
        Tree size.
    min_samples_leaf : int
        Smallest leaf; large because snapshots of one person over months are not independent.
    random_state : int, optional
        Seed for the classifier.

    Attributes
    ----------
    classifier_ : HistGradientBoostingClassifier
    features_ : list of str
        The :data:`FEATURES` used (those with values in the training snapshots).
    categories_ : dict
        Categories of each categorical feature seen in training.
    timing_pools_ : dict
        (stage_number, day bin) -> array of days from snapshot to approval seen in training.
    new_enquiry_probability_ : float
        Mean probability of approval for a fresh enquiry over the last 12 months of enquiries.
    recent_enquiries_per_month_ : float
        Mean enquiries per month in the 12 months to the extract date.
    extract_date_ : Timestamp
    n_training_examples_ : int
    """

    def __init__(
        self,
        max_iter: int = 60,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 40,
        random_state: int | None = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    # -- features ------------------------------------------------------------------------

    def _matrix(self, snapshot: pd.DataFrame) -> pd.DataFrame:
        numeric = [column for column in NUMERIC_FEATURES if column in self.features_]
        frame = snapshot[numeric].astype(float).copy()
        for column in CATEGORICAL_FEATURES:
            if column not in self.features_:
                continue
            known = self.categories_[column]
            values = snapshot[column].astype(object)
            # Categories never seen in training are treated like a missing value.
            values = values.where(values.isin(known), None)
            frame[column] = pd.Categorical(values, categories=known)
        return frame

    # -- fitting -------------------------------------------------------------------------

    def fit(
        self,
        enquiries: pd.DataFrame,
        extract_date: pd.Timestamp,
        *,
        known_by: pd.Timestamp | None = None,
        snapshots: pd.DataFrame | None = None,
    ) -> ApprovalModel:
        """Fit on month-end snapshots up to ``known_by`` (default: the extract date)."""
        extract_date = pd.Timestamp(extract_date)
        known_by = pd.Timestamp(known_by) if known_by is not None else extract_date
        if snapshots is None:
            snapshots = training_snapshots(enquiries, extract_date, end=known_by, known_by=known_by)
        labels = snapshots["approved"].to_numpy()
        if len(snapshots) < 50 or labels.min(initial=1) == labels.max(initial=0):
            raise SufficiencyError(
                "Too few resolved enquiries to fit the approval model: it needs at least 50 "
                "pipeline snapshots with both approvals and withdrawals. Add more years of "
                "enquiry records."
            )
        self.categories_ = {
            column: sorted(str(value) for value in snapshots[column].dropna().unique())
            for column in CATEGORICAL_FEATURES
        }
        # Optional household facts a service does not record carry no information: leave out
        # features with no values (or a single category) rather than fail.
        self.features_ = [
            column
            for column in FEATURES
            if (
                len(self.categories_[column]) > 1
                if column in CATEGORICAL_FEATURES
                else snapshots[column].notna().any()
            )
        ]
        self.classifier_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            categorical_features="from_dtype",
            early_stopping=False,
            random_state=self.random_state,
        )
        with threadpool_limits(1):
            self.classifier_.fit(self._matrix(snapshots), labels.astype(int))

        approved = snapshots[snapshots["approved"] == 1]
        stage_numbers = approved["stage_number"].to_numpy().astype(int)
        bins = _day_bin(approved["days_in_stage"].to_numpy())
        remaining = approved["days_to_approval"].to_numpy()
        pools: dict[tuple[int, int], np.ndarray] = {}
        for stage_number in range(len(STAGES) - 1):
            in_stage = stage_numbers == stage_number
            pools[(stage_number, -1)] = remaining[in_stage]
            for day_bin in range(len(_DAY_BINS) - 1):
                pool = remaining[in_stage & (bins == day_bin)]
                if len(pool) >= _MIN_POOL:
                    pools[(stage_number, day_bin)] = pool
        everything = remaining if len(remaining) else np.array([280.0])
        for stage_number in range(len(STAGES) - 1):
            if len(pools[(stage_number, -1)]) == 0:
                pools[(stage_number, -1)] = everything
        self.timing_pools_ = pools

        recent = enquiries[
            (enquiries["enquiry_date"] > known_by - pd.DateOffset(months=12))
            & (enquiries["enquiry_date"] <= known_by)
        ]
        # Everyone who enquired in the last year, as they were on the day they enquired.
        fresh = pd.DataFrame(
            {
                "stage_number": 0.0,
                "days_since_enquiry": 0.0,
                "days_in_stage": 0.0,
                "spare_bedrooms": pd.to_numeric(recent["spare_bedrooms"]).astype(float),
                **{column: recent[column].astype(object) for column in CATEGORICAL_FEATURES},
            }
        )
        self.new_enquiry_probability_ = (
            float(self.predict_proba(fresh).mean())
            if len(fresh)
            else float(labels[snapshots["stage_number"] == 0].mean())
        )
        self.recent_enquiries_per_month_ = len(recent) / 12.0
        self.extract_date_ = known_by
        self.n_training_examples_ = len(snapshots)
        return self

    # -- prediction ----------------------------------------------------------------------

    def predict_proba(self, snapshot: pd.DataFrame) -> np.ndarray:
        """Probability of eventual approval for each row of a :func:`pipeline_snapshot`."""
        if len(snapshot) == 0:
            return np.array([], dtype=float)
        with threadpool_limits(1):
            return self.classifier_.predict_proba(self._matrix(snapshot))[:, 1]

    def open_pipeline(self, enquiries: pd.DataFrame, at: pd.Timestamp | None = None):
        """Everyone in progress at ``at`` (default: the fit's extract date) with their chances.

        Returns
        -------
        DataFrame
            The snapshot columns plus ``probability`` (0-1) and ``median_days_to_approval``
            (days from ``at`` if approved).
        """
        at = pd.Timestamp(at) if at is not None else self.extract_date_
        snapshot = pipeline_snapshot(enquiries, at)
        snapshot["probability"] = self.predict_proba(snapshot)
        snapshot["median_days_to_approval"] = [
            float(np.median(pool)) for pool in self._pools_for(snapshot)
        ]
        return snapshot

    def _pool_keys(self, snapshot: pd.DataFrame) -> list[tuple[int, int]]:
        """The timing pool each person draws from: same stage, similar time in stage."""
        stage_numbers = snapshot["stage_number"].to_numpy().astype(int)
        bins = _day_bin(snapshot["days_in_stage"].to_numpy())
        return [
            (stage, day_bin) if (stage, day_bin) in self.timing_pools_ else (stage, -1)
            for stage, day_bin in zip(stage_numbers, bins, strict=True)
        ]

    def _pools_for(self, snapshot: pd.DataFrame) -> list[np.ndarray]:
        return [self.timing_pools_[key] for key in self._pool_keys(snapshot)]

    def simulate(
        self,
        enquiries: pd.DataFrame,
        horizon: int = 24,
        *,
        future_enquiries_per_month: float | None = None,
        new_enquiry_probability: float | None = None,
        n_simulations: int = 2000,
        random_state: int | None = 0,
    ) -> np.ndarray:
        """Simulated approvals per month.

        Parameters
        ----------
        enquiries : DataFrame
            Validated enquiries (the pipeline is read at the fit's extract date).
        horizon : int
            Months after the extract date.
        future_enquiries_per_month : float, optional
            Mean new enquiries a month (Poisson); defaults to the last 12 months' average.
        new_enquiry_probability : float, optional
            Chance a new enquiry ends in approval; defaults to the model's estimate for the last
            year's enquirers.
        n_simulations : int
            Number of simulated futures.
        random_state : int, optional
            Seed.

        Returns
        -------
        ndarray of shape (n_simulations, horizon, 2)
            Approvals per simulation and month from the pipeline ([..., 0]) and from new
            enquiries ([..., 1]).
        """
        rng = np.random.default_rng(random_state)
        start = self.extract_date_
        month_index0 = start.year * 12 + start.month - 1
        out = np.zeros((n_simulations, horizon, 2))

        def add(sim: np.ndarray, dates_day: np.ndarray, source: int) -> None:
            dates = np.asarray(dates_day, dtype="int64").astype("datetime64[D]")
            # Months since January 1970, so month_index0 is shifted to the same origin.
            months = dates.astype("datetime64[M]").astype(np.int64)
            offset = months - (month_index0 - 1970 * 12) - 1
            keep = (offset >= 0) & (offset < horizon)
            flat = sim[keep].astype(np.int64) * horizon + offset[keep]
            out[..., source] += np.bincount(flat, minlength=n_simulations * horizon).reshape(
                n_simulations, horizon
            )

        start_day = _day_number(start)
        pipeline = self.open_pipeline(enquiries, start)
        if len(pipeline):
            probability = pipeline["probability"].to_numpy()
            approved = rng.random((n_simulations, len(pipeline))) < probability
            keys = self._pool_keys(pipeline)
            key_codes, unique_keys = pd.factorize(pd.Series(keys, dtype=object))
            sims, people = np.nonzero(approved)
            approval_keys = key_codes[people]
            delays = np.empty(len(people))
            # One draw per timing pool (a few dozen), not per person (thousands).
            for code, key in enumerate(unique_keys):
                which = approval_keys == code
                delays[which] = rng.choice(self.timing_pools_[key], size=int(which.sum()))
            add(sims, start_day + np.maximum(delays, 1), 0)

        rate = (
            self.recent_enquiries_per_month_
            if future_enquiries_per_month is None
            else float(future_enquiries_per_month)
        )
        chance = (
            self.new_enquiry_probability_
            if new_enquiry_probability is None
            else float(new_enquiry_probability)
        )
        if rate > 0 and chance > 0:
            approvals = rng.binomial(rng.poisson(rate, (n_simulations, horizon)), chance)
            sims, months = np.nonzero(approvals)
            counts = approvals[sims, months]
            sims = np.repeat(sims, counts)
            months = np.repeat(months, counts)
            month_starts = (
                (np.datetime64(start.to_period("M").to_timestamp(), "M") + 1 + months)
                .astype("datetime64[D]")
                .astype("int64")
            )
            enquiry_days = month_starts + rng.integers(0, 28, len(months))
            fresh_pool = self.timing_pools_.get((0, 0), self.timing_pools_[(0, -1)])
            delays = rng.choice(fresh_pool, size=len(months))
            add(sims, enquiry_days + delays, 1)
        return out

    def project(
        self,
        enquiries: pd.DataFrame,
        horizon: int = 24,
        *,
        future_enquiries_per_month: float | None = None,
        new_enquiry_probability: float | None = None,
        interval: float = 0.8,
        n_simulations: int = 2000,
        random_state: int | None = 0,
    ) -> pd.DataFrame:
        """Expected approvals per month with an interval (see :meth:`simulate`).

        Returns
        -------
        DataFrame
            :data:`PROJECTION_COLUMNS`; lower/upper are the central ``interval`` of simulated
            monthly approvals (households).
        """
        draws = self.simulate(
            enquiries,
            horizon,
            future_enquiries_per_month=future_enquiries_per_month,
            new_enquiry_probability=new_enquiry_probability,
            n_simulations=n_simulations,
            random_state=random_state,
        )
        total = draws.sum(axis=2)
        tail = (1 - interval) / 2
        months = pd.date_range(
            self.extract_date_ + pd.offsets.MonthBegin(1), periods=horizon, freq="ME"
        )
        cumulative = total.cumsum(axis=1)
        return pd.DataFrame(
            {
                "month": months,
                "expected_approvals": total.mean(axis=0),
                "lower": np.quantile(total, tail, axis=0),
                "upper": np.quantile(total, 1 - tail, axis=0),
                "expected_from_pipeline": draws[..., 0].mean(axis=0),
                "expected_from_new_enquiries": draws[..., 1].mean(axis=0),
                "cumulative_expected": cumulative.mean(axis=0),
                "cumulative_lower": np.quantile(cumulative, tail, axis=0),
                "cumulative_upper": np.quantile(cumulative, 1 - tail, axis=0),
            }
        )


def cumulative_approvals(
    model: ApprovalModel,
    enquiries: pd.DataFrame,
    horizon: int = 12,
    *,
    interval: float = 0.8,
    **options,
) -> dict[str, float]:
    """Total approvals over the next ``horizon`` months: mean and interval (households)."""
    draws = model.simulate(enquiries, horizon, **options).sum(axis=(1, 2))
    tail = (1 - interval) / 2
    return {
        "expected": float(draws.mean()),
        "lower": float(np.quantile(draws, tail)),
        "upper": float(np.quantile(draws, 1 - tail)),
    }


@dataclass(frozen=True)
class ModelEvaluation:
    """Time-split evaluation of :class:`ApprovalModel`."""

    split_date: pd.Timestamp
    test_end: pd.Timestamp
    n_train: int
    n_test: int
    roc_auc: float
    brier: float
    base_rate_brier: float
    calibration: pd.DataFrame
    """bin, n, mean_predicted, observed (shares 0-1)."""
    by_stage: pd.DataFrame
    """stage, n, mean_predicted, observed."""

    def text(self) -> str:
        """Plain-text summary for the command line."""
        lines = [
            f"Approval model, time-based split: trained on pipeline snapshots with outcomes known "
            f"by {self.split_date:%d %b %Y} ({self.n_train:,} examples); tested on snapshots "
            f"from then to {self.test_end:%d %b %Y} ({self.n_test:,} examples).",
            f"ROC AUC {self.roc_auc:.3f}; Brier score {self.brier:.4f} "
            f"(predicting the training base rate: {self.base_rate_brier:.4f}).",
            "Calibration (predicted vs observed share approved):",
        ]
        for row in self.calibration.itertuples():
            lines.append(
                f"  {row.bin:<12} n={row.n:>5}  predicted {row.mean_predicted:6.1%}  "
                f"observed {row.observed:6.1%}"
            )
        return "\n".join(lines)


def evaluate_approval_model(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    split_date: pd.Timestamp | None = None,
    test_months: int = 12,
    n_bins: int = 5,
    model: ApprovalModel | None = None,
) -> ModelEvaluation:
    """Fit before ``split_date`` and score snapshots in the following ``test_months``.

    ``split_date`` defaults to two years before the extract date, so most test outcomes are
    known. Test examples whose outcome is still unknown at the extract date are left out.
    """
    extract_date = pd.Timestamp(extract_date)
    split = (
        pd.Timestamp(split_date)
        if split_date is not None
        else (extract_date - pd.DateOffset(months=24)) + pd.offsets.MonthEnd(0)
    )
    test_end = min(split + pd.DateOffset(months=test_months), extract_date)
    model = model if model is not None else ApprovalModel()
    model.fit(enquiries, extract_date, known_by=split)
    train_labels = training_snapshots(enquiries, extract_date, end=split, known_by=split)[
        "approved"
    ].to_numpy()
    test = training_snapshots(
        enquiries, extract_date, start=split + pd.Timedelta(days=1), end=test_end
    )
    if len(test) == 0 or test["approved"].nunique() < 2:
        raise SufficiencyError(
            "Not enough resolved enquiries after the split date to evaluate the approval model; "
            "choose an earlier split date or add more recent records."
        )
    predicted = model.predict_proba(test)
    observed = test["approved"].to_numpy().astype(int)
    base_rate = float(train_labels.mean())
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, n_bins + 1)))
    bins = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, len(edges) - 2)
    calibration = (
        pd.DataFrame({"bin": bins, "predicted": predicted, "observed": observed})
        .groupby("bin")
        .agg(
            n=("observed", "size"),
            mean_predicted=("predicted", "mean"),
            observed=("observed", "mean"),
        )
        .reset_index()
    )
    calibration["bin"] = [
        f"{edges[i]:.0%}-{edges[i + 1]:.0%}" for i in calibration["bin"].to_numpy()
    ]
    by_stage = (
        pd.DataFrame({"stage": test["stage"], "predicted": predicted, "observed": observed})
        .groupby("stage", sort=False)
        .agg(
            n=("observed", "size"),
            mean_predicted=("predicted", "mean"),
            observed=("observed", "mean"),
        )
        .reindex([stage for stage in STAGES if stage in set(test["stage"])])
        .reset_index()
    )
    return ModelEvaluation(
        split_date=split,
        test_end=test_end,
        n_train=model.n_training_examples_,
        n_test=len(test),
        roc_auc=float(roc_auc_score(observed, predicted)),
        brier=float(brier_score_loss(observed, predicted)),
        base_rate_brier=float(brier_score_loss(observed, np.full(len(observed), base_rate))),
        calibration=calibration,
        by_stage=by_stage,
    )


@dataclass(frozen=True)
class ProjectionBacktest:
    """Approvals projected from a past date against what happened."""

    origin: pd.Timestamp
    horizon: int
    expected: float
    lower: float
    upper: float
    actual: int
    interval: float

    def text(self) -> str:
        """One line for the command line and the explorer."""
        inside = "inside" if self.lower <= self.actual <= self.upper else "outside"
        return (
            f"Projection check: standing at {self.origin:%d %b %Y} with only the records known "
            f"then, the model expected {self.expected:.1f} approvals in the next {self.horizon} "
            f"months ({self.interval:.0%} interval {self.lower:.0f}-{self.upper:.0f}); "
            f"{self.actual} happened ({inside} the interval)."
        )


def backtest_projection(
    enquiries: pd.DataFrame,
    extract_date: pd.Timestamp,
    *,
    origin: pd.Timestamp | None = None,
    horizon: int = 12,
    interval: float = 0.8,
    n_simulations: int = 1000,
    random_state: int | None = 0,
) -> ProjectionBacktest:
    """Fit with the records known at ``origin`` and compare projected with actual approvals.

    ``origin`` defaults to ``horizon`` months before the extract date. New enquiries use the
    average of the 12 months before the origin, as a manager would have had to assume.
    """
    extract_date = pd.Timestamp(extract_date)
    origin = (
        pd.Timestamp(origin)
        if origin is not None
        else (extract_date - pd.DateOffset(months=horizon)) + pd.offsets.MonthEnd(0)
    )
    model = ApprovalModel(random_state=random_state).fit(enquiries, extract_date, known_by=origin)
    totals = model.simulate(
        enquiries, horizon, n_simulations=n_simulations, random_state=random_state
    ).sum(axis=(1, 2))
    window_end = origin + pd.DateOffset(months=horizon)
    approvals = enquiries["approval_date"]
    actual = int(((approvals > origin) & (approvals <= window_end)).sum())
    tail = (1 - interval) / 2
    return ProjectionBacktest(
        origin=origin,
        horizon=horizon,
        expected=float(totals.mean()),
        lower=float(np.quantile(totals, tail)),
        upper=float(np.quantile(totals, 1 - tail)),
        actual=actual,
        interval=interval,
    )
