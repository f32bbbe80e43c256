"""The NHS design system's files, served from the npm package at ``/assets`` (its CSS refers there)."""

from pathlib import Path

from flask import Blueprint, current_app, send_from_directory
from werkzeug.wrappers import Response

assets = Blueprint("assets", __name__)

# Files the pages use; nothing else in the package is served.
ALLOWED = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js")
# The style sheet asks for its icons at /assets/images/…; the package keeps them under assets/images/.
IMAGES = "images/"
PACKAGE_IMAGES = "assets/images"


@assets.get("/assets/<path:filename>")
def frontend(filename: str) -> Response:
    folder = Path(current_app.config["FRONTEND_DIR"])
    if filename in ALLOWED:
        return send_from_directory(folder, filename, max_age=86400)
    if filename.startswith(IMAGES):
        return send_from_directory(folder / PACKAGE_IMAGES, filename.removeprefix(IMAGES), max_age=86400)
    return Response("Not found", status=404)
