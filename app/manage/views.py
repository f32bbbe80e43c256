"""Editors' pages: their dashboard, adding and editing listings, confirming, archiving, inviting."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.operations import email_existing_account, find_user
from app.accounts.tokens import confirm_token, reset_token
from app.admin.forms import EmptyForm
from app.confirmations import flash_confirmation
from app.directory.listing_data import ListingData
from app.directory.models import Service, ServiceStatus
from app.directory.operations import archive, unarchive
from app.directory.organisations import add_editor, register_organisation
from app.directory.public_view import public_listing
from app.directory.revisions import confirm_still_correct, diff, live_data, pending_revision, propose
from app.directory.visibility import freshness_cutoff
from app.extensions import db, limiter
from app.form_errors import render_form_page
from app.mail import send_email
from app.manage import manage
from app.manage.access import editable_organisation, editable_service
from app.manage.forms import InviteForm, OrganisationRegisterForm
from app.manage.listing_form import ListingForm
from app.manage.problems import open_problem_count
from app.timeutil import months_before, today


def _require_post_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _back_to_dashboard(anchor: str) -> Response:
    """The dashboard, with focus on what was acted on: a listing's row (``listing-<id>``, its name's link) or an
    organisation's heading (``org-<id>``)."""
    return redirect(url_for("manage.dashboard", _anchor=anchor))


@manage.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register() -> str | tuple[str, int] | Response:
    form = OrganisationRegisterForm()
    if form.validate_on_submit():
        # As for professionals' registration, an address that has an account gets the same answer as one
        # that has not; only its owner is told, by email (app/auth/views.py ``register``).
        if (existing := find_user(form.editor_email.data or "")) is not None:
            email_existing_account(existing, form.password.data or "")
            return render_template("auth/check_email.html", email=existing.email)
        try:
            organisation, user = register_organisation(form.organisation_details(), form.editor_name.data or "",
                                                       form.editor_email.data or "", form.password.data or "")
        except ValueError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            link = url_for("auth.confirm", token=confirm_token(user), _external=True)
            send_email(user.email, "Confirm your email address for Well Aware",
                       f"Hello {user.name},\n\nThank you for registering {organisation.name}. Confirm your email "
                       f"address by opening this link:\n\n{link}\n\nThe directory team will check your "
                       "organisation; you can start adding listings once you have confirmed your email.\n")
            return render_template("auth/check_email.html", email=user.email)
    return render_form_page("manage/register.html", [form], form=form)


@manage.get("/")
@login_required
def dashboard() -> str:
    organisations = sorted(current_user.organisations, key=lambda o: o.name)
    day = today()
    due_from = months_before(day, int(current_app.config["REMINDER_MONTHS"]))
    return render_template("manage/dashboard.html", organisations=organisations, form=EmptyForm(),
                           cutoff=freshness_cutoff(day), due_from=due_from, pending_revision=pending_revision,
                           open_problems=open_problem_count())


@manage.route("/organisations/<int:organisation_id>/services/new", methods=["GET", "POST"])
@login_required
def new_service(organisation_id: int) -> tuple[str, int] | Response:
    organisation = editable_organisation(organisation_id)
    form = ListingForm()
    if (data := _submitted(form, organisation.name)) is not None:
        service, revision = propose(organisation, data, current_user)
        status = revision.status
        db.session.commit()
        _after_proposal(service, status)
        return _back_to_dashboard(f"listing-{service.id}")
    return render_form_page("manage/listing_form.html", [form], form=form, organisation=organisation, service=None)


@manage.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@login_required
def edit_service(service_id: int) -> tuple[str, int] | Response:
    service = editable_service(service_id)
    form = ListingForm()
    if request.method == "GET":
        pending = pending_revision(service)
        form.fill_from(ListingData.from_json(pending.data) if pending else ListingData.from_service(service))
    elif (data := _submitted(form, service.organisation.name)) is not None:
        service, revision = propose(service.organisation, data, current_user, service)
        status = revision.status
        db.session.commit()
        _after_proposal(service, status)
        return _back_to_dashboard(f"listing-{service.id}")
    return render_form_page("manage/listing_form.html", [form], form=form, organisation=service.organisation,
                            service=service)


