"""IFA shares: one measure for every page, table and download, and the demand forecast's.

Every IFA share the tool shows is each simulated future's own share, averaged
(:data:`SHARE_MEASURE`): the headline, the target check, the charts and, beside the placement
counts, every table and download (:func:`with_shares`, :data:`SHARE_UNITS`, :data:`SHARE_NOTE`).
Dividing the average counts weights each future by its foster placements and gives a different
figure, so the share is given next to the counts rather than left to be rebuilt.

The Demand page's placement mix carries on the placements seen in the 903 data: a child who
would have gone to an in-house carer in the past is counted there whether or not the authority
will have the carer. The Scenario explorer and the Recommended plan place the same children
where in-house places are projected to be (:func:`sufficiency.plan.allocation.allocate`) and
send the rest to IFAs, so their IFA share is higher when in-house places run short. The Demand
page's share (:func:`forecast_with_shares`, same measure) is of demand, labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.codes import (
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    KINSHIP_FOSTERING,
    OTHER_LA_FOSTERING,
)

ALL = "all"


def forecast_with_shares(
    model, horizon: int, n_paths: int, random_state: int | None, levers=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demand forecast and its IFA shares of demand, from one set of simulated futures.

    Parameters
    ----------
    model : sufficiency.demand.stockflow.StockFlowModel
        A fitted model.
    horizon, n_paths, random_state, levers
        As :meth:`StockFlowModel.forecast` (months, futures, seed, demand levers).

    Returns
    -------
    tuple of DataFrame
        The forecast frame, the same as ``model.forecast(...)`` with these arguments, and by
        month (``month``) the :data:`SHARE_COLUMNS` (%): each simulated future's IFA share of
        demand, averaged (:data:`SHARE_MEASURE`, the measure every page quotes), NaN where no
        future has foster placements.
    """
    from sufficiency.demand.projection import forecast_dates
    from sufficiency.demand.stockflow import summarise_paths

    params = model.params_ if levers is None else levers.apply(model.params_)
    paths = model.simulate(horizon, n_paths=n_paths, random_state=random_state, levers=levers)
    frame = summarise_paths(paths, params)
    categories = list(params.categories)
    grid = np.asarray(paths, dtype="float64").reshape(
        *paths.shape[:-1], len(params.age_bands), len(categories)
    )
    by_category = grid.sum(axis=-2)  # (paths, months, categories)

    def children(category: str) -> np.ndarray:
        if category not in categories:
            return np.zeros(by_category.shape[:-1])
        return by_category[..., categories.index(category)]

    ifa = children(IFA_FOSTERING)
    non_kinship = ifa + children(IN_HOUSE_FOSTERING) + children(OTHER_LA_FOSTERING)
    fostering = non_kinship + children(KINSHIP_FOSTERING)
    shares = {"month": forecast_dates(params.origin, paths.shape[1])}
    for column, denominator in zip(SHARE_COLUMNS, (fostering, non_kinship), strict=True):
        valid = denominator > 0
        share = np.divide(ifa, denominator, out=np.zeros_like(ifa), where=valid)
        counted = valid.sum(axis=0)
        shares[column] = np.where(
            counted > 0, 100 * share.sum(axis=0) / np.maximum(counted, 1), np.nan
        )
    return frame, pd.DataFrame(shares)


# --- the IFA share every table and download carries -------------------------------------------

SHARE_COLUMNS: dict[str, str] = {
    "ifa_share_of_fostering_pct": "IFA share of foster placements",
    "ifa_share_of_non_kinship_fostering_pct": "IFA share leaving out family and friends carers",
}
"""The scenario's share columns (:attr:`ScenarioResult.shares`) and their plain names."""

SHARE_MEASURE = "each simulated future's own share, averaged"
"""How every page, chart and download computes an IFA share of a scenario (the headline's
measure, :meth:`sufficiency.plan.allocation.Allocation.ifa_share_of_fostering` per path, then
the mean)."""

