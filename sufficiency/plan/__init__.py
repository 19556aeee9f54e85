"""Plan: forecast demand meets carer supply.

- :mod:`sufficiency.plan.allocation` - demand met by in-house capacity first, overflow to IFAs and
  external residential (:func:`allocate`).
- :mod:`sufficiency.plan.carers_needed` - additional households, approvals and enquiries per quarter
  to reach user targets (:func:`carers_needed`).
- :mod:`sufficiency.plan.optimiser` - least-cost recruitment plan under capacity and budget limits
  (:func:`optimise_recruitment`).
"""

from sufficiency.plan.allocation import Allocation, allocate, demand_array_from_frame
from sufficiency.plan.carers_needed import (
    CarersNeeded,
    RecruitmentAssumptions,
    Targets,
    carers_needed,
)
from sufficiency.plan.optimiser import Channel, RecruitmentPlan, Specialism, optimise_recruitment

__all__ = [
    "Allocation",
    "CarersNeeded",
    "Channel",
    "RecruitmentPlan",
    "Specialism",
    "RecruitmentAssumptions",
    "Targets",
    "allocate",
    "carers_needed",
    "demand_array_from_frame",
    "optimise_recruitment",
]
