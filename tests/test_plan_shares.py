"""The IFA shares of a demand forecast (before in-house carers are counted), checked by hand."""

import pandas as pd
import pytest

from sufficiency.plan.shares import demand_ifa_shares


def forecast(ifa: float, in_house: float, other_la: float, kinship: float) -> pd.DataFrame:
    date = pd.Timestamp("2027-03-31")
    rows = {
        "IFA fostering": ifa,
        "in-house fostering": in_house,
        "other LA / public fostering": other_la,
        "kinship fostering": kinship,
        "external residential": 40.0,  # not fostering: in neither denominator
    }
    frame = pd.DataFrame(
        {
            "date": date,
            "age_band": "all",
            "placement_category": list(rows),
            "mean": list(rows.values()),
        }
    )
    # an age-band row that must not be read as the total
    band = frame.assign(age_band="10-15", mean=1.0)
    return pd.concat([frame, band], ignore_index=True)


def test_both_definitions_by_hand():
    of_fostering, of_non_kinship = demand_ifa_shares(
        forecast(ifa=157, in_house=160, other_la=9, kinship=0), "2027-03-31"
    )
    assert of_fostering == pytest.approx(100 * 157 / 326)
    assert of_non_kinship == pytest.approx(100 * 157 / 326)
    of_fostering, of_non_kinship = demand_ifa_shares(
        forecast(ifa=60, in_house=30, other_la=10, kinship=100), "2027-03-31"
    )
    assert of_fostering == pytest.approx(30.0)
    assert of_non_kinship == pytest.approx(60.0)


def test_no_fostering_is_not_a_share():
    of_fostering, of_non_kinship = demand_ifa_shares(forecast(0, 0, 0, 0), "2027-03-31")
    assert pd.isna(of_fostering) and pd.isna(of_non_kinship)
