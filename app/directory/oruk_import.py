"""Importing services written in Open Referral UK 3.0 form (one service, a list, or a page of them).

Taxonomy terms we know are mapped to our slugs; the ones we don't are reported, and so are characters no
database can store, which are removed from every text field (``app.text``). Every service is checked
before anything is written, as with the CSV import.
"""

import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import cast

from sqlalchemy import select

from app.directory.listing_data import CostOptionData, ListingData, LocationData, normalise_postcode, validate
from app.directory.models import Organisation, OrganisationStatus, Service
from app.directory.operations import publish_directly
from app.directory.phones import tidy_phone
from app.directory.schedule import DAYS, MAX_NOTE, OpeningRule, written_form
from app.extensions import db
from app.taxonomies import taxonomy
from app.text import storable_json
from app.timeutil import today
from exports.oruk import REGION

RRULE_TO_DAY = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
TAXONOMY_FIELDS = {"categories": "categories", "audiences": "audiences", "referral": "referral",
                   "access": "access", "accessibility": "accessibility"}
# When a service names no category we know, a category is guessed from its words (and reported).
CATEGORY_WORDS = (
    ("mental-health", ("counselling", "therapy", "anxiety", "depression", "mental")),
    ("drugs-alcohol", ("alcohol", "drug", "drinking")),
    ("housing", ("housing", "homeless", "tenancy")),
    ("money", ("debt", "benefit", "money")),
    ("carers", ("carer",)),
    ("families", ("family", "parent", "children")),
)


MB = 1024 * 1024
# Far deeper than any ORUK file (the profile's own examples go no more than eight levels down), far
# shallower than Python's parser, which runs out of stack a little under a thousand levels.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class UnreadableJson(ValueError):
    """A file the import will not read, with the reason in plain words."""


def _nested_deeper_than(text: str, limit: int) -> bool:
    """Whether JSON ``text`` opens more than ``limit`` arrays and objects inside one another (brackets
    within strings do not count)."""
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def read_json(raw: bytes, max_bytes: int) -> object:
    """The JSON document in ``raw`` (UTF-8, with or without a byte-order mark). A file larger than
    ``max_bytes`` or nested deeper than MAX_JSON_DEPTH is refused before it is parsed: parsing it would
    take the memory, or crash."""
    if len(raw) > max_bytes:
        raise UnreadableJson(f"the file is larger than {max_bytes / MB:g} MB, the most an import reads; "
                             "split it into smaller files")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableJson("the file is not UTF-8 text; save it as UTF-8 and try again") from None
    if _nested_deeper_than(text, MAX_JSON_DEPTH):
        raise UnreadableJson(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep, which no ORUK file "
                             "needs; check that this is the file you meant")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableJson(f"not a JSON file we can read ({error})") from None
    except ValueError:  # from int(), which refuses a number longer than Python allows
        raise UnreadableJson(f"the JSON holds a number with more than {sys.get_int_max_str_digits()} digits, "
                             "which no ORUK field needs") from None


@dataclass
class OrukService:
    uid: str
    data: ListingData
    organisation: dict[str, str]
    last_modified: datetime | None
    notes: list[str] = field(default_factory=list)  # what we could not map, in plain words
    problems: list[str] = field(default_factory=list)


@dataclass
class OrukReport:
    services: list[OrukService] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not any(s.problems for s in self.services)


