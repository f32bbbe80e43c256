"""``flask --app wsgi demo load``."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.demo import load_demo

demo = AppGroup("demo", help="The demo directory.")


@demo.command("load")
def load() -> None:
    """Load (or refresh) the demo directory, hubs and demo accounts. Safe to run again."""
    report, accounts = load_demo(Path(current_app.config["DATA_DIR"]))
    if not report.ok:
        for problem in report.problems:
            click.echo(f"demo services.csv: {problem}", err=True)
        sys.exit(1)
    click.echo(f"Demo listings: {report.created} created, {report.updated} updated, {report.unchanged} unchanged.")
    click.echo("Demo accounts (passwords are new each time the demo is loaded):")
    for email, password in accounts.passwords.items():
        click.echo(f"  {email}  {password}")
