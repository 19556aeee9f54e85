"""Placement categories: PR2/PR3 foster placements are not IFA; both IFA share definitions."""

import numpy as np
import pytest

from sufficiency import codes, finance
from sufficiency.plan.allocation import allocate
from sufficiency.scenario import Scenario


@pytest.mark.parametrize(
    ("place", "provider", "expected"),
    [
        ("U4", "PR1", codes.IN_HOUSE_FOSTERING),
        ("U6", "PR4", codes.IFA_FOSTERING),
        ("U5", "PR5", codes.IFA_FOSTERING),
        ("U6", "PR2", codes.OTHER_LA_FOSTERING),
        ("u4", " pr3 ", codes.OTHER_LA_FOSTERING),
        ("Q2", "PR2", codes.OTHER_LA_FOSTERING),
        # a missing or unknown provider is treated as the costlier IFA, never hidden
        ("U4", None, codes.IFA_FOSTERING),
        ("U4", "PR9", codes.IFA_FOSTERING),
        ("U3", "PR2", codes.KINSHIP_FOSTERING),
        ("K2", "PR2", codes.EXTERNAL_RESIDENTIAL),
    ],
)
def test_placement_category_of(place, provider, expected):
    assert codes.placement_category_of(place, provider) == expected


def test_other_council_fostering_is_fostering_and_costed_with_a_labelled_source():
    assert codes.OTHER_LA_FOSTERING in codes.FOSTERING_CATEGORIES
    assert codes.OTHER_LA_FOSTERING in codes.NON_KINSHIP_FOSTERING_CATEGORIES
    assert codes.KINSHIP_FOSTERING not in codes.NON_KINSHIP_FOSTERING_CATEGORIES
    cost = finance.DEFAULT_UNIT_COSTS[codes.OTHER_LA_FOSTERING]
    assert cost.provider == finance.EXTERNAL
    assert finance.ASSUMPTION in cost.source
    assert set(finance.DEFAULT_UNIT_COSTS) == set(codes.PLACEMENT_CATEGORIES)
    assert set(finance.PROVIDER_BY_CATEGORY) == set(codes.PLACEMENT_CATEGORIES)
    assert set(codes.PLACEMENT_CATEGORY_DESCRIPTIONS) == set(codes.PLACEMENT_CATEGORIES)


def test_both_ifa_share_definitions_by_hand():
    """157 IFA, 169 in-house incl. 60 kinship, 10 with another council: shares by hand."""
    demand = np.zeros((1, 1, len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)))
    column = codes.PLACEMENT_CATEGORIES.index
    band = codes.AGE_BANDS.index("10-15")
    demand[0, 0, band, column(codes.IN_HOUSE_FOSTERING)] = 109
    demand[0, 0, band, column(codes.IFA_FOSTERING)] = 157
    demand[0, 0, band, column(codes.KINSHIP_FOSTERING)] = 60
    demand[0, 0, band, column(codes.OTHER_LA_FOSTERING)] = 10
    capacity = np.zeros(len(codes.AGE_BANDS))
    capacity[band] = 109
    allocation = allocate(demand, capacity)
    assert allocation.ifa_share_of_fostering()[0, 0] == pytest.approx(157 / 336)
    assert allocation.ifa_share()[0, 0] == pytest.approx(157 / 276)


def test_share_links_made_before_the_new_category_keep_their_unit_costs():
    """Links number placement categories; old numbers must still mean the same category."""
    old_link = "v=1&uc=1%3A900%2C9%3A1500"  # IFA fostering 900, other 1500
    scenario = Scenario.from_query_string(old_link)
    assert dict(scenario.unit_costs) == {codes.IFA_FOSTERING: 900.0, codes.OTHER: 1500.0}
    new = Scenario(unit_costs={codes.OTHER_LA_FOSTERING: 700.0})
    assert Scenario.from_query_string(new.to_query_string()) == new
