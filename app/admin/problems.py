"""The administrators' queue of problem reports: every organisation's."""

from flask import render_template

from app.accounts.roles import admin_required
from app.admin import admin
from app.problems.operations import reports_for


@admin.get("/problems")
@admin_required
def problems() -> str:
    open_reports, closed = reports_for(None)
    return render_template("problems/queue.html", open_reports=open_reports, closed=closed, every_organisation=True)
