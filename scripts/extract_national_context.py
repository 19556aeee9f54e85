"""Copy the small published subsets the benchmarking page needs into data/published/.

Run once from the repository root with the shared data folder available:
``.venv/bin/python scripts/extract_national_context.py /work/shared/data/real``. It writes

* ``ons_population/ons_mid2023_la_context.csv``: for every English upper-tier and unitary
  authority, from ONS mid-2023 estimates (``mye23tablesew.xlsx``, sheets MYE2 - Persons, MYE5,
  MYE6): population of all ages and aged 0-17, area, people per square km and median age. Values
  are copied, only the 0-17 total is summed here (single years of age 0 to 17);
* ``ofsted_fostering/Local_authority_level_fostering_data_2018_to_2019.csv``: a byte-for-byte copy.

Both are listed in data/published/PROVENANCE.tsv with their hashes.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pandas as pd

from sufficiency import spreadsheets

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "data" / "published"
LEVELS = ("Unitary Authority", "Metropolitan District", "London Borough", "County")


def main(shared: str) -> int:
    source = Path(shared)
    workbook = source / "ons_population" / "mye23tablesew.xlsx"
    ages = pd.read_excel(workbook, sheet_name="MYE2 - Persons", header=7)
    area = pd.read_excel(workbook, sheet_name="MYE5", header=7)
    median = pd.read_excel(workbook, sheet_name="MYE6", header=7)
    keep = ages["Geography"].isin(LEVELS) & ages["Code"].astype(str).str.startswith("E")
    ages = ages.loc[keep]
    children = ages[[str(age) for age in range(18)]].sum(axis=1)
    context = pd.DataFrame(
        {
            "la_code": ages["Code"],
            "la_name": ages["Name"],
            "geography": ages["Geography"],
            "population_all_ages": ages["All ages"],
            "population_0_17": children,
        }
    )
    context = context.merge(
        area[["Code", "Area (sq km)", "2023 people per sq. km"]].rename(
            columns={
                "Code": "la_code",
                "Area (sq km)": "area_sq_km",
                "2023 people per sq. km": "people_per_sq_km",
            }
        ),
        on="la_code",
        how="left",
    ).merge(
        median[["Code", "Mid-2023"]].rename(columns={"Code": "la_code", "Mid-2023": "median_age"}),
        on="la_code",
        how="left",
    )
    out = TARGET / "ons_population" / "ons_mid2023_la_context.csv"
    spreadsheets.write_csv(context, out)
    ofsted = "Local_authority_level_fostering_data_2018_to_2019.csv"
    (TARGET / "ofsted_fostering").mkdir(exist_ok=True)
    shutil.copyfile(source / "ofsted_fostering" / ofsted, TARGET / "ofsted_fostering" / ofsted)
    for path in (out, TARGET / "ofsted_fostering" / ofsted):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.relative_to(TARGET)}\t{path.stat().st_size}\t{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/real"))
