"""Scenarios: a validated, immutable set of levers, and running one into a :class:`ScenarioResult`.

A :class:`Scenario` covers every lever a commissioner, fostering manager or finance officer can
pull: entries by age band (edge-of-care work), step-downs from external residential to fostering,
recruitment (approvals per quarter by carer type, or marketing spend by channel), conversion and
retention improvements, new or closing in-house children's homes, unit costs and inflation, and
targets with dates. :data:`LEVERS` documents each lever's unit, bounds, default and source.

Scenarios round-trip through TOML, JSON and a versioned URL query string, and
:meth:`Scenario.fingerprint` gives a stable hash of everything that changes the results.

:func:`run` is a pure function of (data, fitted models, scenario, seed): demand levers are applied
to the fitted stock-flow model's parameters (no refit), foster-carer households are projected from
recruitment and retention, demand is allocated to in-house capacity first, and the resulting
placements are costed by financial year against the baseline.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError

SCHEMA_VERSION = 1
"""Version of the TOML/JSON/query-string format (``v=1`` in query strings)."""

CARER_TYPES: tuple[str, ...] = (
    "mainstream",
    "parent and child",
    "teenagers",
    "sibling groups",
    "disabled children",
)
"""In-house carer types recruitment can be planned for (kinship carers are approved per child)."""

CHANNELS: tuple[str, ...] = (
    "radio",
    "social media",
    "billboard",
    "bus stop",
    "leaflet drop",
    "stadium screen",
    "word of mouth",
    "council website",
    "event",
    "other",
)
"""Recruitment marketing channels (as in the funnel records)."""

# Which age bands each carer type's places serve, as shares of the household's places.
_CARER_TYPE_BANDS: dict[str, dict[str, float]] = {
    "parent and child": {"under 1": 1.0},
    "teenagers": {"10-15": 0.6, "16-17": 0.4},
    "sibling groups": {"1-4": 0.3, "5-9": 0.45, "10-15": 0.25},
    "disabled children": {"5-9": 0.4, "10-15": 0.4, "16-17": 0.2},
}


@dataclass(frozen=True)
class Lever:
    """Documentation and bounds of one scenario lever."""

    name: str
    label: str
    unit: str
    minimum: float | None
    maximum: float | None
    default: Any
    source: str


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "horizon_months",
            "Projection horizon",
            "months",
            12,
            120,
            60,
            "choice: five years covers a sufficiency strategy and a medium-term financial plan",
        ),
        Lever(
            "entries_change_pct",
            "Change in entries into care, by age band (edge-of-care work)",
            "% change on expected entries, per age band",
            -50,
            50,
            0.0,
            "your edge-of-care plan; 0 = entries follow the fitted trend",
        ),
        Lever(
            "step_downs_per_year",
            "Step-downs from external residential to fostering",
            "children a year",
            0,
            200,
            0.0,
            "your step-down programme; 0 = moves as seen in the data only",
        ),
        Lever(
            "step_down_support_per_week",
            "Extra support for each stepped-down child (enhanced fee, therapy, respite)",
            "£ per stepped-down child per week, on top of the foster placement cost",
            0,
            5_000,
            400.0,
            fin.ASSUMPTION + " (an enhanced fee and support package for a teenager leaving a "
            "children's home)",
        ),
        Lever(
            "step_down_support_months",
            "Months of extra support after each step-down",
            "months",
            0,
            60,
            12.0,
            fin.ASSUMPTION,
        ),
        Lever(
            "approvals_per_quarter",
            "New in-house foster carer households approved, by carer type",
            "households a quarter, per carer type",
            0,
            100,
            None,
            "your recruitment plan; empty = recruitment just replaces carers who leave "
            "(households held steady at the forecast start)",
        ),
        Lever(
            "marketing_spend_per_quarter",
            "Extra recruitment marketing spend, by channel",
            "£ a quarter, per channel",
            0,
            500_000,
            None,
            "your marketing budget; converted to approvals with the cost per enquiry and the "
            "enquiry-to-approval conversion",
        ),
        Lever(
            "cost_per_enquiry",
            "Marketing cost per enquiry",
            "£ per enquiry",
            1,
            20_000,
            320.0,
            fin.ASSUMPTION + " (use your campaign spend ÷ enquiries by channel)",
        ),
        Lever(
            "enquiry_to_approval_pct",
            "Enquiries that end in approval",
            "% of enquiries",
            0.1,
            100,
            4.0,
            "Ofsted Fostering in England: local authority enquiry to application 12% (2018-19, "
            "2022-23) × application to approval 33% (2017-18) ≈ 4%",
        ),
        Lever(
            "conversion_improvement_pct",
            "Improvement in enquiry-to-approval conversion",
            "% relative improvement (10 = a tenth more approvals per enquiry)",
            0,
            200,
            0.0,
            "your funnel improvement plan",
        ),
        Lever(
            "deregistration_change_pct",
            "Change in carer households leaving (retention)",
            "% relative change in the yearly leaving rate (-20 = a fifth fewer leave)",
            -90,
            100,
            0.0,
            "your retention plan",
        ),
        Lever(
            "annual_leaving_rate_pct",
            "Yearly leaving rate of in-house households (before the change above)",
            "% of households a year",
            0,
            60,
            15.0,
            "Ofsted Fostering in England: 15% of mainstream households deregistered a year "
            "(2021-22, 2022-23)",
        ),
        Lever(
            "places_per_household",
            "Approved places per in-house household",
            "places",
            0.5,
            6,
            1.85,
            "Ofsted Fostering in England 2017-19: local authority 1.83-1.87",
        ),
        Lever(
            "occupancy_pct",
            "Approved places filled",
            "% of approved places",
            10,
            100,
            66.0,
            "Ofsted Fostering in England 2017-18: local authority services 66%",
        ),
        Lever(
            "homes",
            "In-house children's homes opening (+beds) or closing (-beds)",
            "beds, opening month (YYYY-MM), £ a week running cost of the home",
            -30,
            30,
            (),
            "your residential strategy; a new home's running cost replaces per-child costs",
        ),
        Lever(
            "unit_costs",
            "Weekly unit cost by placement category (overrides)",
            "£ per child per week, at the price base year",
            0,
            50_000,
            None,
            "defaults in sufficiency.finance.DEFAULT_UNIT_COSTS, each with its source",
        ),
        Lever(
            "annual_inflation_pct",
            "Annual inflation of placement costs",
            "% a year",
            0,
            20,
            3.0,
            fin.ASSUMPTION + " (placement fees have risen faster than CPI; CPI 2024 was 3.3%)",
        ),
        Lever(
            "price_base_year",
            "Price base (financial year)",
            "financial year, e.g. 2025-26",
            None,
            None,
            "2025-26",
            "choice: costs are stated at this year's prices and inflated after it",
        ),
        Lever(
            "recruitment_cost_per_household",
            "Recruitment and assessment cost per approved household",
            "£ per approved household",
            0,
            100_000,
            fin.CarerCosts().recruitment_assessment_per_household,
            fin.CarerCosts().sources["recruitment_assessment_per_household"],
        ),
        Lever(
            "ssw_cost_per_household_per_year",
            "Supervising social worker cost per extra household",
            "£ per household a year",
            0,
            50_000,
            fin.CarerCosts().supervising_social_worker_per_household_per_year,
            fin.CarerCosts().sources["supervising_social_worker_per_household_per_year"],
        ),
        Lever(
            "ifa_share_target_pct",
            "Target IFA share of non-kinship foster placements",
            "% of non-kinship foster placements",
            0,
            100,
            None,
            "your sufficiency strategy (e.g. 48% to 30% by 2028)",
        ),
        Lever(
            "external_residential_target",
            "Target number of children in external residential care",
            "children",
            0,
            1000,
            None,
            "your sufficiency strategy",
        ),
        Lever(
            "n_simulations",
            "Simulated paths for intervals",
            "paths (0 = mean path only, fastest)",
            0,
            2000,
            200,
            "choice: 200 paths give stable 10th-90th percentiles",
        ),
    )
}
"""Every scenario lever with its unit, bounds, default and source."""


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
        elif self.beds == 0 or not -30 <= self.beds <= 30:
            found.append(
                f"children's home '{self.name}': beds must be between -30 (closure) and 30, "
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
                f"week (got {self.weekly_running_cost!r})"
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
_FLOAT_FIELDS = (
    "step_downs_per_year",
    "step_down_support_per_week",
    "step_down_support_months",
    "cost_per_enquiry",
    "enquiry_to_approval_pct",
    "conversion_improvement_pct",
    "deregistration_change_pct",
    "annual_leaving_rate_pct",
    "places_per_household",
    "occupancy_pct",
    "annual_inflation_pct",
    "recruitment_cost_per_household",
    "ssw_cost_per_household_per_year",
    "ifa_share_target_pct",
    "external_residential_target",
)


@dataclass(frozen=True)
class Scenario:
    """An immutable, validated what-if scenario (see :data:`LEVERS` for units and sources).

    Mappings (``entries_change_pct``, ``approvals_per_quarter``, ``marketing_spend_per_quarter``,
    ``unit_costs``) may be passed as dicts; they are stored as sorted tuples of pairs so the
    scenario is hashable. Invalid values raise :class:`SufficiencyError` naming the lever, its
    unit and the allowed range.
    """

    name: str = "baseline"
    description: str = ""
    horizon_months: int = 60
    entries_change_pct: tuple[tuple[str, float], ...] = ()
    step_downs_per_year: float = 0.0
    step_down_support_per_week: float = 400.0
    step_down_support_months: float = 12.0
    approvals_per_quarter: tuple[tuple[str, float], ...] = ()
    marketing_spend_per_quarter: tuple[tuple[str, float], ...] = ()
    cost_per_enquiry: float = 320.0
    enquiry_to_approval_pct: float = 4.0
    conversion_improvement_pct: float = 0.0
    deregistration_change_pct: float = 0.0
    annual_leaving_rate_pct: float = 15.0
    places_per_household: float = 1.85
    occupancy_pct: float = 66.0
    homes: tuple[ChildrensHome, ...] = ()
    unit_costs: tuple[tuple[str, float], ...] = ()
    annual_inflation_pct: float = 3.0
    price_base_year: str = "2025-26"
    recruitment_cost_per_household: float = field(
        default=fin.CarerCosts().recruitment_assessment_per_household
    )
    ssw_cost_per_household_per_year: float = field(
        default=fin.CarerCosts().supervising_social_worker_per_household_per_year
    )
    ifa_share_target_pct: float | None = None
    ifa_share_target_date: str | None = None
    external_residential_target: float | None = None
    external_residential_target_date: str | None = None
    n_simulations: int = 200

    def __post_init__(self) -> None:
        for name in _MAPPING_FIELDS:
            object.__setattr__(self, name, _pairs(getattr(self, name)))
        homes = tuple(
            h if isinstance(h, ChildrensHome) else ChildrensHome(**dict(h)) for h in self.homes
        )
        object.__setattr__(self, "homes", homes)
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if _number(value):
                object.__setattr__(self, name, float(value))
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
                found.append(
                    f"{what} ({name}) must be a number from {lever.minimum:g} to "
                    f"{lever.maximum:g} {lever.unit} (got {value!r})"
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
        for name in _FLOAT_FIELDS[:-2]:
            bounded(name, getattr(self, name))
        for home in self.homes:
            found.extend(home.problems())
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
            elif value is not None:
                data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
        """A scenario from :meth:`to_dict` output; unknown keys are an error naming ``source``."""
        data = dict(data)
        version = data.pop("version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise SufficiencyError(
                f"{source} is scenario format version {version}; this tool reads version "
                f"{SCHEMA_VERSION}. Re-save the scenario with this version of the tool."
            )
        known = {f.name for f in dataclasses.fields(cls)}
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
            return cls(**data)
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

    # --- TOML and JSON -----------------------------------------------------------------------

    def to_json(self) -> str:
        """JSON text (readable by :meth:`from_json`)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, source: str = "scenario JSON") -> Scenario:
        """A scenario from JSON text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SufficiencyError(
                f"{source} is not valid JSON (line {error.lineno}, column {error.colno}: "
                f"{error.msg})."
            ) from None
        if not isinstance(data, dict):
            raise SufficiencyError(f"{source} must hold one JSON object of scenario levers.")
        return cls.from_dict(data, source=source)

    def to_toml(self) -> str:
        """TOML text (readable by :meth:`from_toml`)."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, text: str, *, source: str = "scenario TOML") -> Scenario:
        """A scenario from TOML text."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SufficiencyError(f"{source} is not valid TOML: {error}.") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file."""
        path = Path(path)
        if not path.is_file():
            raise SufficiencyError(f"Scenario file {path} does not exist. Check the path.")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            return cls.from_json(text, source=str(path))
        return cls.from_toml(text, source=str(path))

    # --- URL query string --------------------------------------------------------------------

    def to_query_string(self) -> str:
        """Compact, versioned query string (``v=1&...``) holding only levers that differ from
        the defaults; :meth:`from_query_string` reverses it."""
        default = Scenario()
        pairs: list[tuple[str, str]] = [("v", str(SCHEMA_VERSION))]
        for name, key in _QUERY_KEYS.items():
            value = getattr(self, name)
            if value == getattr(default, name):
                continue
            if name in _MAPPING_FIELDS:
                short = _SHORT_NAMES.get(name, {})
                text = ",".join(f"{short.get(k, k)}:{_fmt(v)}" for k, v in value)
            elif name == "homes":
                text = ";".join(
                    f"{h.beds}:{h.opening_month}:{_fmt(h.weekly_running_cost)}:{h.name}"
                    for h in value
                )
            elif value is None:
                text = ""
            else:
                text = _fmt(value)
            pairs.append((key, text))
        return urlencode(pairs)

    @classmethod
    def from_query_string(cls, query: str) -> Scenario:
        """A scenario from :meth:`to_query_string` output (a leading ``?`` is ignored)."""
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
        values = dict(pairs)
        version = values.pop("v", None)
        if version != str(SCHEMA_VERSION):
            raise SufficiencyError(
                f"This scenario link is format version {version!r}; this tool reads version "
                f"{SCHEMA_VERSION}. Ask for a new link."
            )
        by_key = {key: name for name, key in _QUERY_KEYS.items()}
        data: dict[str, Any] = {}
        for key, text in values.items():
            name = by_key.get(key)
            if name is None:
                raise SufficiencyError(f"This scenario link has an unknown setting '{key}'.")
            try:
                data[name] = _parse_query_value(name, text)
            except (ValueError, IndexError):
                raise SufficiencyError(
                    f"This scenario link has an unreadable value for {name}: {text!r}."
                ) from None
        return cls(**data)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_QUERY_KEYS: dict[str, str] = {
    "name": "n",
    "description": "d",
    "horizon_months": "h",
    "entries_change_pct": "ec",
    "step_downs_per_year": "sd",
    "step_down_support_per_week": "sds",
    "step_down_support_months": "sdm",
    "approvals_per_quarter": "ap",
    "marketing_spend_per_quarter": "ms",
    "cost_per_enquiry": "cpe",
    "enquiry_to_approval_pct": "eta",
    "conversion_improvement_pct": "ci",
    "deregistration_change_pct": "dr",
    "annual_leaving_rate_pct": "lr",
    "places_per_household": "pph",
    "occupancy_pct": "oc",
    "homes": "hm",
    "unit_costs": "uc",
    "annual_inflation_pct": "inf",
    "price_base_year": "pb",
    "recruitment_cost_per_household": "rc",
    "ssw_cost_per_household_per_year": "ssw",
    "ifa_share_target_pct": "ifa",
    "ifa_share_target_date": "ifad",
    "external_residential_target": "er",
    "external_residential_target_date": "erd",
    "n_simulations": "sims",
}

