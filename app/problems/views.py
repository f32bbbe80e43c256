"""Reporting a problem with a listing: a public form, with no sign-in and no personal details asked for."""

from flask import Blueprint, abort, redirect, url_for
from werkzeug.wrappers import Response

from app.confirmations import flash_confirmation
from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db, limiter
from app.form_errors import render_form_page
from app.problems.forms import ProblemReportForm
from app.problems.models import ProblemKind
from app.problems.operations import file_report, tell_about_report

problems = Blueprint("problems", __name__)

# Enough for a person who reports several wrong listings in a sitting, too few to flood editors' inboxes.
REPORT_RATE_LIMIT = "5 per hour; 20 per day"


@problems.route("/services/<int:service_id>/report-a-problem", methods=["GET", "POST"])
@limiter.limit(REPORT_RATE_LIMIT, methods=["POST"])
def report(service_id: int) -> tuple[str, int] | Response:
    service = db.session.get(Service, service_id)
    if service is None or not is_public(service):
        abort(404)
    form = ProblemReportForm()
    if form.validate_on_submit():
        filed = file_report(service, ProblemKind(form.kind.data), form.details.data or "", form.reply_email.data or "")
        db.session.commit()
        tell_about_report(filed)
        flash_confirmation("Thank you: your report has been sent",
                           f"The people who keep {service.name} up to date will check it."
                           + (" We will reply to the address you gave." if filed.reply_email else ""))
        return redirect(url_for("public.listing", service_id=service.id))
    return render_form_page("problems/report.html", [form], form=form, service=service)
