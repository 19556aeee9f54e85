"""What the explorer's widgets can show exactly, so a share link opens exactly as given or not at
all.

A share link (or a saved scenario) can hold any value the scenario format allows, but the
Scenario explorer and Placement budget pages show levers in widgets with their own ranges and
steps (whole-number sliders, one children's home, a list of channels, a list of price years,
dates after the data's last month). A value a widget cannot show would either stop the page
(Streamlit refuses a slider value out of range) or be silently changed when the widgets rebuild
the scenario. :func:`explorer_problems` names every such value; pages refuse the scenario with
that message instead. ``tests/app/test_share_links.py`` checks :data:`SHOWN` against the widgets
themselves, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sufficiency import periods
from sufficiency.scenario import LEVERS

CHANNELS_SHOWN: tuple[str, ...] = (
    "radio",
    "social media",
    "billboard",
    "bus stop",
    "leaflet drop",
    "stadium screen",
    "council website",
    "event",
)
"""Marketing channels with a spend box on the Scenario explorer."""

HOMES_SHOWN = 1
"""Children's homes the Scenario explorer shows (more can be run from a scenario file)."""

PRICE_BASE_YEARS: tuple[str, ...] = tuple(periods.financial_years_between("2023-24", "2030-31"))
"""Price base years offered on the Placement budget page."""


@dataclass(frozen=True)
class Shown:
    """A lever's widget: its label, range and step (``None``: any value in the range)."""

    label: str
    minimum: float
    maximum: float
    step: float | None

    def holds(self, value: float) -> bool:
        if not self.minimum <= value <= self.maximum:
            return False
        if self.step is None:
            return True
        steps = (value - self.minimum) / self.step
        return math.isclose(steps, round(steps), abs_tol=1e-9)

    def describe(self) -> str:
        step = "" if self.step is None else f" in steps of {self.step:g}"
        return f"{self.minimum:g} to {self.maximum:g}{step}"


SHOWN: dict[str, Shown] = {
    "horizon_months": Shown("Projection horizon (months)", 12, 60, 6),
    "entries_change_pct": Shown("Age 10-15 (% change)", -50, 50, 1),
    "step_downs_per_year": Shown(
        "Step-downs from external residential (children a year)", 0, 60, 1
    ),
    "conversion_improvement_pct": Shown("Better enquiry-to-approval conversion (%)", 0, 100, 1),
    "deregistration_change_pct": Shown(
        "Change in carers leaving (%; negative = better retention)", -90, 100, 1
    ),
    "ifa_share_target_pct": Shown("Highest IFA share (%)", 0, 100, 1),
    "external_residential_target": Shown(
        "Most children in external residential care (children)", 0, 1000, 1
    ),
    "annual_inflation_pct": Shown("Annual inflation of placement costs (% a year)", 0, 15, 0.5),
}
"""Levers whose widget is narrower than the lever's own bounds, or takes whole steps."""


def _label(name: str) -> str:
    """'Label (name)' for a lever; a target's date is named after its target."""
    base = name.removesuffix("_date")
    lever = LEVERS.get(name) or LEVERS.get(base) or LEVERS.get(base + "_pct")
    if lever is None:
        return name
    return f"{lever.label}{': date' if base != name else ''} ({name})"


def explorer_problems(scenario, origin: pd.Timestamp | None = None) -> list[str]:
    """Every value of ``scenario`` the explorer's widgets cannot show exactly, in plain words.

    ``origin`` (the month the projection starts from) also checks that dates come after it.
    """
    found = []
    for name, shown in SHOWN.items():
        value = getattr(scenario, name)
        values = dict(value).items() if isinstance(value, tuple) else [(None, value)]
        for key, number in values:
            if number is None or shown.holds(float(number)):
                continue
            what = _label(name) + (f" for {key}" if key else "")
            found.append(f"{what} is {number:g}; the explorer shows {shown.describe()}")
    if len(scenario.homes) > HOMES_SHOWN:
        found.append(
            f"{_label('homes')}: the link has {len(scenario.homes)} homes; the explorer shows "
            f"{HOMES_SHOWN} (run scenarios with more homes with `sufficiency scenario run`)"
        )
    hidden = sorted(set(dict(scenario.marketing_spend_per_quarter)) - set(CHANNELS_SHOWN))
    if hidden:
        found.append(
            f"{_label('marketing_spend_per_quarter')} for {', '.join(hidden)}: the explorer has "
            f"spend boxes for {', '.join(CHANNELS_SHOWN)} only"
        )
    if scenario.recruitment_budget_per_year == 0:
        found.append(
            f"{_label('recruitment_budget_per_year')} is 0; the explorer reads 0 as no limit"
        )
    if scenario.price_base_year not in PRICE_BASE_YEARS:
        found.append(
            f"{_label('price_base_year')} is {scenario.price_base_year}; the Placement budget "
            f"page offers {PRICE_BASE_YEARS[0]} to {PRICE_BASE_YEARS[-1]}"
        )
    if origin is not None:
        first = (pd.Timestamp(origin) + pd.offsets.MonthBegin(1)).strftime("%Y-%m")
        dates = [(f"{_label('homes')} opening month", h.opening_month) for h in scenario.homes]
        dates += [
            (_label(name), getattr(scenario, name))
            for name in ("ifa_share_target_date", "external_residential_target_date")
        ]
        for what, month in dates:
            if month is not None and month < first:
                found.append(
                    f"{what} is {month}, before the projection starts ({first}, the month after "
                    "the data's last month)"
                )
    return found
