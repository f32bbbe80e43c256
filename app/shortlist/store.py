"""Reading and changing the shortlist: its listing ids in the session, a referrer's notes on the server.

The session cookie is signed but not encrypted, so anyone at the computer can read it. It holds the listing
ids and, once a referrer writes a note, a random key (``HOLDER_KEY``) naming this session's notes; the notes
themselves are ``ShortlistNote`` rows. A note is read back only for the same signed-in user with the same
key, and is deleted at sign-out, when its listing leaves the shortlist, and ``NOTE_LIFETIME`` after it was
last saved (sessions left open on shared computers), whichever comes first.
"""

import secrets
from datetime import timedelta

from flask import session
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.shortlist.models import ShortlistNote
from app.text import storable
from app.timeutil import utcnow

MAX_ITEMS = 30
MAX_NOTE_LENGTH = 500
IDS_KEY = "shortlist"
HOLDER_KEY = "shortlist_note_holder"
# Where notes were kept in the cookie before issue 18; removed from any cookie that still has them.
OLD_NOTES_KEY = "shortlist_notes"
# Long enough for a working day; a note is deleted this long after it was last saved.
NOTE_LIFETIME = timedelta(hours=12)


def shortlist_ids() -> list[int]:
    return [int(i) for i in session.get(IDS_KEY, []) if str(i).isdigit()]


def _save(ids: list[int]) -> None:
    session[IDS_KEY] = ids


def _holder() -> str | None:
    holder = session.get(HOLDER_KEY)
    return holder if isinstance(holder, str) and holder else None


def _delete_stale_notes() -> None:
    """Every user's notes saved more than ``NOTE_LIFETIME`` ago: run whenever notes are read or written."""
    db.session.execute(delete(ShortlistNote).where(ShortlistNote.updated_at < utcnow() - NOTE_LIFETIME))


def _delete_holders_note(service_id: int) -> None:
    if (holder := _holder()) is not None:
        db.session.execute(delete(ShortlistNote).where(ShortlistNote.holder == holder,
                                                       ShortlistNote.service_id == service_id))
        db.session.commit()


def _held_by_someone_else(holder: str, user_id: int) -> bool:
    """Whether another user wrote notes under this key (they signed in here before, without signing out):
    this user then gets a key of their own, and theirs are left to expire."""
    return db.session.scalar(select(ShortlistNote.id).where(ShortlistNote.holder == holder,
                                                            ShortlistNote.user_id != user_id).limit(1)) is not None


def add(service_id: int) -> bool:
    ids = shortlist_ids()
    if service_id in ids or len(ids) >= MAX_ITEMS:
        return False
    _save([*ids, service_id])
    return True


def remove(service_id: int) -> None:
    _save([i for i in shortlist_ids() if i != service_id])
    _delete_holders_note(service_id)


def move(service_id: int, step: int) -> None:
    ids = shortlist_ids()
    if service_id not in ids:
        return
    position = ids.index(service_id)
    target = max(0, min(len(ids) - 1, position + step))
    ids.insert(target, ids.pop(position))
    _save(ids)


def notes(user_id: int) -> dict[int, str]:
    """This user's notes in this session, by listing id. Call only for a signed-in referrer."""
    if OLD_NOTES_KEY in session:
        session.pop(OLD_NOTES_KEY)
    _delete_stale_notes()
    db.session.commit()
    holder = _holder()
    if holder is None:
        return {}
    rows = db.session.execute(select(ShortlistNote.service_id, ShortlistNote.text).where(
        ShortlistNote.holder == holder, ShortlistNote.user_id == user_id))
    return {service_id: text for service_id, text in rows}


def set_note(user_id: int, service_id: int, text: str) -> None:
    """Save (or, when ``text`` is blank, delete) this user's note on a listing. Call only for a signed-in
    referrer, for a listing on the shortlist."""
    text = storable(text).strip()[:MAX_NOTE_LENGTH]
    _delete_stale_notes()
    holder = _holder()
    if text and (holder is None or _held_by_someone_else(holder, user_id)):
        holder = session[HOLDER_KEY] = secrets.token_urlsafe(32)
    row = None if holder is None else db.session.scalar(select(ShortlistNote).where(
        ShortlistNote.holder == holder, ShortlistNote.user_id == user_id, ShortlistNote.service_id == service_id))
    if not text:
        if row is not None:
            db.session.delete(row)
    elif row is not None:
        row.text, row.updated_at = text, utcnow()
    else:
        db.session.add(ShortlistNote(holder=holder, user_id=user_id, service_id=service_id, text=text))
    try:
        db.session.commit()
    except IntegrityError:  # a first note on this listing saved twice at once (a double click): one stands
        db.session.rollback()


def clear() -> None:
    session.pop(IDS_KEY, None)
    if (holder := _holder()) is not None:
        db.session.execute(delete(ShortlistNote).where(ShortlistNote.holder == holder))
        db.session.commit()


def delete_notes_for(user_id: int) -> None:
    """Every note of one user, in every session: for when all their sessions end. The caller commits."""
    db.session.execute(delete(ShortlistNote).where(ShortlistNote.user_id == user_id))


def clear_notes() -> None:
    """At sign-out: this session's notes, and every note of whoever wrote them, since signing out ends all
    of that user's sessions. Works after ``logout_user()``: it finds the user from the notes."""
    session.pop(OLD_NOTES_KEY, None)
    holder = session.pop(HOLDER_KEY, None)
    if not isinstance(holder, str):
        return
    writers = select(ShortlistNote.user_id).where(ShortlistNote.holder == holder).distinct()
    for user_id in db.session.scalars(writers).all():
        delete_notes_for(user_id)
    db.session.execute(delete(ShortlistNote).where(ShortlistNote.holder == holder))
    db.session.commit()
