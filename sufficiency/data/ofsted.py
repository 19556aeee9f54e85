"""Ofsted's local-authority fostering data, 2018-19: children placed with councils' own carers.

``data/published/ofsted_fostering/Local_authority_level_fostering_data_2018_to_2019.csv`` (Ofsted,
OGL; provenance in data/published/PROVENANCE.tsv) has one column per local-authority fostering
service and one row per figure. Only one figure is read here: the number of children and young
people in placements with the service's own carers at 31 March 2019 (rounded by Ofsted to the
nearest 5, including family and friends carers). It is the latest published LA-level count of
in-house fostered children on this machine: DfE's LA tables have no placement type x provider
split.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sufficiency.data.dfe import authorities, parse_values
from sufficiency.errors import InputDataError
from sufficiency.paths import published_dir

FOSTERING_FILE = "ofsted_fostering/Local_authority_level_fostering_data_2018_to_2019.csv"
CHILDREN_PLACED = "Number of children/young people in placements (at 31 March)"
YEAR = 2019
"""31 March of the year the figures describe."""

TRI_BOROUGH = ("Hammersmith and Fulham", "Kensington and Chelsea", "Westminster")


def _key(name: str) -> str:
    text = name.lower().replace("&", "and").replace(".", "").replace("-", " ")
    text = re.sub(r",\s*(city|county) of$", "", text)
    text = re.sub(r"^county ", "", text)
    text = re.sub(r" borough$", "", text)
    return re.sub(r"\s+", " ", text).strip()


def in_house_fostered_2019(folder: str | Path | None = None) -> pd.DataFrame:
    """Children placed with each council's own foster carers at 31 March 2019 (Ofsted).

    Returns
    -------
    pandas.DataFrame
        ``la_code, la_name, children_placed`` (children; ``NaN`` when suppressed or not
        reported separately) and ``note`` (e.g. a joint fostering service). Authorities Ofsted
        lists under a name that matches no LA code are left out and named in ``attrs['unmatched']``.
    """
    root = Path(folder) if folder is not None else published_dir()
    path = root / FOSTERING_FILE
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="cp1252")
    except FileNotFoundError as error:
        raise InputDataError(
            f"{path}: missing. Restore data/published/ from the repository."
        ) from error
    names = frame.iloc[0].str.strip()
    rows = frame.index[frame.iloc[:, 2].str.strip() == CHILDREN_PLACED]
    if len(rows) == 0:
        raise InputDataError(f"{path.name}: no row '{CHILDREN_PLACED}'. Restore the original file.")
    cells = frame.iloc[rows[0]].iloc[3:]
    values = parse_values(cells, file=path.name, column=CHILDREN_PLACED)["value"]
    who = authorities(root)
    code_of = {_key(name): code for name, code in zip(who["la_name"], who["la_code"], strict=True)}
    out, unmatched = [], []
    for column, name in names.items():
        if not name or column < 6:  # label columns, England
            continue
        code = code_of.get(_key(name))
        if code is None:
            unmatched.append(name)
            continue
        note = ""
        if name in TRI_BOROUGH:
            note = "Ofsted reports the London Tri-borough fostering service jointly"
        elif pd.isna(values.loc[column]):
            note = "no Ofsted figure for this council's fostering service in 2018-19"
        out.append((code, name, values.loc[column], note))
    table = pd.DataFrame(out, columns=["la_code", "la_name", "children_placed", "note"])
    table = table.drop_duplicates("la_code", keep="first").reset_index(drop=True)
    table.attrs["unmatched"] = [n for n in unmatched if not _is_area(n)]
    return table


def _is_area(name: str) -> bool:
    """Regions and groupings Ofsted lists beside authorities."""
    return name in {
        "England",
        "North East",
        "North West",
        "Yorkshire and The Humber",
        "East Midlands",
        "West Midlands",
        "East of England",
        "London",
        "Inner London",
        "Outer London",
        "South East",
        "South West",
        "London Tri-borough",
    }
