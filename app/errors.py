"""Error pages in plain words; they never echo what was asked for."""

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.accounts.roles import WrongAccount
from app.extensions import db

MESSAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("You cannot see this page", "Your account does not give you access to this page."),
    404: ("Page not found", "If you typed the web address, check it is correct. The listing may have been "
                            "withdrawn or may be waiting to be confirmed by the organisation."),
    405: ("That did not work", "Please go back and try again."),
    413: ("That was too large to send", "Please go back and send a smaller file, or split it into smaller files."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Please try again later."),
    503: ("Sorry, the service is busy or being restarted", "Please try again in a minute."),
}
RETRY_AFTER_SECONDS = 30
MB = 1024 * 1024


def register_error_pages(app: Flask) -> None:
    def handle(error: HTTPException) -> tuple[object, int, dict[str, str]]:
        code = error.code or 500
        title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
        if code == 413 and request.max_content_length:  # this request's limit: an import may allow more
            message = f"Files can be up to {request.max_content_length / MB:g} MB. {message}"
        # Keep the exception's own headers (a 405 must say which methods are allowed).
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        if request.path.startswith("/api/"):
            return jsonify({"error": title}), code, headers | {"Access-Control-Allow-Origin": "*"}
        if isinstance(error, WrongAccount):
            return render_template("wrong_account.html", area=error.area), code, headers
        return render_template("error.html", title=title, message=message, code=code), code, headers

    for code in MESSAGES:
        app.register_error_handler(code, handle)

    @app.errorhandler(OperationalError)
    def database_unavailable(_error: OperationalError) -> tuple[object, int, dict[str, str]]:
        """The database cannot be reached (restarting, say): a plain "try again" answer, not an error page."""
        db.session.rollback()
        response, code, headers = handle(ServiceUnavailable())
        return response, code, headers | {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
