"""Placement finance: unit costs, cost by financial year, savings and invest-to-save.

Every default figure is a :class:`UnitCost` or :class:`CarerCosts` field with its source. Figures
published at an older price year are moved to the scenario's price base with the ONS CPI index
(:data:`CPI_INDEX`), and projected years are inflated with the scenario's annual inflation rate.

Costs are computed per simulation draw so intervals come from the distribution of totals (a p90
of a sum is not the sum of p90s). Financial years run April to March and are labelled "2025-26".
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import codes, periods
from sufficiency.errors import SufficiencyError

WEEKS_PER_YEAR = 365.25 / 7
IN_HOUSE_FOSTERING_CATEGORY = codes.IN_HOUSE_FOSTERING
"""Average weeks in a year, used to turn annual figures into weekly ones."""

IN_HOUSE = "in-house"
EXTERNAL = "external"
PROVIDERS: tuple[str, ...] = (IN_HOUSE, EXTERNAL)

PROVIDER_BY_CATEGORY: dict[str, str] = {
    codes.IN_HOUSE_FOSTERING: IN_HOUSE,
    codes.IFA_FOSTERING: EXTERNAL,
    # Bought from another council or public body: paid for, so external, but not an IFA.
    codes.OTHER_LA_FOSTERING: EXTERNAL,
    codes.KINSHIP_FOSTERING: IN_HOUSE,
    codes.IN_HOUSE_RESIDENTIAL: IN_HOUSE,
    codes.EXTERNAL_RESIDENTIAL: EXTERNAL,
    # Most secure places are bought from a secure home run by another council or the state.
    codes.SECURE: EXTERNAL,
    # Supported accommodation is overwhelmingly bought from private providers (DfE 2024: 95%).
    codes.SUPPORTED: EXTERNAL,
    codes.WITH_PARENTS: IN_HOUSE,
    codes.FOR_ADOPTION: IN_HOUSE,
    codes.OTHER: EXTERNAL,
}
"""Who provides (and is paid for) each placement category: the council or an external provider."""

# --- prices -------------------------------------------------------------------------------------

CPI_INDEX: dict[int, float] = {
    2015: 100.0,
    2016: 100.7,
    2017: 103.4,
    2018: 105.9,
    2019: 107.8,
    2020: 108.7,
    2021: 111.6,
    2022: 121.7,
    2023: 130.5,
    2024: 133.9,
}
"""ONS consumer prices index (CPI, series D7BT, 2015 = 100), calendar-year averages, rounded."""

CPI_SOURCE = (
    "ONS consumer prices index D7BT (2015=100), calendar-year averages rounded to one decimal; "
    "years after the last published index use the scenario's annual inflation rate"
)

ASSUMPTION = "assumption — please replace with your own figure"


def price_factor(from_year: int, to_year: int, annual_inflation_pct: float) -> float:
    """Multiplier that moves a cost from one price year to another.

    Parameters
    ----------
    from_year, to_year : int
        Calendar years (the first calendar year of a financial year, e.g. 2025 for "2025-26").
    annual_inflation_pct : float
        Inflation (% a year) for years beyond the last published CPI index.

    Returns
    -------
    float
        ``cost_in_to_year = cost_in_from_year * factor``.
    """
    last = max(CPI_INDEX)
    first = min(CPI_INDEX)

    def level(year: int) -> float:
        if year < first:
            raise SufficiencyError(
                f"Price year {year} is before {first}, the first year of the CPI index used to "
                "convert prices. Enter the cost at a price year from "
                f"{first} onwards."
            )
        if year <= last:
            return CPI_INDEX[year]
        return CPI_INDEX[last] * (1 + annual_inflation_pct / 100) ** (year - last)

    return level(to_year) / level(from_year)


# Financial-year labels live in sufficiency.periods (one place for every page and export).
financial_year_start = periods.financial_year_start
financial_year_of = periods.financial_year_label


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year label (``"2025-26"``) of each date, aligned with ``dates``."""
    dates = pd.Series(pd.to_datetime(dates))
    labels = periods.financial_year_labels(dates)
    labels.index = dates.index
    return labels


# --- unit costs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCost:
    """Weekly cost of one child in one placement category.

    Parameters
    ----------
    category : str
        One of :data:`sufficiency.codes.PLACEMENT_CATEGORIES`.
    weekly_cost : float
        £ per child per week at ``price_year`` prices.
    price_year : int
        Calendar year whose prices ``weekly_cost`` is in.
    source : str
        Where the figure comes from, or :data:`ASSUMPTION`.
    method : str
        How the figure was derived, when it is not quoted directly.
    """

    category: str
    weekly_cost: float
    price_year: int
    source: str
    method: str = ""

    @property
    def provider(self) -> str:
        """In-house or external (see :data:`PROVIDER_BY_CATEGORY`)."""
        return PROVIDER_BY_CATEGORY[self.category]

    def at_prices(self, year: int, annual_inflation_pct: float) -> float:
        """The weekly cost at ``year`` prices (£ per child per week)."""
        return self.weekly_cost * price_factor(self.price_year, year, annual_inflation_pct)


# Inputs of the derived own-provision fostering cost, quoted so the derivation can be re-run.
RO3_2024_25_FOSTERING_SPEND = (
    2_161_000_000.0  # £, England, RO3 2024-25 "of which fostering services"
)
FOSTERED_CHILDREN_31_MARCH_2025 = 54_820  # DfE CLA 2025 release, England
EXTERNAL_SHARE_OF_FOSTERED_2024 = 22_530 / 56_390  # DfE 2024 placement provider x type, England
IFA_WEEKLY_PRICE_2021 = 820.0  # CMA children's social care market study (2021)


def derive_own_provision_fostering_cost(
    fostering_spend: float = RO3_2024_25_FOSTERING_SPEND,
    fostered_children: float = FOSTERED_CHILDREN_31_MARCH_2025,
    external_share: float = EXTERNAL_SHARE_OF_FOSTERED_2024,
    ifa_weekly_price: float = IFA_WEEKLY_PRICE_2021,
    ifa_price_year: int = 2021,
    to_year: int = 2024,
) -> float:
    """Back out the cost of a council-provided foster placement from national spend.

    The RO3 fostering line covers in-house, kinship and bought-in foster placements. Taking away
    the bought-in share at the CMA IFA price (moved to ``to_year`` prices with CPI) leaves the
    spend on council-provided placements, divided by the number of those children and 52.18 weeks.

    Returns
    -------
    float
        £ per child per week at ``to_year`` prices (about £600 with the defaults).
    """
    weekly_spend = fostering_spend / WEEKS_PER_YEAR
    external_children = fostered_children * external_share
    ifa_price = ifa_weekly_price * price_factor(ifa_price_year, to_year, 0.0)
    own_children = fostered_children - external_children
    return (weekly_spend - external_children * ifa_price) / own_children


