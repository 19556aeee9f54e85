"""Stocks and flows: hand-computed small cases and conservation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency import codes
from sufficiency.schemas import CLEAN_EPISODES
from sufficiency.stocks import (
    complete_history_start,
    daily_stock,
    monthly_flows,
    monthly_stock,
    movements,
    net_change_by_state,
    stock_on,
)

EXTRACT = pd.Timestamp("2024-03-31")


def make_episodes(rows: list[dict]) -> pd.DataFrame:
    """Clean episodes from short dicts: child, dob, decom, dec, place, provider, ls, rne, rec."""
    frame = pd.DataFrame(rows)
    defaults = {
        "sex": "1",
        "uasc": False,
        "ls": "C2",
        "cin": "N1",
        "rne": "S",
        "rec": None,
        "reason_place_change": None,
        "place_provider": "PR1",
        "dec": None,
        "source_file": "test.csv",
    }
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = value
    for column in ("dob", "decom", "dec"):
        frame[column] = pd.to_datetime(frame[column])
    frame["placement_category"] = codes.placement_category(frame["place"], frame["place_provider"])
    frame["source_row"] = np.arange(1, len(frame) + 1)
    return frame[list(CLEAN_EPISODES)]


def count(stock: pd.DataFrame, day: str, band: str | None = None, category: str | None = None):
    rows = stock[stock["date"] == pd.Timestamp(day)]
    if band:
        rows = rows[rows["age_band"] == band]
    if category:
        rows = rows[rows["placement_category"] == category]
    return int(rows["children"].sum())


def test_single_episode_counted_from_decom_until_day_before_dec():
    episodes = make_episodes(
        [
            {
                "child": "A",
                "dob": "2010-06-15",
                "decom": "2020-01-10",
                "dec": "2020-03-05",
                "place": "U4",
                "rec": "E4A",
            }
        ]
    )
    stock = daily_stock(episodes, EXTRACT, start="2020-01-01", end="2020-03-31")
    assert count(stock, "2020-01-09") == 0
    assert count(stock, "2020-01-10", "5-9", codes.IN_HOUSE_FOSTERING) == 1
    assert count(stock, "2020-03-04") == 1
    assert count(stock, "2020-03-05") == 0
    # Every day x band x category is present, zeros included.
    assert len(stock) == 91 * len(codes.AGE_BANDS) * len(codes.PLACEMENT_CATEGORIES)


def test_open_episode_runs_to_extract_date_and_ages_across_band():
    episodes = make_episodes(
        [
            {
                "child": "A",
                "dob": "2014-02-10",
                "decom": "2018-05-01",
                "place": "U6",
                "place_provider": "PR4",
            }
        ]
    )
    stock = monthly_stock(episodes, EXTRACT)
    assert count(stock, "2019-01-31", "1-4", codes.IFA_FOSTERING) == 1
    # Fifth birthday 2019-02-10: moves from 1-4 to 5-9.
    assert count(stock, "2019-02-28", "1-4") == 0
    assert count(stock, "2019-02-28", "5-9", codes.IFA_FOSTERING) == 1
    assert stock["date"].max() == EXTRACT
    assert count(stock, "2024-03-31") == 1
    events = movements(episodes, EXTRACT)
    assert list(events["movement"]) == ["entry", "ageing", "ageing"]  # at 5 and at 10
    assert events.iloc[1]["date"] == pd.Timestamp("2019-02-10")


def test_short_breaks_excluded_and_chain_of_episodes_gives_one_entry_one_exit():
    episodes = make_episodes(
        [
            {
                "child": "A",
                "dob": "2008-01-01",
                "decom": "2021-01-01",
                "dec": "2021-06-01",
                "place": "K2",
                "place_provider": "PR4",
                "rec": "X1",
                "reason_place_change": "CREQB",
            },
            {
                "child": "A",
                "dob": "2008-01-01",
                "decom": "2021-06-01",
                "dec": "2022-01-01",
                "place": "U4",
                "place_provider": "PR1",
                "rne": "P",
                "rec": "E46",
            },
            {
                "child": "B",
                "dob": "2012-01-01",
                "decom": "2021-02-01",
                "dec": "2021-02-10",
                "place": "U4",
                "ls": "V3",
                "rec": "E4A",
            },
        ]
    )
    events = movements(episodes, EXTRACT)
    assert list(events["movement"]) == ["entry", "placement_change", "exit"]
    change = events.iloc[1]
    assert change["from_category"] == codes.EXTERNAL_RESIDENTIAL
    assert change["to_category"] == codes.IN_HOUSE_FOSTERING
    assert change["reason_place_change"] == "CREQB" and bool(change["carer_side_ending"])
    assert events.iloc[2]["exit_reason_group"] == codes.EXIT_SGO_CAO
    stock = stock_on(episodes, EXTRACT, pd.Timestamp("2021-02-05"))
    assert int(stock["children"].sum()) == 1  # B's short break is not counted


def test_legal_status_change_only_is_not_a_move_and_18th_birthday_is_an_exit():
    episodes = make_episodes(
        [
            {
                "child": "A",
                "dob": "2005-07-01",
                "decom": "2021-01-01",
                "dec": "2022-02-01",
                "place": "H5",
                "ls": "V2",
                "rec": "X1",
            },
            {
                "child": "A",
                "dob": "2005-07-01",
                "decom": "2022-02-01",
                "dec": None,
                "place": "H5",
                "ls": "C2",
                "rne": "L",
            },
        ]
    )
    events = movements(episodes, EXTRACT)
    # 16th birthday (2021-07-01) is ageing; the legal-status change in 2022 is no movement.
    assert list(events["movement"]) == ["entry", "ageing", "exit"]
    assert events.iloc[2]["date"] == pd.Timestamp("2023-07-01")
    assert events.iloc[2]["exit_reason_group"] == codes.EXIT_INDEPENDENCE
    stock = monthly_stock(episodes, EXTRACT)
    assert count(stock, "2023-06-30", "16-17", codes.SUPPORTED) == 1
    assert count(stock, "2023-07-31") == 0


def test_gap_between_episodes_is_exit_then_new_entry():
    episodes = make_episodes(
        [
            {
                "child": "A",
                "dob": "2015-01-01",
                "decom": "2020-01-01",
                "dec": "2020-05-01",
                "place": "P1",
                "place_provider": "PR0",
                "rec": "E4A",
            },
            {
                "child": "A",
                "dob": "2015-01-01",
                "decom": "2021-01-01",
                "place": "U1",
                "place_provider": "PR1",
            },
        ]
    )
    events = movements(episodes, EXTRACT)
    assert list(events["movement"]) == ["entry", "exit", "entry"]
    assert events.iloc[1]["exit_reason_group"] == codes.EXIT_RETURN_HOME


def random_episodes(n_children: int, seed: int) -> pd.DataFrame:
    """Random but well-formed periods of care with placement moves and all kinds of endings."""
    rng = np.random.default_rng(seed)
    places = [
        ("U4", "PR1"),
        ("U6", "PR4"),
        ("U1", "PR1"),
        ("K2", "PR1"),
        ("K2", "PR4"),
        ("H5", "PR4"),
        ("P1", "PR0"),
        ("A4", "PR1"),
        ("K1", "PR2"),
    ]
    recs = ["E11", "E45", "E4A", "E5", "E8", "E13"]
    rows = []
    for child in range(n_children):
        dob = pd.Timestamp("2000-01-01") + pd.Timedelta(days=int(rng.integers(0, 8000)))
        start = max(dob, pd.Timestamp("2015-01-01")) + pd.Timedelta(days=int(rng.integers(0, 2500)))
        for _period in range(rng.integers(1, 3)):
            for episode in range(rng.integers(1, 4)):
                length = pd.Timedelta(days=int(rng.integers(1, 900)))
                place, provider = places[rng.integers(len(places))]
                end = start + length
                last = episode == 2 or rng.random() < 0.4
                rows.append(
                    {
                        "child": f"C{child}",
                        "dob": dob,
                        "decom": start,
                        "dec": None if end > EXTRACT else end,
                        "place": place,
                        "place_provider": provider,
                        "rne": "S" if episode == 0 else "P",
                        "ls": "V4" if rng.random() < 0.03 else "C2",
                        "rec": (recs[rng.integers(len(recs))] if last else "X1")
                        if end <= EXTRACT
                        else None,
                        "reason_place_change": "CLOSE" if rng.random() < 0.2 else "CARPL",
                    }
                )
                if end > EXTRACT:
                    break
                start = end
                if last:
                    break
            if start > EXTRACT:
                break
            start = start + pd.Timedelta(days=int(rng.integers(30, 400)))
            if start > EXTRACT:
                break
    return make_episodes(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_conservation_month_on_month_change_equals_net_flows(seed):
    episodes = random_episodes(150, seed)
    stock = monthly_stock(episodes, EXTRACT)
    wide = stock.pivot_table(
        index="date",
        columns=["age_band", "placement_category"],
        values="children",
        observed=False,
        aggfunc="sum",
    )
    change = wide.diff().iloc[1:]
    flows = monthly_flows(episodes, EXTRACT)
    net = net_change_by_state(flows).pivot_table(
        index="month",
        columns=["age_band", "placement_category"],
        values="net_change",
        aggfunc="sum",
    )
    net.index.name = "date"
    net = net.reindex(index=change.index, columns=change.columns).fillna(0)
    assert (change.to_numpy() == net.to_numpy()).all()
    # Entries minus exits per month equals the change in the total.
    totals = wide.sum(axis=1).diff().iloc[1:]
    by_kind = flows.groupby(["month", "movement"])["children"].sum().unstack(fill_value=0)
    by_kind = by_kind.reindex(totals.index, fill_value=0)
    assert (totals == by_kind.get("entry", 0) - by_kind.get("exit", 0)).all()
    assert (stock["children"] >= 0).all()


def test_daily_stock_matches_direct_count():
    episodes = random_episodes(120, 7)
    day = pd.Timestamp("2021-03-31")
    counted = episodes[~episodes["ls"].isin(["V3", "V4"])]
    ends = counted["dec"].fillna(EXTRACT + pd.Timedelta(days=1))
    in_care = counted[(counted["decom"] <= day) & (ends > day)]
    ages = codes.age_in_years(in_care["dob"], day)
    expected = int((ages < 18).sum())
    assert int(stock_on(episodes, EXTRACT, day)["children"].sum()) == expected


def test_monthly_stock_starts_where_the_extracts_give_complete_history():
    episodes = make_episodes(
        [
            {"child": "A", "dob": "2010-01-01", "decom": "2012-01-01", "place": "U4"},
            {
                "child": "B",
                "dob": "2010-01-01",
                "decom": "2015-01-01",
                "dec": "2015-04-02",
                "place": "U4",
                "rec": "E4A",
            },
            {
                "child": "C",
                "dob": "2010-01-01",
                "decom": "2019-05-14",
                "dec": "2019-06-01",
                "place": "U4",
                "rec": "E4A",
            },
        ]
    )
    assert complete_history_start(episodes) == pd.Timestamp("2015-04-02")
    stock = monthly_stock(episodes, EXTRACT)
    assert stock["date"].min() == pd.Timestamp("2015-04-30")
    assert count(stock, "2015-04-30") == 1
    early = monthly_stock(episodes, EXTRACT, start=pd.Timestamp("2012-01-01"))
    assert early["date"].min() == pd.Timestamp("2012-01-31")
    assert complete_history_start(episodes.assign(dec=pd.NaT)) is None
