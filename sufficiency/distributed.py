"""Scenario sweeps on a local Dask cluster.

A sweep runs one scenario many times with one lever stepped through a list of values ("what do 0,
2, 4 ... 12 mainstream approvals a quarter buy us?"). Each run is independent, so the runs are
spread over the worker processes of a :class:`dask.distributed.LocalCluster` on this machine (one
per core by default). The cluster, and its status page, listen on the loopback address only:
nothing leaves the machine. The fitted models are sent to each worker once, not with every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report
from sufficiency.scenario import FittedModels, Scenario, ScenarioResult, compare, run


@contextmanager
def local_client(n_workers: int | None = None, threads_per_worker: int = 1) -> Iterator[Any]:
    """A Dask client on a new local cluster of worker processes, closed on exit.

    Parameters
    ----------
    n_workers : int, optional
        Worker processes; default one per CPU core.
    threads_per_worker : int
        Threads in each worker; 1 because a scenario run is numpy-bound.
    """
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=threads_per_worker,
        processes=True,
        host="127.0.0.1",
        # Dask always serves a status page; a random loopback port avoids clashes.
        dashboard_address="127.0.0.1:0",
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def run_scenarios(
    scenarios: Sequence[Scenario],
    models: FittedModels,
    *,
    client: Any,
    random_state: int | None = 0,
    progress: ProgressCallback | None = None,
) -> list[ScenarioResult]:
    """Run scenarios on the cluster behind ``client``; results come back in the given order.

    Every run uses the same seed, so differences between results are the levers' effect.
    """
    from dask.distributed import as_completed

    shared_models = client.scatter(models, broadcast=True)
    futures = [
        client.submit(run, scenario, None, shared_models, random_state, pure=False)
        for scenario in scenarios
    ]
    for done, _future in enumerate(as_completed(futures), start=1):
        report(progress, done, len(futures), f"{done} of {len(futures)} scenarios run")
    return client.gather(futures)


def swept_scenarios(base: Scenario, lever: str, values: Sequence[float]) -> list[Scenario]:
    """Copies of ``base`` with one lever set to each value.

    Parameters
    ----------
    base : Scenario
    lever : str
        A numeric lever such as ``step_downs_per_year``, or one entry of a mapping lever written
        ``approvals_per_quarter.mainstream`` or ``entries_change_pct.10-15``.
    values : sequence of float
        The values to try, in the lever's own unit.

    Raises
    ------
    SufficiencyError
        For an unknown lever or a value outside the lever's allowed range.
    """
    if len(values) < 2:
        raise SufficiencyError("Give at least two values to sweep the lever over.")
    field, _, key = lever.partition(".")
    if not hasattr(base, field) or field in ("name", "description", "homes"):
        raise SufficiencyError(
            f"'{lever}' is not a lever that can be swept. Use a numeric lever such as "
            "step_downs_per_year, or a mapping entry such as approvals_per_quarter.mainstream."
        )
    current = getattr(base, field)
    if isinstance(current, tuple) != bool(key):
        raise SufficiencyError(
            f"'{field}' {'needs' if isinstance(current, tuple) else 'takes no'} an entry name: "
            + (
                f"write it as {field}.NAME (for example {field}.mainstream)."
                if isinstance(current, tuple)
                else f"write it as {field}."
            )
        )
    scenarios = []
    for value in values:
        change = {**dict(current), key: float(value)} if key else float(value)
        scenarios.append(base.replace(name=f"{lever} = {value:g}", **{field: change}))
    return scenarios


def sweep(
    base: Scenario,
    lever: str,
    values: Sequence[float],
    models: FittedModels,
    *,
    client: Any,
    random_state: int | None = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Headline results for each value of one lever, run in parallel on the cluster.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``lever``, ``value`` and the headline columns of
        :func:`sufficiency.scenario.compare` (children at the end, IFA share at the end in %, in-house
        households at the end, total cost and investment in £, payback month).
    """
    scenarios = swept_scenarios(base, lever, values)
    results = run_scenarios(
        scenarios, models, client=client, random_state=random_state, progress=progress
    )
    headline = compare(results)["headline"]
    headline.insert(0, "value", [float(v) for v in values])
    headline.insert(0, "lever", lever)
    return headline.drop(columns="scenario").reset_index(drop=True)
