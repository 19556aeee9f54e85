"""Month-end care histories: hand-computed small cases, and agreement with the stock counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.codes import EXIT_INDEPENDENCE, EXIT_RETURN_HOME
from sufficiency.demand.panel import care_months, month_end_stock
from sufficiency.schemas import CLEAN_EPISODES
from sufficiency.stocks import monthly_stock


def _episodes(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    defaults = {
        "sex": "1",
        "uasc": False,
        "ls": "C2",
        "cin": "N1",
        "place": "U6",
        "place_provider": "PR4",
        "reason_place_change": None,
        "source_file": "hand",
        "source_row": 1,
        "rec": None,
        "dec": pd.NaT,
    }
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
    for column in ("dob", "decom", "dec"):
        frame[column] = pd.to_datetime(frame[column])
    return frame[list(CLEAN_EPISODES)]


def _rows(panel: pd.DataFrame, kind: str = "in care") -> list[tuple]:
    rows = panel.loc[panel["kind"] == kind].sort_values("date")
    return [
        (
            f"{d:%Y-%m-%d}",
            a,
            m,
            c,
            o,
            t if isinstance(t, str) else None,
            g if isinstance(g, str) else None,
        )
        for d, a, m, c, o, t, g in rows[
            [
                "date",
                "age_months",
                "care_months",
                "placement_category",
                "outcome",
                "to_category",
                "exit_reason_group",
            ]
        ].itertuples(index=False)
    ]


IFA, IN_HOUSE, KINSHIP = "IFA fostering", "in-house fostering", "kinship fostering"


def test_one_child_entry_move_and_exit_by_hand():
    episodes = _episodes(
        [
            {
                "child": "A",
                "dob": "2010-05-15",
                "decom": "2020-01-10",
                "dec": "2020-03-05",
                "rne": "S",
                "placement_category": IFA,
                "rec": "X1",
            },
            {
                "child": "A",
                "dob": "2010-05-15",
                "decom": "2020-03-05",
                "dec": "2020-06-20",
                "rne": "P",
                "place_provider": "PR1",
                "placement_category": IN_HOUSE,
                "rec": "E4A",
            },
        ]
    )
    panel = care_months(episodes, pd.Timestamp("2020-12-31"), start=pd.Timestamp("2020-01-01"))
    # ages: 9 years 8 months on 31 Jan 2020; the 10th birthday (15 May) falls before 31 May
    assert _rows(panel) == [
        ("2020-01-31", 116, 0, IFA, "stay", IFA, None),
        ("2020-02-29", 117, 1, IFA, "move", IN_HOUSE, None),
        ("2020-03-31", 118, 2, IN_HOUSE, "stay", IN_HOUSE, None),
        ("2020-04-30", 119, 3, IN_HOUSE, "stay", IN_HOUSE, None),
        ("2020-05-31", 120, 4, IN_HOUSE, "exit", None, EXIT_RETURN_HOME),
    ]
    assert _rows(panel, "entry") == [("2020-01-31", 116, 0, IFA, "entry", None, None)]


def test_care_ends_at_the_18th_birthday_and_open_children_are_censored():
    episodes = _episodes(
        [
            {
                "child": "B",
                "dob": "2002-07-20",
                "decom": "2019-01-01",
                "rne": "S",
                "place": "U3",
                "placement_category": KINSHIP,
            },
            {
                "child": "C",
                "dob": "2015-02-28",
                "decom": "2020-10-31",
                "rne": "S",
                "placement_category": IFA,
            },
        ]
    )
    panel = care_months(episodes, pd.Timestamp("2020-12-31"), start=pd.Timestamp("2020-05-01"))
    young = panel.loc[panel["age_months"] < 100]
    assert _rows(young) == [
        ("2020-10-31", 68, 0, IFA, "stay", IFA, None),
        ("2020-11-30", 69, 1, IFA, "stay", IFA, None),
        ("2020-12-31", 70, 2, IFA, "censored", None, None),
    ]
    old = panel.loc[panel["age_months"] >= 100]
    # 17 years 10 and 11 months; the 18th birthday (20 July) ends care within July
    assert _rows(old) == [
        ("2020-05-31", 214, 16, KINSHIP, "stay", KINSHIP, None),
        ("2020-06-30", 215, 17, KINSHIP, "exit", None, EXIT_INDEPENDENCE),
    ]
    # B was in care before the history starts: a starting child, not an entry
    assert _rows(panel, "entry") == [("2020-10-31", 68, 0, IFA, "entry", None, None)]


def test_leaving_and_coming_back_within_a_month_is_an_exit_and_an_entry():
    episodes = _episodes(
        [
            {
                "child": "D",
                "dob": "2012-01-01",
                "decom": "2020-01-05",
                "dec": "2020-02-10",
                "rne": "S",
                "placement_category": IFA,
                "rec": "E4A",
            },
            {
                "child": "D",
                "dob": "2012-01-01",
                "decom": "2020-02-20",
                "rne": "S",
                "placement_category": IFA,
            },
        ]
    )
    panel = care_months(episodes, pd.Timestamp("2020-04-30"), start=pd.Timestamp("2020-01-01"))
    assert [row[4] for row in _rows(panel)] == ["exit", "stay", "stay", "censored"]
    assert [row[0] for row in _rows(panel, "entry")] == ["2020-01-31", "2020-02-29"]
    # the second period starts its own time in care
    assert [row[2] for row in _rows(panel)] == [0, 0, 1, 2]


def test_short_breaks_and_children_in_care_under_a_month_are_not_counted():
    episodes = _episodes(
        [
            {
                "child": "E",
                "dob": "2012-01-01",
                "decom": "2020-01-05",
                "dec": "2020-03-01",
                "rne": "S",
                "ls": "V3",
                "placement_category": IFA,
                "rec": "E4A",
            },
            {
                "child": "F",
                "dob": "2012-01-01",
                "decom": "2020-02-03",
                "dec": "2020-02-20",
                "rne": "S",
                "placement_category": IFA,
                "rec": "E4A",
            },
        ]
    )
    with pytest.raises(Exception, match="No child is looked after"):
        care_months(episodes, pd.Timestamp("2020-04-30"), start=pd.Timestamp("2020-01-01"))


def test_month_end_counts_equal_the_stock_counts_and_flows_balance():
    from tests.demand_fixtures import micro_episodes

    episodes, extract = micro_episodes(months=30, seed=4, scale=0.5)
    first = extract - pd.offsets.MonthEnd(30)
    panel = care_months(episodes, extract, start=first)
    keys = ["date", "age_band", "placement_category"]
    mine = month_end_stock(panel)
    theirs = monthly_stock(episodes, extract, start=first)
    for frame in (mine, theirs):
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        frame[["age_band", "placement_category"]] = frame[
            ["age_band", "placement_category"]
        ].astype(str)
    merged = mine.merge(theirs, on=keys, how="outer", suffixes=("_mine", "_theirs")).fillna(0)
    assert len(merged) == len(mine) and merged["children_mine"].sum() > 0
    assert (merged["children_mine"] == merged["children_theirs"]).all()
    # children are conserved: next month = this month - exits + next month's entries
    in_care = panel[panel["kind"] == "in care"].groupby("date")["children"].sum()
    exits = panel[panel["outcome"] == "exit"].groupby("date")["children"].sum()
    entries = panel[panel["kind"] == "entry"].groupby("date")["children"].sum()
    exits = exits.reindex(in_care.index, fill_value=0)
    entries = entries.reindex(in_care.index, fill_value=0)
    balance = in_care.shift(-1) - (in_care - exits + entries.shift(-1))
    assert np.allclose(balance.dropna(), 0)
    # only aggregate columns leave the module
    assert "child" not in panel.columns and "dob" not in panel.columns
