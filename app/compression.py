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
    # Not as a stream: a streamed file that the client stops reading would stay open.
    app.config["COMPRESS_STREAMS"] = False
    compress.init_app(app)

    @app.after_request
    def compress_response(response: Response) -> Response:
        if response.mimetype == "text/html" and current_user.is_authenticated:
            return response
        if response.is_streamed and response.mimetype in compress.compress_mimetypes_set:
            # A static file: read it into memory (the file is closed with the response), then compress.
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
