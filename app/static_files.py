"""Fingerprinted static files: every address of a static file carries a hash of its content (``?v=…``), so
browsers may keep it for a year without asking again, and a changed file gets a new address."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

A_YEAR = 365 * 24 * 3600
FINGERPRINTED = {"static": "static_folder", "assets.frontend": "FRONTEND_DIR"}


# Outside debug mode files do not change under a running process: each is hashed once.
_settled: dict[Path, str] = {}


@lru_cache(maxsize=256)
def _hash_of(path: Path, modified: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def fingerprint(endpoint: str, filename: str) -> str | None:
    where = FINGERPRINTED[endpoint]
    folder = current_app.static_folder if where == "static_folder" else current_app.config[where]
    path = Path(str(folder)) / filename
    if not current_app.debug and path in _settled:
        return _settled[path]
    try:
        version = _hash_of(path, path.stat().st_mtime)
    except OSError:  # not a file we have: the address stays as it is and the request gets a 404
        return None
    _settled[path] = version
    return version


def register_static_fingerprints(app: Flask) -> None:
    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict[str, object]) -> None:
        if endpoint in FINGERPRINTED and "filename" in values and "v" not in values:
            version = fingerprint(endpoint, str(values["filename"]))
            if version:
                values["v"] = version

    @app.after_request
    def cache_fingerprinted_files(response: Response) -> Response:
        if request.endpoint in FINGERPRINTED and response.status_code in (200, 304):
            version = request.args.get("v")
            filename = (request.view_args or {}).get("filename", "")
            if version and version == fingerprint(request.endpoint, filename):
                response.cache_control.no_cache = None
                response.cache_control.max_age = A_YEAR
                response.cache_control.public = True
                response.cache_control.immutable = True
        return response
