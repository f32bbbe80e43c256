"""Pages for everyone: home, search and listings."""

from flask import Blueprint

public = Blueprint("public", __name__)

from app.public import views  # noqa: E402,F401  (registers the routes)
