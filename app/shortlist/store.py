"""Reading and changing the shortlist in the session."""

from flask import session

from app.text import storable

MAX_ITEMS = 30
MAX_NOTE_LENGTH = 500
IDS_KEY = "shortlist"
NOTES_KEY = "shortlist_notes"


def shortlist_ids() -> list[int]:
    return [int(i) for i in session.get(IDS_KEY, []) if str(i).isdigit()]


def notes() -> dict[int, str]:
    return {int(k): v for k, v in session.get(NOTES_KEY, {}).items() if str(k).isdigit()}


def _save(ids: list[int], saved_notes: dict[int, str] | None = None) -> None:
    session[IDS_KEY] = ids
    if saved_notes is not None:
        session[NOTES_KEY] = {str(k): v for k, v in saved_notes.items() if k in ids}


def add(service_id: int) -> bool:
    ids = shortlist_ids()
    if service_id in ids or len(ids) >= MAX_ITEMS:
        return False
    _save([*ids, service_id])
    return True


def remove(service_id: int) -> None:
    _save([i for i in shortlist_ids() if i != service_id], notes())


def move(service_id: int, step: int) -> None:
    ids = shortlist_ids()
    if service_id not in ids:
        return
    position = ids.index(service_id)
    target = max(0, min(len(ids) - 1, position + step))
    ids.insert(target, ids.pop(position))
    _save(ids)


def set_note(service_id: int, text: str) -> None:
    saved = notes()
    text = storable(text).strip()[:MAX_NOTE_LENGTH]
    if text:
        saved[service_id] = text
    else:
        saved.pop(service_id, None)
    _save(shortlist_ids(), saved)


def clear() -> None:
    session.pop(IDS_KEY, None)
    session.pop(NOTES_KEY, None)


def clear_notes() -> None:
    session.pop(NOTES_KEY, None)
