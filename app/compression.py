"""Compressed responses (Flask-Compress: zstd, brotli or gzip, as the browser accepts).

A page that carries a signed-in person's CSRF token is sent uncompressed: compressing a secret beside
text an attacker can choose (a search query) is what the BREACH attack measures. Anonymous pages carry
only a token that guards the visitor's own shortlist, and the session cookie is SameSite=Lax."""

from flask import Flask
from flask_compress import Compress
from flask_login import current_user
from werkzeug.wrappers import Response

compress = Compress()


def register_compression(app: Flask) -> None:
    """Call before any other ``after_request`` hook is registered, so compression runs last."""
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)

    @app.after_request
    def compress_response(response: Response) -> Response:
        if response.mimetype == "text/html" and current_user.is_authenticated:
            return response
        return compress.after_request(response)
