"""Where the many independent pieces of work run: worker processes here, or a Dask cluster.

Forecasting every authority, backtesting at many origins and sweeping a scenario lever are made of
independent tasks. An :class:`Engine` runs a list of tasks and gives their results back in the
order given, so the numbers never depend on which engine ran them or in what order tasks finished:

* ``local`` (the default): a pool of worker processes on this machine (one per CPU core unless
  ``workers`` says otherwise; with one worker the tasks run in this process);
* ``dask``: a :class:`dask.distributed.LocalCluster` of worker processes on this machine, listening
  on the loopback address only (its status page too), or an existing cluster when a scheduler
  address is given (``tcp://host:8786``), e.g. one started with ``dask scheduler`` and
  ``dask worker tcp://host:8786`` on other machines that have this package installed.

Every task gets the same seed on every engine; worker counts and the scheduler address are checked
before anything starts.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import pandas as pd

from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report

ENGINES: tuple[str, ...] = ("local", "dask")
MAX_WORKERS = 64
"""More worker processes than this is almost certainly a typing mistake."""

_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?([A-Za-z0-9_.\-\[\]:]+):(\d{1,5})$")


def validate_workers(workers: Any) -> int | None:
    """Check a worker count before anything starts.

    Parameters
    ----------
    workers : int or None
        Worker processes; ``None`` means one per CPU core.

    Returns
    -------
    int or None
        The count, unchanged.

    Raises
    ------
    SufficiencyError
        For anything but a whole number from 1 to :data:`MAX_WORKERS`.
    """
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise SufficiencyError(
            f"--workers must be a whole number of worker processes, got '{workers}'."
        )
    if workers < 1:
        raise SufficiencyError(
            f"--workers must be 1 or more (got {workers}): it is how many worker processes run "
            f"the tasks. Leave it out to use one per CPU core ({os.cpu_count() or 1} here)."
        )
    if workers > MAX_WORKERS:
        raise SufficiencyError(
            f"--workers {workers} is more than {MAX_WORKERS} worker processes; this machine has "
            f"{os.cpu_count() or 1} CPU cores. Use a Dask cluster (--engine dask --scheduler "
            "ADDRESS) to spread work over several machines."
        )
    return workers


def validate_scheduler(address: str | None) -> str | None:
    """Check a Dask scheduler address (``tcp://host:port`` or ``host:port``)."""
    if address is None:
        return None
    text = str(address).strip()
    match = _ADDRESS.match(text)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise SufficiencyError(
            f"--scheduler '{address}' is not a Dask scheduler address; expected something like "
            "tcp://10.0.0.5:8786 (the address `dask scheduler` prints when it starts)."
        )
    return text if "://" in text else f"tcp://{text}"


def validate_engine(kind: str, workers: Any = None, scheduler: str | None = None) -> None:
    """Check an engine choice as a whole before any work starts."""
    if kind not in ENGINES:
        raise SufficiencyError(f"--engine must be one of {', '.join(ENGINES)}, got '{kind}'.")
    validate_workers(workers)
    validate_scheduler(scheduler)
    if scheduler is not None and kind != "dask":
        raise SufficiencyError("--scheduler is for --engine dask: add --engine dask.")
    if scheduler is not None and workers is not None:
        raise SufficiencyError(
            "--workers sets the size of a cluster started here; an existing cluster "
            "(--scheduler) has its own workers. Give one or the other."
        )


def _call(func: Callable, shared: Any, item: Any) -> Any:
    return func(shared, item)


class Engine:
    """Runs ``func(shared, item)`` for every item and returns the results in order.

    Attributes
    ----------
    name : str
        ``local`` or ``dask``.
    workers : int
        Worker processes available.
    startup_seconds : float
        Time taken to start the workers (reported separately from the work by the benchmarks).
    """

    name = "base"
    workers = 1
    startup_seconds = 0.0

    def map(
        self,
        func: Callable[[Any, Any], Any],
        items: Sequence[Any],
        shared: Any = None,
        *,
        progress: ProgressCallback | None = None,
        label: str = "tasks",
    ) -> list[Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} engine, {self.workers} worker(s)"


class SerialEngine(Engine):
    """Every task in this process, one after another (``local`` with one worker)."""

    name = "local"

    def map(self, func, items, shared=None, *, progress=None, label="tasks"):
        out = []
        for done, item in enumerate(items):
            report(progress, done, len(items), f"{done} of {len(items)} {label}")
            out.append(func(shared, item))
        report(progress, len(items), len(items), f"{len(items)} of {len(items)} {label}")
        return out

    def describe(self) -> str:
        return "local engine, this process only (1 worker)"


class LocalEngine(Engine):
    """A pool of worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int, preload: Sequence[str] = ()) -> None:
        started = time.perf_counter()
        # forkserver: safe to start from a process that runs threads (the explorer). Workers
        # are forked from a server that has already imported ``preload``.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        if method == "forkserver" and preload:
            context.set_forkserver_preload(["__main__", *preload])
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # Start every worker now, so start-up is not counted as work.
        list(self._pool.map(_noop, range(workers)))
        self.startup_seconds = time.perf_counter() - started

    def map(self, func, items, shared=None, *, progress=None, label="tasks"):
        from concurrent.futures import as_completed

        futures = [self._pool.submit(_call, func, shared, item) for item in items]
        for done, _ in enumerate(as_completed(futures), start=1):
            report(progress, done, len(futures), f"{done} of {len(futures)} {label}")
        return [future.result() for future in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _noop(_: Any) -> None:
    return None


def _import_all(modules: tuple[str, ...]) -> None:
    import importlib

    for module in modules:
        importlib.import_module(module)


class DaskEngine(Engine):
    """Tasks on a Dask cluster: a new LocalCluster here, or an existing one at ``scheduler``."""

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        preload: Sequence[str] = (),
    ) -> None:
        from dask.distributed import Client, LocalCluster

        started = time.perf_counter()
        self._cluster = None
        if scheduler is not None:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise SufficiencyError(
                    f"could not reach the Dask scheduler at {scheduler} within 10 seconds "
                    f"({type(error).__name__}). Check that `dask scheduler` is running there and "
                    "that this machine can reach it."
                ) from error
        else:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # Dask always serves a status page; a random loopback port avoids clashes.
                dashboard_address="127.0.0.1:0",
            )
            self.client = Client(self._cluster)
        self.workers = len(self.client.scheduler_info()["workers"])
        if preload:  # import the task code on every worker now, not inside the first tasks
            self.client.run(_import_all, tuple(preload))
        self.startup_seconds = time.perf_counter() - started

    def map(self, func, items, shared=None, *, progress=None, label="tasks"):
        from dask.distributed import as_completed

        # hash=False: a fresh key each time, so a later map never races the release of this one.
        shared_future = (
            self.client.scatter(shared, broadcast=True, hash=False) if shared is not None else None
        )
        futures = [
            self.client.submit(_call, func, shared_future, item, pure=False) for item in items
        ]
        for done, _ in enumerate(as_completed(futures), start=1):
            report(progress, done, len(futures), f"{done} of {len(futures)} {label}")
        return self.client.gather(futures)

    def describe(self) -> str:
        where = "an existing cluster" if self._cluster is None else "a local cluster"
        return f"dask engine on {where}, {self.workers} worker(s)"

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


@contextmanager
def engine(
    kind: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    preload: Sequence[str] = (),
) -> Iterator[Engine]:
    """An engine of the given kind, started on entry and stopped on exit.

    Parameters
    ----------
    kind : {'local', 'dask'}
    workers : int, optional
        Worker processes (default one per CPU core); for ``local``, 1 runs in this process.
    scheduler : str, optional
        Address of an existing Dask scheduler (``dask`` only).
    preload : sequence of str
        Modules the tasks need, imported on every worker while starting (counted in
        ``startup_seconds``, not in the work).

    Raises
    ------
    SufficiencyError
        For a bad choice (checked before anything starts) or an unreachable scheduler.
    """
    validate_engine(kind, workers, scheduler)
    scheduler = validate_scheduler(scheduler)
    if kind == "local":
        count = workers or os.cpu_count() or 1
        running: Engine = SerialEngine() if count == 1 else LocalEngine(count, preload)
    else:
        running = DaskEngine(workers, scheduler, preload)
    try:
        yield running
    finally:
        close = getattr(running, "close", None)
        if close is not None:
            close()


@contextmanager
def local_client(n_workers: int | None = None, threads_per_worker: int = 1) -> Iterator[Any]:
    """A Dask client on a new local cluster (loopback only), closed on exit."""
    with engine("dask", workers=validate_workers(n_workers)) as running:
        yield running.client


# --- scenario sweeps ----------------------------------------------------------------------------


def _run_one(models, job):
    from sufficiency.scenario import run

    scenario, random_state = job
    return run(scenario, None, models, random_state)


def run_scenarios(
    scenarios: Sequence,
    models,
    *,
    engine: Engine | None = None,
    client: Any = None,
    random_state: int | None = 0,
    progress: ProgressCallback | None = None,
) -> list:
    """Run scenarios on an engine (or a Dask ``client``); results come back in the given order.

    Every run uses the same seed, so differences between results are the levers' effect.
    """
    if engine is None:
        if client is None:
            raise SufficiencyError("run_scenarios needs an engine (or a Dask client).")
        engine = _ClientEngine(client)
    jobs = [(scenario, random_state) for scenario in scenarios]
    return engine.map(_run_one, jobs, models, progress=progress, label="scenarios run")


class _ClientEngine(DaskEngine):
    """An engine around a Dask client someone else started (and will close)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._cluster = None
        self.workers = len(client.scheduler_info()["workers"])

    def close(self) -> None:  # the owner closes it
        return None


def swept_scenarios(base, lever: str, values: Sequence[float]) -> list:
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
    base,
    lever: str,
    values: Sequence[float],
    models,
    *,
    engine: Engine | None = None,
    client: Any = None,
    random_state: int | None = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Headline results for each value of one lever, run in parallel on an engine.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``lever``, ``value`` and the headline columns of
        :func:`sufficiency.scenario.compare` (children at the end, IFA share at the end in %,
        in-house households at the end, total cost and investment in £, payback month).
    """
    from sufficiency.scenario import compare

    scenarios = swept_scenarios(base, lever, values)
    results = run_scenarios(
        scenarios,
        models,
        engine=engine,
        client=client,
        random_state=random_state,
        progress=progress,
    )
    headline = compare(results)["headline"]
    headline.insert(0, "value", [float(v) for v in values])
    headline.insert(0, "lever", lever)
    return headline.drop(columns="scenario").reset_index(drop=True)
