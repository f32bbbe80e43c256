"""Recording administrators' actions, and the page that lists them."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.accounts.roles import admin_required
from app.admin import admin
from app.extensions import db

PAGE_SIZE = 200


def audit(action: str, subject: str, detail: str = "") -> None:
    """Add an audit event to the current transaction, so it is kept exactly when the action is."""
    actor = current_user.id if current_user.is_authenticated else None
    db.session.add(AuditEvent(actor_id=actor, action=action, subject=subject[:300], detail=detail[:2000]))


@admin.get("/audit")
@admin_required
def audit_log() -> str:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("admin/audit.html", events=events)
