"""Slowing down password guessing without locking the owner out.

Wrong passwords are counted per account *and* address. After ``FREE_FAILURES`` from one address for one
account, that pair must wait before the next try: 2 seconds, then 4, 8 … up to ``MAX_WAIT_SECONDS``. A right
password clears the count. The owner signing in from anywhere else is not slowed by guesses made
elsewhere, so nobody can lock a named account out; a per-address limit on the route (across accounts)
stops one address trying many accounts. Counts live in the database, so every worker sees the same.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import SignInFailure
from app.extensions import db
from app.timeutil import utcnow

FREE_FAILURES = 5
MAX_WAIT_SECONDS = 15 * 60
FORGET_AFTER = timedelta(hours=24)

failures_table = SignInFailure.__table__


def wait_after(failures: int) -> int:
    """Seconds to wait after the last of ``failures`` wrong passwords before another try is taken."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES + 1), MAX_WAIT_SECONDS)


def wait_in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def seconds_to_wait(email: str, address: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    row = db.session.get(SignInFailure, (email, address))
    if row is None or now - row.last_failed_at > FORGET_AFTER:
        return 0
    remaining = wait_after(row.failures) - (now - row.last_failed_at).total_seconds()
    return max(0, int(remaining + 0.999))


def record_failure(email: str, address: str) -> None:
    """One more wrong password; counted atomically, as two workers may take guesses at the same moment."""
    now = utcnow()
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    forgotten = failures_table.c.last_failed_at < now - FORGET_AFTER
    statement = insert(failures_table).values(email=email, address=address, failures=1, last_failed_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[failures_table.c.email, failures_table.c.address],
        set_={"failures": db.case((forgotten, 1), else_=failures_table.c.failures + 1), "last_failed_at": now},
    ))
    db.session.execute(delete(SignInFailure).where(SignInFailure.last_failed_at < now - FORGET_AFTER))


def clear_failures(email: str, address: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email, SignInFailure.address == address))

