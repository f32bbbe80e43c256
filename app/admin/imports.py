"""Administrators upload a listings CSV, see the dry-run report row by row, then confirm the import.

An upload may be larger than the site-wide request limit, up to ``IMPORT_MAX_BYTES``.
"""

import secrets
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from app.accounts.roles import admin_required
from app.admin import admin
from app.admin.audit import audit
from app.confirmations import flash_confirmation
from app.directory.importing import import_csv
from app.extensions import csrf, db
from app.form_errors import render_form_page
from app.forms import WebForm

TOKEN = r"^[0-9a-f]{32}$"


class UploadForm(WebForm):
    csv_file = FileField("CSV file", validators=[FileRequired("Choose a CSV file"),
                                                 FileAllowed(["csv"], "Choose a file ending .csv")])


class ConfirmForm(WebForm):
    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN)])


def _upload_dir() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def _check_csrf() -> None:
    """What CSRFProtect does before every other request: it reads the body, so for this view it must wait
    until the body may be as large as an import."""
    if current_app.config["WTF_CSRF_ENABLED"] and current_app.config["WTF_CSRF_CHECK_DEFAULT"]:
        csrf.protect()


@admin.route("/import", methods=["GET", "POST"])
@csrf.exempt  # checked by _check_csrf, once this request's own size limit is set
@admin_required
def import_upload() -> tuple[str, int] | Response:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    request.max_content_length = limit
    try:
        _check_csrf()
        form = UploadForm()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)  # the body is not read again
        form.csv_file.errors = [f"The file is larger than {_megabytes(limit)}; split it into smaller files"]
        page, _ = render_form_page("admin/import_upload.html", [form], form=form, limit=_megabytes(limit))
        return page, 413
    if form.validate_on_submit():
        try:
            text = form.csv_file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.csv_file.errors.append("The file is not UTF-8 text; save it as 'CSV UTF-8' and try again")
        else:
            report = import_csv(text, dry_run=True, author=current_user)
            token = secrets.token_hex(16)
            if report.ok:
                (_upload_dir() / f"{token}.csv").write_text(text, encoding="utf-8")
            # A file with problems is refused like a form with them: "Error: " in the title, and 400.
            page = render_template("admin/import_report.html", report=report, form_problems=not report.ok,
                                   confirm=ConfirmForm(token=token), filename=form.csv_file.data.filename)
            return page, 200 if report.ok else 400
    return render_form_page("admin/import_upload.html", [form], form=form, limit=_megabytes(limit))


@admin.post("/import/confirm")
@admin_required
def import_confirm() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _upload_dir() / f"{form.token.data}.csv"
    if not path.exists():
        flash_confirmation("Nothing imported: that upload has expired", "Please upload the file again.")
        return redirect(url_for("admin.import_upload"))
    report = import_csv(path.read_text(encoding="utf-8"), author=current_user)
    path.unlink()
    if report.ok:
        audit("listings imported", f"{report.rows} rows",
              f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged")
        db.session.commit()
    if not report.ok:  # the data changed between the dry run and now
        flash_confirmation("Nothing imported: the file no longer imports cleanly", "Upload it again to see why.")
    else:
        flash_confirmation(f"Imported: {report.created} created, {report.updated} updated, "
                           f"{report.unchanged} unchanged")
    return redirect(url_for("admin.import_upload"))


