"""Allocate forecast placement demand to in-house capacity first, the rest to external providers.

Demand arrives as simulated paths of children by month x age band x placement category, shaped
``(paths, months, age_bands, categories)`` with the axes in the order of
:data:`sufficiency.codes.AGE_BANDS` and :data:`sufficiency.codes.PLACEMENT_CATEGORIES` (a single mean
path may be passed without the leading axis). Two needs are read from it:

- **non-kinship fostering**: the in-house fostering and IFA fostering cells together, the number of
  children who need a foster place with a non-related carer;
- **residential**: the in-house and external residential cells together.

Each need is met first by usable in-house capacity and the remainder overflows to independent
fostering agencies (IFAs) and external residential providers. Matching friction is kept simple and
explicit:

- *occupancy*: capacity is **usable** places (approved places x occupancy, as produced by the supply
  model). Pass approved places with ``occupancy`` < 1 to apply it here instead.
- *age range*: carers are often approved for a range of ages, so a spare place in one age band can
  take a child from the next band up or down, at ``adjacent_band_efficiency`` child per spare place
  (0 switches cross-band matching off). Spare places serve the next older band first (younger
  bands' carers stretching up), then the next younger band.
- *specialism*: in-house children's home beds take children in ``residential_bands`` (teenagers by
  default; younger children the demand already places in in-house homes keep their place), shared
  across eligible children in proportion to need.

The allocation is made on stocks month by month: it assumes new placements go in-house whenever a
suitable place is free, so over time the in-house share follows capacity. It does not model the
extra moves that transferring settled children would need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    IN_HOUSE_RESIDENTIAL,
    KINSHIP_FOSTERING,
    OTHER_LA_FOSTERING,
    PLACEMENT_CATEGORIES,
)
from sufficiency.errors import SufficiencyError

IN_HOUSE = "in-house"
EXTERNAL = "external"
PROVIDERS: tuple[str, ...] = (IN_HOUSE, EXTERNAL)

FOSTERING = "fostering"
RESIDENTIAL = "residential"

DEFAULT_ADJACENT_BAND_EFFICIENCY = 0.5
"""Children from a neighbouring age band matched per spare usable place.

