"""The NHS design system's files, served from the npm package at ``/assets`` (its CSS refers there)."""

from flask import Blueprint, current_app, send_from_directory
from werkzeug.wrappers import Response

assets = Blueprint("assets", __name__)

# Files the pages use; nothing else in the package is served.
ALLOWED = ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js")


@assets.get("/assets/<path:filename>")
def frontend(filename: str) -> Response:
    if filename not in ALLOWED and not filename.startswith("images/"):
        return Response("Not found", status=404)
    return send_from_directory(current_app.config["FRONTEND_DIR"], filename, max_age=86400)