SHARE_NOTE = (
    f"IFA shares are {SHARE_MEASURE}, as every page quotes them; dividing the average "
    "placement counts weights each future by its foster placements, so it gives a different "
    "figure."
)
"""The one-line note beside every table and download that lists placement counts and shares."""

SHARE_UNITS: dict[str, str] = {
    "ifa_share_of_fostering_pct": f"% of all foster placements, all ages, {SHARE_MEASURE}",
    "ifa_share_of_non_kinship_fostering_pct": (
        f"% of foster placements leaving out family and friends carers, all ages, {SHARE_MEASURE}"
    ),
}
"""Header units of the share columns in downloads: the unit and the measure in one place, so a
CSV read on its own says how its shares were computed."""


def with_shares(placements: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Placement counts by month with the month's IFA shares beside them (as the headline).

    Parameters
    ----------
    placements : pandas.DataFrame
        Any frame with a ``month`` column (month ends, dates or ``YYYY-MM`` text).
    shares : pandas.DataFrame
        :attr:`sufficiency.scenario.engine.ScenarioResult.shares` (``month`` and the
        :data:`SHARE_COLUMNS`, %).

    Returns
    -------
    pandas.DataFrame
        ``placements`` with the :data:`SHARE_COLUMNS` added (the same value on every row of a
        month: the share of all ages). Rows and order are unchanged.
    """
    by_month = shares.assign(_month=pd.to_datetime(shares["month"]).dt.strftime("%Y-%m")).set_index(
        "_month"
    )
    keys = pd.to_datetime(placements["month"]).dt.strftime("%Y-%m")
    out = placements.copy()
    for column in SHARE_COLUMNS:
        out[column] = keys.map(by_month[column]).to_numpy()
    return out


# --- the share a reader gets by dividing the average counts ------------------------------------

SHARE_OF_MEAN_COUNTS_COLUMNS: dict[str, str] = {
    "ifa_share_of_fostering_pct": "ifa_share_of_fostering_of_mean_counts_pct",
    "ifa_share_of_non_kinship_fostering_pct": "ifa_share_of_non_kinship_fostering_of_mean_counts_pct",
}
"""Each of :data:`SHARE_COLUMNS` -> the column of the same share worked out from the average
counts (what a reader who divides the count columns gets)."""

_FOSTERING = (IFA_FOSTERING, IN_HOUSE_FOSTERING, OTHER_LA_FOSTERING, KINSHIP_FOSTERING)
_NON_KINSHIP = (IFA_FOSTERING, IN_HOUSE_FOSTERING, OTHER_LA_FOSTERING)


def shares_of_mean_counts(placements: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """By month, the IFA shares of the average counts: IFA children ÷ foster children, all ages.

    This is the figure a reader gets by dividing the placements download's count columns. It
    weights each simulated future by its foster placements, so it differs from the headline's
    :data:`SHARE_MEASURE` (39.3% against 37.0% at March 2028 on the demo with a 30% target);
    downloads give both, each named, so neither has to be rebuilt.

    Parameters
    ----------
    placements : pandas.DataFrame
        ``month``, ``placement_category`` and the count column ``value`` (children, any age
        bands: they are added up).
    value : str, default "mean"
        The count column (children, the average of the simulated futures).

    Returns
    -------
    pandas.DataFrame
        ``month`` (as given) and the :data:`SHARE_OF_MEAN_COUNTS_COLUMNS` values (%), NaN where a
        month has no foster placements.
    """
    by_category = placements.pivot_table(
        index="month", columns="placement_category", values=value, aggfunc="sum", sort=False
    )

    def children(categories: tuple[str, ...]) -> pd.Series:
        return by_category.reindex(columns=list(categories)).fillna(0.0).sum(axis=1)

    ifa = children((IFA_FOSTERING,))
    out = {}
    for column, denominator in zip(
        SHARE_OF_MEAN_COUNTS_COLUMNS.values(),
        (children(_FOSTERING), children(_NON_KINSHIP)),
        strict=True,
    ):
        out[column] = (100 * ifa / denominator.where(denominator > 0)).to_numpy()
    return pd.DataFrame({"month": by_category.index, **out})
