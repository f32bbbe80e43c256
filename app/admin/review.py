"""Administrators: the approval queue, reviewing a change field by field, organisations and history."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.admin.forms import EmptyForm, RejectForm
from app.confirmations import flash_confirmation
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service
from app.directory.organisation_archive import (
    archive_organisation,
    listings_back_on_restore,
    public_listings,
    restore_organisation,
)
from app.directory.organisations import approve_organisation
from app.directory.revisions import (
    FIELD_LABELS,
    AlreadyDecided,
    FieldChange,
    approve,
    diff,
    live_data,
    reject,
    restore,
)
from app.extensions import db
from app.leaflets.rebuild import rebuild_leaflets_soon
from app.mail import send_email
from app.template_helpers import long_date


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


def _pending(revision_id: int) -> Revision | Response:
    """The revision, while it waits for a decision; once decided, the answer for whoever pressed second."""
    revision = db.session.get(Revision, revision_id) or abort(404)
    return revision if revision.status == RevisionStatus.PENDING else _decided_already(revision)


def _decided_already(revision: Revision) -> Response:
    """Another administrator approved or rejected it first, or the editor replaced it: say so, and show it."""
    decider = db.session.get(User, revision.decided_by_id) if revision.decided_by_id else None
    by = f" by {decider.name or decider.email}" if decider else ""
    outcome = {RevisionStatus.APPROVED: f"was approved{by}", RevisionStatus.REJECTED: f"was not approved{by}",
               RevisionStatus.SUPERSEDED: "was replaced by a newer change from the editor"}
    flash(f"Nothing done: this change to ‘{revision.service.name}’ {outcome.get(revision.status, 'was decided')} "
          "a moment ago.")
    return redirect(url_for("admin.review", revision_id=revision.id))


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
    if isinstance(revision, Response):
        return revision
    organisation = revision.service.organisation
    if organisation.status == OrganisationStatus.ARCHIVED:
        flash(f"{organisation.name} is archived: restore it first; its listings are out of the directory until then.")
        return redirect(url_for("admin.review", revision_id=revision_id))
    if organisation.status != OrganisationStatus.APPROVED:
        flash(f"Approve {organisation.name} first; its listings wait until then.")
        return redirect(url_for("admin.review", revision_id=revision_id))
    try:
        approve(revision, current_user)
    except AlreadyDecided:
        db.session.rollback()
        return _decided_already(db.session.get(Revision, revision_id) or abort(404))
    audit("change approved", revision.service.name, f"revision {revision.id}")
    db.session.commit()
    rebuild_leaflets_soon()
    author = _author(revision)
    if author:
        send_email(author.email, f"Your change to ‘{revision.service.name}’ is live",
                   f"Your change to ‘{revision.service.name}’ has been approved and is now in the directory:\n\n"
                   f"{url_for('public.listing', service_id=revision.service.id, _external=True)}\n")
    flash(f"Approved: ‘{revision.service.name}’ is updated in the directory and its search.")
    return redirect(url_for("admin.queue"))


@admin.post("/revisions/<int:revision_id>/reject")
@admin_required
def reject_revision(revision_id: int) -> Response | tuple[str, int]:
    revision = _pending(revision_id)
    if isinstance(revision, Response):
        return revision
    form = RejectForm()
    if not form.validate_on_submit():
        return render_template("admin/review.html", revision=revision, service=revision.service,
                               changes=_changes(revision), author=_author(revision), form=EmptyForm(),
                               reject_form=form), 400
    try:
        reject(revision, current_user, form.reason.data or "")
    except AlreadyDecided:
        db.session.rollback()
        return _decided_already(db.session.get(Revision, revision_id) or abort(404))
    audit("change rejected", revision.service.name, f"revision {revision.id}: {revision.reason}")
    db.session.commit()
    author = _author(revision)
    if author:
        send_email(author.email, *_rejection_email(revision))
    flash_confirmation(f"Not approved: {revision.service.name}",
                       "The editor has been emailed the reason. The listing stays as it was.")
    return redirect(url_for("admin.queue"))


def _rejection_email(revision: Revision) -> tuple[str, str]:
    """The subject and body telling an editor their change was not approved. It names the listing as it is live
    (the name they know it by, and the one the directory still shows) and says what the change would have
    changed, so an editor with several changes sent knows which one this was."""
    service = revision.service
    live = live_data(service)
    edit_link = url_for("manage.edit_service", service_id=service.id, _external=True)
    reason = f"for this reason:\n\n{revision.reason}\n\n"
    sent = long_date(revision.created_at)
    if live is None:
        return (f"Your new listing ‘{service.name}’ was not approved",
                f"Your new listing ‘{service.name}’, sent on {sent}, was not approved, {reason}"
                f"It is not in the directory. You can edit it and send it again:\n\n{edit_link}\n")
    proposed = ListingData.from_json(revision.data)
    changed = [f"{change.label} (to ‘{proposed.name}’)" if change.label == FIELD_LABELS["name"] else change.label
               for change in diff(live, proposed)]
    what = f"The change was to: {', '.join(changed)}.\n\n" if changed else ""
    return (f"Your change to ‘{live.name}’ was not approved",
            f"Your change to ‘{live.name}’, sent on {sent}, was not approved, {reason}{what}"
            f"The directory still shows ‘{live.name}’ as it was. You can edit the listing and send it again:\n\n"
            f"{edit_link}\n")


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
    flash_confirmation(f"{'Trusted' if organisation.trusted else 'No longer trusted'}: {organisation.name}",
                       "Its changes now " + ("publish at once." if organisation.trusted else "wait for approval."))
    return _back_to_organisations(organisation)


def _back_to_organisations(organisation: Organisation) -> Response:
    """The list of organisations, with focus on the one acted on (``organisation-<id>``), as the dashboard's
    actions come back to what they acted on."""
    return redirect(url_for("admin.organisations", _anchor=f"organisation-{organisation.id}"))


def _listings(count: int) -> str:
    return f"{count} listing" + ("" if count == 1 else "s")


def _organisation_in(organisation_id: int, status: OrganisationStatus) -> Organisation:
    """The organisation, if it has ``status``; otherwise there is nothing here to archive or restore (404)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.status != status:
        abort(404)
    return organisation


