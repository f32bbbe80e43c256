"""Design §8: several processes, each with its own index folder, on one database, agree within seconds.

Each app object here stands for one node: its own SearchIndex over its own folder, the same database.
"""

import shutil
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app import create_app
from app.directory.listing_data import ListingData
from app.directory.models import ListingChange, Service, ServiceStatus
from app.directory.operations import archive, publish_directly
from app.extensions import db
from app.timeutil import today
from search.position import read_position
from search.sync import check_index, search_index


def second_node(first: Flask, tmp_path: Path) -> Flask:
    """Another app on the same database with a copy of the first node's index in its own folder."""
    folder = tmp_path / "node-b-index"
    shutil.copytree(first.config["INDEX_DIR"], folder)
    config = {key: first.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME",
                                                 "SEARCH_RATE_LIMIT", "INSTANCE_PATH")}
    return create_app({**config, "TESTING": True, "INDEX_DIR": str(folder), "INDEX_CATCH_UP_SECONDS": 0})


def names_found(app: Flask, words: str) -> list[str]:
    page = app.test_client().get(f"/search?q={words}").get_data(as_text=True)
    return [name for name in ("Quillfeather Poetry Circle", "Quillfeather Writing Circle") if name in page]


def listing(name: str) -> ListingData:
    return ListingData(organisation="Widcombe Writers", name=name, summary="A friendly group for anyone who writes",
                       description="Bring something you wrote, or just listen.", categories=["arts-leisure"],
                       areas=["bath"], referral=["self"], access=["in-person"], kind="group", assured_at=today())


def test_a_change_made_on_one_node_is_searchable_on_another(demo_app: Flask, tmp_path: Path) -> None:
    node_b = second_node(demo_app, tmp_path)
    assert names_found(node_b, "quillfeather") == []

    with demo_app.app_context():
        service, _ = publish_directly(listing("Quillfeather Poetry Circle"), source="test")
        db.session.commit()
        service_id = service.id
    assert names_found(demo_app, "quillfeather") == ["Quillfeather Poetry Circle"]  # at once on node A

    deadline = time.monotonic() + 5
    while names_found(node_b, "quillfeather") != ["Quillfeather Poetry Circle"]:
        assert time.monotonic() < deadline, "node B never caught up"
        time.sleep(0.1)

    with demo_app.app_context():
        service = db.session.get(Service, service_id)
        publish_directly(listing("Quillfeather Writing Circle"), service=service, source="test")
        db.session.commit()
    assert names_found(node_b, "quillfeather") == ["Quillfeather Writing Circle"]

    with demo_app.app_context():
        archive(db.session.get(Service, service_id))
        db.session.commit()
    assert names_found(node_b, "quillfeather") == []
    with node_b.app_context():
        assert check_index().ok


def test_every_change_is_logged_in_the_same_transaction(demo_app: Flask) -> None:
    with demo_app.app_context():
        before = db.session.scalar(select(ListingChange.id).order_by(ListingChange.id.desc()).limit(1))
        service, _ = publish_directly(listing("Quillfeather Poetry Circle"), source="test")
        db.session.rollback()  # the change is abandoned, so is its log entry
        assert db.session.scalar(select(ListingChange.id).order_by(ListingChange.id.desc()).limit(1)) == before
        service, _ = publish_directly(listing("Quillfeather Poetry Circle"), source="test")
        db.session.commit()
        logged = db.session.scalars(select(ListingChange.service_id).where(ListingChange.id > (before or 0))).all()
        assert logged == [service.id]


def test_the_node_that_made_the_change_does_not_index_it_twice(demo_app: Flask) -> None:
    with demo_app.app_context():
        publish_directly(listing("Quillfeather Poetry Circle"), source="test")
        db.session.commit()
        latest = db.session.scalar(select(ListingChange.id).order_by(ListingChange.id.desc()).limit(1))
        assert read_position(search_index()) == latest


def test_an_unpublished_listing_logged_elsewhere_leaves_every_index(demo_app: Flask, tmp_path: Path) -> None:
    node_b = second_node(demo_app, tmp_path)
    with demo_app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == ServiceStatus.PUBLISHED))
        name = service.name
        archive(service)
        db.session.commit()
    page = node_b.test_client().get("/search").get_data(as_text=True)
    assert name.replace("'", "&#39;") not in page
