"""Administrators: the approval queue, reviewing a change field by field, organisations and history."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.admin.forms import EmptyForm, RejectForm
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service
from app.directory.organisations import approve_organisation
from app.directory.revisions import FieldChange, approve, diff, live_data, reject, restore
from app.extensions import db
from app.mail import send_email


def _valid_action() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _author(revision: Revision) -> User | None:
    return db.session.get(User, revision.author_id) if revision.author_id else None


def _changes(revision: Revision) -> list[FieldChange]:
    """What the revision changes in the live listing, care clusters by name: administrators see them."""
    return diff(live_data(revision.service), ListingData.from_json(revision.data), cluster_names=True)


@admin.get("/queue")
@admin_required
def queue() -> str:
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.status == OrganisationStatus.PENDING).order_by(Organisation.created_at)
    ).all()
    revisions = db.session.scalars(
        select(Revision).where(Revision.status == RevisionStatus.PENDING).order_by(Revision.created_at)
    ).all()
    return render_template("admin/queue.html", organisations=organisations, revisions=revisions, form=EmptyForm(),
                           author=_author)


def _pending(revision_id: int) -> Revision:
    revision = db.session.get(Revision, revision_id)
    if revision is None or revision.status != RevisionStatus.PENDING:
        abort(404)
    return revision


@admin.get("/revisions/<int:revision_id>")
@admin_required
def review(revision_id: int) -> str:
    revision = db.session.get(Revision, revision_id) or abort(404)
    return render_template("admin/review.html", revision=revision, service=revision.service,
                           changes=_changes(revision), author=_author(revision), form=EmptyForm(),
                           reject_form=RejectForm())


@admin.post("/revisions/<int:revision_id>/approve")
@admin_required
def approve_revision(revision_id: int) -> Response:
    _valid_action()
    revision = _pending(revision_id)
    if revision.service.organisation.status != OrganisationStatus.APPROVED:
        flash(f"Approve {revision.service.organisation.name} first; its listings wait until then.")
        return redirect(url_for("admin.review", revision_id=revision_id))
    approve(revision, current_user)
    audit("change approved", revision.service.name, f"revision {revision.id}")
    db.session.commit()
    author = _author(revision)
    if author:
        send_email(author.email, f"Your change to ‘{revision.service.name}’ is live",
                   f"Your change to ‘{revision.service.name}’ has been approved and is now in the directory:\n\n"
                   f"{url_for('public.listing', service_id=revision.service.id, _external=True)}\n")
    flash(f"Approved: ‘{revision.service.name}’ is updated in the directory and its search.")
    return redirect(url_for("admin.queue"))


@admin.post("/revisions/<int:revision_id>/reject")
@admin_required
def reject_revision(revision_id: int) -> Response | str:
    revision = _pending(revision_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return render_template("admin/review.html", revision=revision, service=revision.service,
                               changes=_changes(revision), author=_author(revision), form=EmptyForm(),
                               reject_form=form), 400
    reject(revision, current_user, form.reason.data or "")
    audit("change rejected", revision.service.name, f"revision {revision.id}: {revision.reason}")
    db.session.commit()
    name = ListingData.from_json(revision.data).name
    author = _author(revision)
    if author:
        send_email(author.email, f"Your change to ‘{name}’ was not approved",
                   f"Your change to ‘{name}’ was not approved, for this reason:\n\n{revision.reason}\n\n"
                   "The directory still shows the previous version. You can edit the listing and send it again:\n\n"
                   f"{url_for('manage.edit_service', service_id=revision.service.id, _external=True)}\n")
    flash(f"Not approved: the editor has been emailed the reason. ‘{name}’ stays as it was.")
    return redirect(url_for("admin.queue"))


@admin.post("/organisations/<int:organisation_id>/approve")
@admin_required
def approve_org(organisation_id: int) -> Response:
    _valid_action()
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    approve_organisation(organisation)
    audit("organisation approved", organisation.name)
    db.session.commit()
    editors = db.session.scalars(select(User).where(User.organisations.contains(organisation))).all()
    for editor in editors:
        send_email(editor.email, f"{organisation.name} is approved on Well Aware",
                   f"{organisation.name} is approved. Sign in to add and update your listings:\n\n"
                   f"{url_for('manage.dashboard', _external=True)}\n")
    flash(f"{organisation.name} is approved.")
    return redirect(url_for("admin.queue"))


@admin.post("/organisations/<int:organisation_id>/trust")
@admin_required
def toggle_trust(organisation_id: int) -> Response:
    _valid_action()
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    organisation.trusted = not organisation.trusted
    audit("organisation trusted" if organisation.trusted else "organisation no longer trusted", organisation.name)
    db.session.commit()
    flash(f"{organisation.name}'s changes now " + ("publish at once." if organisation.trusted
                                                    else "wait for approval."))
    return redirect(url_for("admin.organisations"))


@admin.get("/organisations")
@admin_required
def organisations() -> str:
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("admin/organisations.html", organisations=rows, form=EmptyForm())


@admin.get("/services/<int:service_id>/history")
@admin_required
def history(service_id: int) -> str:
    service = db.session.get(Service, service_id) or abort(404)
    authors = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r.author_id for r in service.revisions} | {r.decided_by_id for r in service.revisions})))}
    return render_template("manage/history.html", service=service, authors=authors, form=EmptyForm(),
                           can_restore=True)


@admin.post("/revisions/<int:revision_id>/restore")
@admin_required
def restore_revision(revision_id: int) -> Response:
    _valid_action()
    revision = db.session.get(Revision, revision_id) or abort(404)
    restored = restore(revision, current_user)
    audit("revision restored", revision.service.name, f"revision {revision.id} as {restored.id}")
    db.session.commit()
    flash(f"Revision {revision.id} is live again (as revision {restored.id}).")
    return redirect(url_for("admin.history", service_id=revision.service_id))