def _records(document: object) -> list[dict[str, object]]:
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return [r for r in document["contents"] if isinstance(r, dict)]
    if isinstance(document, list):
        return [r for r in document if isinstance(r, dict)]
    if isinstance(document, dict):
        return [document]
    return []


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _age(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if 0 <= value <= 150 else None


def _time(value: object) -> time | None:
    try:
        return time.fromisoformat(str(value)[:5]) if value else None
    except ValueError:
        return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _schedule_note(schedule: dict[str, object], notes: list[str]) -> str:
    """The schedule's ``notes`` as our note on the rule: one line, no ``;`` (which separates rules), at most
    ``MAX_NOTE`` characters."""
    note = " ".join(_text(schedule.get("notes")).split()).replace(";", ",")
    if len(note) > MAX_NOTE:
        notes.append(f"a schedule's notes were cut to {MAX_NOTE} characters ({note[:40]}…)")
        note = note[: MAX_NOTE - 1].rstrip() + "…"
    return note


def _schedules(record: dict[str, object], notes: list[str]) -> tuple[list[OpeningRule], date | None]:
    """Each schedule as our rules; one whose closes_at is before its opens_at closes the next morning."""
    rules: list[OpeningRule] = []
    event_day = None
    for schedule in record.get("schedules") or []:
        if not isinstance(schedule, dict):
            continue
        note = _schedule_note(schedule, notes)
        freq = _text(schedule.get("freq")).upper()
        opens, closes = _time(schedule.get("opens_at")), _time(schedule.get("closes_at"))
        byday = [d.strip().upper() for d in _text(schedule.get("byday")).split(",") if d.strip()]
        every_day = freq == "DAILY" or (freq == "WEEKLY" and len(set(byday)) == len(DAYS))
        if every_day and opens == time(0, 0) and closes is not None and closes >= time(23, 59):
            rules.append(OpeningRule("always", note=note))
            continue
        if opens is None or closes is None or closes == opens:
            notes.append(f"a schedule without usable times was left out ({_text(schedule.get('description'))[:60]})")
            continue
        if not freq:
            start, end = _date(schedule.get("valid_from") or schedule.get("dtstart")), _date(schedule.get("valid_to"))
            if start is not None and (end is None or end == start):
                event_day = start
                rules.append(OpeningRule("event", (), None, opens, closes, note))
                continue
        match = re.fullmatch(r"(-?[1-4])(MO|TU|WE|TH|FR|SA|SU)", byday[0]) if freq == "MONTHLY" and byday else None
        if match:
            rules.append(OpeningRule("monthly", (RRULE_TO_DAY[match[2]],), int(match[1]), opens, closes, note))
            continue
        days = tuple(day for day in DAYS if day in {RRULE_TO_DAY.get(d) for d in byday})
        if freq == "WEEKLY" and days:
            interval = schedule.get("interval") or 1
            if interval == 2 and len(days) == 1:
                rules.append(OpeningRule("fortnightly", days, None, opens, closes, note))
            else:
                rules.append(OpeningRule("weekly", days, None, opens, closes, note))
            continue
        notes.append(f"a schedule we cannot read was left out ({_text(schedule.get('description'))[:60]})")
    return rules, event_day


def _terms(record: dict[str, object], notes: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for attribute in record.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict):
            continue
        name = _text(term.get("taxonomy"))
        slug = _text(term.get("code")) or _text(term.get("term"))
        known = taxonomy(name).get(slug) if name in {*TAXONOMY_FIELDS, "cost", "kinds"} else None
        if known is None:
            notes.append(f"unknown taxonomy term '{_text(term.get('name')) or slug}' "
                         f"(taxonomy '{name or 'none'}') was not mapped")
            continue
        found.setdefault(name, []).append(known.slug)
    return found


def _areas(record: dict[str, object], notes: list[str]) -> list[str]:
    areas = taxonomy("areas")
    by_name = {term.name.lower(): term.slug for term in areas.terms}
    slugs = []
    for area in record.get("service_areas") or []:
        if not isinstance(area, dict):
            continue
        uri = _text(area.get("uri"))
        slug = uri.removeprefix("urn:wellaware:area:") if uri.startswith("urn:wellaware:area:") else ""
        slug = slug if areas.get(slug) else by_name.get(_text(area.get("name")).lower(), "")
        if slug:
            slugs.append(slug)
        else:
            notes.append(f"service area '{_text(area.get('name'))[:60]}' was not mapped")
    if not slugs:
        notes.append("no area we know: listed as serving all of Bath and North East Somerset")
        slugs = ["bnes-wide"]
    return list(dict.fromkeys(slugs))


def _locations(record: dict[str, object], notes: list[str]) -> list[LocationData]:
    locations = []
    for link in record.get("service_at_locations") or []:
        location = link.get("location") if isinstance(link, dict) else None
        addresses = (location or {}).get("addresses") or []
        if not addresses and _text((location or {}).get("description")):
            locations.append(LocationData(_text(location.get("description"))))  # our own export, no postcode
        for address in addresses:
            line, city = _text(address.get("address_1")), _text(address.get("city"))
            if not line:
                continue
            known_town = city and city != REGION and not line.lower().endswith(city.lower())
            full = f"{line}, {city}" if known_town else line
            written = _text(address.get("postal_code"))
            postcode = normalise_postcode(written) or ""
            if written and not postcode:
                notes.append(f"postcode '{written[:20]}' is not a UK postcode and was left out")
            locations.append(LocationData(full, postcode))
    return locations


def _cost_options(record: dict[str, object], notes: list[str]) -> list[CostOptionData]:
    options = []
    for option in record.get("cost_options") or []:
        if not isinstance(option, dict):
            continue
        try:
            amount = Decimal(str(option.get("amount")))
        except InvalidOperation:
            notes.append("a price without an amount was left out")
            continue
        per = _text(option.get("amount_description")).removeprefix("per ").strip()
        options.append(CostOptionData(_text(option.get("option")) or "Price", f"{amount:.2f}", per))
    return options


def _summary_and_body(description: str) -> tuple[str, str]:
    """Our exports write the one-line summary as the description's first paragraph; other feeds get their
    first sentence as the summary and keep the whole description."""
    head, separator, rest = description.partition("\n\n")
    if separator and len(head) <= 300 and "\n" not in head:
        return head.strip(), rest.strip()
    return description.split(". ")[0].strip()[:300], description


def _guess_category(text: str) -> str:
    lowered = text.lower()
    return next((slug for slug, words in CATEGORY_WORDS if any(w in lowered for w in words)), "wellbeing")


def read_service(raw: dict[str, object]) -> OrukService:
    cleaned, notes = storable_json(raw)
    record = cast(dict[str, object], cleaned)  # the same shape, its strings made storable
    uid = _text(record.get("id"))
    organisation = record.get("organization") if isinstance(record.get("organization"), dict) else {}
    description = _text(record.get("description"))
    summary, body = _summary_and_body(description)
    terms = _terms(record, notes)
    rules, event_day = _schedules(record, notes)
    cost_options = _cost_options(record, notes)
    categories = terms.get("categories", [])
    if not categories:
        guessed = _guess_category(f"{record.get('name')} {description}")
        notes.append(f"no category we know: guessed '{guessed}' from the description")
        categories = [guessed]
    locations = _locations(record, notes)
    phones = [_text(p.get("number")) for c in record.get("contacts") or [] if isinstance(c, dict)
              for p in c.get("phones") or [] if isinstance(p, dict)]
    kind = (terms.get("kinds") or ["event" if event_day else "service"])[0]
    data = ListingData(
        organisation=_text(organisation.get("name")),
        name=_text(record.get("name")),
        kind=kind,
        summary=summary,
        description=body,
        categories=categories,
        audiences=terms.get("audiences", []),
        min_age=_age(record.get("minimum_age")),
        max_age=_age(record.get("maximum_age")),
        cost=(terms.get("cost") or ["charged" if cost_options else "free"])[0],
        cost_options=cost_options,
        referral=terms.get("referral", []),
        access=terms.get("access", ["in-person"] if locations else []),
        accessibility=terms.get("accessibility", []),
        areas=_areas(record, notes),
        locations=locations,
        phone=tidy_phone(phones[0]) if phones else "",
        email=_text(record.get("email")),
        website=_text(record.get("url")),
        opening_hours=written_form(rules),
        event_date=event_day if kind == "event" else None,
        assured_at=_date(record.get("assured_date")) or today(),
    )
    last_modified = None
    if _text(record.get("last_modified")):
        try:
            last_modified = datetime.fromisoformat(_text(record.get("last_modified")).replace("Z", "+00:00"))
            last_modified = last_modified.replace(tzinfo=None)
        except ValueError:
            notes.append("last_modified is not a date and time; ignored")
    org_details = {
        "uid": _text(organisation.get("id")), "name": data.organisation,
        "description": _text(organisation.get("description")), "email": _text(organisation.get("email")),
        "website": _text(organisation.get("website")),
        "charity_number": next((_text(i.get("identifier")) for i in organisation.get("organization_identifiers") or []
                                if isinstance(i, dict) and _text(i.get("identifier_scheme")) == "GB-CHC"), ""),
    }
    service = OrukService(uid, data, org_details, last_modified, notes)
    if not uid:
        service.problems.append("the service has no id")
    service.problems.extend(_too_long(Service, {"uid": uid}, "id"))
    service.problems.extend(_too_long(Organisation, org_details, "organization."))
    service.problems.extend(validate(data))
    return service


def _too_long(model: type, values: dict[str, object], label: str) -> list[str]:
    """Values longer than their database columns hold (PostgreSQL refuses them; SQLite would not notice)."""
    problems = []
    for name, value in values.items():
        limit = getattr(model.__table__.c[name].type, "length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            field = label if label == "id" else label + ("id" if name == "uid" else name)
            problems.append(f"{field}: keep it under {limit + 1} characters")
    return problems


def _read_or_report(number: int, record: dict[str, object]) -> OrukService:
    """A record whose parts have the wrong shapes (a list that is a string…) is reported, not a crash."""
    try:
        return read_service(record)
    except (TypeError, AttributeError, LookupError, ValueError, ArithmeticError) as error:
        unreadable = OrukService(_text(record.get("id")), ListingData(organisation="", name=_text(record.get("name"))),
                                 {}, None)
        unreadable.problems.append(f"service {number} is not in a shape ORUK allows ({error})")
        return unreadable


def _organisation(details: dict[str, str]) -> Organisation:
    organisation = None
    if details["uid"]:
        organisation = db.session.scalar(select(Organisation).where(Organisation.uid == details["uid"]))
    organisation = organisation or db.session.scalar(select(Organisation).where(Organisation.name == details["name"]))
    if organisation is None:
        organisation = Organisation(name=details["name"], status=OrganisationStatus.APPROVED)
        if details["uid"]:
            organisation.uid = details["uid"]
        db.session.add(organisation)
    for key in ("description", "email", "website", "charity_number"):
        if details[key]:
            setattr(organisation, key, details[key])
    return organisation


def import_oruk(document: object, *, dry_run: bool = False, confirmed_today: bool = False) -> OrukReport:
    """Import ORUK services. ``confirmed_today``: an administrator has checked the records, so they count as
    confirmed today rather than on their own ``assured_date`` (which may be years old)."""
    report = OrukReport()
    records = _records(document)
    if not records:
        report.problems.append("the file holds no ORUK service (an object, a list, or a page with 'contents')")
        return report
    report.services = [_read_or_report(number, record) for number, record in enumerate(records, 1)]
    if confirmed_today:
        for item in report.services:
            item.data.assured_at = today()
    if not report.ok:
        return report
    for item in report.services:
        _organisation(item.organisation)
        db.session.flush()
        current = db.session.scalar(select(Service).where(Service.uid == item.uid))
        service, changed = publish_directly(item.data, service=current, source="import")
        service.uid = item.uid
        if item.last_modified is not None:
            service.updated_at = item.last_modified
        if current is None:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report
