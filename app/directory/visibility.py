"""Which listings the public may see (design §2 principle 5, §6)."""

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.directory.models import Service, ServiceStatus
from app.extensions import db
from app.timeutil import months_before, today


def freshness_cutoff(day: date | None = None) -> date:
    """Listings last confirmed before this date are hidden from the public."""
    return months_before(day or today(), int(current_app.config["FRESHNESS_MONTHS"]))


def is_public(service: Service, day: date | None = None) -> bool:
    day = day or today()
    return (
        service.status == ServiceStatus.PUBLISHED
        and service.organisation.status != "archived"
        and service.assured_at is not None
        and service.assured_at >= freshness_cutoff(day)
        and (service.event_date is None or service.event_date >= day)
    )


def public_services() -> list[Service]:
    """Every listing the public may see now, with its organisation: what hub sections are made from."""
    query = select(Service).where(Service.status == ServiceStatus.PUBLISHED).options(selectinload(Service.organisation))
    return [service for service in db.session.scalars(query) if is_public(service)]