_OWN_FOSTERING_METHOD = (
    "Derived: RO3 2024-25 England fostering services spend £2,161m ÷ 52.18 weeks, minus the "
    "bought-in share of fostered children (40%, DfE 31 March 2024 provider × placement table) at "
    "the CMA 2021 IFA price of £820/week moved to 2024 prices with CPI, divided by the remaining "
    "council-provided fostered children (of 54,820 at 31 March 2025)."
)

# The fostering allowance, carer fee and supervising social work of an in-house household: the
# parts of the all-in in-house cost that grow with every extra household (the rest is overheads).
ALLOWANCE_PER_CHILD_PER_WEEK = 230.0
FEE_PER_HOUSEHOLD_PER_WEEK = 210.0
SSW_PER_HOUSEHOLD_PER_YEAR = 4_200.0
CARER_COSTS_PRICE_YEAR = 2024
RECRUITMENT_PER_HOUSEHOLD = 9_500.0

CARER_COST_SOURCES: dict[str, str] = {
    "allowance_per_child_per_week": (
        f"{ASSUMPTION} (about the DfE national minimum fostering allowance for a child of 5-15 "
        "outside London, 2024-25 prices; use your own allowance scale)"
    ),
    "fee_per_household_per_week": (
        f"{ASSUMPTION} (a mid-range council fee or reward payment, 2024-25 prices; use your own "
        "fee bands)"
    ),
    "recruitment_assessment_per_household": (
        f"{ASSUMPTION} (an independent Form F assessment, panel and preparation training per "
        "approved household, 2024-25 prices)"
    ),
    "supervising_social_worker_per_household_per_year": (
        f"{ASSUMPTION} (one supervising social worker costing about £63,000 a year with "
        "on-costs, supporting 15 households, 2024-25 prices)"
    ),
}

_KINSHIP_METHOD = (
    "Derived from the parts below: the fostering allowance (family and friends carers are paid "
    "the council's allowance) plus a supervising social worker's time for one child's household; "
    "no carer fee (most schemes pay family and friends carers the allowance only; check yours). "
    "Both parts are assumptions to replace with your own rates."
)

KINSHIP_WEEKLY = round(
    ALLOWANCE_PER_CHILD_PER_WEEK + SSW_PER_HOUSEHOLD_PER_YEAR / WEEKS_PER_YEAR, 0
)
"""£ per child per week (2024-25 prices): allowance plus supervision, no fee."""

DEFAULT_UNIT_COSTS: dict[str, UnitCost] = {
    cost.category: cost
    for cost in (
        UnitCost(
            codes.IN_HOUSE_FOSTERING,
            646.0,
            2016,
            "PSSRU Unit Costs of Health and Social Care 2017: £646 per child per week for "
            "local authority foster care, all-in (allowances, fees, supervising social work and "
            "overheads), at 2016-17 prices",
            "Quoted at 2016-17 prices and moved to the scenario's price year with the ONS CPI "
            "index (D7BT). In the projection it is split into the fostering allowance (per "
            "child), the carer fee and supervising social work (per household) and overheads "
            "(the rest, held at today's level), so an extra household adds only its own costs. "
            "No newer national figure exists; the RO3-derived own-provision average (about "
            "£600/week at 2024 prices) is a cross-check.",
        ),
        UnitCost(
            codes.IFA_FOSTERING,
            IFA_WEEKLY_PRICE_2021,
            2021,
            "CMA Children's social care market study (2021): average IFA placement about "
            "£820/week; one council's FOI for 2022-23 gives £814/week",
            "Quoted at 2021 prices and moved to the scenario's price year with CPI.",
        ),
        UnitCost(
            codes.OTHER_LA_FOSTERING,
            646.0,
            2016,
            "PSSRU Unit Costs of Health and Social Care 2017: £646 per child per week for local "
            f"authority foster care, all-in, at 2016-17 prices — {ASSUMPTION}",
            "Assumption: another council charges about what its own foster care costs it, so "
            "the PSSRU all-in local authority foster care cost is used (moved to the price year "
            "with CPI). No published figure covers inter-authority charges: enter your recharge "
            "rate.",
        ),
        UnitCost(
            codes.KINSHIP_FOSTERING,
            KINSHIP_WEEKLY,
            CARER_COSTS_PRICE_YEAR,
            f"{ASSUMPTION}: derived from the fostering allowance and supervising social work "
            "figures (2024-25 prices)",
            _KINSHIP_METHOD,
        ),
        UnitCost(
            codes.IN_HOUSE_RESIDENTIAL,
            6_100.0,
            2023,
            "NAO, Managing children's residential care (2025): £318,400 per children's home "
            f"place in 2023-24 (about £6,100/week), applied to the council's own homes — "
            f"{ASSUMPTION}",
            "No published figure separates council-run homes from bought-in ones (the RO3 "
            "residential line mixes them with other settings, and the s251 own/private split "
            "is for 2013-14 without matching counts), so the national average place cost is "
            "used until you enter your own homes' cost per occupied bed.",
        ),
        UnitCost(
            codes.EXTERNAL_RESIDENTIAL,
            6_100.0,
            2023,
            "NAO, Managing children's residential care (2025): £318,400 per children's home "
            "place in 2023-24 (about £6,100/week); County Councils Network (2024): £6,108/week",
            "£318,400 ÷ 52.18 weeks, 2023-24 prices.",
        ),
        UnitCost(
            codes.SECURE,
            8_500.0,
            2024,
            ASSUMPTION,
            "Secure welfare places cost more than open children's homes; set to your "
            "secure-home invoices.",
        ),
        UnitCost(
            codes.SUPPORTED,
            1_600.0,
            2024,
            ASSUMPTION,
            "Registered supported accommodation for 16-17 year olds; no national average cost is "
            "published: set to your contract rates.",
        ),
        UnitCost(
            codes.WITH_PARENTS,
            120.0,
            2024,
            ASSUMPTION,
            "Support costs while placed with parents; no placement fee is paid.",
        ),
        UnitCost(
            codes.FOR_ADOPTION,
            0.0,
            2024,
            ASSUMPTION,
            "Costs of children placed for adoption sit in the adoption (RAA) budget, not "
            "placements.",
        ),
        UnitCost(
            codes.OTHER,
            1_200.0,
            2024,
            ASSUMPTION,
            "Health, custody, family centres and temporary placements vary widely.",
        ),
    )
}
"""Editable default weekly unit costs by placement category, each with its source."""


