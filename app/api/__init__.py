"""The Open Referral UK 3.0 API (``data/oruk/``): public, published, fresh listings only, no clusters."""

from flask import Blueprint
from werkzeug.wrappers import Response

api = Blueprint("api", __name__, url_prefix="/api")


@api.after_request
def open_to_all(response: Response) -> Response:
    """ORUK feeds are open: no key, any origin may read them."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


from app.api import views  # noqa: E402,F401  (registers the routes)
