"""The scenario value: a plain, immutable, validated set of levers (:class:`Scenario`).

Reading and writing it (TOML, JSON, the share-link query string) is in
:mod:`sufficiency.scenario.serialise`; running it in :mod:`sufficiency.scenario.engine`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError
from sufficiency.scenario.levers import (
    BOUND_HOME_RUNNING_COST,
    CARER_TYPES,
    CHANNELS,
    LEVERS,
    SCHEMA_VERSION,
    STEP_DOWN_DESTINATIONS_16_17,
)
from sufficiency.scenario.validation import MAX_BEDS_PER_HOME, plausibility_problems


@dataclass(frozen=True)
class ChildrensHome:
    """An in-house children's home opening (positive beds) or closing (negative beds).

    Parameters
    ----------
    beds : int
        Beds opened (positive) or closed (negative), -30 to 30, not zero.
    opening_month : str
        Month it opens or closes, ``YYYY-MM``.
    weekly_running_cost : float
        £ a week to run the whole home (staff, premises), 0 to 100,000. Used for openings; a
        closure saves the per-child in-house residential cost of the children it housed.
    name : str
        A label for tables.
    """

    beds: int
    opening_month: str
    weekly_running_cost: float = 0.0
    name: str = "children's home"

    def __post_init__(self) -> None:
        if _number(self.weekly_running_cost):
            object.__setattr__(self, "weekly_running_cost", float(self.weekly_running_cost))

    def problems(self) -> list[str]:
        found = []
        if not isinstance(self.beds, int) or isinstance(self.beds, bool):
            found.append(f"children's home '{self.name}': beds must be a whole number")
        elif self.beds == 0 or not -MAX_BEDS_PER_HOME <= self.beds <= MAX_BEDS_PER_HOME:
            found.append(
                f"children's home '{self.name}': beds must be between -{MAX_BEDS_PER_HOME} "
                f"(closure) and {MAX_BEDS_PER_HOME} (the largest children's home in England has "
                f"{MAX_BEDS_PER_HOME} places, Ofsted 31 March 2025), "
                f"not 0 (got {self.beds})"
            )
        if not isinstance(self.name, str) or ";" in self.name or not self.name.strip():
            found.append(f"children's home name {self.name!r} must be text without semicolons")
        if _month(self.opening_month) is None:
            found.append(
                f"children's home '{self.name}': opening month must look like 2026-09 "
                f"(got {self.opening_month!r})"
            )
        if not _number(self.weekly_running_cost) or not 0 <= self.weekly_running_cost <= 100_000:
            found.append(
                f"children's home '{self.name}': weekly running cost must be £0 to £100,000 a "
                f"week (got {self.weekly_running_cost!r}); why this bound: {BOUND_HOME_RUNNING_COST}"
            )
        return found


def _month(text: object) -> pd.Timestamp | None:
    """Month end for ``YYYY-MM`` text, else None."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return None
    try:
        return pd.Timestamp(f"{text}-01") + pd.offsets.MonthEnd(0)
    except ValueError:
        return None


def _number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _pairs(value: Mapping | Iterable | None) -> tuple[tuple[str, float], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), float(v) if _number(v) else v) for k, v in items))


_MAPPING_FIELDS = (
    "entries_change_pct",
    "approvals_per_quarter",
    "marketing_spend_per_quarter",
    "unit_costs",
)
_TEXT_FIELDS = ("name", "description")
_CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "step_down_16_17_to": tuple(STEP_DOWN_DESTINATIONS_16_17),
    "ifa_share_target_basis": ("foster placements", "non-kinship fostering"),
}
_BOOL_FIELDS = ("approvals_in_pipeline", "solve_targets")
_FLOAT_FIELDS = (
    "edge_of_care_cost_per_year",
    "step_downs_per_year",
    "step_down_support_per_week",
    "step_down_support_months",
    "conversion_improvement_pct",
    "conversion_cost_per_year",
    "deregistration_change_pct",
    "retention_cost_per_year",
    "annual_inflation_pct",
    "recruitment_cost_per_household",
    "allowance_per_child_per_week",
    "fee_per_household_per_week",
    "ssw_cost_per_household_per_year",
)
_OPTIONAL_FLOAT_FIELDS = (
    "cost_per_enquiry",
    "enquiry_to_approval_pct",
    "days_enquiry_to_approval",
    "annual_leaving_rate_pct",
    "places_per_household",
    "occupancy_pct",
    "assessment_capacity_per_quarter",
    "channel_reach",
    "recruitment_budget_per_year",
    "ifa_share_target_pct",
    "external_residential_target",
)
AUTHORITY_LEVERS: tuple[str, ...] = (
    "cost_per_enquiry",
    "enquiry_to_approval_pct",
    "days_enquiry_to_approval",
    "annual_leaving_rate_pct",
    "places_per_household",
    "occupancy_pct",
    "assessment_capacity_per_quarter",
    "channel_reach",
)
"""Levers that default to the authority's own figure (None = use it)."""


