"""The answer in a commissioner's words: one headline per target, and households approved against
households gained, every figure with its date.

A new user read "Can it be met? No, best 44%" beside "IFA share now 44%" and "-6 points vs no
plan" as a contradiction: the 44% now and the best 44% at the target date are different dates,
and the plan's effect is against a share that rises without it. :func:`target_headline` says the
three figures in one sentence with their dates; :func:`households_gained` says why 34 approvals
give 25 more households (carers leave), from the model's own figures.
:func:`retention_against_explorer` says why the Carer retention page's households at the end (41
on the demo, nobody new approved) differ from the Scenario explorer's (105 without a plan, 130
with the plan): they answer different questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd


def _level(value: float, unit: str) -> str:
    return f"{value:.0f}%" if unit == "%" else f"{value:.0f} children"


def _subject(unit: str) -> str:
    return "the IFA share" if unit == "%" else "the number of children in external residential care"


def differs(average: float, of_counts: float) -> bool:
    """Whether a share's two measures should both be shown: a point or more apart, or half a
    point or more and apart once rounded to whole points (%). Closer than that, the rounded
    figures would say "rises" of a tenth of a point."""
    gap = abs(average - of_counts)
    return gap >= 1.0 or (gap >= 0.5 and f"{average:.0f}" != f"{of_counts:.0f}")


def _trend(start: float, end: float) -> str:
    return "rises" if end > start else "falls" if end < start else "stays"


def target_headline(
    row: Mapping,
    now_month: pd.Timestamp,
    forecast_end: pd.Timestamp | None = None,
    counted: Mapping | None = None,
    futures: int | None = None,
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
    counted : mapping, optional
        For an IFA share, ``without_plan`` and ``projected`` as dividing the average counts
        gives them (:func:`sufficiency.exports.target_share_of_mean_counts`): said beside the
        headline's figures where they :func:`differs`, so a reader who divides the chart's
        counts is not left with a contradiction.
    futures : int, optional
        Simulated futures the shares are averaged over, named with ``counted``.

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
    if unit != "%" or counted is None:
        counted = {}
    # the counts' figures only where they differ from the headline's
    other = {
        k: round(float(counted[k]))
        for k in ("without_plan", "projected")
        if k in counted and differs(float(row[k]), float(counted[k]))
    }
    subject = _subject(unit)
    if other:
        of = f"the {futures} futures'" if futures else "the simulated futures'"
        subject += f" (the average of {of} shares)"
    verb = _trend(now, without)
    if verb == "stays":
        trend = (
            f"stays at about {_level(now, unit)} from now ({pd.Timestamp(now_month):%B %Y}) "
            f"to {date}"
        )
    else:
        trend = f"{verb} from {start} to about {_level(without, unit)} by {date}"
    if "without_plan" in other:
        # say what each measure does: one can fall while the other rises
        counts_verb = _trend(now, other["without_plan"])
        trend += "; dividing the average counts in the chart it " + (
            f"stays at about {_level(now, unit)}"
            if counts_verb == "stays"
            else f"{counts_verb} to {_level(other['without_plan'], unit)}"
        )
    words = f"Without a plan {subject} {trend}."
    why = (
        " The two measures differ because futures with more children in foster care place more "
        "of them with IFAs; the target is checked on the average of the shares."
        if other
        else ""
    )
    if without <= float(row["target_value"]) + 0.05:
        return words + f" That is within the {target} target: no extra households are needed." + why
    level = f"about {_level(projected, unit)}"
    if "projected" in other:
        level += f" ({_level(other['projected'], unit)} from the average counts)"
    if row["feasible"]:
        return words + f" The plan brings it to {level}, meeting {target}." + why
    close = round(float(row["projected"]), 1) != round(float(row["without_plan"]), 1)
    if projected == without and close:
        # "-1 points" beside "44%" and "44%": give the tenths that differ
        level += (
            f" ({float(row['projected']):.1f}{'%' if unit == '%' else ''}, against "
            f"{float(row['without_plan']):.1f}{'%' if unit == '%' else ' children'} without a plan)"
        )
    if projected == now:
        effect = f"holds it at {level}"
    elif projected < without:
        effect = f"brings it to {level}"
    else:
        effect = f"leaves it at {level}"
    words += f" The plan {effect}, the best realistic recruitment allows by then."
    if row.get("earliest_month"):
        return (
            words
            + (
                f" {target} could be reached from {pd.Timestamp(row['earliest_month']):%B %Y} at "
                "the earliest."
            )
            + why
        )
    end = f" by {pd.Timestamp(forecast_end):%B %Y}, the end of the forecast" if forecast_end else ""
    return words + f" {target} is not reached{end or ' within the forecast'}." + why


def households_gained(
    approved: int,
    still_fostering: float,
    end_month: pd.Timestamp,
    against_baseline: float | None = None,
    other_changes: str = "",
) -> str:
    """Extra households approved against those still fostering at the end, in plain words.

    Parameters
    ----------
    approved : int
        Extra households the plan approves over the horizon.
    still_fostering : float
        Of those, households still fostering at ``end_month`` (the model's leaving rate applied).
    end_month : Timestamp
    against_baseline : float, optional
        The scenario's households at ``end_month`` less the baseline's (the "+38 vs baseline"
        shown beside this): where it is not the plan's own gain, the rest is said to come from
        the scenario's other changes, so the two figures do not read as a contradiction.
    other_changes : str
        Those changes in plain words (e.g. "fewer carers leaving"), named when given.

    Returns
    -------
    str
        For example "34 extra households approved; about 9 of them stop fostering by March
        2029 (carers leave every year): about 25 more households than without a plan."
    """
    if not approved:
        return "No extra households approved."
    left = approved - still_fostering
    words = (
        f"{approved} extra households approved; about {left:.0f} of them stop fostering by "
        f"{pd.Timestamp(end_month):%B %Y} (carers leave every year): about "
        f"{still_fostering:.0f} more households than without a plan."
    )
    rest = 0.0 if against_baseline is None else against_baseline - still_fostering
    if (
        against_baseline is None
        or round(against_baseline) == round(still_fostering)
        or not round(rest)
    ):
        return words
    named = f" ({other_changes})" if other_changes else ""
    return words + (
        f" The {against_baseline:+,.0f} vs baseline beside it also counts the scenario's other "
        f"changes{named}: about {abs(rest):,.0f} {'more' if rest > 0 else 'fewer'} households."
    )


def _more_or_fewer(value: float, other: float) -> str:
    if round(value) == round(other):
        return "about the same as"
    return "more than" if value > other else "fewer than"


@dataclass(frozen=True)
class ExplorerHouseholds:
    """The Scenario explorer's in-house households at the end of its forecast.

    Attributes
    ----------
    end_month : Timestamp
        The explorer's last month.
    without_plan : float
        Households at ``end_month`` without a plan (its baseline), mean of the simulated futures.
    as_now_per_quarter : float
        Households the baseline approves a quarter (as many as the service approves now).
    yearly_leaving_rate : float
        Share of households leaving a year (0-1) the explorer applies to new households.
    scenario_name : str or None
        The scenario on screen, when it adds recruitment to the baseline; else None.
    with_plan : float or None
        Households at ``end_month`` under that scenario.
    extra_approved : float
        Extra households that scenario approves over the forecast.
    horizon_months : int
        Months from now to ``end_month``.
    """

    end_month: pd.Timestamp
    without_plan: float
    as_now_per_quarter: float
    yearly_leaving_rate: float
    scenario_name: str | None = None
    with_plan: float | None = None
    extra_approved: float = 0.0
    horizon_months: int = 60


def retention_against_explorer(
    now: float,
    end: float,
    end_month: pd.Timestamp,
    approvals_per_month: float,
    explorer: ExplorerHouseholds,
    here_as_now: float,
) -> str:
    """What the Carer retention projection assumes, and where the Scenario explorer's households
    come from, in plain words with every figure's month.

    Parameters
    ----------
    now, end : float
        Households the projection counts now and at ``end_month`` (mean of simulated futures).
    end_month : Timestamp
        The projection's last month.
    approvals_per_month : float
        New mainstream households the projection approves a month (0: nobody new).
    explorer : ExplorerHouseholds
        The explorer's figures from the same model of the authority.
    here_as_now : float
        This projection's households at ``end_month`` with the explorer's baseline approvals
        (``explorer.as_now_per_quarter`` / 3 a month).

    Returns
    -------
    str
        Markdown. On the demo: "**What this projection assumes:** nobody new is approved (new
        approvals above: 0), so the 86 households counted now fall to about 41 by March 2029 as
        they leave. The Scenario explorer answers a different question: ..."
    """
    month = f"{pd.Timestamp(end_month):%B %Y}"
    explorer_month = f"{pd.Timestamp(explorer.end_month):%B %Y}"
    as_now_month = explorer.as_now_per_quarter / 3
    if approvals_per_month > 0:
        assumed = (
            f"{approvals_per_month:g} new mainstream households approved a month (set above) "
            f"and no others, so the {now:,.0f} households counted now become about {end:,.0f} "
            f"by {month}"
        )
    else:
        assumed = (
            "nobody new is approved (new approvals above: 0), so the "
            f"{now:,.0f} households counted now fall to about {end:,.0f} by {month} as they leave"
        )
    same = abs(approvals_per_month - as_now_month) <= 0.05
    explorer_words = f"about {explorer.without_plan:,.0f} households by {explorer_month}"
    if same:
        words = (
            f"**What this projection assumes:** {assumed}. The Scenario explorer without a plan "
            f"approves as many ({explorer.as_now_per_quarter:.1f} households a quarter, as the "
            f"service approves now) and has {explorer_words}"
        )
    else:
        words = (
            f"**What this projection assumes:** {assumed}. The Scenario explorer answers a "
            f"different question. Without a plan it keeps approving "
            f"{explorer.as_now_per_quarter:.1f} households a quarter, as many as the service "
            f"approves now, so it has {explorer_words}"
        )
    if explorer.with_plan is not None and explorer.scenario_name:
        extra = (
            f" approves {explorer.extra_approved:,.0f} extra households on top and"
            if round(explorer.extra_approved)
            else ""
        )
        words += (
            f"; with the scenario on screen ('{explorer.scenario_name}') it{extra} has about "
            f"{explorer.with_plan:,.0f}"
        )
    words += "."
    if pd.Timestamp(end_month) != pd.Timestamp(explorer.end_month):
        return words + (
            f" Set the horizon to {explorer.horizon_months} months to compare the two by "
            f"{explorer_month}."
        )
    if same:
        words += f" This page has about {here_as_now:,.0f}"
    else:
        words += f" Set {as_now_month:.2g} a month above to see that recruitment here: about"
        words += f" {here_as_now:,.0f} by {month}"
    words += f", {_more_or_fewer(here_as_now, explorer.without_plan)} the explorer's " + (
        f"{explorer.without_plan:,.0f}"
    )
    if round(here_as_now) != round(explorer.without_plan):
        words += (
            ": new households here leave at the rates by length of service ('Leaving rates "
            "used for projections' above), in the explorer at one yearly rate "
            f"({explorer.yearly_leaving_rate:.1%})"
        )
    return words + "."
