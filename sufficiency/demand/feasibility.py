"""Placements a forecast must never use for an age band (structural zeros), each with its source.

Two kinds of rule:

- **the law** (:data:`LEGAL_ZEROS`): since 9 September 2021 children under 16 may not be placed
  in unregulated independent or semi-independent accommodation, and registered supported
  accommodation (PLACE K3) is for 16 and 17 year olds only. Every under-16 band is therefore
  ruled out of ``supported / semi-independent`` (PLACE H5, K3, P2). Levers that would move
  children there are refused, and the stock-flow model never sends anyone there.
- **practice, from the authority's own data** (see
  :func:`sufficiency.demand.hazards.structural_zeros`): a cell nobody entered or moved into over
  the whole history (for example under-10s in children's homes, or 16-17 year olds placed for
  adoption) gets no new arrivals in a forecast. If the data show children of that age band
  staying there all the same (they reached the age while placed there), children who age into it
  may stay; if not, the cell is ruled out altogether.

Children do not only arrive by entering or moving: they grow older. :data:`AGEING_RULE` says
what happens to a child who would age into a ruled-out cell, so that every ruled-out cell holds
nobody at any month of a forecast (mean, ranges and every simulated future).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.codes import AGE_BAND_LOWER_YEARS, AGE_BANDS, SUPPORTED

SUPPORTED_MIN_AGE = 16
"""Youngest age (years) that may be placed in supported / semi-independent accommodation."""

SUPPORTED_RULE_START = pd.Timestamp("2021-09-09")
"""The day the ban on under-16s in unregulated accommodation came into force (SI 2021/161)."""

SUPPORTED_RULE_SOURCE = (
    "The Care Planning, Placement and Case Review and Children's Homes (Amendment) (England) "
    "Regulations 2021 (SI 2021/161), in force 9 September 2021: no child under 16 in "
    "accommodation that is not a children's home; the Supported Accommodation (England) "
    "Regulations 2023 (SI 2023/416): registered supported accommodation for 16 and 17 year "
    "olds only"
)

_BAND_UPPER_YEARS = (*AGE_BAND_LOWER_YEARS[1:], 18)

LEGAL_ZEROS: dict[tuple[str, str], str] = {
    (band, SUPPORTED): (
        f"children aged {band} cannot be placed in supported / semi-independent accommodation "
        f"(under {SUPPORTED_MIN_AGE}s are unlawful there since 9 September 2021: "
        f"{SUPPORTED_RULE_SOURCE})"
    )
    for band, upper in zip(AGE_BANDS, _BAND_UPPER_YEARS, strict=True)
    if upper <= SUPPORTED_MIN_AGE
}
"""(age band, placement category) -> why the law rules the cell out, with the source."""


AGEING_RULE = (
    "A child who reaches an age at which their placement is ruled out (by the law, or because no "
    "child of that age entered, moved into or stayed in it in the authority's data) leaves that "
    "placement in the month of the birthday, the way children of the age before leave it: out of "
    "care, by exit reason, or to another placement, in proportion to the authority's own monthly "
    "exit rates (by reason) and move rate for that placement at that age; movers go where the "
    "new age band's moves out of that placement go. For children placed for adoption who reach "
    "an age nobody placed for adoption reached in the data, this is mostly an adoption order "
    "(the demo authority's rates at 15: 78% adopted, 10% other exits, 12% moves), the usual end "
    "of a placement for adoption; an adoption order cannot be applied for once a child is 18 "
    "(Adoption and Children Act 2002, s.49(4); no order once 19, s.47(9))."
)
"""What the forecast does with children who would age into a ruled-out cell, and why."""


def ruled_out_by_law(age_band: str, category: str) -> str | None:
    """Why the law rules out placing a child of ``age_band`` in ``category``; None when allowed."""
    return LEGAL_ZEROS.get((age_band, category))


def legal_zero_mask(
    age_bands: tuple[str, ...] = AGE_BANDS, categories: tuple[str, ...] | None = None
) -> np.ndarray:
    """Boolean ``(bands, categories)`` array, True where the law rules the cell out."""
    from sufficiency.codes import PLACEMENT_CATEGORIES

    cats = categories if categories is not None else PLACEMENT_CATEGORIES
    return np.array([[(b, c) in LEGAL_ZEROS for c in cats] for b in age_bands], dtype=bool)


def min_age_years(category: str) -> int:
    """Youngest whole age (years) the law allows in a category (0 when there is no rule)."""
    return SUPPORTED_MIN_AGE if category == SUPPORTED else 0
