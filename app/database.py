"""Engine settings that depend on the database: SQLite gets WAL mode and enforced foreign keys.

``synchronous=NORMAL`` is SQLite's advice for WAL: a commit no longer waits for the disk, so a power cut
may lose the last moments' writes, never the database's consistency. Without it each rate-limit count (one
small write per limited request, app/ratelimits/storage.py) cost a disk flush, about 5 ms a request."""

from sqlalchemy import Engine, event


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
