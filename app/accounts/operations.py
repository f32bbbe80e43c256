"""Creating accounts."""

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from app.accounts.models import ReferrerStatus, User
from app.accounts.passwords import hash_password
from app.directory.models import Organisation
from app.extensions import db
from app.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10


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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
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
