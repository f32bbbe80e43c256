"""The referrers' area: the discreet search by care cluster. Referrers and administrators only."""

from flask import Blueprint
from werkzeug.wrappers import Response

referrer = Blueprint("referrer", __name__, url_prefix="/referrer")


@referrer.after_request
def keep_private(response: Response) -> Response:
    """Never cached by a shared machine or proxy, never indexed by a search engine."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


from app.referrer import views  # noqa: E402,F401  (registers the routes)
