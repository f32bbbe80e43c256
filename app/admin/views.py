"""Administrators: approving referrers and keeping the list of trusted email domains."""

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.models import ReferrerStatus, TrustedDomain, User
from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.admin.forms import EmptyForm, TrustedDomainForm
from app.extensions import db
from app.mail import send_email


@admin.get("/")
@admin_required
def dashboard() -> str:
    pending = db.session.scalars(
        select(User).where(User.referrer_status == ReferrerStatus.PENDING, User.email_verified_at.is_not(None))
        .order_by(User.created_at)
    ).all()
    domains = db.session.scalars(select(TrustedDomain).order_by(TrustedDomain.domain)).all()
    return render_template("admin/dashboard.html", pending=pending, domains=domains,
                           domain_form=TrustedDomainForm(), action_form=EmptyForm())


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
    audit("referrer approved", user.email)
    db.session.commit()
    send_email(user.email, "Your Well Aware referrer account is ready",
               f"Hello {user.name},\n\nYour referrer account has been approved. Sign in at "
               f"{url_for('auth.sign_in', _external=True)} to use the advanced search.\n")
    flash(f"{user.email} can now use the referrer search.")
    return redirect(url_for("admin.dashboard"))


@admin.post("/referrers/<int:user_id>/decline")
@admin_required
def decline_referrer(user_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _pending_referrer(user_id)
    user.referrer_status = ReferrerStatus.NONE
    audit("referrer declined", user.email)
    db.session.commit()
    flash(f"{user.email} was not given a referrer account.")
    return redirect(url_for("admin.dashboard"))


@admin.post("/trusted-domains")
@admin_required
def add_trusted_domain() -> Response | str:
    form = TrustedDomainForm()
    if form.validate_on_submit():
        if db.session.scalar(select(TrustedDomain).where(TrustedDomain.domain == form.domain.data)) is None:
            db.session.add(TrustedDomain(domain=form.domain.data))
            audit("trusted domain added", form.domain.data or "")
            db.session.commit()
        flash(f"Referrers with {form.domain.data} addresses are approved once they confirm their email.")
        return redirect(url_for("admin.dashboard"))
    pending = db.session.scalars(select(User).where(User.referrer_status == ReferrerStatus.PENDING)).all()
    domains = db.session.scalars(select(TrustedDomain).order_by(TrustedDomain.domain)).all()
    return render_template("admin/dashboard.html", pending=pending, domains=domains, domain_form=form,
                           action_form=EmptyForm())


@admin.post("/trusted-domains/<int:domain_id>/remove")
@admin_required
def remove_trusted_domain(domain_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    domain = db.session.get(TrustedDomain, domain_id) or abort(404)
    db.session.delete(domain)
    audit("trusted domain removed", domain.domain)
    db.session.commit()
    flash(f"{domain.domain} is no longer trusted; new referrers from it will wait for approval.")
    return redirect(url_for("admin.dashboard"))