_SHORT_NAMES: dict[str, dict[str, str]] = {
    "entries_change_pct": {b: str(i) for i, b in enumerate(codes.AGE_BANDS)},
    "approvals_per_quarter": {t: str(i) for i, t in enumerate(CARER_TYPES)},
    "marketing_spend_per_quarter": {c: str(i) for i, c in enumerate(CHANNELS)},
    "unit_costs": {c: str(i) for i, c in enumerate(codes.PLACEMENT_CATEGORIES)},
}


def _parse_query_value(name: str, text: str) -> Any:
    if name in _MAPPING_FIELDS:
        long = {v: k for k, v in _SHORT_NAMES[name].items()}
        items = []
        for part in filter(None, text.split(",")):
            key, value = part.rsplit(":", 1)
            items.append((long.get(key, key), float(value)))
        return tuple(items)
    if name == "homes":
        homes = []
        for part in filter(None, text.split(";")):
            beds, month, cost, label = part.split(":", 3)
            homes.append(ChildrensHome(int(beds), month, float(cost), label))
        return tuple(homes)
    if name in (
        "name",
        "description",
        "price_base_year",
        "ifa_share_target_date",
        "external_residential_target_date",
    ):
        return text or None if name.endswith("_date") else text
    if name in ("horizon_months", "n_simulations"):
        return int(text)
    if text == "":
        return None
    return float(text)


