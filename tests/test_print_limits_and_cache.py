"""Expensive pages anyone can ask for (issue 18): the shortlist PDF, its print view and leaflet downloads are
rate-limited per address, and a PDF of public listings is made once and kept on disk for the next request
for the same list, until one of its listings changes.
"""

import dataclasses
import json
import os
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.directory.listing_data import ListingData
from app.directory.models import Service
from app.directory.operations import publish_directly
from app.extensions import db
from app.shortlist.pdf_cache import prune
from tests.test_leaflets import page_texts
from tests.test_shortlist import add_from_listing, public_services, shortlist_action, sign_in_referrer
from tests.web import new_client, title_of

PDF_PER_MINUTE = 10
PRINT_PER_MINUTE = 20
LEAFLETS_PER_MINUTE = 20


def cache_folder(app: Flask) -> Path:
    return Path(app.instance_path) / "cache" / "shortlist-pdf"


def cached_files(app: Flask) -> list[Path]:
    folder = cache_folder(app)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def followed(client: FlaskClient, response: TestResponse) -> None:
    """Open the page a form's answer leads to, as a browser would: the confirmation is shown there, not on
    whatever page comes next."""
    assert response.status_code == 302
    client.get(response.headers["Location"])


def with_shortlist(app: Flask, ids: list[int], client: FlaskClient | None = None) -> FlaskClient:
    client = client or new_client(app)
    for service_id in ids:
        followed(client, add_from_listing(client, service_id))
    return client


def referrer_with_notes(app: Flask, ids: list[int], notes: dict[int, str]) -> FlaskClient:
    client = new_client(app)
    sign_in_referrer(app, client)
    with_shortlist(app, ids, client)
    for service_id, note in notes.items():
        followed(client, shortlist_action(client, "note", service_id, note=note))
    return client


def assert_friendly_429(response: TestResponse) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert title_of(response.get_data(as_text=True)).startswith("Too many attempts")
    assert "Please wait a few minutes and try again." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


# --- rate limits ----------------------------------------------------------------------------------------------


