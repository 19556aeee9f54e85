"""Scenario library on a real SQLite file and a real PostgreSQL server: save, load, list, rename,
delete by stable id, unreadable rows, schema migrations from an old library, locks, errors.

Several processes at once and writers killed mid-save: ``test_store_concurrency.py``."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from sufficiency.errors import SufficiencyError
from sufficiency.scenario import SCHEMA_VERSION, Scenario
from sufficiency.store import ENV_VAR, EntryRef, ScenarioStore, default_url
from tests.postgres_server import create_database, postgres_server

_databases = itertools.count()


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        (tmp_path / "library").mkdir()
        return f"sqlite:///{tmp_path / 'library' / 'scenarios.db'}"
    server = request.getfixturevalue("postgres_url")
    return create_database(server, f"library_{next(_databases)}")


@pytest.fixture
def store(database_url):
    return ScenarioStore(database_url)


def test_save_and_load_round_trip_with_metadata(store, tmp_path):
    scenario = Scenario(name="push", step_downs_per_year=10, approvals_per_quarter={"teenagers": 3})
    saved = store.save(scenario, author="A. Commissioner", note="for cabinet")
    if store.url.startswith("sqlite"):
        assert (tmp_path / "library" / "scenarios.db").is_file()
    assert saved.scenario == scenario
    assert saved.author == "A. Commissioner" and saved.note == "for cabinet"
    assert saved.fingerprint == scenario.fingerprint()
    assert saved.created_at.tzinfo is not None
    assert abs(saved.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # a fresh connection to the same database sees it
    again = ScenarioStore(store.url)
    assert again.load("push") == scenario


def test_names_are_unique_unless_overwriting(store):
    store.save(Scenario(name="a"))
    with pytest.raises(SufficiencyError, match="already saved"):
        store.save(Scenario(name="a", step_downs_per_year=3))
    first = store.get("a")
    updated = store.save(Scenario(name="a", step_downs_per_year=3), overwrite=True, note="v2")
    assert updated.scenario.step_downs_per_year == 3
    assert updated.created_at == first.created_at
    assert updated.updated_at >= first.updated_at
    assert store.names() == ["a"]


def test_list_rename_delete(store):
    store.save(Scenario(name="one"))
    store.save(Scenario(name="two", step_downs_per_year=2))
    assert sorted(s.name for s in store.list()) == ["one", "two"]
    renamed = store.rename("two", "three")
    assert renamed.scenario.name == "three"
    assert renamed.scenario.step_downs_per_year == 2
    assert store.names() == ["one", "three"]
    with pytest.raises(SufficiencyError, match="already saved"):
        store.rename("one", "three")
    store.delete("one")
    assert store.names() == ["three"]


def test_missing_names_give_clear_errors(store):
    store.save(Scenario(name="kept"))
    for action in (store.load, store.delete, lambda n: store.rename(n, "x")):
        with pytest.raises(SufficiencyError, match="No saved scenario is called 'gone'.*kept"):
            action("gone")


def test_default_location_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "team.db"))
    assert default_url() == f"sqlite:///{tmp_path / 'team.db'}"
    store = ScenarioStore()
    store.save(Scenario(name="shared"))
    assert (tmp_path / "team.db").is_file()
    monkeypatch.setenv(ENV_VAR, "sqlite:///" + str(tmp_path / "url.db"))
    assert ScenarioStore().names() == []


def test_unreachable_database_is_a_plain_error(tmp_path):
    with pytest.raises(SufficiencyError, match="scenario library"):
        ScenarioStore("sqlite:////proc/not/allowed/x.db")


# --- stable ids: a stale screen never acts on someone else's scenario ------------------------


def test_entries_have_stable_ids_and_revisions(store):
    first = store.save(Scenario(name="a"))
    assert len(first.uid) == 32 and first.revision == 1
    renamed = store.rename(first.ref, "b")
    assert renamed.uid == first.uid and renamed.revision == 2
    replaced = store.save(Scenario(name="b", step_downs_per_year=4), replacing=renamed.ref)
    assert replaced.uid == first.uid and replaced.revision == 3
    assert store.get(replaced.ref).scenario.step_downs_per_year == 4
    # a new row with a reused name gets a new id
    store.delete(replaced.ref)
    again = store.save(Scenario(name="b"))
    assert again.uid != first.uid


def test_delete_by_a_stale_id_deletes_nothing_and_says_why(store):
    """Two screens show the same list; A deletes 'theirs', B still shows it and clicks Delete."""
    theirs = store.save(Scenario(name="theirs"), author="A")
    colleague = store.save(Scenario(name="colleague", step_downs_per_year=5), author="C")
    seen_by_b = {entry.name: entry.ref for entry in store.list()}
    store.delete(seen_by_b["theirs"])  # screen A
    with pytest.raises(SufficiencyError, match="was deleted .* after the list on your screen"):
        store.delete(seen_by_b["theirs"])  # screen B, still showing it
    assert store.names() == ["colleague"]
    assert store.get("colleague").uid == colleague.uid
    # the id of a deleted row is never handed to a new row with the same name
    store.save(Scenario(name="theirs"), author="D")
    with pytest.raises(SufficiencyError, match="was deleted"):
        store.delete(EntryRef(theirs.uid, theirs.revision))
    assert store.names() == ["colleague", "theirs"]


def test_changed_underneath_is_refused_for_delete_rename_and_overwrite(store):
    saved = store.save(Scenario(name="plan"), author="A")
    seen = saved.ref
    store.save(Scenario(name="plan", step_downs_per_year=9), author="B", overwrite=True)
    for action in (
        lambda: store.delete(seen),
        lambda: store.rename(seen, "other"),
        lambda: store.save(Scenario(name="plan", step_downs_per_year=1), replacing=seen),
        lambda: store.get(seen),
    ):
        with pytest.raises(SufficiencyError, match="'plan' was changed by B at .* UTC, after"):
            action()
    assert store.load("plan").step_downs_per_year == 9
    assert store.names() == ["plan"]


def test_overwriting_by_id_can_not_take_another_rows_name(store):
    store.save(Scenario(name="mine"))
    other = store.save(Scenario(name="other"))
    with pytest.raises(SufficiencyError, match="at the same time|already saved"):
        store.save(Scenario(name="mine", step_downs_per_year=2), replacing=other.ref)
    assert store.load("mine").step_downs_per_year == 0
    assert store.get("other").revision == 1


def test_names_are_checked(store):
    with pytest.raises(SufficiencyError, match="up to 200"):
        store.save(Scenario(name="x" * 201))
    saved = store.save(Scenario(name="ok"))
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(SufficiencyError, match="name"):
            store.rename(saved.ref, bad)
    assert store.names() == ["ok"]


# --- unreadable rows are skipped with a warning, never breaking the library ------------------


def _damage(url: str, name: str, **values) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE scenarios SET "
                + ", ".join(f"{k} = :{k}" for k in values)
                + " WHERE name = :name"
            ),
            {"name": name, **values},
        )
    engine.dispose()


def test_one_unreadable_row_is_skipped_with_a_warning(store):
    store.save(Scenario(name="good", step_downs_per_year=3))
    store.save(Scenario(name="from the future"))
    store.save(Scenario(name="damaged"))
    store.save(Scenario(name="out of range"))
    _damage(store.url, "from the future", format_version=SCHEMA_VERSION + 1)
    _damage(store.url, "damaged", json="{not json")
    _damage(store.url, "out of range", json='{"version": 1, "name": "x", "horizon_months": 9999}')
    library = store.library()
    assert [entry.name for entry in library.entries] == ["good"]
    reasons = {row.name: row.reason for row in library.unreadable}
    assert "newer version of sufficiency" in reasons["from the future"]
    assert "not valid JSON" in reasons["damaged"]
    assert "horizon" in reasons["out of range"]
    warnings = library.warnings()
    assert len(warnings) == 3 and all("left out of the list" in w for w in warnings)
    assert store.names() == ["good"]
    assert store.load("good").step_downs_per_year == 3
    with pytest.raises(SufficiencyError, match="cannot be opened by this version"):
        store.load("damaged")
    # an unreadable row can still be deleted (by the id on screen), and the rest is untouched
    for row in library.unreadable:
        assert store.delete(row.ref) == row.name
    assert store.library().unreadable == ()
    assert store.names() == ["good"]


# --- schema versions and migrations ------------------------------------------------------------


def _legacy_library(url: str) -> None:
    """A library exactly as the store wrote it before schema versions existed (create_all)."""
    legacy = sa.MetaData()
    table = sa.Table(
        "scenarios",
        legacy,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("author", sa.String(200), nullable=False, default=""),
        sa.Column("note", sa.Text, nullable=False, default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("format_version", sa.Integer, nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("json", sa.Text, nullable=False),
    )
    engine = sa.create_engine(url)
    legacy.create_all(engine)
    when = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    with engine.begin() as connection:
        for i, scenario in enumerate(
            (Scenario(name="old push", step_downs_per_year=12), Scenario(name="old baseline"))
        ):
            connection.execute(
                table.insert().values(
                    name=scenario.name,
                    author="Analyst",
                    note=f"saved by the old tool {i}",
                    created_at=when,
                    updated_at=when + dt.timedelta(days=i),
                    fingerprint=scenario.fingerprint(),
                    format_version=1,
                    toml=scenario.to_toml(),
                    json=scenario.to_json(),
                )
            )
    engine.dispose()


def test_an_old_library_is_migrated_on_open_and_loses_nothing(database_url):
    _legacy_library(database_url)
    store = ScenarioStore(database_url)
    assert store.schema_version() == "0002"
    entries = {entry.name: entry for entry in store.list()}
    assert set(entries) == {"old push", "old baseline"}
    push = entries["old push"]
    assert push.scenario == Scenario(name="old push", step_downs_per_year=12)
    assert push.author == "Analyst" and push.note == "saved by the old tool 0"
    assert push.created_at == dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert push.revision == 1 and len(push.uid) == 32
    assert push.uid != entries["old baseline"].uid
    # the migrated table still refuses duplicate names and ids, and works as a new one does
    with pytest.raises(SufficiencyError, match="already saved"):
        store.save(Scenario(name="old push"))
    store.rename(push.ref, "renamed push")
    assert store.names() == ["old baseline", "renamed push"]
    engine = sa.create_engine(database_url)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE scenarios SET uid = :uid WHERE name = 'old baseline'"),
            {"uid": push.uid},
        )
    engine.dispose()
    # opening it again (another process, a newer run) finds nothing to do
    assert ScenarioStore(database_url).schema_version() == "0002"


def test_a_library_from_a_newer_tool_is_refused(database_url):
    ScenarioStore(database_url).save(Scenario(name="kept"))
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    from sufficiency import store as store_module

    store_module._migrated.discard(database_url)
    with pytest.raises(SufficiencyError, match="upgraded by a newer version.*0999"):
        ScenarioStore(database_url)


# --- locks and damaged files ---------------------------------------------------------------------


def test_a_locked_sqlite_library_gives_the_tools_own_message(tmp_path):
    path = tmp_path / "scenarios.db"
    store = ScenarioStore(path, busy_timeout=0.5)
    store.save(Scenario(name="kept"))
    other_program = sqlite3.connect(path, isolation_level=None)
    other_program.execute("BEGIN EXCLUSIVE")
    try:
        for action in (
            lambda: store.save(Scenario(name="new")),
            lambda: store.list(),
            lambda: store.delete("kept"),
        ):
            started = time.monotonic()
            with pytest.raises(SufficiencyError, match="locked by another program") as caught:
                action()
            assert time.monotonic() - started < 10
            assert "OperationalError" not in str(caught.value)
    finally:
        other_program.execute("ROLLBACK")
        other_program.close()
    assert store.names() == ["kept"]
    store.save(Scenario(name="new"))  # works again once released


def test_a_writer_waits_for_a_short_lock_instead_of_failing(tmp_path):
    path = tmp_path / "scenarios.db"
    store = ScenarioStore(path, busy_timeout=20)
    other_program = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other_program.execute("BEGIN EXCLUSIVE")

    release = threading.Timer(1.0, lambda: other_program.execute("ROLLBACK"))
    release.start()
    try:
        store.save(Scenario(name="after the wait"))
    finally:
        release.join()
        other_program.close()
    assert store.names() == ["after the wait"]


def test_a_locked_postgresql_library_gives_the_tools_own_message(postgres_url):
    url = create_database(postgres_url, f"locked_{next(_databases)}")
    store = ScenarioStore(url, busy_timeout=0.5)
    store.save(Scenario(name="kept"))
    engine = sa.create_engine(url)
    with engine.connect() as other_program:
        other_program.exec_driver_sql("LOCK TABLE scenarios IN ACCESS EXCLUSIVE MODE")
        for action in (lambda: store.save(Scenario(name="new")), lambda: store.list()):
            with pytest.raises(SufficiencyError, match="locked by another program"):
                action()
        other_program.rollback()
    engine.dispose()
    assert store.names() == ["kept"]


def test_a_file_that_is_not_a_library_is_a_plain_error(tmp_path):
    path = tmp_path / "scenarios.db"
    path.write_bytes(b"this is a spreadsheet, not a database" * 200)
    with pytest.raises(SufficiencyError, match="not a readable scenario library"):
        ScenarioStore(path)
