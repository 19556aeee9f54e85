"""The answer in a commissioner's words: one headline per target, and households approved against
households gained, every figure with its date.

A new user read "Can it be met? No, best 44%" beside "IFA share now 44%" and "-6 points vs no
plan" as a contradiction: the 44% now and the best 44% at the target date are different dates,
and the plan's effect is against a share that rises without it. :func:`target_headline` says the
three figures in one sentence with their dates; :func:`households_gained` says why 34 approvals
give 25 more households (carers leave), from the model's own figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def _level(value: float, unit: str) -> str:
    return f"{value:.0f}%" if unit == "%" else f"{value:.0f} children"


def _subject(unit: str) -> str:
    return "the IFA share" if unit == "%" else "the number of children in external residential care"


def target_headline(
    row: Mapping, now_month: pd.Timestamp, forecast_end: pd.Timestamp | None = None
) -> str:
    """One target's answer in plain words, each figure with its date.

    Parameters
    ----------
    row : mapping
        A target check as :meth:`sufficiency.plan.targets.TargetCheck.as_row` gives it (keys
        ``now``, ``without_plan``, ``projected``, ``target_value``, ``unit``, ``date``
        ("YYYY-MM"), ``feasible``, ``best_achievable``, ``earliest_month``).
    now_month : Timestamp
        The month "now" means (where the data ends).
    forecast_end : Timestamp, optional
        The forecast's last month, named when the target is not reached within it.

    Returns
    -------
    str
        For example "Without a plan the IFA share rises from 44% now (March 2024) to about 50%
        by March 2028. The plan holds it at about 44%, the best realistic recruitment allows by
        then. 30% is not reached by March 2029, the end of the forecast."
    """
    unit = row["unit"]
    now, without, projected = (round(float(row[k])) for k in ("now", "without_plan", "projected"))
    date = f"{pd.Timestamp(row['date']):%B %Y}"
    target = _level(float(row["target_value"]), unit)
    start = f"{_level(now, unit)} now ({pd.Timestamp(now_month):%B %Y})"
    if without > now:
        trend = f"rises from {start} to about {_level(without, unit)} by {date}"
    elif without < now:
        trend = f"falls from {start} to about {_level(without, unit)} by {date}"
    else:
        trend = (
            f"stays at about {_level(now, unit)} from now ({pd.Timestamp(now_month):%B %Y}) "
            f"to {date}"
        )
    words = f"Without a plan {_subject(unit)} {trend}."
    if without <= float(row["target_value"]) + 0.05:
        return words + f" That is within the {target} target: no extra households are needed."
    if row["feasible"]:
        return words + f" The plan brings it to about {_level(projected, unit)}, meeting {target}."
    if projected == now:
        effect = f"holds it at about {_level(projected, unit)}"
    elif projected < without:
        effect = f"brings it to about {_level(projected, unit)}"
    else:
        effect = f"leaves it at about {_level(projected, unit)}"
    words += f" The plan {effect}, the best realistic recruitment allows by then."
    if row.get("earliest_month"):
        return words + (
            f" {target} could be reached from {pd.Timestamp(row['earliest_month']):%B %Y} at "
            "the earliest."
        )
    end = f" by {pd.Timestamp(forecast_end):%B %Y}, the end of the forecast" if forecast_end else ""
    return words + f" {target} is not reached{end or ' within the forecast'}."


def households_gained(approved: int, still_fostering: float, end_month: pd.Timestamp) -> str:
    """Extra households approved against those still fostering at the end, in plain words.

    Parameters
    ----------
    approved : int
        Extra households the plan approves over the horizon.
    still_fostering : float
        Of those, households still fostering at ``end_month`` (the model's leaving rate applied).
    end_month : Timestamp

    Returns
    -------
    str
        For example "34 extra households approved; about 9 of them stop fostering by March
        2029 (carers leave every year): about 25 more households than without a plan."
    """
    if not approved:
        return "No extra households approved."
    left = approved - still_fostering
    return (
        f"{approved} extra households approved; about {left:.0f} of them stop fostering by "
        f"{pd.Timestamp(end_month):%B %Y} (carers leave every year): about "
        f"{still_fostering:.0f} more households than without a plan."
    )
