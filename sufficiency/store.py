"""A library of saved scenarios in a real database, safe for a team to share.

SQLite file by default (``~/.sufficiency/scenarios.db``, or ``SUFFICIENCY_SCENARIO_DB``), or any
SQLAlchemy URL (e.g. ``postgresql+psycopg://user@host/db``) so a team can share one library.
Each saved scenario keeps its author, created and updated timestamps, a note, the scenario as
TOML (readable by people) and JSON (read back by the tool), and its fingerprint.

Nothing is lost when several people use it at once:

- every row has a stable id (``uid``, never reused) and a ``revision`` that goes up at every change.
  Delete, rename and overwrite take the :class:`EntryRef` (uid + revision) the user saw, and refuse
  with a plain message when that row was changed or deleted meanwhile, instead of acting on
  whatever now has that name;
- a row the tool cannot read (a newer format, damaged JSON, a lever outside today's ranges) is
  listed apart with the reason (:attr:`Library.unreadable`) and can still be deleted; it never
  breaks listing, loading or deleting the others;
- the database schema has a version; alembic migrations (``sufficiency/migrations``) bring an older
  library up to date when it is opened, under a lock, and a library from a newer tool is refused;
- writes take the database's write lock up front (SQLite ``BEGIN IMMEDIATE``) and wait up to
  ``busy_timeout`` seconds for another writer; a library held locked longer gets this tool's own
  message, never a raw database error.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from sufficiency.errors import SufficiencyError
from sufficiency.scenario import SCHEMA_VERSION, Scenario

ENV_VAR = "SUFFICIENCY_SCENARIO_DB"
DEFAULT_BUSY_TIMEOUT = 15.0
"""Seconds to wait for another program's lock on the library before giving up with a message."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant: the PostgreSQL advisory lock held while migrating a team library.
_PG_MIGRATION_LOCK = 7_316_250_812

metadata = MetaData()

