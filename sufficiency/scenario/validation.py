"""Scenario files from outside: read strictly, so every value opens exactly as written or is
refused with a message naming the file and the parameter.

:func:`read_scenario_file` is what ``sufficiency scenario run`` and friends use. Before anything
is parsed a file must be at most :data:`MAX_SCENARIO_FILE_BYTES` and UTF-8 text; an empty file
(or one setting no lever) is an error, not the baseline; nesting deeper than a scenario ever
needs is refused; each lever must have the type its unit needs (a number, a whole number, a table
of numbers, a list of homes each with beds and an opening month); and implausible values are
refused with their source (:func:`plausibility_problems`): more children's homes or beds than any
council runs, months outside 2000-2100.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sufficiency.errors import SufficiencyError

MAX_SCENARIO_FILE_BYTES = 1_000_000
"""Largest scenario file read (a scenario with every lever set is about 2 KB)."""
MAX_NESTING = 6
"""Deepest nesting of tables and lists a scenario file may have (homes in a list: 3)."""

OFSTED_HOMES_SOURCE = (
    "Ofsted, children's social care providers and places in England at 31 March 2025 "
    "(provider-level data, OGL): 467 homes run by local authorities, median 4 places, the largest "
    "22 places; the most homes any council runs is 17 (80 places)"
)
MAX_HOMES = 20
"""Most children's homes one scenario may open or close: more than any council runs (17)."""
MAX_BEDS_PER_HOME = 22
"""Most beds one home may open or close: the largest children's home in England (22 places)."""
EARLIEST_MONTH, LATEST_MONTH = "2000-01", "2100-12"
"""Months (opening, targets) outside these are typing errors: 903 returns in today's form start
in the 2000s, and no plan reaches the next century."""


def read_scenario_file(path: str | Path):
    """A :class:`~sufficiency.scenario.Scenario` from a ``.toml`` or ``.json`` file.

    Raises
    ------
    SufficiencyError
        Naming the file, and the parameter when one is at fault, with what was expected.
    """
    path = Path(path)
    if not path.is_file():
        raise SufficiencyError(f"Scenario file {path} does not exist. Check the path.")
    try:
        size = path.stat().st_size
        if size > MAX_SCENARIO_FILE_BYTES:
            raise SufficiencyError(
                f"{path} is too large for a scenario file ({size / 1e6:,.1f} MB; a scenario is a "
                f"few KB, at most {MAX_SCENARIO_FILE_BYTES / 1e6:,.0f} MB). Check it is the file "
                "you meant."
            )
        data = path.read_bytes()
    except OSError as error:
        raise SufficiencyError(
            f"Could not read the scenario file {path} ({error.strerror or type(error).__name__})."
        ) from None
    return read_scenario_bytes(data, source=str(path), json_format=path.suffix.lower() == ".json")


def read_scenario_bytes(data: bytes, *, source: str, json_format: bool):
    """Like :func:`read_scenario_file`, from the file's bytes (``source`` names it)."""
    from sufficiency.scenario import Scenario

    if len(data) > MAX_SCENARIO_FILE_BYTES:
        raise SufficiencyError(f"{source} is too large for a scenario file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SufficiencyError(
            f"{source} is not UTF-8 text (byte {error.start + 1} cannot be read). Save it as "
            "UTF-8 from your editor, or export it again from the explorer."
        ) from None
    if not text.strip():
        raise SufficiencyError(
            f"{source} is empty. A scenario file sets at least one lever (see "
            "examples/scenarios/); to run the baseline, use examples/scenarios/baseline.toml."
        )
    parsed = _parse(text, source, json_format)
    if not isinstance(parsed, dict):
        raise SufficiencyError(f"{source} must hold one JSON object (a table) of scenario levers.")
    if not {key for key in parsed if key != "version"}:
        raise SufficiencyError(
            f"{source} is empty: it sets no lever. A scenario file sets at least one (see "
            "examples/scenarios/); to run the baseline, use examples/scenarios/baseline.toml."
        )
    problems = structure_problems(parsed)
    if problems:
        raise SufficiencyError(f"{source} cannot be used: {_listed(problems)}.")
    try:
        scenario = Scenario.from_dict(parsed, source=source)
    except SufficiencyError as error:
        raise SufficiencyError(f"{source}: {error}") from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as error:
        raise SufficiencyError(
            f"{source} could not be read ({type(error).__name__}: {error})."
        ) from None
    problems = plausibility_problems(scenario)
    if problems:
        raise SufficiencyError(f"{source} cannot be used: {_listed(problems)}.")
    return scenario


def _listed(problems: list[str], shown: int = 6) -> str:
    """The first few problems, and how many more (a hostile file can hold thousands)."""
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f"; and {more} more problem(s)" if more > 0 else "")


