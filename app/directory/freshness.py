"""Keeping listings fresh: who should be reminded to confirm their listings (design §2 principle 5)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus
from app.directory.visibility import freshness_cutoff
from app.extensions import db
from app.mail import send_email
from app.timeutil import months_before, today


@dataclass
class ReminderReport:
    editors: dict[str, list[str]] = field(default_factory=dict)  # email → names of due listings
    orphans: list[str] = field(default_factory=list)  # due listings nobody can confirm
    admins: list[str] = field(default_factory=list)


def due_listings(day: date) -> list[Service]:
    """Published listings last confirmed at or before the reminder point."""
    due_from = months_before(day, int(current_app.config["REMINDER_MONTHS"]))
    query = (
        select(Service)
        .join(Service.organisation)
        .where(Service.status == ServiceStatus.PUBLISHED, Organisation.status == OrganisationStatus.APPROVED,
               Service.assured_at <= due_from)
        .options(selectinload(Service.organisation))
        .order_by(Service.name)
    )
    return list(db.session.scalars(query))


def _active_editors(organisation: Organisation) -> list[User]:
    editors = db.session.scalars(select(User).where(User.organisations.contains(organisation))).all()
    return [u for u in editors if u.active and u.email_verified_at is not None and u.password_hash]


def send_reminders(day: date | None = None) -> ReminderReport:
    day = day or today()
    cutoff = freshness_cutoff(day)
    report = ReminderReport()
    per_editor: dict[str, list[Service]] = defaultdict(list)
    for service in due_listings(day):
        editors = _active_editors(service.organisation)
        if not editors:
            report.orphans.append(service.name)
        for editor in editors:
            per_editor[editor.email].append(service)
    dashboard = url_for("manage.dashboard", _external=True)
    for email, services in per_editor.items():
        lines = [f"- {s.name} (last confirmed {s.assured_at:%-d %B %Y})"
                 + (" – hidden from search until you confirm it" if s.assured_at < cutoff else "")
                 for s in services]
        send_email(email, "Please check your Well Aware listings",
                   "These listings have not been confirmed for a while. People rely on them being right.\n\n"
                   + "\n".join(lines)
                   + f"\n\nIf the details are still correct, press 'Still correct' on your dashboard; if not, "
                   f"edit them:\n\n{dashboard}\n")
        report.editors[email] = [s.name for s in services]
    if report.orphans:
        admins = db.session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))).all()
        for admin in admins:
            send_email(admin.email, "Well Aware listings with no one to confirm them",
                       "These listings are due for confirmation but their organisation has no active editor:\n\n"
                       + "\n".join(f"- {name}" for name in report.orphans) + "\n")
            report.admins.append(admin.email)
    return report
