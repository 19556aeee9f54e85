"""IFA shares of a demand forecast, before in-house carers are counted.

The Demand page's placement mix carries on the placements seen in the 903 data: a child who
would have gone to an in-house carer in the past is counted there whether or not the authority
will have the carer. The Scenario explorer and the Recommended plan place the same children
where in-house places are projected to be (:func:`sufficiency.plan.allocation.allocate`) and
send the rest to IFAs, so their IFA share is higher when in-house places run short. The two are
different measures; :func:`demand_ifa_shares` is the first, labelled as such on the page.
"""

from __future__ import annotations

import pandas as pd

from sufficiency.codes import (
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    KINSHIP_FOSTERING,
    OTHER_LA_FOSTERING,
)

ALL = "all"


def demand_ifa_shares(forecast: pd.DataFrame, date) -> tuple[float, float]:
    """IFA share of foster placements and of non-kinship fostering in a demand forecast (%).

    Parameters
    ----------
    forecast : pandas.DataFrame
        The demand forecast frame (columns ``date``, ``age_band``, ``placement_category``,
        ``mean``; ``"all"`` rows are totals), children.
    date : date-like
        Month end to read.

    Returns
    -------
    tuple of float
        (IFA / all foster placements including kinship, IFA / non-kinship foster placements),
        each 0-100, from the mean children (share of the averages). NaN where there is no
        fostering.

    Raises
    ------
    KeyError
        When the forecast has no all-ages row for one of the fostering categories at ``date``.
    """
    rows = forecast[(forecast["age_band"] == ALL) & (forecast["date"] == pd.Timestamp(date))]
    mean = rows.set_index("placement_category")["mean"]
    ifa = float(mean[IFA_FOSTERING])
    non_kinship = ifa + float(mean[IN_HOUSE_FOSTERING]) + float(mean[OTHER_LA_FOSTERING])
    fostering = non_kinship + float(mean[KINSHIP_FOSTERING])
    return (
        100 * ifa / fostering if fostering else float("nan"),
        100 * ifa / non_kinship if non_kinship else float("nan"),
    )


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
