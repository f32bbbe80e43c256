"""Archiving an organisation, and restoring it.

Archiving changes the organisation's status and nothing else. Every public surface already leaves out the
listings of an archived organisation (``is_public`` for pages, leaflets, exports and the API; ``is_indexable``
for the search index), so no listing is changed, and there is nothing to record and replay: restoring the
organisation brings each listing back exactly as it is then. One archived on its own, before or meanwhile,
stays archived; a draft stays a draft; one not confirmed within the freshness limit stays out of search until
its editors confirm it.
"""

from sqlalchemy.orm import Session, selectinload

from app.directory.models import Organisation, OrganisationStatus, Service
from app.directory.operations import mark_for_reindex
from app.directory.visibility import is_public
from app.extensions import db


def _by_name(services: list[Service]) -> list[Service]:
    return sorted(services, key=lambda service: (service.name.casefold(), service.id))


def public_listings(organisation: Organisation) -> list[Service]:
    """The organisation's listings the public can see now, by name."""
    return _by_name([service for service in organisation.services if is_public(service)])


def listings_back_on_restore(organisation: Organisation) -> list[str]:
    """The names of the listings that restoring ``organisation`` would show again.

    ``is_public`` itself decides, so this cannot drift from what restoring does: in a session of its own,
    never flushed nor committed, the organisation is listed again and its listings are asked."""
    with Session(db.engine) as scratch, scratch.no_autoflush:
        listed = scratch.get_one(Organisation, organisation.id, options=[selectinload(Organisation.services)])
        listed.status = OrganisationStatus.APPROVED
        return [service.name for service in public_listings(listed)]


def _reindex_listings(organisation: Organisation) -> None:
    """Every listing of the organisation changes what the index should hold: this node's index hears after the
    commit, and every other node from the change log."""
    db.session.flush()
    for service in organisation.services:
        mark_for_reindex(db.session, service.id)


def archive_organisation(organisation: Organisation) -> list[Service]:
    """Take a listed organisation out of the directory; returns the listings that leave the public's view."""
    leaving = public_listings(organisation)
    organisation.status = OrganisationStatus.ARCHIVED
    _reindex_listings(organisation)
    return leaving


def restore_organisation(organisation: Organisation) -> list[Service]:
    """List an archived organisation again; returns the listings the public can see again."""
    organisation.status = OrganisationStatus.APPROVED
    _reindex_listings(organisation)
    return public_listings(organisation)
