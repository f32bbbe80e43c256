"""Organisations joining the directory and the people who edit for them."""

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.operations import end_every_session, find_user, normalise_email
from app.accounts.passwords import hash_password
from app.directory.models import Organisation, OrganisationStatus
from app.extensions import db


def register_organisation(details: dict[str, str], editor_name: str, editor_email: str, password: str
                          ) -> tuple[Organisation, User]:
    """A new organisation waiting for approval, and its first editor waiting to confirm their email (the
    caller has checked that the address has no account)."""
    name = details["name"].strip()
    if db.session.scalar(select(Organisation).where(Organisation.name == name)) is not None:
        raise ValueError(f"‘{name}’ is already listed. Ask one of its editors to invite you, or contact us.")
    address = normalise_email(editor_email)
    organisation = Organisation(status=OrganisationStatus.PENDING, **{k: v.strip() for k, v in details.items()})
    user = User(email=address, name=editor_name.strip(), password_hash=hash_password(password))
    user.organisations.append(organisation)
    db.session.add_all([organisation, user])
    db.session.flush()
    return organisation, user


def add_editor(organisation: Organisation, email: str) -> tuple[User, bool]:
    """Give ``email`` editing rights for ``organisation``; returns the user and whether the account is new."""
    address = normalise_email(email)
    user = find_user(address)
    created = user is None
    if user is None:
        user = User(email=address)
        db.session.add(user)
    if organisation not in user.organisations:
        user.organisations.append(organisation)
        if not created:
            end_every_session(user)  # a role change: the account signs in afresh, with what it may now edit
    db.session.flush()
    return user, created


def approve_organisation(organisation: Organisation) -> None:
    organisation.status = OrganisationStatus.APPROVED
