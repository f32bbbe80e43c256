"""The administrators' view of what is out of date, on a page and as a CSV file."""

import csv
import io

from flask import Response, render_template, request, url_for
from sqlalchemy import select

from app.accounts.roles import admin_required
from app.admin import admin
from app.csv_safety import neutralise
from app.directory.models import Organisation, OrganisationStatus
from app.extensions import db
from app.freshness.report import STATE_NAMES, Freshness, FreshnessReport, freshness_report
from app.taxonomies import taxonomy

CSV_COLUMNS = ("service_id", "listing", "organisation", "areas", "last_confirmed", "days_since", "state",
               "open_problem_reports", "active_editors")


def _filters() -> tuple[int | None, str | None, dict[str, str]]:
    """The organisation and area asked for; a value that names nothing is ignored, and not kept in links."""
    kept = {}
    organisation = request.args.get("organisation", type=int)
    if organisation is not None and db.session.get(Organisation, organisation) is None:
        organisation = None
    if organisation is not None:
        kept["organisation"] = str(organisation)
    area = request.args.get("area") or None
    if area is not None and area not in taxonomy("areas").slugs:
        area = None
    if area is not None:
        kept["area"] = area
    return organisation, area, kept


@admin.get("/freshness")
@admin_required
def freshness() -> str:
    organisation, area, kept = _filters()
    report = freshness_report(organisation_id=organisation, area=area)
    organisations = db.session.scalars(select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED)
                                       .order_by(Organisation.name)).all()
    return render_template("admin/freshness.html", report=report, states=list(Freshness), state_names=STATE_NAMES,
                           organisations=organisations, areas=taxonomy("areas").terms, chosen_organisation=organisation,
                           chosen_area=area, csv_link=url_for("admin.freshness_csv", **kept))


@admin.get("/freshness.csv")
@admin_required
def freshness_csv() -> Response:
    organisation, area, _ = _filters()
    report = freshness_report(organisation_id=organisation, area=area)
    return Response(_csv(report), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="freshness-{report.day.isoformat()}.csv"'})


def _csv(report: FreshnessReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        cells = (row.service_id, row.name, row.organisation, ";".join(row.areas),
                 row.confirmed_on.isoformat() if row.confirmed_on else "",
                 "" if row.days_since is None else row.days_since, row.state.value, row.open_reports,
                 row.active_editors)
        writer.writerow([neutralise(str(cell)) for cell in cells])
    return out.getvalue()
