"""Test databases: SQLite files by default; PostgreSQL when WELLAWARE_TEST_POSTGRES_URL names a server.

Each test gets its own database cloned from a template: a file copy for SQLite, and
``CREATE DATABASE … TEMPLATE …`` for PostgreSQL, which copies a database in a fraction of a second.
"""

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_SERVER = os.environ.get("WELLAWARE_TEST_POSTGRES_URL", "")
URL_FILE = "database.url"
# Counts kept to slow down floods and guessing: every request to a limited route, and every wrong password,
# adds to them, allowed or refused, so they are left out where a test asks whether a refused request
# changed anything.
THROTTLE_TABLES = frozenset({"rate_limit_counter", "sign_in_failure"})
SQLITE_FILE = "wellaware.sqlite"


def using_postgres() -> bool:
    return bool(POSTGRES_SERVER)


def database_url(workdir: Path) -> str:
    url_file = workdir / URL_FILE
    return url_file.read_text().strip() if url_file.exists() else f"sqlite:///{workdir / SQLITE_FILE}"


def _server() -> Engine:
    return create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")


def _create_postgres(workdir: Path, template: str | None) -> None:
    name = f"wa_test_{uuid.uuid4().hex[:16]}"
    engine = _server()
    try:
        with engine.connect() as connection:
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    finally:
        engine.dispose()
    url = make_url(POSTGRES_SERVER).set(database=name)
    (workdir / URL_FILE).write_text(url.render_as_string(hide_password=False))


def new_database(workdir: Path) -> None:
    """An empty database for ``workdir`` (SQLite creates its file on first use)."""
    if using_postgres():
        _create_postgres(workdir, None)


def clone(source: Path, target: Path) -> None:
    """Copy a template workdir: its search index and files, and its database."""
    for item in source.iterdir():
        if item.name == URL_FILE:
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)
    if using_postgres():
        _create_postgres(target, make_url(database_url(source)).database)


def drop(workdir: Path) -> None:
    if using_postgres() and (workdir / URL_FILE).exists():
        name = make_url(database_url(workdir)).database
        engine = _server()
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()
