"""Make forecasts add up: age bands x placement categories sum to the totals.

Forecasting every series separately (the total, each age band, each category, each band x
category cell) gives numbers that do not add up. Reconciliation turns them into one coherent set:

* ``bottom_up``: keep the cell (band x category) forecasts, add them up for everything else;
* ``ols``: MinTrace with identity weights, the least-squares coherent set closest to all forecasts;
* ``wls_struct``: MinTrace with structural weights (each series weighted by how many cells it
  adds up), which leans on the cells more than ``ols`` does.

With ``nonnegative=True`` (the default) the cell values are found by non-negative least squares, so
no cell goes below zero children and the sums still hold exactly. Means are reconciled; each
series' quantiles are shifted by the same amount as its mean, which keeps interval widths but does
not make intervals add up (intervals of a sum are not sums of intervals).

The hierarchy is given by a summing matrix ``S`` (a DataFrame: rows = every series id, columns =
bottom-level ids, 1 where the row's series includes that cell). :func:`grouped_structure` builds it
for age band x category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from sufficiency.demand.series import QUANTILES
from sufficiency.errors import InputDataError

RECONCILE_METHODS: tuple[str, ...] = ("bottom_up", "ols", "wls_struct")

SEPARATOR = " | "


def cell_id(age_band: str, category: str) -> str:
    """Series id of one age band x placement category cell."""
    return f"{age_band}{SEPARATOR}{category}"


def grouped_structure(
    age_bands: Sequence[str],
    categories: Sequence[str],
    *,
    total_id: str = "total",
) -> pd.DataFrame:
    """Summing matrix for total, each age band, each category and each band x category cell.

    Row ids: ``total_id``, ``'age: <band>'``, ``'category: <category>'`` and
    :func:`cell_id` for cells (the bottom level, also the columns).
    """
    cells = [cell_id(band, category) for band in age_bands for category in categories]
    rows: dict[str, np.ndarray] = {total_id: np.ones(len(cells))}
    for band in age_bands:
        rows[f"age: {band}"] = np.array([c.startswith(band + SEPARATOR) for c in cells], float)
    for category in categories:
        rows[f"category: {category}"] = np.array(
            [c.endswith(SEPARATOR + category) for c in cells], float
        )
    for index, cell in enumerate(cells):
        rows[cell] = np.eye(len(cells))[index]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cells)


def stock_series(stock: pd.DataFrame, *, total_id: str = "total") -> pd.DataFrame:
    """Every level of a STOCK frame (date, age_band, placement_category, children) as series.

    Returns a long frame ``unique_id, ds, y`` with the ids of :func:`grouped_structure`.
    """
    required = {"date", "age_band", "placement_category", "children"}
    if not required <= set(stock.columns):
        raise InputDataError(
            f"stock table: expected columns {', '.join(sorted(required))}; "
            f"got {', '.join(map(str, stock.columns))}."
        )
    frame = stock.assign(
        age_band=stock["age_band"].astype(str),
        placement_category=stock["placement_category"].astype(str),
        children=stock["children"].astype(float),
    )
    parts = [
        frame.groupby("date", as_index=False)["children"].sum().assign(unique_id=total_id),
        frame.groupby(["date", "age_band"], as_index=False)["children"]
        .sum()
        .assign(unique_id=lambda f: "age: " + f["age_band"]),
        frame.groupby(["date", "placement_category"], as_index=False)["children"]
        .sum()
        .assign(unique_id=lambda f: "category: " + f["placement_category"]),
        frame.assign(unique_id=frame["age_band"] + SEPARATOR + frame["placement_category"])[
            ["date", "children", "unique_id"]
        ],
    ]
    long = pd.concat([part[["unique_id", "date", "children"]] for part in parts], ignore_index=True)
    long = long.rename(columns={"date": "ds", "children": "y"})
    return long.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def _projection(structure: np.ndarray, method: str) -> np.ndarray:
    """Weights ``W^-1/2`` for the least-squares problem of each method (diagonal)."""
    if method == "ols":
        return np.ones(structure.shape[0])
    if method == "wls_struct":
        return 1.0 / np.sqrt(structure.sum(axis=1))
    raise InputDataError(f"unknown reconciliation method '{method}'")


def reconcile_values(
    base: np.ndarray,
    structure: np.ndarray,
    bottom_rows: np.ndarray,
    method: str,
    *,
    nonnegative: bool = True,
) -> np.ndarray:
    """Coherent values for every series from base forecasts ``base`` (n_series,).

    ``bottom_rows`` gives, for each bottom-level column of ``structure``, its row index.
    """
    if method == "bottom_up":
        bottom = base[bottom_rows]
        if nonnegative:
            bottom = np.clip(bottom, 0.0, None)
        return structure @ bottom
    weights = _projection(structure, method)
    design = structure * weights[:, None]
    target = base * weights
    if nonnegative:
        bottom, _ = optimize.nnls(design, target)
    else:
        bottom, *_ = np.linalg.lstsq(design, target, rcond=None)
    return structure @ bottom


def reconcile(
    forecasts: pd.DataFrame,
    structure: pd.DataFrame,
    method: str = "wls_struct",
    *,
    nonnegative: bool = True,
    value_column: str = "mean",
) -> pd.DataFrame:
    """Reconcile forecasts of every series in ``structure`` so the hierarchy adds up.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        ``unique_id, ds, mean`` (+ optional quantile columns and others, e.g. ``method``), one row
        per series and date; every row id of ``structure`` must be present at every date.
    structure : pandas.DataFrame
        Summing matrix (see module docstring and :func:`grouped_structure`).
    method : {'bottom_up', 'ols', 'wls_struct'}
    nonnegative : bool
        Keep every cell at zero or above (non-negative least squares; bottom-up clips).
    value_column : str
        The column reconciled (default ``mean``); quantiles move with it.

    Returns
    -------
    pandas.DataFrame
        Same rows and columns; ``value_column`` coherent at every date, quantiles shifted and
        clipped at zero when ``nonnegative``.
    """
    if method not in RECONCILE_METHODS:
        raise InputDataError(
            f"unknown reconciliation method '{method}'; choose from {', '.join(RECONCILE_METHODS)}."
        )
    ids = list(structure.index)
    bottom_ids = list(structure.columns)
    missing_bottom = [b for b in bottom_ids if b not in ids]
    if missing_bottom:
        raise InputDataError(
            "reconciliation: the structure's rows must include every bottom-level series; "
            f"missing {', '.join(missing_bottom[:5])}."
        )
    present = set(forecasts["unique_id"].astype(str))
    absent = [i for i in ids if i not in present]
    if absent:
        raise InputDataError(
            f"reconciliation: no forecasts for series {', '.join(absent[:5])}"
            f"{' and others' if len(absent) > 5 else ''}; forecast every level first."
        )
    matrix = structure.to_numpy(dtype=float)
    row_of = {uid: index for index, uid in enumerate(ids)}
    bottom_rows = np.array([row_of[b] for b in bottom_ids])
    frame = forecasts.loc[forecasts["unique_id"].astype(str).isin(row_of)].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    group_keys = [c for c in frame.columns if c in ("method", "origin")] + ["ds"]
    quantile_columns = [c for c in QUANTILES if c in frame.columns]
    pieces = []
    for _, group in frame.groupby(group_keys, sort=False):
        group = group.set_index("unique_id").reindex(ids)
        if group[value_column].isna().any():
            raise InputDataError(
                "reconciliation: a series is missing a forecast for one of the dates; every "
                "series must be forecast for the same dates."
            )
        base = group[value_column].to_numpy(dtype=float)
        coherent = reconcile_values(base, matrix, bottom_rows, method, nonnegative=nonnegative)
        shift = coherent - base
        group[value_column] = coherent
        for column in quantile_columns:
            shifted = group[column].to_numpy(dtype=float) + shift
            group[column] = np.clip(shifted, 0.0, None) if nonnegative else shifted
        pieces.append(group.reset_index().rename(columns={"index": "unique_id"}))
    result = pd.concat(pieces, ignore_index=True)
    return result[list(forecasts.columns)]


def coherence_error(
    frame: pd.DataFrame, structure: pd.DataFrame, value_column: str = "mean"
) -> float:
    """Largest absolute gap between any series and the sum of its cells, over all dates."""
    keys = [c for c in frame.columns if c in ("method", "origin")] + ["ds"]
    worst = 0.0
    for _, group in frame.groupby(keys, sort=False):
        values = group.set_index("unique_id")[value_column].reindex(structure.index)
        bottom = values.reindex(structure.columns).to_numpy(dtype=float)
        gap = np.abs(structure.to_numpy(dtype=float) @ bottom - values.to_numpy(dtype=float))
        worst = max(worst, float(np.nanmax(gap)))
    return worst


def structure_from_groups(bottom_ids: Sequence[str], groups: Mapping[str, Sequence[str]]):
    """Summing matrix from named aggregates: ``{aggregate_id: [bottom ids it adds up]}``."""
    rows = {
        name: np.isin(np.asarray(bottom_ids), list(members)).astype(float)
        for name, members in groups.items()
    }
    for index, bottom in enumerate(bottom_ids):
        rows[bottom] = np.eye(len(bottom_ids))[index]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(bottom_ids))
