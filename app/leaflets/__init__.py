"""The leaflet bank page (``GET /leaflets``) and its downloads: files built by ``leaflets build``, served as
they are. Nothing is rendered here."""

from flask import Blueprint

leaflets = Blueprint("leaflets", __name__, url_prefix="/leaflets")

from app.leaflets import views  # noqa: E402,F401  (registers the routes)