@dataclass(frozen=True)
class CarerCosts:
    """Costs of recruiting and keeping one in-house foster carer household.

    The allowance (per child), the fee and supervising social work (per household) are the parts
    of the all-in in-house fostering cost that an extra household adds; the rest of the all-in
    cost is overheads, which do not grow with one more household. Recruitment and assessment is a
    one-off cost per approved household. Nothing here is added on top of the all-in cost: see
    :func:`in_house_cost_parts`.

    Parameters
    ----------
    recruitment_assessment_per_household : float
        £ per approved household (marketing follow-up, Form F assessment, panel, training).
    supervising_social_worker_per_household_per_year : float
        £ a year of supervising social worker time per approved household.
    price_year : int
        Calendar year the figures are priced in (2024 = 2024-25 prices).
    allowance_per_child_per_week : float
        £ a week paid to the carer for each child's keep (the fostering allowance).
    fee_per_household_per_week : float
        £ a week fee (reward element) paid to an approved mainstream household.
    sources : dict
        Source of each figure, keyed by field name.
    """

    recruitment_assessment_per_household: float = RECRUITMENT_PER_HOUSEHOLD
    supervising_social_worker_per_household_per_year: float = SSW_PER_HOUSEHOLD_PER_YEAR
    price_year: int = CARER_COSTS_PRICE_YEAR
    allowance_per_child_per_week: float = ALLOWANCE_PER_CHILD_PER_WEEK
    fee_per_household_per_week: float = FEE_PER_HOUSEHOLD_PER_WEEK
    sources: dict[str, str] = field(default_factory=lambda: dict(CARER_COST_SOURCES))


@dataclass(frozen=True)
class InHouseCostParts:
    """The all-in in-house fostering cost split into what scales with children, with households
    and neither (£ a week at one price year).

    Attributes
    ----------
    all_in_per_child : float
        The all-in cost per child per week.
    allowance_per_child : float
    fee_per_household, supervision_per_household : float
        £ a week per approved household.
    overheads_per_child : float
        What is left of the all-in cost per child at today's children per household: management,
        training, panel, recruitment staff and premises. Held at today's total in a projection.
    children_per_household : float
        Children placed per in-house household today (usable places per household).
    """

    all_in_per_child: float
    allowance_per_child: float
    fee_per_household: float
    supervision_per_household: float
    overheads_per_child: float
    children_per_household: float

    @property
    def per_household(self) -> float:
        """£ a week an approved household costs whether or not a child is placed."""
        return self.fee_per_household + self.supervision_per_household

    @property
    def marginal_per_child(self) -> float:
        """£ a week one more child placed with a new household adds (allowance + its share of the
        household's fee and supervision); overheads do not grow."""
        return self.allowance_per_child + self.per_household / self.children_per_household


def in_house_cost_parts(
    all_in_weekly: float,
    carer_costs: CarerCosts | None = None,
    *,
    children_per_household: float,
    price_year: int,
    annual_inflation_pct: float,
) -> InHouseCostParts:
    """Split an all-in weekly in-house fostering cost (already at ``price_year`` prices).

    Overheads are the all-in cost less the allowance and the household's fee and supervision
    shared over its children; never below zero (if your all-in figure is lower than its parts,
    the parts win and overheads are zero).
    """
    carer_costs = carer_costs or CarerCosts()
    factor = price_factor(carer_costs.price_year, price_year, annual_inflation_pct)
    allowance = carer_costs.allowance_per_child_per_week * factor
    fee = carer_costs.fee_per_household_per_week * factor
    supervision = (
        carer_costs.supervising_social_worker_per_household_per_year * factor / WEEKS_PER_YEAR
    )
    per_household = max(children_per_household, 1e-9)
    overheads = max(all_in_weekly - allowance - (fee + supervision) / per_household, 0.0)
    return InHouseCostParts(
        all_in_per_child=all_in_weekly,
        allowance_per_child=allowance,
        fee_per_household=fee,
        supervision_per_household=supervision,
        overheads_per_child=overheads,
        children_per_household=per_household,
    )


GREEN_BOOK_DISCOUNT_RATE = 0.035
"""HM Treasury Green Book real discount rate for costs and benefits over time (3.5% a year)."""

GREEN_BOOK_SOURCE = (
    "HM Treasury Green Book (2022): 3.5% a year real discount rate; cash figures are deflated "
    "to the price base with the scenario's inflation rate, then discounted from the forecast start"
)


def present_value_factors(
    months: pd.DatetimeIndex,
    price_base_year: int,
    annual_inflation_pct: float,
    *,
    rate: float = GREEN_BOOK_DISCOUNT_RATE,
) -> np.ndarray:
    """Multipliers turning nominal £ in each month into present value at the price base.

    Each month's cash is deflated to the price base (removing the scenario's inflation) and
    discounted at ``rate`` a year from the first month (month 1 is discounted by one month).
    """
    months = pd.DatetimeIndex(months)
    real = 1.0 / _inflation(pd.Series(months), price_base_year, annual_inflation_pct)
    years = np.arange(1, len(months) + 1) / 12.0
    return real / (1.0 + rate) ** years


# --- costing placements --------------------------------------------------------------------------


