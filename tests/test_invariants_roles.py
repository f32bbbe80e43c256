"""Who may see care clusters (design §1, §2 principle 2): referrers and administrators, nobody else, ever —
checked on real accounts of every kind, on the anonymous visitor, and on an object that carries no role at
all, which must be refused rather than let through (mutation testing found the last two unchecked)."""

from flask import Flask
from flask_login import AnonymousUserMixin

from app.accounts.models import ReferrerStatus, User
from app.accounts.operations import create_user
from app.accounts.roles import sees_clusters
from app.directory.operations import find_or_create_organisation
from app.extensions import db

PASSWORD = "roles test password 12345"


def test_only_referrers_and_administrators_see_clusters(app: Flask) -> None:
    with app.app_context():
        organisation = find_or_create_organisation("Roles Test Group")
        people = {
            "admin": create_user("admin@roles.example", PASSWORD, role="admin"),
            "referrer": create_user("referrer@gp.roles.example", PASSWORD, role="referrer"),
            "editor": create_user("editor@roles.example", PASSWORD, role="editor", organisation=organisation),
            "pending referrer": User(email="pending@gp.roles.example", password_hash="x",
                                     referrer_status=ReferrerStatus.PENDING),
        }
        db.session.commit()
        seen = {role: sees_clusters(user) for role, user in people.items()}
        db.session.remove()
    assert seen == {"admin": True, "referrer": True, "editor": False, "pending referrer": False}
    assert sees_clusters(AnonymousUserMixin()) is False
    assert sees_clusters(object()) is False
