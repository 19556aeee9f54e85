"""Scenario library on a real SQLite file and a real PostgreSQL server: save, load, list, rename,
delete, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from sufficiency.errors import SufficiencyError
from sufficiency.scenario import Scenario
from sufficiency.store import ENV_VAR, ScenarioStore, default_url
from tests.postgres_server import postgres_server


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield ScenarioStore(tmp_path / "library" / "scenarios.db")
        return
    library = ScenarioStore(request.getfixturevalue("postgres_url"))
    yield library
    for entry in library.list():
        library.delete(entry.name)


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
