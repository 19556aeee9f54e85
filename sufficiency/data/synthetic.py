"""Seeded generator of realistic synthetic SSDA903 extracts for a fictional authority.

The generator simulates children looked after month by month and writes what an authority's
903 return would hold: Header, Episodes (one row per episode of care) and UASC tables. It is
calibrated to published figures (31 March stock by age band and placement type, starts, ceased;
see ``data/demo/calibration_targets.csv``) through three feedback rules:

* starts per month are fixed in advance from the yearly starts, shaped so the month-end stock can
  follow its target path (including the 2020 peak);
* each month the number of children leaving care is whatever brings the stock to its month-end
  target; *who* leaves is drawn with weights from their care plan (return home, adoption, special
  guardianship, staying until 18), time in care, placement and how far their age band and
  placement category are above target;
* where a child is placed (on entry and at each move) is drawn from age-appropriate placement
  weights tilted towards the categories below their target, and children in over-target
  categories are more likely to move on.

Everything else is behaviour, not calibration: legal status changes (C1 -> C2 -> E1), adoption
(placement order, A5/A6, then E11/E12), kinship care and special guardianship, placed with
parents, long-term fostering status changes (U6 -> U4, U3 -> U1), carer-side placement endings
(CLOSE/APPRR/CREQB/CREQO), temporary placements (T3/T4), leaving at 18 (E17/E5/E6/E8),
unaccompanied asylum-seeking children (mostly 16-17, male, supported accommodation or IFA
fostering), remands (J1, E14), police protection (L1), re-entries, siblings entering together and
short-break (V3/V4) children, who are left out of all counts.

None of the children are real: identifiers, dates of birth and postcodes are random (postcode
areas ``NB``, ``NX`` and ``NZ`` do not exist).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.paths import demo_dir
from sufficiency.spreadsheets import write_csv

DEMO_SEED = 903
DEMO_FIRST_YEAR = 2016
"""First collection year (ending 31 March) written to ``data/demo``."""
DEMO_LAST_YEAR = 2024
"""Last collection year written to ``data/demo``; its 31 March is the extract date."""
SIMULATION_FIRST_YEAR = 2012
"""The simulation starts from the 31 March stock of this year, so 2016 holds long-stayers."""
K3_FROM = pd.Timestamp("2024-04-01")
"""Registered supported accommodation (K3) is a 2024/25 code: never emitted before this day."""
_K3_DAY = int((K3_FROM - pd.Timestamp("1970-01-01")).days)

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
UASC_COLUMNS = ("CHILD", "SEX", "DOB", "DUC")
DATE_FORMAT = "%d/%m/%Y"

# Internal placement categories, in the order of codes.PLACEMENT_CATEGORIES' relevant members.
KIN, IHF, IFA, IHR, EXR, SEC, SUP, PAR, ADO, OTH = range(10)
CATEGORY_NAMES: tuple[str, ...] = (
    codes.KINSHIP_FOSTERING,
    codes.IN_HOUSE_FOSTERING,
    codes.IFA_FOSTERING,
    codes.IN_HOUSE_RESIDENTIAL,
    codes.EXTERNAL_RESIDENTIAL,
    codes.SECURE,
    codes.SUPPORTED,
    codes.WITH_PARENTS,
    codes.FOR_ADOPTION,
    codes.OTHER,
)
N_CATEGORIES = len(CATEGORY_NAMES)
N_BANDS = len(codes.AGE_BANDS)

# Care plans decide how a period of care tends to end.
HOME, LONG, SGO, ADOPT, UASC, REMAND = range(6)

# Plan probabilities by age band at entry (rows: under 1, 1-4, 5-9, 10-15, 16-17).
_PLAN_BY_BAND = np.array(
    [
        # home  long  sgo  adopt uasc remand
        [0.32, 0.15, 0.17, 0.36, 0.0, 0.0],
        [0.41, 0.19, 0.20, 0.20, 0.0, 0.0],
        [0.47, 0.33, 0.18, 0.02, 0.0, 0.0],
        [0.56, 0.35, 0.07, 0.00, 0.0, 0.02],
        [0.66, 0.30, 0.00, 0.00, 0.0, 0.04],
    ]
)

# Placement weights by age band before calibration tilting (columns: CATEGORY_NAMES order).
_PLACE_WEIGHTS = np.array(
    [
        # kin  ihf  ifa  ihr  exr  sec  sup  par  ado  oth
        [0.22, 0.30, 0.38, 0.0, 0.0, 0.0, 0.0, 0.06, 0.0, 0.04],
        [0.28, 0.28, 0.38, 0.0, 0.0, 0.0, 0.0, 0.06, 0.0, 0.0],
        [0.28, 0.24, 0.42, 0.0, 0.0, 0.0, 0.0, 0.06, 0.0, 0.0],
        [0.15, 0.17, 0.38, 0.08, 0.16, 0.01, 0.0, 0.05, 0.0, 0.01],
        [0.06, 0.10, 0.28, 0.07, 0.13, 0.01, 0.30, 0.04, 0.0, 0.01],
    ]
)
# Monthly chance of a placement move (instability), by category.
_MOVE_RATE = np.array([0.008, 0.022, 0.026, 0.024, 0.024, 0.20, 0.022, 0.012, 0.002, 0.10])

_CARER_REASONS = (
    ("CARPL", 0.22),
    ("CREQB", 0.17),
    ("CREQO", 0.12),
    ("CLOSE", 0.05),
    ("APPRR", 0.02),
    ("ALLEG", 0.03),
    ("STAND", 0.03),
    ("CHILD", 0.09),
    ("LAREQ", 0.05),
    ("OTHER", 0.22),
)
# Young children do not end placements by their own request or (rarely) their behaviour.
_REASONS_UNDER_10 = tuple((code, w) for code, w in _CARER_REASONS if code != "CHILD")
_REASONS_UNDER_5 = tuple((code, w) for code, w in _REASONS_UNDER_10 if code != "CREQB")
_ETHNIC = (
    ("WBRI", 0.80),
    ("WIRI", 0.005),
    ("WOTH", 0.02),
    ("WROM", 0.006),
    ("MWBC", 0.03),
    ("MWBA", 0.01),
    ("MWAS", 0.02),
    ("MOTH", 0.02),
    ("AIND", 0.005),
    ("APKN", 0.02),
    ("ABAN", 0.005),
    ("AOTH", 0.006),
    ("BCRB", 0.005),
    ("BAFR", 0.012),
    ("BOTH", 0.005),
    ("CHNE", 0.002),
    ("OOTH", 0.01),
    ("REFU", 0.003),
    ("NOBT", 0.004),
)
_UASC_ETHNIC = (("OOTH", 0.35), ("BAFR", 0.25), ("AOTH", 0.2), ("BOTH", 0.12), ("MOTH", 0.08))
# Asylum-seeking children starting per year ending 31 March (small, rising after the 2021
# national transfer scheme became mandatory); the published LA counts are mostly suppressed.
_UASC_STARTS = {
    2013: 0,
    2014: 1,
    2015: 1,
    2016: 3,
    2017: 3,
    2018: 2,
    2019: 2,
    2020: 3,
    2021: 3,
    2022: 6,
    2023: 10,
    2024: 12,
}
_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))

EPOCH = np.datetime64("1970-01-01", "D")


@functools.lru_cache(maxsize=4096)
def _day(value: str | pd.Timestamp) -> int:
    return int((np.datetime64(pd.Timestamp(value).date(), "D") - EPOCH).astype(int))


_DATE0 = date(1970, 1, 1)


def _birthday_day(dob_day: int, years: int) -> int:
    """Day number of the ``years``-th birthday (29 February birthdays fall on 1 March)."""
    dob = _DATE0 + timedelta(days=int(dob_day))
    try:
        birthday = dob.replace(year=dob.year + years)
    except ValueError:
        birthday = date(dob.year + years, 3, 1)
    return (birthday - _DATE0).days


def _to_timestamps(days: np.ndarray) -> pd.Series:
    days = np.asarray(days, dtype="float64")
    out = pd.to_datetime(np.where(np.isnan(days), np.nan, days), unit="D", origin="unix")
    return pd.Series(out)


# --- calibration targets ---------------------------------------------------------------------


def calibration_targets_path() -> Path:
    """Where the demo authority's calibration targets live (``data/demo``)."""
    return demo_dir() / "calibration_targets.csv"


