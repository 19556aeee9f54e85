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
