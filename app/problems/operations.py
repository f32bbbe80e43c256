"""Filing a problem report, telling the people who can put it right, and closing it."""

from flask import url_for
from sqlalchemy import select

from app.accounts.models import User
from app.directory.models import Service
from app.directory.revisions import live_data
from app.extensions import db
from app.freshness.editors import active_administrators, active_editors
from app.mail import send_email
from app.problems.models import ProblemKind, ProblemReport, ProblemStatus
from app.timeutil import utcnow


def file_report(service: Service, kind: ProblemKind, details: str, reply_email: str) -> ProblemReport:
    """Keep the report with the listing as it is now, so whoever reads it later sees what the reporter saw."""
    snapshot = live_data(service)
    report = ProblemReport(service=service, kind=kind, details=details.strip(), reply_email=reply_email.strip() or None,
                           listing=snapshot.to_json() if snapshot else {})
    db.session.add(report)
    db.session.flush()
    return report


def tell_about_report(report: ProblemReport) -> list[str]:
    """Email the listing's active editors and the administrators; the addresses told.

    The reporter's words are plain text in a plain-text email. Their email address, if given, stays on the
    report's page, where only those who may act on it sign in to see it."""
    service = report.service
    link = url_for("manage.problem", report_id=report.id, _external=True)
    reply = "They would like a reply: their address is on the report's page." if report.reply_email else \
        "They did not ask for a reply."
    words = report.details or "(nothing more)"
    body = (f"Someone has reported a problem with a listing on Well Aware.\n\nListing: {service.name}\n"
            f"Organisation: {service.organisation.name}\nWhat is wrong: {report.kind_label}\n"
            f"In their words:\n\n{words}\n\n{reply}\n\nSee the report, put the listing right and record what "
            f"you did:\n\n{link}\n")
    told = []
    for user in [*active_editors(service.organisation), *active_administrators()]:
        if user.email not in told:
            send_email(user.email, f"A problem has been reported with {service.name}", body)
            told.append(user.email)
    return told


def close_report(report: ProblemReport, closed_by: User, outcome: str) -> None:
    report.status = ProblemStatus.CLOSED
    report.closed_at = utcnow()
    report.closed_by_id = closed_by.id
    report.outcome = outcome.strip()


def open_report_counts(service_ids: list[int] | None = None) -> dict[int, int]:
    """Open reports per listing."""
    query = select(ProblemReport.service_id).where(ProblemReport.status == ProblemStatus.OPEN)
    if service_ids is not None:
        query = query.where(ProblemReport.service_id.in_(service_ids))
    counts: dict[int, int] = {}
    for service_id in db.session.scalars(query):
        counts[service_id] = counts.get(service_id, 0) + 1
    return counts


def reports_for(organisation_ids: list[int] | None) -> tuple[list[ProblemReport], list[ProblemReport]]:
    """Open reports, oldest first, and the 100 most recently closed; all of them when ``organisation_ids``
    is None (administrators)."""
    query = select(ProblemReport).join(ProblemReport.service)
    if organisation_ids is not None:
        query = query.where(Service.organisation_id.in_(organisation_ids))
    open_reports = db.session.scalars(query.where(ProblemReport.status == ProblemStatus.OPEN)
                                      .order_by(ProblemReport.reported_at, ProblemReport.id)).all()
    closed = db.session.scalars(query.where(ProblemReport.status == ProblemStatus.CLOSED)
                                .order_by(ProblemReport.closed_at.desc(), ProblemReport.id.desc()).limit(100)).all()
    return list(open_reports), list(closed)
