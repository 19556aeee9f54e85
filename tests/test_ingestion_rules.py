"""Ingestion rules for real extracts: periods and coverage, YEAR convention, in-year extracts,
identifiers, authorities, date order, workbook limits, and the shared 903 command options."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import build_parser
from sufficiency.data import readers
from sufficiency.data.ssda903 import UnusableInputError, read_903, read_903_uploads
from sufficiency.errors import InputDataError
from sufficiency.stocks import complete_history_start, monthly_flows, monthly_stock

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def episode(child: str, decom: str, dec: str = "", rec: str = "", place: str = "U4") -> str:
    return f"{child},{decom},S,C2,N1,{place},PR1,{dec},{rec},,,,"


def test_year_column_holding_the_collection_start_year_is_read_that_way(tmp_path: Path) -> None:
    # A stacked multi-year file whose YEAR is the year each collection starts (2021 = 2021-22).
    rows = []
    for year in (2021, 2022):
        for month in range(4, 13):
            rows.append(f"{year}," + episode(f"C{year}{month}", f"01/{month:02d}/{year}"))
    write(tmp_path, "episodes.csv", ["YEAR," + EPISODES, *rows])
    children = sorted({row.split(",")[1] for row in rows})
    write(tmp_path, "header.csv", [HEADER, *[f"{c},1,01/01/2012,WBRI,,," for c in children]])
    data = read_903(tmp_path)
    assert not (data.report["severity"] == "error").any()
    assert data.extract_date == pd.Timestamp("2023-03-31")
    decision = data.report[data.report["rule"] == "year_convention"]["message"].iloc[0]
    assert "year each collection starts" in decision
    assert list(data.coverage["extract"]) == ["2021-22", "2022-23"]


def test_in_year_extract_stops_at_its_latest_date(tmp_path: Path) -> None:
    # Labelled 2023-24 but the data stops in September 2023: an in-year extract.
    rows = [
        episode(
            f"C{i}", (pd.Timestamp("2023-04-02") + pd.Timedelta(days=4 * i)).strftime("%d/%m/%Y")
        )
        for i in range(40)
    ]
    write(tmp_path, "903_2024/episodes.csv", [EPISODES, *rows])
    write(
        tmp_path,
        "903_2024/header.csv",
        [HEADER, *[f"C{i},1,01/01/2012,WBRI,,," for i in range(40)]],
    )
    data = read_903(tmp_path)
    last = pd.Timestamp("2023-04-02") + pd.Timedelta(days=4 * 39)
    assert data.extract_date == last
    assert "in-year" in data.extract_date_source
    stock = monthly_stock(data.episodes, data.extract_date)
    assert stock["date"].max() <= last
    assert stock["date"].min() == pd.Timestamp("2023-04-30")
    flows = monthly_flows(data.episodes, data.extract_date)
    assert flows["month"].max() <= last + pd.offsets.MonthEnd(0)


def test_complete_history_starts_with_the_first_collection_year(tmp_path: Path) -> None:
    # The 2019-20 extract also holds an episode that ended in 2018 (before the collection year).
    write(
        tmp_path,
        "903_2020/episodes.csv",
        [
            EPISODES,
            episode("C1", "01/01/2018", "01/06/2018", "E13"),
            episode("C1", "01/05/2019"),
            episode("C2", "01/02/2019"),
        ],
    )
    write(tmp_path, "903_2020/header.csv", [HEADER, "C1,1,01/01/2012,,,,", "C2,2,01/01/2013,,,,"])
    data = read_903(tmp_path)
    assert data.coverage_start == pd.Timestamp("2019-04-01")
    assert complete_history_start(data.episodes) == pd.Timestamp("2019-04-01")
    # Without coverage the earliest end stands in (the old rule).
    assert complete_history_start(data.episodes.copy().pipe(_without_attrs)) == pd.Timestamp(
        "2018-06-01"
    )
    stock = monthly_stock(data.episodes, data.extract_date)
    assert stock["date"].min() == pd.Timestamp("2019-04-30")


def _without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    frame.attrs = {}
    return frame


def test_leading_zeros_dropped_by_excel_are_joined(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", [HEADER, "000123,1,01/01/2012,,,,", "000456,2,01/01/2013,,,,"])
    write(
        tmp_path,
        "episodes.csv",
        [EPISODES, episode("123", "01/05/2020"), episode("000456", "01/06/2020")],
    )
    data = read_903(tmp_path)
    assert set(data.episodes["child"]) == {"000123", "000456"}
    joined = data.report[data.report["rule"] == "leading_zeros_joined"]
    assert list(joined["severity"]) == ["warning"] and list(joined["value"]) == ["***"]
    assert any("leading zeros" in note for note in data.notes)
    assert "123" not in data.summary()


def test_mixed_date_orders_are_refused_naming_the_orders(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", [HEADER, "C1,1,01/01/2012,,,,", "C2,2,01/01/2013,,,,"])
    write(
        tmp_path,
        "episodes.csv",
        [EPISODES, episode("C1", "25/05/2020"), episode("C2", "05/25/2020")],
    )
    with pytest.raises(UnusableInputError, match="mix day-first and month-first") as raised:
        read_903(tmp_path)
    assert "mixed_date_order" in set(raised.value.report["rule"])


def test_a_table_without_la_is_never_merged_across_authorities(tmp_path: Path) -> None:
    # Two authorities use CHILD 1; the Header has no LA column, so its row cannot be given to
    # either: it is rejected (naming the LA), and no episode borrows the other's birth date.
    write(
        tmp_path,
        "episodes.csv",
        [EPISODES + ",LA", episode("1", "01/05/2020") + ",A", episode("1", "01/06/2020") + ",B"],
    )
    write(tmp_path, "header.csv", [HEADER, "1,1,01/01/2012,,,,"])
    data = read_903(tmp_path)
    assert not data.usable
    rejected = data.report[(data.report["table"] == "header") & (data.report["column"] == "LA")]
    assert list(rejected["severity"]) == ["error"]
    assert "used by more than one" in rejected["message"].iloc[0]


def test_one_authority_keeps_the_single_authority_shape(tmp_path: Path) -> None:
    write(tmp_path, "episodes.csv", [EPISODES + ",LA", episode("1", "01/05/2020") + ",A"])
    write(tmp_path, "header.csv", [HEADER + ",LA", "1,1,01/01/2012,,,,,A"])
    data = read_903(tmp_path)
    assert "la" not in data.episodes.columns
    assert data.authorities == ("A",)
    assert "la" not in monthly_stock(data.episodes, data.extract_date).columns


def test_old_xls_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InputDataError, match=r"old-style \.xls"):
        read_903_uploads([("903.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)])


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ({"xl/worksheets/sheet1.xml": b"<row/>" * 2_000_000}, "zip bomb"),
        (
            {"xl/worksheets/sheet1.xml": b'<worksheet><dimension ref="A1:M5000000"/></worksheet>'},
            "declares 5,000,000 rows",
        ),
        (
            {"xl/sharedStrings.xml": b"<sst><si><t>" + b"x" * 40_000 + b"</t></si></sst>"},
            "more than a spreadsheet cell can",
        ),
        (
            {"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>'},
            "document type declaration",
        ),
    ],
)
def test_workbook_bombs_are_refused_before_parsing(members: dict[str, bytes], why: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputDataError, match="refused before reading") as raised:
        read_903_uploads([("903_2024.xlsx", _zip(members))])
    assert why in str(raised.value)
    assert time.perf_counter() - started < 20


def test_inflated_size_limit_is_checked_from_the_zip_directory() -> None:
    big = _zip({"xl/worksheets/sheet1.xml": b"<c/>" * (readers.MAX_INFLATED_BYTES // 4 + 10)})
    with pytest.raises(InputDataError, match="would unzip to"):
        readers.check_workbook(big, "big.xlsx")


def test_every_903_command_takes_extract_date_and_la() -> None:
    parser = build_parser()
    commands = {
        ("validate",): [],
        ("stocks",): ["--out", "x.csv"],
        ("fit",): [],
        ("forecast",): ["--out", "x.csv"],
        ("backtest",): ["--out", "x.csv"],
        ("scenario", "run"): ["f.toml", "--out", "o"],
        ("scenario", "compare"): ["a.toml", "b.toml", "--out", "o"],
        ("scenario", "sweep"): ["f.toml", "--lever", "x", "--values", "1", "--out", "o"],
        ("plan",): ["--out", "o"],
    }
    for command, extra in commands.items():
        args = parser.parse_args(
            [*command, *extra, "--extract-date", "2023-03-31", "--la", "Northtown"]
        )
        assert args.extract_date == "2023-03-31", command
        assert args.la == "Northtown", command


def test_extract_date_on_the_demo_cuts_the_data(tmp_path: Path) -> None:
    from sufficiency.cli import main

    out = tmp_path / "stocks.csv"
    assert main(["stocks", "--extract-date", "2022-03-31", "--out", str(out)]) == 0
    stocks = pd.read_csv(out)
    assert pd.to_datetime(stocks["date"]).max() == pd.Timestamp("2022-03-31")


def test_a_file_its_own_dates_cannot_settle_follows_month_first_files(tmp_path: Path) -> None:
    # The Header's dates are all ambiguous; the Episodes file is month-first, so both are.
    write(tmp_path, "header.csv", [HEADER, "C1,1,02/10/2012,,,,", "C2,2,07/05/2013,,,,"])
    write(
        tmp_path,
        "episodes.csv",
        [EPISODES, episode("C1", "04/01/2022"), episode("C2", "06/15/2022")],
    )
    data = read_903(tmp_path)
    dob = data.header.set_index("child")["dob"]
    assert dob["C1"] == pd.Timestamp("2012-02-10") and dob["C2"] == pd.Timestamp("2013-07-05")
    order = data.report[data.report["rule"] == "date_order"].set_index("file")["message"]
    assert "other files read with it are month-first" in order["header.csv"]
