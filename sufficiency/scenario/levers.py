"""Scenario levers: every lever's unit, bounds, default and source, and the carer types and
marketing channels the recruitment levers name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sufficiency import finance as fin

SCHEMA_VERSION = 1
"""Version of the TOML/JSON/query-string format (``v=1`` in query strings)."""

CARER_TYPES: tuple[str, ...] = (
    "mainstream",
    "parent and child",
    "teenagers",
    "sibling groups",
    "disabled children",
)
"""In-house carer types recruitment can be planned for (kinship carers are approved per child)."""

CHANNELS: tuple[str, ...] = (
    "radio",
    "social media",
    "billboard",
    "bus stop",
    "leaflet drop",
    "stadium screen",
    "word of mouth",
    "council website",
    "event",
    "other",
)
"""Recruitment marketing channels (as in the funnel records)."""

# Which age bands each carer type's places serve, as shares of the household's places.
_CARER_TYPE_BANDS: dict[str, dict[str, float]] = {
    "parent and child": {"under 1": 1.0},
    "teenagers": {"10-15": 0.6, "16-17": 0.4},
    "sibling groups": {"1-4": 0.3, "5-9": 0.45, "10-15": 0.25},
    "disabled children": {"5-9": 0.4, "10-15": 0.4, "16-17": 0.2},
}


@dataclass(frozen=True)
class Lever:
    """Documentation and bounds of one scenario lever."""

    name: str
    label: str
    unit: str
    minimum: float | None
    maximum: float | None
    default: Any
    source: str


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "horizon_months",
            "Projection horizon",
            "months",
            12,
            120,
            60,
            "choice: five years covers a sufficiency strategy and a medium-term financial plan",
        ),
        Lever(
            "entries_change_pct",
            "Change in entries into care, by age band (edge-of-care work)",
            "% change on expected entries, per age band",
            -50,
            50,
            0.0,
            "your edge-of-care plan; 0 = entries follow the fitted trend",
        ),
        Lever(
            "step_downs_per_year",
            "Step-downs from external residential to fostering",
            "children a year",
            0,
            200,
            0.0,
            "your step-down programme; 0 = moves as seen in the data only",
        ),
        Lever(
            "step_down_support_per_week",
            "Extra support for each stepped-down child (enhanced fee, therapy, respite)",
            "£ per stepped-down child per week, on top of the foster placement cost",
            0,
            5_000,
            400.0,
            fin.ASSUMPTION + " (an enhanced fee and support package for a teenager leaving a "
            "children's home)",
        ),
        Lever(
            "step_down_support_months",
            "Months of extra support after each step-down",
            "months",
            0,
            60,
            12.0,
            fin.ASSUMPTION,
        ),
        Lever(
            "approvals_per_quarter",
            "New in-house foster carer households approved, by carer type",
            "households a quarter, per carer type",
            0,
            100,
            None,
            "your recruitment plan; empty = recruitment just replaces carers who leave "
            "(households held steady at the forecast start)",
        ),
        Lever(
            "marketing_spend_per_quarter",
            "Extra recruitment marketing spend, by channel",
            "£ a quarter, per channel",
            0,
            500_000,
            None,
            "your marketing budget; converted to approvals with the cost per enquiry and the "
            "enquiry-to-approval conversion",
        ),
        Lever(
            "cost_per_enquiry",
            "Marketing cost per enquiry",
            "£ per enquiry",
            1,
            20_000,
            320.0,
            fin.ASSUMPTION + " (use your campaign spend ÷ enquiries by channel)",
        ),
        Lever(
            "enquiry_to_approval_pct",
            "Enquiries that end in approval",
            "% of enquiries",
            0.1,
            100,
            4.0,
            "Ofsted Fostering in England: local authority enquiry to application 12% (2018-19, "
            "2022-23) × application to approval 33% (2017-18) ≈ 4%",
        ),
        Lever(
            "conversion_improvement_pct",
            "Improvement in enquiry-to-approval conversion",
            "% relative improvement (10 = a tenth more approvals per enquiry)",
            0,
            200,
            0.0,
            "your funnel improvement plan",
        ),
        Lever(
            "deregistration_change_pct",
            "Change in carer households leaving (retention)",
            "% relative change in the yearly leaving rate (-20 = a fifth fewer leave)",
            -90,
            100,
            0.0,
            "your retention plan",
        ),
        Lever(
            "annual_leaving_rate_pct",
            "Yearly leaving rate of in-house households (before the change above)",
            "% of households a year",
            0,
            60,
            15.0,
            "Ofsted Fostering in England: 15% of mainstream households deregistered a year "
            "(2021-22, 2022-23)",
        ),
        Lever(
            "places_per_household",
            "Approved places per in-house household",
            "places",
            0.5,
            6,
            1.85,
            "Ofsted Fostering in England 2017-19: local authority 1.83-1.87",
        ),
        Lever(
            "occupancy_pct",
            "Approved places filled",
            "% of approved places",
            10,
            100,
            66.0,
            "Ofsted Fostering in England 2017-18: local authority services 66%",
        ),
        Lever(
            "homes",
            "In-house children's homes opening (+beds) or closing (-beds)",
            "beds, opening month (YYYY-MM), £ a week running cost of the home",
            -30,
            30,
            (),
            "your residential strategy; a new home's running cost replaces per-child costs",
        ),
        Lever(
            "unit_costs",
            "Weekly unit cost by placement category (overrides)",
            "£ per child per week, at the price base year",
            0,
            50_000,
            None,
            "defaults in sufficiency.finance.DEFAULT_UNIT_COSTS, each with its source",
        ),
        Lever(
            "annual_inflation_pct",
            "Annual inflation of placement costs",
            "% a year",
            0,
            20,
            3.0,
            fin.ASSUMPTION + " (placement fees have risen faster than CPI; CPI 2024 was 3.3%)",
        ),
        Lever(
            "price_base_year",
            "Price base (financial year)",
            "financial year, e.g. 2025-26",
            None,
            None,
            "2025-26",
            "choice: costs are stated at this year's prices and inflated after it",
        ),
        Lever(
            "recruitment_cost_per_household",
            "Recruitment and assessment cost per approved household",
            "£ per approved household",
            0,
            100_000,
            fin.CarerCosts().recruitment_assessment_per_household,
            fin.CarerCosts().sources["recruitment_assessment_per_household"],
        ),
        Lever(
            "ssw_cost_per_household_per_year",
            "Supervising social worker cost per extra household",
            "£ per household a year",
            0,
            50_000,
            fin.CarerCosts().supervising_social_worker_per_household_per_year,
            fin.CarerCosts().sources["supervising_social_worker_per_household_per_year"],
        ),
        Lever(
            "ifa_share_target_pct",
            "Target IFA share of non-kinship foster placements",
            "% of non-kinship foster placements",
            0,
            100,
            None,
            "your sufficiency strategy (e.g. 48% to 30% by 2028)",
        ),
        Lever(
            "external_residential_target",
            "Target number of children in external residential care",
            "children",
            0,
            1000,
            None,
            "your sufficiency strategy",
        ),
        Lever(
            "n_simulations",
            "Simulated paths for intervals",
            "paths (0 = mean path only, fastest)",
            0,
            2000,
            200,
            "choice: 200 paths give stable 10th-90th percentiles",
        ),
    )
}
"""Every scenario lever with its unit, bounds, default and source."""
