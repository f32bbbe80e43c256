"""Flask-Login's user loader."""

from app.accounts.models import User
from app.extensions import db


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None
