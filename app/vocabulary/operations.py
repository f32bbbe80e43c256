"""Saving an administrator's edit of a search word list, with who and when in the audit log."""

import difflib

from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.timeutil import utcnow
from app.vocabulary.models import SearchVocabulary
from search.vocabulary import LineError, VocabularyKind, check, default_text

AUDIT_DETAIL_LENGTH = 2000


def _changed_lines(before: str, after: str) -> str:
    """The lines added and removed, for the audit log."""
    changes = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    detail = "\n".join(changes) or "no lines changed"
    return detail if len(detail) <= AUDIT_DETAIL_LENGTH else detail[: AUDIT_DETAIL_LENGTH - 1] + "…"


def save_vocabulary(session: Session, kind: VocabularyKind, text: str | None, actor: User | None) -> list[LineError]:
    """Check and save one list (``None`` restores the shipped default). Nothing is saved if any line is
    wrong; the errors say which. The caller commits."""
    new_text = default_text(kind) if text is None else text.replace("\r\n", "\n")
    errors = check(kind, new_text)
    if errors:
        return errors
    row = session.get(SearchVocabulary, kind.value)
    before = default_text(kind) if row is None or row.text is None else row.text
    if row is None:
        row = SearchVocabulary(kind=kind.value, version=0)
        session.add(row)
    row.text = None if text is None else new_text
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()
    row.updated_by_id = actor.id if actor is not None else None
    action = "search-words.restore" if text is None else "search-words.edit"
    session.add(AuditEvent(actor_id=row.updated_by_id, action=action, subject=kind.value,
                           detail=_changed_lines(before, new_text)))
    return []