def _check_placements(placements: pd.DataFrame) -> pd.DataFrame:
    required = {"month", "placement_category", "children"}
    missing = required - set(placements.columns)
    if missing:
        raise SufficiencyError(
            "The placements table passed to the cost calculation lacks the column(s) "
            f"{', '.join(sorted(missing))}; it needs month, placement_category and children."
        )
    unknown = set(placements["placement_category"]) - set(codes.PLACEMENT_CATEGORIES)
    if unknown:
        raise SufficiencyError(
            f"Unknown placement categories {sorted(unknown)}; expected one of "
            f"{', '.join(codes.PLACEMENT_CATEGORIES)}."
        )
    frame = placements.copy()
    if "draw" not in frame.columns:
        frame["draw"] = 0
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def monthly_costs(
    placements: pd.DataFrame,
    unit_costs: dict[str, UnitCost] | None = None,
    *,
    price_base_year: int = 2025,
    annual_inflation_pct: float = 2.0,
    extra_monthly_costs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cost of placements month by month, per simulation draw.

    Parameters
    ----------
    placements : DataFrame
        Columns ``month`` (month-end date), ``placement_category``, ``children`` (average number
        of children in the month) and optionally ``draw`` and ``age_band``.
    unit_costs : dict, optional
        :class:`UnitCost` by category; defaults to :data:`DEFAULT_UNIT_COSTS`.
    price_base_year : int
        First calendar year of the financial year whose prices the costs are stated in; later
        months are inflated from April of that year at ``annual_inflation_pct``.
    annual_inflation_pct : float
        % a year, applied monthly (compounded) from the price base.
    extra_monthly_costs : DataFrame, optional
        Fixed costs not tied to a child, e.g. a new children's home's running cost: columns
        month, placement_category, cost (£ at base prices), added to every draw.

    Returns
    -------
    DataFrame
        month, draw, placement_category, provider, cost (£ in the month, nominal).
    """
    unit_costs = {**DEFAULT_UNIT_COSTS, **(unit_costs or {})}
    frame = _check_placements(placements)
    grouped = frame.groupby(["month", "draw", "placement_category"], as_index=False)[
        "children"
    ].sum()
    weekly = grouped["placement_category"].map(
        {c: u.at_prices(price_base_year, annual_inflation_pct) for c, u in unit_costs.items()}
    )
    weeks_in_month = grouped["month"].dt.days_in_month / 7.0
    grouped["cost"] = grouped["children"].to_numpy(float) * weekly.to_numpy(float) * weeks_in_month
    if extra_monthly_costs is not None and len(extra_monthly_costs):
        extra = extra_monthly_costs.copy()
        extra["month"] = pd.to_datetime(extra["month"])
        extra = extra.groupby(["month", "placement_category"], as_index=False)["cost"].sum()
        draws = pd.DataFrame({"draw": grouped["draw"].unique()})
        extra = extra.merge(draws, how="cross")
        grouped = pd.concat([grouped.drop(columns="children"), extra], ignore_index=True)
        grouped = grouped.groupby(["month", "draw", "placement_category"], as_index=False)[
            "cost"
        ].sum()
    else:
        grouped = grouped.drop(columns="children")
    grouped["cost"] = grouped["cost"] * _inflation(
        grouped["month"], price_base_year, annual_inflation_pct
    )
    grouped["provider"] = grouped["placement_category"].map(PROVIDER_BY_CATEGORY)
    return grouped[["month", "draw", "placement_category", "provider", "cost"]]


def _inflation(months: pd.Series, price_base_year: int, annual_inflation_pct: float) -> np.ndarray:
    """Compound inflation from April of the price base year to each month (deflated before it)."""
    values = months.to_numpy() if isinstance(months, pd.Series | pd.Index) else np.asarray(months)
    if values.dtype.kind == "M" and not np.isnat(values).any():
        # the same whole months elapsed as pandas' year and month give, without pandas
        since_1970 = values.astype("datetime64[M]").astype(np.int64)
        year, month = since_1970 // 12 + 1970, since_1970 % 12 + 1
        elapsed = ((year - price_base_year) * 12 + (month - 4)).astype(float)
        return (1 + annual_inflation_pct / 100) ** (elapsed / 12)
    months = pd.to_datetime(months)
    elapsed = ((months.dt.year - price_base_year) * 12 + (months.dt.month - 4)).to_numpy(float)
    return (1 + annual_inflation_pct / 100) ** (elapsed / 12)


def _summarise(frame: pd.DataFrame, keys: list[str], lower: float, upper: float) -> pd.DataFrame:
    """Mean and quantiles over draws of ``cost`` summed within ``keys`` + draw."""
    per_draw = frame.groupby([*keys, "draw"], as_index=False)["cost"].sum()
    summary = per_draw.groupby(keys)["cost"].agg(
        cost_mean="mean",
        cost_p10=lambda s: float(np.quantile(s, lower)),
        cost_p90=lambda s: float(np.quantile(s, upper)),
    )
    return summary.reset_index()


def costs_by_financial_year(
    monthly: pd.DataFrame, *, by_category: bool = True, lower: float = 0.1, upper: float = 0.9
) -> pd.DataFrame:
    """Cost by financial year (April-March), with intervals over simulation draws.

    Parameters
    ----------
    monthly : DataFrame
        Output of :func:`monthly_costs`.
    by_category : bool
        Break down by placement category and provider (True) or give the total budget (False).
    lower, upper : float
        Quantiles reported as ``cost_p10`` and ``cost_p90``.

    Returns
    -------
    DataFrame
        financial_year, [placement_category, provider,] cost_mean, cost_p10, cost_p90 (£).
        Financial years only partly covered by the projection are flagged in ``months`` (1-12).
    """
    frame = monthly.copy()
    frame["financial_year"] = financial_year(frame["month"])
    keys = (
        ["financial_year", "placement_category", "provider"] if by_category else ["financial_year"]
    )
    summary = _summarise(frame, keys, lower, upper)
    months = frame.groupby("financial_year")["month"].nunique().rename("months")
    return summary.merge(months, on="financial_year")


def savings_by_financial_year(
    baseline_monthly: pd.DataFrame,
    scenario_monthly: pd.DataFrame,
    *,
    lower: float = 0.1,
    upper: float = 0.9,
) -> pd.DataFrame:
    """Baseline minus scenario cost by financial year (positive = the scenario saves money).

    Draws are paired by number, which is meaningful when both runs used the same seed (common
    random numbers): the interval then reflects the lever's effect rather than noise.

    Returns
    -------
    DataFrame
        financial_year, baseline_cost_mean, scenario_cost_mean, saving_mean, saving_p10,
        saving_p90 (£).
    """
    base = baseline_monthly.assign(financial_year=financial_year(baseline_monthly["month"]))
    scen = scenario_monthly.assign(financial_year=financial_year(scenario_monthly["month"]))
    b = base.groupby(["financial_year", "draw"])["cost"].sum().rename("baseline")
    s = scen.groupby(["financial_year", "draw"])["cost"].sum().rename("scenario")
    paired = pd.concat([b, s], axis=1).fillna(0.0)
    paired["saving"] = paired["baseline"] - paired["scenario"]
    summary = paired.groupby(level="financial_year").agg(
        baseline_cost_mean=("baseline", "mean"),
        scenario_cost_mean=("scenario", "mean"),
        saving_mean=("saving", "mean"),
        saving_p10=("saving", lambda x: float(np.quantile(x, lower))),
        saving_p90=("saving", lambda x: float(np.quantile(x, upper))),
    )
    return summary.reset_index()


@dataclass(frozen=True)
class InvestToSave:
    """Invest-to-save position of a scenario against the baseline.

    Attributes
    ----------
    monthly : DataFrame
        month, saving (£, baseline minus scenario placement cost), investment (£), net (£,
        saving minus investment), cumulative_net (£).
    payback_month : Timestamp or None
        First month from which the cumulative net position stays at or above zero after some
        investment was made; None when it does not pay back within the horizon (or nothing was
        invested).
    total_investment, total_saving, net_position : float
        Over the whole horizon (£).
    """

    monthly: pd.DataFrame
    payback_month: pd.Timestamp | None
    total_investment: float
    total_saving: float
    net_position: float

    @property
    def payback_months(self) -> int | None:
        """Months from the start of the projection to payback (1 = the first month)."""
        if self.payback_month is None:
            return None
        months = list(self.monthly["month"])
        return months.index(self.payback_month) + 1


def invest_to_save(
    baseline_monthly: pd.DataFrame,
    scenario_monthly: pd.DataFrame,
    investment_monthly: pd.DataFrame | None = None,
) -> InvestToSave:
    """Net position of an invest-to-save scenario, month by month (means over draws).

    Parameters
    ----------
    baseline_monthly, scenario_monthly : DataFrame
        Outputs of :func:`monthly_costs` for the baseline and the scenario.
    investment_monthly : DataFrame, optional
        month, investment (£ spent that month on recruitment, assessment, marketing, support).

    Returns
    -------
    InvestToSave
    """

    def mean_by_month(frame: pd.DataFrame) -> pd.Series:
        per_draw = frame.groupby(["month", "draw"])["cost"].sum()
        return per_draw.groupby(level="month").mean()

    base = mean_by_month(baseline_monthly)
    scen = mean_by_month(scenario_monthly)
    table = pd.concat([base.rename("baseline"), scen.rename("scenario")], axis=1).fillna(0.0)
    invest = pd.Series(0.0, index=table.index)
    if investment_monthly is not None and len(investment_monthly):
        spend = investment_monthly.assign(month=pd.to_datetime(investment_monthly["month"]))
        spend = spend.groupby("month")["investment"].sum()
        invest = invest.add(spend, fill_value=0.0).reindex(table.index, fill_value=0.0)
    return _invest_to_save(
        pd.DatetimeIndex(table.index),
        table["baseline"].to_numpy(float),
        table["scenario"].to_numpy(float),
        invest.to_numpy(float),
    )


def _invest_to_save(
    months: pd.DatetimeIndex, baseline: np.ndarray, scenario: np.ndarray, investment: np.ndarray
) -> InvestToSave:
    saving = baseline - scenario
    net = saving - investment
    cumulative = np.cumsum(net)
    table = pd.DataFrame(
        {
            "month": months,
            "saving": saving,
            "investment": investment,
            "net": net,
            "cumulative_net": cumulative,
        }
    )
    payback = None
    invested = np.cumsum(investment) > 0
    if invested.any():
        first_invest = int(np.argmax(invested))
        negative = np.flatnonzero(cumulative < 0)
        later = negative[negative >= first_invest]
        candidate = int(later.max()) + 1 if len(later) else first_invest
        if candidate < len(table):
            payback = pd.Timestamp(months[candidate])
    return InvestToSave(
        monthly=table,
        payback_month=payback,
        total_investment=float(investment.sum()),
        total_saving=float(saving.sum()),
        net_position=float(net.sum()),
    )


def saving_per_household(
    unit_costs: dict[str, UnitCost] | None = None,
    carer_costs: CarerCosts | None = None,
    *,
    places_per_household: float = 1.85,
    occupancy: float = 0.66,
    years: float = 5.0,
    price_year: int = 2025,
    annual_inflation_pct: float = 2.0,
) -> dict[str, float]:
    """What one extra in-house carer household saves over ``years``, at its marginal cost.

    The household fills ``places_per_household * occupancy`` places (Ofsted LA averages 1.85 and
    66%) with children who would otherwise be with an IFA. It costs its fostering allowances, its
    fee and its supervising social worker, plus recruitment and assessment once; the service's
    overheads do not grow with one household, so they are not counted (nor is anything counted
    twice).

    Returns
    -------
    dict
        gross_saving (IFA placements avoided), allowances, fee, supervision,
        recruitment_assessment, net_saving (£ at ``price_year`` prices over ``years``), and
        payback_months (months until the net weekly saving repays recruitment, or inf).
    """
    unit_costs = {**DEFAULT_UNIT_COSTS, **(unit_costs or {})}
    carer_costs = carer_costs or CarerCosts()
    children = places_per_household * occupancy
    ifa = unit_costs[codes.IFA_FOSTERING].at_prices(price_year, annual_inflation_pct)
    parts = in_house_cost_parts(
        unit_costs[codes.IN_HOUSE_FOSTERING].at_prices(price_year, annual_inflation_pct),
        carer_costs,
        children_per_household=children,
        price_year=price_year,
        annual_inflation_pct=annual_inflation_pct,
    )
    weeks = WEEKS_PER_YEAR * years
    gross = ifa * children * weeks
    allowances = parts.allowance_per_child * children * weeks
    fee = parts.fee_per_household * weeks
    supervision = parts.supervision_per_household * weeks
    factor = price_factor(carer_costs.price_year, price_year, annual_inflation_pct)
    recruitment = carer_costs.recruitment_assessment_per_household * factor
    weekly_net = ifa * children - parts.allowance_per_child * children - parts.per_household
    monthly_net = weekly_net * WEEKS_PER_YEAR / 12
    payback = recruitment / monthly_net if monthly_net > 0 else float("inf")
    return {
        "gross_saving": gross,
        "allowances": allowances,
        "fee": fee,
        "supervision": supervision,
        "recruitment_assessment": recruitment,
        "net_saving": gross - allowances - fee - supervision - recruitment,
        "payback_months": payback,
    }


def money_text(pounds: float) -> str:
    """An estimate in £ rounded as far as it is known: £2.0m, £141,000, £9,800, £460.

    Millions to one decimal; from £10,000 to the nearest £1,000; from £1,000 to the nearest
    £100; below that to the nearest £10. For modelled totals, not for entered unit costs.
    """
    size = abs(pounds)
    sign = "-" if pounds < 0 else ""
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.1f}m"
    step = 1_000 if size >= 1e4 else 100 if size >= 1e3 else 10
    return f"{sign}£{round(size / step) * step:,.0f}"


def household_saving_per_year(per_household: dict[str, float], years: float = 5.0) -> float:
    """One extra household's placement saving a year, before recruitment (£ a year).

    ``per_household`` is :func:`saving_per_household`'s result over ``years``: IFA placements
    avoided less allowances, fee and supervision, the running saving a scenario's placement
    saving counts (recruitment is investment there, not a placement cost).
    """
    running = per_household["net_saving"] + per_household["recruitment_assessment"]
    return running / years


def household_years_in_post(in_post: np.ndarray) -> float:
    """Household-years in post from households in post by month ``(months[, types])``."""
    return float(np.asarray(in_post, dtype="float64").sum() / 12)


def in_house_cost_breakdown(
    unit_costs: dict[str, UnitCost] | None = None,
    carer_costs: CarerCosts | None = None,
    *,
    children_per_household: float = 1.85 * 0.66,
    price_year: int = 2025,
    annual_inflation_pct: float = 2.0,
) -> pd.DataFrame:
    """What is inside the all-in in-house fostering cost, per child per week, with sources.

    Allowance per child; the household fee and supervising social work shared over the children a
    household looks after; overheads (management, training, panel, premises) are the rest.

    Returns
    -------
    DataFrame
        component, weekly_cost (£ per child per week at ``price_year`` prices), grows_with
        (children, households or neither), source.
    """
    unit_costs = {**DEFAULT_UNIT_COSTS, **(unit_costs or {})}
    carer_costs = carer_costs or CarerCosts()
    all_in_cost = unit_costs[IN_HOUSE_FOSTERING_CATEGORY]
    parts = in_house_cost_parts(
        all_in_cost.at_prices(price_year, annual_inflation_pct),
        carer_costs,
        children_per_household=children_per_household,
        price_year=price_year,
        annual_inflation_pct=annual_inflation_pct,
    )
    sources = carer_costs.sources
    rows = [
        (
            "fostering allowance",
            parts.allowance_per_child,
            "each child placed",
            sources["allowance_per_child_per_week"],
        ),
        (
            "carer fee (per household, shared over its children)",
            parts.fee_per_household / parts.children_per_household,
            "each approved household",
            sources["fee_per_household_per_week"],
        ),
        (
            "supervising social worker (shared over the household's children)",
            parts.supervision_per_household / parts.children_per_household,
            "each approved household",
            sources["supervising_social_worker_per_household_per_year"],
        ),
        (
            "management, training, panel and overheads (the rest of the all-in cost)",
            parts.overheads_per_child,
            "neither: held at today's total",
            "the all-in cost less the items above",
        ),
        ("all-in in-house fostering cost", parts.all_in_per_child, "", all_in_cost.source),
    ]
    return pd.DataFrame(rows, columns=["component", "weekly_cost", "grows_with", "source"])


def unit_cost_table(
    unit_costs: dict[str, UnitCost] | None = None,
    *,
    price_base_year: int = 2025,
    annual_inflation_pct: float = 2.0,
) -> pd.DataFrame:
    """Unit costs with their sources, as quoted and at the price base (for display and export)."""
    unit_costs = {**DEFAULT_UNIT_COSTS, **(unit_costs or {})}
    rows = [
        {
            "placement_category": c,
            "provider": u.provider,
            "weekly_cost_quoted": u.weekly_cost,
            "price_year_quoted": u.price_year,
            f"weekly_cost_{price_base_year}_prices": u.at_prices(
                price_base_year, annual_inflation_pct
            ),
            "source": u.source,
            "method": u.method,
        }
        for c, u in unit_costs.items()
    ]
    return pd.DataFrame(rows)


# --- the fast path: costs as arrays over simulation paths ---------------------------------------


def cost_paths(
    children: np.ndarray,
    months: pd.DatetimeIndex,
    unit_costs: dict[str, UnitCost] | None = None,
    *,
    price_base_year: int = 2025,
    annual_inflation_pct: float = 2.0,
    extra_monthly_costs: np.ndarray | None = None,
) -> np.ndarray:
    """Vectorised :func:`monthly_costs`: £ by path, month and placement category.

    Parameters
    ----------
    children : numpy.ndarray
        Average children ``(paths, months, categories)``, categories in the order of
        :data:`sufficiency.codes.PLACEMENT_CATEGORIES`.
    months : DatetimeIndex
        Month ends.
    extra_monthly_costs : numpy.ndarray, optional
        Fixed costs ``(months, categories)`` in £ at base prices (e.g. a new home's running cost).

    Returns
    -------
    numpy.ndarray
        Nominal £ ``(paths, months, categories)``.
    """
    unit_costs = {**DEFAULT_UNIT_COSTS, **(unit_costs or {})}
    months = pd.DatetimeIndex(months)
    weekly = np.array(
        [
            unit_costs[c].at_prices(price_base_year, annual_inflation_pct)
            for c in codes.PLACEMENT_CATEGORIES
        ]
    )
    weeks = months.days_in_month.to_numpy(float) / 7.0
    cost = np.asarray(children, dtype=float) * weekly[None, None, :] * weeks[None, :, None]
    if extra_monthly_costs is not None:
        cost = cost + np.asarray(extra_monthly_costs, dtype=float)[None]
    inflation = _inflation(pd.Series(months), price_base_year, annual_inflation_pct)
    return cost * inflation[None, :, None]


def path_quantiles(values: np.ndarray, quantiles: list[float] | tuple[float, ...]) -> np.ndarray:
    """``np.quantile(values, quantiles, axis=0)``, value for value, a few times faster for many
    cells over a few hundred paths (the draws of each cell sorted once, as one contiguous row).

    numpy's default ("linear") quantile is the two order statistics around ``(n - 1) q``
    interpolated as ``a + (b - a) g``, or ``b - (b - a) (1 - g)`` from ``g = 0.5`` on; order
    statistics are the same values however found, and the interpolation here is numpy's own
    arithmetic. A cell holding NaN gives NaN, as numpy's does. Anything else (integers, a
    single path, quantiles at 0 or 1) goes to ``np.quantile`` itself.

    Parameters
    ----------
    values : numpy.ndarray
        ``(paths, ...)`` float64 draws.
    quantiles : sequence of float
        Probabilities strictly between 0 and 1.

    Returns
    -------
    numpy.ndarray
        ``(len(quantiles), ...)``.
    """
    values = np.asarray(values)
    probs = np.asarray(quantiles, dtype=np.float64)
    n = values.shape[0] if values.ndim else 0
    virtual = (n - 1) * probs
    if (
        values.dtype != np.float64
        or n < 2
        or probs.ndim != 1
        or not ((virtual >= 0).all() and (virtual < n - 1).all())
    ):
        return np.quantile(values, probs, axis=0)
    rows = np.sort(values.reshape(n, -1).T, axis=-1)  # (cells, paths), each row contiguous
    below = np.floor(virtual)
    gamma = virtual - below
    out = np.empty((probs.size, rows.shape[0]))
    for i, low in enumerate(below.astype(np.intp)):
        a, b = rows[:, low], rows[:, low + 1]
        step = b - a
        if gamma[i] >= 0.5:
            np.subtract(b, step * (1 - gamma[i]), out=out[i])
        else:
            np.add(a, step * gamma[i], out=out[i])
    out[:, np.isnan(rows[:, -1])] = np.nan  # NaN sorts last
    return out.reshape(probs.size, *values.shape[1:])


def financial_year_summary(
    costs: np.ndarray,
    months: pd.DatetimeIndex,
    labels: tuple[str, ...] | list[str],
    *,
    by_label: bool = True,
    lower: float = 0.1,
    upper: float = 0.9,
) -> pd.DataFrame:
    """Vectorised :func:`costs_by_financial_year` from ``(paths, months, labels)`` costs.

    Returns
    -------
    DataFrame
        financial_year, [placement_category, provider,] cost_mean, cost_p10, cost_p90, months.
        Labels not in :data:`PROVIDER_BY_CATEGORY` (e.g. recruitment) are counted as in-house.
        Sorted by financial year, then placement category.
    """
    unique, onehot = _year_columns(months)
    per_year = _per_year(costs, onehot, by_label)
    mean = per_year.mean(axis=0)
    low, high = path_quantiles(per_year, [lower, upper])
    n_years, n_labels = mean.shape
    # rows by financial year, then label, in sorted order (what sorting the frame by the two
    # columns gives, without building it twice)
    year_order = _sorted_positions(unique)
    label_order = _sorted_positions(labels) if by_label else [0]
    if year_order is None or label_order is None:
        return _financial_year_frame(unique, onehot, mean, low, high, labels, by_label)
    rows = (np.array(year_order)[:, None] * n_labels + np.array(label_order)[None, :]).reshape(-1)
    years = np.array(unique, dtype=object)[year_order]
    frame = pd.DataFrame(
        {
            "financial_year": np.repeat(years, n_labels),
            "cost_mean": mean.reshape(-1)[rows],
            "cost_p10": low.reshape(-1)[rows],
            "cost_p90": high.reshape(-1)[rows],
            "months": np.repeat(onehot.sum(axis=0).astype(int)[year_order], n_labels),
        }
    )
    if by_label:
        ordered = np.array(labels, dtype=object)[label_order]
        frame.insert(1, "placement_category", np.tile(ordered, n_years))
        frame.insert(
            2,
            "provider",
            frame["placement_category"].map(PROVIDER_BY_CATEGORY).fillna(IN_HOUSE).to_numpy(),
        )
    return frame


def _financial_year_frame(unique, onehot, mean, low, high, labels, by_label) -> pd.DataFrame:
    """:func:`financial_year_summary`'s frame built, then sorted, by pandas (labels that Python
    cannot order among themselves)."""
    n_years, n_labels = mean.shape
    frame = pd.DataFrame(
        {
            "financial_year": np.repeat(np.array(unique, dtype=object), n_labels),
            "cost_mean": mean.reshape(-1),
            "cost_p10": low.reshape(-1),
            "cost_p90": high.reshape(-1),
            "months": np.repeat(onehot.sum(axis=0).astype(int), n_labels),
        }
    )
    if by_label:
        frame.insert(1, "placement_category", np.tile(np.array(labels, dtype=object), n_years))
        frame.insert(
            2,
            "provider",
            frame["placement_category"].map(PROVIDER_BY_CATEGORY).fillna(IN_HOUSE).to_numpy(),
        )
        frame = frame.sort_values(["financial_year", "placement_category"], ignore_index=True)
    return frame


def _sorted_positions(values) -> list[int] | None:
    """Positions of ``values`` in sorted order (stable), or None when they are not all strings
    (missing years sort last in pandas, which Python's sort does not do)."""
    values = list(values)
    if not all(isinstance(v, str) for v in values):
        return None
    return sorted(range(len(values)), key=values.__getitem__)


def _year_columns(months) -> tuple[list, np.ndarray]:
    """Financial years in order of appearance and the ``(months, years)`` 0/1 matrix: the same
    few month ends come back on every scenario run, so both are remembered for them."""
    index = pd.DatetimeIndex(months)
    key = (str(index.dtype), tuple(index.asi8.tolist()))
    with _YEAR_COLUMNS_LOCK:  # the explorer's sessions run in threads
        found = _YEAR_COLUMNS.get(key)
    if found is None:
        unique, onehot = _year_columns_of(index)
        onehot.setflags(write=False)  # shared by every caller
        found = (tuple(unique), onehot)
        with _YEAR_COLUMNS_LOCK:
            while len(_YEAR_COLUMNS) >= 32:
                _YEAR_COLUMNS.pop(next(iter(_YEAR_COLUMNS)))
            _YEAR_COLUMNS[key] = found
    return list(found[0]), found[1]


_YEAR_COLUMNS: dict[tuple, tuple[tuple, np.ndarray]] = {}
"""(dtype, month ends as integers) -> :func:`_year_columns_of` of them (at most 32 kept)."""
_YEAR_COLUMNS_LOCK = threading.Lock()


def _year_columns_of(index: pd.DatetimeIndex) -> tuple[list, np.ndarray]:
    years = financial_year(pd.Series(index))
    unique = list(dict.fromkeys(years))
    onehot = (years.to_numpy()[:, None] == np.array(unique, dtype=object)[None, :]).astype(float)
    return unique, onehot


def _per_year(costs: np.ndarray, onehot: np.ndarray, by_label: bool = True) -> np.ndarray:
    """£ by path, financial year (and label): ``(paths, years, labels or 1)``."""
    per_year = np.einsum("pmk,mf->pfk", costs, onehot)
    if not by_label:
        per_year = per_year.sum(axis=-1, keepdims=True)
    return per_year


def savings_summary(
    baseline_totals: np.ndarray,
    scenario_totals: np.ndarray,
    months: pd.DatetimeIndex,
    *,
    lower: float = 0.1,
    upper: float = 0.9,
) -> pd.DataFrame:
    """Vectorised :func:`savings_by_financial_year` from ``(paths, months)`` £ totals."""
    unique, onehot = _year_columns(months)

    def mean_by_year(totals: np.ndarray) -> np.ndarray:
        return _per_year(totals[..., None], onehot, by_label=False).mean(axis=0).reshape(-1)

    saving = _per_year((baseline_totals - scenario_totals)[..., None], onehot, by_label=False)
    low, high = path_quantiles(saving, [lower, upper])
    years = pd.Series(np.array(unique, dtype=object), name="financial_year")
    return pd.DataFrame(
        {
            "financial_year": years,
            "baseline_cost_mean": mean_by_year(baseline_totals),
            "scenario_cost_mean": mean_by_year(scenario_totals),
            "saving_mean": saving.mean(axis=0).reshape(-1),
            "saving_p10": low.reshape(-1),
            "saving_p90": high.reshape(-1),
        }
    )


def invest_to_save_from_totals(
    months: pd.DatetimeIndex,
    baseline_cost: np.ndarray,
    scenario_cost: np.ndarray,
    investment: np.ndarray,
) -> InvestToSave:
    """:func:`invest_to_save` from monthly mean £ arrays (baseline, scenario, investment)."""
    return _invest_to_save(
        pd.DatetimeIndex(months),
        np.asarray(baseline_cost, float),
        np.asarray(scenario_cost, float),
        np.asarray(investment, float),
    )


# --- cross-check against what authorities spent (RO3 2024-25) ------------------------------------

RO3_SOURCE = (
    "MHCLG Revenue Outturn RO3 2024-25, children looked after net current expenditure "
    "(published table, shipped with the tool)"
)
RO3_FINANCIAL_YEAR = "2024-25"
DEMO_RO3_AUTHORITY = "E06000002"
"""ONS code of Middlesbrough, the real authority the synthetic demo is calibrated to."""

_FOSTERING_LINE = (
    codes.IN_HOUSE_FOSTERING,
    codes.IFA_FOSTERING,
    codes.OTHER_LA_FOSTERING,
    codes.KINSHIP_FOSTERING,
)
_RESIDENTIAL_LINE = (codes.IN_HOUSE_RESIDENTIAL, codes.EXTERNAL_RESIDENTIAL, codes.SECURE)


def ro3_spend() -> pd.DataFrame:
    """RO3 2024-25 children looked after spend by authority (£ thousand; empty = not given).

    Read once per process (the explorer checks its total against it on every lever change); each
    call gets its own copy.
    """
    from sufficiency.paths import published_dir

    return _read_ro3(published_dir() / "la_spend" / "ro3_2024_25_cla.csv").copy()


@functools.lru_cache(maxsize=2)
def _read_ro3(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SufficiencyError(
            f"The RO3 spend table is missing ({path}); it ships with the tool in data/published."
        )
    return pd.read_csv(path, dtype={"ons_code": str})


def spend_cross_check(costs_by_financial_year: pd.DataFrame, ons_code: str) -> pd.DataFrame:
    """The model's first full financial year of costs beside the authority's RO3 2024-25 spend.

    Parameters
    ----------
    costs_by_financial_year : DataFrame
        ``ScenarioResult.costs_by_financial_year`` (financial_year, placement_category,
        cost_mean, months).
    ons_code : str
        The authority's ONS code (E06..., E08..., E09..., E10...).

    Returns
    -------
    DataFrame
        line, model_financial_year, model_gbp, ro3_gbp, model_over_ro3 (ratio; empty where RO3
        has no figure). Lines: fostering services, residential care, all placements vs children
        looked after in total.
    """
    table = ro3_spend()
    rows = table[table["ons_code"] == ons_code]
    if rows.empty:
        raise SufficiencyError(
            f"No RO3 2024-25 spend for the authority code {ons_code!r}; choose an authority from "
            "the list."
        )
    ro3 = rows.iloc[0]
    full = costs_by_financial_year[costs_by_financial_year["months"] == 12]
    if full.empty:
        raise SufficiencyError("The projection covers no full financial year to compare.")
    year = str(full["financial_year"].iloc[0])
    first = full[full["financial_year"] == year]
    by_category = first.groupby("placement_category")["cost_mean"].sum()

    def model(categories) -> float:
        return float(by_category.reindex(list(categories)).fillna(0.0).sum())

    placements = model(codes.PLACEMENT_CATEGORIES)
    lines = [
        ("fostering services", model(_FOSTERING_LINE), "fostering_services_net_gbp_thousand"),
        ("residential care", model(_RESIDENTIAL_LINE), "residential_care_net_gbp_thousand"),
        (
            "all placements (RO3: children looked after in total)",
            placements,
            "cla_net_current_expenditure_gbp_thousand",
        ),
    ]
    out = []
    for label, value, column in lines:
        spend = ro3[column] * 1000 if pd.notna(ro3[column]) else np.nan
        out.append(
            {
                "line": label,
                "model_financial_year": year,
                "model_gbp": value,
                "ro3_gbp": spend,
                "model_over_ro3": value / spend if pd.notna(spend) and spend > 0 else np.nan,
            }
        )
    return pd.DataFrame(out)


RO3_TOLERANCE = 0.25
"""How far (as a share) the model's fostering or residential spend may sit from RO3 before it is
flagged: an assumption (RO3 lines also carry staff and commissioning costs), not a published
threshold."""


def cross_check_lines_to_question(
    check: pd.DataFrame, tolerance: float = RO3_TOLERANCE
) -> pd.DataFrame:
    """Rows of :func:`spend_cross_check` for fostering or residential care whose model ÷ RO3 ratio
    is more than ``tolerance`` from 1 (the all-placements total is expected to sit well below 1)."""
    placement_lines = check[check["line"].isin(["fostering services", "residential care"])]
    ratio = placement_lines["model_over_ro3"]
    return placement_lines[ratio.notna() & ((ratio - 1).abs() > tolerance)]


RO3_CROSS_CHECK_TITLE = f"Cross-check against what the authority spent (RO3 {RO3_FINANCIAL_YEAR})"
"""The Placement budget page's heading for the cross-check (other pages point to it)."""


def ro3_cost_note(
    costs_by_financial_year: pd.DataFrame, ons_code: str, tolerance: float = RO3_TOLERANCE
) -> str | None:
    """One plain line for beside a total cost when an RO3 line is more than ``tolerance`` away.

    The same check as the Placement budget page's cross-check (:func:`spend_cross_check` and
    :func:`cross_check_lines_to_question`, not a second calculation), in words for a headline:
    on the demo, "Check before quoting this total: the model's 2024-25 cost for fostering
    services (£15.1m) is 1.35 times the authority's RO3 2024-25 spend on them (£11.2m), more
    than 25% away ...": the line's own figures, not the total's.

    Parameters
    ----------
    costs_by_financial_year : DataFrame
        ``ScenarioResult.costs_by_financial_year`` of the run whose total is shown (£).
    ons_code : str
        The authority's ONS code (the demo: :data:`DEMO_RO3_AUTHORITY`, Middlesbrough).
    tolerance : float
        :data:`RO3_TOLERANCE` (an assumption, not a published threshold).

    Returns
    -------
    str or None
        None when fostering and residential care are within ``tolerance`` of RO3.

    Raises
    ------
    SufficiencyError
        As :func:`spend_cross_check` (no RO3 figures for the code, no full financial year).
    """
    check = spend_cross_check(costs_by_financial_year, ons_code)
    off = cross_check_lines_to_question(check, tolerance)
    if off.empty:
        return None
    year = str(check["model_financial_year"].iloc[0])

    def m(pounds: float) -> str:
        return f"£{pounds / 1e6:,.1f}m"

    # each line with its own two figures: "1.35 times ... for fostering services" beside a total
    # of £215.0m read as if the whole total had been compared
    lines = [
        (
            f"for {row.line} ({m(row.model_gbp)}) is {row.model_over_ro3:.2f} times the "
            f"authority's RO3 {RO3_FINANCIAL_YEAR} spend on them ({m(row.ro3_gbp)})"
            if i == 0
            else f"for {row.line} ({m(row.model_gbp)}) {row.model_over_ro3:.2f} times "
            f"({m(row.ro3_gbp)})"
        )
        for i, row in enumerate(off.itertuples())
    ]
    return (
        f"Check before quoting this total: the model's {year} cost {', and '.join(lines)}, "
        f"more than {tolerance:.0%} away. A unit cost or a placement count may be wrong: see "
        f"the Placement budget page, '{RO3_CROSS_CHECK_TITLE}'."
    )
