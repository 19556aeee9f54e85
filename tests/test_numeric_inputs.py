"""Numbers people type or upload: infinities, NaN and absurd magnitudes are refused with a message
naming the value's place, never carried into totals ("£inf in total")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.supply.records import MAX_SPEND_PER_ROW, read_funnel_uploads

SUPPLY = Path(__file__).resolve().parents[1] / "examples" / "supply"


@pytest.mark.parametrize("bad", ["inf", "-inf", "Infinity", "nan", "1e308", "1e400", "2000000"])
def test_campaign_spend_refuses_non_finite_and_absurd_amounts(bad):
    spend = pd.read_csv(SUPPLY / "campaign_spend.csv", dtype=str)
    spend.loc[[0, 1], "spend"] = bad
    records = read_funnel_uploads(
        [
            ("enquiries.csv", (SUPPLY / "enquiries.csv").read_bytes()),
            ("campaign_spend.csv", spend.to_csv(index=False).encode()),
        ]
    )
    assert len(records.spend) == len(spend) - 2
    problems = records.report[records.report["rule"] == "spend_invalid"]
    assert len(problems) == 2 and set(problems["value"]) == {bad}
    assert f"{MAX_SPEND_PER_ROW:,.0f}" in problems["message"].iloc[0]
    total = records.spend["spend"].sum()
    assert 0 < total < 1e7
    assert "inf" not in records.summary().lower()


@pytest.mark.parametrize("bad", ["inf", "nan", "-inf"])
def test_command_line_numbers_must_be_finite(bad, tmp_path, capsys):
    status = main(
        [
            "carers",
            "--out",
            str(tmp_path / "c.csv"),
            f"--approvals-per-month={bad}",
            "--horizon",
            "6",
        ]
    )
    assert status == 2
    assert "--approvals-per-month must be a finite number" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()
