"""The scenario library under several processes at once and writers killed mid-save (SIGKILL),
on a SQLite file and on a real PostgreSQL server.

What must hold: the database stays intact; every operation the library acknowledged is there
(nothing acknowledged is lost), nothing else is; refusals are this tool's messages, never a
database error. The worker processes are ``tests/store_worker.py``.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from sufficiency.scenario import Scenario
from sufficiency.store import ScenarioStore
from tests.postgres_server import create_database, postgres_server
from tests.store_worker import SHARED

REPO = Path(__file__).resolve().parents[1]
_databases = itertools.count()


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scenarios.db'}"
    return create_database(request.getfixturevalue("postgres_url"), f"busy_{next(_databases)}")


def worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_worker", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def check_integrity(url: str) -> None:
    """The database's own integrity check, and every row readable by the tool."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT uid, name FROM scenarios")).all()
    engine.dispose()
    assert len({uid for uid, _ in rows}) == len(rows)
    assert len({name for _, name in rows}) == len(rows)
    assert ScenarioStore(url).library().unreadable == ()


def test_several_processes_saving_renaming_and_deleting_at_once(database_url):
    ScenarioStore(database_url)  # create the schema once, as the explorer would on start-up
    n_workers, n_operations = 4, 40
    processes = [
        worker("mixed", database_url, f"w{i}", str(i), str(n_operations)) for i in range(n_workers)
    ]
    logs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        logs.append(out.splitlines())
    check_integrity(database_url)

    rows = {entry.name: entry.uid for entry in ScenarioStore(database_url).list()}
    # each worker's own scenarios: exactly what its acknowledged operations leave
    for i, lines in enumerate(logs):
        expected: dict[str, str] = {}
        for line in lines:
            kind, *rest = line.split()
            if kind == "save" and rest[0].startswith(f"w{i}-"):
                expected[rest[0]] = rest[1]
            elif kind == "rename":
                del expected[rest[0]]
                expected[rest[1]] = rest[2]
            elif kind == "delete" and rest[0].startswith(f"w{i}-"):
                assert expected.pop(rest[0]) == rest[1]
        mine = {name: uid for name, uid in rows.items() if name.startswith(f"w{i}-")}
        assert mine == expected, f"worker {i}"
    # the contested names: created minus deleted, by stable id; each deletion acknowledged once
    created, deleted = set(), []
    for line in itertools.chain.from_iterable(logs):
        kind, *rest = line.split()
        if rest and rest[0] in SHARED and kind == "save":
            created.add(rest[1])
        elif rest and rest[0] in SHARED and kind == "delete":
            deleted.append(rest[1])
    assert len(deleted) == len(set(deleted)), "a stale screen deleted a row twice"
    assert set(deleted) <= created
    shared_rows = {uid for name, uid in rows.items() if name in SHARED}
    assert shared_rows == created - set(deleted)
    refusals = sum(line.startswith("refused") for line in itertools.chain.from_iterable(logs))
    assert refusals > 0, "the workers never contested a name: the test proves nothing"


def read_until(process: subprocess.Popen, prefix: str, acked: list[str]) -> str:
    """Read the worker's lines until one starts with ``prefix``; collect acknowledged saves."""
    while True:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"worker ended early: {process.stderr.read()[-3000:]}")
        if line.startswith("saved "):
            acked.append(line.split()[1])
        if line.startswith(prefix):
            return line.strip()


def kill(process: subprocess.Popen, acked: list[str], in_flight: set[str]) -> None:
    """SIGKILL, then read what it printed before dying: later saves and the save under way."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    for line in process.stdout.read().splitlines():
        kind, name, *_ = line.split()
        if kind == "saved":
            acked.append(name)
            in_flight.discard(name)
        elif kind in ("start", "inside"):
            in_flight.add(name)
    process.stdout.close()
    process.stderr.close()


def check_after_kill(url: str, acked: list[str], in_flight: set[str]) -> None:
    check_integrity(url)
    store = ScenarioStore(url)
    names = set(store.names())
    missing = set(acked) - names
    assert not missing, f"acknowledged saves lost: {sorted(missing)}"
    assert names - set(acked) <= in_flight
    for name in acked:
        saved = store.get(name)
        index = int(name.rsplit("-", 1)[1])
        assert saved.scenario == Scenario(name=name, step_downs_per_year=index % 60)


def test_a_writer_killed_inside_its_save_loses_nothing_acknowledged(database_url):
    ScenarioStore(database_url)
    acked: list[str] = []
    process = worker("saver", database_url, "held", "6", "hold")
    read_until(process, "inside ", acked)
    if database_url.startswith("sqlite"):
        # the kill comes with a half-written transaction on disk: a hot rollback journal
        journal = Path(database_url.removeprefix("sqlite:///") + "-journal")
        assert journal.is_file() and journal.stat().st_size > 0
    kill(process, acked, set())
    assert acked == [f"held-{i}" for i in range(5)]
    check_after_kill(database_url, acked, in_flight=set())  # the held save must not appear
    # the library is not left locked: the next writer gets in at once
    started = time.monotonic()
    ScenarioStore(database_url, busy_timeout=10).save(Scenario(name="after the kill"))
    assert time.monotonic() - started < 5


def test_writers_killed_at_random_moments_lose_nothing_acknowledged(database_url):
    ScenarioStore(database_url)
    rng = random.Random(12)
    acked: list[str] = []
    in_flight: set[str] = set()
    for round_ in range(4):
        process = worker("saver", database_url, f"r{round_}", "1000")
        for _ in range(rng.randint(2, 6)):
            read_until(process, "saved ", acked)
        started = read_until(process, "start ", acked)
        in_flight.add(started.split()[1])
        time.sleep(rng.random() * 0.05)
        kill(process, acked, in_flight)
        check_after_kill(database_url, acked, in_flight)
    assert len(acked) >= 8