@functools.lru_cache(maxsize=4)
def _read_targets(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"filter": "string", "note": "string"}, keep_default_na=False)


def load_calibration_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read the calibration targets table (measure, year, period_end, breakdown, filter, value,
    source, note).

    Parameters
    ----------
    path : str or Path, optional
        Defaults to ``data/demo/calibration_targets.csv``.
    """
    path = Path(path) if path is not None else calibration_targets_path()
    table = _read_targets(str(path)).copy()
    table["value"] = pd.to_numeric(table["value"], errors="coerce")
    table["period_end"] = pd.to_datetime(table["period_end"])
    return table


@dataclass
class _Profile:
    """Month-end targets the simulation steers towards (scaled counts)."""

    month_ends: np.ndarray  # int days, first is the starting 31 March
    stock: np.ndarray  # (months,)
    bands: np.ndarray  # (months, bands)
    categories: np.ndarray  # (months, categories)
    starts: np.ndarray  # (months,) integer starts in each month (index 0 unused)
    start_bands: list[np.ndarray]  # per month: age band of each start, in order
    uasc_starts: np.ndarray  # (months,)
    scale: float = 1.0
    years: list[int] = field(default_factory=list)


def _interp(anchor_days: list[int], anchor_values: list[float], days: np.ndarray) -> np.ndarray:
    order = np.argsort(anchor_days)
    return np.interp(days, np.asarray(anchor_days)[order], np.asarray(anchor_values)[order])


def _build_profile(
    targets: pd.DataFrame, first_year: int, last_year: int, scale: float, rng: np.random.Generator
) -> _Profile:
    month_ends = pd.date_range(f"{first_year}-03-31", f"{last_year}-03-31", freq="ME")
    days = np.array([_day(d) for d in month_ends])
    t = targets

    def annual(measure: str, breakdown: str) -> dict[int, float]:
        rows = t[(t["measure"] == measure) & (t["breakdown"] == breakdown)]
        return {int(y): float(v) for y, v in zip(rows["year"], rows["value"], strict=True)}

    def extend(series: dict[int, float]) -> dict[int, float]:
        # Years beyond the published ones (large authority) repeat the last known year.
        last = max(series)
        out = dict(series)
        for year in range(first_year, last_year + 1):
            if year not in out and year > last:
                out[year] = series[last]
        return out

    totals = extend(annual("cla_31_march", "total"))
    anchors = {_day(f"{y}-03-31"): v for y, v in totals.items() if first_year <= y <= last_year}
    monthly = t[(t["measure"] == "cla_month_end") & (t["breakdown"] == "total")]
    for period_end, value in zip(monthly["period_end"], monthly["value"], strict=True):
        if first_year <= period_end.year <= last_year:
            anchors[_day(period_end)] = float(value)
    stock = _interp(list(anchors), list(anchors.values()), days)

    bands = np.zeros((len(days), N_BANDS))
    for b, band in enumerate(codes.AGE_BANDS):
        series = extend(annual("cla_31_march", f"age: {band}"))
        pts = {_day(f"{y}-03-31"): v / totals[y] for y, v in series.items() if y in totals}
        bands[:, b] = _interp(list(pts), list(pts.values()), days)
    bands = bands / bands.sum(axis=1, keepdims=True) * stock[:, None]

    cats = np.zeros((len(days), N_CATEGORIES))
    for c, name in enumerate(CATEGORY_NAMES):
        series = extend(annual("generator_category", f"placement: {name}"))
        pts = {_day(f"{y}-03-31"): v / totals[y] for y, v in series.items() if y in totals}
        extra = t[(t["measure"] == "cla_month_end") & (t["breakdown"] == f"placement: {name}")]
        for period_end, value in zip(extra["period_end"], extra["value"], strict=True):
            pts[_day(period_end)] = float(value) / float(
                _interp(list(anchors), list(anchors.values()), np.array([_day(period_end)]))[0]
            )
        cats[:, c] = _interp(list(pts), list(pts.values()), days)
    cats = cats / cats.sum(axis=1, keepdims=True) * stock[:, None]

    started = extend(annual("started", "total"))
    band_mix = np.zeros((len(days), N_BANDS))
    mixes = {}
    for b, band in enumerate(codes.AGE_BANDS):
        for y, v in extend(annual("started", f"age: {band}")).items():
            mixes.setdefault(y, np.zeros(N_BANDS))[b] = v
    # A collection year's starts are centred on 30 September of the year before its 31 March.
    mix_days = [_day(f"{y - 1}-09-30") for y in sorted(mixes)]
    for b in range(N_BANDS):
        shares = [mixes[y][b] / mixes[y].sum() for y in sorted(mixes)]
        band_mix[:, b] = _interp(mix_days, shares, days)
    band_mix /= band_mix.sum(axis=1, keepdims=True)

    # Starts per month: the yearly total, tilted towards months where the stock path rises.
    starts = np.zeros(len(days))
    uasc = np.zeros(len(days))
    stock_scaled = stock * scale
    for year in range(first_year + 1, last_year + 1):
        idx = np.where((month_ends > f"{year - 1}-03-31") & (month_ends <= f"{year}-03-31"))[0]
        annual_starts = started.get(year, np.mean(list(started.values()))) * scale
        delta = stock_scaled[idx] - stock_scaled[idx - 1]
        trend = (stock_scaled[idx[-1]] - stock_scaled[idx[0] - 1]) / len(idx)
        raw = annual_starts / len(idx) + (delta - trend) / 2
        raw = np.clip(raw, 0.3 * annual_starts / len(idx), None)
        raw *= annual_starts / raw.sum()
        starts[idx] = raw
        uasc_year = _UASC_STARTS.get(year, _UASC_STARTS[max(_UASC_STARTS)]) * scale
        uasc[idx] = uasc_year / len(idx)
    # Integer starts with the yearly totals preserved (cumulative rounding).
    cumulative = np.round(np.cumsum(starts)).astype(int)
    starts_int = np.diff(np.concatenate([[0], cumulative]))
    uasc_int = np.diff(np.concatenate([[0], np.round(np.cumsum(uasc)).astype(int)]))
    # Starts by age band: each year's published mix allocated exactly (largest remainder), then
    # shuffled over the year's months.
    start_bands: list[np.ndarray] = [np.zeros(0, dtype=int) for _ in days]
    for year in range(first_year + 1, last_year + 1):
        idx = np.where((month_ends > f"{year - 1}-03-31") & (month_ends <= f"{year}-03-31"))[0]
        total = int(starts_int[idx].sum())
        mix = mixes[year] / mixes[year].sum() if year in mixes else band_mix[idx].mean(axis=0)
        exact = mix * total
        counts = np.floor(exact).astype(int)
        remainder_order = np.argsort(-(exact - counts), kind="stable")
        counts[remainder_order[: total - counts.sum()]] += 1
        bands_year = np.repeat(np.arange(N_BANDS), counts)
        rng.shuffle(bands_year)
        chunks = np.split(bands_year, np.cumsum(starts_int[idx])[:-1])
        for month, chunk in zip(idx, chunks, strict=True):
            start_bands[month] = chunk
    return _Profile(
        month_ends=days,
        stock=stock_scaled,
        bands=bands * scale,
        categories=cats * scale,
        starts=starts_int,
        start_bands=start_bands,
        uasc_starts=np.minimum(uasc_int, starts_int),
        scale=scale,
        years=list(range(first_year, last_year + 1)),
    )


# --- the simulation --------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _compiled(table: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    return tuple(label for label, _ in table), list(itertools.accumulate(w for _, w in table))


def _choice(rng: np.random.Generator, table: tuple[tuple[str, float], ...]) -> str:
    """One label drawn from ``(label, weight)`` pairs (weights need not sum to 1)."""
    labels, cumulative = _compiled(table)
    return labels[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _pick(rng: np.random.Generator, weights: np.ndarray) -> int:
    """Index drawn with probability proportional to ``weights``."""
    cumulative = np.cumsum(weights)
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


def _postcodes(rng: np.random.Generator, area: str | np.ndarray, n: int) -> np.ndarray:
    districts = rng.integers(1, 30, n).astype(str)
    sector = rng.integers(0, 10, n).astype(str)
    unit = _LETTERS[rng.integers(0, len(_LETTERS), (n, 2))]
    area = np.broadcast_to(np.asarray(area, dtype=object), (n,))
    return np.array(
        [
            f"{a}{d} {s}{u[0]}{u[1]}"
            for a, d, s, u in zip(area, districts, sector, unit, strict=True)
        ],
        dtype=object,
    )


def _age_in_band(rng: np.random.Generator, band: int) -> float:
    """An age in years within a DfE band; 10-15s skew older and babies younger, as they do."""
    lower = codes.AGE_BAND_LOWER_YEARS[band]
    upper = (1, 5, 10, 16, 18)[band]
    u = rng.random()
    if band == 3:
        u = np.sqrt(u)
    elif band == 0:
        u = u**1.5  # babies mostly come into care in their first months
    return lower + u * (upper - lower) * 0.999


class _Simulation:
    """Month-by-month simulation of one authority's children looked after."""

    def __init__(self, profile: _Profile, rng: np.random.Generator, end_day: int) -> None:
        self.p = profile
        self.rng = rng
        self.end_day = end_day
        capacity = int(profile.stock[0] * 1.2 + profile.starts.sum() * 1.1 + 50)
        self.cap = capacity
        self.n = 0
        z = lambda dtype=np.int64, fill=-1: np.full(capacity, fill, dtype=dtype)  # noqa: E731
        self.child = z()
        self.dob = z()
        self.sex = z(np.int8, 1)
        self.uasc = z(bool, False)
        self.plan = z(np.int8, HOME)
        self.period_start = z()
        self.ep_start = z()
        self.cat = z(np.int8, 0)
        self.active = z(bool, False)
        self.cin = np.full(capacity, "N1", dtype=object)
        self.home_post = np.full(capacity, "", dtype=object)
        self.ep = [None] * capacity  # current episode fields (dict)
        # Pending milestones (day or -1).
        self.ms_ls = z()  # next legal status change
        self.ms_ls_to = np.full(capacity, "", dtype=object)
        self.ms_adopt_place = z()
        self.ms_adopt_exit = z()
        self.ms_longterm = z()
        self.ms_exit = z()  # scheduled exit other than 18th birthday (E15, E14, E3)
        self.ms_exit_rec = np.full(capacity, "", dtype=object)
        self.ms_temp_return = z()
        self.before_temp: list = [None] * capacity
        self.ms_po = z()  # placement order (E1) granted
        self._post_pool: dict[str, list[str]] = {}
        self.b18 = z()
        self.records: list[tuple] = []
        self.children: dict[int, dict] = {}
        self.former: list[tuple[int, int, int]] = []  # (child id, exit day, dob)
        self.used_ids: set[int] = set()
        self._providers()

    # -- helpers ------------------------------------------------------------------------------

    def _providers(self) -> None:
        rng = self.rng

        def urns(n: int) -> np.ndarray:
            return np.array([f"SC{x:06d}" for x in rng.choice(900000, n, replace=False) + 50000])

        self.urn_la_fostering = urns(1)[0]
        self.urn_ifa = urns(14)
        self.urn_la_homes = urns(4)
        self.urn_ext_homes = urns(45)
        self.urn_secure = urns(4)
        self.urn_k3 = urns(10)
        self.post_la_homes = _postcodes(rng, "NB", 4)
        self.post_ext_homes = _postcodes(
            rng, rng.choice(["NB", "NX", "NZ"], 45, p=[0.25, 0.35, 0.4]), 45
        )
        self.post_secure = _postcodes(rng, "NZ", 4)
        self.post_k3 = _postcodes(rng, rng.choice(["NB", "NX"], 10), 10)

    def _post(self, area: str) -> str:
        """A random postcode-looking string in a (non-existent) postcode area."""
        pool = self._post_pool.get(area)
        if not pool:
            pool = list(_postcodes(self.rng, area, 512))
            self._post_pool[area] = pool
        return pool.pop()

    def _new_id(self) -> int:
        while True:
            value = int(self.rng.integers(100000, 1000000))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def age_years(self, i: int | np.ndarray, day: int) -> np.ndarray:
        return (day - self.dob[i]) / 365.25

    def band_of(self, i: np.ndarray, day: int) -> np.ndarray:
        age = self.age_years(i, day)
        return np.searchsorted(np.array(codes.AGE_BAND_LOWER_YEARS[1:]), age, side="right")

    def birthday18(self, i: int) -> int:
        return int(self.b18[i])

    def _placement(self, i: int, cat: int, day: int, *, keep_carer: dict | None = None) -> dict:
        """PLACE, PLACE_PROVIDER, URN and PL_POST for a new placement in category ``cat``."""
        rng = self.rng
        if cat == KIN:
            place, provider, urn = "U3", "PR1", self.urn_la_fostering
            post = self._post(_choice(rng, (("NB", 0.7), ("NX", 0.3))))
        elif cat in (IHF, IFA):
            place = "U6"
            if cat == IHF:
                provider, urn = "PR1", self.urn_la_fostering
                area = _choice(rng, (("NB", 0.85), ("NX", 0.15)))
            else:
                provider = _choice(rng, (("PR4", 0.82), ("PR5", 0.13), ("PR2", 0.05)))
                urn = rng.choice(self.urn_ifa)
                area = _choice(rng, (("NB", 0.5), ("NX", 0.38), ("NZ", 0.12)))
            post = self._post(area)
        elif cat == IHR:
            k = int(rng.integers(0, len(self.urn_la_homes)))
            place = "K2" if rng.random() < 0.95 else "R1"
            provider, urn, post = "PR1", self.urn_la_homes[k], self.post_la_homes[k]
        elif cat == EXR:
            k = int(rng.integers(0, len(self.urn_ext_homes)))
            place = _choice(rng, (("K2", 0.94), ("S1", 0.03), ("R1", 0.03)))
            provider = _choice(rng, (("PR4", 0.9), ("PR5", 0.07), ("PR2", 0.03)))
            urn, post = self.urn_ext_homes[k], self.post_ext_homes[k]
        elif cat == SEC:
            k = int(rng.integers(0, len(self.urn_secure)))
            place, provider, urn, post = "K1", "PR2", self.urn_secure[k], self.post_secure[k]
        elif cat == SUP:
            age = float(self.age_years(i, day))
            provider = _choice(rng, (("PR4", 0.6), ("PR1", 0.2), ("PR5", 0.2)))
            if day >= _K3_DAY and rng.random() < 0.7:
                k = int(rng.integers(0, len(self.urn_k3)))
                place, urn, post = "K3", self.urn_k3[k], self.post_k3[k]
            else:
                place = "P2" if age >= 17 and rng.random() < 0.2 else "H5"
                urn = "XXXXXXX"
                post = self._post(_choice(rng, (("NB", 0.6), ("NX", 0.4))))
        elif cat == PAR:
            place, provider, urn, post = "P1", "PR0", "XXXXXXX", self.home_post[i]
        elif cat == ADO:
            if keep_carer is not None:
                place = "A5"
                provider = (
                    keep_carer["PLACE_PROVIDER"]
                    if keep_carer["PLACE_PROVIDER"] in ("PR1", "PR5")
                    else "PR5"
                )
                urn, post = "XXXXXXX", keep_carer["PL_POST"]
            else:
                place = "A6" if self.ep[i]["LS"] == "E1" else "A4"
                provider = _choice(rng, (("PR1", 0.6), ("PR5", 0.4)))
                urn = "XXXXXXX"
                post = self._post(_choice(rng, (("NB", 0.3), ("NX", 0.4), ("NZ", 0.3))))
        else:  # other
            age = float(self.age_years(i, day))
            if age < 1:
                place, provider = "R3", "PR4"
            elif rng.random() < 0.8 and age >= 10:
                place, provider = "Z1", "PR4"
            else:
                place, provider = "R2", "PR3"
            urn = "XXXXXXX"
            post = self._post("NX")
        if place == "U3" and rng.random() < 0.02 and self.plan[i] == ADOPT:
            place = "U2"
        if place == "U6" and self.plan[i] == ADOPT and cat == IHF and rng.random() < 0.25:
            place = "U5"
        return {
            "PLACE": str(place),
            "PLACE_PROVIDER": str(provider),
            "URN": str(urn),
            "PL_POST": str(post),
        }

    def _close(self, i: int, day: int, rec: str, reason: str | None = None) -> None:
        ep = self.ep[i]
        self.records.append(
            (
                int(self.child[i]),
                int(self.ep_start[i]),
                ep["RNE"],
                ep["LS"],
                self.cin[i],
                ep["PLACE"],
                ep["PLACE_PROVIDER"],
                day,
                rec,
                reason or "",
                self.home_post[i],
                ep["PL_POST"],
                ep["URN"],
            )
        )

    def _open(self, i: int, day: int, rne: str, ls: str, placement: dict, cat: int) -> None:
        self.ep[i] = {"RNE": rne, "LS": ls, **placement}
        self.ep_start[i] = day
        self.cat[i] = cat

    def _change(
        self,
        i: int,
        day: int,
        *,
        ls: str | None = None,
        cat: int | None = None,
        placement: dict | None = None,
        reason: str | None = None,
        same_carer: bool = False,
    ) -> None:
        """End the current episode on ``day`` and start the next (REC X1)."""
        ep = self.ep[i]
        new_ls = ls or ep["LS"]
        moving = placement is not None
        if moving and ls and ls != ep["LS"]:
            rne = "U" if same_carer else "B"
        elif moving:
            rne = "T" if same_carer else "P"
        else:
            rne = "L"
        if moving and self.cat[i] == ADO and cat != ADO:
            # The adoptive placement broke down: no adoption order, the child stays in care.
            self.ms_adopt_exit[i] = -1
            self.plan[i] = LONG
        self._close(i, day, "X1", reason if moving else None)
        self._open(
            i,
            day,
            rne,
            new_ls,
            placement or {k: ep[k] for k in ("PLACE", "PLACE_PROVIDER", "URN", "PL_POST")},
            self.cat[i] if cat is None else cat,
        )
        if moving:
            self._after_placement(i, day)

    def _after_placement(self, i: int, day: int) -> None:
        place = self.ep[i]["PLACE"]
        self.ms_longterm[i] = -1
        if place in ("U6", "U3") and self.plan[i] in (LONG, SGO) and self.rng.random() < 0.6:
            self.ms_longterm[i] = day + int(self.rng.integers(150, 540))

    def _exit(self, i: int, day: int, rec: str) -> None:
        self._close(i, day, rec)
        self.active[i] = False
        if rec in ("E4A", "E4B", "E41", "E8", "E13") and not self.uasc[i]:
            self.former.append((int(self.child[i]), day, int(self.dob[i]), i))

    # -- tilting ------------------------------------------------------------------------------

    def _counts(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(self.active[: self.n])
        cats = np.bincount(self.cat[idx], minlength=N_CATEGORIES)
        bands = np.bincount(self.band_of(idx, day), minlength=N_BANDS)
        return cats.astype(float), bands.astype(float)

    @staticmethod
    def _gap(target: np.ndarray, current: np.ndarray) -> np.ndarray:
        return (target - current) / (target + 3.0)

    def _destination(self, i: int, day: int, gap: np.ndarray, exclude: int | None = None) -> int:
        band = int(self.band_of(np.array([i]), day)[0])
        age = float(self.age_years(i, day))
        weights = _PLACE_WEIGHTS[band].copy()
        if age < 16:
            weights[SUP] = 0.0
        if age < 12:
            weights[SEC] = 0.0
        if self.plan[i] == SGO:
            weights[KIN] *= 3.0
        if self.plan[i] == ADOPT:
            weights[[KIN, PAR, OTH]] *= 0.1
        if self.uasc[i]:
            weights = np.zeros(N_CATEGORIES)
            weights[[IHF, IFA, SUP]] = (0.2, 0.8, 0.0) if age < 16 else (0.05, 0.3, 0.65)
        tilt = np.clip(np.exp(5.0 * gap), 0.05, 25.0)
        weights = weights * tilt
        if exclude is not None and weights.sum() - weights[exclude] > 0:
            weights[exclude] *= 0.15
        chosen = _pick(self.rng, weights)
        if chosen in (IHR, EXR):
            # Residential numbers are small, so the council's own homes fill whenever they are
            # below target (they are usually full in practice).
            if gap[IHR] > gap[EXR] + 0.05:
                in_house = 0.75
            elif gap[IHR] < gap[EXR] - 0.05:
                in_house = 0.1
            else:
                in_house = 0.34
            chosen = IHR if self.rng.random() < in_house else EXR
        return chosen

    # -- entries ------------------------------------------------------------------------------

    def _admit(
        self, day: int, band: int, uasc: bool, gap: np.ndarray, sibling_of: int | None
    ) -> int:
        rng = self.rng
        i = self.n
        self.n += 1
        reentry = None
        if uasc:
            age = (
                float(_choice(rng, ((14, 0.05), (15, 0.15), (16, 0.42), (17, 0.38))))
                + rng.random() * 0.95
            )
        elif band == 0 and rng.random() < 0.6:
            age = rng.integers(0, 8) / 365.25  # newborns taken into care at birth
        else:
            age = _age_in_band(rng, band)
            if rng.random() < 0.1 and self.former:
                reentry = self._reentry(day, band)
        if reentry is not None:
            child_id, dob = reentry
            self.child[i] = child_id
            self.dob[i] = dob
            info = self.children[child_id]
            self.sex[i] = info["sex"]
        else:
            child_id = self._new_id()
            self.child[i] = child_id
            self.dob[i] = day - int(round(age * 365.25))
            male = 0.92 if uasc else 0.53
            self.sex[i] = 1 if rng.random() < male else 2
            self.children[child_id] = {
                "sex": int(self.sex[i]),
                "dob": int(self.dob[i]),
                "ethnic": str(_choice(rng, _UASC_ETHNIC if uasc else _ETHNIC)),
                "uasc": uasc,
            }
        self.uasc[i] = uasc
        self.active[i] = True
        self.period_start[i] = day
        self.b18[i] = _birthday_day(int(self.dob[i]), 18)
        if sibling_of is not None:
            self.home_post[i] = self.home_post[sibling_of]
            self.cin[i] = self.cin[sibling_of]
        else:
            self.home_post[i] = "" if uasc else self._post("NB")
            self.cin[i] = (
                "N8"
                if uasc
                else str(
                    _choice(
                        rng,
                        (
                            ("N1", 0.72),
                            ("N5", 0.15),
                            ("N4", 0.06),
                            ("N2", 0.02),
                            ("N3", 0.02),
                            ("N6", 0.02),
                            ("N8", 0.01),
                        ),
                    )
                )
            )
        if uasc:
            plan = UASC
        else:
            plan = _pick(rng, _PLAN_BY_BAND[band])
            if plan == REMAND and age < 12:
                plan = HOME
        self.plan[i] = plan
        # Legal status on entry.
        if plan == UASC:
            ls = "V2"
        elif plan == REMAND:
            ls = "J1"
            self.cin[i] = "N6"
        elif sibling_of is not None and self.ep[sibling_of] is not None:
            ls = (
                self.ep[sibling_of]["LS"]
                if self.ep[sibling_of]["LS"] in ("C1", "V2", "L1", "L2")
                else "C1"
            )
        else:
            mix = [
                (("C1", 0.58), ("V2", 0.30), ("L1", 0.06), ("L2", 0.06)),
                (("C1", 0.50), ("V2", 0.38), ("L1", 0.08), ("L2", 0.04)),
                (("C1", 0.45), ("V2", 0.45), ("L1", 0.08), ("L2", 0.02)),
                (("C1", 0.33), ("V2", 0.58), ("L1", 0.08), ("L2", 0.01)),
                (("C1", 0.12), ("V2", 0.83), ("L1", 0.05)),
            ][band]
            ls = str(_choice(rng, mix))
        cat = SEC if plan == REMAND and rng.random() < 0.3 else self._destination(i, day, gap)
        if plan == REMAND and cat in (KIN, PAR, ADO, OTH, SUP):
            cat = IFA
        self.ep[i] = {"LS": ls}
        placement = self._placement(i, cat, day)
        self._open(i, day, "S", ls, placement, cat)
        self._after_placement(i, day)
        self._plan_milestones(i, day, ls)
        return i

    def _reentry(self, day: int, band: int) -> tuple[int, int] | None:
        # Only children who left before this collection year began, so a child never starts
        # twice in one year (DfE counts each child once).
        date = pd.Timestamp(EPOCH + np.timedelta64(day, "D"))
        year_start = _day(f"{date.year - (1 if date.month < 4 else 0)}-04-01")
        for k in range(len(self.former) - 1, -1, -1):
            child_id, exit_day, dob, _ = self.former[k]
            if exit_day >= year_start or day - exit_day < 180:
                continue
            age = (day - dob) / 365.25
            b = int(np.searchsorted(np.array(codes.AGE_BAND_LOWER_YEARS[1:]), age, side="right"))
            if b == band and age < 17:
                self.former.pop(k)
                return child_id, dob
        return None

    def _plan_milestones(self, i: int, day: int, ls: str) -> None:
        rng = self.rng
        plan = self.plan[i]
        if ls in ("L1", "L2"):
            self.ms_ls[i] = day + int(rng.integers(1, 4 if ls == "L1" else 8))
            self.ms_ls_to[i] = "C1" if plan in (ADOPT, SGO) or rng.random() < 0.4 else "V2"
        elif ls == "C1":
            if plan != HOME or rng.random() < 0.3:
                self.ms_ls[i] = day + int(rng.integers(150, 400))
                self.ms_ls_to[i] = "C2"
        elif ls == "V2" and plan in (LONG, SGO, ADOPT) and rng.random() < 0.6:
            self.ms_ls[i] = day + int(rng.integers(20, 200))
            self.ms_ls_to[i] = "C1"
        if plan == ADOPT:
            if rng.random() < 0.12:
                self.plan[i] = LONG  # the adoption plan falls through
            else:
                po = day + int(rng.integers(300, 480))
                self.ms_adopt_place[i] = po + int(rng.integers(30, 240))
                self.ms_exit[i] = -1
                self.ms_adopt_exit[i] = -2  # set when placed
                self.ms_po[i] = po
        elif plan == UASC:
            r = rng.random()
            if r < 0.05:
                self.ms_exit[i], self.ms_exit_rec[i] = day + int(rng.integers(15, 90)), "E15"
            elif r < 0.10:
                self.ms_exit[i], self.ms_exit_rec[i] = day + int(rng.integers(10, 60)), "E3"
        elif plan == REMAND:
            self.ms_exit[i] = day + int(rng.integers(10, 120))
            self.ms_exit_rec[i] = "E14" if rng.random() < 0.8 else "E9"

    # -- monthly steps ------------------------------------------------------------------------

    def run(self) -> None:
        p = self.p
        self._initial_stock()
        for m in range(1, len(p.month_ends)):
            d0, d1 = int(p.month_ends[m - 1]) + 1, int(p.month_ends[m])
            cats, _ = self._counts(d0)
            gap = self._gap(p.categories[m], cats)
            self._entries(m, d0, d1, gap)
            self._milestones(d0, d1, gap[ADO])
            cats, _ = self._counts(d1)
            gap = self._gap(p.categories[m], cats)
            self._moves(m, d0, d1, gap)
            self._exits(m, d0, d1)

    def _initial_stock(self) -> None:
        p, rng = self.p, self.rng
        day0 = int(p.month_ends[0])
        n0 = int(round(p.stock[0]))
        band_counts = rng.multinomial(n0, p.bands[0] / p.bands[0].sum())
        cat_target = p.categories[0].copy()
        for band, count in enumerate(band_counts):
            for _ in range(count):
                i = self.n
                self.n += 1
                age = _age_in_band(rng, band)
                child_id = self._new_id()
                self.child[i] = child_id
                self.dob[i] = day0 - int(round(age * 365.25))
                self.sex[i] = 1 if rng.random() < 0.52 else 2
                self.children[child_id] = {
                    "sex": int(self.sex[i]),
                    "dob": int(self.dob[i]),
                    "ethnic": str(_choice(rng, _ETHNIC)),
                    "uasc": False,
                }
                self.active[i] = True
                in_care = min(age, rng.exponential(2.5)) * 365.25
                self.period_start[i] = max(day0 - max(1, int(in_care)), int(self.dob[i]))
                self.home_post[i] = self._post("NB")
                self.cin[i] = str(
                    _choice(
                        rng, (("N1", 0.7), ("N5", 0.17), ("N4", 0.07), ("N2", 0.03), ("N6", 0.03))
                    )
                )
                self.plan[i] = int(_choice(rng, ((HOME, 0.25), (LONG, 0.6), (SGO, 0.15))))
                self.b18[i] = _birthday_day(int(self.dob[i]), 18)
                weights = _PLACE_WEIGHTS[band].copy()
                if band < 3:
                    weights[ADO] = 0.1
                if age < 16:
                    weights[SUP] = 0
                if age < 12:
                    weights[SEC] = 0
                weights *= np.clip(cat_target, 0.01, None)
                weights[OTH] *= 0.1
                cat = _pick(rng, weights)
                cat_target[cat] = max(cat_target[cat] - 1, 0.01)
                if cat == ADO:
                    self.plan[i] = ADOPT
                    ls = "E1"
                else:
                    ls = str(_choice(rng, (("C2", 0.72), ("V2", 0.2), ("C1", 0.08))))
                ep_start = max(int(self.period_start[i]), day0 - int(rng.exponential(1.3) * 365.25))
                ep_start = min(ep_start, day0)
                self.ep[i] = {"LS": ls}
                placement = self._placement(i, cat, day0)
                if ep_start == self.period_start[i]:
                    rne = "S"
                else:
                    rne = str(_choice(rng, (("P", 0.65), ("L", 0.2), ("T", 0.15))))
                self._open(i, ep_start, rne, ls, placement, cat)
                if cat == ADO:
                    self.ms_adopt_exit[i] = day0 + int(rng.integers(20, 250))
                elif ls == "C1":
                    self.ms_ls[i], self.ms_ls_to[i] = day0 + int(rng.integers(20, 200)), "C2"
                self._after_placement(i, ep_start)

    def _entries(self, m: int, d0: int, d1: int, gap: np.ndarray) -> None:
        rng = self.rng
        n = int(self.p.starts[m])
        if n <= 0:
            return
        n_uasc = int(self.p.uasc_starts[m])
        days = np.sort(rng.integers(d0, d1 + 1, n))
        bands = self.p.start_bands[m]
        uasc_flags = np.zeros(n, dtype=bool)
        if n_uasc:
            # Asylum-seeking children are mostly 16-17: they take the month's oldest starts.
            oldest = np.argsort(-bands - rng.random(n) * 0.5, kind="stable")
            uasc_flags[oldest[:n_uasc]] = True
        previous = None
        for k in range(n):
            sibling = None
            if (
                previous is not None
                and not uasc_flags[k]
                and not self.uasc[previous]
                and bands[k] < 4
                and rng.random() < 0.22
            ):
                sibling = previous
                days[k] = self.period_start[previous]
            previous = self._admit(int(days[k]), int(bands[k]), bool(uasc_flags[k]), gap, sibling)

    def _milestones(self, d0: int, d1: int, adoption_gap: float = 0.0) -> None:
        rng, n = self.rng, self.n
        # Court and matching timetables flex by a month or two: when fewer children are placed
        # for adoption than the target, placements come forward and adoption orders slip; when
        # more are, adoption orders come forward and placements slip.
        place_ahead = 120 if adoption_gap > 0.15 else 0
        order_ahead = 90 if adoption_gap < -0.15 else 0
        due = self.b18[:n] <= d1
        due |= (self.ms_adopt_place[:n] >= 0) & (self.ms_adopt_place[:n] <= d1 + place_ahead)
        due |= (self.ms_adopt_exit[:n] >= 0) & (self.ms_adopt_exit[:n] <= d1 + order_ahead)
        for ms in (
            self.ms_adopt_exit,
            self.ms_exit,
            self.ms_temp_return,
            self.ms_po,
            self.ms_adopt_place,
            self.ms_ls,
            self.ms_longterm,
        ):
            due |= (ms[:n] >= 0) & (ms[:n] <= d1)
        for i in np.flatnonzero(self.active[:n] & due):
            i = int(i)
            start = int(self.ep_start[i])
            b18 = self.birthday18(i)
            if b18 <= d1:
                self._exit(i, max(b18, start + 1) if b18 > start else start + 1, self._rec_at_18(i))
                continue
            if self.ms_adopt_exit[i] >= 0 and self.ms_adopt_exit[i] <= d1 + order_ahead:
                if adoption_gap > 0.15 and rng.random() < 0.6:
                    self.ms_adopt_exit[i] += int(rng.integers(30, 75))  # the hearing slips
                    continue
                day = min(max(int(self.ms_adopt_exit[i]), start + 1), d1)
                if day <= d1:
                    self._exit(i, day, "E12" if rng.random() < 0.65 else "E11")
                continue
            if self.ms_exit[i] >= 0 and self.ms_exit[i] <= d1:
                day = max(int(self.ms_exit[i]), start + 1)
                if day <= d1:
                    self._exit(i, day, str(self.ms_exit_rec[i]))
                continue
            if self.ms_temp_return[i] >= 0 and self.ms_temp_return[i] <= d1:
                day = max(int(self.ms_temp_return[i]), start + 1)
                if day <= d1:
                    self.ms_temp_return[i] = -1
                    placement, cat = self.before_temp[i]
                    self._change(i, day, cat=cat, placement=placement, reason="OTHER")
                continue
            po_day = int(self.ms_po[i])
            if 0 <= po_day <= d1:
                day = max(po_day, start + 1)
                if day <= d1:
                    self.ms_po[i] = -1
                    self.ms_ls[i] = -1
                    self._change(i, day, ls="E1")
                continue
            if (
                self.ms_adopt_place[i] >= 0
                and self.ms_adopt_place[i] <= d1 + place_ahead
                and self.ep[i]["LS"] == "E1"
            ):
                if adoption_gap < -0.15 and rng.random() < 0.6:
                    self.ms_adopt_place[i] += int(rng.integers(30, 75))  # matching takes longer
                    continue
                day = min(max(int(self.ms_adopt_place[i]), start + 1), d1)
                if day <= d1:
                    self.ms_adopt_place[i] = -1
                    current = self.ep[i]
                    with_carers = current["PLACE"] in ("U4", "U5", "U6") and rng.random() < (
                        0.9 if current["PLACE"] == "U5" else 0.3
                    )
                    placement = self._placement(
                        i, ADO, day, keep_carer=current if with_carers else None
                    )
                    self._change(
                        i,
                        day,
                        cat=ADO,
                        placement=placement,
                        reason="PLACE" if with_carers else "CARPL",
                        same_carer=with_carers,
                    )
                    self.ms_adopt_exit[i] = day + int(rng.integers(120, 330))
                continue
            if self.ms_ls[i] >= 0 and self.ms_ls[i] <= d1:
                day = max(int(self.ms_ls[i]), start + 1)
                if day <= d1:
                    to = str(self.ms_ls_to[i])
                    self.ms_ls[i] = -1
                    ep = self.ep[i]
                    longterm_soon = 0 <= self.ms_longterm[i] <= d1 + 90
                    if to == "C2" and longterm_soon and ep["PLACE"] in ("U6", "U3"):
                        # The full care order and long-term fostering with the same carers are
                        # agreed together (RNE U).
                        self.ms_longterm[i] = -1
                        placement = {
                            **{k: ep[k] for k in ("PLACE_PROVIDER", "URN", "PL_POST")},
                            "PLACE": "U4" if ep["PLACE"] == "U6" else "U1",
                        }
                        self._change(
                            i, day, ls=to, placement=placement, reason="CARPL", same_carer=True
                        )
                    else:
                        self._change(i, day, ls=to)
                    if to == "C1" and (self.plan[i] != HOME or rng.random() < 0.3):
                        self.ms_ls[i], self.ms_ls_to[i] = day + int(rng.integers(150, 400)), "C2"
                continue
            if self.ms_longterm[i] >= 0 and self.ms_longterm[i] <= d1:
                day = max(int(self.ms_longterm[i]), start + 1)
                if day <= d1:
                    self.ms_longterm[i] = -1
                    ep = self.ep[i]
                    if ep["PLACE"] in ("U6", "U3"):
                        placement = {
                            **{k: ep[k] for k in ("PLACE_PROVIDER", "URN", "PL_POST")},
                            "PLACE": "U4" if ep["PLACE"] == "U6" else "U1",
                        }
                        self._change(i, day, placement=placement, reason="PLACE", same_carer=True)
                        self.ms_longterm[i] = -1

    def _rec_at_18(self, i: int) -> str:
        cat = self.cat[i]
        if self.uasc[i]:
            table = (
                ("E5", 0.45),
                ("E6", 0.1),
                ("E8", 0.3),
                ("E17", 0.15 if cat in (IHF, IFA) else 0.0),
            )
        elif cat in (KIN, IHF, IFA):
            table = (("E17", 0.3), ("E8", 0.35), ("E5", 0.2), ("E6", 0.05), ("E4A", 0.1))
        elif cat == SUP:
            table = (("E5", 0.45), ("E6", 0.15), ("E8", 0.4))
        elif cat == PAR:
            table = (("E8", 0.5), ("E4A", 0.5))
        else:
            table = (("E8", 0.45), ("E5", 0.3), ("E6", 0.1), ("E7", 0.05), ("E4A", 0.1))
        return str(_choice(self.rng, table))

    def _moves(self, m: int, d0: int, d1: int, gap: np.ndarray) -> None:
        rng = self.rng
        idx = np.flatnonzero(self.active[: self.n] & (self.ep_start[: self.n] < d1))
        if not len(idx):
            return
        cat = self.cat[idx]
        rate = _MOVE_RATE[cat] * (1.0 + 5.0 * np.clip(-gap[cat], 0, None))
        # Categories below target pull children who could live there (supported from 16,
        # residential from 10, foster and parents at any age).
        age = self.age_years(idx, d1)
        pull = np.clip(gap[[KIN, IHF, IFA, PAR]], 0, None).max() * np.ones(len(idx))
        pull = np.maximum(
            pull, np.where(age >= 10, np.clip(gap[[IHR, EXR, OTH]], 0, None).max(), 0)
        )
        rate = rate + 0.03 * np.clip(pull, 0, 1) * (cat != ADO) * (cat != PAR) * (cat != KIN)
        rate = rate + np.where((age >= 16) & (cat != SUP), 0.15 * np.clip(gap[SUP], 0, 1), 0)
        # Children on an adoption track, in temporary placements or about to be adopted stay put.
        rate[(self.plan[idx] == ADOPT) & (cat == ADO)] = 0.002
        rate[self.ms_temp_return[idx] >= 0] = 0.0
        movers = idx[rng.random(len(idx)) < rate]
        for i in movers:
            i = int(i)
            start = int(self.ep_start[i])
            day = int(rng.integers(max(d0, start + 1), d1 + 1))
            current = int(self.cat[i])
            if current in (IHF, IFA) and rng.random() < 0.12:
                # Temporary placement (carer's holiday or a short emergency), then back.
                self.before_temp[i] = (
                    {k: self.ep[i][k] for k in ("PLACE", "PLACE_PROVIDER", "URN", "PL_POST")},
                    current,
                )
                temp = {
                    "PLACE": "T3" if rng.random() < 0.5 else "T4",
                    "PLACE_PROVIDER": "PR1",
                    "URN": "XXXXXXX",
                    "PL_POST": self._post("NB"),
                }
                self._change(i, day, cat=OTH, placement=temp, reason="OTHER")
                self.ms_temp_return[i] = day + int(rng.integers(2, 8))
                continue
            dest = self._destination(i, day, gap, exclude=None)
            if dest == ADO:
                dest = IFA
            over = gap[current] < -0.1 and dest != current
            if current == SEC or current == OTH:
                reason = "CARPL"
            elif over:
                reason = "CARPL"
            else:
                age = float(self.age_years(i, day))
                if age < 5:
                    reason = _choice(rng, _REASONS_UNDER_5)
                elif age < 10:
                    reason = _choice(rng, _REASONS_UNDER_10)
                else:
                    reason = _choice(rng, _CARER_REASONS)
            placement = self._placement(i, dest, day)
            change_ls = None
            if self.ms_ls[i] >= 0 and self.ms_ls[i] <= d1 + 60 and rng.random() < 0.5:
                change_ls = str(self.ms_ls_to[i])
                self.ms_ls[i] = -1
            self._change(i, day, ls=change_ls, cat=dest, placement=placement, reason=reason)

    def _exits(self, m: int, d0: int, d1: int) -> None:
        rng, p = self.rng, self.p
        active = np.flatnonzero(self.active[: self.n])
        quota = int(len(active) - round(p.stock[m]))
        if quota <= 0:
            return
        eligible = (
            (self.plan[active] != UASC)
            & (self.plan[active] != REMAND)
            & ~((self.plan[active] == ADOPT) & (self.ms_adopt_exit[active] >= 0))
            & (self.ep_start[active] < d1)
            & (self.ms_temp_return[active] < 0)
        )
        cand = active[eligible]
        if not len(cand):
            return
        months_in = (d1 - self.period_start[cand]) / 30.44
        plan = self.plan[cand]
        w = np.full(len(cand), 0.04)
        home = plan == HOME
        w[home] = np.where(
            months_in[home] < 2,
            2.2,
            np.where(months_in[home] < 6, 1.1, np.where(months_in[home] < 18, 0.5, 0.2)),
        )
        sgo = plan == SGO
        w[sgo] = np.where(months_in[sgo] < 8, 0.05, np.where(months_in[sgo] < 30, 1.6, 0.5))
        w[plan == ADOPT] = 0.01  # adoption plans leaving another way (rare)
        cat = self.cat[cand]
        w[(cat == KIN) & (months_in > 8)] *= 2.0
        w[cat == ADO] *= 0.05
        cats, bands = self._counts(d1)
        band = self.band_of(cand, d1)
        band_factor = np.clip(np.exp(-8.0 * self._gap(p.bands[m], bands)), 0.02, 50.0)
        cat_factor = np.clip(np.exp(-4.0 * self._gap(p.categories[m], cats)), 0.1, 10.0)
        w = w * band_factor[band] * cat_factor[cat]
        quota = min(quota, len(cand))
        chosen = rng.choice(len(cand), size=quota, replace=False, p=w / w.sum())
        for k in chosen:
            i = int(cand[k])
            start = int(self.ep_start[i])
            day = int(rng.integers(max(d0, start + 1), d1 + 1))
            self._exit(i, day, self._rec_selected(i, months_in[k]))

    def _rec_selected(self, i: int, months_in: float) -> str:
        cat, plan = self.cat[i], self.plan[i]
        age = float(self.age_years(i, int(self.ep_start[i])))
        # Mixes follow the published reasons for the calibration authority (2020-2024: about
        # 10% adopted, 22% special guardianship, 16% child arrangements orders, a third "any
        # other reason" and the rest mostly home or 18+), attributed by placement.
        if cat == KIN and months_in >= 8:
            table = (("E45", 0.38), ("E47", 0.22), ("E41", 0.2), ("E4A", 0.05), ("E8", 0.15))
        elif cat == PAR:
            table = (("E41", 0.3), ("E4A", 0.2), ("E8", 0.45), ("E4B", 0.05))
        elif plan == SGO and months_in >= 8 or cat in (IHF, IFA) and months_in >= 18:
            table = (("E46", 0.35), ("E48", 0.2), ("E41", 0.15), ("E4A", 0.1), ("E8", 0.2))
        else:
            table = [
                ("E4A", 0.15),
                ("E8", 0.44),
                ("E41", 0.19),
                ("E4B", 0.04),
                ("E13", 0.03),
                ("E3", 0.04),
                ("E16", 0.004),
                ("E2", 0.002),
            ]
            if age >= 15:
                table.append(("E9", 0.015))
            if self.cin[i] == "N2" and age >= 17:
                table.append(("E7", 0.05))
            table = tuple(table)
        return str(_choice(self.rng, table))

    # -- output -------------------------------------------------------------------------------

    def episodes(self) -> pd.DataFrame:
        open_rows = []
        for i in np.flatnonzero(self.active[: self.n]):
            i = int(i)
            ep = self.ep[i]
            open_rows.append(
                (
                    int(self.child[i]),
                    int(self.ep_start[i]),
                    ep["RNE"],
                    ep["LS"],
                    self.cin[i],
                    ep["PLACE"],
                    ep["PLACE_PROVIDER"],
                    np.nan,
                    "",
                    "",
                    self.home_post[i],
                    ep["PL_POST"],
                    ep["URN"],
                )
            )
        frame = pd.DataFrame(self.records + open_rows, columns=list(EPISODE_COLUMNS))
        return frame


def _short_breaks(
    rng: np.random.Generator, start_day: int, end_day: int, scale: float, sim: _Simulation
) -> list[tuple]:
    """Children accommodated only under agreed series of short breaks (V3/V4)."""
    rows = []
    n_children = max(2, int(round(8 * scale * (end_day - start_day) / 365.25 / 3)))
    home = sim.urn_la_homes[0]
    home_post = sim.post_la_homes[0]
    for _ in range(n_children):
        child_id = sim._new_id()
        first = int(rng.integers(start_day, end_day - 60))
        age = 6 + rng.random() * 9
        dob = first - int(age * 365.25)
        last = min(end_day, first + int(rng.uniform(1.0, 4.0) * 365.25), dob + int(17.9 * 365.25))
        sim.children[child_id] = {
            "sex": 1 if rng.random() < 0.6 else 2,
            "dob": dob,
            "ethnic": str(_choice(rng, _ETHNIC)),
            "uasc": False,
        }
        ls = "V3" if rng.random() < 0.7 else "V4"
        post = sim._post("NB")
        day = first
        while day + 3 < last:
            nights = int(rng.integers(1, 4))
            if ls == "V3":
                place, provider, urn, pl_post = "K2", "PR1", home, home_post
            else:
                place, provider, urn = "U6", "PR1", sim.urn_la_fostering
                pl_post = sim._post("NB")
            rows.append(
                (
                    child_id,
                    day,
                    "S",
                    ls,
                    "N2",
                    place,
                    provider,
                    day + nights,
                    "E4A",
                    "",
                    post,
                    pl_post,
                    urn,
                )
            )
            day += nights + int(rng.integers(21, 60))
    return rows


def generate_authority(
    targets: pd.DataFrame | None = None,
    *,
    seed: int = DEMO_SEED,
    scale: float = 1.0,
    first_year: int = SIMULATION_FIRST_YEAR,
    last_year: int = DEMO_LAST_YEAR,
) -> dict[str, pd.DataFrame]:
    """Simulate a synthetic authority and return its complete 903 history.

    Parameters
    ----------
    targets : pandas.DataFrame, optional
        Calibration targets (see :func:`load_calibration_targets`); defaults to the demo's.
    seed : int
        Random seed: the same seed gives identical output.
    scale : float
        Multiplies every count (stock, starts, placements) to make a bigger or smaller authority.
    first_year, last_year : int
        The simulation runs from 31 March ``first_year`` to 31 March ``last_year``; years beyond
        the targets repeat the last published year.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``header``, ``episodes`` and ``uasc`` with 903 column names; dates are datetime64 and
        DEC is missing for episodes still open on 31 March ``last_year``.
    """
    if targets is None:
        targets = load_calibration_targets()
    rng = np.random.default_rng(seed)
    profile = _build_profile(targets, first_year, last_year, scale, rng)
    end_day = int(profile.month_ends[-1])
    sim = _Simulation(profile, rng, end_day)
    sim.run()
    episodes = sim.episodes()
    breaks = _short_breaks(rng, int(profile.month_ends[0]) - 365, end_day, scale, sim)
    if breaks:
        episodes = pd.concat(
            [episodes, pd.DataFrame(breaks, columns=list(EPISODE_COLUMNS))], ignore_index=True
        )
    episodes = episodes.sort_values(["CHILD", "DECOM"], kind="mergesort").reset_index(drop=True)
    episodes["DECOM"] = _to_timestamps(episodes["DECOM"].to_numpy())
    episodes["DEC"] = _to_timestamps(episodes["DEC"].to_numpy())
    for column in EPISODE_COLUMNS:
        if column not in ("DECOM", "DEC"):
            episodes[column] = episodes[column].astype(str).replace("", np.nan)
    episodes.loc[episodes["DEC"].isna(), ["REC", "REASON_PLACE_CHANGE"]] = np.nan

    ids = np.array(sorted(sim.children), dtype=np.int64)
    info = [sim.children[c] for c in ids]
    header = pd.DataFrame(
        {
            "CHILD": ids.astype(str),
            "SEX": [str(x["sex"]) for x in info],
            "DOB": _to_timestamps(np.array([x["dob"] for x in info])),
            "ETHNIC": [x["ethnic"] for x in info],
            "UPN": [
                f"{_LETTERS[rng.integers(0, len(_LETTERS))]}{rng.integers(10**11, 10**12)}"
                for _ in ids
            ],
            "MOTHER": np.nan,
            "MC_DOB": pd.NaT,
        }
    )
    # A few older girls are mothers themselves (MOTHER=1 with the baby's date of birth).
    girls = np.flatnonzero((header["SEX"] == "2").to_numpy())
    mothers = rng.choice(girls, size=max(1, len(girls) // 150), replace=False) if len(girls) else []
    header["MOTHER"] = header["MOTHER"].astype(object)
    for k in mothers:
        mc = header.at[k, "DOB"] + pd.Timedelta(
            days=int(rng.integers(int(15.5 * 365), int(17.5 * 365)))
        )
        header.at[k, "MOTHER"] = "1"
        header.at[k, "MC_DOB"] = mc
    uasc_ids = [c for c in ids if sim.children[c]["uasc"]]
    uasc = header[header["CHILD"].isin([str(c) for c in uasc_ids])][["CHILD", "SEX", "DOB"]].copy()
    assessed = episodes[episodes["REC"] == "E15"].groupby("CHILD")["DEC"].max()
    duc = uasc["DOB"] + pd.DateOffset(years=18)
    assessed_on = pd.Series(
        pd.to_datetime(assessed.reindex(uasc["CHILD"].to_numpy()).to_numpy()), index=uasc.index
    )
    uasc["DUC"] = assessed_on.fillna(duc)
    return {
        "header": header.reset_index(drop=True),
        "episodes": episodes,
        "uasc": uasc.reset_index(drop=True),
    }


def generate_demo_authority(
    targets: pd.DataFrame | None = None, *, seed: int = DEMO_SEED
) -> dict[str, pd.DataFrame]:
    """The demo authority's complete history, 31 March 2012 to 31 March 2024 (see
    :func:`generate_authority`)."""
    return generate_authority(
        targets, seed=seed, scale=1.0, first_year=SIMULATION_FIRST_YEAR, last_year=DEMO_LAST_YEAR
    )


# --- extracts ---------------------------------------------------------------------------------


def _fmt(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime(DATE_FORMAT).astype(object).where(dates.notna(), "")


def _extract(
    tables: dict[str, pd.DataFrame], start: pd.Timestamp | None, end: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """Episodes open at any time from ``start`` to ``end`` as 903 text tables; episodes still
    open on ``end`` have DEC, REC and REASON_PLACE_CHANGE blank."""
    episodes = tables["episodes"]
    keep = episodes["DECOM"] <= end
    if start is not None:
        keep &= episodes["DEC"].isna() | (episodes["DEC"] >= start)
    out = episodes.loc[keep].copy()
    still_open = out["DEC"].isna() | (out["DEC"] > end)
    out.loc[still_open, "DEC"] = pd.NaT
    out.loc[still_open, ["REC", "REASON_PLACE_CHANGE"]] = np.nan
    out["DECOM"] = _fmt(out["DECOM"])
    out["DEC"] = _fmt(out["DEC"])
    out = out.fillna("")
    children = set(out["CHILD"])
    header = tables["header"][tables["header"]["CHILD"].isin(children)].copy()
    header["DOB"] = _fmt(header["DOB"])
    header["MC_DOB"] = _fmt(pd.to_datetime(header["MC_DOB"]))
    header = header.fillna("")
    uasc = tables["uasc"][tables["uasc"]["CHILD"].isin(children)].copy()
    uasc["DOB"] = _fmt(uasc["DOB"])
    duc = pd.to_datetime(uasc["DUC"])
    uasc["DUC"] = _fmt(duc.where(duc <= end))
    return {
        "header": header.reset_index(drop=True),
        "episodes": out.reset_index(drop=True),
        "uasc": uasc.reset_index(drop=True),
    }


def yearly_extract(tables: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """The 903 return for the collection year ending 31 March ``year``, as text columns.

    Holds every episode open at any time from 1 April ``year - 1`` to 31 March ``year``; episodes
    still open on 31 March have DEC, REC and REASON_PLACE_CHANGE blank, exactly as a real
    extract (the same episode reappears in the next year's extract with DEC filled).
    """
    return _extract(tables, pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31"))


def write_yearly_extracts(
    tables: dict[str, pd.DataFrame], folder: str | Path, years: range | list[int]
) -> list[Path]:
    """Write ``903_<year>/header.csv``, ``episodes.csv`` and ``uasc.csv`` for each year."""
    folder = Path(folder)
    written = []
    for year in years:
        extract = yearly_extract(tables, year)
        target = folder / f"903_{year}"
        target.mkdir(parents=True, exist_ok=True)
        for name, frame in extract.items():
            path = target / f"{name}.csv"
            write_csv(frame, path)
            written.append(path)
    return written


def to_903_text(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """All of an authority's history as one extract, with dd/mm/yyyy text dates, ending on the
    last 31 March the history covers."""
    last = tables["episodes"]["DECOM"].max()
    end = pd.Timestamp(f"{last.year + (1 if last.month > 3 else 0)}-03-31")
    return _extract(tables, None, end)


def generate_large_authority(
    years: int = 10,
    target_episodes: int = 60_000,
    seed: int = 2024,
    *,
    last_year: int = 2025,
    out_dir: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """A big synthetic authority for ingestion and stock benchmarks.

    The demo authority's calibration scaled up so that about ``target_episodes`` episodes start
    in the ``years`` collection years ending 31 March ``last_year`` (plus the episodes already
    open when that window starts).

    Parameters
    ----------
    years : int
        Number of collection years of history.
    target_episodes : int
        Roughly how many episode rows to produce (within about 10%).
    seed : int
        Random seed.
    last_year : int
        Last collection year; from April 2024 supported accommodation uses the K3 code.
    out_dir : str or Path, optional
        If given, the yearly extracts are also written there (``903_<year>/...``).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``header``, ``episodes``, ``uasc`` as 903 text tables (dd/mm/yyyy dates, DEC blank
        for open episodes), all years in one extract.
    """
    targets = load_calibration_targets()
    first_year = last_year - years

    def run(scale: float) -> dict[str, pd.DataFrame]:
        return generate_authority(
            targets, seed=seed, scale=scale, first_year=first_year, last_year=last_year
        )

    # A small pilot run measures episodes per unit of scale; episodes grow linearly with it.
    pilot_scale = 1.0
    pilot = run(pilot_scale)
    scale = pilot_scale * target_episodes / max(len(pilot["episodes"]), 1)
    tables = run(scale)
    if out_dir is not None:
        write_yearly_extracts(tables, out_dir, range(first_year + 1, last_year + 1))
    return to_903_text(tables)
