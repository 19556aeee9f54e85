"""Scenarios: a validated, immutable set of levers, and running one into a :class:`ScenarioResult`.

A :class:`Scenario` covers every lever a commissioner, fostering manager or finance officer can
pull: entries by age band (edge-of-care work), step-downs from external residential to fostering,
recruitment (approvals per quarter by carer type, or marketing spend by channel), conversion and
retention improvements, new or closing in-house children's homes, unit costs and inflation, and
targets with dates. :data:`LEVERS` documents each lever's unit, bounds, default and source.

Scenarios round-trip through TOML, JSON and a versioned URL query string, and
:meth:`Scenario.fingerprint` gives a stable hash of everything that changes the results.

:func:`run` is a pure function of (data, fitted models, scenario, seed): demand levers are applied
to the fitted stock-flow model's parameters (no refit), foster-carer households are projected from
recruitment and retention, demand is allocated to in-house capacity first, and the resulting
placements are costed by financial year against the baseline.

Modules: :mod:`~sufficiency.scenario.levers` (units, bounds, defaults and sources),
:mod:`~sufficiency.scenario.value` (the :class:`Scenario` value and its validation),
:mod:`~sufficiency.scenario.serialise` and :mod:`~sufficiency.scenario.migrate` (TOML, JSON,
share links; older formats), :mod:`~sufficiency.scenario.models` (the authority's fitted models
and figures), :mod:`~sufficiency.scenario.supply` (carers), :mod:`~sufficiency.scenario.solve`
(targets into plans), :mod:`~sufficiency.scenario.engine` (running one) and
:mod:`~sufficiency.scenario.compare`.
Import from this package: ``from sufficiency.scenario import Scenario, run``.
"""

from sufficiency.scenario.compare import compare
from sufficiency.scenario.engine import (
    INVESTMENT_LABELS,
    RECRUITMENT_CATEGORY,
    Projection,
    ScenarioResult,
    _project,
    baseline_of,
    project,
    run,
)
from sufficiency.scenario.levers import (
    CARER_TYPE_BANDS,
    CARER_TYPES,
    CHANNELS,
    LEVERS,
    SCHEMA_VERSION,
    Lever,
)
from sufficiency.scenario.models import FittedModels, carer_survival_from_records, fit_models
from sufficiency.scenario.value import AUTHORITY_LEVERS, ChildrensHome, Scenario

__all__ = [
    "AUTHORITY_LEVERS",
    "CARER_TYPES",
    "CARER_TYPE_BANDS",
    "CHANNELS",
    "INVESTMENT_LABELS",
    "LEVERS",
    "RECRUITMENT_CATEGORY",
    "SCHEMA_VERSION",
    "ChildrensHome",
    "FittedModels",
    "Lever",
    "Projection",
    "Scenario",
    "ScenarioResult",
    "_project",
    "baseline_of",
    "carer_survival_from_records",
    "compare",
    "fit_models",
    "project",
    "run",
]
