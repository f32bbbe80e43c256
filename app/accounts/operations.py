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
    """A professional's account, waiting for their email to be confirmed."""
    address = normalise_email(email)
    if find_user(address):
        raise ValueError("There is already an account for that email address. Sign in, or reset your password.")
    user = User(email=address, name=name.strip(), password_hash=hash_password(password),
                referrer_status=ReferrerStatus.PENDING)
    db.session.add(user)
    db.session.flush()
    return user


def confirm_email(user: User) -> None:
    """Mark the address confirmed; a referrer from a trusted domain is approved at once."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if user.referrer_status == ReferrerStatus.PENDING and is_trusted_domain(user.email):
        user.referrer_status = ReferrerStatus.APPROVED


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