@admin.route("/organisations/<int:organisation_id>/archive", methods=["GET", "POST"])
@admin_required
def archive_org(organisation_id: int) -> Response | str:
    """GET: what archiving will do; POST: do it. Only a listed (approved) organisation can be archived, so that
    restoring one can list it again without skipping its approval."""
    organisation = _organisation_in(organisation_id, OrganisationStatus.APPROVED)
    if request.method == "GET":
        names = [service.name for service in public_listings(organisation)]
        return render_template("admin/organisation_archive.html", organisation=organisation, archiving=True,
                               names=names, outcome=f"{_listings(len(names))} will leave search and leaflets",
                               form=EmptyForm())
    _valid_action()
    leaving = archive_organisation(organisation)
    audit("organisation archived", organisation.name, f"{_listings(len(leaving))} left search and leaflets: "
          + "; ".join(service.name for service in leaving))
    db.session.commit()
    rebuild_leaflets_soon()
    flash_confirmation(f"Archived: {organisation.name}",
                       f"{_listings(len(leaving))} left search and leaflets. You can restore it from this list.")
    return _back_to_organisations(organisation)


@admin.route("/organisations/<int:organisation_id>/restore", methods=["GET", "POST"])
@admin_required
def restore_org(organisation_id: int) -> Response | str:
    """GET: what restoring will bring back; POST: do it."""
    organisation = _organisation_in(organisation_id, OrganisationStatus.ARCHIVED)
    if request.method == "GET":
        names = listings_back_on_restore(organisation)
        return render_template("admin/organisation_archive.html", organisation=organisation, archiving=False,
                               names=names, outcome=f"{_listings(len(names))} will return to search and leaflets",
                               form=EmptyForm())
    _valid_action()
    back = restore_organisation(organisation)
    audit("organisation restored", organisation.name, f"{_listings(len(back))} came back to search and leaflets: "
          + "; ".join(service.name for service in back))
    db.session.commit()
    rebuild_leaflets_soon()
    flash_confirmation(f"Restored: {organisation.name}", f"{_listings(len(back))} came back to search and leaflets.")
    return _back_to_organisations(organisation)


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
    rebuild_leaflets_soon()
    flash(f"Revision {revision.id} is live again (as revision {restored.id}).")
    return redirect(url_for("admin.history", service_id=revision.service_id))
