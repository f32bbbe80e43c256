"""Editors' queue of problem reports about their organisations' listings, and closing a report."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.admin.audit import audit
from app.confirmations import flash_confirmation
from app.directory.listing_data import ListingData
from app.directory.revisions import FIELD_LABELS, diff, live_data
from app.extensions import db
from app.form_errors import render_form_page
from app.manage import manage
from app.problems.forms import CloseReportForm
from app.problems.models import ProblemReport, ProblemStatus
from app.problems.operations import close_report, reports_for

# What has changed since a report is shown field by field, leaving out care clusters (not what a reporter
# sees) and the confirmation date (it says nothing about the problem).
NOT_REPORTED = {FIELD_LABELS[name] for name in ("clusters_main", "clusters_also", "all_clusters", "assured_at")}


@manage.get("/problems")
@login_required
def problems() -> str:
    """An administrator sees every report here too; an editor, those about their organisations' listings."""
    organisations = None if current_user.is_admin else [o.id for o in current_user.organisations]
    open_reports, closed = reports_for(organisations)
    return render_template("problems/queue.html", open_reports=open_reports, closed=closed)


def _visible_report(report_id: int) -> ProblemReport:
    report = db.session.get(ProblemReport, report_id)
    if report is None or not (current_user.is_admin or current_user.edits(report.service.organisation_id)):
        abort(404)
    return report


@manage.route("/problems/<int:report_id>", methods=["GET", "POST"])
@login_required
def problem(report_id: int) -> tuple[str, int] | Response:
    report = _visible_report(report_id)
    form = CloseReportForm()
    if form.validate_on_submit():
        if report.status == ProblemStatus.CLOSED:
            abort(409)
        close_report(report, current_user, form.outcome.data or "")
        audit("problem report closed", report.service.name, f"report {report.id}: {report.outcome}")
        db.session.commit()
        flash_confirmation(f"Report closed: {report.service.name}", f"Recorded: {report.outcome}")
        return redirect(url_for("manage.problems"))
    reported = ListingData.from_json(report.listing) if report.listing else None
    now = live_data(report.service)
    since = [change for change in diff(reported, now) if change.label not in NOT_REPORTED] if reported and now else []
    closer = db.session.get(User, report.closed_by_id) if report.closed_by_id else None
    return render_form_page("problems/report_detail.html", [form], report=report, form=form, reported=reported,
                            since=since, closer=closer)


def open_problem_count() -> int:
    """For the dashboard's link: open reports this user may act on."""
    organisations = None if current_user.is_admin else [o.id for o in current_user.organisations]
    return len(reports_for(organisations)[0])
