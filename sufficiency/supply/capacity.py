"""Capacity: carer households -> approved places -> usable places, by age band and month.

Usable places are the children a service can realistically place with its households: approved
places times occupancy (Ofsted: local authority services fill 66% of approved places; the rest are
vacant because they cannot be matched, or not available because of a carer's break, a pending
resignation, a sibling-only place, Staying Put or an investigation). A household's places are
credited to the DfE age bands its approved age range covers, in proportion to the years of age in
each band (or to ``age_weights``). Specialist schemes are included by default; kinship households
are not, because they are approved for named children.

API for the plan and finance engineers
--------------------------------------

``project_capacity(households, start, horizon_months, *, approvals_per_month=None,
retention_model=None, new_household_profile=None, carer_types=IN_HOUSE_CARER_TYPES,
occupancy=0.66, unavailable_share=0.15, age_weights=None, n_paths=500, random_state=None)``
simulates each approved household leaving (the fitted :class:`RetentionModel`, by carer group and
tenure) and, optionally, new approvals, returning a :class:`CapacityProjection`:

- ``projection.summary()`` - long frame, one row per (month, age band): horizon_month (0 is
  ``start``), month (month-end date), age_band (DfE bands plus ``"all ages"``), and for each
  measure in ``households``, ``approved_places``, ``usable_places``, ``new_households`` the columns
  ``<measure>_mean``, ``<measure>_p10``, ``<measure>_p50``, ``<measure>_p90``. Households in an age
  band are households whose approval covers it (they do not add up across bands; ``all ages`` is the
  total). Places add up across bands.
- ``projection.paths("usable_places")`` - ndarray (n_paths, horizon + 1, 6): every simulated path,
  the last axis ordered as ``projection.age_bands``; ``projection.paths("usable_places", "10-15")``
  gives (n_paths, horizon + 1).
- ``approvals_per_month`` is a number (mean approvals every month), an array of length
  ``horizon_months`` (mean approvals in months 1..horizon; Poisson draws are taken), or an array
  (n_paths, horizon_months) of approvals already simulated (e.g. from the funnel model), used as
  given. New households have the ``new_household_profile`` (default: the mainstream households
  approved in the five years before ``start``) and leave at the model's rates from tenure 0. A
  mapping ``{carer_type: approvals}`` adds approvals by carer type, each with its own profile.
- ``leaving_rate_multiplier`` scales every leaving rate (a retention lever).

``usable_places_per_household(households, ...)`` gives approved and usable places per household by
age band, the figure the recruitment calculator and the plan's carers-needed solver divide by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.codes import AGE_BAND_LOWER_YEARS, AGE_BANDS
from sufficiency.supply import defaults
from sufficiency.supply.households import (
    CARER_TYPES,
    IN_HOUSE_CARER_TYPES,
    MAINSTREAM,
    households_on,
)
from sufficiency.supply.retention import RetentionModel, month_ends

ALL_AGES = "all ages"
BANDS_WITH_TOTAL: tuple[str, ...] = (*AGE_BANDS, ALL_AGES)
MEASURES: tuple[str, ...] = ("households", "approved_places", "usable_places", "new_households")
_BAND_UPPER_YEARS = (*[lower - 1 for lower in AGE_BAND_LOWER_YEARS[1:]], 17)


def _year_weights(age_weights: Mapping[str, float] | Sequence[float] | None) -> np.ndarray:
    """Weight of each single year of age 0-17."""
    if age_weights is None:
        return np.ones(18)
    if isinstance(age_weights, Mapping):
        weights = np.zeros(18)
        for band, lower, upper in zip(
            AGE_BANDS, AGE_BAND_LOWER_YEARS, _BAND_UPPER_YEARS, strict=True
        ):
            weights[lower : upper + 1] = float(age_weights.get(band, 0.0))
        return weights
    weights = np.asarray(age_weights, dtype=float)
    if weights.shape != (18,):
        raise ValueError("age_weights needs one weight per year of age 0-17, or one per age band")
    return weights


def age_band_shares(
    age_from: np.ndarray,
    age_to: np.ndarray,
    age_weights: Mapping[str, float] | Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Share of each household's places credited to each age band, and which bands it covers.

    Parameters
    ----------
    age_from, age_to : arrays of int
        Approved age range in completed years (inclusive).
    age_weights : mapping or sequence, optional
        Relative weight per year of age (18 values) or per age band (weight of each year in the
        band). Default: every year alike.

    Returns
    -------
    (shares, covers) : ndarrays, shape (n, 5)
        ``shares`` rows add up to 1; ``covers`` is True where the range overlaps the band.
    """
    years = np.arange(18)
    age_from = np.asarray(age_from, dtype=int)[:, None]
    age_to = np.asarray(age_to, dtype=int)[:, None]
    in_range = (years[None, :] >= age_from) & (years[None, :] <= age_to)
    weights = _year_weights(age_weights)[None, :] * in_range
    band_index = np.searchsorted(np.array(AGE_BAND_LOWER_YEARS), years, side="right") - 1
    by_band = np.zeros((len(age_from), len(AGE_BANDS)))
    covers = np.zeros((len(age_from), len(AGE_BANDS)), dtype=bool)
    for band in range(len(AGE_BANDS)):
        by_band[:, band] = weights[:, band_index == band].sum(axis=1)
        covers[:, band] = in_range[:, band_index == band].any(axis=1)
    totals = by_band.sum(axis=1, keepdims=True)
    # A range whose years all have zero weight falls back to equal years, so places never vanish.
    equal = in_range.astype(float)
    fallback = np.stack(
        [equal[:, band_index == band].sum(axis=1) for band in range(len(AGE_BANDS))], axis=1
    )
    by_band = np.where(totals > 0, by_band, fallback)
    shares = by_band / by_band.sum(axis=1, keepdims=True)
    return shares, covers


