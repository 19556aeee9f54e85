"""AppTest: the scenario library component (app_pages/library.py) with two sessions on one
library, as two colleagues would use it: stale screens never delete, rename or replace someone
else's scenario, deleting, renaming and replacing ask first, unreadable rows are skipped with a
warning, names are shown as plain text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from sufficiency.scenario import Scenario
from sufficiency.store import ENV_VAR, ScenarioStore


def library_page() -> None:
    """A page with just the library: the scenario on screen is in session state."""
    import streamlit as st

    from app_pages import library
    from sufficiency.scenario import Scenario

    if "scenario" not in st.session_state:
        st.session_state["scenario"] = Scenario(name="on screen", step_downs_per_year=7)

    def put_on_screen(scenario):
        st.session_state["scenario"] = scenario

    store = library.open_store()
    library.show_message()
    library.save_panel(store, st.session_state["scenario"], put_on_screen)
    library.manage_panel(store, store.library(), on_open=put_on_screen)
    chosen = library.compare_picker(store.library())
    st.write(f"comparing {len(chosen)}")


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "scenarios.db"
    monkeypatch.setenv(ENV_VAR, str(path))
    return ScenarioStore(path)


def session() -> AppTest:
    app = AppTest.from_function(library_page, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def choose(app: AppTest, name: str, store: ScenarioStore) -> None:
    uid = store.get(name).uid
    app.selectbox(key="library_choice").set_value(uid).run()
    assert not app.exception, app.exception


def messages(app: AppTest) -> str:
    return " | ".join(e.value for e in [*app.error, *app.success, *app.warning])


def test_a_stale_screen_never_deletes_someone_elses_scenario(store):
    store.save(Scenario(name="theirs"), author="A")
    store.save(Scenario(name="colleague", step_downs_per_year=5), author="C")
    screen_a, screen_b = session(), session()
    choose(screen_a, "theirs", store)
    choose(screen_b, "theirs", store)

    # A deletes 'theirs': asked first, then done
    button(screen_a, "Delete").click().run()
    assert "Delete 'theirs'" in messages(screen_a).replace("\\", "")
    assert store.names() == ["colleague", "theirs"]  # nothing happens before confirming
    button(screen_a, "Yes, delete it").click().run()
    assert "Deleted 'theirs'" in messages(screen_a).replace("\\", "")
    assert store.names() == ["colleague"]

    # B still shows 'theirs' and deletes it too: refused, the colleague's scenario is untouched
    button(screen_b, "Delete").click().run()
    assert "Delete 'theirs'" in messages(screen_b).replace("\\", "")
    button(screen_b, "Yes, delete it").click().run()
    assert not screen_b.exception
    text = messages(screen_b).replace("\\", "")
    assert "was deleted" in text and "nothing was deleted" in text, text
    assert store.names() == ["colleague"]
    assert store.load("colleague").step_downs_per_year == 5


def test_deleting_can_be_called_off(store):
    store.save(Scenario(name="keep me"))
    app = session()
    button(app, "Delete").click().run()
    button(app, "No, keep it").click().run()
    assert store.names() == ["keep me"]
    assert not any(b.label == "Yes, delete it" for b in app.button)


def test_saving_over_a_name_asks_and_refuses_if_it_changed_meanwhile(store):
    store.save(Scenario(name="on screen"), author="A")
    app = session()
    app.text_input(key="library_save_author").set_value("B")
    next(b for b in app.button if b.label == "Save scenario").click().run()
    text = messages(app).replace("\\", "")
    assert "already saved (by A" in text and "Replace it" in text, text
    assert store.load("on screen").step_downs_per_year == 0

    # meanwhile A saves a newer version: B's replace is refused, A's version kept
    store.save(Scenario(name="on screen", step_downs_per_year=1), author="A", overwrite=True)
    button(app, "Yes, replace it").click().run()
    text = messages(app).replace("\\", "")
    assert "was changed by A" in text, text
    assert store.load("on screen").step_downs_per_year == 1

    # asked again, B replaces it
    next(b for b in app.button if b.label == "Save scenario").click().run()
    button(app, "Yes, replace it").click().run()
    assert "Replaced the saved 'on screen'" in messages(app).replace("\\", "")
    saved = store.get("on screen")
    assert saved.scenario.step_downs_per_year == 7 and saved.author == "B"


def test_rename_and_open_by_the_row_on_screen(store):
    store.save(Scenario(name="draft", step_downs_per_year=3))
    app = session()
    app.text_input(key="library_new_name").set_value("final")
    button(app, "Rename").click().run()
    assert "Rename 'draft'" in messages(app).replace("\\", "") and store.names() == ["draft"]
    button(app, "No, keep the name").click().run()
    assert store.names() == ["draft"]
    assert app.text_input(key="library_new_name").value == "final"  # the typed name is kept
    button(app, "Rename").click().run()
    button(app, "Yes, rename it").click().run()
    assert store.names() == ["final"]
    choose(app, "final", store)
    button(app, "Open").click().run()
    assert app.session_state["scenario"].step_downs_per_year == 3
    assert "Opened 'final'" in messages(app).replace("\\", "")


def test_a_stale_screen_never_renames_or_deletes_a_row_changed_underneath(store):
    store.save(Scenario(name="draft", step_downs_per_year=3), author="A")
    screen_a, screen_b = session(), session()
    choose(screen_a, "draft", store)
    choose(screen_b, "draft", store)

    # B asks to delete 'draft'; before B confirms, A renames it: B's delete is refused
    button(screen_b, "Delete").click().run()
    screen_a.text_input(key="library_new_name").set_value("final")
    button(screen_a, "Rename").click().run()
    button(screen_a, "Yes, rename it").click().run()
    assert "Renamed 'draft' to 'final'" in messages(screen_a).replace("\\", "")
    button(screen_b, "Yes, delete it").click().run()
    assert not screen_b.exception
    text = messages(screen_b).replace("\\", "")
    assert "'final' was changed by A" in text and "not deleted" in text, text
    assert store.names() == ["final"]

    # B asks to rename what its screen now shows ('final'); A renames it first: refused
    screen_b.text_input(key="library_new_name").set_value("mine")
    button(screen_b, "Rename").click().run()
    screen_a.text_input(key="library_new_name").set_value("final v2")
    button(screen_a, "Rename").click().run()
    button(screen_a, "Yes, rename it").click().run()
    button(screen_b, "Yes, rename it").click().run()
    assert not screen_b.exception
    text = messages(screen_b).replace("\\", "")
    assert "'final v2' was changed by A" in text and "not renamed" in text, text
    assert store.names() == ["final v2"]
    assert store.load("final v2").step_downs_per_year == 3

    # redrawn, B acts on the row as it is now
    choose(screen_b, "final v2", store)
    button(screen_b, "Open").click().run()
    assert screen_b.session_state["scenario"].step_downs_per_year == 3


def test_one_unreadable_row_is_skipped_with_a_warning_and_can_be_deleted(store):
    store.save(Scenario(name="good"))
    store.save(Scenario(name="newer"))
    engine = sa.create_engine(store.url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE scenarios SET format_version = 9 WHERE name='newer'"))
    engine.dispose()
    app = session()
    assert not app.exception
    assert any("newer version of sufficiency" in w.value.replace("\\", "") for w in app.warning)
    choose_uid = next(row.uid for row in store.library().unreadable)
    app.selectbox(key="library_choice").set_value(choose_uid).run()
    assert button(app, "Open").disabled
    button(app, "Delete").click().run()
    button(app, "Yes, delete it").click().run()
    assert store.library().unreadable == ()
    assert store.names() == ["good"]


def test_names_from_the_library_are_plain_text(store):
    hostile = "[click me](https://example.invalid) ![x](https://example.invalid/x.png) :red[big]"
    store.save(Scenario(name=hostile))
    app = session()
    choose(app, hostile, store)
    button(app, "Delete").click().run()
    warning = next(w.value for w in app.warning if "Delete" in w.value)
    assert "](" not in warning and "\\[click me\\]" in warning and "https:" not in warning
    assert ":red[" not in warning
