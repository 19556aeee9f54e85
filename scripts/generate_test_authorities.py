"""Generate the synthetic test authorities in ``data/test_authorities/`` (deterministic per seed).

Usage::

    python scripts/generate_test_authorities.py                     # from the committed targets
    python scripts/generate_test_authorities.py --extract-targets /work/shared/data/real

The demand model's defaults are chosen by backtest on the demo authority and these together
(``docs/demand_defaults.md``). Each is made by the project's seeded generator
(:func:`sufficiency.data.synthetic.generate_authority`) calibrated to a different real
authority's published DfE series, so their histories differ from the demo's peak-and-fall:

* **Westmoor County** (synthetic) follows **Leicestershire (E10000018)**, a shire county whose
  children looked after rose from 373 (2012) to 725 (2024);
* **Riverside Borough** (synthetic) follows **Haringey (E09000014)**, a London borough whose
  children looked after fell from 573 (2012) to 334 (2024).

The DfE local-authority tables give totals, age bands, starts and broad placement types; the
project's placement categories are derived from them with the stated assumptions in
:func:`derived_categories` (the only numbers here that are not published).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import generate_demo  # noqa: E402

from sufficiency.data import synthetic  # noqa: E402
from sufficiency.spreadsheets import write_csv  # noqa: E402

FIRST_EXTRACT_YEAR = 2014
"""First collection year written (the simulation starts from the 31 March 2012 stock)."""
LAST_YEAR = 2024

KINSHIP_SHARE_OF_FOSTER = 0.18
"""Share of foster placements with relatives or friends (U1-U3). Assumption: about the England
share at 31 March 2019-2024 (DfE "Children looked after in England", national placement tables:
foster placements with a relative or friend about 18-19% of foster placements)."""
IN_HOUSE_SHARE_OF_RESIDENTIAL = 0.2
"""Share of children's home placements in the council's own homes. Assumption: England's local
authority children's homes hold about a fifth of children in children's homes (Ofsted children's
social care data); the demo's council report has 34%."""
SEMI_INDEPENDENT_SHARE_OF_SECURE_GROUP = 0.35
"""Before 2021 DfE grouped semi-independent living (H5) with secure units and children's homes;
this share of that group is taken as semi-independent (assumption)."""
SECURE_SHARE = 0.03
"""Share of the secure and children's homes group in secure children's homes (assumption)."""
SUPPRESSED = 2.0
"""A suppressed small count (c) is taken as 2 when deriving categories (assumption)."""


@dataclass(frozen=True)
class TestAuthority:
    """A synthetic test authority and the real authority it is calibrated to."""

    slug: str
    name: str
    real_name: str
    real_code: str
    seed: int
    history: str


AUTHORITIES: tuple[TestAuthority, ...] = (
    TestAuthority(
        "westmoor",
        "Westmoor County (synthetic test authority)",
        "Leicestershire",
        "E10000018",
        1201,
        "a shire county rising steadily from 373 children looked after (2012) to 725 (2024)",
    ),
    TestAuthority(
        "riverside",
        "Riverside Borough (synthetic test authority)",
        "Haringey",
        "E09000014",
        1202,
        "a London borough falling from 573 children looked after (2012) to 334 (2024)",
    ),
)


def _value(text: str | None) -> float:
    number = generate_demo._number(text or "")
    return SUPPRESSED if number is None else number


