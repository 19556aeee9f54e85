"""One name per local authority in an LA column, however it is written.

Stacked regional 903 files name the authority in an ``LA`` column, and not always the same way:
case and spaces differ between tables ("Northtown", "NORTHTOWN "), and one table may give DfE's
3-digit code (``390``) or the ONS code (``E08000037``) where another gives the name
("Gateshead"). :func:`canonical_names` gives each written value the one name used for it, so an
authority is never split in two by its spelling and two authorities are never joined.

The codes and names of English authorities come from DfE's published children-looked-after
tables copied in ``data/published/dfe_cla`` (see its README): the newest name for each code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from sufficiency.paths import published_dir

# Oldest first: a later release's name for a code replaces an earlier one.
_CODE_FILES = (
    "dfe_cla/la_2022_release/cla_number_and_rate_per_10k_children.csv",
    "dfe_cla/la_2021_2024/cla_number_and_rate_per_10k_children.csv",
)


def authority_key(text: str) -> str:
    """A value compared without regard to case, spaces, '&' for 'and', or punctuation."""
    text = str(text).casefold().replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def known_authorities() -> dict[str, str]:
    """Key (:func:`authority_key`) of every DfE code, ONS code and name -> the newest name.

    Empty when the published tables are not there (LA values are then matched by spelling only).
    """
    names: dict[str, str] = {}
    newest: dict[str, str] = {}
    rows = []
    for relative in _CODE_FILES:
        path = published_dir() / relative
        try:
            frame = pd.read_csv(
                path,
                usecols=["geographic_level", "old_la_code", "new_la_code", "la_name"],
                dtype=str,
                encoding="utf-8-sig",
            )
        except (OSError, ValueError):
            continue
        frame = frame[frame["geographic_level"] == "Local authority"].dropna()
        rows.append(frame)
        for code, name in zip(frame["old_la_code"], frame["la_name"], strict=True):
            newest[code] = name.strip()
    for frame in rows:
        for old, new, name in zip(
            frame["old_la_code"], frame["new_la_code"], frame["la_name"], strict=True
        ):
            canonical = newest[old]
            written = name.strip()
            for alias in (old, new, written, written.split(",")[0]):
                names.setdefault(authority_key(alias), canonical)
    return names


def canonical_names(values: Iterable[str]) -> dict[str, str]:
    """The name used for each distinct LA value.

    Values equal but for case, spaces and punctuation are one authority; so are a DfE code, an
    ONS code and a name of the same English authority (given its published name). Other values
    keep their most common spelling.

    Parameters
    ----------
    values : iterable of str
        Every LA value as written (repeats count towards the most common spelling).

    Returns
    -------
    dict of str to str
        Written value -> name used.
    """
    counts = Counter(str(v) for v in values)
    by_key: dict[str, list[str]] = {}
    for value in counts:
        by_key.setdefault(authority_key(value), []).append(value)
    known = known_authorities() if len(by_key) > 1 else {}
    names: dict[str, str] = {}
    for key, spellings in by_key.items():
        name = known.get(key) or max(spellings, key=lambda s: (counts[s], s.strip() == s, s))
        for spelling in spellings:
            names[spelling] = name.strip()
    return names
