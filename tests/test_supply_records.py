"""Enquiry and campaign spend readers: validation rules, report schema, rows in = kept + rejected."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sufficiency.errors import InputDataError
from sufficiency.schemas import VALIDATION_REPORT
from sufficiency.supply.demo_records import (
    DEMO_EXTRACT_DATE,
    DEMO_SCALE,
    generate_funnel_records,
    load_demo_funnel,
)
from sufficiency.supply.records import (
    CLEAN_ENQUIRIES,
    CLEAN_SPEND,
    ENQUIRY_COLUMNS,
    parse_period,
    read_funnel_records,
    read_funnel_tables,
    read_funnel_uploads,
)

REPO = Path(__file__).resolve().parent.parent

HEADER = list(ENQUIRY_COLUMNS)


def enquiries_csv(rows: list[dict[str, str]]) -> bytes:
    frame = pd.DataFrame([{column: row.get(column, "") for column in HEADER} for row in rows])
    return frame.to_csv(index=False).encode()


def row(**values: str) -> dict[str, str]:
    base = {"enquiry_id": "A1", "enquiry_date": "01/04/2023", "channel": "radio"}
    base.update(values)
    return base


def test_demo_records_read_cleanly_and_are_labelled_synthetic():
    records = load_demo_funnel()
    assert records.extract_date == DEMO_EXTRACT_DATE
    assert list(records.enquiries.columns) == list(CLEAN_ENQUIRIES)
    assert list(records.spend.columns) == list(CLEAN_SPEND)
    assert (records.report["severity"] == "error").sum() == 0
    files = records.files
    assert (files["rows_in"] == files["rows_kept"] + files["rows_rejected"]).all()
    assert records.enquiries["enquiry_id"].str.startswith("SYN-").all()
    assert records.enquiries["enquiry_date"].min() < pd.Timestamp("2016-05-01")
    assert records.enquiries["enquiry_date"].max() <= DEMO_EXTRACT_DATE
    # Some enquiries are still in progress at the extract date, at several stages.
    open_stages = records.enquiries.loc[records.enquiries["outcome"] == "open", "last_stage"]
    assert open_stages.nunique() >= 3


def test_demo_generator_is_seeded_and_scales():
    first, spend_first = generate_funnel_records(random_state=1)
    second, _ = generate_funnel_records(random_state=1)
    pd.testing.assert_frame_equal(first, second)
    bigger, spend_bigger = generate_funnel_records(random_state=1, scale=3 * DEMO_SCALE)
    assert len(bigger) == pytest.approx(3 * len(first), rel=0.1)
    assert spend_bigger["spend"].sum() == pytest.approx(3 * spend_first["spend"].sum(), rel=0.1)


def test_problem_rows_are_reported_with_the_report_schema():
    rows = [
        row(enquiry_id="A1"),
        row(enquiry_id="", channel="radio"),  # no id: error
        row(enquiry_id="A1"),  # duplicate: error
        row(enquiry_id="A3", enquiry_date="31/02/2023"),  # impossible date: error
        row(enquiry_id="A4", initial_visit_date="01/03/2023"),  # before enquiry: error
        row(enquiry_id="A5", approval_date="01/01/2030"),  # after extract: error
        row(
            enquiry_id="A6",
            application_date="01/06/2023",
            withdrawal_date="01/05/2023",
            withdrawal_reason="lost contact",
        ),  # withdrawal before a stage reached: error
        row(enquiry_id="A7", channel=""),  # warning: channel not recorded
        row(enquiry_id="A8", channel="Carrier pigeon"),  # warning: unrecognised channel
        row(enquiry_id="A9", panel_date="2023-10-01"),  # warning: earlier stages filled
        row(
            enquiry_id="A10",
            application_date="2023-05-01",
            approval_date="2023-12-01",
            withdrawal_date="2024-01-10",
        ),  # warning: approval wins
        row(enquiry_id="A11", channel="Bus-stop posters"),  # alias, no warning
    ]
    records = read_funnel_uploads(
        [("enquiries.csv", enquiries_csv(rows))], extract_date="2024-03-31"
    )
    report = records.report
    assert list(report.columns) == list(VALIDATION_REPORT)
    errors = report[report["severity"] == "error"]
    assert set(errors["rule"]) == {
        "enquiry_id_missing",
        "enquiry_id_duplicate",
        "date_unreadable",
        "stage_before_enquiry",
        "date_after_extract",
        "withdrawal_before_stage",
    }
    assert sorted(errors["row"].astype(int)) == [2, 3, 4, 5, 6, 7]
    warnings = set(report.loc[report["severity"] == "warning", "rule"])
    assert {
        "channel_missing",
        "channel_unrecognised",
        "stage_date_filled",
        "withdrawn_after_approval",
    } <= warnings
    files = records.files.iloc[0]
    assert (files["rows_in"], files["rows_kept"], files["rows_rejected"]) == (12, 6, 6)
    # Rows with any entry: the six rejected plus A7, A8, A9 and A10 (warnings).
    assert files["rows_reported"] == 10
    # Identifiers never appear in the report.
    assert not report["value"].astype(str).str.contains("A1").any()

    enquiries = records.enquiries.set_index("enquiry_id")
    assert enquiries.loc["A7", "channel"] == "not recorded"
    assert enquiries.loc["A11", "channel"] == "bus stop"
    filled = enquiries.loc["A9"]
    assert filled["initial_visit_date"] == pd.Timestamp("2023-10-01")
    assert filled["last_stage"] == "panel" and filled["outcome"] == "open"
    assert enquiries.loc["A10", "outcome"] == "approved"
    assert pd.isna(enquiries.loc["A10", "withdrawal_date"])


def test_missing_required_column_is_fatal_and_names_file_and_column():
    content = b"enquiry_id,enquiry_date\nA1,01/04/2023\n"
    with pytest.raises(InputDataError, match=r"my_enquiries\.csv.*channel"):
        read_funnel_uploads([("my_enquiries.csv", content)])


def test_unrecognised_file_is_fatal_when_named_and_skipped_in_a_folder(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputDataError, match="other.csv"):
        read_funnel_records(other)
    (tmp_path / "enquiries.csv").write_bytes(enquiries_csv([row()]))
    records = read_funnel_records(tmp_path)
    assert len(records.enquiries) == 1
    skipped = records.report[records.report["rule"] == "not_a_funnel_table"]
    assert skipped["file"].tolist() == ["other.csv"]
    assert skipped["severity"].tolist() == ["warning"]


def test_no_enquiries_file_is_fatal():
    spend = b"channel,campaign,period,spend\nradio,Spring,2023-04,100\n"
    with pytest.raises(InputDataError, match="No enquiries file"):
        read_funnel_uploads([("spend.csv", spend)])


def test_unreadable_and_oversized_uploads_are_fatal():
    with pytest.raises(InputDataError, match="report.pdf"):
        read_funnel_uploads([("report.pdf", b"%PDF")])
    with pytest.raises(InputDataError, match="over the upload limit"):
        read_funnel_uploads([("enquiries.csv", enquiries_csv([row()]))], max_bytes=10)


def test_extract_date_defaults_to_latest_date():
    records = read_funnel_uploads(
        [("e.csv", enquiries_csv([row(initial_visit_date="2023-05-20")]))]
    )
    assert records.extract_date == pd.Timestamp("2023-05-20")


def test_spend_periods_amounts_and_errors():
    assert parse_period("2023-04") == (pd.Timestamp("2023-04-01"), pd.Timestamp("2023-04-30"))
    assert parse_period("2023-q2") == (pd.Timestamp("2023-04-01"), pd.Timestamp("2023-06-30"))
    assert parse_period("2023-24") == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))
    assert parse_period("2023-13") is None and parse_period("spring") is None
    spend = (
        "channel,campaign,period,spend\n"
        'Radio,Spring,2023-04,"£1,250.50"\n'
        "billboards,Autumn,2023-Q4,900\n"
        ",Nothing,2023-04,10\n"
        "radio,Spring,April,10\n"
        "radio,Spring,2023-05,-5\n"
    ).encode()
    records = read_funnel_uploads([("e.csv", enquiries_csv([row()])), ("spend.csv", spend)])
    assert records.spend["spend"].tolist() == [1250.5, 900.0]
    assert records.spend["channel"].tolist() == ["radio", "billboard"]
    errors = records.report[records.report["table"] == "campaign_spend"]
    assert set(errors["rule"]) == {"channel_missing", "period_unreadable", "spend_invalid"}
    summary = records.files.set_index("table").loc["campaign_spend"]
    assert summary["rows_in"] == summary["rows_kept"] + summary["rows_rejected"] == 5


def test_xlsx_upload_and_cp1252_csv():
    frame = pd.DataFrame([row(enquiry_id="X1", initial_visit_date="2023-04-10")])
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    records = read_funnel_uploads([("enquiries.xlsx", buffer.getvalue())])
    assert records.enquiries.loc[0, "initial_visit_date"] == pd.Timestamp("2023-04-10")
    text = "enquiry_id,enquiry_date,channel,campaign\nB1,01/04/2023,radio,Café radio\n"
    records = read_funnel_uploads([("e.csv", text.encode("cp1252"))])
    assert records.enquiries.loc[0, "campaign"] == "Café radio"


def test_several_extracts_keep_the_latest_row_per_enquiry():
    early = enquiries_csv([row(enquiry_id="Z1")])
    late = enquiries_csv([row(enquiry_id="Z1", initial_visit_date="2023-04-15")])
    records = read_funnel_uploads([("2023.csv", early), ("2024.csv", late)])
    assert len(records.enquiries) == 1
    assert records.enquiries.loc[0, "source_file"] == "2024.csv"
    assert records.files.set_index("file")["rows_superseded"].to_dict() == {
        "2023.csv": 1,
        "2024.csv": 0,
    }


def test_example_files_read_without_problems():
    records = read_funnel_records(
        [REPO / "examples/supply/enquiries.csv", REPO / "examples/supply/campaign_spend.csv"],
        extract_date="2024-03-31",
    )
    assert len(records.report) == 0
    assert set(records.enquiries["outcome"]) == {"approved", "withdrawn", "open"}
    assert records.spend["spend"].sum() == pytest.approx(60850)


date_text = st.one_of(
    st.just(""),
    st.dates(
        min_value=pd.Timestamp("2015-01-01").date(), max_value=pd.Timestamp("2025-01-01").date()
    ).map(lambda d: d.strftime("%d/%m/%Y")),
    st.text(alphabet="0123456789/-x", max_size=10),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(date_text, date_text, date_text, date_text), min_size=1, max_size=12))
def test_rows_in_equal_kept_plus_rejected(dates):
    rows = [
        row(
            enquiry_id=f"P{index}",
            enquiry_date=first,
            application_date=second,
            approval_date=third,
            withdrawal_date=fourth,
        )
        for index, (first, second, third, fourth) in enumerate(dates)
    ]
    records = read_funnel_tables(
        [
            (
                "e.csv",
                pd.read_csv(io.BytesIO(enquiries_csv(rows)), dtype="string", keep_default_na=False),
            )
        ],
        extract_date="2024-03-31",
    )
    files = records.files.iloc[0]
    assert files["rows_in"] == len(rows)
    assert files["rows_in"] == files["rows_kept"] + files["rows_rejected"]
    rejected_rows = set(
        records.report.loc[records.report["severity"] == "error", "row"].astype(int)
    )
    assert len(rejected_rows) == files["rows_rejected"]
    assert files["rows_reported"] >= files["rows_rejected"]
    kept = records.enquiries
    assert (kept["enquiry_date"] <= pd.Timestamp("2024-03-31")).all()
    reached = kept[["application_date", "approval_date"]].notna().to_numpy()
    assert not np.any(reached[:, 1] & ~reached[:, 0])  # approval implies application


def test_skipped_title_rows_and_sheets_are_report_rows_not_notes():
    buffer = io.BytesIO()
    frame = pd.read_csv(io.BytesIO(enquiries_csv([row()])), dtype=str)
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame({"About": ["Enquiries log, fostering service"]}).to_excel(
            writer, sheet_name="Cover", index=False
        )
        pd.DataFrame([["Enquiries 2023-24"]]).to_excel(
            writer, sheet_name="Log", index=False, header=False
        )
        frame.to_excel(writer, sheet_name="Log", index=False, startrow=2)
    records = read_funnel_uploads([("enquiries.xlsx", buffer.getvalue())])
    assert len(records.enquiries) == 1
    info = records.report[records.report["severity"] == "info"]
    assert set(info["rule"]) == {"rows_above_headings_skipped", "sheet_not_read"}
    assert set(info["file"]) == {"enquiries.xlsx", "enquiries.xlsx [sheet Log]"}
    assert not records.notes
