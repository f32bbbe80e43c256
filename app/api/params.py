"""Reading and checking the API's query parameters; a bad one is a 400 with a plain message."""

import re
from dataclasses import dataclass
from datetime import time

from werkzeug.datastructures import MultiDict

from app.directory.schedule import DAY_NAMES, DAYS
from app.geography.placing import Precision, place_postcode
from app.taxonomies import OutwardCode, taxonomy
from exports.oruk import PUBLISHED_TAXONOMIES, RRULE_DAYS
from exports.oruk_ids import taxonomy_id, term_id
from search.filters import SearchFilters

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# ORUK taxonomy → the search filter field that holds it.
FILTER_FIELD = {"categories": "categories", "audiences": "audiences", "cost": "cost", "referral": "referral",
                "access": "access", "accessibility": "accessibility", "kinds": "kinds"}
REPEATABLE = frozenset({"taxonomy_term_id"})
MAX_PROXIMITY_M = 1_000_000
# A day as ORUK's schedules write it (RFC 5545: MO…SU), as its English name, or as our own short form.
DAY_CHOICES = (*RRULE_DAYS.values(), *DAY_NAMES.values(), *DAYS)
_DAY_FORMS = {form.lower(): day for day in DAYS for form in (day, RRULE_DAYS[day], DAY_NAMES[day])}
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?")
# A full postcode, or its outward code (the district) alone; spaces and case do not matter.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)(?:[0-9][A-Z]{2})?")


class BadParameter(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


@dataclass(frozen=True)
class OpenWindow:
    """Open on ``day`` ("Mon".."Sun"; any day when None) at some moment from ``start`` until ``end``."""

    day: str | None
    start: time
    end: time


@dataclass(frozen=True)
class ServiceQuery:
    """What a list of services or places was asked for. ``filters`` is what the search index answers
    (``near`` only orders); the rest is worked out from the database (``app.api.filters``)."""

    text: str
    filters: SearchFilters
    proximity_m: float | None
    taxonomy: str | None  # the name of a published taxonomy
    window: OpenWindow | None

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the search index decides which listings are kept."""
        return self.proximity_m is not None or self.taxonomy is not None or self.window is not None


def check_names(args: MultiDict[str, str], accepted: frozenset[str], path: str) -> None:
    """Refuse a parameter the endpoint does not read, and a second value for one it reads once: ignoring
    either would answer a different question from the one asked, as if it were that one."""
    for name in args:
        if name not in accepted:
            reads = ", ".join(sorted(accepted)) or "no parameters"
            raise BadParameter(f"{path} does not support the parameter {name[:60]!r}; it reads {reads} "
                               "(see /api/openapi.json)")
        if name not in REPEATABLE and len(args.getlist(name)) > 1:
            raise BadParameter(f"'{name}' may be given only once")


def _whole_number(args: MultiDict[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw.strip()):  # not str.isdigit(): '²' is a digit to Python
        raise BadParameter(f"'{name}' must be a whole number from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(f"'{name}' must be a whole number from {low} to {high}")
    return value


def paging(args: MultiDict[str, str]) -> Paging:
    page = _whole_number(args, "page", 1, 1, 1_000_000)
    per_page = _whole_number(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return Paging(page or 1, per_page or DEFAULT_PER_PAGE)


def terms_by_id() -> dict[str, tuple[str, str]]:
    """Every published term's id → its taxonomy's name and its slug."""
    return {term_id(name, term.slug): (name, term.slug)
            for name in PUBLISHED_TAXONOMIES for term in taxonomy(name).terms}


def service_query(args: MultiDict[str, str]) -> ServiceQuery:
    text = " ".join((args.get("search") or "").split())[:200]
    chosen: dict[str, list[str]] = {}
    known = terms_by_id()
    for value in args.getlist("taxonomy_term_id"):
        if value not in known:
            raise BadParameter(f"'taxonomy_term_id' {value[:60]!r} is not a term of this directory's taxonomies; "
                               "see /api/taxonomy_terms")
        name, slug = known[value]
        if name in FILTER_FIELD:
            chosen.setdefault(FILTER_FIELD[name], []).append(slug)
    minimum = _whole_number(args, "minimum_age", None, 0, 150)
    maximum = _whole_number(args, "maximum_age", None, 0, 150)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise BadParameter("'minimum_age' must not be greater than 'maximum_age'")
    centre, metres = _near(args)
    filters = SearchFilters(ages_from=minimum, ages_to=maximum, near=centre,
                            **{k: tuple(v) for k, v in chosen.items()})
    return ServiceQuery(text, filters, metres, taxonomy_choice(args), _open_window(args))


def taxonomies_by_id() -> dict[str, str]:
    """Every published taxonomy's id → its name."""
    return {taxonomy_id(name): name for name in PUBLISHED_TAXONOMIES}


def taxonomy_choice(args: MultiDict[str, str]) -> str | None:
    """The published taxonomy ``taxonomy_id`` names, by its name."""
    wanted = args.get("taxonomy_id")
    if not wanted:
        return None
    names = taxonomies_by_id()
    if wanted in names:
        return names[wanted]
    hint = "; that is a term, which 'taxonomy_term_id' takes" if wanted in terms_by_id() else ""
    raise BadParameter(f"'taxonomy_id' {wanted[:60]!r} is not one of this directory's taxonomies{hint}; "
                       "see /api/taxonomies")


def _near(args: MultiDict[str, str]) -> tuple[OutwardCode | None, float | None]:
    postcode = (args.get("postcode") or "").strip().upper().replace(" ", "")
    proximity = args.get("proximity")
    centre = None
    if postcode:
        if _POSTCODE.fullmatch(postcode) is None:
            raise BadParameter("'postcode' must be a UK postcode like BA1 1AA, or its first part like BA1")
        placing = place_postcode(postcode)
        if placing.precision is Precision.AREA:
            raise BadParameter(f"'postcode' {placing.district} is in {taxonomy('areas').label(placing.area)}, but "
                               f"this directory can't measure distances from {placing.district} yet; leave "
                               "'postcode' out, or use a postcode in a district it can place")
        centre = placing.centre
        if centre is None:
            raise BadParameter("'postcode' is not in this directory's area; "
                               "use a Bath and North East Somerset postcode")
    metres = None
    if proximity not in (None, ""):
        try:
            metres = float(proximity)
        except ValueError as error:
            raise BadParameter("'proximity' must be a distance in metres") from error
        if not 0 < metres <= MAX_PROXIMITY_M:
            raise BadParameter(f"'proximity' must be a distance in metres, more than 0 and at most {MAX_PROXIMITY_M}")
        if centre is None:
            raise BadParameter("'proximity' needs a 'postcode' to measure from")
    return centre, metres


def _time_of_day(args: MultiDict[str, str], name: str) -> time | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    match = _TIME.fullmatch(raw.strip())
    if match is None:
        raise BadParameter(f"'{name}' must be a 24-hour time like 09:30 or 09:30:00")
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def _open_window(args: MultiDict[str, str]) -> OpenWindow | None:
    raw_day = (args.get("day") or "").strip()
    day = _DAY_FORMS.get(raw_day.lower()) if raw_day else None
    if raw_day and day is None:
        raise BadParameter("'day' must be a day of the week, like MO (as ORUK schedules write it) or Monday")
    start = _time_of_day(args, "start_time")
    end = _time_of_day(args, "end_time")
    if start is not None and end is not None and start >= end:
        raise BadParameter("'start_time' must be before 'end_time' (a window past midnight is two requests)")
    if day is None and start is None and end is None:
        return None
    return OpenWindow(day, time.min if start is None else start, time.max if end is None else end)