def _parse(text: str, source: str, json_format: bool) -> Any:
    try:
        if json_format:
            parsed = json.loads(text)
        else:
            parsed = tomllib.loads(text)
    except RecursionError:
        raise SufficiencyError(
            f"{source} is nested too deeply to be a scenario (tables or lists inside each other "
            f"more than {MAX_NESTING} levels)."
        ) from None
    except json.JSONDecodeError as error:
        raise SufficiencyError(
            f"{source} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SufficiencyError(f"{source} is not valid TOML: {error}.") from None
    if _depth(parsed) > MAX_NESTING:
        raise SufficiencyError(
            f"{source} is nested too deeply to be a scenario (tables or lists inside each other "
            f"more than {MAX_NESTING} levels)."
        )
    return parsed


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(value, Mapping):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list | tuple):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


# --- types -----------------------------------------------------------------------------------


def _kind(annotation: str) -> str:
    """What a Scenario field holds, from its annotation."""
    if "ChildrensHome" in annotation:
        return "homes"
    if annotation.startswith("tuple[tuple[str, float]"):
        return "mapping"
    if annotation.startswith("bool"):
        return "bool"
    if annotation.startswith("int"):
        return "int"
    if annotation.startswith("float"):
        return "number"
    if annotation.startswith("str"):
        return "text"
    return "any"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def structure_problems(data: Mapping[str, Any]) -> list[str]:
    """Levers whose value has the wrong type, each named with what was expected."""
    from sufficiency.scenario import Scenario

    kinds = {f.name: _kind(str(f.type)) for f in dataclasses.fields(Scenario)}
    found = []
    for name, value in data.items():
        kind = kinds.get(name)
        if kind is None or name == "version":
            continue
        optional = value is None
        if kind == "number" and not (_is_number(value) or optional):
            found.append(f"{name} must be a number (got {_show(value)})")
        elif kind == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
            found.append(f"{name} must be a whole number (got {_show(value)})")
        elif kind == "bool" and not isinstance(value, bool):
            found.append(f"{name} must be true or false (got {_show(value)})")
        elif kind == "text" and not (isinstance(value, str) or optional):
            found.append(f"{name} must be text (got {_show(value)})")
        elif kind == "mapping":
            if not isinstance(value, Mapping):
                found.append(
                    f"{name} must be a table of names and numbers, e.g. {{ radio = 2000 }} "
                    f"(got {_show(value)})"
                )
            else:
                for key, number in value.items():
                    if not _is_number(number):
                        found.append(f"{name}.{key} must be a number (got {_show(number)})")
        elif kind == "homes":
            found.extend(_home_problems(value))
    return found


def _home_problems(value: Any) -> list[str]:
    if not isinstance(value, list):
        return [
            "homes must be a list of homes, each with beds and opening_month "
            f"([[homes]] tables in TOML) (got {_show(value)})"
        ]
    found = []
    for i, home in enumerate(value, start=1):
        if not isinstance(home, Mapping):
            found.append(f"homes: home {i} must be a table with beds and opening_month")
            continue
        for key in ("beds", "opening_month"):
            if key not in home:
                found.append(
                    f"homes: home {i} has no {key}"
                    + (" (a month like 2026-09)" if key == "opening_month" else "")
                )
        beds = home.get("beds")
        if "beds" in home and not (isinstance(beds, int) and not isinstance(beds, bool)):
            found.append(f"homes: home {i} beds must be a whole number (got {_show(beds)})")
        month = home.get("opening_month")
        if "opening_month" in home and not isinstance(month, str):
            found.append(
                f"homes: home {i} opening_month must be a month like 2026-09 (got {_show(month)})"
            )
        cost = home.get("weekly_running_cost", 0)
        if not _is_number(cost):
            found.append(
                f"homes: home {i} weekly_running_cost must be a number (got {_show(cost)})"
            )
    return found


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- plausibility ------------------------------------------------------------------------------


def plausibility_problems(scenario) -> list[str]:
    """Values that are valid numbers but no council's plan, each naming the parameter.

    Used by every :class:`~sufficiency.scenario.Scenario` (so files, links, the explorer and the
    library agree); beds per home are checked by the home itself.
    """
    found = []
    if len(scenario.homes) > MAX_HOMES:
        found.append(
            f"homes: {len(scenario.homes)} children's homes is more than any council runs; at "
            f"most {MAX_HOMES} ({OFSTED_HOMES_SOURCE})"
        )
    late = [
        f"home {i} opening_month {home.opening_month}"
        for i, home in enumerate(scenario.homes, start=1)
        if isinstance(home.opening_month, str)
        and len(home.opening_month) == 7
        and not EARLIEST_MONTH <= home.opening_month <= LATEST_MONTH
    ]
    for name in ("ifa_share_target_date", "external_residential_target_date"):
        month = getattr(scenario, name, None)
        if (
            isinstance(month, str)
            and len(month) == 7
            and not EARLIEST_MONTH <= month <= LATEST_MONTH
        ):
            late.append(f"{name} {month}")
    if late:
        found.append(
            f"{', '.join(late[:5])}{' and more' if len(late) > 5 else ''}: months must be from "
            f"{EARLIEST_MONTH} to {LATEST_MONTH}"
        )
    return found
