"""Models fitted once per authority and the one model of the authority every run reads.

:func:`fit_models` loads (or fits) the demand model for the 903 data and builds the authority's
figures (:func:`sufficiency.authority.authority_figures`) from the same start stock and the
optional carer household and recruitment records. Every page and command gets its numbers from
the :class:`FittedModels` this returns, so no page computes the authority's figures its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.errors import SufficiencyError

DEMO_RECORDS_LABEL = "the demo authority's synthetic records"


@dataclass(frozen=True, eq=False)
class FittedModels:
    """What is known about one authority, built once and reused by every scenario run.

    Attributes
    ----------
    demand : StockFlowModel
        A fitted :class:`sufficiency.demand.stockflow.StockFlowModel`.
    is_demo : bool
        True when fitted on the synthetic demo authority (outputs are labelled as such).
    authority : str
        Name shown on reports.
    existing_carer_survival : numpy.ndarray, optional
        From :func:`carer_survival_from_records`: how today's in-house places decline as carers
        leave, from the service's own household records. None uses the yearly leaving rate.
    channels : tuple of sufficiency.plan.optimiser.Channel
        Paid marketing channels measured on the enquiry and spend records.
    figures : sufficiency.authority.AuthorityFigures, optional
        The authority's recruitment, retention and capacity figures with sources; built from the
        demand model's start stock (national figures) when not given.
    forecast_caveat : str or None
        What the demand forecast's track record says beside a chart of it
        (:func:`sufficiency.demand.track_record.forecast_caveat`, the Demand forecast page's words):
        where it did not beat carrying the last figure forward, or that it has not been checked
        (no backtest with this model); set by :func:`fit_models`. None: nothing to say (it beat
        that everywhere checked, or the models were built by hand, as in tests).
    """

    demand: Any
    is_demo: bool = False
    authority: str = ""
    existing_carer_survival: np.ndarray | None = None
    channels: tuple = ()
    figures: Any = None
    forecast_caveat: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.figures is not None and self.channels and self.figures.channels != self.channels:
            # channels given directly (e.g. in tests) replace those measured on records
            from dataclasses import replace

            object.__setattr__(
                self, "figures", replace(self.figures, channels=tuple(self.channels))
            )
        if self.figures is None:
            from sufficiency.authority import authority_figures

            figures = authority_figures(self.demand.params_.start_stock, self.origin)
            if self.channels:
                from dataclasses import replace

                figures = replace(figures, channels=tuple(self.channels))
            object.__setattr__(self, "figures", figures)

    @property
    def origin(self) -> pd.Timestamp:
        """Month end the projections start from (the last observed month)."""
        return pd.Timestamp(self.demand.params_.origin)

    @property
    def start_grid(self) -> np.ndarray:
        """Children at the start by age band x placement category."""
        return np.asarray(self.demand.params_.start_stock, dtype="float64").reshape(
            len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)
        )


def fit_models(
    data: Any = None,
    *,
    max_horizon: int = 60,
    households: Any = None,
    funnel: Any = None,
    progress: Any = None,
    records_label: str | None = None,
    is_demo: bool | None = None,
    inputs: Any = None,
) -> FittedModels:
    """Fit (or load a matching saved) demand model and build the authority's figures.

    A model saved by ``sufficiency fit`` in ``models/demand`` is reused when it was fitted on the
    same data with the same settings, so scenario runs start in well under a second. With no
    903 data the synthetic demo authority is used, with its synthetic carer household and
    recruitment records unless others are given.

    Parameters
    ----------
    data : Ssda903Data, optional
        Clean 903 data (``episodes`` and ``extract_date``).
    max_horizon : int
        Longest scenario horizon to prepare for (months); 60 matches saved models.
    households : CarerHouseholds, optional
        The service's carer household records; when given, today's carers leave as the fitted
        retention model says, and households, places and the leaving rate come from them.
    funnel : FunnelRecords, optional
        Enquiry and campaign spend records: conversion, lead time, enquiries now, cost per
        enquiry and the marketing channels come from them.
    progress : callable, optional
        Progress callback ``(done, total, message)``.
    records_label : str, optional
        How sources name the records (default: the demo's synthetic records on the demo, else
        "your records").
    is_demo : bool, optional
        True when ``data`` is the demo authority read at another extract date (``--extract-date``
        without files), so outputs are labelled synthetic. Default: ``data is None``.
    inputs : DemandInputs, optional
        ``demand_inputs(data.episodes, data.extract_date)`` when the caller already has it (the
        explorer shares it with the Demand page); computed here otherwise.
    """
    from sufficiency.authority import authority_figures
    from sufficiency.demand.pipeline import demand_inputs, forecast_caveat, last_total, load_or_fit

    demo_records = data is None
    is_demo = demo_records if is_demo is None else is_demo
    authority = ""
    if is_demo:
        from sufficiency.data.demo import DEMO_AUTHORITY_NAME

        authority = DEMO_AUTHORITY_NAME
    if data is None:
        from sufficiency.data.demo import load_demo

        data = load_demo()
        # the demo authority comes with its synthetic carer and recruitment records
        if households is None:
            from sufficiency.supply.demo_carers import load_demo_households

            households = load_demo_households()
        if funnel is None:
            from sufficiency.supply.demo_records import load_demo_funnel

            funnel = load_demo_funnel()
    if inputs is None:
        inputs = demand_inputs(data.episodes, pd.Timestamp(data.extract_date))
    params = None if max_horizon <= 60 else {"max_horizon": int(max_horizon)}
    fitted = load_or_fit(inputs, model_params=params, backtest=False, progress=progress)
    model = fitted.model
    survival = None
    if households is not None:
        survival = carer_survival_from_records(
            households, model.params_.origin, model.params_.max_horizon
        )
    label = records_label or (DEMO_RECORDS_LABEL if demo_records else "your records")
    figures = authority_figures(
        model.params_.start_stock,
        model.params_.origin,
        households=households,
        funnel=funnel,
        records_label=label,
    )
    return FittedModels(
        demand=model,
        is_demo=is_demo,
        authority=authority,
        existing_carer_survival=survival,
        channels=figures.channels,
        figures=figures,
        # a saved model brings its backtest (the demo's is committed under models/): its
        # verdict is worked out once here, not on a lever change; a fresh fit has none
        forecast_caveat=forecast_caveat(fitted.backtest, last=last_total(model)),
    )


def carer_survival_from_records(
    households: Any, origin: pd.Timestamp, horizon: int, random_state: int = 0
) -> np.ndarray:
    """Share of today's usable in-house places still available each month, by age band.

    Uses :func:`sufficiency.supply.capacity.project_capacity` (the fitted retention model by
    carer group and tenure) on the service's own household records, with no new approvals.

    Returns
    -------
    numpy.ndarray
        ``(horizon + 1, bands)``, 1.0 at month 0; bands without places take the all-ages share.
    """
    from sufficiency.supply.capacity import ALL_AGES, project_capacity

    frame = getattr(households, "households", households)
    projection = project_capacity(frame, origin, horizon, n_paths=200, random_state=random_state)
    places = projection.paths("usable_places").mean(axis=0)  # (horizon + 1, bands + all)
    bands = [projection.age_bands.index(b) for b in codes.AGE_BANDS]
    total = places[:, projection.age_bands.index(ALL_AGES)]
    if total[0] <= 0:
        raise SufficiencyError(
            "The carer household records have no approved in-house households at the forecast "
            f"start ({origin:%d %B %Y}); check the approval and deregistration dates."
        )
    by_band = places[:, bands]
    share = np.where(by_band[0] > 0, by_band / np.where(by_band[0] > 0, by_band[0], 1.0), np.nan)
    fallback = (total / total[0])[:, None]
    return np.where(np.isnan(share), fallback, share)
