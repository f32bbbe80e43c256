"""Exporting listings as the import CSV of design §7 or as ORUK JSON.

The public exports hold exactly what the public sees (published, confirmed listings; no clusters). The
administrators' backup CSV is the only export with clusters, and it holds every published listing.
"""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.directory.csv_format import format_row, write_rows
from app.directory.listing_data import ListingData
from app.directory.models import Service, ServiceStatus
from app.directory.visibility import is_public
from exports.oruk import service_document

_LOAD = (selectinload(Service.organisation), selectinload(Service.clusters), selectinload(Service.locations),
         selectinload(Service.opening_times), selectinload(Service.cost_options))


def _published(session: Session) -> list[Service]:
    services = session.scalars(select(Service).where(Service.status == ServiceStatus.PUBLISHED).options(*_LOAD))
    return sorted(services, key=lambda s: (s.external_id or s.uid))


def public_services(session: Session) -> list[Service]:
    return [service for service in _published(session) if is_public(service)]


def services_csv(session: Session, *, backup_with_clusters: bool = False) -> str:
    services = _published(session) if backup_with_clusters else public_services(session)
    rows = (format_row(s.external_id or s.uid, ListingData.from_service(s), with_clusters=backup_with_clusters)
            for s in services)
    return write_rows(rows, with_clusters=backup_with_clusters)


def services_oruk_json(session: Session) -> str:
    # Ordered by the published id, the one identifier an ORUK import keeps.
    services = sorted(public_services(session), key=lambda s: s.uid)
    documents = [service_document(service) for service in services]
    return json.dumps(documents, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
