"""What-if levers on demand, applied to a fitted stock-flow model's parameters without refitting.

Every lever has a unit and bounds (see :data:`LEVER_UNITS` and the ``*_BOUNDS`` constants). Invalid
levers raise :class:`LeverError` listing every problem in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sufficiency.codes import AGE_BANDS, EXIT_REASON_GROUPS, PLACEMENT_CATEGORIES
from sufficiency.demand.feasibility import ruled_out_by_law
from sufficiency.demand.hazards import MAX_MONTHLY_PROBABILITY
from sufficiency.demand.stockflow import ALL, StepDownFlow, StockFlowParams
from sufficiency.errors import SufficiencyError

ENTRY_MULTIPLIER_BOUNDS: tuple[float, float] = (0.0, 3.0)
ENTRY_CHANGE_BOUNDS: tuple[float, float] = (-50.0, 50.0)
EXIT_MULTIPLIER_BOUNDS: tuple[float, float] = (0.0, 3.0)
STEP_DOWN_CHILDREN_BOUNDS: tuple[float, float] = (0.0, 1000.0)

LEVER_UNITS: dict[str, str] = {
    "entry_multiplier": "times the expected entries (1 = no change), per age band or 'all'",
    "entry_change": (
        "children per month added to (or, if negative, taken from) expected entries, per age band; "
        "'all' spreads the change across bands in proportion to their expected entries"
    ),
    "exit_multiplier": "times the exit rate (1 = no change), per exit reason group",
    "step_downs": (
        "children a year moved from one age band and placement category to another category, "
        "delivered as a count each month while the source cell holds that many"
    ),
}


class LeverError(SufficiencyError):
    """One or more demand levers are out of bounds or name something unknown."""


@dataclass(frozen=True)
class StepDown:
    """Move a number of children a year from one cell to another placement category.

    Parameters
    ----------
    age_band : str
        One of :data:`sufficiency.codes.AGE_BANDS`.
    from_category, to_category : str
        Placement categories (e.g. external residential to in-house fostering).
    children_per_year : float
        Children moved a year, 0 to 1,000, on top of the moves already seen in the data. They
        are moved as a count, spread evenly over the months (60 a year moves 5 each month; 15 a
        year moves 1, 1, 1, 2, ... so that every 12 months move 15), while the source cell holds
        at least that many children; when it holds fewer, all of them move and the shortfall is
        not carried over. How many actually moved is reported by the projection
        (:attr:`sufficiency.demand.stockflow.MeanPath.stepped_down`,
        :attr:`sufficiency.demand.stockflow.SimulatedPaths.stepped_down`).

    Notes
    -----
    A step-down into a placement the law rules out for the age band (under-16s in supported /
    semi-independent accommodation; see :mod:`sufficiency.demand.feasibility`) is refused.
    """

    age_band: str
    from_category: str
    to_category: str
    children_per_year: float

    def problems(self) -> list[str]:
        """Plain-words validation problems (empty when valid)."""
        found = []
        if self.age_band not in AGE_BANDS:
            found.append(
                f"step-down age band '{self.age_band}' is not one of {', '.join(AGE_BANDS)}"
            )
        for label, value in (("from", self.from_category), ("to", self.to_category)):
            if value not in PLACEMENT_CATEGORIES:
                found.append(
                    f"step-down '{label}' category '{value}' is not a placement category "
                    f"(expected one of: {', '.join(PLACEMENT_CATEGORIES)})"
                )
        if self.from_category == self.to_category:
            found.append(
                f"a step-down must move children between two different categories "
                f"(both are '{self.from_category}')"
            )
        law = ruled_out_by_law(self.age_band, self.to_category)
        if law:
            found.append(f"a step-down cannot move children there: {law}")
        low, high = STEP_DOWN_CHILDREN_BOUNDS
        if not _finite(self.children_per_year) or not low <= self.children_per_year <= high:
            found.append(
                f"step-downs of {self.age_band} year olds from {self.from_category} must be "
                f"between {low:g} and {high:,.0f} children a year "
                f"(got {_show(self.children_per_year)})"
            )
        return found

    @property
    def children_per_month(self) -> float:
        """Children moved per month while the source cell holds that many."""
        return float(self.children_per_year) / 12.0


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else repr(value)


def _pairs(
    value: Mapping[str, float] | Iterable[tuple[str, float]],
) -> tuple[tuple[str, float], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), v) for k, v in items))


@dataclass(frozen=True)
class DemandLevers:
    """Validated what-if levers on demand (immutable and hashable).

    Parameters
    ----------
    entry_multiplier : mapping of str to float
        Age band (or ``'all'``) -> multiplier on expected entries, 0 to 3. A band's own value
        wins over ``'all'``.
    entry_change : mapping of str to float
        Age band (or ``'all'``) -> children per month added to expected entries, -50 to +50.
        ``'all'`` is spread across bands in proportion to their expected entries; a band's own
        value is added on top. Entries never go below zero.
    exit_multiplier : mapping of str to float
        Exit reason group (or ``'all'``) -> multiplier on that exit rate, 0 to 3.
    step_downs : sequence of StepDown
        Extra moves between placement categories, in children a year (see :class:`StepDown`).
        Several step-downs out of one cell are delivered in the order given, each from what is
        left.

    Notes
    -----
    Mappings are stored as sorted tuples of pairs so levers hash stably for caching; pass plain
    dicts, read back with :meth:`to_dict`.
    """

    entry_multiplier: tuple[tuple[str, float], ...] = field(default=())
    entry_change: tuple[tuple[str, float], ...] = field(default=())
    exit_multiplier: tuple[tuple[str, float], ...] = field(default=())
    step_downs: tuple[StepDown, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("entry_multiplier", "entry_change", "exit_multiplier"):
            object.__setattr__(self, name, _pairs(getattr(self, name)))
        steps = tuple(_step_down(s) for s in self.step_downs)
        object.__setattr__(self, "step_downs", steps)
        problems = self.problems()
        if problems:
            raise LeverError("These demand levers cannot be used: " + "; ".join(problems) + ".")

    def problems(self) -> list[str]:
        """Every validation problem, in plain words."""
        found: list[str] = []
        bands = (*AGE_BANDS, ALL)
        checks = (
            ("entry_multiplier", "entries multiplier", bands, ENTRY_MULTIPLIER_BOUNDS, "times"),
            ("entry_change", "change in entries", bands, ENTRY_CHANGE_BOUNDS, "children a month"),
            (
                "exit_multiplier",
                "exit-rate multiplier",
                (*EXIT_REASON_GROUPS, ALL),
                EXIT_MULTIPLIER_BOUNDS,
                "times",
            ),
        )
        for name, label, allowed, (low, high), unit in checks:
            for key, value in getattr(self, name):
                if key not in allowed:
                    found.append(
                        f"{label} given for '{key}', which is not one of {', '.join(allowed)}"
                    )
                elif not _finite(value) or not low <= float(value) <= high:
                    found.append(
                        f"{label} for '{key}' must be between {low:g} and {high:g} "
                        f"{unit} (got {_show(value)})"
                    )
        for step in self.step_downs:
            found.extend(step.problems())
        return found

    # --- (de)serialisation ----------------------------------------------------------------

    def to_dict(self) -> dict:
        """Plain dict (JSON/TOML friendly); :meth:`from_dict` reverses it."""
        return {
            "entry_multiplier": dict(self.entry_multiplier),
            "entry_change": dict(self.entry_change),
            "exit_multiplier": dict(self.exit_multiplier),
            "step_downs": [
                {
                    "age_band": s.age_band,
                    "from_category": s.from_category,
                    "to_category": s.to_category,
                    "children_per_year": s.children_per_year,
                }
                for s in self.step_downs
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> DemandLevers:
        """Levers from :meth:`to_dict` output; unknown keys are an error."""
        unknown = set(data) - {"entry_multiplier", "entry_change", "exit_multiplier", "step_downs"}
        if unknown:
            raise LeverError(f"Unknown demand lever(s): {', '.join(sorted(unknown))}.")
        return cls(
            entry_multiplier=data.get("entry_multiplier", {}),
            entry_change=data.get("entry_change", {}),
            exit_multiplier=data.get("exit_multiplier", {}),
            step_downs=tuple(_step_down(s) for s in data.get("step_downs", ())),
        )

    @property
    def is_neutral(self) -> bool:
        """True when the levers change nothing."""
        return (
            all(v == 1 for _, v in self.entry_multiplier)
            and all(v == 0 for _, v in self.entry_change)
            and all(v == 1 for _, v in self.exit_multiplier)
            and all(s.children_per_year == 0 for s in self.step_downs)
        )

    def describe(self) -> list[str]:
        """One plain sentence per active lever, with units."""
        lines = []
        for key, value in self.entry_multiplier:
            if value != 1:
                who = "all ages" if key == ALL else f"age {key}"
                lines.append(f"Entries into care ({who}) at {value:.0%} of the expected level.")
        for key, value in self.entry_change:
            if value != 0:
                who = "in total" if key == ALL else f"age {key}"
                lines.append(f"Entries ({who}) {value:+g} children a month.")
        for key, value in self.exit_multiplier:
            if value != 1:
                who = "all exits" if key == ALL else f"exits to {key}"
                lines.append(f"Rate of {who} at {value:.0%} of the recent rate.")
        for s in self.step_downs:
            if s.children_per_year:
                lines.append(
                    f"Move {s.children_per_year:g} children a year ({s.age_band} year olds) "
                    f"from {s.from_category} to {s.to_category}, while there are that many."
                )
        return lines

    # --- the fast path --------------------------------------------------------------------

    def apply(self, params: StockFlowParams) -> StockFlowParams:
        """Fitted parameters with these levers applied (no refitting; microseconds)."""
        if self.is_neutral:
            return params
        bands, groups = params.age_bands, params.exit_groups

        multipliers = dict(self.entry_multiplier)
        default = float(multipliers.get(ALL, 1.0))
        mult = np.array([float(multipliers.get(b, default)) for b in bands])
        changes = dict(self.entry_change)
        add = np.array([float(changes.get(b, 0.0)) for b in bands])
        spread = float(changes.get(ALL, 0.0))

        def shift(mean: np.ndarray) -> np.ndarray:
            out = mean * mult + add
            if spread:
                level = mean.sum(axis=-1, keepdims=True)
                weights = np.where(
                    level > 0, mean / np.where(level > 0, level, 1.0), 1 / len(bands)
                )
                out = out + spread * weights
            return np.clip(out, 0.0, None)

        exits = dict(self.exit_multiplier)
        all_exits = float(exits.get(ALL, 1.0))
        factors = np.array([float(exits.get(group, all_exits)) for group in groups])
        exit_prob = params.exit_prob * factors
        # a month's chances of leaving and moving can never add up to more than the cap
        exit_total = exit_prob.sum(axis=-1)
        room = np.clip(MAX_MONTHLY_PROBABILITY - params.move_prob, 0.0, None)
        over = exit_total > room
        if over.any():
            scale = np.where(over, room / np.where(over, exit_total, 1.0), 1.0)
            exit_prob = exit_prob * scale[..., None]
        flows = tuple(
            StepDownFlow(
                source=params.state_index(step.age_band, step.from_category),
                target=params.state_index(step.age_band, step.to_category),
                children_per_month=step.children_per_month,
                label=f"{step.age_band}: {step.from_category} -> {step.to_category}",
            )
            for step in self.step_downs
            if step.children_per_year > 0
        )
        return params.replace(
            exit_prob=exit_prob,
            step_downs=params.step_downs + flows,
            entry_mean=shift(params.entry_mean),
        )


def _step_down(value: StepDown | Mapping) -> StepDown:
    """A StepDown from itself or a mapping; the retired share-of-cell form gets a clear message."""
    if isinstance(value, StepDown):
        return value
    data = dict(value)
    if "share_per_year" in data:
        raise LeverError(
            "Step-downs are given in children a year (children_per_year), not as a share of the "
            f"cell (share_per_year={data['share_per_year']!r}): say how many children to move."
        )
    unknown = set(data) - {"age_band", "from_category", "to_category", "children_per_year"}
    if unknown:
        raise LeverError(f"Unknown step-down field(s): {', '.join(sorted(unknown))}.")
    missing = {"age_band", "from_category", "to_category", "children_per_year"} - set(data)
    if missing:
        raise LeverError(f"A step-down needs {', '.join(sorted(missing))}.")
    return StepDown(**data)
