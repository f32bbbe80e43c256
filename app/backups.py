"""Backing up and restoring the database: SQLite's online backup, or pg_dump/pg_restore for PostgreSQL.

The search index is derived data, so it is not backed up; it is rebuilt after a restore.
"""

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from app.extensions import db


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _url() -> URL:
    return make_url(str(db.engine.url.render_as_string(hide_password=False)))


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian's postgresql-client package)") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(out_file: Path) -> None:
    url = _url()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(out_file)
        try:
            with target:
                source.backup(target)  # a consistent copy, even while the site is writing
        finally:
            source.close()
            target.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out_file}",
              f"--dbname={_libpq_url(url)}"])
    else:
        raise BackupError(f"backups of {url.get_backend_name()} databases are not supported")


def restore(backup_file: Path) -> None:
    """Replace the database's contents with the backup's."""
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{backup_file} is not a sound SQLite database")
        except sqlite3.DatabaseError as error:
            source.close()
            raise BackupError(f"{backup_file} is not an SQLite backup: {error}") from error
        target = sqlite3.connect(_sqlite_path(url))
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(backup_file)])
    else:
        raise BackupError(f"restoring {url.get_backend_name()} databases is not supported")
