"""SSDA903 code lists, placement categories and DfE age bands.

The code lists follow the DfE SSDA903 guidance and the public 903 validator, including the
2024/25 return (K3 registered supported accommodation, Z1 "other") and legacy codes that still
appear in older extracts (Q1/Q2 foster placements, A1/A2 adoption placements).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AGE_BANDS: tuple[str, ...] = ("under 1", "1-4", "5-9", "10-15", "16-17")
"""DfE age bands, youngest first. Lower bounds in whole years: 0, 1, 5, 10, 16."""

AGE_BAND_LOWER_YEARS: tuple[int, ...] = (0, 1, 5, 10, 16)

IN_HOUSE_FOSTERING = "in-house fostering"
IFA_FOSTERING = "IFA fostering"
OTHER_LA_FOSTERING = "other LA / public fostering"
KINSHIP_FOSTERING = "kinship fostering"
IN_HOUSE_RESIDENTIAL = "in-house residential"
EXTERNAL_RESIDENTIAL = "external residential"
SECURE = "secure"
SUPPORTED = "supported / semi-independent"
WITH_PARENTS = "placed with parents"
FOR_ADOPTION = "placed for adoption"
OTHER = "other"

PLACEMENT_CATEGORIES: tuple[str, ...] = (
    IN_HOUSE_FOSTERING,
    IFA_FOSTERING,
    OTHER_LA_FOSTERING,
    KINSHIP_FOSTERING,
    IN_HOUSE_RESIDENTIAL,
    EXTERNAL_RESIDENTIAL,
    SECURE,
    SUPPORTED,
    WITH_PARENTS,
    FOR_ADOPTION,
    OTHER,
)
"""Placement categories the users reason in, in display order."""

FOSTERING_CATEGORIES: tuple[str, ...] = (
    IN_HOUSE_FOSTERING,
    IFA_FOSTERING,
    OTHER_LA_FOSTERING,
    KINSHIP_FOSTERING,
)
"""Every foster placement, as councils count them ("foster placements" includes family and friends)."""
NON_KINSHIP_FOSTERING_CATEGORIES: tuple[str, ...] = (
    IN_HOUSE_FOSTERING,
    IFA_FOSTERING,
    OTHER_LA_FOSTERING,
)
"""Foster placements with carers who are not relatives or friends of the child."""
RESIDENTIAL_CATEGORIES: tuple[str, ...] = (IN_HOUSE_RESIDENTIAL, EXTERNAL_RESIDENTIAL)

PLACEMENT_CATEGORY_DESCRIPTIONS: dict[str, str] = {
    IN_HOUSE_FOSTERING: "Foster care with the council's own carers (PLACE U4-U6, provider PR1).",
    IFA_FOSTERING: "Foster care bought from an independent fostering agency (U4-U6, PR4/PR5).",
    OTHER_LA_FOSTERING: (
        "Foster care provided by another council or a public body (U4-U6, PR2/PR3): bought in, "
        "but not an IFA placement."
    ),
    KINSHIP_FOSTERING: "Foster care with a relative or friend (connected carer, U1-U3).",
    IN_HOUSE_RESIDENTIAL: "The council's own children's homes and residential settings (PR1).",
    EXTERNAL_RESIDENTIAL: "Children's homes, residential schools and similar bought in (PR2-PR5).",
    SECURE: "Secure children's homes (K1).",
    SUPPORTED: "Semi-independent, supported accommodation and independent living (H5, K3, P2).",
    WITH_PARENTS: "Placed with parents or others with parental responsibility (P1).",
    FOR_ADOPTION: "Placed for adoption (A3-A6, legacy A1/A2).",
    OTHER: "Health, custody, family centres, temporary and other placements.",
}

# --- code lists -----------------------------------------------------------------------------

RNE_CODES: dict[str, str] = {
    "S": "Started to be looked after",
    "L": "Change of legal status only",
    "P": "Change of placement and carer(s) only",
    "T": "Change of placement only, same carer(s)",
    "B": "Change of legal status and placement and carer(s) at the same time",
    "U": "Change of legal status and change of placement, same carer(s)",
}

LS_CODES: dict[str, str] = {
    "C1": "Interim care order",
    "C2": "Full care order",
    "D1": "Freeing order granted",
    "E1": "Placement order granted",
    "V2": "Single period of accommodation under section 20",
    "V3": "Accommodated under an agreed series of short-term breaks (single placements)",
    "V4": "Accommodated under an agreed series of short-term breaks (multiple placements)",
    "L1": "Under police protection and in local authority accommodation",
    "L2": "Emergency protection order",
    "L3": "Under child assessment order and in local authority accommodation",
    "J1": "Remanded to local authority accommodation or youth detention accommodation",
    "J2": "Placed in local authority accommodation under PACE",
    "J3": "Sentenced to a youth rehabilitation order with residence or intensive fostering",
}
SHORT_BREAK_LEGAL_STATUSES: frozenset[str] = frozenset({"V3", "V4"})

CIN_CODES: dict[str, str] = {
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental illness or disability",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
}

PLACE_CODES: dict[str, str] = {
    "A3": "Placed for adoption with parental/guardian consent with current foster carer(s)",
    "A4": "Placed for adoption with parental/guardian consent not with current foster carer(s)",
    "A5": "Placed for adoption with placement order with current foster carer(s)",
    "A6": "Placed for adoption with placement order not with current foster carer(s)",
    "H5": "Semi-independent living accommodation not subject to children's homes regulations",
    "K1": "Secure children's home",
    "K2": "Children's home",
    "K3": "Registered supported accommodation",
    "P1": "Placed with own parent(s) or other person(s) with parental responsibility",
    "P2": "Independent living, for example in a flat, lodgings, bedsit or B&B",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS or health trust or other establishment providing medical or nursing care",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution or prison",
    "S1": "All residential schools, except where dual-registered as a school and children's home",
    "T0": "Temporary placement: all types of temporary move",
    "T1": "Temporary periods in hospital",
    "T2": "Temporary absences of the child on holiday",
    "T3": "Temporary accommodation whilst normal foster carer(s) is/are on holiday",
    "T4": "Temporary accommodation of seven days or less, for any reason, not covered above",
    "U1": "Foster placement with relative or friend, long-term fostering",
    "U2": "Foster placement with relative or friend who is also an approved adopter (FFA)",
    "U3": "Foster placement with relative or friend, not long-term or FFA",
    "U4": "Foster placement with other foster carer, long-term fostering",
    "U5": "Foster placement with other foster carer who is also an approved adopter (FFA)",
    "U6": "Foster placement with other foster carer, not long-term or FFA",
    "Z1": "Other placements (must be listed on a schedule sent to DfE with annual submission)",
}
LEGACY_PLACE_CODES: dict[str, str] = {
    "A1": "Placed for adoption with consent with current foster carer(s) (legacy)",
    "A2": "Placed for adoption with consent not with current foster carer(s) (legacy)",
    "Q1": "Foster placement with relative(s) or friend(s) (legacy)",
    "Q2": "Placement with other foster carer(s) (legacy)",
}

PLACE_PROVIDER_CODES: dict[str, str] = {
    "PR0": "Parent(s) or other person(s) with parental responsibility",
    "PR1": "Own provision (by the local authority)",
    "PR2": "Other local authority provision",
    "PR3": "Other public provision (for example a primary care trust)",
    "PR4": "Private provision",
    "PR5": "Voluntary/third sector provision",
}

REC_CODES: dict[str, str] = {
    "E11": "Adopted: application for an adoption order unopposed",
    "E12": "Adopted: consent dispensed with by the court",
    "E13": "Left care to live with parent(s), relative(s), or other person(s) with no PR",
    "E14": "Accommodation on remand ended",
    "E15": "Age assessment determined child is aged 18 or over",
    "E16": "Child moved abroad",
    "E17": "Aged 18 (or over) and remained with current carers (Staying Put)",
    "E2": "Died",
    "E3": "Care taken over by another local authority in the UK",
    "E41": "Residence order or child arrangements order granted",
    "E45": "Special guardianship order made to former foster carer(s), also relative or friend",
    "E46": "Special guardianship order made to former foster carer(s), other",
    "E47": "Special guardianship order made to carer(s), not former foster carer(s), relative",
    "E48": "Special guardianship order made to carer(s), not former foster carer(s), other",
    "E4A": "Returned home to live with parent(s), relative(s), or other person(s) with PR",
    "E4B": "Returned home to live with parent(s) etc., not part of a planned process",
    "E5": "Moved into independent living arrangement, formal support",
    "E6": "Moved into independent living arrangement, no formal support",
    "E7": "Transferred to residential care funded by adult social care",
    "E8": "Period of being looked after ceased for any other reason",
    "E9": "Sentenced to custody",
    "X1": "Episode ceases, and new episode begins on same day, for any reason",
}
LEGACY_REC_CODES: dict[str, str] = {
    "E4": "Returned home to live with parent(s) or person(s) with PR (legacy)",
    "E43": "Special guardianship order made to former foster carer(s) (legacy)",
    "E44": "Special guardianship order made to carer(s), other than former foster carer(s) (legacy)",
}
CONTINUING_REC = "X1"

REASON_PLACE_CHANGE_CODES: dict[str, str] = {
    "CARPL": "Change to/implementation of care plan",
    "CLOSE": "Resignation or closure of provision",
    "ALLEG": "Allegation (section 47 enquiry)",
    "STAND": "Standards of care concern",
    "APPRR": "Approval removed",
    "CREQB": "Carer requests placement end due to child's behaviour",
    "CREQO": "Carer requests placement end, other than due to child's behaviour",
    "CHILD": "Child requests placement end",
    "LAREQ": "Responsible local authority requests placement end",
    "PLACE": "Change in the status of placement only",
    "CUSTOD": "Child moves to custody",
    "OTHER": "Other",
}
CARER_SIDE_ENDINGS: frozenset[str] = frozenset({"CLOSE", "APPRR", "CREQB", "CREQO"})

SEX_CODES: dict[str, str] = {"1": "Male", "2": "Female"}

# --- exit reason groups -----------------------------------------------------------------------

EXIT_ADOPTION = "adoption"
EXIT_SGO_CAO = "SGO / child arrangements"
EXIT_RETURN_HOME = "return home"
EXIT_INDEPENDENCE = "18+ / independence"
EXIT_OTHER = "other"
EXIT_REASON_GROUPS: tuple[str, ...] = (
    EXIT_ADOPTION,
    EXIT_SGO_CAO,
    EXIT_RETURN_HOME,
    EXIT_INDEPENDENCE,
    EXIT_OTHER,
)

EXIT_NOT_RECORDED = "not recorded (missing from a later extract)"
"""Exits the reader made: an episode open at the end of one extract that a later extract no longer
shows is closed there (:data:`REC_CLOSED_MISSING`). The child left, but no reason was recorded, so
these exits are reported apart in flows and are not one of :data:`EXIT_REASON_GROUPS`. The demand
model counts them as exits (the child left care) and shares them among the reasons recorded for
similar children (:func:`share_unrecorded_exits`), rather than counting them as 'other'."""
REC_CLOSED_MISSING = "MISSING_LATER"
"""The REC the reader gives an episode it closed because a later extract no longer shows it (not a
903 code: the return recorded no reason)."""

_EXIT_GROUP_BY_REC: dict[str, str] = {
    "E11": EXIT_ADOPTION,
    "E12": EXIT_ADOPTION,
    "E41": EXIT_SGO_CAO,
    "E43": EXIT_SGO_CAO,
    "E44": EXIT_SGO_CAO,
    "E45": EXIT_SGO_CAO,
    "E46": EXIT_SGO_CAO,
    "E47": EXIT_SGO_CAO,
    "E48": EXIT_SGO_CAO,
    "E4": EXIT_RETURN_HOME,
    "E4A": EXIT_RETURN_HOME,
    "E4B": EXIT_RETURN_HOME,
    "E13": EXIT_RETURN_HOME,
    "E5": EXIT_INDEPENDENCE,
    "E6": EXIT_INDEPENDENCE,
    "E7": EXIT_INDEPENDENCE,
    "E15": EXIT_INDEPENDENCE,
    "E17": EXIT_INDEPENDENCE,
}


def exit_reason_group(rec: pd.Series, *, keep_unrecorded: bool = False) -> pd.Series:
    """Group REC codes into the five exit reason groups.

    Parameters
    ----------
    rec : pandas.Series
        Upper-case REC codes. ``X1`` (episode continues) and missing values map to missing.
    keep_unrecorded : bool
        Give exits the reader closed (:data:`REC_CLOSED_MISSING`) their own label,
        :data:`EXIT_NOT_RECORDED`, instead of 'other'.

    Returns
    -------
    pandas.Series
        One of :data:`EXIT_REASON_GROUPS` (or :data:`EXIT_NOT_RECORDED`), or missing where the
        episode did not end a period of care.
    """
    codes = rec.astype("string").str.strip().str.upper()
    grouped = codes.map(_EXIT_GROUP_BY_REC).astype("object")
    if keep_unrecorded:
        grouped = grouped.mask(codes == REC_CLOSED_MISSING, EXIT_NOT_RECORDED)
    is_exit = codes.notna() & (codes != CONTINUING_REC)
    grouped = grouped.where(~is_exit | grouped.notna(), EXIT_OTHER)
    return grouped.where(is_exit, None)


def share_unrecorded_exits(
    exits: np.ndarray, unrecorded: np.ndarray, groups: tuple[str, ...] = EXIT_REASON_GROUPS
) -> np.ndarray:
    """Add exits without a recorded reason to ``exits``, shared as the recorded reasons are.

    Parameters
    ----------
    exits : ndarray, shape (..., G)
        Exits by recorded reason group (last axis in :data:`EXIT_REASON_GROUPS` order).
    unrecorded : ndarray, shape (...)
        Exits with no recorded reason (:data:`EXIT_NOT_RECORDED`) in the same cells.
    groups : tuple of str
        The reason groups along the last axis of ``exits``.

    Returns
    -------
    ndarray, shape (..., G)
        ``exits`` plus each cell's unrecorded exits split in proportion to that cell's recorded
        reasons; a cell with none recorded uses the shares over all cells, and with no recorded
        exit anywhere they count as 'other'. Totals are kept: the exits still leave the stock.
    """
    exits = np.asarray(exits, dtype=float)
    unrecorded = np.asarray(unrecorded, dtype=float)
    if not unrecorded.any():
        return exits.copy()
    overall = exits.reshape(-1, exits.shape[-1]).sum(axis=0)
    if overall.sum() > 0:
        fallback = overall / overall.sum()
    else:
        fallback = np.zeros(exits.shape[-1])
        fallback[groups.index(EXIT_OTHER) if EXIT_OTHER in groups else -1] = 1.0
    totals = exits.sum(axis=-1, keepdims=True)
    shares = np.where(totals > 0, exits / np.where(totals > 0, totals, 1.0), fallback)
    return exits + shares * unrecorded[..., None]


# --- placement categories -------------------------------------------------------------------

_KINSHIP_PLACES = frozenset({"U1", "U2", "U3", "Q1"})
_OTHER_FOSTER_PLACES = frozenset({"U4", "U5", "U6", "Q2"})
_RESIDENTIAL_PLACES = frozenset({"K2", "R1", "P3", "S1"})
_SUPPORTED_PLACES = frozenset({"H5", "K3", "P2"})
SUPPORTED_PLACE_CODES = _SUPPORTED_PLACES
"""PLACE codes of supported / semi-independent accommodation (category ``SUPPORTED``)."""
_ADOPTION_PLACES = frozenset({"A3", "A4", "A5", "A6", "A1", "A2"})
_EXTERNAL_PROVIDERS = frozenset({"PR2", "PR3", "PR4", "PR5"})
_PUBLIC_PROVIDERS = frozenset({"PR2", "PR3"})


def placement_category_of(place: str | None, provider: str | None) -> str:
    """Placement category for one PLACE x PLACE_PROVIDER pair.

    Parameters
    ----------
    place, provider : str or None
        903 PLACE and PLACE_PROVIDER codes (any case, stray whitespace allowed).

    Returns
    -------
    str
        One of :data:`PLACEMENT_CATEGORIES`. Foster and residential placements with a missing
        provider are treated as external, the costlier assumption, so a data gap never hides spend
        (a foster placement with a missing or unknown provider counts as IFA). Foster placements
        with another council or a public body (PR2/PR3) are not IFA placements.
    """
    place = (place or "").strip().upper()
    provider = (provider or "").strip().upper()
    if place in _KINSHIP_PLACES:
        return KINSHIP_FOSTERING
    if place in _OTHER_FOSTER_PLACES:
        if provider == "PR1":
            return IN_HOUSE_FOSTERING
        return OTHER_LA_FOSTERING if provider in _PUBLIC_PROVIDERS else IFA_FOSTERING
    if place in _RESIDENTIAL_PLACES:
        return IN_HOUSE_RESIDENTIAL if provider == "PR1" else EXTERNAL_RESIDENTIAL
    if place == "K1":
        return SECURE
    if place in _SUPPORTED_PLACES:
        return SUPPORTED
    if place == "P1":
        return WITH_PARENTS
    if place in _ADOPTION_PLACES:
        return FOR_ADOPTION
    return OTHER


def placement_category(place: pd.Series, provider: pd.Series) -> pd.Series:
    """Vectorised :func:`placement_category_of` over two aligned Series."""
    pairs = pd.DataFrame({"place": place, "provider": provider}).astype("object")
    pairs = pairs.where(pairs.notna(), "")
    keys = pd.MultiIndex.from_frame(pairs)
    unique_keys = keys.unique()
    categories = pd.Series(
        [placement_category_of(p, q) for p, q in unique_keys], index=unique_keys, dtype="object"
    )
    return pd.Series(
        categories.reindex(keys).to_numpy(),
        index=place.index,
        dtype="object",
        name="placement_category",
    )


# --- age bands --------------------------------------------------------------------------------


def age_in_years(dob: pd.Series | pd.Timestamp, on: pd.Series | pd.Timestamp) -> pd.Series:
    """Completed years of age on a date (birthday counted on the day itself)."""
    dob = pd.to_datetime(dob)
    on = pd.to_datetime(on)
    dob_s = dob if isinstance(dob, pd.Series) else pd.Series([dob])
    on_s = on if isinstance(on, pd.Series) else pd.Series([on] * len(dob_s), index=dob_s.index)
    years = on_s.dt.year - dob_s.dt.year
    before_birthday = (on_s.dt.month < dob_s.dt.month) | (
        (on_s.dt.month == dob_s.dt.month) & (on_s.dt.day < dob_s.dt.day)
    )
    return years - before_birthday.astype(int)


def age_band_of_years(age_years: pd.Series | np.ndarray) -> pd.Series:
    """Map completed years of age to a DfE age band (18+ and negative ages map to missing)."""
    ages = pd.Series(np.asarray(age_years, dtype="float64"))
    index = np.searchsorted(np.array(AGE_BAND_LOWER_YEARS), ages.to_numpy(), side="right") - 1
    bands = np.array(AGE_BANDS, dtype=object)[np.clip(index, 0, len(AGE_BANDS) - 1)]
    valid = (ages >= 0) & (ages < 18)
    return pd.Series(np.where(valid, bands, None), index=ages.index, dtype="object")


def age_band(dob: pd.Series, on: pd.Series | pd.Timestamp) -> pd.Series:
    """DfE age band on a date, from date of birth.

    Parameters
    ----------
    dob : pandas.Series
        Dates of birth.
    on : pandas.Series or Timestamp
        The date(s) at which age is measured.

    Returns
    -------
    pandas.Series
        One of :data:`AGE_BANDS`, or missing for ages outside 0-17.
    """
    result = age_band_of_years(age_in_years(dob, on).to_numpy())
    result.index = dob.index
    return result


def band_start_date(dob: pd.Series, band: str) -> pd.Series:
    """The date a child with these dates of birth enters ``band`` (their birthday that year)."""
    lower = AGE_BAND_LOWER_YEARS[AGE_BANDS.index(band)]
    dob = pd.to_datetime(dob)
    return dob + pd.DateOffset(years=lower)


def is_known_code(value: str, *code_lists: dict[str, str]) -> bool:
    """True when ``value`` appears in any of the given code lists."""
    return any(value in codes for codes in code_lists)
