"""Creating accounts."""

from email_validator import EmailNotValidError, validate_email
from flask import url_for
from sqlalchemy import func, select

from app.accounts.models import ReferrerStatus, User
from app.accounts.password_rules import password_problem
from app.accounts.passwords import hash_password
from app.directory.models import Organisation
from app.extensions import db
from app.mail import send_email
from app.timeutil import utcnow


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"'{email}' is not an email address: {error}") from error


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str, password: str, *, role: str, organisation: Organisation | None = None, name: str = ""
) -> User:
    """An account that can sign in at once (for administrators and the command line)."""
    address = normalise_email(email)
    if find_user(address):
        raise ValueError(f"There is already an account for {address}.")
    if problem := password_problem(password, email=address, name=name):
        raise ValueError(problem + ".")
    user = User(email=address, name=name, password_hash=hash_password(password), email_verified_at=utcnow())
    if role == "admin":
        user.is_admin = True
    elif role == "referrer":
        user.referrer_status = ReferrerStatus.APPROVED
    elif role == "editor" and organisation is not None:
        user.organisations.append(organisation)
    db.session.add(user)
    db.session.flush()
    return user


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def is_trusted_domain(address: str) -> bool:
    """True when the address's domain, or a domain it is part of, is on the administrators' list."""
    from app.accounts.models import TrustedDomain

    domain = email_domain(address)
    trusted = set(db.session.scalars(select(TrustedDomain.domain)))
    parts = domain.split(".")
    return any(".".join(parts[i:]) in trusted for i in range(len(parts) - 1))


def register_referrer(email: str, password: str, name: str) -> User:
    """A professional's account, waiting for their email to be confirmed (the caller has checked that the
    address has no account)."""
    address = normalise_email(email)
    user = User(email=address, name=name.strip(), password_hash=hash_password(password),
                referrer_status=ReferrerStatus.PENDING)
    db.session.add(user)
    db.session.flush()
    return user


def email_existing_account(user: User, password_offered: str) -> None:
    """Someone registered with an address that already has an account: tell its owner, and only them. The
    offered password is hashed and thrown away, so this answer takes as long as a real registration."""
    hash_password(password_offered)
    send_email(user.email, "Someone tried to register with your email address",
               f"Hello {user.name or 'there'},\n\nSomeone, perhaps you, tried to register for Well Aware with "
               f"this email address, which already has an account. Nothing has changed.\n\n"
               f"To sign in: {url_for('auth.sign_in', _external=True)}\n"
               f"If you have forgotten your password: {url_for('auth.forgot_password', _external=True)}\n\n"
               "If it was not you, you can ignore this email.\n")


def confirm_email(user: User) -> None:
    """Mark the address confirmed; a referrer from a trusted domain is approved at once."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if user.referrer_status == ReferrerStatus.PENDING and is_trusted_domain(user.email):
        user.referrer_status = ReferrerStatus.APPROVED


def set_password(user: User, password: str) -> None:
    """A new password ends every session the account had, on every device."""
    if problem := password_problem(password, email=user.email, name=user.name):
        raise ValueError(problem + ".")
    user.password_hash = hash_password(password)
    end_every_session(user)


def end_every_session(user: User) -> None:
    """Sign the account out on every device at once, and delete the shortlist notes its sessions held: for
    sign-out, a new password, suspension and a change of role. The caller commits."""
    # Imported here: the shortlist package's views import this module.
    from app.shortlist.store import delete_notes_for

    user.session_generation = (user.session_generation or 0) + 1
    delete_notes_for(user.id)
