"""Reading and checking the API's query parameters; a bad one is a 400 with a plain message."""

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.taxonomies import OutwardCode, outward_codes, taxonomy
from exports.oruk import PUBLISHED_TAXONOMIES
from exports.oruk_ids import term_id
from search.filters import SearchFilters

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# ORUK taxonomy → the search filter field that holds it.
FILTER_FIELD = {"categories": "categories", "audiences": "audiences", "cost": "cost", "referral": "referral",
                "access": "access", "accessibility": "accessibility", "kinds": "kinds"}


class BadParameter(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


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


def _terms_by_id() -> dict[str, tuple[str, str]]:
    return {term_id(name, term.slug): (name, term.slug)
            for name in PUBLISHED_TAXONOMIES for term in taxonomy(name).terms}


def service_filters(args: MultiDict[str, str]) -> tuple[str, SearchFilters]:
    text = " ".join((args.get("search") or "").split())[:200]
    chosen: dict[str, list[str]] = {}
    known = _terms_by_id()
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
    filters = SearchFilters(ages_from=minimum, ages_to=maximum, **{k: tuple(v) for k, v in chosen.items()})
    return text, filters


def near(args: MultiDict[str, str]) -> tuple[OutwardCode | None, float | None]:
    postcode = (args.get("postcode") or "").strip().upper().replace(" ", "")
    proximity = args.get("proximity")
    centre = None
    if postcode:
        codes = outward_codes()
        centre = codes.get(postcode) or codes.get(postcode[:-3])
        if centre is None:
            raise BadParameter("'postcode' is not in this directory's area; "
                               "use a Bath and North East Somerset postcode")
    metres = None
    if proximity not in (None, ""):
        try:
            metres = float(proximity)
        except ValueError as error:
            raise BadParameter("'proximity' must be a distance in metres") from error
        if not 0 < metres <= 1_000_000:
            raise BadParameter("'proximity' must be a distance in metres, more than 0")
        if centre is None:
            raise BadParameter("'proximity' needs a 'postcode' to measure from")
    return centre, metres
