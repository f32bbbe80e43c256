"""``flask --app wsgi reviews remind``."""

import click
from flask.cli import AppGroup

from app.directory.freshness import send_reminders
from app.urls import site_request_context

reviews = AppGroup("reviews", help="Keep listings confirmed.")


@reviews.command("remind")
def remind() -> None:
    """Email editors whose listings are due for confirmation, and administrators about listings nobody edits."""
    with site_request_context():
        report = send_reminders()
    for email, names in report.editors.items():
        click.echo(f"Reminded {email} about {len(names)} listing(s).")
    if report.orphans:
        click.echo(f"{len(report.orphans)} due listing(s) have no active editor; told {len(report.admins)} "
                   "administrator(s).")
    if not report.editors and not report.orphans:
        click.echo("No listings are due for confirmation.")