def test_one_address_gets_a_friendly_page_after_ten_pdfs_in_a_minute(demo_app: Flask) -> None:
    ids = [s.id for s in public_services(demo_app)[:1]]
    client = with_shortlist(demo_app, ids)
    for number in range(PDF_PER_MINUTE):
        response = client.get("/shortlist/pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", number
    assert_friendly_429(client.get("/shortlist/pdf"))
    # Another address is not held up by this one.
    assert with_shortlist(demo_app, ids).get("/shortlist/pdf").status_code == 200


def test_one_address_gets_a_friendly_page_after_twenty_print_views_in_a_minute(shared_demo_app: Flask) -> None:
    client = with_shortlist(shared_demo_app, [s.id for s in public_services(shared_demo_app)[:2]])
    for number in range(PRINT_PER_MINUTE):
        assert client.get("/shortlist/print").status_code == 200, number
    assert_friendly_429(client.get("/shortlist/print"))
    assert client.get("/shortlist/").status_code == 200  # the shortlist itself is not limited


def leaflet_bank_of_one(app: Flask) -> str:
    """A leaflet folder holding one small PDF named in its manifest: the file's name."""
    folder = Path(app.config["LEAFLET_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = "hub-test-a4.pdf"
    (folder / name).write_bytes(b"%PDF-1.4\n% a stand-in for a built leaflet\n%%EOF\n")
    manifest = {"version": 1, "leaflets": [{"file": name, "title": "Test hub: A4", "kind": "hub", "hub": "test",
                                             "format": "a4", "built_on": "2026-01-01", "size": 50, "pages": 1}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return name


def download(client: FlaskClient, name: str, **headers: str) -> TestResponse:
    """A leaflet, read and closed (a file sent from disk stays open until its response is closed)."""
    with client.get(f"/leaflets/{name}", headers=headers) as response:
        response.get_data()
    return response


def test_leaflet_downloads_are_limited_per_address_and_can_be_revalidated(demo_app: Flask) -> None:
    name = leaflet_bank_of_one(demo_app)
    client = new_client(demo_app)
    first = download(client, name)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    # Rebuilt leaflets keep their names, so browsers must ask again, and an unchanged file costs no body.
    assert "no-cache" in first.headers["Cache-Control"]
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = download(client, name, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert download(client, name, **{"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    for number in range(LEAFLETS_PER_MINUTE - 3):
        assert download(client, name).status_code == 200, number
    assert_friendly_429(download(client, name))
    assert download(new_client(demo_app), name).status_code == 200


# --- the PDF cache --------------------------------------------------------------------------------------------


def rename(app: Flask, service_id: int, name: str) -> None:
    """Change a listing's name as an administrator's direct publish does."""
    with app.app_context():
        service = db.session.get(Service, service_id)
        data = dataclasses.replace(ListingData.from_service(service), name=name)
        assert publish_directly(data, service=service, source="test")[1]
        db.session.commit()


def test_the_same_list_is_made_once_and_an_edit_makes_a_new_pdf(demo_app: Flask) -> None:
    a, b = (s.id for s in public_services(demo_app)[:2])
    client = with_shortlist(demo_app, [a, b])
    assert cached_files(demo_app) == []
    first = client.get("/shortlist/pdf")
    assert first.status_code == 200
    assert "no-store" in first.headers["Cache-Control"]  # a shortlist is personal: no shared cache keeps it
    (kept,) = cached_files(demo_app)
    assert kept.read_bytes() == first.data
    made = kept.stat()

    time.sleep(0.05)
    # The same list, from this visitor or another: the same bytes, from the same file, not made again.
    for again in (client.get("/shortlist/pdf"), with_shortlist(demo_app, [a, b]).get("/shortlist/pdf")):
        assert again.status_code == 200 and again.data == first.data
    # Not written again either: a new file would have a new inode (it is renamed into place) and time.
    assert cached_files(demo_app) == [kept]
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (made.st_ino, made.st_mtime_ns)

    # The other order is another PDF.
    reordered = with_shortlist(demo_app, [b, a]).get("/shortlist/pdf")
    assert reordered.data != first.data and len(cached_files(demo_app)) == 2

    rename(demo_app, a, "Renamed Widcombe Listening Service")
    edited = client.get("/shortlist/pdf")
    assert edited.status_code == 200 and edited.data != first.data
    assert "Renamed Widcombe Listening Service" in " ".join(page_texts(edited.data))
    assert len(cached_files(demo_app)) == 3 and kept.stat().st_mtime_ns == made.st_mtime_ns


def test_a_pdf_with_a_referrers_notes_is_never_kept(demo_app: Flask) -> None:
    a, b = (s.id for s in public_services(demo_app)[:2])
    note = "Ask for Sam at the front desk"
    client = referrer_with_notes(demo_app, [a, b], {b: note})
    for _ in range(2):
        response = client.get("/shortlist/pdf?notes=yes")
        assert response.status_code == 200 and f"Note: {note}" in " ".join(page_texts(response.data))
        assert cached_files(demo_app) == []
    # Without the notes it is the public list, and is kept like any other.
    plain = client.get("/shortlist/pdf")
    assert note not in " ".join(page_texts(plain.data))
    assert [path.read_bytes() for path in cached_files(demo_app)] == [plain.data]


def test_rate_limit_holds_for_pdfs_with_notes_too(demo_app: Flask) -> None:
    (a,) = (s.id for s in public_services(demo_app)[:1])
    client = referrer_with_notes(demo_app, [a], {a: "Phone first"})
    for number in range(PDF_PER_MINUTE):
        assert client.get("/shortlist/pdf?notes=yes").status_code == 200, number
    assert_friendly_429(client.get("/shortlist/pdf?notes=yes"))


def test_the_cache_keeps_to_its_age_and_size(tmp_path: Path) -> None:
    now = time.time()

    def kept_file(name: str, size: int, age_seconds: float) -> Path:
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        os.utime(path, (now - age_seconds, now - age_seconds))
        return path

    stale = kept_file("stale.pdf", 10, 25 * 3600)
    left_by_a_crash = kept_file(".half-written.tmp", 10, 25 * 3600)
    being_written = kept_file(".being-written.tmp", 500, 1)
    oldest, middle, newest = (kept_file(f"{n}.pdf", 400, age) for n, age in (("a", 300), ("b", 200), ("c", 100)))
    prune(tmp_path, max_bytes=1000, now=now)
    # Older than a day: gone. Then the oldest go until the kept files fit; a file still being written stays.
    assert sorted(tmp_path.iterdir()) == sorted([being_written, middle, newest])
    assert not stale.exists() and not left_by_a_crash.exists() and not oldest.exists()
