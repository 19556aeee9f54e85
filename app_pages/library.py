"""The scenario library on the Scenario explorer: save, open, rename, delete and pick to compare.

Every action names the row the user saw: the list keeps each row's stable id and revision as it
was drawn, buttons act through callbacks on exactly that (never on whatever the list shows after a
rerun), deleting, renaming and replacing ask for confirmation first, and when someone else changed or
deleted the row meanwhile the library refuses with a plain message. Rows this version cannot read
are listed with the reason and can be deleted. Names and messages are shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages.common import CACHE_TTL
from app_pages.plain import plain
from sufficiency.errors import SufficiencyError
from sufficiency.scenario import Scenario
from sufficiency.store import Library, ScenarioStore, default_url

MESSAGE = "library_message"
DRAWN = "library_drawn"
PENDING_DELETE = "library_pending_delete"
PENDING_REPLACE = "library_pending_replace"
PENDING_RENAME = "library_pending_rename"
CHOICE = "library_choice"
NEW_NAME = "library_new_name"
COMPARE = "library_compare"
SAVE_NAME, SAVE_AUTHOR, SAVE_NOTE = "library_save_name", "library_save_author", "library_save_note"


@st.cache_resource(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def _store(url: str) -> ScenarioStore:
    """One store (and connection pool) per library address, shared by every session."""
    return ScenarioStore(url)


def open_store() -> ScenarioStore | None:
    """The library named by ``SUFFICIENCY_SCENARIO_DB`` (or the default), or None with a message."""
    try:
        return _store(default_url())
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return None


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def show_message() -> None:
    """The outcome of the last library action, once."""
    kind, text = st.session_state.pop(MESSAGE, (None, None))
    if kind == "success":
        st.success(plain(text), icon=":material/check_circle:")
    elif kind == "error":
        st.error(plain(text), icon=":material/error:")


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


# --- saving ------------------------------------------------------------------------------------


def _request_save(store: ScenarioStore, scenario_json: str, on_saved: Callable) -> None:
    """Save the scenario that was on screen; if the name is taken, ask before replacing."""
    scenario = Scenario.from_json(scenario_json)
    name = str(st.session_state.get(SAVE_NAME, "")).strip() or scenario.name
    author = str(st.session_state.get(SAVE_AUTHOR, "")).strip()
    note = str(st.session_state.get(SAVE_NOTE, ""))
    st.session_state.pop(PENDING_REPLACE, None)
    try:
        scenario = scenario.replace(name=name)
        if store.exists(name):
            existing = store.get(name)
            st.session_state[PENDING_REPLACE] = {
                "ref": existing.ref,
                "name": name,
                "who": existing.author or "someone",
                "when": _when(existing.updated_at),
                "scenario": scenario.to_json(),
                "author": author,
                "note": note,
            }
            return
        saved = store.save(scenario, author=author, note=note)
    except SufficiencyError as error:
        _say("error", str(error))
        return
    on_saved(saved.scenario)
    _say("success", f"Saved '{saved.name}'.")


def _confirm_replace(store: ScenarioStore, on_saved: Callable) -> None:
    pending = st.session_state.pop(PENDING_REPLACE, None)
    if pending is None:
        return
    try:
        saved = store.save(
            Scenario.from_json(pending["scenario"]),
            author=pending["author"],
            note=pending["note"],
            replacing=pending["ref"],
        )
    except SufficiencyError as error:
        _say("error", str(error))
        return
    on_saved(saved.scenario)
    _say("success", f"Replaced the saved '{saved.name}' with the scenario on screen.")


def _cancel(key: str) -> None:
    st.session_state.pop(key, None)


def save_panel(store: ScenarioStore, scenario: Scenario, on_saved: Callable) -> None:
    """A form to save the scenario on screen, asking before replacing one of the same name.

    ``on_saved(saved_scenario)`` runs after a save (e.g. to show the saved name on screen).
    """
    pending = st.session_state.get(PENDING_REPLACE)
    if pending:
        st.warning(
            plain(
                f"A scenario called '{pending['name']}' is already saved (by {pending['who']}, "
                f"{pending['when']}). Replace it with the scenario on screen? The saved version "
                "will be lost."
            ),
            icon=":material/warning:",
        )
        left, right, _ = st.columns([1, 1, 2])
        left.button(
            "Yes, replace it",
            key="library_replace_yes",
            type="primary",
            on_click=_confirm_replace,
            args=(store, on_saved),
        )
        right.button(
            "No, keep it", key="library_replace_no", on_click=_cancel, args=(PENDING_REPLACE,)
        )
    if st.session_state.get("library_save_for") != scenario.name:
        # A scenario opened or loaded from a link brings its own name into the form.
        st.session_state[SAVE_NAME] = scenario.name
        st.session_state["library_save_for"] = scenario.name
    with st.form("save_scenario"):
        st.text_input("Scenario name", key=SAVE_NAME, max_chars=200)
        st.text_input("Your name", key=SAVE_AUTHOR, max_chars=200)
        st.text_area("Note (why this scenario)", key=SAVE_NOTE)
        st.form_submit_button(
            "Save scenario",
            on_click=_request_save,
            args=(store, scenario.to_json(), on_saved),
        )


# --- opening, renaming, deleting -----------------------------------------------------------------


def _drawn(uid: str | None) -> dict | None:
    """The row as it was on screen when the user clicked (from the last drawing of the list)."""
    if uid is None:
        return None
    return st.session_state.get(DRAWN, {}).get(uid)


def _open(store: ScenarioStore, on_open: Callable) -> None:
    row = _drawn(st.session_state.get(CHOICE))
    if row is None:
        return
    try:
        on_open(store.load(row["ref"]))
    except SufficiencyError as error:
        _say("error", str(error))
        return
    _say("success", f"Opened '{row['name']}'.")


def _request_rename() -> None:
    row = _drawn(st.session_state.get(CHOICE))
    if row is None:
        return
    new = str(st.session_state.get(NEW_NAME, "")).strip()
    if not new:
        _say("error", "Type the new name first, then press Rename.")
        return
    st.session_state[PENDING_RENAME] = {**row, "new": new}


def _cancel_rename() -> None:
    pending = st.session_state.pop(PENDING_RENAME, None)
    if pending is not None:  # the name box was hidden while asking: give the typed name back
        st.session_state[NEW_NAME] = pending["new"]


def _confirm_rename(store: ScenarioStore) -> None:
    row = st.session_state.pop(PENDING_RENAME, None)
    if row is None:
        return
    try:
        renamed = store.rename(row["ref"], row["new"])
    except SufficiencyError as error:
        _say("error", str(error))
        return
    st.session_state[NEW_NAME] = ""
    _say("success", f"Renamed '{row['name']}' to '{renamed.name}'.")


def _request_delete() -> None:
    row = _drawn(st.session_state.get(CHOICE))
    if row is not None:
        st.session_state[PENDING_DELETE] = row


def _confirm_delete(store: ScenarioStore) -> None:
    row = st.session_state.pop(PENDING_DELETE, None)
    if row is None:
        return
    try:
        store.delete(row["ref"])
    except SufficiencyError as error:
        _say("error", str(error))
        return
    _say("success", f"Deleted '{row['name']}'.")


def manage_panel(store: ScenarioStore, library: Library, on_open: Callable) -> None:
    """The saved scenarios with Open, Rename and Delete (both confirmed), by the row on screen.

    ``on_open(scenario)`` puts an opened scenario on screen (runs in a callback).
    """
    for warning in library.warnings():
        st.warning(plain(warning), icon=":material/warning:")
    rows = [
        {
            "ref": entry.ref,
            "name": entry.name,
            "author": entry.author,
            "when": _when(entry.updated_at),
            "note": entry.note,
            "readable": True,
        }
        for entry in library.entries
    ] + [
        {
            "ref": row.ref,
            "name": row.name,
            "author": row.author,
            "when": _when(row.updated_at),
            "note": "cannot be opened by this version (see the warning above)",
            "readable": False,
        }
        for row in library.unreadable
    ]
    if not rows:
        st.caption("No saved scenarios yet.")
        st.session_state[DRAWN] = {}
        return
    st.dataframe(
        pd.DataFrame(rows)[["name", "author", "when", "note"]],
        hide_index=True,
        width="stretch",
        column_config={
            "name": "Scenario",
            "author": "Saved by",
            "when": "Saved",
            "note": "Note",
        },
    )
    # What this drawing shows, by stable id: the buttons' callbacks act on exactly this.
    drawn = {row["ref"].uid: row for row in rows}
    st.session_state[DRAWN] = drawn
    if st.session_state.get(CHOICE) not in drawn:
        st.session_state.pop(CHOICE, None)
    st.selectbox(
        "Saved scenario",
        list(drawn),
        key=CHOICE,
        format_func=lambda uid: (
            f"{drawn[uid]['name']} (saved by {drawn[uid]['author'] or 'someone'}, "
            f"{drawn[uid]['when']})"
        ),
    )
    chosen = drawn[st.session_state[CHOICE]]
    pending = st.session_state.get(PENDING_DELETE)
    if pending:
        st.warning(
            plain(
                f"Delete '{pending['name']}' (saved by {pending['author'] or 'someone'}, "
                f"{pending['when']}) from the library for everyone? This cannot be undone."
            ),
            icon=":material/delete:",
        )
        left, right, _ = st.columns([1, 1, 2])
        left.button(
            "Yes, delete it",
            key="library_delete_yes",
            type="primary",
            on_click=_confirm_delete,
            args=(store,),
        )
        right.button(
            "No, keep it", key="library_delete_no", on_click=_cancel, args=(PENDING_DELETE,)
        )
        return
    pending = st.session_state.get(PENDING_RENAME)
    if pending:
        st.warning(
            plain(
                f"Rename '{pending['name']}' (saved by {pending['author'] or 'someone'}, "
                f"{pending['when']}) to '{pending['new']}' for everyone? Colleagues will find it "
                "under the new name."
            ),
            icon=":material/edit:",
        )
        left, right, _ = st.columns([1, 1, 2])
        left.button(
            "Yes, rename it",
            key="library_rename_yes",
            type="primary",
            on_click=_confirm_rename,
            args=(store,),
        )
        right.button("No, keep the name", key="library_rename_no", on_click=_cancel_rename)
        return
    open_col, delete_col, _ = st.columns([1, 1, 2])
    open_col.button(
        "Open",
        key="library_open",
        disabled=not chosen["readable"],
        on_click=_open,
        args=(store, on_open),
        help="Put this scenario's levers on screen.",
    )
    delete_col.button("Delete", key="library_delete", on_click=_request_delete)
    name_col, rename_col = st.columns([3, 1], vertical_alignment="bottom")
    name_col.text_input("New name", key=NEW_NAME, max_chars=200)
    rename_col.button(
        "Rename",
        key="library_rename",
        disabled=not chosen["readable"],
        on_click=_request_rename,
    )


# --- comparing -------------------------------------------------------------------------------------


def compare_picker(library: Library) -> list[Scenario]:
    """Saved scenarios picked to compare with the one on screen (by stable id)."""
    entries = {entry.uid: entry for entry in library.entries}
    if COMPARE in st.session_state:
        # Rows deleted by someone else since the last drawing drop out, with a word.
        gone = [uid for uid in st.session_state[COMPARE] if uid not in entries]
        if gone:
            st.caption(
                plain(
                    f"{len(gone)} scenario(s) picked earlier were deleted from the library "
                    "meanwhile and are no longer compared."
                )
            )
            st.session_state[COMPARE] = [u for u in st.session_state[COMPARE] if u in entries]
    chosen = st.multiselect(
        "Saved scenarios to compare with the one on screen",
        list(entries),
        key=COMPARE,
        format_func=lambda uid: entries[uid].name,
    )
    return [entries[uid].scenario for uid in chosen]
