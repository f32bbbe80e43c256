"""Fixtures: apps over real databases (SQLite, or PostgreSQL when WELLAWARE_TEST_POSTGRES_URL is set) and
real Whoosh indexes in temporary directories.

Building the schema (through the Alembic migrations) and loading the demo take seconds, so each is
done once per test session into a template; every test then gets its own copy.

Hypothesis runs under one of two profiles. ``ci``, the default, is derandomized: every run tries the same
examples, so a failure in CI fails again on any machine, and it prints the blob that replays it
(``@reproduce_failure``). ``fuzz`` (``bash .ci/fuzz``, or ``--hypothesis-profile=fuzz``) looks for new bugs:
real randomness from a seed it prints (``--hypothesis-seed``), ten times the examples, and an example
database that tries earlier failures first. Hypothesis keeps its files outside the working tree.
"""

import re
import socket
import tempfile
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

from app import create_app
from app.extensions import db
from search.sync import search_index
from tests.databases import clone, database_url, drop, new_database

HYPOTHESIS_HOME = Path(tempfile.gettempdir()) / "wellaware-hypothesis"
set_hypothesis_home_dir(HYPOTHESIS_HOME)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("fuzz", derandomize=False, print_blob=True, deadline=None, max_examples=1000,
                          database=DirectoryBasedExampleDatabase(HYPOTHESIS_HOME / "examples"), phases=tuple(Phase))
settings.load_profile("ci")  # --hypothesis-profile, read after this file, can choose another


def pytest_report_header(config: pytest.Config) -> str:
    current = settings()
    name = settings.get_current_profile_name()
    if current.derandomize:
        return f"hypothesis: profile {name!r}, derandomized (the same examples every run)"
    seed = config.getoption("hypothesis_seed")
    how = f"seed {seed}" if seed else "a random seed for each test (replay a run with --hypothesis-seed=N)"
    return f"hypothesis: profile {name!r}, {how}"


def _config(workdir: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        # Tests search far faster than any person; the limit itself is tested with its own setting.
        "SEARCH_RATE_LIMIT": "100000 per minute",
        "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"),
        "INSTANCE_PATH": str(workdir / "instance"),  # uploads land here, never in the checkout
        "SERVER_NAME": "wellaware.test",
        "SITE_URL": "http://127.0.0.1:5000",  # what leaflets print; unset, it is the address a request came to
        "LEAFLETS_REBUILD_ON_CHANGE": False,  # on where a test proves it (test_leaflet_bank)
        "FICTIONAL_PHONE_NUMBERS": True,  # the demo's and the tests' numbers are Ofcom's drama numbers
    }


def _make_app(workdir: Path) -> Flask:
    return create_app(_config(workdir))


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()
    search_index(app).close()


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database made by the migrations, with an empty search index."""
    workdir = tmp_path_factory.mktemp("empty")
    new_database(workdir)
    app = _make_app(workdir)
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["search", "reindex"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    _dispose(app)
    yield workdir
    drop(workdir)


@pytest.fixture(scope="session")
def demo_template(empty_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The empty database with the demo directory loaded and indexed, as `.ci/serve` does."""
    workdir = tmp_path_factory.mktemp("demo")
    clone(empty_template, workdir)
    app = _make_app(workdir)
    runner = app.test_cli_runner()
    for args in (["demo", "load"], ["search", "reindex"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    _dispose(app)
    yield workdir
    drop(workdir)


def _app_from(template: Path, tmp_path: Path) -> Iterator[Flask]:
    workdir = tmp_path / "app"
    workdir.mkdir()
    clone(template, workdir)
    app = _make_app(workdir)
    yield app
    _dispose(app)
    drop(workdir)


@pytest.fixture
def app(empty_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app over its own empty database and index."""
    yield from _app_from(empty_template, tmp_path)


@pytest.fixture
def demo_app(demo_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app over its own copy of the demo database and index; tests may change it."""
    yield from _app_from(demo_template, tmp_path)


@pytest.fixture(scope="session")
def shared_demo_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One demo app for tests that only read: they must not change it."""
    yield from _app_from(demo_template, tmp_path_factory.mktemp("shared"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def demo_client(shared_demo_app: Flask) -> FlaskClient:
    return shared_demo_app.test_client()


class Mailbox:
    """Messages received by a real SMTP server on loopback."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def links(self, address: str) -> list[str]:
        return [link for m in self.to(address) for link in re.findall(r"https?://\S+", m.get_content())]


@pytest.fixture
def smtp() -> Iterator[tuple[str, int, Mailbox]]:
    """A real SMTP server on 127.0.0.1; point an app at it with `use_smtp(app, smtp)`."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port: aiosmtpd cannot report one chosen by the OS
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller.hostname, controller.port, mailbox
    finally:
        controller.stop()


def use_smtp(app: Flask, server: tuple[str, int, Mailbox]) -> Mailbox:
    host, port, mailbox = server
    app.config.update(MAIL_SERVER=host, MAIL_PORT=port)
    return mailbox