def usable_share(
    occupancy: float = float(defaults.OCCUPANCY),
    unavailable_share: float = float(defaults.UNAVAILABLE_SHARE),
) -> float:
    """Usable places per approved place.

    ``occupancy`` (share of approved places filled in practice) already reflects the usual share of
    places not available (Ofsted 15%). Changing ``unavailable_share`` scales it: with fewer places
    unavailable, more of the approved places can be used.
    """
    if not 0 < occupancy <= 1 or not 0 <= unavailable_share < 1:
        raise ValueError("occupancy must be in (0, 1] and unavailable_share in [0, 1)")
    baseline_available = 1 - float(defaults.UNAVAILABLE_SHARE)
    return min(1.0, occupancy * (1 - unavailable_share) / baseline_available)


def household_places_by_band(
    households: pd.DataFrame,
    *,
    occupancy: float = float(defaults.OCCUPANCY),
    unavailable_share: float = float(defaults.UNAVAILABLE_SHARE),
    age_weights: Mapping[str, float] | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Approved and usable places of each household, split by age band.

    Returns
    -------
    DataFrame
        household_id, carer_type, age_band, covers (bool), approved_places, usable_places; one row
        per household and age band. Places add up to the household's approved places.
    """
    shares, covers = age_band_shares(
        households["age_from"].to_numpy(), households["age_to"].to_numpy(), age_weights
    )
    approved = households["approved_places"].to_numpy(dtype=float)[:, None] * shares
    factor = usable_share(occupancy, unavailable_share)
    n = len(households)
    return pd.DataFrame(
        {
            "household_id": np.repeat(households["household_id"].to_numpy(), len(AGE_BANDS)),
            "carer_type": np.repeat(households["carer_type"].to_numpy(), len(AGE_BANDS)),
            "age_band": np.tile(np.array(AGE_BANDS, dtype=object), n),
            "covers": covers.ravel(),
            "approved_places": approved.ravel(),
            "usable_places": approved.ravel() * factor,
        }
    )


def usable_places_per_household(
    households: pd.DataFrame,
    *,
    on: pd.Timestamp | str | None = None,
    approved_since: pd.Timestamp | str | None = None,
    carer_types: Sequence[str] = IN_HOUSE_CARER_TYPES,
    occupancy: float = float(defaults.OCCUPANCY),
    unavailable_share: float = float(defaults.UNAVAILABLE_SHARE),
    age_weights: Mapping[str, float] | Sequence[float] | None = None,
) -> pd.DataFrame:
    """Average approved and usable places per household, by age band.

    Parameters
    ----------
    households : DataFrame
        Clean household rows.
    on : date, optional
        Use households approved on this date (default: all rows given).
    approved_since : date, optional
        Use only households approved on or after this date (e.g. recent recruits).
    carer_types : sequence of str
        Carer types to include.

    Returns
    -------
    DataFrame
        age_band (DfE bands and 'all ages'), households (count used), share_covering (share of
        households whose approval covers the band), approved_places_per_household,
        usable_places_per_household. Falls back to the sourced defaults (1.85 places, ages 0-17)
        when no household qualifies.
    """
    chosen = households[households["carer_type"].isin(list(carer_types))]
    if on is not None:
        chosen = households_on(chosen, on)
    if approved_since is not None:
        chosen = chosen[chosen["approval_date"] >= pd.Timestamp(approved_since)]
    factor = usable_share(occupancy, unavailable_share)
    if len(chosen):
        shares, covers = age_band_shares(
            chosen["age_from"].to_numpy(), chosen["age_to"].to_numpy(), age_weights
        )
        places = chosen["approved_places"].to_numpy(dtype=float)[:, None] * shares
        approved = places.mean(axis=0)
        covering = covers.mean(axis=0)
    else:
        shares, covers = age_band_shares(np.array([0]), np.array([17]), age_weights)
        approved = float(defaults.APPROVED_PLACES_PER_HOUSEHOLD) * shares[0]
        covering = covers[0].astype(float)
    return pd.DataFrame(
        {
            "age_band": list(BANDS_WITH_TOTAL),
            "households": len(chosen),
            "share_covering": [*covering, 1.0],
            "approved_places_per_household": [*approved, approved.sum()],
            "usable_places_per_household": [*(approved * factor), approved.sum() * factor],
        }
    )


@dataclass(frozen=True)
class NewHouseholdProfile:
    """What a newly approved household looks like, on average.

    Attributes
    ----------
    group : str
        Carer group whose leaving rates apply ('mainstream', 'specialist' or 'kinship').
    approved_places_by_band : tuple of float
        Mean approved places credited to each DfE age band (sums to places per household).
    share_covering : tuple of float
        Share of new households whose approval covers each age band.
    """

    group: str
    approved_places_by_band: tuple[float, ...]
    share_covering: tuple[float, ...]

    @property
    def approved_places(self) -> float:
        """Approved places per household."""
        return float(sum(self.approved_places_by_band))

    @classmethod
    def from_households(
        cls,
        households: pd.DataFrame,
        start: pd.Timestamp | str,
        *,
        carer_types: Sequence[str] = (MAINSTREAM,),
        years: float = 5.0,
        age_weights: Mapping[str, float] | Sequence[float] | None = None,
    ) -> NewHouseholdProfile:
        """Profile of the households of ``carer_types`` approved in the ``years`` before ``start``
        (sourced defaults when there are none)."""
        start = pd.Timestamp(start)
        since = start - pd.DateOffset(months=int(round(years * 12)))
        recent = households[
            (households["approval_date"] > since) & (households["approval_date"] <= start)
        ]
        table = usable_places_per_household(
            recent, carer_types=carer_types, age_weights=age_weights
        ).set_index("age_band")
        group = (
            "kinship"
            if set(carer_types) == {"kinship"}
            else ("mainstream" if MAINSTREAM in carer_types else "specialist")
        )
        return cls(
            group=group,
            approved_places_by_band=tuple(
                float(table.loc[band, "approved_places_per_household"]) for band in AGE_BANDS
            ),
            share_covering=tuple(float(table.loc[band, "share_covering"]) for band in AGE_BANDS),
        )

    @classmethod
    def default(cls) -> NewHouseholdProfile:
        """Sourced defaults: 1.85 approved places (Ofsted), any age 0-17."""
        shares, covers = age_band_shares(np.array([0]), np.array([17]))
        places = float(defaults.APPROVED_PLACES_PER_HOUSEHOLD) * shares[0]
        return cls("mainstream", tuple(places.tolist()), tuple(covers[0].astype(float).tolist()))


@dataclass
class CapacityProjection:
    """Simulated households and places by month and age band (see the module docstring).

    Attributes
    ----------
    months : DatetimeIndex
        Month ends, month 0 (``start``) to the horizon.
    age_bands : tuple of str
        DfE age bands and ``"all ages"``: the last axis of every paths array.
    usable_share : float
        Usable places per approved place used.
    """

    months: pd.DatetimeIndex
    age_bands: tuple[str, ...]
    usable_share: float
    _paths: dict[str, np.ndarray]

    @property
    def n_paths(self) -> int:
        """Number of simulated paths."""
        return int(self._paths["households"].shape[0])

    def paths(self, measure: str = "usable_places", age_band: str | None = None) -> np.ndarray:
        """Simulated paths of a measure: (n_paths, months, bands), or (n_paths, months) for one
        band."""
        if measure not in self._paths:
            raise KeyError(f"measure must be one of {', '.join(MEASURES)}")
        values = self._paths[measure]
        if age_band is None:
            return values
        return values[:, :, self.age_bands.index(age_band)]

    def summary(self, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Mean and quantiles of every measure by month and age band (long frame)."""
        n_months, n_bands = len(self.months), len(self.age_bands)
        frame = pd.DataFrame(
            {
                "horizon_month": np.repeat(np.arange(n_months), n_bands),
                "month": np.repeat(self.months.to_numpy(), n_bands),
                "age_band": np.tile(np.array(self.age_bands, dtype=object), n_months),
            }
        )
        for measure in MEASURES:
            values = self._paths[measure]
            frame[f"{measure}_mean"] = values.mean(axis=0).ravel()
            levels = np.quantile(values, list(quantiles), axis=0)
            for q, level in zip(quantiles, levels, strict=True):
                frame[f"{measure}_p{round(q * 100):d}"] = level.ravel()
        return frame


def _approval_draws(
    approvals_per_month: float | Sequence[float] | np.ndarray | None,
    horizon_months: int,
    n_paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    if approvals_per_month is None:
        return np.zeros((n_paths, horizon_months), dtype=np.int64)
    values = np.asarray(approvals_per_month, dtype=float)
    if values.ndim == 0:
        values = np.full(horizon_months, float(values))
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ValueError("approvals_per_month must be finite and not negative")
    if values.ndim == 1:
        if len(values) != horizon_months:
            raise ValueError(
                f"approvals_per_month has {len(values)} months; the horizon is {horizon_months}"
            )
        return rng.poisson(values[None, :], size=(n_paths, horizon_months))
    if values.shape != (n_paths, horizon_months):
        raise ValueError(
            f"simulated approvals must have shape (n_paths, horizon) = ({n_paths}, "
            f"{horizon_months}); got {values.shape}"
        )
    return np.rint(values).astype(np.int64)


def _surviving_recruits(
    draws: np.ndarray, leaving: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Recruited households still approved at each month end 0..horizon.

    ``draws`` (paths, horizon) are approvals in months 1..horizon; ``leaving[k]`` is the chance of
    leaving in the month after ``k`` months' tenure.
    """
    n_paths, horizon_months = draws.shape
    cohorts = np.zeros((n_paths, horizon_months), dtype=np.int64)
    still = np.zeros((n_paths, horizon_months + 1))
    for month in range(1, horizon_months + 1):
        if month > 1:
            ages = month - np.arange(1, month)
            cohorts[:, : month - 1] = rng.binomial(cohorts[:, : month - 1], 1 - leaving[ages - 1])
        cohorts[:, month - 1] = draws[:, month - 1]
        still[:, month] = cohorts[:, :month].sum(axis=1)
    return still


def project_capacity(
    households: pd.DataFrame,
    start: pd.Timestamp | str,
    horizon_months: int,
    *,
    approvals_per_month: float
    | Sequence[float]
    | np.ndarray
    | Mapping[str, float | Sequence[float] | np.ndarray]
    | None = None,
    retention_model: RetentionModel | None = None,
    new_household_profile: NewHouseholdProfile | None = None,
    carer_types: Sequence[str] = IN_HOUSE_CARER_TYPES,
    occupancy: float = float(defaults.OCCUPANCY),
    unavailable_share: float = float(defaults.UNAVAILABLE_SHARE),
    age_weights: Mapping[str, float] | Sequence[float] | None = None,
    leaving_rate_multiplier: float = 1.0,
    n_paths: int = 500,
    random_state: int | np.random.Generator | None = None,
) -> CapacityProjection:
    """Simulate households, approved and usable places by month and age band.

    Parameters
    ----------
    households : DataFrame
        Clean household rows; those of ``carer_types`` approved at ``start`` are projected.
    start : date
        Month 0, usually the extract date.
    horizon_months : int
        Months to project (1-240).
    approvals_per_month : number, array (horizon,), array (n_paths, horizon), or mapping, optional
        New approvals: a mean per month, means by month (Poisson draws) or simulated counts. A
        mapping from carer type to any of these adds approvals of each type, each with the profile
        of that type's approvals in the ten years before ``start`` (ages 0-17 and 1.85 places when
        there were none) and that type's leaving rates; ``new_household_profile`` is then unused.
    retention_model : RetentionModel, optional
        Fitted model; default fits one to ``households`` at ``start``.
    new_household_profile : NewHouseholdProfile, optional
        Default: :meth:`NewHouseholdProfile.from_households` (recent mainstream approvals).
    carer_types : sequence of str
        Which households count (default: mainstream and specialist, not kinship).
    occupancy, unavailable_share : float
        See :func:`usable_share`.
    age_weights : optional
        See :func:`age_band_shares`.
    leaving_rate_multiplier : float
        Scales every leaving rate (0.8 = carers leave 20% less often), e.g. for a retention lever.
    n_paths : int
        Simulated paths (500 gives stable 10th/90th percentiles).
    random_state : int or Generator, optional

    Returns
    -------
    CapacityProjection
    """
    if not 1 <= int(horizon_months) <= 240:
        raise ValueError("horizon_months must be between 1 and 240")
    if n_paths < 1:
        raise ValueError("n_paths must be at least 1")
    horizon_months = int(horizon_months)
    start = pd.Timestamp(start)
    rng = np.random.default_rng(random_state)
    if retention_model is None:
        retention_model = RetentionModel().fit(households, start)
    if leaving_rate_multiplier != 1.0:
        retention_model = retention_model.scaled(leaving_rate_multiplier)
    if new_household_profile is None:
        new_household_profile = NewHouseholdProfile.from_households(households, start)
    factor = usable_share(occupancy, unavailable_share)

    current = households_on(households[households["carer_type"].isin(list(carer_types))], start)
    shares, covers = age_band_shares(
        current["age_from"].to_numpy(), current["age_to"].to_numpy(), age_weights
    )
    approved_by_band = current["approved_places"].to_numpy(dtype=float)[:, None] * shares
    leave = retention_model.simulate(current, start, horizon_months, n_paths, rng)
    # Each household's weight drops out in the month it leaves: count the drops per path and
    # month with bincount, then accumulate (O(paths x households), not x months as well).
    slots = horizon_months + 2
    drop_index = (np.arange(n_paths)[:, None] * slots + leave).ravel()

    def still_approved(weights: np.ndarray) -> np.ndarray:
        per_path = np.broadcast_to(weights, (n_paths, len(weights))).ravel()
        drops = np.bincount(drop_index, weights=per_path, minlength=n_paths * slots)
        lost = np.cumsum(drops.reshape(n_paths, slots), axis=1)[:, : horizon_months + 1]
        return weights.sum() - lost

    households_paths = np.stack(
        [still_approved(covers[:, band].astype(float)) for band in range(covers.shape[1])], axis=2
    )
    approved_paths = np.stack(
        [still_approved(approved_by_band[:, band]) for band in range(covers.shape[1])], axis=2
    )
    total_households = still_approved(np.ones(len(current)))

    # New approvals: each month's cohort is thinned by the leaving rates from tenure 0.
    if isinstance(approvals_per_month, Mapping):
        unknown = [kind for kind in approvals_per_month if kind not in CARER_TYPES]
        if unknown:
            raise ValueError(f"unknown carer types in approvals_per_month: {', '.join(unknown)}")
        streams = [
            (
                values,
                NewHouseholdProfile.from_households(
                    households, start, carer_types=(kind,), years=10.0, age_weights=age_weights
                ),
            )
            for kind, values in approvals_per_month.items()
        ]
    else:
        streams = [(approvals_per_month, new_household_profile)]
    new_total = np.zeros((n_paths, horizon_months + 1))
    new_cover = np.zeros((n_paths, horizon_months + 1, len(AGE_BANDS)))
    for values, profile in streams:
        recruits = _surviving_recruits(
            _approval_draws(values, horizon_months, n_paths, rng),
            retention_model.monthly_leaving_probability(
                [profile.group], np.arange(horizon_months, dtype=float)[None, :]
            )[0],
            rng,
        )
        places = np.asarray(profile.approved_places_by_band)
        cover = np.asarray(profile.share_covering)
        households_paths = households_paths + recruits[:, :, None] * cover[None, None, :]
        approved_paths = approved_paths + recruits[:, :, None] * places[None, None, :]
        new_cover = new_cover + recruits[:, :, None] * cover[None, None, :]
        new_total = new_total + recruits
    total_households = total_households + new_total

    def with_total(by_band: np.ndarray, total: np.ndarray) -> np.ndarray:
        return np.concatenate([by_band, total[:, :, None]], axis=2).astype(float)

    approved_all = approved_paths.sum(axis=2)
    paths = {
        "households": with_total(households_paths, total_households),
        "approved_places": with_total(approved_paths, approved_all),
        "usable_places": with_total(approved_paths * factor, approved_all * factor),
        "new_households": with_total(new_cover, new_total),
    }
    return CapacityProjection(
        months=month_ends(start, horizon_months),
        age_bands=BANDS_WITH_TOTAL,
        usable_share=factor,
        _paths=paths,
    )
