"""Loading the demo directory: organisations, listings, hubs, trusted domains and demo accounts.

A load adds what is missing and leaves what is there, so that serving again (``.ci/serve`` loads the demo
each time) undoes nobody's work: organisations, hubs and accounts that exist are left as they are, an
account keeps its password (a password is printed only when it is set), and a listing someone has changed
or confirmed is left as they made it. A demo listing nobody has touched is brought up to date with the
files, so its dates move on with the calendar. Trusted domains are added on the demo's first load only:
after that the list is the administrators', and one they removed stays removed.

``reset=True`` starts the demo again: every demo listing, organisation, hub, trusted domain and account as
the files describe them, proposals waiting on demo listings withdrawn, and a new password for each demo
account (which ends its sessions). What is not the demo's (other listings, accounts and domains) is kept.

Dates. The files are written as of ``DEMO_AS_OF`` and loaded later, so the demo shows what it would on the
day it is loaded:

- ``assured_at`` says how long ago the details were confirmed: it moves by the days since ``DEMO_AS_OF``,
  so a listing confirmed 30 days before then was confirmed 30 days before today.
- ``event_date``: every demo event is a yearly occasion (Christmas Day, Carers Week in June, a spring fair),
  so a day count would take it out of season, and off its weekday. An event goes to its next occurrence on
  or after today: on a day known by its date (``DATED_DAYS``) on the same month and day; otherwise on the
  same weekday as in the files, within three days of the same month and day. Loaded on ``DEMO_AS_OF`` the
  events are on the days the files give. An occasion on a movable day (Easter, Mothering Sunday) would need
  a rule of its own; the demo has none.
"""

import calendar
import csv
import io
import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import ReferrerStatus, TrustedDomain
from app.accounts.operations import create_user, find_user, set_password
from app.directory.importing import ImportReport, import_csv
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, OrganisationStatus, RevisionStatus, Service, ServiceStatus
from app.directory.phones import fictional_numbers_allowed
from app.extensions import db
from app.hubs.models import Hub, HubSection, section_slug
from app.timeutil import today, utcnow

DEMO_AS_OF = date(2026, 11, 23)
# Christmas Eve, Christmas Day, Boxing Day, New Year's Eve, New Year's Day: known by their date, not a weekday.
DATED_DAYS = frozenset({(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)})
SOURCE = "demo"  # the source of the revisions the demo writes
# Demo organisations that get an editor account.
EDITOR_COUNT = 3
TRUSTED_DOMAINS = ("nhs.net", "bathnes.gov.uk")
ORGANISATION_COLUMNS = ("description", "website", "phone", "email", "charity_number")


@dataclass
class DemoLoad:
    """What one load did, for the command to report."""

    listings: ImportReport = field(default_factory=ImportReport)  # the demo listings it wrote
    left: int = 0  # demo listings someone has changed, left as they are
    withdrawn: int = 0  # proposals waiting on demo listings that a reset withdrew
    organisations: int = 0  # created
    hubs: int = 0  # created
    domains: int = 0  # trusted domains added
    passwords: dict[str, str] = field(default_factory=dict)  # email → password set by this load
    unchanged: list[str] = field(default_factory=list)  # demo accounts already there, with their passwords


def _in_year(event: date, year: int) -> date:
    """When the demo event written for ``event`` is held in ``year`` (see the module's docstring)."""
    anchor = event.replace(year=year, day=min(event.day, calendar.monthrange(year, event.month)[1]))
    if (event.month, event.day) in DATED_DAYS:
        return anchor
    return anchor + timedelta(days=(event.weekday() - anchor.weekday() + 3) % 7 - 3)


def next_occurrence(event: date, day: date) -> date:
    """The first time on or after ``day`` that the demo event written for ``event`` is held."""
    year = day.year - 1  # an event early in January may be held from the end of December
    while (held := _in_year(event, year)) < day:
        year += 1
    return held


