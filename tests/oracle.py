"""An independent answer to "which listings should a filter-only public search return?", for tests.

Worked out from the database with plain SQL and the rules written in the design (§2 principle 5, §6), never
with the application's own helpers (``is_public``, ``area_tags_matching``, ``filter_query`` and the like), so a
bug in those cannot agree with itself here. Not a test module (pytest collects only ``test_*.py``).

The rules, as the design states them:

- publicly visible: published, organisation not archived, confirmed within the freshness limit
  (``FRESHNESS_MONTHS`` calendar months), and not a one-off event whose date has passed;
- age: the person's age falls within the service's range, both ends included, an empty end being no limit;
- area: a listing serving ``bnes-wide`` or ``national`` matches every local area; choosing ``bnes-wide``
  takes in every local area; a border area matches its own listings and national ones; ``national``
  matches national listings;
- within a filter any chosen value will do, except accessibility, where a listing needs every chosen
  feature (someone who needs BSL and a wheelchair needs both); different filters must all hold;
- open evenings: open after 6pm (a rule that closes after 18:00, or past midnight: closing before it opens)
  or 24/7; weekends: a rule on Saturday or Sunday (the day it opens), or 24/7; with both chosen, either will
  do (issue 24).
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from flask import Flask
from sqlalchemy import Date, bindparam, text

from app.extensions import db

TAXONOMIES = Path(__file__).resolve().parent.parent / "data" / "taxonomies"
LIST_COLUMNS = ("categories", "audiences", "referral", "access", "accessibility", "areas")
ALL_REQUIRED = frozenset({"accessibility"})
EVENING_AFTER = "18:00:00"
WEEKEND = frozenset({"Sat", "Sun"})

VISIBLE = text("""
    SELECT s.id, s.kind, s.min_age, s.max_age, s.cost, s.categories, s.audiences, s.referral, s.access,
           s.accessibility, s.areas
    FROM service s JOIN organisation o ON o.id = s.organisation_id
    WHERE s.status = 'published'
      AND o.status <> 'archived'
      AND s.assured_at IS NOT NULL AND s.assured_at >= :cutoff
      AND (s.event_date IS NULL OR s.event_date >= :today)
""").bindparams(bindparam("cutoff", type_=Date()), bindparam("today", type_=Date()))
OPENING_TIMES = text("SELECT service_id, frequency, days, opens_at, closes_at FROM opening_time")


@dataclass(frozen=True)
class Row:
    """One publicly visible listing, as plain values."""

    id: int
    kind: str
    min_age: int | None
    max_age: int | None
    cost: str
    lists: Mapping[str, frozenset[str]]  # categories, audiences, referral, access, accessibility, areas
    evening: bool
    weekend: bool


def _terms(name: str) -> list[dict[str, object]]:
    return json.loads((TAXONOMIES / f"{name}.json").read_text(encoding="utf-8"))["terms"]


def taxonomy_slugs(name: str) -> list[str]:
    """The slugs of ``data/taxonomies/NAME.json``, read from the file."""
    return [str(term["slug"]) for term in _terms(name)]


def taxonomy_names(name: str) -> dict[str, str]:
    """Each slug of ``data/taxonomies/NAME.json`` with the name people see."""
    return {str(term["slug"]): str(term["name"]) for term in _terms(name)}


@cache
def area_kinds() -> dict[str, str]:
    """Each area slug of ``data/taxonomies/areas.json`` with its kind: local, wide or border."""
    terms = _terms("areas")
    return {term["slug"]: next(kind for kind in ("local", "wide", "border") if term.get(kind)) for term in terms}


def utc_today() -> date:
    return datetime.now(UTC).date()


def months_earlier(day: date, months: int) -> date:
    """The same day of the month ``months`` months before, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date.resolution).day
    return date(year, month, min(day.day, last_day))


def _values(raw: object) -> frozenset[str]:
    """A JSON list column: text on SQLite, already a list through psycopg."""
    return frozenset(json.loads(raw) if isinstance(raw, str) else (raw or []))


def visible_rows(app: Flask, day: date | None = None) -> dict[int, Row]:
    """Every publicly visible listing today, by id."""
    day = day or utc_today()
    with app.app_context():
        cutoff = months_earlier(day, int(app.config["FRESHNESS_MONTHS"]))
        listings = db.session.execute(VISIBLE, {"cutoff": cutoff, "today": day}).mappings().all()
        evening: set[int] = set()
        weekend: set[int] = set()
        for service_id, frequency, days, opens_at, closes_at in db.session.execute(OPENING_TIMES).all():
            closes = str(closes_at)[:8] if closes_at is not None else None
            overnight = closes is not None and opens_at is not None and closes < str(opens_at)[:8]
            if frequency == "always" or overnight or (closes is not None and closes > EVENING_AFTER):
                evening.add(service_id)
            if frequency == "always" or _values(days) & WEEKEND:
                weekend.add(service_id)
        db.session.remove()
    return {
        row["id"]: Row(row["id"], row["kind"], row["min_age"], row["max_age"], row["cost"],
                       {column: _values(row[column]) for column in LIST_COLUMNS},
                       row["id"] in evening, row["id"] in weekend)
        for row in listings
    }


def serves_age(row: Row, age: int) -> bool:
    return (row.min_age is None or row.min_age <= age) and (row.max_age is None or age <= row.max_age)


def serves_area(row: Row, chosen: str) -> bool:
    kinds = area_kinds()
    served = row.lists["areas"]
    if "national" in served:
        return True
    if kinds[chosen] == "local":
        return bool(served & {chosen, "bnes-wide"})
    if chosen == "bnes-wide":
        return bool(served & ({"bnes-wide"} | {slug for slug, kind in kinds.items() if kind == "local"}))
    return chosen in served


@dataclass(frozen=True)
class Filters:
    """A filter-only public search, by the names of the search page's parameters."""

    age: int | None = None
    cost: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    referral: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    when: tuple[str, ...] = ()

    def query_string(self) -> list[tuple[str, str]]:
        pairs = [("age", str(self.age))] if self.age is not None else []
        for name in ("cost", "category", "audience", "referral", "access", "accessibility", "area", "when"):
            pairs.extend((name, value) for value in getattr(self, name))
        return pairs


# search page parameter → the listing column it filters
COLUMN = {"category": "categories", "audience": "audiences", "referral": "referral", "access": "access",
          "accessibility": "accessibility"}


def has_value(row: Row, parameter: str, value: str) -> bool:
    """Whether the listing carries ``value`` of the search page's ``parameter`` (its facet membership)."""
    if parameter == "cost":
        return row.cost == value
    if parameter == "area":
        return serves_area(row, value)
    if parameter == "when":
        return row.evening if value == "evening" else row.weekend
    return value in row.lists[COLUMN[parameter]]


def matches(row: Row, filters: Filters) -> bool:
    if filters.age is not None and not serves_age(row, filters.age):
        return False
    for parameter in ("cost", "category", "audience", "referral", "access", "accessibility", "area"):
        chosen = getattr(filters, parameter)
        if not chosen:
            continue
        combine = all if COLUMN.get(parameter) in ALL_REQUIRED else any
        if not combine(has_value(row, parameter, value) for value in chosen):
            return False
    return not filters.when or any(has_value(row, "when", value) for value in filters.when)


def expected_ids(rows: Iterable[Row], filters: Filters) -> set[int]:
    return {row.id for row in rows if matches(row, filters)}
