"""How much the directory is used, from aggregated counts only."""

from flask import render_template

from app.accounts.roles import admin_required
from app.admin import admin
from app.usage.report import usage_report
from app.usage.tally import tally


@admin.get("/usage")
@admin_required
def usage() -> str:
    tally().flush()  # include this process's latest counts
    return render_template("admin/usage.html", report=usage_report())