scenarios_table = Table(
    "scenarios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("revision", Integer, nullable=False),
    Column("name", String(200), nullable=False, unique=True),
    Column("author", String(200), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("format_version", Integer, nullable=False),
    Column("toml", Text, nullable=False),
    Column("json", Text, nullable=False),
)
"""The table as the newest migration leaves it (kept in step with ``migrations/versions``)."""

NAME_MAX_LENGTH = 200


def default_url() -> str:
    """``SUFFICIENCY_SCENARIO_DB`` (a URL or a file path), else a SQLite file in the home folder."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return configured if "://" in configured else f"sqlite:///{Path(configured)}"
    return f"sqlite:///{Path.home() / '.sufficiency' / 'scenarios.db'}"


class EntryRef(NamedTuple):
    """Which row, as the user saw it: its stable id and the revision on screen."""

    uid: str
    revision: int


@dataclass(frozen=True)
class SavedScenario:
    """One row of the library: the scenario plus who saved it, when and why."""

    name: str
    author: str
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime
    fingerprint: str
    scenario: Scenario
    uid: str = ""
    revision: int = 1

    @property
    def ref(self) -> EntryRef:
        """The stable id and revision to pass to :meth:`ScenarioStore.delete` and friends."""
        return EntryRef(self.uid, self.revision)


@dataclass(frozen=True)
class UnreadableEntry:
    """A saved row this version of the tool cannot open, with the reason in plain words."""

    uid: str
    revision: int
    name: str
    author: str
    updated_at: dt.datetime
    reason: str

    @property
    def ref(self) -> EntryRef:
        return EntryRef(self.uid, self.revision)


@dataclass(frozen=True)
class Library:
    """What :meth:`ScenarioStore.library` found: readable entries and the rows it skipped."""

    entries: tuple[SavedScenario, ...]
    unreadable: tuple[UnreadableEntry, ...]

    def warnings(self) -> list[str]:
        """One sentence per skipped row, naming it and saying why and what to do."""
        return [
            f"The saved scenario '{row.name}' cannot be opened by this version of the tool and "
            f"is left out of the list: {row.reason}"
            for row in self.unreadable
        ]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _when(value: dt.datetime) -> str:
    return f"{_aware(value):%Y-%m-%d %H:%M} UTC"


_migrated: set[str] = set()
_migrated_lock = threading.Lock()


class ScenarioStore:
    """Save, load, list, rename and delete scenarios.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL or a file path for SQLite; defaults to :func:`default_url`.
    busy_timeout : float
        Seconds to wait when another program holds the library locked (default
        :data:`DEFAULT_BUSY_TIMEOUT`); then a :class:`SufficiencyError` says so.

    Raises
    ------
    SufficiencyError
        When the library cannot be opened, is locked, is not a scenario library, or was written
        by a newer version of the tool.
    """

    def __init__(
        self, url: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> None:
        if url is None:
            url = default_url()
        url = str(url)
        if "://" not in url:
            url = f"sqlite:///{Path(url)}"
        self.url = url
        self.busy_timeout = float(busy_timeout)
        self.is_sqlite = url.startswith("sqlite")
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            folder = Path(url.removeprefix("sqlite:///")).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise SufficiencyError(
                    f"Could not create the folder {folder} for the scenario library "
                    f"({error.strerror}). Choose a folder you can write to, e.g. with "
                    f"{ENV_VAR}."
                ) from None
        try:
            self.engine: Engine = self._create_engine()
        except (SQLAlchemyError, ImportError, ValueError) as error:
            raise SufficiencyError(
                f"Could not open the scenario library at {self._safe_url()}: "
                f"{type(error).__name__}. Check the database address ({ENV_VAR})."
            ) from None
        self._migrate()

    # --- connections, locking and errors -------------------------------------------------------

    def _create_engine(self) -> Engine:
        if self.is_sqlite:
            engine = create_engine(self.url, connect_args={"timeout": self.busy_timeout})

            @event.listens_for(engine, "connect")
            def _connect(dbapi_connection, _record) -> None:
                # Let SQLAlchemy's "begin" event below issue BEGIN, not the sqlite3 module.
                dbapi_connection.isolation_level = None

            @event.listens_for(engine, "begin")
            def _begin(connection: Connection) -> None:
                # Writers take the write lock up front: two deferred transactions that both read
                # and then write would deadlock and fail at once instead of waiting their turn.
                write = connection.get_execution_options().get("sufficiency_write", False)
                connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

            return engine
        connect_args = {}
        if self.url.startswith("postgresql"):
            milliseconds = int(self.busy_timeout * 1000)
            connect_args = {
                "options": f"-c lock_timeout={milliseconds}",
                "connect_timeout": max(1, int(self.busy_timeout)),
            }
        return create_engine(self.url, connect_args=connect_args, pool_pre_ping=True)

    def _safe_url(self) -> str:
        """The URL with any password hidden."""
        try:
            return self.engine.url.render_as_string(hide_password=True)
        except AttributeError:
            return self.url.split("@")[-1]

    def _is_lock_error(self, error: DBAPIError) -> bool:
        text_ = str(getattr(error, "orig", error)).lower()
        code = getattr(getattr(error, "orig", None), "sqlstate", None)
        # SQLite: "database is locked" / "busy"; PostgreSQL: lock_not_available, query_canceled.
        return "locked" in text_ or "busy" in text_ or code in ("55P03", "57014")

    @contextmanager
    def _connection(self, *, write: bool, doing: str) -> Iterator[Connection]:
        """A connection in a transaction; database errors become this tool's messages."""
        try:
            with self.engine.connect() as connection:
                if write:
                    connection = connection.execution_options(sufficiency_write=True)
                with connection.begin():
                    yield connection
        except SufficiencyError:
            raise
        except DBAPIError as error:
            if isinstance(error, IntegrityError):
                raise
            if self._is_lock_error(error):
                raise SufficiencyError(
                    f"The scenario library at {self._safe_url()} is locked by another program "
                    f"(waited {self.busy_timeout:g} seconds to {doing}). Nothing was changed. "
                    "Try again in a moment; if it stays locked, close other programs using "
                    "the library or ask whoever looks after the database."
                ) from None
            raise self._database_error(error, doing) from None
        except SQLAlchemyError as error:
            raise self._database_error(error, doing) from None

    def _database_error(self, error: Exception, doing: str) -> SufficiencyError:
        detail = str(getattr(error, "orig", "")) or type(error).__name__
        if "not a database" in detail or "malformed" in detail:
            return SufficiencyError(
                f"{self._safe_url()} is not a readable scenario library (the file is not a "
                f"SQLite database, or it is damaged), so the tool could not {doing}. Point "
                f"{ENV_VAR} at another file, or restore the library from a backup."
            )
        return SufficiencyError(
            f"Could not {doing} in the scenario library at {self._safe_url()} "
            f"({type(error).__name__}: {detail.splitlines()[0] if detail else ''}). Check the "
            "database address and that you can write to it."
        )

    # --- schema versions -------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the library's schema up to date (once per process and database)."""
        with _migrated_lock:
            if self.url in _migrated and self.url != "sqlite:///:memory:":
                return
            from alembic import command
            from alembic.config import Config
            from alembic.runtime.migration import MigrationContext
            from alembic.script import ScriptDirectory

            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            script = ScriptDirectory.from_config(config)
            head = script.get_current_head()
            with self._connection(write=True, doing="open it") as connection:
                if connection.dialect.name == "postgresql":
                    # One migrator at a time; others wait here, then find nothing to do.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                    )
                current = MigrationContext.configure(connection).get_current_revision()
                if current is not None and current != head:
                    known = {rev.revision for rev in script.walk_revisions()}
                    if current not in known:
                        raise SufficiencyError(
                            f"The scenario library at {self._safe_url()} was upgraded by a newer "
                            f"version of sufficiency (schema version {current}; this version "
                            f"knows up to {head}). Update the tool to open it; nothing was "
                            "changed."
                        )
                if current != head:
                    config.attributes["connection"] = connection
                    tables = set(inspect(connection).get_table_names())
                    if current is None and "scenarios" in tables:
                        # A library from before migrations existed: the first schema version.
                        command.stamp(config, "0001")
                    command.upgrade(config, "head")
            _migrated.add(self.url)

    def schema_version(self) -> str | None:
        """The library's schema revision (alembic), e.g. ``'0002'``."""
        from alembic.runtime.migration import MigrationContext

        with self._connection(write=False, doing="read its version") as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # --- writing -------------------------------------------------------------------------------

    def save(
        self,
        scenario: Scenario,
        *,
        author: str = "",
        note: str = "",
        overwrite: bool = False,
        replacing: EntryRef | None = None,
    ) -> SavedScenario:
        """Save ``scenario`` under its name and return the saved row.

        Parameters
        ----------
        replacing : EntryRef, optional
            Overwrite exactly this row (as the user saw it): refused with a message if it was
            changed or deleted since. Its name becomes the scenario's name.
        overwrite : bool
            Replace whatever row has the scenario's name now (for scripts; the explorer uses
            ``replacing``).

        Raises
        ------
        SufficiencyError
            If the name is taken (and neither ``overwrite`` nor ``replacing`` names that row), or
            the row to replace changed meanwhile.
        """
        self._check_name(scenario.name)
        now = _now()
        values = {
            "author": str(author)[:NAME_MAX_LENGTH],
            "note": str(note),
            "updated_at": now,
            "fingerprint": scenario.fingerprint(),
            "format_version": SCHEMA_VERSION,
            "toml": scenario.to_toml(),
            "json": scenario.to_json(),
            "name": scenario.name,
        }
        try:
            with self._connection(write=True, doing=f"save '{scenario.name}'") as connection:
                if replacing is not None:
                    row = self._current(connection, replacing, "replaced")
                    connection.execute(
                        update(scenarios_table)
                        .where(scenarios_table.c.uid == replacing.uid)
                        .values(revision=replacing.revision + 1, **values)
                    )
                    return self._saved_from(row, values, replacing.revision + 1)
                existing = (
                    connection.execute(
                        select(scenarios_table).where(scenarios_table.c.name == scenario.name)
                    )
                    .mappings()
                    .first()
                )
                if existing is not None:
                    if not overwrite:
                        raise SufficiencyError(
                            f"A scenario called '{scenario.name}' is already saved (by "
                            f"{existing['author'] or 'someone'}, {_when(existing['updated_at'])})."
                            " Choose another name, or choose to replace it."
                        )
                    revision = existing["revision"] + 1
                    connection.execute(
                        update(scenarios_table)
                        .where(scenarios_table.c.uid == existing["uid"])
                        .values(revision=revision, **values)
                    )
                    return self._saved_from(existing, values, revision)
                uid = uuid.uuid4().hex
                connection.execute(
                    insert(scenarios_table).values(uid=uid, revision=1, created_at=now, **values)
                )
                return self._saved_from({"uid": uid, "created_at": now}, values, 1)
        except IntegrityError:
            raise SufficiencyError(
                f"A scenario called '{scenario.name}' was saved by someone else at the same "
                "time, so yours was not saved. Look at the library again and choose another name "
                "or replace theirs."
            ) from None

    def rename(self, entry: EntryRef | str, new: str) -> SavedScenario:
        """Rename a saved scenario (its levers keep their values; the stored name changes too).

        ``entry`` is the :class:`EntryRef` the user saw (refused if the row changed since) or,
        from scripts, the current name.
        """
        new = str(new).strip()
        self._check_name(new)
        try:
            with self._connection(write=True, doing="rename a scenario") as connection:
                row = self._current(connection, entry, "renamed")
                saved = self._read(row)
                if isinstance(saved, UnreadableEntry):
                    raise SufficiencyError(
                        f"'{row['name']}' cannot be renamed by this version of the tool: "
                        f"{saved.reason}"
                    )
                if new != row["name"] and self._name_taken(connection, new):
                    raise SufficiencyError(
                        f"A scenario called '{new}' is already saved; choose another name."
                    )
                renamed = saved.scenario.replace(name=new)
                values = {
                    "name": new,
                    "updated_at": _now(),
                    "toml": renamed.to_toml(),
                    "json": renamed.to_json(),
                    "author": row["author"],
                    "note": row["note"],
                    # re-written in today's format (an older row was migrated on reading)
                    "fingerprint": renamed.fingerprint(),
                    "format_version": SCHEMA_VERSION,
                }
                revision = row["revision"] + 1
                connection.execute(
                    update(scenarios_table)
                    .where(scenarios_table.c.uid == row["uid"])
                    .values(revision=revision, **values)
                )
                return self._saved_from(row, values, revision)
        except IntegrityError:
            raise SufficiencyError(
                f"A scenario called '{new}' was saved by someone else at the same time; choose "
                "another name."
            ) from None

    def delete(self, entry: EntryRef | str) -> str:
        """Delete a saved scenario and return its name.

        ``entry`` is the :class:`EntryRef` the user saw (refused with a message if the row was
        changed or already deleted since, so a stale screen never deletes someone else's
        scenario) or, from scripts, the current name. Unreadable rows can be deleted too.
        """
        with self._connection(write=True, doing="delete a scenario") as connection:
            row = self._current(connection, entry, "deleted")
            result = connection.execute(
                delete(scenarios_table).where(
                    scenarios_table.c.uid == row["uid"],
                    scenarios_table.c.revision == row["revision"],
                )
            )
            if result.rowcount != 1:  # pragma: no cover - the write lock makes this impossible
                raise SufficiencyError(
                    f"'{row['name']}' changed while it was being deleted; nothing was deleted."
                )
            return row["name"]

    def _current(self, connection: Connection, entry: EntryRef | str, action: str):
        """The row ``entry`` names, as it is now, checked against what the user saw."""
        if isinstance(entry, str):
            row = (
                connection.execute(select(scenarios_table).where(scenarios_table.c.name == entry))
                .mappings()
                .first()
            )
            if row is None:
                raise self._missing(connection, entry)
            return row
        uid, revision = entry
        row = (
            connection.execute(select(scenarios_table).where(scenarios_table.c.uid == uid))
            .mappings()
            .first()
        )
        if row is None:
            raise SufficiencyError(
                "That saved scenario was deleted (by someone else, or in another tab) after the "
                f"list on your screen was drawn, so nothing was {action}. Look at the library "
                "again."
            )
        if row["revision"] != revision:
            raise SufficiencyError(
                f"'{row['name']}' was changed by {row['author'] or 'someone'} at "
                f"{_when(row['updated_at'])}, after the list on your screen was drawn, so it was "
                f"not {action}. Look at it again and try again if you still want to."
            )
        return row

    @staticmethod
    def _check_name(name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise SufficiencyError("The scenario name must not be empty.")
        if len(name) > NAME_MAX_LENGTH:
            raise SufficiencyError(
                f"The scenario name is {len(name)} characters long; the library keeps names of "
                f"up to {NAME_MAX_LENGTH}. Choose a shorter name."
            )

    @staticmethod
    def _name_taken(connection: Connection, name: str) -> bool:
        found = connection.execute(
            select(scenarios_table.c.id).where(scenarios_table.c.name == name)
        ).first()
        return found is not None

    def _saved_from(self, row, values: dict, revision: int) -> SavedScenario:
        """The SavedScenario just written, built inside the write (no second read after commit,
        so an acknowledged save is exactly what was committed)."""
        return SavedScenario(
            name=values["name"],
            author=values["author"],
            note=values["note"],
            created_at=_aware(row["created_at"]),
            updated_at=_aware(values["updated_at"]),
            fingerprint=values["fingerprint"],
            scenario=Scenario.from_json(values["json"]),
            uid=row["uid"],
            revision=revision,
        )

    # --- reading -------------------------------------------------------------------------------

    def library(self) -> Library:
        """Every row, most recently updated first: readable ones, and the ones skipped (why)."""
        with self._connection(write=False, doing="list the saved scenarios") as connection:
            rows = (
                connection.execute(
                    select(scenarios_table).order_by(
                        scenarios_table.c.updated_at.desc(), scenarios_table.c.name
                    )
                )
                .mappings()
                .all()
            )
        entries, unreadable = [], []
        for row in rows:
            item = self._read(row)
            (unreadable if isinstance(item, UnreadableEntry) else entries).append(item)
        return Library(tuple(entries), tuple(unreadable))

    def list(self) -> list[SavedScenario]:
        """Every readable saved scenario, most recently updated first (see :meth:`library`)."""
        return list(self.library().entries)

    def names(self) -> list[str]:
        """Names of the readable saved scenarios, alphabetically."""
        return sorted(saved.name for saved in self.list())

    def exists(self, name: str) -> bool:
        """True when a scenario of that name is saved."""
        with self._connection(write=False, doing="look up a name") as connection:
            return self._name_taken(connection, name)

    def get(self, entry: EntryRef | str) -> SavedScenario:
        """The saved scenario with its author, timestamps and note.

        ``entry`` is a name, or an :class:`EntryRef` (refused if the row changed since).
        """
        with self._connection(write=False, doing="open a saved scenario") as connection:
            row = self._current(connection, entry, "opened")
        saved = self._read(row)
        if isinstance(saved, UnreadableEntry):
            raise SufficiencyError(
                f"The saved scenario '{saved.name}' cannot be opened by this version of the "
                f"tool: {saved.reason}"
            )
        return saved

    def load(self, entry: EntryRef | str) -> Scenario:
        """Just the scenario."""
        return self.get(entry).scenario

    def _read(self, row) -> SavedScenario | UnreadableEntry:
        name = row["name"]
        try:
            version = row["format_version"]
            if not isinstance(version, int) or version > SCHEMA_VERSION:
                # Older versions are read (Scenario.from_json migrates them); newer ones are not.
                raise SufficiencyError(
                    f"it was saved in scenario format version {version} by a newer version of "
                    f"sufficiency; this version reads up to version {SCHEMA_VERSION}. Update the "
                    "tool to open it."
                )
            scenario = Scenario.from_json(row["json"], source=f"saved scenario '{name}'")
            return SavedScenario(
                name=name,
                author=row["author"],
                note=row["note"],
                created_at=_aware(row["created_at"]),
                updated_at=_aware(row["updated_at"]),
                fingerprint=row["fingerprint"],
                scenario=scenario,
                uid=row["uid"],
                revision=row["revision"],
            )
        except SufficiencyError as error:
            reason = str(error)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
            reason = f"its stored levers are damaged ({type(error).__name__})."
        return UnreadableEntry(
            uid=row["uid"],
            revision=row["revision"],
            name=name,
            author=row["author"] or "",
            updated_at=_aware(row["updated_at"]),
            reason=reason,
        )

    def _missing(self, connection: Connection, name: str) -> SufficiencyError:
        names = sorted(row[0] for row in connection.execute(select(scenarios_table.c.name)).all())
        shown = ", ".join(f"'{n}'" for n in names[:20]) + (", ..." if len(names) > 20 else "")
        known = f" Saved scenarios: {shown}." if names else " The library is empty."
        return SufficiencyError(f"No saved scenario is called '{name}'.{known}")
