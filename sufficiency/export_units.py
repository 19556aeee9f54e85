"""Units in the headers of every download: ``cost_mean (£, cash in each year's prices, price
base 2025-26)``.

A user test found CSV headers with no unit ("cost" rather than "cost (£, 2024-25 prices)").
:func:`sufficiency.exports.export_frame` (used for every CSV and workbook sheet the explorer
offers) puts each number column's unit in its header with :func:`with_units`, from the words in
the column's name or units given by the caller; :func:`missing_units` lists those still without
one, which the page tests refuse. This module is light (pandas only), so pages can name units
without importing the scenario engine.
"""

from __future__ import annotations

import re

import pandas as pd

MONEY_TOKENS = frozenset({"cost", "gbp", "spend", "saving", "savings", "investment", "npv", "net"})
"""Name parts that mark pounds (``cost_mean``, ``total_cost_gbp``, ``saving_p10``)."""

_UNIT_TOKENS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"pct", "percent"}), "%"),
    (
        frozenset({"rate", "share", "chance", "survival", "probability", "occupancy", "ratio"}),
        "share, 0-1",
    ),
    (frozenset({"days"}), "days"),
    (frozenset({"weeks"}), "weeks"),
    (frozenset({"months", "month"}), "months"),
    (frozenset({"years"}), "years"),
    (frozenset({"places"}), "places"),
    (frozenset({"beds"}), "beds"),
    (frozenset({"children", "placements"}), "children"),
    (
        frozenset(
            {
                "households",
                "household",
                "carers",
                "approvals",
                "approved",
                "recruits",
                "reached",
                "converted",
                "withdrawn",
                "entered",
                "open",
                "risk",
                "left",
                "censored",
                "deregistered",
            }
        ),
        "households",
    ),
    (frozenset({"enquiries", "enquiry"}), "enquiries"),
    (frozenset({"applications"}), "applications"),
)
"""Name parts that say a column's unit, checked in this order (pounds are checked first)."""

LABEL_COLUMNS = frozenset(
    {"year", "financial_year", "month", "quarter", "quarter_start", "date", "age", "rank", "row"}
)
"""Numeric columns that name a row (a year, a month, a row number) rather than measure it."""

_HAS_UNIT = re.compile(r"\(.+\)\s*$")


def is_number_column(values: pd.Series) -> bool:
    """True for a column of numbers (not true/false), including numbers held as objects."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    if values.dtype != object:
        return False
    cells = values.dropna()
    return bool(len(cells)) and bool(cells.map(lambda v: type(v) in (int, float)).all())


def money_unit(price_year: str | None = None, *, basis: str | None = None) -> str:
    """The unit of a pounds column: ``£, cash in each year's prices, price base 2025-26`` or
    ``£, <basis>``.

    ``price_year`` is the financial year the unit costs are priced at (the price base); forecast
    costs are cash: each year's costs in that year's prices, inflated from the price base for
    later years and deflated for earlier ones. "cash from 2025-26 prices" read wrongly beside a
    2024-25 row (the demo's forecast starts in April 2024, before the default price base).
    ``basis`` words another basis (e.g. "cash as spent").
    """
    if basis:
        return f"£, {basis}"
    if price_year:
        return f"£, cash in each year's prices, price base {price_year}"
    return "£"


def cash_basis(price_year: str, annual_inflation_pct: float) -> str:
    """The pages' words for cash forecast costs, right for every year of the forecast.

    For example "cash: each year's own prices, from the 2025-26 price base at 3% a year
    inflation (deflated for years before 2025-26)". The forecast may start before the price
    base (the demo's starts in April 2024, the default base is 2025-26), so "with inflation from
    2025-26 prices" misdescribed its 2024-25 costs.
    """
    return (
        f"cash: each year's own prices, from the {price_year} price base at "
        f"{annual_inflation_pct:g}% a year inflation (deflated for years before {price_year})"
    )


def unit_of(column: str, money: str | None = None) -> str | None:
    """The unit a column's name implies, or None when the name does not say.

    Pounds (a name part in :data:`MONEY_TOKENS`, or ``£``) get ``money`` (see
    :func:`money_unit`); ``_pct`` is %, ``rate``/``share``/``chance`` a share from 0 to 1;
    days, months, places, children, households (approvals, enquirers reaching a stage),
    enquiries and applications by the word in the name.
    """
    name = str(column).lower()
    tokens = set(re.split(r"[^a-z0-9£]+", name))
    if tokens & MONEY_TOKENS or "£" in name:
        return money or money_unit()
    if "_per_" in name:  # enquiries_per_month: enquiries a month
        amount, per = name.split("_per_", 1)
        unit = unit_of(amount)
        return None if unit is None else f"{unit} a {per.replace('_', ' ')}"
    for words, unit in _UNIT_TOKENS:
        if tokens & words:
            return unit
    return None


def with_units(
    frame: pd.DataFrame, *, money: str | None = None, units: dict[str, str] | None = None
) -> pd.DataFrame:
    """A copy whose number columns carry their unit in the header: ``cost_mean (£, ...)``.

    ``units`` gives the unit of columns whose name does not say it (``mean`` of children,
    ``lower`` of a share); other number columns get :func:`unit_of` their name, pounds with
    ``money``; in a table with a ``unit`` column, the others point to it. Headers that already
    end in ``(unit)``, text, date and row-label columns
    (:data:`LABEL_COLUMNS`) keep their names. Values are not changed.
    """
    units = units or {}
    # a table with a unit column (one row per figure) names each row's unit there
    fallback = "unit as in the unit column" if "unit" in map(str, frame.columns) else None
    renamed = {}
    for column in frame.columns:
        name = str(column)
        if name in units:
            renamed[column] = f"{name} ({units[name]})"
            continue
        if _HAS_UNIT.search(name) or name.lower() in LABEL_COLUMNS:
            continue
        if not is_number_column(frame[column]):
            continue
        unit = unit_of(name, money) or fallback
        if unit is not None and unit == name.lower():
            unit = "count"  # "households (count)", not "households (households)"
        if unit is not None:
            renamed[column] = f"{name} ({unit})"
    return frame.rename(columns=renamed)


def missing_units(frame: pd.DataFrame) -> list[str]:
    """Number columns whose header gives no unit, and pounds columns without a price basis.

    A header has a unit when it ends in ``(...)``; a pounds header's unit must also say its
    price year or basis (``prices`` or ``cash``). Row labels (:data:`LABEL_COLUMNS`) are exempt.
    """
    missing = []
    for column in frame.columns:
        name = str(column)
        if name.lower() in LABEL_COLUMNS or not is_number_column(frame[column]):
            continue
        unit = _HAS_UNIT.search(name)
        if unit is None:
            missing.append(name)
        elif "£" in unit.group(0) and not ("prices" in name or "cash" in name):
            missing.append(name)
    return missing