def _submitted(form: ListingForm, organisation_name: str) -> ListingData | None:
    """The listing as posted, or None. Every problem is found at once: the checks across fields run even
    when a single field is already wrong, so the editor sees them all together."""
    if request.method != "POST":
        return None
    valid = form.validate_on_submit()
    data = form.to_data(organisation_name, today())
    return data if valid else None


def _after_proposal(service: Service, status: str) -> None:
    if status == "approved":
        flash_confirmation(f"Published: {service.name}", "Your organisation's changes go live at once.")
    else:
        name = ListingData.from_json(pending_revision(service).data).name
        flash_confirmation(f"Sent for approval: {name}", "Your changes are waiting for approval. "
                           "The directory shows the previous version until then.")


@manage.get("/services/<int:service_id>")
@login_required
def preview(service_id: int) -> str:
    """The editor's view: the live listing and any change waiting for approval."""
    service = editable_service(service_id)
    pending = pending_revision(service)
    changes = diff(live_data(service), ListingData.from_json(pending.data)) if pending else []
    return render_template("manage/preview.html", service=service, listing=public_listing(service),
                           pending=pending, changes=changes, form=EmptyForm())


@manage.get("/services/<int:service_id>/history")
@login_required
def history(service_id: int) -> str:
    service = editable_service(service_id)
    authors = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r.author_id for r in service.revisions} | {r.decided_by_id for r in service.revisions})))}
    return render_template("manage/history.html", service=service, authors=authors, form=EmptyForm())


@manage.post("/services/<int:service_id>/confirm")
@login_required
def confirm(service_id: int) -> Response:
    _require_post_form()
    service = editable_service(service_id)
    confirm_still_correct(service)
    db.session.commit()
    flash_confirmation(f"Confirmed as correct today: {service.name}")
    return _back_to_dashboard(f"listing-{service.id}")


@manage.post("/services/<int:service_id>/archive")
@login_required
def archive_service(service_id: int) -> Response:
    _require_post_form()
    service = editable_service(service_id)
    archive(service)
    db.session.commit()
    flash_confirmation(f"Archived: {service.name}", "It is no longer in the directory. You can restore it at any time.")
    return _back_to_dashboard(f"listing-{service.id}")


@manage.post("/services/<int:service_id>/restore")
@login_required
def restore_service(service_id: int) -> Response:
    _require_post_form()
    service = editable_service(service_id)
    if service.status != ServiceStatus.ARCHIVED:
        abort(400)
    unarchive(service)
    db.session.commit()
    flash_confirmation(f"Restored: {service.name}")
    return _back_to_dashboard(f"listing-{service.id}")


@manage.route("/organisations/<int:organisation_id>/invite", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def invite(organisation_id: int) -> tuple[str, int] | Response:
    organisation = editable_organisation(organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        user, created = add_editor(organisation, form.email.data or "")
        db.session.commit()
        if created:
            link = url_for("auth.reset_password", token=reset_token(user), _external=True)
            body = (f"{current_user.name or current_user.email} has invited you to keep {organisation.name}'s "
                    f"listings up to date on Well Aware.\n\nChoose a password to start:\n\n{link}\n")
        else:
            body = (f"{current_user.name or current_user.email} has added you as an editor for "
                    f"{organisation.name} on Well Aware. Sign in at {url_for('auth.sign_in', _external=True)}\n")
        send_email(user.email, f"You can now edit {organisation.name} on Well Aware", body)
        flash_confirmation(f"Invited: {user.email}",
                           f"They can now edit {organisation.name}'s listings. We have emailed them.")
        return _back_to_dashboard(f"org-{organisation.id}")
    return render_form_page("manage/invite.html", [form], form=form, organisation=organisation)


