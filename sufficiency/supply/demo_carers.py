"""Synthetic, seeded carer household records for the demo authority (clearly labelled synthetic).

Derived from the demo authority's 903 placements, so the two agree: each month the households
the placements need are the children in in-house (non-kinship) foster care ÷ the usable places of
an average household (approved places x Ofsted's 66% occupancy), and the children in kinship foster
care ÷ the places a kinship household is approved for (:func:`places_wanted`). From 1988,
households leave with a leaving rate that depends on their carer group and tenure (higher in the
first years and at retirement age), calibrated so that, as in Ofsted's Fostering in England, about
15% of mainstream households and about 23% of all the service's households (including family and
friends) leave each year; the service approves about as many as it takes to hold the households
the placements need (Poisson draws of the places short each month).

Records run to the extract date 31 March 2024 and hold every household approved then or that left
from 1 April 2014 (as if the case-management system started then). Household references start
``SYN-`` because nothing here describes a real carer.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.codes import IN_HOUSE_FOSTERING, KINSHIP_FOSTERING
from sufficiency.paths import demo_dir
from sufficiency.spreadsheets import csv_bytes, write_csv
from sufficiency.supply import defaults
from sufficiency.supply.households import (
    DISABLED_CHILDREN,
    HOUSEHOLD_COLUMNS,
    KINSHIP,
    MAINSTREAM,
    PARENT_AND_CHILD,
    SIBLING_GROUPS,
    TEENAGERS,
    CarerHouseholds,
    read_households,
)

DEMO_HOUSEHOLDS_LABEL = (
    "Synthetic demo authority: generated carer households, not real foster carers"
)
DEMO_EXTRACT_DATE = pd.Timestamp("2024-03-31")
DEMO_RECORDS_FROM = pd.Timestamp("2014-04-01")
DEMO_SIMULATION_START = pd.Timestamp("1988-04-01")
DEMO_SEED = 5
DEMO_FILE_NAME = "carer_households.csv"

# Relative leaving rate by tenure band (months). Kinship households mostly leave when a special
# guardianship order is made, typically 6-24 months after approval.
_TENURE_BANDS = np.array([0.0, 12.0, 24.0, 60.0, 120.0])
_TENURE_SHAPE: dict[str, np.ndarray] = {
    "mainstream": np.array([m for _, m in defaults.TENURE_SHAPE_MULTIPLIERS]),
    "kinship": np.array([1.0, 1.5, 0.8, 0.6, 0.8]),
}

_PLACES: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    # Ofsted 2017-18 local authority capacity: 40% approved for one child, 36% two, 22% three.
    MAINSTREAM: ((1, 2, 3, 4), (0.40, 0.36, 0.22, 0.02)),
    PARENT_AND_CHILD: ((1, 2), (0.85, 0.15)),
    TEENAGERS: ((1, 2), (0.5, 0.5)),
    SIBLING_GROUPS: ((2, 3, 4), (0.35, 0.55, 0.10)),
    DISABLED_CHILDREN: ((1, 2), (0.6, 0.4)),
    KINSHIP: ((1, 2, 3), (0.65, 0.28, 0.07)),
}

_AGE_RANGES: dict[str, tuple[tuple[tuple[int, int], ...], tuple[float, ...]]] = {
    MAINSTREAM: (
        ((0, 17), (0, 10), (0, 4), (5, 17), (10, 17), (0, 12), (5, 12)),
        (0.30, 0.15, 0.10, 0.15, 0.15, 0.10, 0.05),
    ),
    PARENT_AND_CHILD: (((0, 4),), (1.0,)),
    TEENAGERS: (((11, 17), (13, 17)), (0.6, 0.4)),
    SIBLING_GROUPS: (((0, 17), (0, 12)), (0.7, 0.3)),
    DISABLED_CHILDREN: (((0, 17), (5, 17)), (0.5, 0.5)),
}

_REASONS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "mainstream": (
        (
            "retirement",
            "health_or_family",
            "support_or_pay",
            "work_or_housing",
            "moved_away",
            "resigned_other",
            "permanence",
            "service_ended",
            "transfer_ifa",
            "transfer_la",
            "other",
        ),
        (0.12, 0.22, 0.13, 0.08, 0.06, 0.07, 0.10, 0.12, 0.05, 0.01, 0.04),
    ),
    "kinship": (
        (
            "permanence",
            "kinship_ended",
            "service_ended",
            "health_or_family",
            "moved_away",
            "other",
        ),
        (0.52, 0.26, 0.08, 0.08, 0.02, 0.04),
    ),
}


def _group(carer_type: str) -> str:
    return "kinship" if carer_type == KINSHIP else "mainstream"


def _target_share(carer_type: str) -> float:
    if carer_type == KINSHIP:
        return float(defaults.ANNUAL_LEAVING_RATE_KINSHIP)
    if carer_type == MAINSTREAM:
        return float(defaults.ANNUAL_LEAVING_RATE_MAINSTREAM)
    return float(defaults.ANNUAL_LEAVING_RATE_SPECIALIST)


def _mean_years_approved(base_rate: float, shape: np.ndarray) -> float:
    """Mean time approved (years) under a piecewise-constant hazard base_rate x shape per year."""
    widths = np.diff(np.append(_TENURE_BANDS, np.inf)) / 12.0
    rates = base_rate * shape
    total, survival = 0.0, 1.0
    for rate, width in zip(rates, widths, strict=True):
        if np.isinf(width):
            return total + survival / rate
        total += survival * (1 - np.exp(-rate * width)) / rate
        survival *= np.exp(-rate * width)
    return total


def calibrated_base_rate(share_leaving: float, shape: np.ndarray) -> float:
    """Base hazard (per year) whose tenure-shaped process has mean time approved 1 / share.

    In a steady state, households leaving a year over households approved equals one over the mean
    time approved, which is how Ofsted's percentages are measured.
    """
    target = 1.0 / share_leaving
    low, high = 1e-4, 10.0
    for _ in range(80):
        middle = 0.5 * (low + high)
        if _mean_years_approved(middle, shape) > target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def _years_to_leave(rng: np.random.Generator, n: int, base_rate: float, shape: np.ndarray):
    """Draw times approved (years) under the piecewise-constant hazard by inverting it."""
    target = rng.exponential(1.0, size=n)
    widths = np.diff(np.append(_TENURE_BANDS, np.inf)) / 12.0
    rates = base_rate * shape
    bounds = np.concatenate([[0.0], np.cumsum(rates[:-1] * widths[:-1])])
    band = np.searchsorted(bounds, target, side="right") - 1
    starts = np.concatenate([[0.0], np.cumsum(widths[:-1])])
    return starts[band] + (target - bounds[band]) / rates[band]


# Mix of in-house (non-kinship) carer types among approvals (a quarter specialists, as in Ofsted's
# LA figures for specialist schemes being a small part of mainstream fostering).
IN_HOUSE_MIX: dict[str, float] = {
    MAINSTREAM: 66 / 80,
    PARENT_AND_CHILD: 3 / 80,
    TEENAGERS: 4 / 80,
    SIBLING_GROUPS: 3 / 80,
    DISABLED_CHILDREN: 4 / 80,
}


def _mean_places(carer_type: str) -> float:
    options, weights = _PLACES[carer_type]
    return float(np.dot(options, weights))


def places_wanted(months: pd.DatetimeIndex, stock: pd.DataFrame | None = None) -> tuple:
    """Places the demo's carers should offer at the start of each month: (in-house usable places,
    kinship approved places).

    From the demo 903 data: the month-end children in in-house (non-kinship) foster care are the
    usable places in-house households should offer (approved places x Ofsted's 66% occupancy),
    and the children in kinship foster care the places kinship households are approved for (for
    named children). Months before the 903 extracts are complete hold the first complete month.
    """
    if stock is None:
        from sufficiency.data.demo import load_demo
        from sufficiency.stocks import monthly_stock

        demo = load_demo()
        stock = monthly_stock(demo.episodes, demo.extract_date)
    by_month = stock.pivot_table(
        index="date",
        columns="placement_category",
        values="children",
        aggfunc="sum",
        observed=True,
    )
    # a month-end count is what the households should hold from the first of that month
    dates = pd.DatetimeIndex(by_month.index) - pd.offsets.MonthBegin(1)
    wanted = []
    for category in (IN_HOUSE_FOSTERING, KINSHIP_FOSTERING):
        children = pd.Series(by_month[category].to_numpy(float), index=dates)
        children = children.reindex(months.union(dates)).sort_index().ffill().bfill()
        wanted.append(children.reindex(months).to_numpy())
    return wanted[0], wanted[1]


def _attributes(rng: np.random.Generator, carer_type: str, n: int, years: np.ndarray) -> dict:
    places_options, places_p = _PLACES[carer_type]
    places = rng.choice(places_options, size=n, p=places_p)
    if carer_type == KINSHIP:
        age_from = rng.integers(0, 16, size=n)
        age_to = np.minimum(17, age_from + rng.integers(0, 5, size=n))
    else:
        options, weights = _AGE_RANGES[carer_type]
        pick = rng.choice(len(options), size=n, p=weights)
        age_from = np.array([options[i][0] for i in pick], dtype=int)
        age_to = np.array([options[i][1] for i in pick], dtype=int)
    reason_codes, reason_p = _REASONS[_group(carer_type)]
    reasons = rng.choice(reason_codes, size=n, p=reason_p)
    # Long-serving mainstream carers retire: a third of those leaving after 10 years.
    if _group(carer_type) == "mainstream":
        retire = (years >= 10) & (rng.random(n) < 0.35)
        reasons = np.where(retire, "retirement", reasons)
    return {
        "approved_places": places,
        "age_from": age_from,
        "age_to": age_to,
        "deregistration_reason": reasons,
    }


def generate_households(
    *,
    random_state: int = DEMO_SEED,
    extract_date: pd.Timestamp | str = DEMO_EXTRACT_DATE,
    records_from: pd.Timestamp | str = DEMO_RECORDS_FROM,
    wanted: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Synthetic household records in the file format (:data:`HOUSEHOLD_COLUMNS`, text dates).

    Month by month from 1988, households leave (each at a tenure-shaped rate calibrated to
    Ofsted's leaving shares, drawn when it is approved) and the service approves about as many
    households as it takes for its places to match the 903 placements (:func:`places_wanted`):
    approvals in a month ~ Poisson(places short ÷ the places of an average new household).

    Parameters
    ----------
    random_state : int
        Seed; the same seed gives the same records.
    extract_date : date
        Records describe this date: later deregistrations are blank.
    records_from : date
        Households that left before this date are not in the records.
    wanted : (array, array), optional
        In-house usable places and kinship places wanted each month from 1988 (default: from
        the demo 903 data).
    """
    rng = np.random.default_rng(random_state)
    extract = pd.Timestamp(extract_date)
    records_start = pd.Timestamp(records_from)
    months = pd.date_range(DEMO_SIMULATION_START, extract, freq="MS")
    in_house_wanted, kinship_wanted = wanted if wanted is not None else places_wanted(months)
    occupancy = float(defaults.OCCUPANCY)
    frames = []
    for target, mix, usable in (
        (in_house_wanted, IN_HOUSE_MIX, occupancy),
        (kinship_wanted, {KINSHIP: 1.0}, 1.0),
    ):
        kinds = list(mix)
        weights = np.array([mix[k] for k in kinds])
        per_household = sum(mix[k] * _mean_places(k) for k in kinds) * usable
        leave_at = np.array([], dtype=float)  # month index (fractional) each household leaves
        places = np.array([], dtype=float)
        for t, month in enumerate(months):
            offered = float(places[leave_at > t].sum()) * usable
            short = max(float(target[t]) - offered, 0.0)
            n = int(rng.poisson(short / per_household))
            if not n:
                continue
            chosen = rng.choice(len(kinds), size=n, p=weights / weights.sum())
            for k in np.unique(chosen):
                carer_type = kinds[k]
                count = int((chosen == k).sum())
                shape = _TENURE_SHAPE[_group(carer_type)]
                base = calibrated_base_rate(_target_share(carer_type), shape)
                years = _years_to_leave(rng, count, base, shape)
                days_in = rng.integers(0, 28, size=count).astype("timedelta64[D]")
                approval = pd.to_datetime(np.full(count, month.to_datetime64()) + days_in)
                attributes = _attributes(rng, carer_type, count, years)
                leave_at = np.concatenate([leave_at, t + years * 12.0])
                places = np.concatenate([places, attributes["approved_places"]])
                frames.append(
                    pd.DataFrame(
                        {
                            "carer_type": carer_type,
                            "approval_date": approval,
                            "deregistration_date": approval
                            + pd.to_timedelta(np.round(years * 365.25), unit="D"),
                            **attributes,
                        }
                    )
                )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["approval_date"] <= extract]
    frame = frame[frame["deregistration_date"] >= records_start].copy()
    still = frame["deregistration_date"] > extract
    frame.loc[still, "deregistration_date"] = pd.NaT
    frame.loc[still, "deregistration_reason"] = None
    frame = frame.sort_values(["approval_date", "carer_type"], kind="stable").reset_index(drop=True)
    frame.insert(0, "household_id", [f"SYN-H{i:05d}" for i in range(1, len(frame) + 1)])
    frame["approval_date"] = frame["approval_date"].dt.strftime("%d/%m/%Y")
    frame["deregistration_date"] = frame["deregistration_date"].dt.strftime("%d/%m/%Y")
    return frame[list(HOUSEHOLD_COLUMNS)]


def demo_households_path() -> Path:
    """Where the demo households file lives: ``data/demo/supply/carer_households.csv``."""
    return demo_dir() / "supply" / DEMO_FILE_NAME


def write_demo_households(path: str | Path | None = None, **options) -> Path:
    """Generate the demo households and write them as CSV (default :func:`demo_households_path`)."""
    target = Path(path) if path is not None else demo_households_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(generate_households(**options), target)
    return target


@lru_cache(maxsize=1)
def load_demo_households() -> CarerHouseholds:
    """The demo authority's households through the validated reader (memoised).

    Reads ``data/demo/supply/carer_households.csv``, or generates it in memory when absent.
    """
    path = demo_households_path()
    if path.exists():
        return read_households(path, extract_date=DEMO_EXTRACT_DATE)
    from sufficiency.supply.households import read_households_uploads

    data = csv_bytes(generate_households())
    return read_households_uploads([(DEMO_FILE_NAME, data)], extract_date=DEMO_EXTRACT_DATE)


if __name__ == "__main__":
    print("wrote", write_demo_households())