# --- running a scenario ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FittedModels:
    """Models fitted once per dataset; every scenario run reuses them (no refitting).

    Attributes
    ----------
    demand : StockFlowModel
        A fitted :class:`sufficiency.demand.stockflow.StockFlowModel`.
    is_demo : bool
        True when fitted on the synthetic demo authority (outputs are labelled as such).
    authority : str
        Name shown on reports.
    existing_carer_survival : numpy.ndarray, optional
        From :func:`carer_survival_from_records`: how today's in-house places decline as carers
        leave, from the service's own household records. None uses the scenario's yearly
        leaving rate.
    channels : tuple of sufficiency.plan.optimiser.Channel
        Marketing channels measured on the service's enquiry and spend records (cost per
        enquiry, enquiry-to-approval, most enquiries a quarter); channels not listed use the
        scenario's ``cost_per_enquiry`` and ``enquiry_to_approval_pct``.
    """

    demand: Any
    is_demo: bool = False
    authority: str = ""
    existing_carer_survival: np.ndarray | None = None
    channels: tuple = ()

    @property
    def origin(self) -> pd.Timestamp:
        """Month end the projections start from (the last observed month)."""
        return pd.Timestamp(self.demand.params_.origin)


def fit_models(
    data: Any = None,
    *,
    max_horizon: int = 60,
    households: Any = None,
    funnel: Any = None,
    progress: Any = None,
) -> FittedModels:
    """Fit (or load a matching saved) demand model for 903 data; the demo authority when None.

    A model saved by ``sufficiency fit`` in ``models/demand`` is reused when it was fitted on the
    same data with the same settings, so scenario runs start in well under a second.

    Parameters
    ----------
    data : Ssda903Data, optional
        Clean 903 data (``episodes`` and ``extract_date``).
    max_horizon : int
        Longest scenario horizon to prepare for (months); 60 matches saved models.
    households : CarerHouseholds or DataFrame, optional
        The service's carer household records
        (:func:`sufficiency.supply.households.read_households`); when given, today's carers
        leave as the fitted retention model says instead of at the scenario's yearly rate.
    funnel : FunnelRecords, optional
        Enquiry and campaign spend records (:func:`sufficiency.supply.records.read_funnel_records`);
        marketing spend then buys enquiries at each channel's measured cost and conversion.
    progress : callable, optional
        Progress callback ``(done, total, message)``.
    """
    from sufficiency.demand.pipeline import demand_inputs, load_or_fit

    is_demo = data is None
    authority = ""
    if data is None:
        from sufficiency.data.demo import DEMO_AUTHORITY_NAME, load_demo

        data = load_demo()
        authority = DEMO_AUTHORITY_NAME
    inputs = demand_inputs(data.episodes, pd.Timestamp(data.extract_date))
    params = None if max_horizon <= 60 else {"max_horizon": int(max_horizon)}
    fitted = load_or_fit(inputs, model_params=params, backtest=False, progress=progress)
    survival = None
    if households is not None:
        survival = carer_survival_from_records(
            households, fitted.model.params_.origin, fitted.model.params_.max_horizon
        )
    channels: tuple = ()
    if funnel is not None:
        from sufficiency.plan.optimiser import channels_from_funnel

        channels = tuple(channels_from_funnel(funnel))
    return FittedModels(
        demand=fitted.model,
        is_demo=is_demo,
        authority=authority,
        existing_carer_survival=survival,
        channels=channels,
    )


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Everything a scenario run produces (tidy frames with units in the column names' docs).

    Attributes
    ----------
    scenario : Scenario
    months : DatetimeIndex
        Month ends of the projection.
    placements : DataFrame
        month, age_band, placement_category, provider, mean, p10, p90 (children, after
        allocation to in-house capacity).
    carers : DataFrame
        month, age_band, households, usable_places, approvals (in-house foster carers as
        projected under the scenario's recruitment and retention).
    carers_needed : DataFrame
        Quarter x age band: extra households, approvals and enquiries the targets need
        (:data:`sufficiency.plan.carers_needed.CARERS_NEEDED_COLUMNS`).
    costs_by_financial_year : DataFrame
        financial_year, placement_category, provider, cost_mean, cost_p10, cost_p90, months (£).
    budget_by_financial_year : DataFrame
        financial_year, cost_mean, cost_p10, cost_p90, months: placements plus recruitment (£).
    savings_by_financial_year : DataFrame
        Against the baseline (same data, seed and prices): positive = saving (£).
    invest_to_save : InvestToSave
    cost_paths : numpy.ndarray
        £ (nominal) by path, month and label ``(paths, months, labels)``; see
        :meth:`monthly_costs`.
    cost_labels : tuple of str
        Placement categories, then :data:`RECRUITMENT_CATEGORY`.
    targets : DataFrame
        target, date, value_projected, target_value, met.
    summary : dict
        Headline figures for summary.json.
    is_demo : bool
    """

    scenario: Scenario
    months: pd.DatetimeIndex
    placements: pd.DataFrame
    carers: pd.DataFrame
    carers_needed: pd.DataFrame
    costs_by_financial_year: pd.DataFrame
    budget_by_financial_year: pd.DataFrame
    savings_by_financial_year: pd.DataFrame
    invest_to_save: fin.InvestToSave
    cost_paths: np.ndarray
    cost_labels: tuple[str, ...]
    targets: pd.DataFrame
    summary: dict
    is_demo: bool = False
    carers_needed_text: str = ""

    def monthly_costs(self) -> pd.DataFrame:
        """Long frame: month, draw, placement_category, provider, cost (£, nominal)."""
        paths, n_months, n_labels = self.cost_paths.shape
        labels = np.array(self.cost_labels, dtype=object)
        frame = pd.DataFrame(
            {
                "month": np.tile(np.repeat(self.months.to_numpy(), n_labels), paths),
                "draw": np.repeat(np.arange(paths), n_months * n_labels),
                "placement_category": np.tile(labels, paths * n_months),
                "cost": self.cost_paths.reshape(-1),
            }
        )
        frame["provider"] = (
            frame["placement_category"].map(fin.PROVIDER_BY_CATEGORY).fillna(fin.IN_HOUSE)
        )
        return frame


RECRUITMENT_CATEGORY = "carer recruitment and support"
"""Label of the non-placement cost rows (marketing, assessment, supervising social workers and
step-down support packages)."""


def _demand_levers(scenario: Scenario, params: Any) -> Any:
    """DemandLevers for the scenario's entries and step-downs.

    Step-downs (children a year) are shared across age bands in proportion to the external
    residential children at the start and expressed as the share of each band moved a year.
    """
    from sufficiency.demand.levers import DemandLevers, StepDown

    multipliers = {band: 1 + pct / 100 for band, pct in scenario.entries_change_pct if pct}
    steps = []
    if scenario.step_downs_per_year > 0:
        stock = np.array(
            [
                params.start_stock[params.state_index(b, codes.EXTERNAL_RESIDENTIAL)]
                for b in codes.AGE_BANDS
            ]
        )
        if stock.sum() > 0:
            for band, children in zip(codes.AGE_BANDS, stock, strict=True):
                if children <= 0:
                    continue
                wanted = scenario.step_downs_per_year * children / stock.sum()
                share = min(wanted / children, 0.95)
                steps.append(
                    StepDown(band, codes.EXTERNAL_RESIDENTIAL, codes.IN_HOUSE_FOSTERING, share)
                )
    return DemandLevers(entry_multiplier=multipliers, step_downs=tuple(steps))


def _demand_paths(
    models: FittedModels, scenario: Scenario, horizon: int, random_state: int | None
) -> np.ndarray:
    """Children ``(paths, months, bands, categories)`` before allocation."""
    from sufficiency.demand.stockflow import project_mean, simulate_paths

    model = models.demand
    if horizon > model.params_.max_horizon:
        raise SufficiencyError(
            f"The scenario horizon ({horizon} months) is longer than the fitted model allows "
            f"({model.params_.max_horizon} months). Shorten horizon_months or refit with a "
            "longer max_horizon."
        )
    params = _demand_levers(scenario, model.params_).apply(model.params_)
    shape = (len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    if scenario.n_simulations == 0:
        stock = project_mean(params, horizon).stock
        return stock.reshape(1, horizon, *shape)
    paths = simulate_paths(params, horizon, scenario.n_simulations, random_state)
    return paths.reshape(paths.shape[0], horizon, *shape).astype("float64")


def _step_down_support(
    scenario: Scenario, params: Any, demand: np.ndarray, months: pd.DatetimeIndex
) -> np.ndarray:
    """£ a month (base prices) of support packages for stepped-down children.

    Children stepped down each month are the step-down probability times the external
    residential children of the month before (mean over paths); each is supported for
    ``step_down_support_months`` months.
    """
    support = np.zeros(len(months))
    if scenario.step_downs_per_year <= 0 or scenario.step_down_support_per_week <= 0:
        return support
    levers = _demand_levers(scenario, params)
    ext = codes.PLACEMENT_CATEGORIES.index(codes.EXTERNAL_RESIDENTIAL)
    start = params.start_stock.reshape(len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    external = np.vstack([start[None, :, ext], demand[..., ext].mean(axis=0)[:-1]])
    probability = np.zeros(len(codes.AGE_BANDS))
    for step in levers.step_downs:
        probability[codes.AGE_BANDS.index(step.age_band)] += -np.expm1(-step.monthly_hazard())
    moved = (external * probability[None, :]).sum(axis=1)
    duration = int(round(scenario.step_down_support_months))
    supported = np.convolve(moved, np.ones(duration))[: len(months)] if duration else moved * 0
    weeks = months.days_in_month.to_numpy() / 7.0
    return supported * scenario.step_down_support_per_week * weeks


def _band_weights(carer_type: str, in_house_mix: np.ndarray) -> np.ndarray:
    if carer_type == "mainstream":
        return in_house_mix
    shares = _CARER_TYPE_BANDS[carer_type]
    return np.array([shares.get(b, 0.0) for b in codes.AGE_BANDS])


def _carer_projection(
    scenario: Scenario,
    start_stock: np.ndarray,
    months: pd.DatetimeIndex,
    existing_survival: np.ndarray | None = None,
    channels: tuple = (),
) -> dict[str, np.ndarray]:
    """In-house foster households and usable places by month and age band.

    Existing households are sized from the in-house fostering children at the start (usable places
    = children placed). They leave at the scenario's yearly rate or, when carer household records
    were given to :func:`fit_models`, follow the share of those records' usable places still
    available (the fitted retention model, by carer group and tenure); the retention lever scales
    the leaving hazard either way. Without an approvals plan, recruitment replaces leavers at the
    *unimproved* rate, so better retention grows the service. Marketing adds approvals after the
    enquiry-to-approval lead time.
    """
    n_months, n_bands = len(months), len(codes.AGE_BANDS)
    grid = start_stock.reshape(n_bands, len(codes.PLACEMENT_CATEGORIES))
    in_house = grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)]
    usable_per_household = scenario.places_per_household * scenario.occupancy_pct / 100
    total = float(in_house.sum())
    mix = in_house / total if total > 0 else np.full(n_bands, 1.0 / n_bands)
    households_0 = total / usable_per_household
    hazard_scale = 1 + scenario.deregistration_change_pct / 100

    if existing_survival is None:
        base_leave = 1 - (1 - scenario.annual_leaving_rate_pct / 100) ** (1 / 12)
        steps = np.arange(1, n_months + 1)[:, None]
        survival = np.broadcast_to((1 - base_leave) ** steps, (n_months, n_bands))
    else:
        survival = existing_survival[1 : n_months + 1]
        first_year = float(
            np.average(existing_survival[min(12, len(existing_survival) - 1)], weights=mix)
        )
        base_leave = 1 - max(first_year, 1e-6) ** (1 / 12)
    existing = households_0 * mix[None, :] * np.clip(survival, 1e-12, None) ** hazard_scale
    leave = 1 - (1 - base_leave) ** hazard_scale

    conversion = 1 + scenario.conversion_improvement_pct / 100
    approvals = np.zeros((n_months, n_bands))
    if scenario.approvals_per_quarter:
        for carer_type, per_quarter in scenario.approvals_per_quarter:
            approvals += per_quarter / 3 * _band_weights(carer_type, mix)[None, :]
    else:
        approvals += households_0 * base_leave * conversion * mix[None, :]
    marketing = sum(v for _, v in scenario.marketing_spend_per_quarter) / 3
    if marketing:
        measured = {channel.name: channel for channel in channels}
        per_quarter = 0.0
        for name, spend in scenario.marketing_spend_per_quarter:
            channel = measured.get(name)
            if channel is None or channel.cost_per_enquiry <= 0:
                per_quarter += (
                    spend / scenario.cost_per_enquiry * scenario.enquiry_to_approval_pct / 100
                )
            else:
                # a channel saturates: spend beyond its reach buys no more enquiries
                enquiries = min(spend / channel.cost_per_enquiry, channel.max_enquiries_per_quarter)
                per_quarter += enquiries * channel.enquiry_to_approval
        lead = 9  # Fostering Network / iMPOWER: about 281 days from enquiry to approval
        approvals[lead:] += per_quarter / 3 * conversion * mix[None, :]

    new = np.empty((n_months, n_bands))
    current = np.zeros(n_bands)
    for t in range(n_months):
        current = current * (1 - leave) + approvals[t]
        new[t] = current
    households = existing + new
    return {
        "households": households,
        "usable_places": households * usable_per_household,
        "approvals": approvals,
        "marketing_monthly": np.full(n_months, float(marketing)),
    }


def carer_survival_from_records(
    households: Any, origin: pd.Timestamp, horizon: int, random_state: int = 0
) -> np.ndarray:
    """Share of today's usable in-house places still available each month, by age band.

    Uses :func:`sufficiency.supply.capacity.project_capacity` (the fitted retention model by
    carer group and tenure) on the service's own household records, with no new approvals.

    Returns
    -------
    numpy.ndarray
        ``(horizon + 1, bands)``, 1.0 at month 0; bands without places take the all-ages share.
    """
    from sufficiency.supply.capacity import ALL_AGES, project_capacity

    frame = getattr(households, "households", households)
    projection = project_capacity(frame, origin, horizon, n_paths=200, random_state=random_state)
    places = projection.paths("usable_places").mean(axis=0)  # (horizon + 1, bands + all)
    bands = [projection.age_bands.index(b) for b in codes.AGE_BANDS]
    total = places[:, projection.age_bands.index(ALL_AGES)]
    if total[0] <= 0:
        raise SufficiencyError(
            "The carer household records have no approved in-house households at the forecast "
            f"start ({origin:%d %B %Y}); check the approval and deregistration dates."
        )
    by_band = places[:, bands]
    share = np.where(by_band[0] > 0, by_band / np.where(by_band[0] > 0, by_band[0], 1.0), np.nan)
    fallback = (total / total[0])[:, None]
    return np.where(np.isnan(share), fallback, share)


def _residential_beds(
    scenario: Scenario, start_stock: np.ndarray, months: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Beds by month: (all in-house beds, beds costed per child, new homes' weekly running cost)."""
    grid = start_stock.reshape(len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES))
    existing = float(grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)].sum())
    per_child = np.full(len(months), existing)
    opened = np.zeros(len(months))
    running = np.zeros(len(months))
    for home in scenario.homes:
        from_month = months >= _month(home.opening_month)
        if home.beds > 0:
            opened[from_month] += home.beds
            running[from_month] += home.weekly_running_cost
        else:
            per_child[from_month] += home.beds
    per_child = np.maximum(per_child, 0.0)
    return per_child + opened, per_child, running


