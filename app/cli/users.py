"""``flask --app wsgi users create --email E --role admin|editor|referrer [--org NAME]``, ``users suspend``
and ``users reopen --email E``."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.operations import create_user, end_every_session, find_user
from app.admin.audit import audit_command
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
    audit_command("account created", user.email, role + (f" for {organisation.name}" if organisation else ""))
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")


def _account(email: str) -> User:
    user = find_user(email)
    if user is None:
        click.echo(f"There is no account for {email}.", err=True)
        sys.exit(1)
    return user


@users.command("suspend")
@click.option("--email", required=True)
def suspend(email: str) -> None:
    """Close an account: it cannot sign in, and every session it has ends at once."""
    user = _account(email)
    user.active = False
    end_every_session(user)
    audit_command("account suspended", user.email)
    db.session.commit()
    click.echo(f"Suspended {user.email}; it has been signed out everywhere.")


@users.command("reopen")
@click.option("--email", required=True)
def reopen(email: str) -> None:
    """Let a suspended account sign in again."""
    user = _account(email)
    user.active = True
    audit_command("account reopened", user.email)
    db.session.commit()
    click.echo(f"Reopened {user.email}; they can sign in again.")
