"""Changing listings. Every change goes through here so each one is kept as a revision and the search
index hears about it after the transaction commits."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.directory.listing_data import ListingData
from app.directory.models import (
    ListingChange,
    Organisation,
    OrganisationStatus,
    Revision,
    RevisionStatus,
    Service,
    ServiceStatus,
)
from app.extensions import db
from app.timeutil import utcnow

REINDEX_KEY = "wellaware_reindex"


def mark_for_reindex(session: Session, service_id: int) -> None:
    """Record that ``service_id`` changed, in the same transaction: this process re-indexes it as soon as
    the transaction commits, and every other node catches up from the change log."""
    session.info.setdefault(REINDEX_KEY, set()).add(service_id)
    session.add(ListingChange(service_id=service_id))


def find_or_create_organisation(name: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name, status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
    return organisation


def publish_directly(
    data: ListingData,
    *,
    service: Service | None = None,
    external_id: str | None = None,
    author: User | None = None,
    source: str,
) -> tuple[Service, bool]:
    """Apply ``data`` as an approved revision (imports, the demo, administrators).

    Returns the service and whether anything changed. An unchanged re-import records nothing.
    """
    if service is not None and ListingData.from_service(service) == data and service.status == ServiceStatus.PUBLISHED:
        return service, False
    organisation = find_or_create_organisation(data.organisation)
    if service is None:
        service = Service(external_id=external_id or None, organisation=organisation)
        db.session.add(service)
    with db.session.no_autoflush:
        service.organisation = organisation
        data.apply_to(service)
    service.status = ServiceStatus.PUBLISHED
    now = utcnow()
    service.revisions.append(
        Revision(author_id=author.id if author else None, source=source, data=data.to_json(),
                 status=RevisionStatus.APPROVED, decided_by_id=author.id if author else None, decided_at=now)
    )
    db.session.flush()
    mark_for_reindex(db.session, service.id)
    return service, True


def archive(service: Service) -> None:
    """Withdraw a listing from every public surface; it stays in the database and can be restored."""
    service.status = ServiceStatus.ARCHIVED
    db.session.flush()
    mark_for_reindex(db.session, service.id)


def unarchive(service: Service) -> None:
    """An archived listing comes back as it was: published if it ever was approved, a draft otherwise."""
    ever_approved = any(r.status == RevisionStatus.APPROVED for r in service.revisions)
    service.status = ServiceStatus.PUBLISHED if ever_approved else ServiceStatus.DRAFT
    db.session.flush()
    mark_for_reindex(db.session, service.id)