def _targets(scenario: Scenario) -> Any:
    from sufficiency.plan.carers_needed import Targets

    return Targets(
        ifa_share_max=None
        if scenario.ifa_share_target_pct is None
        else scenario.ifa_share_target_pct / 100,
        ifa_share_by=_month(scenario.ifa_share_target_date),
        external_residential_max=scenario.external_residential_target,
        external_residential_by=_month(scenario.external_residential_target_date),
    )


def baseline_of(scenario: Scenario) -> Scenario:
    """The comparison run: no demand, supply or residential levers; same prices and horizon."""
    keep = (
        "horizon_months",
        "unit_costs",
        "annual_inflation_pct",
        "price_base_year",
        "recruitment_cost_per_household",
        "ssw_cost_per_household_per_year",
        "n_simulations",
        "annual_leaving_rate_pct",
        "places_per_household",
        "occupancy_pct",
        "cost_per_enquiry",
        "enquiry_to_approval_pct",
    )
    return Scenario(name="baseline", **{k: getattr(scenario, k) for k in keep})


def project(scenario: Scenario, models: FittedModels, random_state: int | None) -> dict[str, Any]:
    """Demand -> supply -> allocation -> costs for one scenario, as arrays (no baseline).

    Returns
    -------
    dict
        ``months`` (DatetimeIndex); ``demand`` and ``placements`` (children ``(paths, months,
        bands, categories)`` before and after allocation to in-house capacity); ``allocation``
        (:class:`sufficiency.plan.allocation.Allocation`); ``carers`` (dict of ``households``,
        ``usable_places``, ``approvals`` ``(months, bands)`` and ``marketing_monthly``);
        ``beds`` (in-house children's home beds by month); ``costs`` (£ ``(paths, months,
        categories)``); ``step_down_support`` (£ a month at base prices); ``base_year``.
    """
    from sufficiency.plan.allocation import allocate

    horizon = scenario.horizon_months
    params = models.demand.params_
    months = pd.date_range(params.origin, periods=horizon + 1, freq="ME")[1:]
    demand = _demand_paths(models, scenario, horizon, random_state)
    step_down_support = _step_down_support(scenario, params, demand, months)
    carers = _carer_projection(
        scenario, params.start_stock, months, models.existing_carer_survival, models.channels
    )
    beds, per_child_beds, running = _residential_beds(scenario, params.start_stock, months)
    allocation = allocate(
        demand,
        carers["usable_places"],
        beds,
        months=months,
    )
    placements = allocation.placements()  # (paths, months, bands, categories)

    by_category = placements.sum(axis=2)  # (paths, months, categories)
    residential = codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_RESIDENTIAL)
    in_homes = by_category[:, :, residential]
    # Children in new homes are paid for by the home's running cost, not per child.
    by_category[:, :, residential] = np.minimum(in_homes, per_child_beds[None, :])
    base_year = fin.financial_year_start(scenario.price_base_year)
    unit_costs = {
        category: fin.UnitCost(
            category, value, base_year, "scenario override", "entered in the scenario"
        )
        for category, value in scenario.unit_costs
    }
    weeks = months.days_in_month.to_numpy() / 7.0
    extra = np.zeros((horizon, len(codes.PLACEMENT_CATEGORIES)))
    extra[:, residential] = running * weeks
    costs = fin.cost_paths(
        by_category,
        months,
        unit_costs,
        price_base_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
        extra_monthly_costs=extra,
    )
    return {
        "months": months,
        "demand": demand,
        "allocation": allocation,
        "placements": placements,
        "carers": carers,
        "beds": beds,
        "costs": costs,
        "step_down_support": step_down_support,
        "base_year": base_year,
    }


