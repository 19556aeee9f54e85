"""Benchmarking figures and derived neighbours from the published tables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.data.ofsted import in_house_fostered_2019
from sufficiency.errors import InputDataError
from sufficiency.national.benchmarking import (
    in_house_fostering_share,
    indicator_table,
    provider_rows,
    rate_history,
    statistical_neighbours,
)
from sufficiency.national.panel import CLA, build_panel

REPO = Path(__file__).resolve().parents[1]
KENT = "E10000016"
HARTLEPOOL = "E06000001"


@pytest.fixture(scope="module")
def panel():
    return build_panel()


def test_every_published_file_matches_its_provenance_hash():
    provenance = pd.read_csv(REPO / "data" / "published" / "PROVENANCE.tsv", sep="\t")
    for row in provenance.itertuples():
        path = REPO / "data" / "published" / row.local_path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.this_copy_sha256, path


def test_neighbours_are_ten_other_authorities_of_the_same_kind_first():
    neighbours = statistical_neighbours(HARTLEPOOL)
    assert len(neighbours) == 10 and HARTLEPOOL not in set(neighbours["la_code"])
    assert neighbours["distance"].is_monotonic_increasing
    assert (neighbours["la_type"].iloc[:5] == "unitary authority").all()
    kent = statistical_neighbours(KENT)
    assert (kent["la_type"] == "county council").all()
    with pytest.raises(InputDataError, match="no longer exist"):
        statistical_neighbours("E10000006")  # Cumbria


def test_indicators_are_ratios_of_published_counts(panel):
    table = indicator_table(panel, KENT, ["E10000030"], 2024, provider_rows()).set_index(
        "indicator"
    )
    col = panel.column(2024)
    row = panel.index_of(KENT)
    stock = panel.get(CLA)[row, col]
    rate = table.loc["Children looked after per 10,000 children aged 0-17"]
    assert rate["authority"] == pytest.approx(10_000 * stock / panel.population[row, col])
    england = panel.get(CLA)[:, col]
    assert table.loc["Children looked after at 31 March", "england"] == np.nansum(england)
    shares = table.loc[table.index.str.startswith("Share ") & (table["unit"].str.startswith("%"))]
    placement = shares.loc[~shares.index.str.contains("provision")]
    assert 98 < placement["england"].sum() <= 100.5  # suppressed cells count as none
    surrey = panel.index_of("E10000030")
    assert (
        table.loc["Children looked after at 31 March", "neighbours"]
        == (panel.get(CLA)[surrey, col])
    )


def test_ofsted_in_house_fostering_matches_every_authority_by_name(panel):
    ofsted = in_house_fostered_2019()
    assert ofsted.attrs["unmatched"] == []
    assert ofsted.loc[ofsted["la_code"] == "E06000047", "children_placed"].item() == 535  # Durham
    shares = in_house_fostering_share(panel).set_index("la_code")
    assert shares["share_pct"].dropna().between(0, 100).all()
    assert 40 < shares["share_pct"].median() < 80
    tri = shares.loc["E09000033"]  # Westminster: joint Tri-borough service
    assert "Tri-borough" in tri["note"]


def test_rate_history_of_a_group_is_a_ratio_of_sums(panel):
    one = rate_history(panel, [KENT], "Kent").set_index("year")["rate"]
    assert 2011 not in one.index  # no ONS population for 2011 in these files
    both = rate_history(panel, [KENT, "E10000030"], "two").set_index("year")["rate"]
    rows = [panel.index_of(KENT), panel.index_of("E10000030")]
    col = panel.column(2024)
    expected = 10_000 * panel.get(CLA)[rows, col].sum() / panel.population[rows, col].sum()
    assert both[2024] == pytest.approx(expected)
