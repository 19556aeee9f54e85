"""One model of the authority: what is known about it, built once from what the user loaded.

Every page and command reads the same figures from here, each with its source: the authority's own
records where they were given (903 extracts, carer households, enquiries and campaign spend), else
a sourced national figure. Nothing below computes a figure a second way.

- **In-house capacity at the start** (:class:`InHouseReconciliation`): the children in in-house
  (non-kinship) foster care in the 903 data are the places in use; carer household records, when
  given, say how many households there are and how many places they are approved for. The rule:
  usable places are the larger of the children placed (903: a place in use is usable) and the
  records' approved places x occupancy (spare places the records show); households come from the
  records, else from the children placed / usable places per household. The reconciliation table
  shows both sources side by side.
- **Recruitment** (:class:`AuthorityFigures`): enquiry-to-approval conversion and lead time from
  the last three years of enquiry records, cost per enquiry from campaign spend, enquiries and
  approvals a quarter now, the share of in-house households leaving a year from the household
  records, approved places per household; else Ofsted / Fostering Network figures.
- **What recruitment can plausibly add** (:meth:`AuthorityFigures.channels`): paid marketing
  channels measured on the records, each able to bring up to ``reach`` x its recent enquiries a
  quarter more; without records, one channel at the national figures. The scenario engine, the
  target solver and the recommended plan use these same channels, conversion and assessment
  capacity, so they agree on what is feasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.plan.optimiser import DEFAULT_CHANNEL_REACH as _OPTIMISER_REACH
from sufficiency.supply import defaults as supply_defaults

FUNNEL_WINDOW_YEARS = 3
"""Years of enquiry and spend records (to their extract date) the funnel figures are measured on."""

LEAVING_WINDOW_YEARS = 3
"""Complete years (to 31 March) of household records the leaving rate is measured on."""

DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER = 10.0
"""Approvals a quarter the assessment team can complete (an assumption: set your team's figure)."""

ASSESSMENT_CAPACITY_SOURCE = (
    f"{fin.ASSUMPTION}: about two supervising social workers' assessment time; set your own "
    "team's capacity"
)

DEFAULT_CHANNEL_REACH = _OPTIMISER_REACH
"""Extra enquiries a paid channel can bring a quarter, as a multiple of its recent rate."""

CHANNEL_REACH_SOURCE = (
    f"{fin.ASSUMPTION}: spend on a channel can be scaled up until it brings 1.5 times its recent "
    "enquiries again before its audience runs out"
)

DEFAULT_COST_PER_ENQUIRY = 320.0
COST_PER_ENQUIRY_SOURCE = f"{fin.ASSUMPTION} (use your campaign spend ÷ enquiries by channel)"

NATIONAL_CHANNEL = "marketing (national figures)"
"""Name of the one channel used when no enquiry and spend records are loaded."""

NATIONAL_ENQUIRY_TO_APPROVAL_SOURCE = (
    "Ofsted Fostering in England, local authority services: 12% of enquiries apply "
    "(2018-19, 2022-23) x 33% of applications approved (2017-18)"
)


@dataclass(frozen=True)
class Figure:
    """A number the tool plans with, its unit and its source.

    Attributes
    ----------
    value : float
    unit : str
    source : str
        Where it comes from: the authority's records (with the period) or a publication.
    own_data : bool
        True when measured on the authority's own records.
    """

    value: float
    unit: str
    source: str
    own_data: bool = False

    def __float__(self) -> float:
        return float(self.value)

    @property
    def text(self) -> str:
        """The figure as every page shows it, with its unit ("6.1%", "287 days", "£130",
        "1.71 places"): one format, so the same figure reads the same everywhere."""
        value = float(self.value)
        if "(0-1)" in self.unit:
            return f"{value:.1%}"
        if self.unit.startswith("days"):
            return f"{value:,.0f} days"
        if self.unit.startswith("£"):
            return f"£{value:,.0f}"
        if self.unit.startswith("approved places"):
            return f"{value:.2f} places"
        return f"{value:,.1f} {self.unit}"


@dataclass(frozen=True)
class InHouseReconciliation:
    """In-house foster capacity at the start: the 903 data and the carer records side by side.

    Attributes
    ----------
    date : Timestamp
        The forecast start (the 903 extract's last month end).
    children_by_band : numpy.ndarray
        Children in in-house (non-kinship) foster care by age band, from the 903 data.
    records_households, records_approved_places : float or None
        In-house (non-kinship) households approved on ``date`` and their approved places, from the
        carer household records; None when no records were loaded.
    records_date : Timestamp or None
        The records' extract date.
    occupancy : float
        Share of approved places usable (Ofsted 66% unless changed).
    places_per_household : float
        Approved places per household used when no records were loaded.
    households : float
        In-house households at the start, as used everywhere.
    usable_places : float
        Usable in-house places at the start, as used everywhere.
    rule : str
        Which source wins, in plain words.
    """

    date: pd.Timestamp
    children_by_band: np.ndarray
    records_households: float | None
    records_approved_places: float | None
    records_date: pd.Timestamp | None
    occupancy: float
    places_per_household: float
    households: float
    usable_places: float
    rule: str

    @property
    def children(self) -> float:
        """Children in in-house (non-kinship) foster care at the start (903)."""
        return float(self.children_by_band.sum())

    @property
    def usable_places_by_band(self) -> np.ndarray:
        """Usable places by age band: the children placed, spare places spread like them."""
        children = self.children_by_band.astype("float64")
        total = children.sum()
        mix = children / total if total > 0 else np.full(len(children), 1.0 / len(children))
        return children + (self.usable_places - total) * mix

    @property
    def agree(self) -> bool:
        """True when the records' usable places are within 10% of the children placed."""
        if self.records_approved_places is None or self.children <= 0:
            return True
        usable = self.records_approved_places * self.occupancy
        return abs(usable - self.children) <= 0.1 * self.children

    def table(self) -> pd.DataFrame:
        """One row per source: households, approved places, usable places, children placed."""
        rows = [
            {
                "source": f"903 data ({self.date:%d %b %Y})",
                "households": np.nan,
                "approved_places": np.nan,
                "usable_places": self.children,
                "children_placed": self.children,
            }
        ]
        if self.records_households is not None:
            rows.append(
                {
                    "source": "carer household records"
                    + (f" ({self.records_date:%d %b %Y})" if self.records_date is not None else ""),
                    "households": self.records_households,
                    "approved_places": self.records_approved_places,
                    "usable_places": (self.records_approved_places or 0.0) * self.occupancy,
                    "children_placed": np.nan,
                }
            )
        rows.append(
            {
                "source": "used on every page (the rule below)",
                "households": self.households,
                # the records' own approved places when loaded (a count, not a back-calculation)
                "approved_places": self.records_approved_places
                if self.records_approved_places is not None
                else self.usable_places / self.occupancy,
                "usable_places": self.usable_places,
                "children_placed": self.children,
            }
        )
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """The reconciliation in one or two sentences."""
        text = (
            f"{self.children:,.0f} children are with in-house foster carers (not family and friends) in the "
            f"903 data at {self.date:%d %B %Y}. "
        )
        if self.records_households is None:
            text += (
                f"No carer household records are loaded, so that is taken as "
                f"{self.usable_places:,.0f} usable places in about {self.households:,.0f} "
                f"households ({self.places_per_household:g} approved places each, "
                f"{self.occupancy:.0%} usable)."
            )
            return text
        usable = (self.records_approved_places or 0.0) * self.occupancy
        text += (
            f"The carer household records hold {self.records_households:,.0f} in-house "
            f"households with {self.records_approved_places:,.0f} approved places, about "
            f"{usable:,.0f} usable at {self.occupancy:.0%}. "
        )
        if self.agree:
            text += "The two agree (within 10%). "
        elif usable < self.children:
            text += (
                f"The records show fewer usable places than children placed: more of the "
                f"approved places are filled than the {self.occupancy:.0%} assumed. "
            )
        else:
            text += "The records show spare places that children could move into. "
        return text + self.rule


def reconcile_in_house(
    children_by_band: np.ndarray,
    date: pd.Timestamp,
    households: pd.DataFrame | None = None,
    *,
    records_date: pd.Timestamp | None = None,
    places_per_household: float = float(supply_defaults.APPROVED_PLACES_PER_HOUSEHOLD),
    occupancy: float = float(supply_defaults.OCCUPANCY),
) -> InHouseReconciliation:
    """Reconcile in-house foster capacity between the 903 data and carer household records.

    Parameters
    ----------
    children_by_band : numpy.ndarray
        Children in in-house (non-kinship) foster care by age band at ``date`` (903).
    date : Timestamp
        Forecast start.
    households : DataFrame, optional
        Clean carer household rows (:class:`sufficiency.supply.households.CarerHouseholds`).
    records_date : Timestamp, optional
        The records' extract date (households are counted at the earlier of it and ``date``).
    places_per_household, occupancy : float
        Approved places per household and usable share, used when the records do not say.
    """
    children = np.asarray(children_by_band, dtype="float64")
    placed = float(children.sum())
    per_household = places_per_household * occupancy
    if households is None:
        usable = placed
        return InHouseReconciliation(
            date=pd.Timestamp(date),
            children_by_band=children,
            records_households=None,
            records_approved_places=None,
            records_date=None,
            occupancy=occupancy,
            places_per_household=places_per_household,
            households=usable / per_household if per_household > 0 else 0.0,
            usable_places=usable,
            rule=(
                "Rule: the children placed are the usable places in use; households are worked "
                "out from them until carer household records are loaded."
            ),
        )
    from sufficiency.supply.households import IN_HOUSE_CARER_TYPES, households_on

    when = pd.Timestamp(date)
    if records_date is not None:
        when = min(when, pd.Timestamp(records_date))
    current = households_on(households, when)
    current = current[current["carer_type"].isin(list(IN_HOUSE_CARER_TYPES))]
    n_households = float(len(current))
    approved = float(current["approved_places"].sum())
    usable = max(placed, approved * occupancy)
    return InHouseReconciliation(
        date=pd.Timestamp(date),
        children_by_band=children,
        records_households=n_households,
        records_approved_places=approved,
        records_date=None if records_date is None else pd.Timestamp(records_date),
        occupancy=occupancy,
        places_per_household=(approved / n_households) if n_households else places_per_household,
        households=n_households,
        usable_places=usable,
        rule=(
            "Rule: households come from the carer records; usable places are the larger of the "
            "children placed (903: a place in use is usable) and the records' approved places "
            f"x {occupancy:.0%} (spare places), here {usable:,.0f}."
        ),
    )


@dataclass(frozen=True)
class AuthorityFigures:
    """The recruitment and retention figures every page and command plans with, with sources.

    Attributes
    ----------
    origin : Timestamp
        The forecast start.
    in_house : InHouseReconciliation
    enquiry_to_approval : Figure
        Share of enquiries approved (0-1).
    enquiry_to_application : Figure
        Share of enquiries that apply (0-1); with it the conversion splits into its two stages.
    days_enquiry_to_application : Figure
        Days from enquiry to application (median of those who apply).
    days_enquiry_to_approval : Figure
        Days from enquiry to approval (median of those approved).
    cost_per_enquiry : Figure
        £ of marketing per enquiry (paid channels).
    annual_leaving_rate : Figure
        Share of in-house (non-kinship) households leaving a year (0-1).
    places_per_household : Figure
        Approved places per in-house household.
    occupancy : Figure
        Share of approved places usable (0-1).
    enquiries_per_quarter : Figure
        Enquiries received a quarter now (last 12 months / 4).
    approvals_per_quarter : Figure
        In-house households approved a quarter now (last 12 months / 4).
    assessment_capacity_per_quarter : Figure
        Most approvals a quarter the assessment team can complete.
    channel_reach : Figure
        Extra enquiries a paid channel can bring a quarter, x its recent rate.
    channels : tuple of sufficiency.plan.optimiser.Channel
        Paid channels measured on the records (empty without records).
    records_label : str
        Whose records these are ("the demo authority's synthetic records", "your records").
    """

    origin: pd.Timestamp
    in_house: InHouseReconciliation
    enquiry_to_approval: Figure
    days_enquiry_to_approval: Figure
    cost_per_enquiry: Figure
    annual_leaving_rate: Figure
    places_per_household: Figure
    occupancy: Figure
    enquiries_per_quarter: Figure
    approvals_per_quarter: Figure
    assessment_capacity_per_quarter: Figure
    channel_reach: Figure
    enquiry_to_application: Figure | None = None
    days_enquiry_to_application: Figure | None = None
    channels: tuple = ()
    records_label: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def lead_months(self) -> int:
        """Whole months from enquiry to approval."""
        return int(round(float(self.days_enquiry_to_approval.value) / (365.25 / 12)))

    def table(self) -> pd.DataFrame:
        """figure, value, text (as pages show it), unit, source, own_data: for pages and exports."""
        rows = []
        for label, figure in (
            ("Enquiries approved", self.enquiry_to_approval),
            ("Time from enquiry to approval", self.days_enquiry_to_approval),
            ("Marketing cost per enquiry", self.cost_per_enquiry),
            ("Enquiries received now", self.enquiries_per_quarter),
            ("Households approved now", self.approvals_per_quarter),
            ("Assessment capacity", self.assessment_capacity_per_quarter),
            ("In-house households leaving a year", self.annual_leaving_rate),
            ("Approved places per household", self.places_per_household),
            ("Approved places usable", self.occupancy),
            ("Extra enquiries a channel can bring", self.channel_reach),
        ):
            rows.append(
                {
                    "figure": label,
                    "value": float(figure.value),
                    "text": figure.text,
                    "unit": figure.unit,
                    "source": figure.source,
                    "own_data": figure.own_data,
                }
            )
        return pd.DataFrame(rows)


def _national(figure: supply_defaults.SourcedFigure) -> Figure:
    return Figure(float(figure.value), figure.unit, figure.source)


def _window(extract: pd.Timestamp, years: float) -> tuple[pd.Timestamp, pd.Timestamp]:
    return extract - pd.DateOffset(years=years) + pd.Timedelta(days=1), extract


def funnel_window(extract: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first, last) day of the enquiries the funnel figures are measured on: the
    :data:`FUNNEL_WINDOW_YEARS` years to the records' extract date. Pages that let the user pick
    years start from this window, so their default is the figure every page plans with."""
    return _window(pd.Timestamp(extract), FUNNEL_WINDOW_YEARS)


def national_enquiry_to_approval() -> Figure:
    """The national share of enquiries approved (0-1), used without enquiry records and shown
    as "the national figure" wherever a page compares the authority with it: the local
    authority stage rates multiplied (12% apply x 33% approved, about 4%). One national figure,
    so no page quotes another."""
    return Figure(
        float(supply_defaults.ENQUIRY_TO_APPLICATION.value)
        * float(supply_defaults.APPLICATION_TO_APPROVAL.value),
        "share of enquiries approved (0-1)",
        NATIONAL_ENQUIRY_TO_APPROVAL_SOURCE,
    )


def authority_figures(
    start_stock: np.ndarray,
    origin: pd.Timestamp,
    *,
    households: object | None = None,
    funnel: object | None = None,
    records_label: str = "your records",
) -> AuthorityFigures:
    """Build the authority's figures once from its 903 start stock and optional records.

    Parameters
    ----------
    start_stock : numpy.ndarray
        Children at the forecast start by age band x placement category (flat, band-major, or
        ``(bands, categories)``).
    origin : Timestamp
        The forecast start.
    households : CarerHouseholds, optional
        Carer household records (``.households``, ``.extract_date``).
    funnel : FunnelRecords, optional
        Enquiry and campaign spend records (``.enquiries``, ``.spend``, ``.extract_date``).
    records_label : str
        How to name the records in sources ("your records", "the demo authority's synthetic
        records").

    Returns
    -------
    AuthorityFigures
    """
    grid = np.asarray(start_stock, dtype="float64").reshape(
        len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)
    )
    children = grid[:, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)]
    origin = pd.Timestamp(origin)
    notes: list[str] = []

    places = _national(supply_defaults.APPROVED_PLACES_PER_HOUSEHOLD)
    occupancy = _national(supply_defaults.OCCUPANCY)
    leaving = _national(supply_defaults.ANNUAL_LEAVING_RATE_MAINSTREAM)
    approvals_now: Figure | None = None
    frame = None
    if households is not None:
        frame = getattr(households, "households", households)
        records_date = pd.Timestamp(getattr(households, "extract_date", origin))
        leaving = _leaving_rate(frame, records_date, records_label) or leaving
        places = _places_per_household(frame, min(origin, records_date), records_label) or places
        approvals_now = _approvals_from_households(frame, records_date, records_label)
        reconciliation = reconcile_in_house(
            children,
            origin,
            frame,
            records_date=records_date,
            places_per_household=float(places.value),
            occupancy=float(occupancy.value),
        )
    else:
        reconciliation = reconcile_in_house(
            children,
            origin,
            places_per_household=float(places.value),
            occupancy=float(occupancy.value),
        )

    conversion = national_enquiry_to_approval()
    days = _national(supply_defaults.DAYS_ENQUIRY_TO_APPROVAL)
    to_application = _national(supply_defaults.ENQUIRY_TO_APPLICATION)
    days_to_application = Figure(
        float(supply_defaults.MONTHS_ENQUIRY_TO_APPLICATION.value) * 365.25 / 12,
        "days from enquiry to application",
        supply_defaults.MONTHS_ENQUIRY_TO_APPLICATION.source,
    )
    cost = Figure(DEFAULT_COST_PER_ENQUIRY, "£ per enquiry", COST_PER_ENQUIRY_SOURCE)
    enquiries_now: Figure | None = None
    channels: tuple = ()
    reach = Figure(DEFAULT_CHANNEL_REACH, "x recent enquiries a quarter", CHANNEL_REACH_SOURCE)
    if funnel is not None and len(funnel.enquiries):
        measured = _funnel_figures(funnel, records_label)
        conversion = measured.get("conversion", conversion)
        days = measured.get("days", days)
        to_application = measured.get("to_application", to_application)
        days_to_application = measured.get("days_to_application", days_to_application)
        cost = measured.get("cost", cost)
        enquiries_now = measured.get("enquiries")
        if approvals_now is None:
            approvals_now = measured.get("approvals")
        from sufficiency.plan.optimiser import channels_from_funnel

        channels = tuple(
            channels_from_funnel(
                funnel,
                years=FUNNEL_WINDOW_YEARS,
                reach=float(reach.value),
                source=records_label,
            )
        )
        if not channels:
            notes.append(
                "No paid channel in the records has enough spend and approvals to measure its "
                "cost per enquiry; the assumed cost per enquiry is used."
            )
    if approvals_now is None:
        per_quarter = 3 * replacement_per_month(reconciliation.households, float(leaving.value))
        approvals_now = Figure(
            per_quarter,
            "households approved a quarter",
            "assumed: enough approvals to replace the households that leave (no records loaded)",
        )
    if enquiries_now is None:
        value = float(approvals_now.value) / max(float(conversion.value), 1e-9)
        enquiries_now = Figure(
            value,
            "enquiries a quarter",
            "worked out: approvals now ÷ the share of enquiries approved (no enquiry records)",
        )
    capacity = Figure(
        max(DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER, math.ceil(float(approvals_now.value))),
        "households approved a quarter, at most",
        ASSESSMENT_CAPACITY_SOURCE,
    )
    return AuthorityFigures(
        origin=origin,
        in_house=reconciliation,
        enquiry_to_approval=conversion,
        days_enquiry_to_approval=days,
        cost_per_enquiry=cost,
        annual_leaving_rate=leaving,
        places_per_household=places,
        occupancy=occupancy,
        enquiries_per_quarter=enquiries_now,
        approvals_per_quarter=approvals_now,
        assessment_capacity_per_quarter=capacity,
        channel_reach=reach,
        enquiry_to_application=to_application,
        days_enquiry_to_application=days_to_application,
        channels=channels,
        records_label=records_label,
        notes=tuple(notes),
    )


def replacement_per_month(households: float, annual_leaving_rate: float) -> float:
    """Households approved a month just to replace those who leave (a yearly rate compounded
    monthly)."""
    return households * (1.0 - (1.0 - annual_leaving_rate) ** (1.0 / 12.0))


def _leaving_rate(frame: pd.DataFrame, extract: pd.Timestamp, label: str) -> Figure | None:
    from sufficiency.supply.households import IN_HOUSE_CARER_TYPES
    from sufficiency.supply.retention import annual_leaving_rates

    in_house = frame[frame["carer_type"].isin(list(IN_HOUSE_CARER_TYPES))]
    if in_house.empty:
        return None
    rates = annual_leaving_rates(in_house, extract, by=None)
    rates = rates.tail(LEAVING_WINDOW_YEARS)
    if rates.empty or rates["households_end"].sum() < 10:
        return None
    value = rates["deregistered"].sum() / rates["households_end"].sum()
    first, last = int(rates["year"].iloc[0]), int(rates["year"].iloc[-1])
    return Figure(
        float(value),
        "share of in-house households leaving a year (0-1)",
        f"{label}: in-house (mainstream and specialist) households deregistered over households "
        f"at 31 March, years ending March {first}-{last} (as Ofsted measures it; family and "
        "friends carers left out)",
        own_data=True,
    )


def _places_per_household(frame: pd.DataFrame, on: pd.Timestamp, label: str) -> Figure | None:
    from sufficiency.supply.households import IN_HOUSE_CARER_TYPES, households_on

    current = households_on(frame, on)
    current = current[current["carer_type"].isin(list(IN_HOUSE_CARER_TYPES))]
    if len(current) < 5:
        return None
    return Figure(
        float(current["approved_places"].mean()),
        "approved places per in-house household",
        f"{label}: in-house households approved on {on:%d %b %Y}",
        own_data=True,
    )


def _approvals_from_households(
    frame: pd.DataFrame, extract: pd.Timestamp, label: str
) -> Figure | None:
    from sufficiency.supply.households import IN_HOUSE_CARER_TYPES

    start, end = _window(extract, 1)
    in_house = frame[frame["carer_type"].isin(list(IN_HOUSE_CARER_TYPES))]
    recent = in_house[(in_house["approval_date"] >= start) & (in_house["approval_date"] <= end)]
    if in_house.empty:
        return None
    return Figure(
        len(recent) / 4,
        "households approved a quarter",
        f"{label}: in-house households approved {start:%b %Y} to {end:%b %Y}, ÷ 4",
        own_data=True,
    )


def _funnel_figures(funnel: object, label: str) -> dict[str, Figure]:
    from sufficiency.supply.funnel import funnel_parameters

    extract = pd.Timestamp(funnel.extract_date)
    enquiries = funnel.enquiries
    start, end = funnel_window(extract)
    figures: dict[str, Figure] = {}
    window = f"enquiries {start:%b %Y} to {end:%b %Y}"
    try:
        measured = funnel_parameters(enquiries, extract, since=start, source=label)
    except (KeyError, ValueError):
        measured = None
    if measured is not None and math.isfinite(measured.enquiry_to_approval):
        if measured.enquiry_to_approval > 0:
            figures["conversion"] = Figure(
                float(measured.enquiry_to_approval),
                "share of enquiries approved (0-1)",
                f"{label}, {window} (people still in progress counted as at risk, not as "
                "drop-outs)",
                own_data=True,
            )
        if math.isfinite(measured.enquiry_to_application) and measured.enquiry_to_application > 0:
            figures["to_application"] = Figure(
                float(measured.enquiry_to_application),
                "share of enquiries that apply (0-1)",
                f"{label}, {window}",
                own_data=True,
            )
        days_apply = float(measured.days_enquiry_to_application)
        if math.isfinite(days_apply) and days_apply >= 0:
            figures["days_to_application"] = Figure(
                days_apply,
                "days from enquiry to application (median)",
                f"{label}, {window}",
                own_data=True,
            )
        days = float(measured.days_enquiry_to_approval)
        if math.isfinite(days) and days > 0:
            figures["days"] = Figure(
                days,
                "days from enquiry to approval (median)",
                f"{label}, {window}: median days for those approved",
                own_data=True,
            )
    spend = getattr(funnel, "spend", None)
    if spend is not None and len(spend):
        from sufficiency.supply.funnel import cost_per_outcome

        by_channel = cost_per_outcome(enquiries, spend, by="channel", start=start, end=end)
        paid = by_channel[by_channel["spend"].fillna(0) > 0]
        if paid["enquiries"].sum() > 0:
            figures["cost"] = Figure(
                float(paid["spend"].sum() / paid["enquiries"].sum()),
                "£ per enquiry",
                f"{label}: campaign spend ÷ the enquiries the paid channels brought, {window} "
                "(word of mouth is free but does not grow with spend)",
                own_data=True,
            )
    year_start, year_end = _window(extract, 1)
    last_year = enquiries[
        (enquiries["enquiry_date"] >= year_start) & (enquiries["enquiry_date"] <= year_end)
    ]
    figures["enquiries"] = Figure(
        len(last_year) / 4,
        "enquiries a quarter",
        f"{label}: enquiries {year_start:%b %Y} to {year_end:%b %Y}, ÷ 4",
        own_data=True,
    )
    approved = enquiries["approval_date"]
    recent = approved[(approved >= year_start) & (approved <= year_end)]
    figures["approvals"] = Figure(
        len(recent) / 4,
        "households approved a quarter",
        f"{label}: approvals {year_start:%b %Y} to {year_end:%b %Y} in the enquiry records, ÷ 4",
        own_data=True,
    )
    return figures
