"""Reminding editors to confirm their listings (design §2 principle 5).

A listing becomes due REMINDER_MONTHS after it was last confirmed. Its active editors get one reminder,
and one follow-up REMINDER_FOLLOW_UP_DAYS later if it is still not confirmed; a due listing nobody can
confirm is reported to the administrators once. Each is recorded (``ReminderSent``) against the date the
listing was last confirmed, so running the command again sends nothing new, and confirming starts afresh.
Each listing in the email carries its own signed "Still correct" link (``app.freshness.links``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus
from app.directory.visibility import freshness_cutoff
from app.extensions import db
from app.freshness.editors import active_administrators, active_editors
from app.freshness.links import confirmation_token
from app.freshness.models import ReminderSent, ReminderStage
from app.mail import send_email
from app.timeutil import months_before, today


@dataclass
class ReminderReport:
    editors: dict[str, list[str]] = field(default_factory=dict)  # email → names of listings reminded about
    orphans: list[str] = field(default_factory=list)  # due listings nobody can confirm, newly reported
    admins: list[str] = field(default_factory=list)
    already_sent: int = 0  # due listings whose reminders have all gone already


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


def _sent(services: list[Service]) -> dict[tuple[int, date], dict[ReminderStage, ReminderSent]]:
    """What has been sent about each listing's current confirmation date."""
    rows = db.session.scalars(select(ReminderSent).where(ReminderSent.service_id.in_([s.id for s in services])))
    sent: dict[tuple[int, date], dict[ReminderStage, ReminderSent]] = defaultdict(dict)
    for row in rows:
        sent[(row.service_id, row.confirmed_on)][ReminderStage(row.stage)] = row
    return sent


def _stage_now(already: dict[ReminderStage, ReminderSent], day: date) -> ReminderStage | None:
    """The reminder an editor should get today, if any."""
    first = already.get(ReminderStage.FIRST)
    if first is None:
        return ReminderStage.FIRST
    follow_up_from = first.sent_at.date() + timedelta(days=int(current_app.config["REMINDER_FOLLOW_UP_DAYS"]))
    if ReminderStage.FOLLOW_UP not in already and day >= follow_up_from:
        return ReminderStage.FOLLOW_UP
    return None


def _record(service: Service, stage: ReminderStage, recipients: int) -> None:
    assert service.assured_at is not None  # due_listings compares it with a date
    db.session.add(ReminderSent(service_id=service.id, confirmed_on=service.assured_at, stage=stage,
                                recipients=recipients))


def _listing_lines(service: Service, editor: User, cutoff: date) -> list[str]:
    assert service.assured_at is not None
    hidden = " – hidden from search until you confirm it" if service.assured_at < cutoff else ""
    still_correct = url_for("freshness.confirm_link", token=confirmation_token(service, editor), _external=True)
    needs_changes = url_for("manage.edit_service", service_id=service.id, _external=True)
    return [f"- {service.name} (last confirmed {service.assured_at:%-d %B %Y}){hidden}",
            f"  Still correct? Confirm it, no sign-in needed: {still_correct}",
            f"  Needs changes? Sign in and edit it: {needs_changes}"]


def _email_editor(editor: User, services: list[tuple[Service, ReminderStage]], cutoff: date) -> None:
    follow_up = all(stage == ReminderStage.FOLLOW_UP for _, stage in services)
    subject = ("Reminder: please check your Well Aware listings" if follow_up
               else "Please check your Well Aware listings")
    opening = ("We wrote to you about these listings a while ago, and they have not been confirmed yet."
               if follow_up else "These listings have not been confirmed for a while.")
    lines = [line for service, _ in services for line in _listing_lines(service, editor, cutoff)]
    days = int(current_app.config["CONFIRM_LINK_DAYS"])
    send_email(editor.email, subject,
               f"{opening} People rely on them being right.\n\n" + "\n".join(lines)
               + f"\n\nEach 'Still correct' link works once, for {days} days. You can also confirm listings on "
               f"your dashboard:\n\n{url_for('manage.dashboard', _external=True)}\n")


def send_reminders(day: date | None = None) -> ReminderReport:
    day = day or today()
    cutoff = freshness_cutoff(day)
    report = ReminderReport()
    due = due_listings(day)
    sent = _sent(due)
    per_editor: dict[int, list[tuple[Service, ReminderStage]]] = defaultdict(list)
    editors_by_id: dict[int, User] = {}
    nobody: list[Service] = []
    for service in due:
        already = sent[(service.id, service.assured_at)]
        editors = active_editors(service.organisation)
        if not editors:
            if ReminderStage.NOBODY in already:
                report.already_sent += 1
            else:
                nobody.append(service)
            continue
        stage = _stage_now(already, day)
        if stage is None:
            report.already_sent += 1
            continue
        for editor in editors:
            editors_by_id[editor.id] = editor
            per_editor[editor.id].append((service, stage))
        _record(service, stage, len(editors))
    for editor_id, services in per_editor.items():
        editor = editors_by_id[editor_id]
        _email_editor(editor, services, cutoff)
        report.editors[editor.email] = [service.name for service, _ in services]
    if nobody:
        admins = active_administrators()
        for admin in admins:
            send_email(admin.email, "Well Aware listings with no one to confirm them",
                       "These listings are due for confirmation but their organisation has no active editor:\n\n"
                       + "\n".join(f"- {s.name} ({s.organisation.name})" for s in nobody)
                       + f"\n\nSee what is out of date: {url_for('admin.freshness', _external=True)}\n")
            report.admins.append(admin.email)
        if admins:
            for service in nobody:
                _record(service, ReminderStage.NOBODY, len(admins))
        report.orphans = [s.name for s in nobody]
    db.session.commit()
    return report
