"""``flask --app wsgi demo load [--reset]``."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.admin.audit import audit_command
from app.demo import DemoLoad, load_demo
from app.extensions import db

demo = AppGroup("demo", help="The demo directory.")

UNCHANGED = "unchanged — use `demo load --reset` or “I have forgotten my password” to set a new one"


@demo.command("load")
@click.option("--reset", is_flag=True,
              help="Start the demo again: every demo listing, organisation, hub and account as first loaded, "
                   "with new passwords (which end the demo accounts' sessions).")
def load(reset: bool) -> None:
    """Load what is missing of the demo directory, hubs and demo accounts, leaving what is there as it is
    (people's changes, passwords). Safe to run again."""
    result = load_demo(Path(current_app.config["DATA_DIR"]), reset=reset)
    if not result.listings.ok:
        for problem in result.listings.problems:
            click.echo(f"demo services.csv: {problem}", err=True)
        sys.exit(1)
    summary = _summary(result, reset=reset)
    audit_command("demo reset" if reset else "demo loaded", "the demo directory", summary[0])
    db.session.commit()
    for line in summary:
        click.echo(line)


def _summary(result: DemoLoad, *, reset: bool) -> list[str]:
    report = result.listings
    listings = f"Demo listings: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    if result.left:
        listings += f", {result.left} left as people changed them"
    lines = [listings + "."]
    if result.withdrawn:
        lines.append(f"Changes waiting for approval on demo listings, withdrawn: {result.withdrawn}.")
    lines.append(f"Demo organisations: {result.organisations} created; hubs: {result.hubs} created; "
                 f"trusted domains: {result.domains} added.")
    lines.append("Demo accounts (new passwords; their earlier sessions have ended):" if reset else "Demo accounts:")
    lines += [f"  {email}  {password}" for email, password in result.passwords.items()]
    lines += [f"  {email}  {UNCHANGED}" for email in result.unchanged]
    if result.unchanged and not current_app.config.get("MAIL_SERVER"):
        folder = current_app.config["MAIL_FOLDER"]
        lines.append(f"“I have forgotten my password” (on the sign-in page) emails go to {folder} without MAIL_SERVER.")
    return lines
