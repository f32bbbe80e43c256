"""Listings' places, placed again when the postcode directory changes, so a listing and a search near a
postcode are measured the same way."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.directory.models import Location
from app.directory.operations import mark_for_reindex
from app.geography.placing import point_of


def place_listings_again(session: Session) -> int:
    """Set every location's coordinates as its postcode is placed now; the listings that moved are
    re-indexed after the commit. Returns how many locations moved."""
    moved = 0
    for location in session.scalars(select(Location).where(Location.postcode != "")).all():
        point = point_of(location.postcode)
        if point != (location.latitude, location.longitude):
            location.latitude, location.longitude = point
            mark_for_reindex(session, location.service_id)
            moved += 1
    return moved
