"""Plan: forecast demand meets carer supply.

- :mod:`sufficiency.plan.allocation` - demand met by in-house capacity first, overflow to IFAs and
  external residential (:func:`allocate`), plus adapters from the demand and supply models.
- :mod:`sufficiency.plan.carers_needed` - additional households, approvals and enquiries per quarter
  to reach user targets (:func:`carers_needed`).
- :mod:`sufficiency.plan.optimiser` - least-cost recruitment plan under capacity and budget limits
  (:func:`optimise_recruitment`).

Arrays passed between them are children or places shaped ``(paths, months, age bands[,
placement categories])`` in the order of :data:`sufficiency.codes.AGE_BANDS` and
:data:`sufficiency.codes.PLACEMENT_CATEGORIES`; a single mean path may drop the paths axis.
"""

from sufficiency.plan.allocation import (
    Allocation,
    allocate,
    capacity_from_projection,
    demand_array_from_frame,
    demand_from_states,
)
from sufficiency.plan.carers_needed import (
    CarersNeeded,
    RecruitmentAssumptions,
    Targets,
    assumptions_from_funnel,
    carers_needed,
)
from sufficiency.plan.optimiser import (
    Channel,
    RecruitmentPlan,
    Specialism,
    channels_from_cost_per_outcome,
    optimise_recruitment,
)

__all__ = [
    "Allocation",
    "CarersNeeded",
    "Channel",
    "RecruitmentAssumptions",
    "RecruitmentPlan",
    "Specialism",
    "Targets",
    "allocate",
    "assumptions_from_funnel",
    "capacity_from_projection",
    "carers_needed",
    "channels_from_cost_per_outcome",
    "demand_array_from_frame",
    "demand_from_states",
    "optimise_recruitment",
]
