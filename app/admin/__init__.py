"""The directory team's area: approvals, trusted domains. Administrators only."""

from flask import Blueprint
from werkzeug.wrappers import Response

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.after_request
def keep_private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


from app.admin import audit, freshness, hubs, imports, problems, review, search_words, usage, views  # noqa: E402,F401  (registers the routes)
