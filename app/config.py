"""Settings, read from ``WELLAWARE_*`` environment variables.

Every setting has a development default so the site runs from a fresh clone; production sets
``WELLAWARE_SECRET_KEY`` and ``WELLAWARE_DATABASE_URL`` at least.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "WELLAWARE_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def chosen_instance_path(overrides: dict[str, object]) -> str | None:
    """The instance folder, as an absolute path, when a setting moves it; None leaves Flask's default
    (``instance/`` beside the ``app`` package)."""
    chosen = overrides.get("INSTANCE_PATH") or _env("INSTANCE_PATH")
    return str(Path(str(chosen)).resolve()) if chosen else None


def settings_from_environment(instance_path: Path) -> dict[str, object]:
    """The application's configuration, as Flask config keys."""
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'wellaware.sqlite'}"
    return {
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INDEX_DIR": _env("INDEX_DIR") or str(instance_path / "index"),
        "LEAFLET_DIR": _env("LEAFLET_DIR") or str(instance_path / "leaflets"),
        "DATA_DIR": _env("DATA_DIR") or str(PROJECT_ROOT / "data"),
        "FRONTEND_DIR": _env("FRONTEND_DIR") or str(PROJECT_ROOT / "node_modules/nhsuk-frontend/dist/nhsuk"),
        # After an approval, rebuild the leaflets that print the listing (app.leaflets.rebuild).
        "LEAFLETS_REBUILD_ON_CHANGE": _env_bool("LEAFLETS_REBUILD_ON_CHANGE", True),
        "SITE_URL": _env("SITE_URL") or None,  # None: the address the site is reached at (app.urls)
        # Listings not confirmed for this many months leave public search; reminders go out a month earlier.
        "FRESHNESS_MONTHS": _env_int("FRESHNESS_MONTHS", 6),
        "REMINDER_MONTHS": _env_int("REMINDER_MONTHS", 5),
        # A due listing not confirmed this many days after its reminder gets one follow-up.
        "REMINDER_FOLLOW_UP_DAYS": _env_int("REMINDER_FOLLOW_UP_DAYS", 14),
        "RESULTS_PER_PAGE": _env_int("RESULTS_PER_PAGE", 20),
        # Accept Ofcom's drama phone numbers (01632 960xxx, 07700 900xxx…) as listings' numbers: for the demo
        # and tests only, since nobody answers them (app.directory.phones).
        "FICTIONAL_PHONE_NUMBERS": _env_bool("FICTIONAL_PHONE_NUMBERS", False),
        # The largest file the listings import page takes, above the site-wide request limit.
        "IMPORT_MAX_BYTES": _env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024),
        # How often each process adds its tally of searches and listing views to the database.
        "USAGE_FLUSH_SECONDS": _env_int("USAGE_FLUSH_SECONDS", 60),
        # The largest request body, in bytes, that is read; a larger one is refused (413) before it is read.
        # No form needs more than a few kilobytes; imports allow more for their own requests.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", False),
        # Rate limits are counted in the database unless another shared store is named (e.g.
        # redis://127.0.0.1:6379/0), so that they hold across all workers either way.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI") or "wellaware-database://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # While the store cannot be reached (the database is down), each worker counts in memory instead.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Set explicitly: Flask-Limiter would otherwise carry over the previous app's choice.
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "SEARCH_RATE_LIMIT": _env("SEARCH_RATE_LIMIT", "120 per minute"),
        # How long emailed links work.
        "PASSWORD_RESET_HOURS": _env_int("PASSWORD_RESET_HOURS", 2),
        "CONFIRM_EMAIL_HOURS": _env_int("CONFIRM_EMAIL_HOURS", 48),
        # The "Still correct" link in a reminder: long enough to outlast the follow-up and a holiday.
        "CONFIRM_LINK_DAYS": _env_int("CONFIRM_LINK_DAYS", 30),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_SENDER": _env("MAIL_SENDER", "Well Aware <no-reply@wellaware.invalid>"),
        "MAIL_FOLDER": _env("MAIL_FOLDER") or str(instance_path / "mail"),
    }
