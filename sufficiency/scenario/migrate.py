"""Opening scenario files and share links written in an older format, with a note of what changed.

Version 1 (before the one model of the authority) differs from version 2 in meaning, not only in
names, so a version 1 scenario is translated rather than read as if it were new:

- cost per enquiry, enquiry-to-approval conversion, the leaving rate, places per household and
  occupancy left at version 1's built-in defaults (£320, 4%, 15%, 1.85, 66%) now follow the
  authority's own figures; values that were changed are kept as overrides;
- an IFA share target keeps its meaning: it counted non-kinship foster placements, so its basis is
  set to "non-kinship fostering" (version 2 defaults to all foster placements);
- step-downs keep going to foster care at every age (version 1 had no supported-accommodation
  choice for 16-17 year olds);
- approvals per quarter are now on top of the households the service approves without a plan
  (as many a quarter as it approves now; in version 1 they replaced the recruitment that
  replaced carers who leave), and targets are now solved into the plan: the note says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

V1_DEFAULTS: dict[str, float] = {
    "cost_per_enquiry": 320.0,
    "enquiry_to_approval_pct": 4.0,
    "annual_leaving_rate_pct": 15.0,
    "places_per_household": 1.85,
    "occupancy_pct": 66.0,
}
"""Version 1's built-in defaults for levers that now follow the authority's figures."""


def migrate_v1(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Translate a version 1 scenario dict (without ``version``) to version 2.

    Returns
    -------
    tuple of (dict, list of str)
        The version 2 settings and plain-words notes of what changed.
    """
    data = dict(data)
    notes = ["Made with an older version of the tool (scenario format 1) and updated:"]
    followed = []
    for name, old_default in V1_DEFAULTS.items():
        if name in data and _same(data[name], old_default):
            del data[name]
            followed.append(name.replace("_pct", "").replace("_", " "))
    if followed:
        notes.append(
            f"{', '.join(followed)} were at the old built-in defaults and now follow the "
            "authority's own figures (its records where loaded, else national figures)."
        )
    if data.get("ifa_share_target_pct") is not None:
        data["ifa_share_target_basis"] = "non-kinship fostering"
        notes.append(
            "The IFA share target counted non-kinship foster placements and still does "
            "(councils usually report the share of all foster placements: change the basis to "
            "compare with them)."
        )
    if float(data.get("step_downs_per_year") or 0) > 0:
        data["step_down_16_17_to"] = "fostering"
        notes.append(
            "Step-downs are now children a year delivered as a count (version 1 moved a share "
            "of the children at the start); 16-17 year olds still step down to foster care."
        )
    if data.get("approvals_per_quarter"):
        notes.append(
            "Approvals per quarter are now on top of the households the service approves without "
            "a plan, as many a quarter as it approves now (in version 1 they replaced the "
            "recruitment that replaced carers who leave), so this scenario has more in-house "
            "households than before: lower them if you meant the total."
        )
    if data.get("ifa_share_target_pct") is not None or data.get("external_residential_target"):
        notes.append(
            "Targets are now solved into the plan: the approvals (and step-downs) they need are "
            "added, so the charts and costs show the plan that meets them."
        )
    return data, notes if len(notes) > 1 else [notes[0] + " nothing changed in meaning."]


def _same(value: object, default: float) -> bool:
    try:
        return abs(float(value) - default) < 1e-9  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