@dataclass(frozen=True)
class Scenario:
    """An immutable, validated what-if scenario (see :data:`LEVERS` for units and sources).

    Mappings (``entries_change_pct``, ``approvals_per_quarter``, ``marketing_spend_per_quarter``,
    ``unit_costs``) may be passed as dicts; they are stored as sorted tuples of pairs so the
    scenario is hashable. Levers in :data:`AUTHORITY_LEVERS` are None unless overridden: the run
    then uses the authority's own figure. Invalid values raise :class:`SufficiencyError` naming
    the lever, its unit and the allowed range.

    ``migration_notes`` says what changed when the scenario was read from an older format; it is
    not part of the scenario's identity.
    """

    name: str = "baseline"
    description: str = ""
    horizon_months: int = 60
    entries_change_pct: tuple[tuple[str, float], ...] = ()
    edge_of_care_cost_per_year: float = 0.0
    step_downs_per_year: float = 0.0
    step_down_16_17_to: str = "supported"
    step_down_support_per_week: float = 400.0
    step_down_support_months: float = 12.0
    approvals_per_quarter: tuple[tuple[str, float], ...] = ()
    approvals_in_pipeline: bool = False
    marketing_spend_per_quarter: tuple[tuple[str, float], ...] = ()
    cost_per_enquiry: float | None = None
    enquiry_to_approval_pct: float | None = None
    days_enquiry_to_approval: float | None = None
    conversion_improvement_pct: float = 0.0
    conversion_cost_per_year: float = 0.0
    deregistration_change_pct: float = 0.0
    retention_cost_per_year: float = 0.0
    annual_leaving_rate_pct: float | None = None
    places_per_household: float | None = None
    occupancy_pct: float | None = None
    assessment_capacity_per_quarter: float | None = None
    channel_reach: float | None = None
    recruitment_budget_per_year: float | None = None
    homes: tuple[ChildrensHome, ...] = ()
    unit_costs: tuple[tuple[str, float], ...] = ()
    annual_inflation_pct: float = 3.0
    price_base_year: str = "2025-26"
    recruitment_cost_per_household: float = fin.RECRUITMENT_PER_HOUSEHOLD
    allowance_per_child_per_week: float = fin.ALLOWANCE_PER_CHILD_PER_WEEK
    fee_per_household_per_week: float = fin.FEE_PER_HOUSEHOLD_PER_WEEK
    ssw_cost_per_household_per_year: float = fin.SSW_PER_HOUSEHOLD_PER_YEAR
    ifa_share_target_pct: float | None = None
    ifa_share_target_date: str | None = None
    ifa_share_target_basis: str = "foster placements"
    external_residential_target: float | None = None
    external_residential_target_date: str | None = None
    solve_targets: bool = True
    n_simulations: int = 200
    migration_notes: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in _MAPPING_FIELDS:
            object.__setattr__(self, name, _pairs(getattr(self, name)))
        homes = tuple(
            h if isinstance(h, ChildrensHome) else ChildrensHome(**dict(h)) for h in self.homes
        )
        object.__setattr__(self, "homes", homes)
        for name in (*_FLOAT_FIELDS, *_OPTIONAL_FLOAT_FIELDS):
            value = getattr(self, name)
            if _number(value):
                object.__setattr__(self, name, float(value))
        object.__setattr__(self, "migration_notes", tuple(self.migration_notes))
        problems = self.problems()
        if problems:
            raise SufficiencyError(
                f"Scenario '{self.name}' cannot be used: " + "; ".join(problems) + "."
            )

    # --- validation ------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every validation problem in plain words (empty when the scenario is valid)."""
        found: list[str] = []

        def bounded(name: str, value: object, label: str | None = None) -> None:
            lever = LEVERS[name]
            what = label or lever.label
            if not _number(value) or not lever.minimum <= float(value) <= lever.maximum:
                why = f"; why this bound: {lever.bounds_source}" if lever.bounds_source else ""
                found.append(
                    f"{what} ({name}) must be a number from {lever.minimum:g} to "
                    f"{lever.maximum:g} {lever.unit} (got {value!r}){why}"
                )

        for text in _TEXT_FIELDS:
            if not isinstance(getattr(self, text), str):
                found.append(f"{text} must be text")
        if not isinstance(self.name, str) or not self.name.strip():
            found.append("name must not be empty")
        if not isinstance(self.horizon_months, int) or isinstance(self.horizon_months, bool):
            found.append(
                f"Projection horizon (horizon_months) must be a whole number of months "
                f"from 12 to 120 (got {self.horizon_months!r})"
            )
        else:
            bounded("horizon_months", self.horizon_months)
        if not isinstance(self.n_simulations, int) or isinstance(self.n_simulations, bool):
            found.append(
                f"n_simulations must be a whole number of paths from 0 to 2000 "
                f"(got {self.n_simulations!r})"
            )
        else:
            bounded("n_simulations", self.n_simulations)
        for name in _BOOL_FIELDS:
            if not isinstance(getattr(self, name), bool):
                found.append(f"{name} must be true or false (got {getattr(self, name)!r})")
        for name, allowed in _CHOICE_FIELDS.items():
            if getattr(self, name) not in allowed:
                found.append(
                    f"{LEVERS[name].label} ({name}) must be one of "
                    f"{', '.join(repr(a) for a in allowed)} (got {getattr(self, name)!r})"
                )
        for band, value in self.entries_change_pct:
            if band not in codes.AGE_BANDS:
                found.append(
                    f"entries_change_pct names age band '{band}'; age bands are "
                    f"{', '.join(codes.AGE_BANDS)}"
                )
            else:
                bounded("entries_change_pct", value, f"Change in entries for age {band}")
        for carer_type, value in self.approvals_per_quarter:
            if carer_type not in CARER_TYPES:
                found.append(
                    f"approvals_per_quarter names carer type '{carer_type}'; carer types "
                    f"are {', '.join(CARER_TYPES)}"
                )
            else:
                bounded("approvals_per_quarter", value, f"Approvals of {carer_type} households")
        for channel, value in self.marketing_spend_per_quarter:
            if channel not in CHANNELS:
                found.append(
                    f"marketing_spend_per_quarter names channel '{channel}'; channels "
                    f"are {', '.join(CHANNELS)}"
                )
            else:
                bounded("marketing_spend_per_quarter", value, f"Marketing spend on {channel}")
        for category, value in self.unit_costs:
            if category not in codes.PLACEMENT_CATEGORIES:
                found.append(
                    f"unit_costs names placement category '{category}'; categories are "
                    f"{', '.join(codes.PLACEMENT_CATEGORIES)}"
                )
            else:
                bounded("unit_costs", value, f"Unit cost of {category}")
        for name in _FLOAT_FIELDS:
            bounded(name, getattr(self, name))
        for name in _OPTIONAL_FLOAT_FIELDS:
            if getattr(self, name) is not None and name not in (
                "ifa_share_target_pct",
                "external_residential_target",
            ):
                bounded(name, getattr(self, name))
        home_problems = [problem for home in self.homes for problem in home.problems()]
        found.extend(home_problems[:5])
        if len(home_problems) > 5:
            found.append(f"and {len(home_problems) - 5} more problems with homes")
        found.extend(plausibility_problems(self))
        try:
            fin.financial_year_start(self.price_base_year)
            if not 2015 <= fin.financial_year_start(self.price_base_year) <= 2100:
                found.append(f"price_base_year must be from 2015-16 (got {self.price_base_year})")
        except (SufficiencyError, AttributeError):
            found.append(
                f"price_base_year must be a financial year like 2025-26 "
                f"(got {self.price_base_year!r})"
            )
        for target, date in (
            ("ifa_share_target_pct", "ifa_share_target_date"),
            ("external_residential_target", "external_residential_target_date"),
        ):
            value, when = getattr(self, target), getattr(self, date)
            if value is not None:
                bounded(target, value)
                if _month(when) is None:
                    found.append(
                        f"{date} must be a month like 2028-03 when {target} is set (got {when!r})"
                    )
            elif when is not None:
                found.append(f"{date} is set but {target} is not")
        return found

    @property
    def has_targets(self) -> bool:
        """True when an IFA share or external residential target is set."""
        return self.ifa_share_target_pct is not None or self.external_residential_target is not None

    # --- identity ----------------------------------------------------------------------------

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some levers changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON and TOML friendly); unset optional levers are left out."""
        data: dict[str, Any] = {"version": SCHEMA_VERSION}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _MAPPING_FIELDS:
                if value:
                    data[f.name] = dict(value)
            elif f.name == "homes":
                if value:
                    data["homes"] = [dataclasses.asdict(h) for h in value]
            elif f.name == "migration_notes":
                continue
            elif value is not None:
                data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
        """A scenario from :meth:`to_dict` output; unknown keys are an error naming ``source``."""
        data = dict(data)
        version = data.pop("version", SCHEMA_VERSION)
        notes: list[str] = []
        if version == 1:
            from sufficiency.scenario.migrate import migrate_v1

            data, notes = migrate_v1(data)
        elif version != SCHEMA_VERSION:
            raise SufficiencyError(
                f"{source} is scenario format version {version!r}; this tool reads versions 1 "
                f"and {SCHEMA_VERSION}. Re-save the scenario with this version of the tool."
            )
        data.pop("migration_notes", None)
        known = {f.name for f in dataclasses.fields(cls)} - {"migration_notes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SufficiencyError(
                f"{source} has unknown setting(s) {', '.join(unknown)}. Known levers: "
                f"{', '.join(sorted(known))}."
            )
        if "homes" in data:
            homes = []
            for i, home in enumerate(data["homes"], start=1):
                if not isinstance(home, Mapping):
                    raise SufficiencyError(
                        f"{source}: home {i} must be a table of beds, "
                        "opening_month and weekly_running_cost"
                    )
                extra = set(home) - {f.name for f in dataclasses.fields(ChildrensHome)}
                if extra:
                    raise SufficiencyError(
                        f"{source}: home {i} has unknown setting(s) {', '.join(sorted(extra))}"
                    )
                homes.append(ChildrensHome(**home))
            data["homes"] = tuple(homes)
        try:
            return cls(**data, migration_notes=tuple(notes))
        except TypeError as error:
            raise SufficiencyError(f"{source} could not be read: {error}") from None

    def fingerprint(self) -> str:
        """Stable hash (16 hex characters) of every lever that changes results.

        The name and description are left out, so a renamed copy shares cached results.
        """
        data = self.to_dict()
        for text in _TEXT_FIELDS:
            data.pop(text, None)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    # --- TOML, JSON and the share-link query string (sufficiency.scenario.serialise) ----------

    def to_json(self) -> str:
        """JSON text (readable by :meth:`from_json`)."""
        from sufficiency.scenario import serialise

        return serialise.to_json(self)

    @classmethod
    def from_json(cls, text: str, *, source: str = "scenario JSON") -> Scenario:
        """A scenario from JSON text."""
        from sufficiency.scenario import serialise

        return serialise.from_json(text, source=source)

    def to_toml(self) -> str:
        """TOML text (readable by :meth:`from_toml`)."""
        from sufficiency.scenario import serialise

        return serialise.to_toml(self)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "scenario TOML") -> Scenario:
        """A scenario from TOML text."""
        from sufficiency.scenario import serialise

        return serialise.from_toml(text, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file."""
        from sufficiency.scenario import serialise

        return serialise.from_file(path)

    def to_query_string(self) -> str:
        """Compact, versioned query string (``v=2&...``) holding only levers that differ from
        the defaults; :meth:`from_query_string` reverses it (version 1 links are migrated)."""
        from sufficiency.scenario import serialise

        return serialise.to_query_string(self)

    @classmethod
    def from_query_string(cls, query: str) -> Scenario:
        """A scenario from :meth:`to_query_string` output (a leading ``?`` is ignored)."""
        from sufficiency.scenario import serialise

        return serialise.from_query_string(query)
