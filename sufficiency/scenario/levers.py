"""Scenario levers: every lever's unit, bounds, default and source, and the carer types and
marketing channels the recruitment levers name.

A lever whose default is ``None`` and whose source says "the authority's figure" takes its value
from the one model of the authority (:mod:`sufficiency.authority`): the authority's own records
where they were loaded, else a sourced national figure. Setting it in a scenario overrides that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sufficiency import codes
from sufficiency import finance as fin

SCHEMA_VERSION = 2
"""Version of the TOML/JSON/query-string format (``v=2`` in query strings). Version 1 files and
links still open: they are migrated (see :mod:`sufficiency.scenario.serialise`)."""

CARER_TYPES: tuple[str, ...] = (
    "mainstream",
    "parent and child",
    "teenagers",
    "sibling groups",
    "disabled children",
)
"""In-house carer types recruitment can be planned for (kinship carers are approved per child)."""

CARER_TYPE_BANDS: dict[str, tuple[str, ...]] = {
    "mainstream": codes.AGE_BANDS,
    "parent and child": ("under 1",),
    "teenagers": ("10-15", "16-17"),
    "sibling groups": ("1-4", "5-9", "10-15"),
    "disabled children": ("5-9", "10-15", "16-17"),
}
"""The age bands a new household of each type can take (its places go where the need is)."""

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

STEP_DOWN_DESTINATIONS_16_17: dict[str, str] = {
    "supported": codes.SUPPORTED,
    "fostering": codes.IN_HOUSE_FOSTERING,
}
"""Where 16-17 year olds step down to (the user's choice); younger children go to fostering."""

AUTHORITY_FIGURE = "the authority's figure (your records where loaded, else the national figure)"


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
    bounds_source: str = ""
    """Why the bounds are where they are, with the source (shown when a value is refused)."""


_HOME_WEEK = (
    "£6,100 a week, the average children's home place (NAO, Managing children's residential "
    "care, 2025: £318,400 a place in 2023-24)"
)
_FOSTER_WEEK = "£650 a week, in-house foster care all-in (PSSRU Unit Costs 2017: £646)"
BOUND_UNIT_COST = (
    f"£50,000 a week is about eight times {_HOME_WEEK}; a larger figure is almost always a "
    "monthly or yearly cost typed as weekly"
)
BOUND_SUPPORT = (
    "support above £5,000 a week would cost nearly as much as the children's home place the "
    f"step-down replaces, {_HOME_WEEK}"
)
BOUND_FOSTERING_WEEKLY = (
    f"the bound is several times the whole cost of a foster placement, {_FOSTER_WEEK}; a larger "
    "figure is almost always a monthly or yearly amount typed as weekly"
)
BOUND_HOME_RUNNING_COST = (
    f"£100,000 a week pays for more than 16 places at {_HOME_WEEK}; the median council home has "
    "4 places (Ofsted, providers and places at 31 March 2025)"
)

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
            "edge_of_care_cost_per_year",
            "Cost of the edge-of-care programme",
            "£ a year while entries are changed",
            0,
            20_000_000,
            0.0,
            "your programme's budget; without one, its payback is immediate by construction",
        ),
        Lever(
            "step_downs_per_year",
            "Step-downs from external residential to a family or supported setting",
            "children a year (delivered as a count while there are children to step down)",
            0,
            200,
            0.0,
            "your step-down programme; 0 = moves as seen in the data only",
        ),
        Lever(
            "step_down_16_17_to",
            "Where 16-17 year olds step down to",
            "'supported' (supported accommodation) or 'fostering'",
            None,
            None,
            "supported",
            "your choice; under-16s always step down to foster care (the law rules out "
            "supported accommodation for them), in-house where there is a place, else an IFA",
        ),
        Lever(
            "step_down_support_per_week",
            "Extra support for each stepped-down child (enhanced fee, therapy, respite)",
            "£ per stepped-down child per week, on top of the placement cost",
            0,
            5_000,
            400.0,
            fin.ASSUMPTION + " (an enhanced fee and support package for a teenager leaving a "
            "children's home)",
            BOUND_SUPPORT,
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
            "Extra in-house foster carer households approved, by carer type",
            "households a quarter, per carer type, on top of those approved now",
            0,
            100,
            None,
            "your recruitment plan; they start after the enquiry-to-approval lead time unless "
            "they are already in the pipeline",
        ),
        Lever(
            "approvals_in_pipeline",
            "These households are already in assessment",
            "true or false",
            None,
            None,
            False,
            "your pipeline: true = they can be approved from the first month",
        ),
        Lever(
            "marketing_spend_per_quarter",
            "Extra recruitment marketing spend, by channel",
            "£ a quarter, per channel",
            0,
            500_000,
            None,
            "your marketing budget; each channel brings enquiries at its measured cost up to its "
            "reach, converted to approvals at its conversion after the lead time",
        ),
        Lever(
            "cost_per_enquiry",
            "Marketing cost per enquiry",
            "£ per enquiry",
            1,
            20_000,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "enquiry_to_approval_pct",
            "Enquiries that end in approval",
            "% of enquiries",
            0.1,
            100,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "days_enquiry_to_approval",
            "Time from enquiry to approval",
            "days",
            0,
            1_000,
            None,
            AUTHORITY_FIGURE,
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
            "conversion_cost_per_year",
            "Cost of the conversion improvement",
            "£ a year while conversion is improved",
            0,
            5_000_000,
            0.0,
            "your programme's budget (for example a dedicated recruitment officer)",
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
            "retention_cost_per_year",
            "Cost of the retention programme",
            "£ a year while retention is changed",
            0,
            5_000_000,
            0.0,
            "your programme's budget (for example higher fees or more support)",
        ),
        Lever(
            "annual_leaving_rate_pct",
            "Yearly leaving rate of in-house households (before the change above)",
            "% of households a year",
            0,
            60,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "places_per_household",
            "Approved places per in-house household",
            "places",
            0.5,
            6,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "occupancy_pct",
            "Approved places filled",
            "% of approved places",
            10,
            100,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "assessment_capacity_per_quarter",
            "Assessment capacity",
            "households the assessment team can approve a quarter, all recruitment together",
            0,
            200,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "channel_reach",
            "Extra enquiries a paid channel can bring",
            "x the channel's recent enquiries a quarter",
            0.1,
            20,
            None,
            AUTHORITY_FIGURE,
        ),
        Lever(
            "recruitment_budget_per_year",
            "Recruitment budget",
            "£ a financial year for recruitment, assessment and marketing",
            0,
            20_000_000,
            None,
            "your budget; empty = no limit",
        ),
        Lever(
            "homes",
            "In-house children's homes opening (+beds) or closing (-beds)",
            "beds, opening month (YYYY-MM), £ a week running cost of the home",
            -22,
            22,
            (),
            "your residential strategy; a new home's running cost replaces per-child costs. "
            "Bounds: the largest children's home in England has 22 places and no council runs "
            "more than 17 homes (Ofsted, providers and places at 31 March 2025)",
        ),
        Lever(
            "unit_costs",
            "Weekly unit cost by placement category (overrides)",
            "£ per child per week, at the price base year",
            0,
            50_000,
            None,
            "defaults in sufficiency.finance.DEFAULT_UNIT_COSTS, each with its source",
            BOUND_UNIT_COST,
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
            fin.RECRUITMENT_PER_HOUSEHOLD,
            fin.CARER_COST_SOURCES["recruitment_assessment_per_household"],
        ),
        Lever(
            "allowance_per_child_per_week",
            "Fostering allowance",
            "£ per child per week (in-house and family and friends carers)",
            0,
            2_000,
            fin.ALLOWANCE_PER_CHILD_PER_WEEK,
            fin.CARER_COST_SOURCES["allowance_per_child_per_week"],
            BOUND_FOSTERING_WEEKLY,
        ),
        Lever(
            "fee_per_household_per_week",
            "Carer fee",
            "£ per approved in-house household per week",
            0,
            3_000,
            fin.FEE_PER_HOUSEHOLD_PER_WEEK,
            fin.CARER_COST_SOURCES["fee_per_household_per_week"],
            BOUND_FOSTERING_WEEKLY,
        ),
        Lever(
            "ssw_cost_per_household_per_year",
            "Supervising social worker cost per household",
            "£ per approved household a year",
            0,
            50_000,
            fin.SSW_PER_HOUSEHOLD_PER_YEAR,
            fin.CARER_COST_SOURCES["supervising_social_worker_per_household_per_year"],
        ),
        Lever(
            "ifa_share_target_pct",
            "Target IFA share",
            "% (of foster placements, or of non-kinship foster placements: see the basis)",
            0,
            100,
            None,
            "your sufficiency strategy (e.g. 48% to 30% by 2028)",
        ),
        Lever(
            "ifa_share_target_basis",
            "What the IFA share target counts",
            "'foster placements' (all, incl. family and friends, as councils report) or "
            "'non-kinship fostering'",
            None,
            None,
            "foster placements",
            "DOMAIN: councils report the IFA share of all foster placements",
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
            "solve_targets",
            "Solve targets into the plan",
            "true or false",
            None,
            None,
            True,
            "true: the approvals (and step-downs) a target needs are added to the scenario, so "
            "every chart and cost shows the plan that meets it",
        ),
        Lever(
            "n_simulations",
            "Simulated paths",
            "paths (headlines are the mean of these paths)",
            0,
            2000,
            200,
            "choice: 200 paths give stable 10th-90th percentiles; every page uses the same "
            "paths and seed",
        ),
    )
}
"""Every scenario lever with its unit, bounds, default and source."""
