"""Recording administrators' actions, on the site and from the command line, and the page that lists them."""

import getpass
import socket

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


def command_line_user() -> str:
    """Who ran a command, as far as the machine can tell: the operating-system account and the machine."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container's bare uid)
        account = "an unnamed account"
    return f"from the command line, as {account} on {socket.gethostname()}"


def audit_command(action: str, subject: str, detail: str = "") -> None:
    """Add an audit event for a command-line action to the current transaction (commands have no
    signed-in user, so the event says who ran them)."""
    said = "; ".join(part for part in (detail, command_line_user()) if part)
    db.session.add(AuditEvent(actor_id=None, action=action, subject=subject[:300], detail=said[:2000]))


@admin.get("/audit")
@admin_required
def audit_log() -> str:
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("admin/audit.html", events=events)
