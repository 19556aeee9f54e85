"""Sourced default figures for carer retention, capacity and the recruitment calculator.

Every default is a :class:`SourcedFigure`: a value, its unit and where it comes from, so pages and
reports can show the source next to the number. Figures come from Ofsted *Fostering in England*
(the 2017-18 dataset and 2018-19 LA CSV in ``shared/data/real/ofsted_fostering``, and published
headline figures for later years) and the Fostering Network / iMPOWER benchmark, as listed in
``DOMAIN.md``. Where no published figure exists the source says "assumption" and why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourcedFigure:
    """A default number with its unit and source.

    Attributes
    ----------
    value : float
        The figure.
    unit : str
        What the number measures, e.g. ``"share of enquiries (0-1)"``.
    source : str
        Where the figure comes from (publication, year, and the arithmetic where derived).
    """

    value: float
    unit: str
    source: str

    def __float__(self) -> float:
        return float(self.value)

    def describe(self) -> str:
        """``"0.12 share of enquiries (0-1) - Ofsted ..."`` for captions and --help text."""
        return f"{self.value:g} {self.unit} (source: {self.source})"


# --- recruitment funnel ------------------------------------------------------------------------

ENQUIRY_TO_APPLICATION = SourcedFigure(
    0.12,
    "share of enquiries that become applications (0-1)",
    "Ofsted Fostering in England: local authority services 12% in 2018-19 (12.2%) and 2022-23; "
    "19% in 2017-18; independent agencies 5-9%",
)
APPLICATION_TO_APPROVAL = SourcedFigure(
    0.33,
    "share of applications that end in approval (0-1)",
    "Ofsted Fostering in England 2017-18, local authority services: 2,185 approved of 6,600 "
    "applications concluded or in progress (33%; all agencies 34%)",
)
DAYS_ENQUIRY_TO_APPROVAL = SourcedFigure(
    281.0,
    "days from enquiry to approval (average)",
    "Fostering Network / iMPOWER benchmark, 2013 (about 11% of enquiries approved, 281 days)",
)
MONTHS_ENQUIRY_TO_APPLICATION = SourcedFigure(
    2.0,
    "months from enquiry to application (average)",
    "assumption: the 281-day enquiry-to-approval benchmark (Fostering Network / iMPOWER 2013) "
    "split as about 2 months to application and the rest in assessment; replace with your own "
    "funnel timings",
)
MONTHS_APPLICATION_TO_APPROVAL = SourcedFigure(
    round(281.0 / 30.4375 - 2.0, 1),
    "months from application to approval (average)",
    "281 days enquiry to approval (Fostering Network / iMPOWER 2013) less the assumed 2 months "
    "to application",
)
LAG_SPREAD = SourcedFigure(
    0.35,
    "coefficient of variation of the enquiry-to-approval time",
    "assumption: some households are approved in 6 months, others take over a year; no national "
    "distribution is published",
)

# --- retention ---------------------------------------------------------------------------------

ANNUAL_LEAVING_RATE_MAINSTREAM = SourcedFigure(
    0.15,
    "share of mainstream households deregistered per year",
    "Ofsted Fostering in England: 5,435 of 36,050 mainstream households deregistered in 2021-22 "
    "(15%); 5,125 of 35,005 in 2022-23 (15%); independent agencies 14-15% in 2017-19",
)
ANNUAL_LEAVING_RATE_LA_ALL = SourcedFigure(
    0.23,
    "share of all local authority households (incl. family and friends) deregistered per year",
    "Ofsted Fostering in England 2017-18: 6,575 of 28,710 local authority households (23%); "
    "2018-19 also 23%",
)
ANNUAL_LEAVING_RATE_KINSHIP = SourcedFigure(
    0.38,
    "share of kinship (family and friends) households deregistered per year",
    "derived: the 23% all-household and 15% mainstream local authority rates (Ofsted 2017-19) imply "
    "about 38-50% a year for family and friends households, which often end with a special "
    "guardianship order; 38% matches a service with about a third of households kinship",
)
ANNUAL_LEAVING_RATE_SPECIALIST = SourcedFigure(
    0.15,
    "share of specialist households (parent and child, teenagers, sibling groups, disabled "
    "children) deregistered per year",
    "assumption: as mainstream (Ofsted 15%); no separate national figure is published",
)

DEREGISTRATION_INITIATOR_SHARES_LA: dict[str, SourcedFigure] = {
    "carer": SourcedFigure(
        0.63,
        "share of local authority deregistrations",
        "Ofsted 2017-18: 4,165 of 6,575 initiated by the foster carer",
    ),
    "service": SourcedFigure(
        0.33,
        "share of local authority deregistrations",
        "Ofsted 2017-18: 2,195 of 6,575 initiated by the fostering service",
    ),
    "transfer": SourcedFigure(
        0.013,
        "share of local authority deregistrations",
        "Ofsted 2017-18: 85 of 6,575 to transfer to another local authority (15) or an IFA (70)",
    ),
    "unknown": SourcedFigure(
        0.019,
        "share of local authority deregistrations",
        "Ofsted 2017-18: 125 of 6,575 for an unknown reason",
    ),
}

# --- capacity ----------------------------------------------------------------------------------

APPROVED_PLACES_PER_HOUSEHOLD = SourcedFigure(
    1.85,
    "approved places per local authority household",
    "Ofsted Fostering in England 2017-19: local authority 1.83-1.87 (all agencies 2.0, IFA 2.3; "
    "mainstream 2.09 in 2024-25)",
)
OCCUPANCY = SourcedFigure(
    0.66,
    "share of approved places filled (0-1)",
    "Ofsted Fostering in England 2017-18, local authority services: 35,315 filled of 53,575 "
    "approved places (66%; all agencies 61%, IFA 53%)",
)
UNAVAILABLE_SHARE = SourcedFigure(
    0.15,
    "share of approved places not available (0-1)",
    "Ofsted Fostering in England 2017-18, local authority services: 8,040 of 53,575 places not "
    "available (carer break or pending resignation, sibling-only, staying put, investigation)",
)

# Shape of the leaving hazard over tenure, relative to the household's overall rate. Not published
# nationally: new carers leave more often in their first two years (the match with fostering is
# still being tested) and long-serving carers retire.
TENURE_SHAPE_SOURCE = (
    "assumption for the synthetic demo: relative leaving rate 1.4x in the first year, 1.15x at 1-2 "
    "years, 0.85x at 2-5 years, 0.8x at 5-10 years and 1.1x after 10 years (retirement); not a "
    "national figure"
)
TENURE_SHAPE_MULTIPLIERS: tuple[tuple[float, float], ...] = (
    (0.0, 1.4),
    (12.0, 1.15),
    (24.0, 0.85),
    (60.0, 0.8),
    (120.0, 1.1),
)
"""(tenure lower bound in months, multiplier) pairs; see :data:`TENURE_SHAPE_SOURCE`."""


def all_defaults() -> dict[str, SourcedFigure]:
    """Every scalar default by name, for documentation pages and tests."""
    return {name: value for name, value in globals().items() if isinstance(value, SourcedFigure)}
