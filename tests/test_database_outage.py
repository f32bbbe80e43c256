"""When the database is out of reach (restarting, say), searches answer from the index and other pages say
"try again in a minute" with a 503, never an error page or a rebuild of a healthy index."""

from pathlib import Path

from flask import Flask
from sqlalchemy import select, text

from app import create_app
from app.directory.models import Service, ServiceStatus
from app.extensions import db
from search.index import BUILD_FILE
from search.sync import search_index


def test_searches_answer_from_the_index_when_the_change_log_cannot_be_read(demo_app: Flask, caplog) -> None:
    build = (Path(demo_app.config["INDEX_DIR"]) / BUILD_FILE).read_text()
    with demo_app.app_context():
        db.session.execute(text("ALTER TABLE listing_change RENAME TO listing_change_away"))
        db.session.commit()
    client = demo_app.test_client()
    for address in ("/search?q=counselling", "/api/services?search=counselling"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert "counselling" in response.get_data(as_text=True).lower()
    assert "could not read the change log" in caplog.text
    assert "rebuilding" not in caplog.text
    assert (Path(demo_app.config["INDEX_DIR"]) / BUILD_FILE).read_text() == build, "a healthy index was rebuilt"
    with demo_app.app_context():
        db.session.execute(text("ALTER TABLE listing_change_away RENAME TO listing_change"))
        db.session.commit()
        search_index().close()


def test_pages_that_need_the_database_say_try_again(shared_demo_app: Flask, tmp_path: Path) -> None:
    """A listing that exists (in the demo) asked of a site whose database is out of reach."""
    with shared_demo_app.app_context():
        listing = db.session.scalars(select(Service).where(Service.status == ServiceStatus.PUBLISHED)
                                     .order_by(Service.name)).first()
        listing_id, uid = listing.id, listing.uid
    app = create_app({"TESTING": False, "SECRET_KEY": "test", "SERVER_NAME": "wellaware.test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing-folder' / 'wellaware.sqlite'}",
                      "INDEX_DIR": str(tmp_path / "index"), "INSTANCE_PATH": str(tmp_path / "instance")})
    client = app.test_client()
    page = client.get(f"/services/{listing_id}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "Please try again in a minute." in page.get_data(as_text=True)
    api = client.get(f"/api/services/{uid}")
    assert api.status_code == 503 and api.is_json
    with app.app_context():
        db.engine.dispose()
