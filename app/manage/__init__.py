"""Agencies keep their own listings: registering, editing, confirming and archiving.

Every route checks that the signed-in editor edits for the listing's organisation.
"""

from flask import Blueprint
from werkzeug.wrappers import Response

manage = Blueprint("manage", __name__, url_prefix="/manage")


@manage.after_request
def keep_private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


from app.manage import problems, views  # noqa: E402,F401  (registers the routes)
