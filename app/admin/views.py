"""Administrators: approving referrers and keeping the list of trusted email domains."""

from flask import abort, redirect, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.models import ReferrerStatus, TrustedDomain, User
from app.accounts.operations import end_every_session
from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.admin.forms import EmptyForm, TrustedDomainForm
from app.confirmations import flash_confirmation
from app.extensions import db
from app.form_errors import render_form_page
from app.mail import send_email


def _dashboard_page(domain_form: TrustedDomainForm) -> tuple[str, int]:
    pending = db.session.scalars(
        select(User).where(User.referrer_status == ReferrerStatus.PENDING, User.email_verified_at.is_not(None))
        .order_by(User.created_at)
    ).all()
    domains = db.session.scalars(select(TrustedDomain).order_by(TrustedDomain.domain)).all()
    return render_form_page("admin/dashboard.html", [domain_form], pending=pending, domains=domains,
                            domain_form=domain_form, action_form=EmptyForm())


def _back_to_dashboard(anchor: str) -> Response:
    """The dashboard with focus on what was acted on: a trusted domain (``domain-<id>``), or the heading of the
    list an approved, declined or removed entry has left (``referrers``, ``trusted-domains``)."""
    return redirect(url_for("admin.dashboard", _anchor=anchor))


@admin.get("/")
@admin_required
def dashboard() -> tuple[str, int]:
    return _dashboard_page(TrustedDomainForm())


def _pending_referrer(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.referrer_status != ReferrerStatus.PENDING:
        abort(404)
    return user


@admin.post("/referrers/<int:user_id>/approve")
@admin_required
def approve_referrer(user_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _pending_referrer(user_id)
    user.referrer_status = ReferrerStatus.APPROVED
    end_every_session(user)  # a role change: the account signs in afresh, with what it may now see
    audit("referrer approved", user.email)
    db.session.commit()
    send_email(user.email, "Your Well Aware referrer account is ready",
               f"Hello {user.name},\n\nYour referrer account has been approved. Sign in at "
               f"{url_for('auth.sign_in', _external=True)} to use the advanced search.\n")
    flash_confirmation(f"Approved: {user.email}", "They can now use the referrer search.")
    return _back_to_dashboard("referrers")


@admin.post("/referrers/<int:user_id>/decline")
@admin_required
def decline_referrer(user_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _pending_referrer(user_id)
    user.referrer_status = ReferrerStatus.NONE
    end_every_session(user)
    audit("referrer declined", user.email)
    db.session.commit()
    flash_confirmation(f"Declined: {user.email}", "They were not given a referrer account.")
    return _back_to_dashboard("referrers")


@admin.post("/trusted-domains")
@admin_required
def add_trusted_domain() -> Response | tuple[str, int]:
    form = TrustedDomainForm()
    if not form.validate_on_submit():
        return _dashboard_page(form)
    domain = db.session.scalar(select(TrustedDomain).where(TrustedDomain.domain == form.domain.data))
    if domain is None:
        domain = TrustedDomain(domain=form.domain.data)
        db.session.add(domain)
        audit("trusted domain added", form.domain.data or "")
        db.session.commit()
    flash_confirmation(f"Trusted: {domain.domain}",
                       f"Referrers with {domain.domain} addresses are approved once they confirm their email.")
    return _back_to_dashboard(f"domain-{domain.id}")


@admin.post("/trusted-domains/<int:domain_id>/remove")
@admin_required
def remove_trusted_domain(domain_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    domain = db.session.get(TrustedDomain, domain_id) or abort(404)
    db.session.delete(domain)
    audit("trusted domain removed", domain.domain)
    db.session.commit()
    flash_confirmation(f"No longer trusted: {domain.domain}", "New referrers from it will wait for approval.")
    return _back_to_dashboard("trusted-domains")
