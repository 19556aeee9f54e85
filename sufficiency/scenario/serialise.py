"""Reading and writing scenarios: JSON, TOML, scenario files and the share-link query string.

The query string is versioned (``v=2``; version 1 links are migrated) and holds only levers that
differ from the defaults.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sufficiency import codes
from sufficiency.errors import SufficiencyError
from sufficiency.scenario.levers import CARER_TYPES, CHANNELS, SCHEMA_VERSION
from sufficiency.scenario.value import _MAPPING_FIELDS, ChildrensHome, Scenario


def to_json(scenario: Scenario) -> str:
    """JSON text (readable by :func:`from_json`)."""
    return json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False)


def from_json(text: str, *, source: str = "scenario JSON") -> Scenario:
    """A scenario from JSON text; problems raise :class:`SufficiencyError` naming ``source``."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise SufficiencyError(f"{source} is nested too deeply to be a scenario.") from None
    except json.JSONDecodeError as error:
        raise SufficiencyError(
            f"{source} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(data, dict):
        raise SufficiencyError(f"{source} must hold one JSON object of scenario levers.")
    return Scenario.from_dict(data, source=source)


def to_toml(scenario: Scenario) -> str:
    """TOML text (readable by :func:`from_toml`)."""
    import tomli_w

    return tomli_w.dumps(scenario.to_dict())


def from_toml(text: str, *, source: str = "scenario TOML") -> Scenario:
    """A scenario from TOML text."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise SufficiencyError(f"{source} is nested too deeply to be a scenario.") from None
    except tomllib.TOMLDecodeError as error:
        raise SufficiencyError(f"{source} is not valid TOML: {error}.") from None
    return Scenario.from_dict(data, source=source)


def from_file(path: str | Path) -> Scenario:
    """Read a ``.toml`` or ``.json`` scenario file strictly (see
    :func:`sufficiency.scenario.validation.read_scenario_file`)."""
    from sufficiency.scenario.validation import read_scenario_file

    return read_scenario_file(path)


# --- URL query string ----------------------------------------------------------------------------


def to_query_string(scenario: Scenario) -> str:
    """Compact, versioned query string (``v=2&...``) holding only levers that differ from the
    defaults; :func:`from_query_string` reverses it."""
    default = Scenario()
    pairs: list[tuple[str, str]] = [("v", str(SCHEMA_VERSION))]
    for name, key in _QUERY_KEYS.items():
        value = getattr(scenario, name)
        if value == getattr(default, name):
            continue
        if name in _MAPPING_FIELDS:
            short = _SHORT_NAMES.get(name, {})
            text = ",".join(f"{short.get(k, k)}:{_fmt(v)}" for k, v in value)
        elif name == "homes":
            text = ";".join(
                f"{h.beds}:{h.opening_month}:{_fmt(h.weekly_running_cost)}:{h.name}" for h in value
            )
        elif value is None:
            text = ""
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = _fmt(value)
        pairs.append((key, text))
    return urlencode(pairs)


def from_query_string(query: str) -> Scenario:
    """A scenario from :func:`to_query_string` output (a leading ``?`` is ignored).

    Version 1 links (``v=1``) are migrated (:mod:`sufficiency.scenario.migrate`); the scenario's
    ``migration_notes`` say what changed.
    """
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        # a dict would silently keep the last value of each
        raise SufficiencyError(f"This scenario link gives {', '.join(repeated)} more than once.")
    values = dict(pairs)
    version = values.pop("v", None)
    if version not in ("1", str(SCHEMA_VERSION)):
        raise SufficiencyError(
            f"This scenario link is format version {version!r}; this tool reads versions 1 and "
            f"{SCHEMA_VERSION}. Ask for a new link."
        )
    by_key = {key: name for name, key in _QUERY_KEYS.items()}
    data: dict[str, Any] = {}
    for key, text in values.items():
        name = by_key.get(key)
        if name is None or (version == "1" and key not in _V1_KEYS):
            raise SufficiencyError(f"This scenario link has an unknown setting '{key}'.")
        try:
            data[name] = _parse_query_value(name, text)
        except (ValueError, IndexError):
            raise SufficiencyError(
                f"This scenario link has an unreadable value for {name}: {text!r}."
            ) from None
    if version == "1":
        from sufficiency.scenario.migrate import migrate_v1

        data, notes = migrate_v1(data)
        return Scenario(**data, migration_notes=tuple(notes))
    return Scenario(**data)


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
    # version 2
    "edge_of_care_cost_per_year": "eoc",
    "step_down_16_17_to": "sd17",
    "approvals_in_pipeline": "app",
    "days_enquiry_to_approval": "lead",
    "conversion_cost_per_year": "cic",
    "retention_cost_per_year": "drc",
    "assessment_capacity_per_quarter": "cap",
    "channel_reach": "reach",
    "recruitment_budget_per_year": "bud",
    "allowance_per_child_per_week": "alw",
    "fee_per_household_per_week": "fee",
    "ifa_share_target_basis": "ifab",
    "solve_targets": "solve",
}

_V1_KEYS = frozenset(
    (
        "n d h ec sd sds sdm ap ms cpe eta ci dr lr pph oc hm uc inf pb rc ssw ifa ifad er erd sims"
    ).split()
)
"""Keys a version 1 link can hold."""

# Placement categories as numbered in share links. Frozen: a category added later gets the next
# number, so links made before it was added still open with the same unit costs.
_LINK_CATEGORIES: tuple[str, ...] = (
    codes.IN_HOUSE_FOSTERING,
    codes.IFA_FOSTERING,
    codes.KINSHIP_FOSTERING,
    codes.IN_HOUSE_RESIDENTIAL,
    codes.EXTERNAL_RESIDENTIAL,
    codes.SECURE,
    codes.SUPPORTED,
    codes.WITH_PARENTS,
    codes.FOR_ADOPTION,
    codes.OTHER,
    codes.OTHER_LA_FOSTERING,
)

_SHORT_NAMES: dict[str, dict[str, str]] = {
    "entries_change_pct": {b: str(i) for i, b in enumerate(codes.AGE_BANDS)},
    "approvals_per_quarter": {t: str(i) for i, t in enumerate(CARER_TYPES)},
    "marketing_spend_per_quarter": {c: str(i) for i, c in enumerate(CHANNELS)},
    "unit_costs": {c: str(i) for i, c in enumerate(_LINK_CATEGORIES)},
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
    if name in ("approvals_in_pipeline", "solve_targets"):
        if text not in ("0", "1", "true", "false", "True", "False"):
            raise ValueError(text)
        return text in ("1", "true", "True")
    if name in ("step_down_16_17_to", "ifa_share_target_basis"):
        return text
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