Modelling assumption, not a published figure: about half of spare places with carers approved for
a neighbouring age range are judged a suitable match. Set 0 for strict age-band matching.
"""

DEFAULT_RESIDENTIAL_BANDS: tuple[str, ...] = ("10-15", "16-17")
"""Age bands the council's own children's homes take (most children's home residents are 10-17)."""

ALLOCATION_COLUMNS: dict[str, str] = {
    "month": "month end (Timestamp)",
    "age_band": "one of sufficiency.codes.AGE_BANDS",
    "placement_type": "'fostering' (non-kinship) or 'residential'",
    "placement_category": "in-house fostering, IFA fostering, in-house or external residential",
    "provider": "'in-house' or 'external'",
    "mean": "mean number of children over simulation paths (children)",
    "p10": "10th percentile over paths (children)",
    "p90": "90th percentile over paths (children)",
}
"""Columns of :meth:`Allocation.to_frame`."""

_CATEGORY_INDEX = {category: i for i, category in enumerate(PLACEMENT_CATEGORIES)}


# --- array helpers shared by the plan modules --------------------------------------------------


def as_demand_paths(demand: np.ndarray) -> np.ndarray:
    """Demand as a float array ``(paths, months, age_bands, categories)``.

    Parameters
    ----------
    demand : numpy.ndarray
        Children by ``(paths, months, bands, categories)`` or one path ``(months, bands, categories)``.

    Returns
    -------
    numpy.ndarray
        Four-dimensional float64 array (a view where possible).
    """
    array = np.asarray(demand, dtype="float64")
    if array.ndim == 3:
        array = array[np.newaxis]
    if array.ndim != 4 or array.shape[2:] != (len(AGE_BANDS), len(PLACEMENT_CATEGORIES)):
        raise SufficiencyError(
            "Placement demand must be an array shaped (paths, months, age bands, placement "
            f"categories) with {len(AGE_BANDS)} age bands and {len(PLACEMENT_CATEGORIES)} "
            f"categories; got shape {array.shape}. Build it with demand_array_from_frame()."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise SufficiencyError(
            "Placement demand has negative, missing or infinite numbers of children; "
            "check the forecast that produced it."
        )
    return array


def as_band_capacity(capacity: np.ndarray | float, months: int, what: str) -> np.ndarray:
    """Capacity by age band as ``(paths or 1, months, age_bands)``.

    Accepts a scalar (same in every band and month), ``(bands,)``, ``(months, bands)`` or
    ``(paths, months, bands)``.
    """
    array = np.asarray(capacity, dtype="float64")
    bands = len(AGE_BANDS)
    if array.ndim == 0:
        array = np.full((1, months, bands), float(array))
    elif array.ndim == 1 and array.shape[0] == bands:
        array = np.broadcast_to(array, (1, months, bands))
    elif array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3 or array.shape[1:] != (months, bands):
        raise SufficiencyError(
            f"{what} must be shaped (paths, months, age bands), (months, age bands) or "
            f"(age bands,) with {months} months and {bands} age bands; got shape "
            f"{np.shape(capacity)}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise SufficiencyError(f"{what} has negative, missing or infinite values.")
    return array


def as_monthly(values: np.ndarray | float, months: int, what: str) -> np.ndarray:
    """A per-month quantity as ``(paths or 1, months)`` from a scalar, ``(months,)`` or 2-D array."""
    array = np.asarray(values, dtype="float64")
    if array.ndim == 0:
        array = np.full((1, months), float(array))
    elif array.ndim == 1:
        array = array[np.newaxis]
    if array.ndim != 2 or array.shape[1] != months:
        raise SufficiencyError(
            f"{what} must be a number, one value per month ({months}) or (paths, months); "
            f"got shape {np.shape(values)}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise SufficiencyError(f"{what} has negative, missing or infinite values.")
    return array


def month_index(months: Sequence | pd.DatetimeIndex | None, count: int) -> pd.DatetimeIndex:
    """Month-end dates for the horizon; ``None`` numbers months from the current month end."""
    if months is None:
        start = pd.Timestamp.today().normalize() + pd.offsets.MonthEnd(0)
        return pd.date_range(start, periods=count, freq="ME")
    index = months if isinstance(months, pd.DatetimeIndex) else pd.DatetimeIndex(list(months))
    if len(index) != count:
        raise SufficiencyError(
            f"Expected {count} months to label the forecast, got {len(index)}. Pass the months "
            "the demand forecast covers."
        )
    if index.tz is None and index.is_month_end.all() and (index == index.normalize()).all():
        return index
    return index.normalize() + pd.offsets.MonthEnd(0)


def demand_array_from_frame(
    frame: pd.DataFrame,
    *,
    value: str | None = None,
    month: str | None = None,
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Turn a tidy demand frame into the ``(paths, months, bands, categories)`` array.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (path, month, age_band, placement_category). The path column (``path``) is
        optional; the month column is ``month`` or ``date`` and the value column ``children``,
        ``mean`` or ``value`` unless named. Missing cells count as zero children.
    value, month : str, optional
        Column names to use instead of the defaults.

    Returns
    -------
    tuple of (numpy.ndarray, pandas.DatetimeIndex)
        The demand array and the month ends it covers.
    """
    month = month or next((c for c in ("month", "date", "ds") if c in frame.columns), None)
    value = value or next(
        (c for c in ("children", "mean", "value", "y") if c in frame.columns), None
    )
    missing = [
        name
        for name, column in (("month", month), ("children", value))
        if column is None or column not in frame.columns
    ] + [c for c in ("age_band", "placement_category") if c not in frame.columns]
    if missing:
        raise SufficiencyError(
            "The demand table needs columns month (or date), age_band, placement_category and "
            f"children (or mean/value); missing: {', '.join(missing)}."
        )
    months = pd.DatetimeIndex(sorted(pd.to_datetime(frame[month]).unique()))
    paths = frame["path"].to_numpy() if "path" in frame.columns else np.zeros(len(frame), int)
    path_values, path_codes = np.unique(paths, return_inverse=True)
    month_codes = months.get_indexer(pd.to_datetime(frame[month]))
    band_codes = pd.Index(AGE_BANDS).get_indexer(frame["age_band"].astype("object"))
    category_codes = pd.Index(PLACEMENT_CATEGORIES).get_indexer(
        frame["placement_category"].astype("object")
    )
    unknown = frame.loc[(band_codes < 0) | (category_codes < 0), ["age_band", "placement_category"]]
    if len(unknown):
        first = unknown.iloc[0]
        raise SufficiencyError(
            f"The demand table has an unknown age band or placement category in row "
            f"{unknown.index[0]}: {first['age_band']!r} / {first['placement_category']!r}. "
            f"Age bands are {', '.join(AGE_BANDS)}; categories {', '.join(PLACEMENT_CATEGORIES)}."
        )
    array = np.zeros((len(path_values), len(months), len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    np.add.at(
        array,
        (path_codes, month_codes, band_codes, category_codes),
        pd.to_numeric(frame[value], errors="coerce").fillna(0.0).to_numpy(dtype="float64"),
    )
    return array, months + pd.offsets.MonthEnd(0)


def band_array_from_frame(
    frame: pd.DataFrame, months: pd.DatetimeIndex, *, value: str, month: str = "month"
) -> np.ndarray:
    """A tidy (month, age_band, value) frame as a ``(1, months, bands)`` array, zero where absent.

    An optional ``path`` column gives ``(paths, months, bands)``.
    """
    paths = frame["path"].to_numpy() if "path" in frame.columns else np.zeros(len(frame), int)
    path_values, path_codes = np.unique(paths, return_inverse=True)
    month_codes = pd.DatetimeIndex(months).get_indexer(
        pd.to_datetime(frame[month]) + pd.offsets.MonthEnd(0)
    )
    band_codes = pd.Index(AGE_BANDS).get_indexer(frame["age_band"].astype("object"))
    keep = (month_codes >= 0) & (band_codes >= 0)
    array = np.zeros((max(len(path_values), 1), len(months), len(AGE_BANDS)))
    np.add.at(
        array,
        (path_codes[keep], month_codes[keep], band_codes[keep]),
        pd.to_numeric(frame[value], errors="coerce").fillna(0.0).to_numpy("float64")[keep],
    )
    return array


def split_needs(demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-kinship fostering and residential need, each ``(paths, months, bands)``."""
    fostering = (
        demand[..., _CATEGORY_INDEX[IN_HOUSE_FOSTERING]]
        + demand[..., _CATEGORY_INDEX[IFA_FOSTERING]]
    )
    residential = (
        demand[..., _CATEGORY_INDEX[IN_HOUSE_RESIDENTIAL]]
        + demand[..., _CATEGORY_INDEX[EXTERNAL_RESIDENTIAL]]
    )
    return fostering, residential


def other_fostering(demand: np.ndarray) -> np.ndarray:
    """Non-kinship foster children the allocation leaves where they are, ``(paths, months)``.

    Placements with other councils or public bodies (PR2/PR3) count in the IFA share's
    denominator but are neither in-house nor IFA.
    """
    return demand[..., _CATEGORY_INDEX[OTHER_LA_FOSTERING]].sum(axis=-1)


def band_mask(bands: Sequence[str]) -> np.ndarray:
    """Boolean mask over :data:`AGE_BANDS` for ``bands``; unknown names raise a clear error."""
    unknown = [band for band in bands if band not in AGE_BANDS]
    if unknown:
        raise SufficiencyError(
            f"Unknown age band(s) {', '.join(map(repr, unknown))}; use {', '.join(AGE_BANDS)}."
        )
    return np.isin(np.array(AGE_BANDS, dtype=object), list(bands))


def residential_in_house(
    residential_need: np.ndarray,
    beds: np.ndarray,
    residential_bands: Sequence[str],
    demand: np.ndarray | None = None,
) -> np.ndarray:
    """Children placed in in-house homes, ``(paths, months, bands)``: beds shared pro rata to need.

    Parameters
    ----------
    residential_need : numpy.ndarray
        Residential need ``(paths, months, bands)``.
    beds : numpy.ndarray
        In-house beds ``(paths or 1, months)``.
    residential_bands : sequence of str
        Bands the homes take. Children of other ages that the demand already places in in-house
        homes (rare) stay eligible, so an existing placement is never pushed out by the age rule.
    demand : numpy.ndarray, optional
        The full demand ``(paths, months, bands, categories)`` for that exception.
    """
    mask = band_mask(residential_bands)
    eligible = residential_need * mask
    if demand is not None and not mask.all():
        already = demand[..., _CATEGORY_INDEX[IN_HOUSE_RESIDENTIAL]]
        eligible = np.where(mask, eligible, np.minimum(already, residential_need))
    total = eligible.sum(axis=-1)
    fill = np.divide(beds, total, out=np.ones_like(total * beds), where=total > 1e-9)
    return eligible * np.minimum(fill, 1.0)[..., np.newaxis]


def match_fostering(
    need: np.ndarray, capacity: np.ndarray, adjacent_band_efficiency: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place non-kinship fostering need in usable in-house places with cross-band friction.

    Parameters
    ----------
    need : numpy.ndarray
        Children needing a foster place, ``(paths, months, bands)``.
    capacity : numpy.ndarray
        Usable in-house places, broadcastable to ``need``.
    adjacent_band_efficiency : float
        Children from a neighbouring band matched per spare place (0-1).

    Returns
    -------
    tuple of numpy.ndarray
        ``(in_house, cross_band, spare)``: children placed in-house by the band of the child, how
        many of those were matched across bands, and unused usable places by band of the place.
    """
    if not 0.0 <= adjacent_band_efficiency <= 1.0:
        raise SufficiencyError(
            f"adjacent_band_efficiency must be between 0 and 1; got {adjacent_band_efficiency}."
        )
    capacity = np.broadcast_to(capacity, need.shape)
    direct = np.minimum(need, capacity)
    unmet = need - direct
    spare = capacity - direct
    cross = np.zeros_like(need)
    if adjacent_band_efficiency > 0:
        bands = need.shape[-1]
        pairs = [(a, a + 1) for a in range(bands - 1)] + [
            (a, a - 1) for a in range(bands - 1, 0, -1)
        ]
        for source, target in pairs:
            moved = np.minimum(unmet[..., target], spare[..., source] * adjacent_band_efficiency)
            unmet[..., target] -= moved
            spare[..., source] -= moved / adjacent_band_efficiency
            cross[..., target] += moved
    np.maximum(spare, 0.0, out=spare)
    return direct + cross, cross, spare


# --- the allocation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """Placements by path x month x age band, split in-house / external.

    Attributes
    ----------
    months : pandas.DatetimeIndex
        Month ends of the horizon.
    in_house_fostering, ifa_fostering, in_house_residential, external_residential : numpy.ndarray
        Children ``(paths, months, bands)``.
    cross_band : numpy.ndarray
        Of the in-house fostering placements, those matched with a place approved for a
        neighbouring age band.
    spare_foster_places : numpy.ndarray
        Usable in-house foster places left unused, by band of the place.
    demand : numpy.ndarray
        The demand that was allocated, ``(paths, months, bands, categories)``.
    """

    months: pd.DatetimeIndex
    in_house_fostering: np.ndarray
    ifa_fostering: np.ndarray
    in_house_residential: np.ndarray
    external_residential: np.ndarray
    cross_band: np.ndarray
    spare_foster_places: np.ndarray
    demand: np.ndarray = field(repr=False)

    @property
    def paths(self) -> int:
        """Number of simulation paths."""
        return self.in_house_fostering.shape[0]

    def placements(self) -> np.ndarray:
        """All placements ``(paths, months, bands, categories)`` after allocation.

        The four allocated categories are replaced; every other category (kinship, secure,
        supported, ...) is the demand unchanged, so finance can cost the array directly.
        """
        result = self.demand.copy()
        for category, values in self._by_category().items():
            result[..., _CATEGORY_INDEX[category]] = values
        return result

    def _by_category(self) -> dict[str, np.ndarray]:
        return {
            IN_HOUSE_FOSTERING: self.in_house_fostering,
            IFA_FOSTERING: self.ifa_fostering,
            IN_HOUSE_RESIDENTIAL: self.in_house_residential,
            EXTERNAL_RESIDENTIAL: self.external_residential,
        }

    def path_array(self, category: str) -> np.ndarray:
        """Children ``(paths, months, bands)`` for one of the four allocated categories."""
        try:
            return self._by_category()[category]
        except KeyError:
            raise SufficiencyError(
                f"{category!r} is not an allocated category; use one of "
                f"{', '.join(self._by_category())}."
            ) from None

    def ifa_share(self) -> np.ndarray:
        """IFA share of non-kinship fostering by path and month, ``(paths, months)`` (0-1).

        Non-kinship fostering is in-house, IFA and other-council foster placements (carers who
        are not the child's relatives or friends).
        """
        ifa = self.ifa_fostering.sum(axis=-1)
        other = self.demand[..., _CATEGORY_INDEX[OTHER_LA_FOSTERING]].sum(axis=-1)
        total = ifa + self.in_house_fostering.sum(axis=-1) + other
        return np.divide(ifa, total, out=np.zeros_like(total), where=total > 0)

    def ifa_share_of_fostering(self) -> np.ndarray:
        """IFA share of all foster placements, ``(paths, months)`` (0-1), as councils report it.

        The denominator includes family and friends (kinship) and other-council placements.
        """
        ifa = self.ifa_fostering.sum(axis=-1)
        others = sum(
            self.demand[..., _CATEGORY_INDEX[category]].sum(axis=-1)
            for category in (KINSHIP_FOSTERING, OTHER_LA_FOSTERING)
        )
        total = ifa + self.in_house_fostering.sum(axis=-1) + others
        return np.divide(ifa, total, out=np.zeros_like(total), where=total > 0)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long frame with the columns of :data:`ALLOCATION_COLUMNS`.

        One row per month x age band x allocated category; ``p10``/``p90`` are over simulation
        paths (equal to the mean for a single path).
        """
        labels = [
            (FOSTERING, IN_HOUSE_FOSTERING, IN_HOUSE),
            (FOSTERING, IFA_FOSTERING, EXTERNAL),
            (RESIDENTIAL, IN_HOUSE_RESIDENTIAL, IN_HOUSE),
            (RESIDENTIAL, EXTERNAL_RESIDENTIAL, EXTERNAL),
        ]
        stacked = np.stack([self._by_category()[category] for _, category, _ in labels], axis=-1)
        mean = stacked.mean(axis=0)
        if self.paths > 1:
            p10, p90 = np.percentile(stacked, [10, 90], axis=0)
        else:
            p10 = p90 = mean
        months, bands, kinds = mean.shape
        frame = pd.DataFrame(
            {
                "month": np.repeat(self.months.to_numpy(), bands * kinds),
                "age_band": np.tile(np.repeat(np.array(AGE_BANDS, dtype=object), kinds), months),
                "placement_type": np.tile([label[0] for label in labels], months * bands),
                "placement_category": np.tile([label[1] for label in labels], months * bands),
                "provider": np.tile([label[2] for label in labels], months * bands),
                "mean": mean.ravel(),
                "p10": np.asarray(p10).ravel(),
                "p90": np.asarray(p90).ravel(),
            }
        )
        return frame

    def totals(self) -> pd.DataFrame:
        """Mean children by month and allocated category, all age bands together (wide frame)."""
        data = {
            category: values.sum(axis=-1).mean(axis=0)
            for category, values in self._by_category().items()
        }
        frame = pd.DataFrame(data, index=pd.Index(self.months, name="month"))
        frame["IFA share of foster placements"] = self.ifa_share_of_fostering().mean(axis=0)
        frame["IFA share of non-kinship fostering"] = self.ifa_share().mean(axis=0)
        return frame


def allocate(
    demand: np.ndarray,
    foster_capacity: np.ndarray | float,
    residential_beds: np.ndarray | float = 0.0,
    *,
    months: Sequence | pd.DatetimeIndex | None = None,
    adjacent_band_efficiency: float = DEFAULT_ADJACENT_BAND_EFFICIENCY,
    occupancy: float = 1.0,
    residential_bands: Sequence[str] = DEFAULT_RESIDENTIAL_BANDS,
    pools: Sequence[tuple[np.ndarray | float, Sequence[str]]] = (),
) -> Allocation:
    """Meet fostering and residential demand from in-house capacity first; overflow goes external.

    Parameters
    ----------
    demand : numpy.ndarray
        Children ``(paths, months, bands, categories)`` or one path ``(months, bands, categories)``.
    foster_capacity : numpy.ndarray or float
        Usable in-house foster places ``(paths or 1, months, bands)``, ``(months, bands)``,
        ``(bands,)`` or a number per band.
    residential_beds : numpy.ndarray or float
        In-house children's home beds: a number, one per month, or ``(paths, months)``.
    months : sequence of dates, optional
        Month ends the demand covers (defaults to months from now).
    adjacent_band_efficiency : float
        Children from a neighbouring band matched per spare place, 0-1
        (default :data:`DEFAULT_ADJACENT_BAND_EFFICIENCY`, an assumption).
    occupancy : float
        Share of ``foster_capacity`` that is usable (keep 1.0 when passing usable places).
    residential_bands : sequence of str
        Age bands in-house homes take.
    pools : sequence of (places, age bands)
        Usable places of new households that can take any child in their age bands (a number,
        one per month or ``(paths, months)``), filled in the order given after the banded
        capacity, each shared across its bands in proportion to the children still unplaced.

    Returns
    -------
    Allocation
        Placements by path, month, band and provider; in-house + external equals demand in every
        cell and path.
    """
    demand = as_demand_paths(demand)
    n_months = demand.shape[1]
    if not 0.0 <= occupancy <= 1.0:
        raise SufficiencyError(f"occupancy must be between 0 and 1; got {occupancy}.")
    capacity = as_band_capacity(foster_capacity, n_months, "In-house foster capacity") * occupancy
    beds = as_monthly(residential_beds, n_months, "In-house children's home beds")
    _check_paths(demand.shape[0], capacity.shape[0], "foster capacity")
    _check_paths(demand.shape[0], beds.shape[0], "children's home beds")

    fostering_need, residential_need = split_needs(demand)
    in_house, cross, spare = match_fostering(fostering_need, capacity, adjacent_band_efficiency)
    for places, bands in pools:
        pool = as_monthly(places, n_months, "New households' usable places")
        _check_paths(demand.shape[0], pool.shape[0], "new households' places")
        eligible = np.maximum(fostering_need - in_house, 0.0) * band_mask(bands)
        total = eligible.sum(axis=-1)
        fill = np.divide(pool, total, out=np.ones_like(total * pool), where=total > 1e-12)
        in_house = in_house + eligible * np.minimum(fill, 1.0)[..., np.newaxis]
    res_in_house = residential_in_house(residential_need, beds, residential_bands, demand)
    return Allocation(
        months=month_index(months, n_months),
        in_house_fostering=in_house,
        ifa_fostering=np.maximum(fostering_need - in_house, 0.0),
        in_house_residential=res_in_house,
        external_residential=np.maximum(residential_need - res_in_house, 0.0),
        cross_band=cross,
        spare_foster_places=spare,
        demand=demand,
    )


def _check_paths(demand_paths: int, other_paths: int, what: str) -> None:
    if other_paths not in (1, demand_paths):
        raise SufficiencyError(
            f"The {what} has {other_paths} simulation paths but demand has {demand_paths}; pass one "
            "projection (used for every path) or one per demand path."
        )


def capacity_from_projection(
    projection: object,
    months: pd.DatetimeIndex,
    *,
    measure: str = "usable_places",
) -> np.ndarray:
    """Usable places ``(paths, months, bands)`` from a supply capacity projection.

    Parameters
    ----------
    projection : sufficiency.supply.capacity.CapacityProjection
        Anything with ``months`` (month ends, month 0 first), ``age_bands`` (DfE bands, optionally
        followed by ``"all ages"``) and ``paths(measure)`` shaped ``(paths, months, bands)``.
    months : pandas.DatetimeIndex
        Month ends of the demand forecast; every one must be in the projection.
    measure : str
        Which projected measure to use (usable places by default).

    Returns
    -------
    numpy.ndarray
        Places in :data:`AGE_BANDS` order for the demand months.
    """
    values = np.asarray(projection.paths(measure), dtype="float64")
    bands = list(projection.age_bands)
    band_columns = [bands.index(band) for band in AGE_BANDS]
    projected = pd.DatetimeIndex(projection.months).normalize() + pd.offsets.MonthEnd(0)
    wanted = pd.DatetimeIndex(months).normalize() + pd.offsets.MonthEnd(0)
    position = projected.get_indexer(wanted)
    if (position < 0).any():
        missing = wanted[position < 0]
        raise SufficiencyError(
            f"The carer capacity projection covers {projected[0]:%B %Y} to {projected[-1]:%B %Y} "
            f"but the demand forecast needs {missing[0]:%B %Y}"
            + (f" to {missing[-1]:%B %Y}" if len(missing) > 1 else "")
            + ". Project capacity from the same start date over the same horizon."
        )
    return values[:, position][:, :, band_columns]


def demand_from_states(
    values: np.ndarray,
    age_bands: Sequence[str] = AGE_BANDS,
    categories: Sequence[str] = PLACEMENT_CATEGORIES,
) -> np.ndarray:
    """Reshape stock-flow output with a flat state axis into ``(paths, months, bands, categories)``.

    Parameters
    ----------
    values : numpy.ndarray
        ``(paths, months, states)`` simulated stocks or a ``(months, states)`` mean path, states
        ordered band-major as in :class:`sufficiency.demand.stockflow.StockFlowParams`.
    age_bands, categories : sequence of str
        The state labels' order; reordered to :data:`AGE_BANDS` x :data:`PLACEMENT_CATEGORIES`.
    """
    array = np.asarray(values, dtype="float64")
    if array.ndim == 2:
        array = array[np.newaxis]
    n_bands, n_categories = len(age_bands), len(categories)
    if array.ndim != 3 or array.shape[-1] != n_bands * n_categories:
        raise SufficiencyError(
            f"Expected stock-flow states shaped (paths, months, {n_bands * n_categories}); got "
            f"{np.shape(values)}."
        )
    grid = array.reshape(*array.shape[:2], n_bands, n_categories)
    result = np.zeros((*array.shape[:2], len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    for b, band in enumerate(age_bands):
        for c, category in enumerate(categories):
            if band in AGE_BANDS and category in PLACEMENT_CATEGORIES:
                result[:, :, AGE_BANDS.index(band), PLACEMENT_CATEGORIES.index(category)] = grid[
                    :, :, b, c
                ]
    return result
