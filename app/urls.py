"""The site's public address, and links to the site outside a web request (commands, emails, leaflets)."""

from contextlib import AbstractContextManager

from flask import current_app, has_request_context, request

DEFAULT_SITE_URL = "http://127.0.0.1:5000"


def site_url() -> str:
    """``WELLAWARE_SITE_URL`` when it is set; otherwise, in a web request, the address the site is being
    reached at; otherwise the development server's address. (``.ci/serve`` sets it to the address it
    starts the site on, so a leaflet built beside it prints the right one.)"""
    configured = current_app.config.get("SITE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEFAULT_SITE_URL


def site_request_context() -> AbstractContextManager[object]:
    """A request context at the site's address, so ``url_for(..., _external=True)`` gives the public one."""
    return current_app.test_request_context(base_url=site_url())
