"""Proposing, approving, rejecting and restoring changes to listings (design §2 principle 4).

A proposed change never takes the live listing down: the ``Service`` row keeps the approved version
until an administrator approves the revision (or at once, for a trusted organisation).
"""

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update

from app.accounts.models import User
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, Revision, RevisionStatus, Service, ServiceStatus
from app.directory.operations import mark_for_reindex
from app.extensions import db
from app.taxonomies import LIST_TAXONOMIES, clusters, taxonomy
from app.timeutil import today, utcnow

FIELD_LABELS = {
    "kind": "Kind", "name": "Name", "summary": "Summary", "description": "Description",
    "categories": "Kind of help", "audiences": "Especially for", "clusters_main": "Clusters (main focus)",
    "clusters_also": "Clusters (also serves)", "all_clusters": "Open to all clusters", "min_age": "Youngest age",
    "max_age": "Oldest age", "cost": "Cost", "cost_options": "Prices", "referral": "How to get in",
    "access": "How it is delivered", "accessibility": "Accessibility", "areas": "Areas",
    "locations": "Locations", "phone": "Phone", "email": "Email", "website": "Website",
    "opening_hours": "Opening times", "event_date": "Event date", "assured_at": "Details confirmed",
}


# Lists of choices whose order means nothing.
UNORDERED = frozenset({"categories", "audiences", "clusters_main", "clusters_also", "referral", "access",
                       "accessibility", "areas"})
# Fields holding taxonomy slugs, and the taxonomy that names them.
TAXONOMY_OF = {"kind": "kinds", "cost": "cost"} | {name: name for name in LIST_TAXONOMIES}
CLUSTER_FIELDS = ("clusters_main", "clusters_also")
# Fields long enough that a reviewer needs to see which words change, rather than two whole copies.
WORDED = frozenset({"summary", "description"})
# Words as written (anything between spaces), then, to see inside a changed one, its letters (with
# apostrophes and hyphens) and its punctuation apart; each with the spacing after it.
WORDS = re.compile(r"(\S+)(\s*)")
PIECES = re.compile(r"([\w’'-]+|[^\w\s’'-]+)(\s*)")


@dataclass(frozen=True)
class WordRun:
    """Words of a long field that a change keeps, removes or adds, in the order they are read."""

    change: Literal["same", "removed", "added"]
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    words: tuple[WordRun, ...] = ()  # a long field whose words change: the text with those words marked


Token = tuple[str, str]  # a word, and the spacing after it


def _text(tokens: list[Token]) -> str:
    return "".join(word + space for word, space in tokens)


def word_changes(before: str, after: str) -> tuple[WordRun, ...]:
    """``after`` with the words it puts into ``before``, and those it takes out, in runs of their own;
    nothing when only the spacing differs. Words are compared whole (``difflib``), then, where words
    differ, their letters and punctuation apart, so a mark holds exactly what changes ("canal" and "canal
    lock." differ by "lock"). The text keeps ``after``'s spacing, and words taken out keep theirs."""
    old, new = WORDS.findall(before), WORDS.findall(after)
    if [word for word, _ in old] == [word for word, _ in new]:
        return ()
    runs: list[WordRun] = []

    def add(change: Literal["same", "removed", "added"], text: str) -> None:
        if text:
            runs.append(WordRun(change, text))

    def ends_in_space() -> bool:
        return not runs or runs[-1].text[-1].isspace()

    def compare(old: list[Token], new: list[Token], refine: bool) -> None:
        matcher = difflib.SequenceMatcher(None, [w for w, _ in old], [w for w, _ in new], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "replace" and refine:
                compare(PIECES.findall(_text(old[i1:i2])), PIECES.findall(_text(new[j1:j2])), refine=False)
                continue
            if tag == "equal":
                add("same", _text(new[j1:j2]))
            if tag in ("delete", "replace"):
                if not ends_in_space() and i1 and old[i1 - 1][1]:
                    add("same", " ")
                add("removed", _text(old[i1:i2]).rstrip())
                add("same", old[i2 - 1][1])
            if tag in ("insert", "replace"):
                add("added", _text(new[j1:j2]).rstrip())
                add("same", new[j2 - 1][1])

    compare(old, new, refine=True)
    return tuple(runs)


def _named(name: str, value: object, cluster_names: bool) -> object:
    """A field's taxonomy slugs as the names people know them by (care clusters only when asked for)."""
    if name in TAXONOMY_OF:
        terms = taxonomy(TAXONOMY_OF[name])
        return [terms.label(slug) for slug in value] if isinstance(value, list) else terms.label(str(value))
    if name in CLUSTER_FIELDS and cluster_names and isinstance(value, list):
        labels = {cluster.code: cluster.label for cluster in clusters()}
        return [labels.get(code, str(code)) for code in value]
    return value


def _shown(value: object) -> str:
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_shown_item(item) for item in value)
    return str(value)


def _shown_item(item: object) -> str:
    if hasattr(item, "written"):
        return item.written()
    if hasattr(item, "address"):
        return f"{item.address} {item.postcode}".strip()
    return str(item)


