"""Where to go after signing in or a form: only a path on this site, never another site (no open redirect)."""

from urllib.parse import urlsplit, urlunsplit


def safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(char) < 32 for char in target):
        return default
    return target


def with_fragment(target: str, fragment: str) -> str:
    """``target`` with ``fragment`` in place of any it had: after a form, the page comes back with focus on the
    element with that id (the item acted on), not on the top of the page."""
    return urlunsplit(urlsplit(target)._replace(fragment=fragment))
