"""Column schemas of the tidy tables passed between stages, declared once.

Each schema maps column name to a one-line description. :func:`check_columns` is called where
data enters a stage.
"""

from __future__ import annotations

import pandas as pd

CLEAN_EPISODES: dict[str, str] = {
    "child": "903 CHILD identifier as text (personal data: never logged or written out)",
    "sex": "SEX code, '1' male or '2' female (text, may be missing)",
    "dob": "date of birth (datetime64; personal data)",
    "uasc": "True when the child appears in the UASC table or is flagged UASC",
    "decom": "date the episode started (datetime64)",
    "dec": "date the episode ceased (datetime64); NaT when open at the extract date",
    "rne": "reason for new episode code (upper case)",
    "ls": "legal status code (upper case)",
    "cin": "category of need code (upper case)",
    "place": "placement type code (upper case)",
    "place_provider": "placement provider code (upper case)",
    "rec": (
        "reason episode ceased code (upper case); missing when open; "
        "sufficiency.codes.REC_CLOSED_MISSING when the reader closed it (no reason recorded)"
    ),
    "reason_place_change": "reason for placement change code (upper case); may be missing",
    "placement_category": "one of sufficiency.codes.PLACEMENT_CATEGORIES",
    "source_file": "name of the file the episode was read from (latest extract that held it)",
    "source_row": "1-based data row number in that file (header row excluded)",
}
"""Episodes after reading, validation, merging of yearly extracts and de-duplication.

Short-break-only legal statuses (V3/V4) are kept here (they are real episodes) and left out by
:mod:`sufficiency.stocks` when counting children looked after.
"""

VALIDATION_REPORT: dict[str, str] = {
    "file": "file name the problem was found in",
    "table": "903 table (header, episodes, uasc) or '' when the file could not be recognised",
    "row": "1-based data row number in the file (header row excluded); missing for file-level issues",
    "column": "column name, or '' for whole-row or file-level problems",
    "value": "the offending value, with personal identifiers masked",
    "rule": "short rule identifier, e.g. 'dec_before_decom'",
    "severity": "'error' (row rejected), 'warning' (row kept) or 'fatal' (data unusable)",
    "message": "what was expected and what to do",
}

STOCK: dict[str, str] = {
    "date": "the day (or month end) the count is taken at, end of day",
    "age_band": "one of sufficiency.codes.AGE_BANDS",
    "placement_category": "one of sufficiency.codes.PLACEMENT_CATEGORIES",
    "children": "number of children looked after (count)",
}

MOVEMENTS: dict[str, str] = {
    "date": "the day the movement happened",
    "movement": "'entry', 'exit', 'placement_change' or 'ageing'",
    "from_age_band": "age band before (missing for entries)",
    "from_category": "placement category before (missing for entries)",
    "to_age_band": "age band after (missing for exits)",
    "to_category": "placement category after (missing for exits)",
    "exit_reason_group": (
        "for exits: one of sufficiency.codes.EXIT_REASON_GROUPS, or EXIT_NOT_RECORDED for "
        "episodes the reader closed"
    ),
    "reason_place_change": "for placement changes: the 903 REASON_PLACE_CHANGE code, if any",
    "carer_side_ending": "True when the placement ended for a carer-side reason",
    "children": "number of children making this movement (count, 1 per event row)",
}


def check_columns(frame: pd.DataFrame, schema: dict[str, str], what: str) -> None:
    """Raise ``ValueError`` naming the missing columns if ``frame`` lacks any of ``schema``."""
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing columns: {', '.join(missing)}")