def _shifted_csv(path: Path, shift: timedelta, *, leave_out: Collection[str] = ()) -> str:
    """The demo services file as loaded ``shift`` after ``DEMO_AS_OF``, without the rows ``leave_out`` names."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["external_id"] not in leave_out]
        columns = reader.fieldnames or []
    for row in rows:
        if row["assured_at"]:
            row["assured_at"] = (date.fromisoformat(row["assured_at"]) + shift).isoformat()
        if row["event_date"]:
            row["event_date"] = next_occurrence(date.fromisoformat(row["event_date"]), DEMO_AS_OF + shift).isoformat()
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _demo_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["external_id"] for row in csv.DictReader(handle)]


def _as_the_demo_left_it(service: Service) -> bool:
    """Nobody has touched the listing since the demo wrote it: its last approved version is the demo's and is
    what it shows (an editor's confirmation changes ``assured_at`` without a revision), nothing is waiting
    for approval, and it is published."""
    approved = [r for r in service.revisions if r.status == RevisionStatus.APPROVED]
    return (
        service.status == ServiceStatus.PUBLISHED
        and bool(approved) and approved[-1].source == SOURCE
        and approved[-1].data == ListingData.from_service(service).to_json()
        and not any(r.status == RevisionStatus.PENDING for r in service.revisions)
    )


def load_listings(path: Path, ids: list[str], result: DemoLoad, *, reset: bool) -> None:
    """Demo listings that are missing or untouched (every one, with ``reset``) as the file has them."""
    existing = list(db.session.scalars(select(Service).where(Service.external_id.in_(ids))))
    if reset:
        for service in existing:
            for revision in service.revisions:
                if revision.status == RevisionStatus.PENDING:
                    revision.status = RevisionStatus.SUPERSEDED
                    result.withdrawn += 1
    left = set() if reset else {s.external_id for s in existing if not _as_the_demo_left_it(s)}
    result.left = len(left)
    if len(left) < len(ids):
        with fictional_numbers_allowed():  # every demo number is one of Ofcom's drama numbers
            result.listings = import_csv(_shifted_csv(path, today() - DEMO_AS_OF, leave_out=left), source=SOURCE)


def load_organisations(path: Path, result: DemoLoad, *, reset: bool) -> list[str]:
    """Missing demo organisations (every one, with ``reset``) as the file has them; returns their names."""
    names = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names.append(row["name"])
            organisation = db.session.scalar(select(Organisation).where(Organisation.name == row["name"]))
            if organisation is None:
                organisation = Organisation(name=row["name"])
                db.session.add(organisation)
                result.organisations += 1
            elif not reset:
                continue
            for column in ORGANISATION_COLUMNS:
                setattr(organisation, column, row[column])
            organisation.status, organisation.trusted = OrganisationStatus.APPROVED, False
    return names


def load_hubs(path: Path, result: DemoLoad, *, reset: bool) -> None:
    """Missing demo hubs (every one, with ``reset``) as the file has them."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    for spec in raw["hubs"]:
        hub = db.session.scalar(select(Hub).where(Hub.slug == spec["slug"]))
        if hub is None:
            hub = Hub(slug=spec["slug"])
            db.session.add(hub)
            result.hubs += 1
        elif not reset:
            continue
        hub.name, hub.description, hub.areas = spec["name"], spec["description"], spec["areas"]
        hub.sections.clear()
        db.session.flush()
        for position, section_spec in enumerate(spec["sections"]):
            picks = list(db.session.scalars(
                select(Service).where(Service.external_id.in_(section_spec.get("picks", [])))
            ))
            hub.sections.append(HubSection(
                position=position, title=section_spec["title"], intro=section_spec["intro"],
                slug=section_slug(section_spec["title"], {section.slug for section in hub.sections}),
                categories=section_spec["categories"], audiences=section_spec["audiences"],
                kinds=section_spec.get("kinds", []), except_categories=section_spec.get("except_categories", []),
                except_audiences=section_spec.get("except_audiences", []), picks=picks,
            ))


def _account(email: str, role: str, name: str, result: DemoLoad, *, reset: bool,
             organisation: Organisation | None = None) -> None:
    """A missing demo account is created; with ``reset`` an existing one is as if created again."""
    password = secrets.token_urlsafe(12)
    user = find_user(email)
    if user is None:
        create_user(email, password, role=role, organisation=organisation, name=name)
    elif reset:
        user.name = name
        set_password(user, password)  # which ends the account's sessions
        user.is_admin = role == "admin"
        user.referrer_status = ReferrerStatus.APPROVED if role == "referrer" else ReferrerStatus.NONE
        user.organisations = [organisation] if organisation is not None else []
        user.active = True
        user.email_verified_at = user.email_verified_at or utcnow()
    else:
        result.unchanged.append(email)
        return
    result.passwords[email] = password


def load_accounts(organisation_names: list[str], result: DemoLoad, *, reset: bool, first: bool) -> None:
    """One administrator, one referrer and editors for a few demo organisations; the trusted domains on the
    first load and with ``reset``."""
    if first or reset:
        for domain in TRUSTED_DOMAINS:
            if db.session.scalar(select(TrustedDomain).where(TrustedDomain.domain == domain)) is None:
                db.session.add(TrustedDomain(domain=domain))
                result.domains += 1
    _account("admin@wellaware.example", "admin", "Demo Administrator", result, reset=reset)
    _account("referrer@nhs.example", "referrer", "Demo Referrer", result, reset=reset)
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.name.in_(organisation_names))
                                            .order_by(Organisation.name).limit(EDITOR_COUNT)))
    for number, organisation in enumerate(organisations, 1):
        _account(f"editor{number}@wellaware.example", "editor", f"Editor for {organisation.name}", result,
                 reset=reset, organisation=organisation)


def load_demo(data_dir: Path, *, reset: bool = False) -> DemoLoad:
    """Load the demo (see the module's docstring); on a bad demo file nothing is written."""
    demo_dir = data_dir / "demo"
    result = DemoLoad()
    services = demo_dir / "services.csv"
    ids = _demo_ids(services)
    first = db.session.scalar(select(Service.id).where(Service.external_id.in_(ids))) is None
    names = load_organisations(demo_dir / "organisations.csv", result, reset=reset)
    db.session.flush()
    load_listings(services, ids, result, reset=reset)
    if not result.listings.ok:
        db.session.rollback()
        return result
    load_hubs(demo_dir / "hubs.json", result, reset=reset)
    load_accounts(names, result, reset=reset, first=first)
    db.session.commit()
    return result