def derived_categories(real_dir: Path, authority: TestAuthority) -> pd.DataFrame:
    """Counts by the project's placement categories at each 31 March (generator inputs).

    Foster care is split into kinship (:data:`KINSHIP_SHARE_OF_FOSTER`), in-house (the DfE
    "own provision" count less kinship and the council's own residential, clipped to 25-90% of
    non-kinship fostering) and IFA (the rest); the secure / children's homes group into secure,
    in-house and external residential; supported accommodation from the independent and
    semi-independent counts. Years without a DfE placement table (2020) are left to the
    generator's interpolation.
    """
    dfe = real_dir / "dfe_cla"
    rows = {}
    for year, (cla_file, _, _) in generate_demo._SFR_FILES.items():
        cla = generate_demo._sfr_row(
            dfe / "la_underlying_2010_2019" / cla_file, authority.real_name
        )
        group = _value(cla.get("CLA_Secure"))
        rows[year] = {
            "foster": _value(cla.get("CLA_Fost")),
            "adoption": _value(cla.get("CLA_Adopt")),
            "parents": _value(cla.get("CLA_Parent")),
            "supported": _value(cla.get("CLA_Ocom"))
            + SEMI_INDEPENDENT_SHARE_OF_SECURE_GROUP * group,
            "homes": (1 - SEMI_INDEPENDENT_SHARE_OF_SECURE_GROUP) * group
            + _value(cla.get("CLA_Ores"))
            + _value(cla.get("CLA_RSch")),
            "other": _value(cla.get("CLA_OthPl")),
            "own": _value(cla.get("CLA_OwnP")),
        }
    chars = pd.read_csv(
        dfe
        / "la_2021_2024"
        / "la_cla_on_31_march_by_characteristics__from_dashboard_rds_2021_2024.csv",
        dtype=str,
    )
    chars = chars[chars["new_la_code"] == authority.real_code]
    for year, frame in chars.groupby("time_period"):
        value = dict(zip(frame["characteristic"], frame["number"], strict=False))
        rows[int(year)] = {
            "foster": _value(value.get("Foster placements")),
            "adoption": _value(value.get("Placed for adoption")),
            "parents": _value(
                value.get("Placed with parents or other person with parental responsibility")
            ),
            "supported": _value(
                value.get(
                    "Independent and semi-independent living arrangements/supported accommodation"
                )
            ),
            "homes": _value(value.get("Secure homes and children's homes"))
            + _value(value.get("Other residential settings"))
            + _value(value.get("Residential schools")),
            "other": _value(value.get("Other placements")),
            "own": _value(value.get("Own provision (by the LA)")),
        }
    out = []
    for year, r in sorted(rows.items()):
        kinship = KINSHIP_SHARE_OF_FOSTER * r["foster"]
        secure = SECURE_SHARE * r["homes"]
        residential = r["homes"] - secure
        in_house_res = IN_HOUSE_SHARE_OF_RESIDENTIAL * residential
        mainstream = r["foster"] - kinship
        in_house = min(max(r["own"] - kinship - in_house_res, 0.25 * mainstream), 0.9 * mainstream)
        values = {
            "kinship fostering": kinship,
            "in-house fostering": in_house,
            "IFA fostering": mainstream - in_house,
            "in-house residential": in_house_res,
            "external residential": residential - in_house_res,
            "secure": secure,
            "supported / semi-independent": r["supported"],
            "placed with parents": r["parents"],
            "placed for adoption": r["adoption"],
            "other": r["other"],
        }
        for key, value in values.items():
            out.append(
                {
                    "measure": "generator_category",
                    "year": year,
                    "period_end": f"{year}-03-31",
                    "breakdown": f"placement: {key}",
                    "filter": f"placement_category={key}",
                    "value": round(float(value), 1),
                    "source": "derived (generator input; see scripts/generate_test_authorities.py)",
                    "note": "DfE placement/provider counts split with stated assumptions",
                }
            )
    return pd.DataFrame(out)


def targets_for(real_dir: Path, authority: TestAuthority) -> pd.DataFrame:
    """Calibration targets: the published series plus the derived placement categories."""
    published = generate_demo.extract_targets(
        real_dir, authority.real_name, authority.real_code, council_reports=False
    )
    table = pd.concat([published, derived_categories(real_dir, authority)], ignore_index=True)
    return table.sort_values(["measure", "breakdown", "year"], kind="mergesort").reset_index(
        drop=True
    )


def folder_of(authority: TestAuthority, root: Path | None = None) -> Path:
    return (root or REPO / "data" / "test_authorities") / authority.slug


def generate(authority: TestAuthority, folder: Path) -> int:
    """Write the yearly extracts from ``folder/calibration_targets.csv``; returns bytes written."""
    targets = synthetic.load_calibration_targets(folder / "calibration_targets.csv")
    tables = synthetic.generate_authority(
        targets, seed=authority.seed, scale=1.0, first_year=2012, last_year=LAST_YEAR
    )
    for old in folder.glob("903_*"):
        shutil.rmtree(old)
    written = synthetic.write_yearly_extracts(
        tables, folder, years=range(FIRST_EXTRACT_YEAR, LAST_YEAR + 1)
    )
    return sum(path.stat().st_size for path in written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--extract-targets",
        type=Path,
        default=None,
        metavar="REAL_DATA_DIR",
        help="rebuild each calibration_targets.csv from the DfE tables in this folder first",
    )
    parser.add_argument("--out", type=Path, default=None, help="root folder (default data/)")
    args = parser.parse_args(argv)
    for authority in AUTHORITIES:
        folder = folder_of(authority, args.out)
        folder.mkdir(parents=True, exist_ok=True)
        if args.extract_targets is not None:
            write_csv(
                targets_for(args.extract_targets, authority), folder / "calibration_targets.csv"
            )
        size = generate(authority, folder)
        print(f"{authority.name}: wrote {size / 1e6:.1f} MB to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