_project = project  # kept for callers written before the public name


def _placements_frame(placements: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    mean = placements.mean(axis=0)
    if placements.shape[0] > 1:
        p10, p90 = np.quantile(placements, [0.1, 0.9], axis=0)
    else:
        p10 = p90 = mean
    n_b, n_c = len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)
    categories = np.tile(np.array(codes.PLACEMENT_CATEGORIES, dtype=object), len(months) * n_b)
    return pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_b * n_c),
            "age_band": np.tile(
                np.repeat(np.array(codes.AGE_BANDS, dtype=object), n_c), len(months)
            ),
            "placement_category": categories,
            "provider": pd.Series(categories).map(fin.PROVIDER_BY_CATEGORY).to_numpy(),
            "mean": mean.reshape(-1),
            "p10": np.asarray(p10).reshape(-1),
            "p90": np.asarray(p90).reshape(-1),
        }
    )


def _investment(scenario: Scenario, projected: dict, baseline: dict) -> np.ndarray:
    """Monthly £ invested over the baseline: step-down support, marketing, assessment and
    supervision of extra households."""
    months = projected["months"]
    base_year = projected["base_year"]
    # Recruitment figures are entered at base-year prices, like scenario unit costs.
    extra_approvals = np.maximum(
        projected["carers"]["approvals"].sum(axis=1) - baseline["carers"]["approvals"].sum(axis=1),
        0.0,
    )
    extra_households = np.maximum(
        projected["carers"]["households"].sum(axis=1)
        - baseline["carers"]["households"].sum(axis=1),
        0.0,
    )
    spend = (
        projected["step_down_support"]
        - baseline["step_down_support"]
        + projected["carers"]["marketing_monthly"]
        + extra_approvals * scenario.recruitment_cost_per_household
        + extra_households * scenario.ssw_cost_per_household_per_year / 12
    )
    return spend * fin._inflation(pd.Series(months), base_year, scenario.annual_inflation_pct)


