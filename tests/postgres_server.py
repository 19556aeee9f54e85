"""A throwaway PostgreSQL server for tests that need a real team database.

Started from the machine's PostgreSQL binaries (Debian's ``postgresql`` package) in a temporary
folder, listening only on a Unix socket, and stopped afterwards. When ``SUFFICIENCY_REQUIRE_POSTGRES``
is set (as in CI) a missing server is a failure, never a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so run it as the 'postgres' user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yields a SQLAlchemy URL for an empty database on it."""
    bindir = _binaries()
    if bindir is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql)"
        if os.environ.get("SUFFICIENCY_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="sufficiency-pg-"))
    data, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(socket_dir, "postgres")
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "sufficiency",
                "-E",
                "UTF8",
            ]
        ),
        **run,
    )
    # fsync off: a throwaway server need not survive a power cut, and creating a database per
    # test would otherwise spend seconds flushing copies of the template to disk.
    options = f"-k {socket_dir} -c listen_addresses='' -p 5433 -c fsync=off"
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "log"),
                "start",
            ]
        ),
        **run,
    )
    try:
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                str(socket_dir),
                "-p",
                "5433",
                "-U",
                "sufficiency",
                "scenarios",
            ],
            **run,
        )
        yield f"postgresql+psycopg://sufficiency@/scenarios?host={socket_dir}&port=5433"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """Create another empty database on the server behind ``url``; returns its URL."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return url.replace("/scenarios?", f"/{name}?")
