"""Fixtures: apps over real SQLite databases and real Whoosh indexes in temporary directories.

Building the schema (through the Alembic migrations) and loading the demo take seconds, so each is
done once per test session into a template; every test then gets its own copy of the files.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.extensions import db


def _config(workdir: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'wellaware.sqlite'}",
        "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"),
        "SERVER_NAME": "wellaware.test",
    }


def _make_app(workdir: Path) -> Flask:
    return create_app(_config(workdir))


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by the migrations, with an empty search index."""
    workdir = tmp_path_factory.mktemp("empty")
    app = _make_app(workdir)
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["search", "reindex"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    _dispose(app)
    return workdir


@pytest.fixture(scope="session")
def demo_template(empty_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The empty database with the demo directory loaded and indexed, as `.ci/serve` does."""
    workdir = tmp_path_factory.mktemp("demo")
    _copy(empty_template, workdir)
    app = _make_app(workdir)
    runner = app.test_cli_runner()
    for args in (["demo", "load"], ["search", "reindex"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    _dispose(app)
    return workdir


def _copy(source: Path, target: Path) -> None:
    for item in source.iterdir():
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)


def _app_from(template: Path, tmp_path: Path) -> Iterator[Flask]:
    workdir = tmp_path / "app"
    workdir.mkdir()
    _copy(template, workdir)
    app = _make_app(workdir)
    yield app
    _dispose(app)


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
