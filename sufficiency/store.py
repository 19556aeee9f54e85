"""A library of saved scenarios in a real database.

SQLite file by default (``~/.sufficiency/scenarios.db``, or ``SUFFICIENCY_SCENARIO_DB``), or any
SQLAlchemy URL (e.g. ``postgresql+psycopg://user@host/db``) so a team can share one library.
Each saved scenario keeps its author, created and updated timestamps, a note, the scenario as
TOML (readable by people) and JSON (read back by the tool), and its fingerprint.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

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
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from sufficiency.errors import SufficiencyError
from sufficiency.scenario import Scenario

ENV_VAR = "SUFFICIENCY_SCENARIO_DB"

metadata = MetaData()

scenarios_table = Table(
    "scenarios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
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


def default_url() -> str:
    """``SUFFICIENCY_SCENARIO_DB`` (a URL or a file path), else a SQLite file in the home folder."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return configured if "://" in configured else f"sqlite:///{Path(configured)}"
    return f"sqlite:///{Path.home() / '.sufficiency' / 'scenarios.db'}"


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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ScenarioStore:
    """Save, load, list, rename and delete scenarios.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL or a file path for SQLite; defaults to :func:`default_url`.
    """

    def __init__(self, url: str | Path | None = None) -> None:
        if url is None:
            url = default_url()
        url = str(url)
        if "://" not in url:
            url = f"sqlite:///{Path(url)}"
        self.url = url
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
            self.engine: Engine = create_engine(url, future=True)
            metadata.create_all(self.engine)
        except SQLAlchemyError as error:
            raise SufficiencyError(
                f"Could not open the scenario library at {self._safe_url()}: "
                f"{type(error).__name__}. Check the database address and that you can write to it."
            ) from None

    def _safe_url(self) -> str:
        """The URL with any password hidden."""
        try:
            return self.engine.url.render_as_string(hide_password=True)
        except AttributeError:
            return self.url.split("@")[-1]

    # --- writing -------------------------------------------------------------------------------

    def save(
        self,
        scenario: Scenario,
        *,
        author: str = "",
        note: str = "",
        overwrite: bool = False,
    ) -> SavedScenario:
        """Save ``scenario`` under its name.

        Raises
        ------
        SufficiencyError
            If the name is taken and ``overwrite`` is False.
        """
        now = _now()
        values = {
            "author": author,
            "note": note,
            "updated_at": now,
            "fingerprint": scenario.fingerprint(),
            "format_version": 1,
            "toml": scenario.to_toml(),
            "json": scenario.to_json(),
        }
        with self.engine.begin() as connection:
            existing = connection.execute(
                select(scenarios_table.c.id).where(scenarios_table.c.name == scenario.name)
            ).first()
            if existing and not overwrite:
                raise SufficiencyError(
                    f"A scenario called '{scenario.name}' is already saved. Choose another name, "
                    "or save with overwrite to replace it."
                )
            try:
                if existing:
                    connection.execute(
                        update(scenarios_table)
                        .where(scenarios_table.c.name == scenario.name)
                        .values(**values)
                    )
                else:
                    connection.execute(
                        insert(scenarios_table).values(name=scenario.name, created_at=now, **values)
                    )
            except IntegrityError:
                raise SufficiencyError(
                    f"A scenario called '{scenario.name}' was saved by someone else at the same "
                    "time. Reload the list and try again."
                ) from None
        return self.get(scenario.name)

    def rename(self, old: str, new: str) -> SavedScenario:
        """Rename a saved scenario (its levers keep their values; the stored name changes too)."""
        new = new.strip()
        if not new:
            raise SufficiencyError("The new scenario name must not be empty.")
        saved = self.get(old)
        if new != old and self.exists(new):
            raise SufficiencyError(
                f"A scenario called '{new}' is already saved; choose another name."
            )
        renamed = saved.scenario.replace(name=new)
        with self.engine.begin() as connection:
            connection.execute(
                update(scenarios_table)
                .where(scenarios_table.c.name == old)
                .values(
                    name=new,
                    updated_at=_now(),
                    toml=renamed.to_toml(),
                    json=renamed.to_json(),
                )
            )
        return self.get(new)

    def delete(self, name: str) -> None:
        """Delete a saved scenario."""
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(scenarios_table).where(scenarios_table.c.name == name)
            )
        if result.rowcount == 0:
            raise self._missing(name)

    # --- reading -------------------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        """True when a scenario of that name is saved."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(scenarios_table.c.id).where(scenarios_table.c.name == name)
            ).first()
        return row is not None

    def get(self, name: str) -> SavedScenario:
        """The saved scenario with its author, timestamps and note."""
        with self.engine.connect() as connection:
            row = (
                connection.execute(select(scenarios_table).where(scenarios_table.c.name == name))
                .mappings()
                .first()
            )
        if row is None:
            raise self._missing(name)
        return self._saved(row)

    def load(self, name: str) -> Scenario:
        """Just the scenario."""
        return self.get(name).scenario

    def list(self) -> list[SavedScenario]:
        """Every saved scenario, most recently updated first."""
        with self.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(scenarios_table).order_by(
                        scenarios_table.c.updated_at.desc(), scenarios_table.c.name
                    )
                )
                .mappings()
                .all()
            )
        return [self._saved(row) for row in rows]

    def names(self) -> list[str]:
        """Saved scenario names, alphabetically."""
        return sorted(saved.name for saved in self.list())

    def _saved(self, row) -> SavedScenario:
        scenario = Scenario.from_json(row["json"], source=f"saved scenario '{row['name']}'")
        return SavedScenario(
            name=row["name"],
            author=row["author"],
            note=row["note"],
            created_at=_aware(row["created_at"]),
            updated_at=_aware(row["updated_at"]),
            fingerprint=row["fingerprint"],
            scenario=scenario,
        )

    def _missing(self, name: str) -> SufficiencyError:
        names = self.names()
        known = f" Saved scenarios: {', '.join(names)}." if names else " The library is empty."
        return SufficiencyError(f"No saved scenario is called '{name}'.{known}")


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
