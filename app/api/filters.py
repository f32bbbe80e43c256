"""The API filters the search index cannot answer, worked out from the database: which listings carry a
term of a taxonomy, which are open in a window of the week, and where each listing's places are.

Each reads only the columns it needs, of published listings; the search has already decided which of them
the public may see, and in what order.
"""

from datetime import date, time

from sqlalchemy import ColumnElement, select

from app.api.params import OpenWindow
from app.directory.models import Location, OpeningTime, Service, ServiceStatus
from app.directory.schedule import DAYS, OpeningRule
from app.extensions import db
from app.taxonomies import OutwardCode, taxonomy
from exports.oruk_ids import derived_id
from search.service import distance_km

PUBLISHED = Service.status == ServiceStatus.PUBLISHED
# Where each published taxonomy's terms are kept: lists of slugs, or (cost, kind) one slug.
TERM_COLUMNS: dict[str, ColumnElement[object]] = {
    "categories": Service.categories, "audiences": Service.audiences, "cost": Service.cost,
    "referral": Service.referral, "access": Service.access, "accessibility": Service.accessibility,
    "kinds": Service.kind,
}

Place = tuple[float, float] | None  # a place's coordinates; None for one without


def carrying_taxonomy(name: str) -> set[int]:
    """Listings with at least one term of the taxonomy that the API publishes (as their attributes)."""
    published = set(taxonomy(name).slugs)
    rows = db.session.execute(select(Service.id, TERM_COLUMNS[name]).where(PUBLISHED))
    return {service_id for service_id, value in rows
            if published & set(value if isinstance(value, list) else [value])}


def _open_in(window: OpenWindow, frequency: str, days: list[str], opens: time | None, closes: time | None,
             event_date: date | None) -> bool:
    """Whether one opening rule has hours on the window's day that overlap it (``OpeningRule.open_between``:
    an overnight rule's small hours are on the next day)."""
    on = tuple(days)
    if frequency == "event":  # a one-off event's times are on its date
        on = (DAYS[event_date.weekday()],) if event_date else ()
    rule = OpeningRule(frequency, tuple(days), None, opens, closes)
    return rule.open_between(window.day, window.start, window.end, days=on)


def open_during(window: OpenWindow) -> set[int]:
    """Listings with an opening rule on the window's day (weekly, fortnightly or monthly: some weeks will do)
    whose hours overlap the window."""
    rows = db.session.execute(
        select(OpeningTime.service_id, OpeningTime.frequency, OpeningTime.days, OpeningTime.opens_at,
               OpeningTime.closes_at, Service.event_date).join(Service).where(PUBLISHED))
    return {row.service_id for row in rows
            if _open_in(window, row.frequency, row.days, row.opens_at, row.closes_at, row.event_date)}


def places_of_listings() -> dict[int, list[Place]]:
    """Each published listing's places, in the order its ORUK documents number them."""
    rows = db.session.execute(select(Location.service_id, Location.latitude, Location.longitude).join(Service)
                              .where(PUBLISHED).order_by(Location.service_id, Location.position))
    places: dict[int, list[Place]] = {}
    for service_id, latitude, longitude in rows:
        places.setdefault(service_id, []).append(
            None if latitude is None or longitude is None else (latitude, longitude))
    return places


def place_id(service_uid: str, number: int) -> str:
    """The ORUK id of a listing's place, as ``exports.oruk`` derives it."""
    return derived_id(service_uid, "service_at_location", number)


def metres_from(centre: OutwardCode, place: Place) -> float | None:
    """Great-circle distance from the centre of a postcode district; None for a place without coordinates."""
    if place is None:
        return None
    return distance_km(centre.latitude, centre.longitude, *place) * 1000
