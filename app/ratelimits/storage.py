"""A ``limits`` storage that keeps fixed-window counters in the application's own database.

Flask-Limiter's default memory store counts in each worker alone, so two gunicorn workers let through
twice the limit. Redis shares the count but is one more service to run; the database is already shared by
every worker, so it is the default (``RATELIMIT_STORAGE_URI = "wellaware-database://"``). Each count is one
``INSERT … ON CONFLICT DO UPDATE … RETURNING``, atomic on SQLite and PostgreSQL, on its own connection so
that it commits whatever the request's transaction does.
"""

import time
from itertools import count

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from app.ratelimits.models import RateLimitCounter

SCHEME = "wellaware-database"
# Windows that ended this long ago are deleted, now and then, so the table stays small.
KEEP_EXPIRED_SECONDS = 3600
CLEAN_EVERY = 500

counter = RateLimitCounter.__table__


def _engine() -> Engine:
    """The current application's engine: limits are checked inside a request, so one is always there."""
    from app.extensions import db

    return db.engine


class DatabaseStorage(Storage):
    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012  (the registry reads this class attribute)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions, **options)
        self._increments = count(1)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = _engine()
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        live = counter.c.expires_at > now
        statement = insert(counter).values(key=key, count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(
            index_elements=[counter.c.key],
            set_={"count": case((live, counter.c.count + amount), else_=amount),
                  "expires_at": case((live, counter.c.expires_at), else_=now + expiry)},
        ).returning(counter.c.count)
        with engine.begin() as connection:
            value = int(connection.execute(statement).scalar_one())
            if next(self._increments) % CLEAN_EVERY == 0:
                connection.execute(delete(counter).where(counter.c.expires_at < now - KEEP_EXPIRED_SECONDS))
        return value

    def get(self, key: str) -> int:
        with _engine().connect() as connection:
            value = connection.scalar(
                select(counter.c.count).where(counter.c.key == key, counter.c.expires_at > time.time()))
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        with _engine().connect() as connection:
            value = connection.scalar(select(counter.c.expires_at).where(counter.c.key == key))
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.scalar(select(func.count()).select_from(counter))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(delete(counter)).rowcount

    def clear(self, key: str) -> None:
        with _engine().begin() as connection:
            connection.execute(delete(counter).where(counter.c.key == key))
