"""An authority beside its region, England and its neighbours, from the published tables.

Statistical neighbours: the DfE Children's Services Statistical Neighbour Benchmarking Tool is not
available on this machine, so :func:`statistical_neighbours` derives neighbours openly from
published context figures (ONS mid-2023: children aged 0-17, people per square km, share of the
population aged 0-17, median age; the kind of authority and its region). They are *not* DfE's statistical
neighbours, which also use deprivation and other census measures; users can replace them with
their own list. Indicators that are being benchmarked (rates of children looked after, starts,
placements) are deliberately not used to pick neighbours.

Indicators (:func:`indicator_table`) are computed from counts: rates per 10,000 children aged 0-17
use the ONS population DfE uses for that year; region and England figures are ratios of sums;
the neighbours' figure is the average of their values (as in DfE's benchmarking tool).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.data import dfe
from sufficiency.errors import InputDataError
from sufficiency.national.panel import BREAKDOWNS, CEASED, CLA, STARTS, Panel
from sufficiency.paths import published_dir

CONTEXT_FILE = "ons_population/ons_mid2023_la_context.csv"

NEIGHBOUR_FEATURES: dict[str, str] = {
    "log_children": "children aged 0-17 (log)",
    "log_density": "people per square km (log)",
    "child_share": "share of the population aged 0-17",
    "median_age": "median age of the population",
}
"""Context figures neighbours are matched on (ONS mid-2023), each standardised across England."""

TYPE_PENALTY = 1.0
"""Added distance (in standard deviations) between authorities of different kinds (county,
unitary, metropolitan district, London borough)."""

REGION_PENALTY = 0.75
"""Added distance between authorities in different regions: with no deprivation measure on this
machine, region stands in (roughly) for the broad geography of need."""

N_NEIGHBOURS = 10


def context(folder: str | Path | None = None) -> pd.DataFrame:
    """ONS mid-2023 context per authority (see :data:`CONTEXT_FILE`'s provenance)."""
    root = Path(folder) if folder is not None else published_dir()
    try:
        frame = pd.read_csv(root / CONTEXT_FILE, dtype={"la_code": str})
    except FileNotFoundError as error:
        raise InputDataError(
            f"{root / CONTEXT_FILE}: missing. Restore data/published/ from the repository."
        ) from error
    return frame


def neighbour_features(folder: str | Path | None = None) -> pd.DataFrame:
    """Standardised :data:`NEIGHBOUR_FEATURES` and ``la_type`` for every current authority."""
    who = dfe.authorities(folder)
    data = who.merge(context(folder), on="la_code", how="inner", suffixes=("", "_ons"))
    features = pd.DataFrame(
        {
            "log_children": np.log(data["population_0_17"]),
            "log_density": np.log(data["people_per_sq_km"]),
            "child_share": data["population_0_17"] / data["population_all_ages"],
            "median_age": data["median_age"],
        }
    )
    features = (features - features.mean()) / features.std()
    features.insert(0, "region_code", data["region_code"].to_numpy())
    features.insert(0, "la_type", data["la_type"].to_numpy())
    features.insert(0, "la_name", data["la_name"].to_numpy())
    features.insert(0, "la_code", data["la_code"].to_numpy())
    return features.reset_index(drop=True)


def statistical_neighbours(
    la_code: str, n: int = N_NEIGHBOURS, folder: str | Path | None = None
) -> pd.DataFrame:
    """The ``n`` authorities closest to ``la_code`` on :data:`NEIGHBOUR_FEATURES`.

    Returns
    -------
    pandas.DataFrame
        ``la_code, la_name, la_type, distance`` (standard deviations; smaller is closer), nearest
        first.

    Raises
    ------
    InputDataError
        For an authority with no ONS context (e.g. one that no longer exists).
    """
    features = neighbour_features(folder)
    row = features.loc[features["la_code"] == la_code]
    if row.empty:
        raise InputDataError(
            f"{la_code}: no ONS mid-2023 figures to match neighbours on (the authority may no "
            "longer exist)."
        )
    columns = list(NEIGHBOUR_FEATURES)
    gap = features[columns].to_numpy() - row[columns].to_numpy()
    distance = np.sqrt((gap**2).sum(axis=1))
    distance = distance + TYPE_PENALTY * (features["la_type"] != row["la_type"].iloc[0])
    distance = distance + REGION_PENALTY * (features["region_code"] != row["region_code"].iloc[0])
    out = features[["la_code", "la_name", "la_type"]].assign(distance=distance)
    out = out.loc[out["la_code"] != la_code]
    return out.nsmallest(n, "distance").reset_index(drop=True)


@dataclass(frozen=True)
class Indicator:
    """One benchmarking figure: how to compute it from summed counts."""

    name: str
    unit: str
    numerator: tuple[str, str]
    denominator: tuple[str, str] | None
    scale: float
    source: str


PLACEMENT_WORDS = {
    "placement: foster": "in foster placements",
    "placement: placed for adoption": "placed for adoption",
    "placement: placed with parents": "placed with parents",
    "placement: independent or semi-independent living": "in semi-independent or supported living",
    "placement: secure or children's homes": "in secure or children's homes",
    "placement: other residential": "in other residential settings",
    "placement: residential schools": "in residential schools",
    "placement: other": "in other placements",
}

POPULATION = ("population", "Total")
_DFE = "DfE children looked after in England, LA tables"


def indicators() -> list[Indicator]:
    """The benchmarking indicators, in display order."""
    rows = [
        Indicator("Children looked after at 31 March", "children", (CLA, "Total"), None, 1, _DFE),
        Indicator(
            "Children looked after per 10,000 children aged 0-17",
            "per 10,000",
            (CLA, "Total"),
            POPULATION,
            10_000,
            f"{_DFE}; ONS mid-year population",
        ),
        Indicator(
            "Children who started to be looked after, per 10,000",
            "per 10,000",
            (STARTS, "Total"),
            POPULATION,
            10_000,
            f"{_DFE}; ONS mid-year population",
        ),
        Indicator(
            "Children who ceased to be looked after, per 10,000",
            "per 10,000",
            (CEASED, "Total"),
            POPULATION,
            10_000,
            f"{_DFE}; ONS mid-year population",
        ),
        Indicator("Started in the year", "children", (STARTS, "Total"), None, 1, _DFE),
        Indicator("Ceased in the year", "children", (CEASED, "Total"), None, 1, _DFE),
    ]
    for group in BREAKDOWNS[CLA]["placement"]:
        rows.append(
            Indicator(
                f"Share {PLACEMENT_WORDS[group]}",
                "% of children looked after",
                (CLA, group),
                (CLA, "Total"),
                100,
                _DFE,
            )
        )
    rows.append(
        Indicator(
            "Share in the council's own provision (all placements)",
            "% of children looked after",
            ("provider", "provider: own provision"),
            (CLA, "Total"),
            100,
            _DFE,
        )
    )
    rows.append(
        Indicator(
            "Share in private provision (all placements)",
            "% of children looked after",
            ("provider", "provider: private"),
            (CLA, "Total"),
            100,
            _DFE,
        )
    )
    return rows


def _counts(panel: Panel, year: int, providers: pd.DataFrame) -> pd.DataFrame:
    """Every count an indicator needs, one row per authority, for ``year``."""
    col = panel.column(year)
    data = {("population", "Total"): panel.population[:, col]}
    for measure in (CLA, STARTS, CEASED):
        data[(measure, "Total")] = panel.get(measure)[:, col]
    for group in BREAKDOWNS[CLA]["placement"]:
        data[(CLA, group)] = panel.get(CLA, group)[:, col]
    frame = pd.DataFrame(data, index=panel.authorities["la_code"])
    rows = providers.loc[providers["year"] == year]
    for breakdown in ("provider: own provision", "provider: private"):
        values = rows.loc[rows["breakdown"] == breakdown].set_index("la_code")["value"]
        frame[("provider", breakdown)] = values.reindex(frame.index).to_numpy()
    return frame


def provider_rows(folder: str | Path | None = None) -> pd.DataFrame:
    """Published 31 March counts by provider (all placement types) per authority and year."""
    tables = dfe.load_published_tables(folder)
    return tables.loc[
        (tables["measure"] == dfe.CLA_31_MARCH) & tables["breakdown"].str.startswith("provider: ")
    ]


def _ratio(counts: pd.DataFrame, item: Indicator) -> pd.Series:
    top = counts[item.numerator]
    if item.denominator is None:
        return top * item.scale
    bottom = counts[item.denominator]
    return (top / bottom.where(bottom > 0)) * item.scale


def _summed_ratio(counts: pd.DataFrame, item: Indicator) -> float:
    """Sum over authorities: a suppressed numerator (fewer than 6 children) counts as none."""
    if item.denominator is None:
        return float(counts[item.numerator].sum(min_count=1)) * item.scale
    rows = counts.loc[counts[item.denominator].notna() & (counts[item.denominator] > 0)]
    if rows.empty:
        return np.nan
    top = rows[item.numerator].sum(min_count=1)
    return float(top / rows[item.denominator].sum() * item.scale)


def indicator_table(
    panel: Panel,
    la_code: str,
    neighbours: list[str],
    year: int,
    providers: pd.DataFrame,
) -> pd.DataFrame:
    """The authority beside its neighbours, its region and England for one year.

    Returns
    -------
    pandas.DataFrame
        ``indicator, unit, authority, neighbours, region, england, source``. Region and England
        are ratios of sums over the authorities that published both figures; ``neighbours`` is the
        average of the neighbours' own values (those that published them).
    """
    counts = _counts(panel, year, providers)
    if la_code not in counts.index:
        raise InputDataError(f"{la_code}: not an authority in the published tables.")
    region = panel.authorities.set_index("la_code").loc[la_code, "region_code"]
    in_region = panel.authorities.loc[panel.authorities["region_code"] == region, "la_code"]
    rows = []
    for item in indicators():
        values = _ratio(counts, item)
        rows.append(
            {
                "indicator": item.name,
                "unit": item.unit,
                "authority": values.get(la_code, np.nan),
                "neighbours": values.reindex(neighbours).mean(),
                "region": _summed_ratio(counts.loc[in_region], item),
                "england": _summed_ratio(counts, item),
                "source": f"{item.source}, {year}",
            }
        )
    return pd.DataFrame(rows)


def in_house_fostering_share(panel: Panel, folder: str | Path | None = None) -> pd.DataFrame:
    """Children with the council's own foster carers as a share of its fostered children, 2019.

    Ofsted's children placed with each LA fostering service at 31 March 2019 (rounded to 5,
    family and friends carers included) over DfE's children in foster placements at 31 March
    2019. Returns ``la_code, la_name, in_house, fostered, share_pct, note``.
    """
    from sufficiency.data.ofsted import YEAR, in_house_fostered_2019

    ofsted = in_house_fostered_2019(folder)
    fostered = pd.Series(
        panel.get(CLA, "placement: foster")[:, panel.column(YEAR)],
        index=panel.authorities["la_code"],
    )
    out = ofsted.rename(columns={"children_placed": "in_house"})
    out["fostered"] = out["la_code"].map(fostered)
    share = 100 * out["in_house"] / out["fostered"].where(out["fostered"] > 0)
    out["note"] = np.where(
        share > 100,
        "Ofsted's count is above DfE's fostered children (it can include children placed by "
        "other councils); shown as 100%",
        out["note"],
    )
    out["share_pct"] = share.clip(upper=100)
    return out[["la_code", "la_name", "in_house", "fostered", "share_pct", "note"]]


def rate_history(panel: Panel, codes: list[str], label: str) -> pd.DataFrame:
    """Children looked after per 10,000 children over the years, for a group of authorities.

    A single authority is its own rate; a group is the ratio of sums over the authorities that
    published both figures in the year. Returns ``year, rate, group``.
    """
    rows = [panel.index_of(code) for code in codes]
    stock = panel.get(CLA)[rows]
    population = panel.population[rows]
    both = ~np.isnan(stock) & ~np.isnan(population)
    top = np.where(both, stock, 0.0).sum(axis=0)
    bottom = np.where(both, population, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(bottom > 0, 10_000 * top / bottom, np.nan)
    frame = pd.DataFrame({"year": panel.years, "rate": rate, "group": label})
    return frame.dropna(subset=["rate"])


def neighbour_average_history(panel: Panel, codes: list[str], label: str) -> pd.DataFrame:
    """Average of the neighbours' own rates per 10,000 children, by year."""
    parts = [rate_history(panel, [code], code) for code in codes]
    if not parts:
        return pd.DataFrame(columns=["year", "rate", "group"])
    data = pd.concat(parts)
    out = data.groupby("year", as_index=False)["rate"].mean()
    out["group"] = label
    return out