def diff(before: ListingData | None, after: ListingData, *, cluster_names: bool = False) -> list[FieldChange]:
    """Field-by-field changes, in form order; every filled field when there is no live version. Taxonomy
    slugs are shown by name, care clusters by name too when ``cluster_names`` (for administrators)."""
    changes = []
    for name, label in FIELD_LABELS.items():
        old = getattr(before, name) if before else None
        new = getattr(after, name)
        if name in UNORDERED and old is not None and sorted(old) == sorted(new):
            continue  # the same choices, ticked in another order
        if old != new and not (before is None and new in (None, "", [], False)):
            words = word_changes(old, new) if name in WORDED and old else ()
            changes.append(FieldChange(label, _shown(_named(name, old, cluster_names) if old is not None else None),
                                       _shown(_named(name, new, cluster_names)), words))
    return changes


def live_data(service: Service) -> ListingData | None:
    """The approved version the public sees, or None for a listing never published."""
    has_approved = any(r.status == RevisionStatus.APPROVED for r in service.revisions)
    return ListingData.from_service(service) if has_approved else None


def pending_revision(service: Service) -> Revision | None:
    return next((r for r in reversed(service.revisions) if r.status == RevisionStatus.PENDING), None)


def _apply(service: Service, data: ListingData) -> None:
    with db.session.no_autoflush:
        data.apply_to(service)
    service.status = ServiceStatus.PUBLISHED
    db.session.flush()
    mark_for_reindex(db.session, service.id)


def propose(organisation: Organisation, data: ListingData, author: User, service: Service | None = None
            ) -> tuple[Service, Revision]:
    """Record an editor's change; publish it at once if the organisation is trusted."""
    if service is None:
        service = Service(organisation=organisation, status=ServiceStatus.PENDING)
        with db.session.no_autoflush:
            data.apply_to(service)  # held on the unpublished row so the editor sees what they wrote
        db.session.add(service)
    previous = pending_revision(service)
    if previous is not None:
        # Only while it is still waiting: an administrator may have approved it a moment ago.
        _decide(previous, RevisionStatus.SUPERSEDED)
    revision = Revision(author_id=author.id, source="web", data=data.to_json(), status=RevisionStatus.PENDING)
    service.revisions.append(revision)
    db.session.flush()
    if organisation.trusted and organisation.status == "approved":
        approve(revision, decided_by=None)
    return service, revision


class AlreadyDecided(Exception):
    """Someone else approved, rejected or replaced this change first."""

    def __init__(self, revision: Revision) -> None:
        super().__init__(f"revision {revision.id} is no longer pending")
        self.revision = revision


def _decide(revision: Revision, status: RevisionStatus) -> bool:
    """Move a waiting revision to ``status``, in one conditional UPDATE; False when it was no longer waiting.

    Two administrators pressing Approve at once both saw "pending"; reading and then writing let both
    approve, and each applied the listing's locations and times again, doubling them. The UPDATE … WHERE
    status = 'pending' waits for the other's write and then finds nothing to change (PostgreSQL re-reads the
    row; SQLite takes its write lock before reading it), so exactly one decision wins.
    """
    result = db.session.execute(
        update(Revision).where(Revision.id == revision.id, Revision.status == RevisionStatus.PENDING)
        .values(status=status).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(revision)
        return False
    revision.status = status
    return True


def approve(revision: Revision, decided_by: User | None) -> None:
    """Raises ``AlreadyDecided``, having written nothing, when the revision was decided meanwhile."""
    if not _decide(revision, RevisionStatus.APPROVED):
        raise AlreadyDecided(revision)
    revision.decided_by_id = decided_by.id if decided_by else None
    revision.decided_at = utcnow()
    _apply(revision.service, ListingData.from_json(revision.data))


def reject(revision: Revision, decided_by: User, reason: str) -> None:
    """Raises ``AlreadyDecided``, having written nothing, when the revision was decided meanwhile."""
    if not _decide(revision, RevisionStatus.REJECTED):
        raise AlreadyDecided(revision)
    revision.decided_by_id = decided_by.id
    revision.decided_at = utcnow()
    revision.reason = reason
    service = revision.service
    if live_data(service) is None and service.status == ServiceStatus.PENDING:
        service.status = ServiceStatus.DRAFT  # never published: back to the editor


def restore(revision: Revision, decided_by: User) -> Revision:
    """Make an earlier version live again, as a new approved revision."""
    data = ListingData.from_json(revision.data)
    restored = Revision(author_id=decided_by.id, source="restore", data=data.to_json(),
                        status=RevisionStatus.APPROVED, decided_by_id=decided_by.id, decided_at=utcnow(),
                        reason=f"Restored from revision {revision.id}")
    revision.service.revisions.append(restored)
    _apply(revision.service, data)
    return restored


def confirm_still_correct(service: Service) -> None:
    """The editor says the details are still right: the listing is fresh again."""
    service.assured_at = today()
    db.session.flush()
    mark_for_reindex(db.session, service.id)
