"""``flask --app wsgi users create --email E --role admin|editor|referrer [--org NAME]``."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.operations import create_user
from app.directory.models import Organisation
from app.extensions import db

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["admin", "editor", "referrer"]), required=True)
@click.option("--org", "organisation_name", help="The organisation an editor edits for.")
@click.option("--name", default="", help="The person's name.")
@click.password_option(help="Asked for when not given.")
def create(email: str, role: str, organisation_name: str | None, name: str, password: str) -> None:
    """Create an account that can sign in at once."""
    organisation = None
    if role == "editor":
        if not organisation_name:
            click.echo("An editor needs --org NAME, the organisation they edit for.", err=True)
            sys.exit(1)
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
        if organisation is None:
            click.echo(f"There is no organisation called '{organisation_name}'.", err=True)
            sys.exit(1)
    try:
        user = create_user(email, password, role=role, organisation=organisation, name=name)
    except ValueError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")
