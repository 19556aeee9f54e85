"""Extract the children-looked-after lines of MHCLG RO3 2024-25 into data/published/la_spend/.

One row per authority: ONS code, name, class and the net current expenditure (£ thousand) on
children looked after in total and of which residential care, fostering services, asylum-seeking
children and other. Suppression and missing markers ([x], [z], ...) are kept as empty cells, never
zero. Needs ``odfpy`` (``pip install odfpy``) to read the .ods file; the CSV it writes is
committed, so the tool itself does not need odfpy.

Usage: ``python scripts/extract_ro3.py /work/shared/data/real/la_spend/RO3_LA_Data_2024-25_data_by_LA.ods``
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sufficiency.spreadsheets import write_csv

COLUMNS = {
    20: "cla_net_current_expenditure_gbp_thousand",
    27: "residential_care_net_gbp_thousand",
    34: "fostering_services_net_gbp_thousand",
    41: "asylum_seeking_children_net_gbp_thousand",
    48: "other_cla_net_gbp_thousand",
}


def main(source: str) -> Path:
    sheet = pd.read_excel(source, engine="odf", sheet_name="RO3_LA_Data_202425", header=None)
    header_row = 6
    rows = sheet.iloc[header_row + 1 :]
    frame = pd.DataFrame(
        {
            "ons_code": rows[1],
            "local_authority": rows[2],
            "class": rows[4],
            **{
                name: pd.to_numeric(rows[column], errors="coerce")
                for column, name in COLUMNS.items()
            },
        }
    )
    frame = frame[frame["local_authority"].notna() & frame["class"].notna()]
    # children's social care authorities only: unitaries, metropolitan and London boroughs,
    # counties, and the England total
    keep = frame["class"].astype(str).str.contains("UA|MD|LB|SC|England", regex=True)
    frame = frame[keep | frame["local_authority"].astype(str).str.upper().eq("ENGLAND")]
    out = Path(__file__).resolve().parents[1] / "data/published/la_spend/ro3_2024_25_cla.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    return out


if __name__ == "__main__":
    print("wrote", main(sys.argv[1]))
