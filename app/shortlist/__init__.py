"""A shortlist of listings kept in the visitor's session, for the public and for referrers.

It holds listing ids (and, for referrers, their own notes, kept on the server) — never anything about the
person it is for.
"""

from flask import Blueprint

shortlist = Blueprint("shortlist", __name__, url_prefix="/shortlist")

from app.shortlist import views  # noqa: E402,F401  (registers the routes)
