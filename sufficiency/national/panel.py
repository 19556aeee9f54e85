"""The published LA tables as arrays: one row per authority, one column per year.

Every forecast and backtest in :mod:`sufficiency.national` reads a :class:`Panel`. Values that are
suppressed, not applicable or not published are ``NaN`` and keep their DfE code in
:attr:`Panel.codes`, so that a gap is never mistaken for zero and every forecast can say in its
``note`` what it was built on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.data import dfe
from sufficiency.errors import InputDataError

CLA = "cla_31_march"
STARTS = "starts"
CEASED = "ceased"
TOTAL = "Total"

MEASURES: dict[str, str] = {
    CLA: dfe.CLA_31_MARCH,
    STARTS: dfe.STARTED,
    CEASED: dfe.CEASED,
}
"""Output measure name -> measure in :func:`sufficiency.data.dfe.load_published_tables`."""

MEASURE_WORDS: dict[str, str] = {
    CLA: "children looked after at 31 March",
    STARTS: "children who started to be looked after in the year",
    CEASED: "children who ceased to be looked after in the year",
}

_AGES = ("age: under 1", "age: 1-4", "age: 5-9", "age: 10-15")
BREAKDOWNS: dict[str, dict[str, tuple[str, ...]]] = {
    CLA: {
        "age band": (*_AGES, "age: 16-17"),
        "placement": (
            "placement: foster",
            "placement: placed for adoption",
            "placement: placed with parents",
            "placement: independent or semi-independent living",
            "placement: secure or children's homes",
            "placement: other residential",
            "placement: residential schools",
            "placement: other",
        ),
    },
    STARTS: {"age band": (*_AGES, "age: 16-17")},
    CEASED: {"age band": (*_AGES, "age: 16 and over")},
}
"""Breakdown families published for each measure; each family's groups add up to the total.

