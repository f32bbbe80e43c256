"""Building links to the site outside a web request (commands, emails, leaflets)."""

from contextlib import AbstractContextManager

from flask import current_app


def site_request_context() -> AbstractContextManager[object]:
    """A request context at ``SITE_URL``, so ``url_for(..., _external=True)`` gives the public address."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])