def _target_table(scenario: Scenario, allocation: Any, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Each target against the projection (mean path) at its date."""
    checks = []
    if scenario.ifa_share_target_pct is not None:
        checks.append(
            (
                "IFA share of non-kinship foster placements (%)",
                scenario.ifa_share_target_date,
                scenario.ifa_share_target_pct,
                allocation.ifa_share().mean(axis=0) * 100,
            )
        )
    if scenario.external_residential_target is not None:
        checks.append(
            (
                "children in external residential care",
                scenario.external_residential_target_date,
                scenario.external_residential_target,
                allocation.external_residential.sum(axis=-1).mean(axis=0),
            )
        )
    rows = []
    for label, date, target, projected in checks:
        when = _month(date)
        index = int(months.searchsorted(when))
        note = ""
        if index >= len(months):
            index = len(months) - 1
            note = f"target date {date} is after the projection ends; checked at its last month"
        value = float(projected[index])
        rows.append(
            {
                "target": label,
                "date": months[index].strftime("%Y-%m"),
                "projected": value,
                "target_value": target,
                "met": value <= target + 1e-9,
                "note": note,
            }
        )
    return pd.DataFrame(
        rows, columns=["target", "date", "projected", "target_value", "met", "note"]
    )


def run(
    scenario: Scenario,
    data: Any = None,
    models: FittedModels | None = None,
    random_state: int | None = 0,
) -> ScenarioResult:
    """Run a scenario: a pure function of (data, fitted models, scenario, seed).

    Parameters
    ----------
    scenario : Scenario
        The levers.
    data : Ssda903Data, optional
        Used only to fit models when ``models`` is not given (demo authority when both are None).
    models : FittedModels, optional
        Fitted once with :func:`fit_models` and reused across runs (the fast path).
    random_state : int, optional
        Seed for the simulated paths; the baseline uses the same seed so differences are the
        levers' effect, not noise.

    Returns
    -------
    ScenarioResult
    """
    from sufficiency.plan.carers_needed import RecruitmentAssumptions, carers_needed

    if models is None:
        models = fit_models(data, max_horizon=max(scenario.horizon_months, 60))
    projected = project(scenario, models, random_state)
    baseline = project(baseline_of(scenario), models, random_state)
    months = projected["months"]

    investment = _investment(scenario, projected, baseline)
    costs_paths = projected["costs"]
    base_totals = baseline["costs"].sum(axis=-1)
    scen_totals = costs_paths.sum(axis=-1)
    itos = fin.invest_to_save_from_totals(
        months, base_totals.mean(axis=0), scen_totals.mean(axis=0), investment
    )
    with_investment = np.concatenate(
        [costs_paths, np.broadcast_to(investment, costs_paths.shape[:2])[..., None]], axis=-1
    )
    labels = (*codes.PLACEMENT_CATEGORIES, RECRUITMENT_CATEGORY)
    costs = fin.financial_year_summary(with_investment, months, labels)
    budget = fin.financial_year_summary(with_investment, months, labels, by_label=False)
    savings = fin.savings_summary(base_totals, scen_totals, months)

    targets = _targets(scenario)
    try:
        needed = carers_needed(
            projected["placements"],
            projected["carers"]["usable_places"],
            targets,
            projected["beds"],
            months=months,
            assumptions=RecruitmentAssumptions(
                places_per_household=scenario.places_per_household,
                occupancy=scenario.occupancy_pct / 100,
                annual_leaving_rate=min(
                    scenario.annual_leaving_rate_pct
                    * (1 + scenario.deregistration_change_pct / 100)
                    / 100,
                    0.99,
                ),
                enquiry_to_approval=scenario.enquiry_to_approval_pct / 100,
            ),
        )
        needed_frame, needed_text = needed.frame, needed.summary()
    except SufficiencyError as error:
        needed_frame = pd.DataFrame()
        needed_text = f"Carers needed could not be worked out: {error}"

    carers = projected["carers"]
    n_b = len(codes.AGE_BANDS)
    carers_frame = pd.DataFrame(
        {
            "month": np.repeat(months.to_numpy(), n_b),
            "age_band": np.tile(np.array(codes.AGE_BANDS, dtype=object), len(months)),
            "households": carers["households"].reshape(-1),
            "usable_places": carers["usable_places"].reshape(-1),
            "approvals": carers["approvals"].reshape(-1),
        }
    )
    placements = _placements_frame(projected["placements"], months)
    target_table = _target_table(scenario, projected["allocation"], months)
    total_children = projected["placements"].sum(axis=(2, 3)).mean(axis=0)
    ifa_share = projected["allocation"].ifa_share().mean(axis=0)
    summary = {
        "scenario": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "authority": models.authority,
        "synthetic_demo_data": models.is_demo,
        "origin": models.origin.strftime("%Y-%m-%d"),
        "horizon_months": scenario.horizon_months,
        "simulated_paths": int(projected["placements"].shape[0]),
        "random_state": random_state,
        "price_base_year": scenario.price_base_year,
        "children_looked_after_start": float(total_children[0]),
        "children_looked_after_end": float(total_children[-1]),
        "ifa_share_of_non_kinship_fostering_end_pct": float(ifa_share[-1] * 100),
        "in_house_households_end": float(carers["households"][-1].sum()),
        "total_cost_gbp": float(budget["cost_mean"].sum()),
        "total_saving_vs_baseline_gbp": float(savings["saving_mean"].sum()),
        "total_investment_gbp": itos.total_investment,
        "net_position_gbp": itos.net_position,
        "payback_month": None
        if itos.payback_month is None
        else itos.payback_month.strftime("%Y-%m"),
        "targets": target_table.to_dict(orient="records"),
        "carers_needed": needed_text,
    }
    return ScenarioResult(
        scenario=scenario,
        months=months,
        placements=placements,
        carers=carers_frame,
        carers_needed=needed_frame,
        costs_by_financial_year=costs,
        budget_by_financial_year=budget,
        savings_by_financial_year=savings,
        invest_to_save=itos,
        cost_paths=with_investment,
        cost_labels=labels,
        targets=target_table,
        summary=summary,
        is_demo=models.is_demo,
        carers_needed_text=needed_text,
    )


def compare(results: Iterable[ScenarioResult]) -> dict[str, pd.DataFrame]:
    """Side-by-side comparison of two or more scenario results.

    Returns
    -------
    dict of DataFrame
        ``placements``: financial year-end... by scenario; keys ``headline`` (one row per
        scenario), ``placements`` (month x category, mean children per scenario),
        ``costs`` (financial year x scenario, £) and ``differences`` (each scenario minus the
        first, £ and children).
    """
    results = list(results)
    if len(results) < 2:
        raise SufficiencyError("Compare needs at least two scenarios.")
    names = [r.scenario.name for r in results]
    if len(set(names)) < len(names):
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    headline = pd.DataFrame(
        [
            {
                "scenario": name,
                "children_end": r.summary["children_looked_after_end"],
                "ifa_share_end_pct": r.summary["ifa_share_of_non_kinship_fostering_end_pct"],
                "in_house_households_end": r.summary["in_house_households_end"],
                "total_cost_gbp": r.summary["total_cost_gbp"],
                "total_investment_gbp": r.summary["total_investment_gbp"],
                "payback_month": r.summary["payback_month"],
            }
            for name, r in zip(names, results, strict=True)
        ]
    )
    placements = pd.concat(
        [
            r.placements.groupby(["month", "placement_category"], as_index=False)["mean"]
            .sum()
            .assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index=["month", "placement_category"], columns="scenario", values="mean")
    placements = placements[names].reset_index()
    costs = pd.concat(
        [
            r.budget_by_financial_year[["financial_year", "cost_mean"]].assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index="financial_year", columns="scenario", values="cost_mean")
    costs = costs[names].reset_index()
    carers = pd.concat(
        [
            r.carers.groupby("month", as_index=False)["households"].sum().assign(scenario=name)
            for name, r in zip(names, results, strict=True)
        ]
    ).pivot_table(index="month", columns="scenario", values="households")
    carers = carers[names].reset_index()
    differences = costs[["financial_year"]].copy()
    for name in names[1:]:
        differences[f"{name} minus {names[0]} (£)"] = costs[name] - costs[names[0]]
    return {
        "headline": headline,
        "placements": placements,
        "carers": carers,
        "costs": costs,
        "differences": differences,
    }
