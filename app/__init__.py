"""Well Aware: the application factory."""

import logging
import secrets
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader

from app.compression import register_compression
from app.config import chosen_instance_path, settings_from_environment
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.logging_privacy import strip_query_strings_from_access_logs
from app.routing import IdConverter
from app.security import register_security
from app.static_files import register_static_fingerprints

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, object] | None = None) -> Flask:
    """The application. ``test_config`` overrides any setting; its ``INSTANCE_PATH`` (or the environment's
    ``WELLAWARE_INSTANCE_PATH``) moves the instance folder, where uploads and the default database live."""
    app = Flask(__name__, instance_relative_config=True, instance_path=chosen_instance_path(test_config or {}))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_environment(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
        # A test's approvals start no leaflet build in the background unless the test asks for one.
        if "LEAFLETS_REBUILD_ON_CHANGE" not in test_config and app.config.get("TESTING"):
            app.config["LEAFLETS_REBUILD_ON_CHANGE"] = False
    app.config["INSTANCE_PATH"] = app.instance_path  # so that an app made from this one's settings shares it
    if not app.config["SECRET_KEY"]:
        # Sessions and CSRF tokens will not survive a restart or be shared between workers.
        log.info("WELLAWARE_SECRET_KEY is not set; using a temporary key for this process")
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    # Templates: ours first, then the NHS design system's component macros.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(Path(app.root_path) / "templates"), PackageLoader("nhsuk_frontend_jinja")]
    )

    register_compression(app)  # first, so that it runs after every other after_request hook
    _init_extensions(app)
    register_static_fingerprints(app)
    app.url_map.converters["int"] = IdConverter  # before any route is added, so that every <int:…> uses it
    _register_blueprints(app)
    register_security(app)
    strip_query_strings_from_access_logs()
    _register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table, for Alembic and create_all)
    from app.accounts.loader import load_user
    from app.ratelimits import storage  # noqa: F401  (registers the wellaware-database:// storage scheme)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page"
    login_manager.session_protection = "strong"

    from app.database import configure_engine_events
    from app.usage.tally import register_usage
    from app.vocabulary.store import register_vocabulary
    from search.sync import register_index_sync

    with app.app_context():
        configure_engine_events(db.engine)
    register_index_sync(app)
    register_usage(app)
    register_vocabulary(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin import admin
    from app.api import api
    from app.assets import assets
    from app.auth import auth
    from app.errors import register_error_pages
    from app.freshness.views import freshness
    from app.hubs.views import hubs
    from app.leaflets import leaflets
    from app.manage import manage
    from app.problems.views import problems
    from app.public import public
    from app.referrer import referrer
    from app.search_runner import register_search_unavailable
    from app.shortlist import shortlist
    from app.template_helpers import register_template_helpers

    for blueprint in (assets, public, problems, freshness, hubs, shortlist, leaflets, auth, referrer, manage, admin,
                      api):
        app.register_blueprint(blueprint)
    register_error_pages(app)
    register_search_unavailable(app)
    register_template_helpers(app)


def _register_commands(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
