"""A name that says what a scenario is when nobody has named it.

A scenario keeps the default name "baseline" until its user names it; once levers or targets are
set that name would be wrong on every page and export, so it is replaced by a short description
of what differs from the baseline (and goes back to "baseline" when nothing does).
"""

from __future__ import annotations

import pandas as pd

from sufficiency.scenario.engine import baseline_of
from sufficiency.scenario.value import Scenario

BASELINE_NAME = "baseline"
"""The default scenario name (:class:`Scenario`'s ``name`` default)."""


def _month(text: str | None) -> str:
    return f" by {pd.Timestamp(text[:7]):%b %Y}" if text else ""


def describe(scenario: Scenario) -> str:
    """What the scenario changes against its baseline, in a few words ("baseline" if nothing).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        For example "IFA share at most 30% by Mar 2028 + step-downs". Targets come first (they
        drive the plan), then the other levers changed, by their short names.
    """
    base = baseline_of(scenario)
    parts: list[str] = []
    if scenario.ifa_share_target_pct is not None:
        parts.append(
            f"IFA share at most {scenario.ifa_share_target_pct:g}%"
            + _month(scenario.ifa_share_target_date)
        )
    if scenario.external_residential_target is not None:
        parts.append(
            f"external residential at most {scenario.external_residential_target:g}"
            + _month(scenario.external_residential_target_date)
        )
    short = {
        "entries_change_pct": "entries changed",
        "step_downs_per_year": "step-downs",
        "approvals_per_quarter": "extra approvals",
        "marketing_spend_per_quarter": "extra marketing",
        "conversion_improvement_pct": "better conversion",
        "deregistration_change_pct": "retention",
        "homes": "children's homes",
    }
    parts += [
        words for field, words in short.items() if getattr(scenario, field) != getattr(base, field)
    ]
    if not parts:
        other = scenario.replace(name=BASELINE_NAME, description="") != base.replace(description="")
        return "levers changed" if other else BASELINE_NAME
    return " + ".join(parts)


def renamed(previous: Scenario, edited: Scenario) -> Scenario:
    """``edited`` with a describing name if its name is still the default or the automatic one.

    A name the user typed is kept. A name that is "baseline" or was made by :func:`describe`
    for ``previous`` follows the levers: it becomes :func:`describe` of ``edited``.
    """
    if edited.name not in (BASELINE_NAME, describe(previous)):
        return edited
    name = describe(edited)
    return edited if name == edited.name else edited.replace(name=name)
