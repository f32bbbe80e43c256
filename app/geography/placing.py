"""Where a postcode is, as well as we honestly know it.

In order: the postcode's own point, from the ONS Postcode Directory when one is loaded; else its district's
centre, from the bundled table (``data/outward-codes.csv``) or, for a district the table has no centre for,
the mean of the loaded directory's points in it; else only the area its district lies in (a border district
whose centre we do not know: a filter, never a distance); else nothing.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from app.extensions import db
from app.geography.models import Postcode
from app.geography.shape import district_of, normalise_postcode
from app.taxonomies import OutwardCode, districts


class Precision(StrEnum):
    EXACT = "exact"  # the postcode's own point
    DISTRICT = "district"  # the centre of its district
    AREA = "area"  # only the area its district lies in
    UNKNOWN = "unknown"  # not a postcode, or in a district the site does not know


@dataclass(frozen=True)
class Placing:
    asked: str  # tidied: "BA1 1AA" for a full postcode, "BA1" for a district alone, else as given
    precision: Precision
    district: str = ""
    centre: OutwardCode | None = None  # what distances are measured from (EXACT and DISTRICT only)
    area: str = ""  # the area slug of a border district
    place: str = ""  # the district's places in words, from the bundled table

    @property
    def known(self) -> bool:
        return self.precision is not Precision.UNKNOWN


def _loaded_point(postcode: str) -> Postcode | None:
    # Placing runs while listings are being built (``ListingData.apply_to``): flushing them half made would fail.
    with db.session.no_autoflush:
        return db.session.get(Postcode, postcode)


def _loaded_district_centre(district: str) -> tuple[float, float] | None:
    with db.session.no_autoflush:
        latitude, longitude = db.session.execute(
            select(func.avg(Postcode.latitude), func.avg(Postcode.longitude)).where(Postcode.district == district)
        ).one()
    return None if latitude is None else (float(latitude), float(longitude))


def place_postcode(text: str) -> Placing:
    """Where ``text`` (a full postcode, or a district alone) is: see the module's docstring for the order."""
    district = district_of(text)
    if district is None:
        return Placing(text.strip(), Precision.UNKNOWN)
    full = normalise_postcode(text)
    asked = full or district
    bundled = districts().get(district)
    place = bundled.place if bundled else ""
    if full is not None and (point := _loaded_point(full)) is not None:
        return Placing(asked, Precision.EXACT, district, OutwardCode(district, full, point.latitude, point.longitude),
                       area=bundled.area if bundled else "", place=place)
    if bundled is not None and bundled.centre is not None:
        return Placing(asked, Precision.DISTRICT, district, bundled.centre, bundled.area, place)
    area = bundled.area if bundled else ""
    loaded = _loaded_district_centre(district)
    if loaded is not None:
        return Placing(asked, Precision.DISTRICT, district, OutwardCode(district, place or district, *loaded),
                       area, place)
    if area:
        return Placing(asked, Precision.AREA, district, area=area, place=place)
    return Placing(asked, Precision.UNKNOWN, district)


def point_of(postcode: str) -> tuple[float | None, float | None]:
    """A saved location's coordinates: its postcode's own point, else its district's centre, else none (a
    border district placed only by its area, or an unknown one: never a made-up point)."""
    centre = place_postcode(postcode).centre if postcode else None
    return (centre.latitude, centre.longitude) if centre else (None, None)


def district_known(postcode: str) -> bool:
    """Whether the district of ``postcode`` is one the site knows, in the bundled table or a loaded directory."""
    district = district_of(postcode)
    if district is None:
        return False
    if district in districts():
        return True
    with db.session.no_autoflush:
        return db.session.scalar(select(Postcode.postcode).where(Postcode.district == district).limit(1)) is not None


def unknown_district_message(postcode: str) -> str:
    """Why a listing cannot have ``postcode``, a UK postcode's shape in a district the site does not know."""
    return (f"'{postcode[:10]}' is not in a postcode district we know ({district_of(postcode)}); check it, "
            "or leave the postcode out")
