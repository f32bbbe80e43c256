"""Loading the demo directory: organisations, listings, hubs and demo accounts (idempotent).

The demo files are written as of ``DEMO_AS_OF``; every date in them is moved forward by the days since
then, so the demo stays fresh (confirmed recently, events still to come) whenever it is loaded.
"""

import csv
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import TrustedDomain, User
from app.accounts.operations import create_user, find_user
from app.accounts.passwords import hash_password
from app.directory.importing import ImportReport, import_csv
from app.directory.models import Organisation, OrganisationStatus, Service
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.timeutil import today

DEMO_AS_OF = date(2026, 11, 23)
DATE_COLUMNS = ("event_date", "assured_at")
# Demo organisations that get an editor account.
EDITOR_COUNT = 3
TRUSTED_DOMAINS = ("nhs.net", "bathnes.gov.uk")


@dataclass
class DemoAccounts:
    passwords: dict[str, str] = field(default_factory=dict)  # email → password set by this load


def _shifted_csv(path: Path, shift: timedelta) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = reader.fieldnames or []
    for row in rows:
        for column in DATE_COLUMNS:
            if row.get(column):
                row[column] = (date.fromisoformat(row[column]) + shift).isoformat()
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def load_organisations(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            organisation = db.session.scalar(select(Organisation).where(Organisation.name == row["name"]))
            if organisation is None:
                organisation = Organisation(name=row["name"])
                db.session.add(organisation)
            for column in ("description", "website", "phone", "email", "charity_number"):
                setattr(organisation, column, row[column])
            organisation.status = OrganisationStatus.APPROVED


def load_hubs(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    for spec in raw["hubs"]:
        hub = db.session.scalar(select(Hub).where(Hub.slug == spec["slug"])) or Hub(slug=spec["slug"])
        db.session.add(hub)
        hub.name, hub.description, hub.areas = spec["name"], spec["description"], spec["areas"]
        hub.sections.clear()
        db.session.flush()
        for position, section_spec in enumerate(spec["sections"]):
            picks = list(db.session.scalars(
                select(Service).where(Service.external_id.in_(section_spec.get("picks", [])))
            ))
            hub.sections.append(HubSection(
                position=position, title=section_spec["title"], intro=section_spec["intro"],
                categories=section_spec["categories"], audiences=section_spec["audiences"], picks=picks,
            ))


def _set_password(email: str, role: str, accounts: DemoAccounts, **kwargs: object) -> None:
    password = secrets.token_urlsafe(12)
    user = find_user(email)
    if user is None:
        create_user(email, password, role=role, **kwargs)
    else:
        user.password_hash = hash_password(password)
    accounts.passwords[email] = password


def load_accounts() -> DemoAccounts:
    """One administrator, one referrer and editors for a few organisations, with fresh passwords."""
    accounts = DemoAccounts()
    for domain in TRUSTED_DOMAINS:
        if db.session.scalar(select(TrustedDomain).where(TrustedDomain.domain == domain)) is None:
            db.session.add(TrustedDomain(domain=domain))
    _set_password("admin@wellaware.example", "admin", accounts, name="Demo Administrator")
    _set_password("referrer@nhs.example", "referrer", accounts, name="Demo Referrer")
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name).limit(EDITOR_COUNT))
    for number, organisation in enumerate(organisations, 1):
        email = f"editor{number}@wellaware.example"
        _set_password(email, "editor", accounts, organisation=organisation, name=f"Editor for {organisation.name}")
        user = find_user(email)
        if isinstance(user, User) and organisation not in user.organisations:
            user.organisations.append(organisation)
    return accounts


def load_demo(data_dir: Path) -> tuple[ImportReport, DemoAccounts]:
    demo_dir = data_dir / "demo"
    load_organisations(demo_dir / "organisations.csv")
    db.session.flush()
    shift = today() - DEMO_AS_OF
    report = import_csv(_shifted_csv(demo_dir / "services.csv", shift), source="demo")
    if not report.ok:
        db.session.rollback()
        return report, DemoAccounts()
    load_hubs(demo_dir / "hubs.json")
    accounts = load_accounts()
    db.session.commit()
    return report, accounts
