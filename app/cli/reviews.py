"""``flask --app wsgi reviews remind``."""

import click
from flask.cli import AppGroup

from app.freshness.reminders import send_reminders
from app.urls import site_request_context

reviews = AppGroup("reviews", help="Keep listings confirmed.")


@reviews.command("remind")
def remind() -> None:
    """Email editors whose listings are due for confirmation (once, then one follow-up), and administrators
    about due listings nobody edits. Running it again sends nothing new."""
    with site_request_context():
        report = send_reminders()
    for email, names in report.editors.items():
        click.echo(f"Reminded {email} about {len(names)} listing(s).")
    if report.orphans:
        click.echo(f"{len(report.orphans)} due listing(s) have no active editor; told {len(report.admins)} "
                   "administrator(s).")
    if report.already_sent:
        click.echo(f"{report.already_sent} due listing(s) have had their reminders already.")
    if not report.editors and not report.orphans and not report.already_sent:
        click.echo("No listings are due for confirmation.")