Placement groups are DfE's published placement types (the LA tables have no placement type x
provider cross-tabulation, so in-house and agency fostering cannot be told apart here)."""

ABSENT = "absent"
"""Code in :attr:`Panel.codes` for a year with no row at all in the published files."""


@dataclass(frozen=True)
class Panel:
    """Published figures for every authority and year.

    Attributes
    ----------
    authorities : pandas.DataFrame
        One row per authority (row order of every array): ``la_code, la_name, region_code,
        region_name, la_type``.
    years : numpy.ndarray
        Years ending 31 March, ascending (int).
    values : mapping
        ``(measure, breakdown) -> array (n_authorities, n_years)`` of counts (children); ``NaN``
        where nothing usable was published. ``breakdown`` is :data:`TOTAL` or a group of
        :data:`BREAKDOWNS`.
    codes : mapping
        Same keys and shapes: the DfE code of each missing value (``'c'``, ``'x'``, ``'z'`` ...),
        :data:`ABSENT` when the year has no row, ``''`` when a number was published.
    population : numpy.ndarray
        ONS children aged 0-17 (the denominator DfE uses for each year), ``(n_authorities,
        n_years)``; ``NaN`` where not published (2011, 2012).
    """

    authorities: pd.DataFrame
    years: np.ndarray
    values: Mapping[tuple[str, str], np.ndarray]
    codes: Mapping[tuple[str, str], np.ndarray]
    population: np.ndarray
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({code: i for i, code in enumerate(self.authorities["la_code"])})

    @property
    def n(self) -> int:
        """Number of authorities."""
        return len(self.authorities)

    @property
    def last_year(self) -> int:
        """The latest year in the panel."""
        return int(self.years[-1])

    def column(self, year: int) -> int:
        """Column index of ``year``."""
        where = np.flatnonzero(self.years == year)
        if len(where) == 0:
            raise InputDataError(
                f"published tables: no figures for the year ending 31 March {year}; the tables "
                f"cover {self.years[0]}-{self.years[-1]}."
            )
        return int(where[0])

    def get(self, measure: str, breakdown: str = TOTAL) -> np.ndarray:
        """Values of one series for every authority (a view, do not modify)."""
        return self.values[(measure, breakdown)]

    def until(self, year: int) -> Panel:
        """The panel as it stood at 31 March ``year``: later years removed."""
        keep = self.years <= year
        if not keep.any():
            raise InputDataError(f"published tables: nothing published by {year}.")
        return Panel(
            authorities=self.authorities,
            years=self.years[keep],
            values={key: array[:, keep] for key, array in self.values.items()},
            codes={key: array[:, keep] for key, array in self.codes.items()},
            population=self.population[:, keep],
        )

    def index_of(self, la_code: str) -> int:
        """Row of one authority."""
        if la_code not in self._index:
            raise InputDataError(f"published tables: unknown LA code '{la_code}'.")
        return self._index[la_code]

    def region_index(self) -> tuple[np.ndarray, list[str]]:
        """Region number of each authority and the region codes in that numbering."""
        codes = sorted(self.authorities["region_code"].unique())
        lookup = {code: i for i, code in enumerate(codes)}
        return self.authorities["region_code"].map(lookup).to_numpy(dtype=int), codes

    def first_and_last_years(self, measure: str = CLA) -> tuple[np.ndarray, np.ndarray]:
        """First and last year with a published total, per authority (``-1`` when none)."""
        present = ~np.isnan(self.get(measure))
        first = np.where(present.any(axis=1), self.years[present.argmax(axis=1)], -1)
        last_pos = present.shape[1] - 1 - present[:, ::-1].argmax(axis=1)
        last = np.where(present.any(axis=1), self.years[last_pos], -1)
        return first, last


def _wide(
    frame: pd.DataFrame, codes: list[str], years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    value = frame.pivot(index="la_code", columns="year", values="value").reindex(
        index=codes, columns=years
    )
    code = (
        frame.pivot(index="la_code", columns="year", values="suppression")
        .reindex(index=codes, columns=years)
        .astype(object)
    )
    code = code.where(code.notna(), ABSENT)
    return value.to_numpy(dtype=float), code.to_numpy(dtype=object).astype(str)


def build_panel(folder: str | Path | None = None, *, last_year: int | None = None) -> Panel:
    """Read the published tables in ``folder`` (default ``data/published/``) into a :class:`Panel`.

    Parameters
    ----------
    folder : str or Path, optional
        A folder laid out like ``data/published/`` (see its README).
    last_year : int, optional
        Drop later years (as if standing at 31 March of that year).

    Raises
    ------
    InputDataError
        When the folder is missing, incomplete or holds a cell that is neither a number nor a DfE
        suppression code (the message names the file, row and column).
    """
    tables = dfe.load_published_tables(folder)
    who = dfe.authorities(folder)
    counted = tables.loc[tables["measure"].isin(MEASURES.values())]
    years = np.arange(int(counted["year"].min()), int(counted["year"].max()) + 1)
    if last_year is not None:
        years = years[years <= last_year]
    codes = who["la_code"].tolist()
    values: dict[tuple[str, str], np.ndarray] = {}
    suppression: dict[tuple[str, str], np.ndarray] = {}
    by_key = {key: rows for key, rows in tables.groupby(["measure", "breakdown"], sort=False)}
    for measure, published in MEASURES.items():
        groups = [TOTAL] + [g for family in BREAKDOWNS[measure].values() for g in family]
        for group in groups:
            rows = by_key.get((published, "total" if group == TOTAL else group))
            if rows is None:
                raise InputDataError(
                    f"published tables: no figures for {MEASURE_WORDS[measure]}, {group}. "
                    "Restore data/published/ from the repository."
                )
            values[(measure, group)], suppression[(measure, group)] = _wide(rows, codes, years)
    population, _ = _wide(by_key[(dfe.POPULATION, "total")], codes, years)
    return Panel(
        authorities=who[["la_code", "la_name", "region_code", "region_name", "la_type"]],
        years=years,
        values=values,
        codes=suppression,
        population=population,
    )
