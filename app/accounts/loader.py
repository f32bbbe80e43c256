"""Flask-Login's user loader."""

from app.accounts.models import User
from app.extensions import db


def load_user(session_id: str) -> User | None:
    """The user a session belongs to, while that session has not been ended (``User.get_id``) and the
    account is open: a closed account's sessions end at once."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdecimal() and generation.isdecimal()) or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or str(user.session_generation) != generation:
        return None
    return user
