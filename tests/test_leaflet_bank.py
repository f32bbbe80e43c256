"""The leaflet bank (design §7 ``leaflets build``, ``GET /leaflets``): built by a command into a folder with a
manifest, rebuilt only where content changed, and served only as built files.

To keep the module quick, each demo hub is cut down to its first section ("Urgent help") before building;
the whole demo is rendered in test_leaflets.py and timed by tests/perf/benchmark.py.
"""

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from app.directory.models import Service
from app.extensions import db
from app.hubs.models import Hub
from app.timeutil import today
from exports.leaflets.bank import build_bank, plan_bank
from exports.leaflets.manifest import MANIFEST_NAME, read_manifest
from tests.test_leaflets import URGENT_NUMBERS, cluster_words, demo_copy, page_texts

# These fixtures copy the demo's SQLite file; leaflets read the database only through the ORM, which the
# rest of the suite runs on PostgreSQL too.
ALL_FILES = {f"hub-{hub}-{fmt}.pdf" for hub in ("bath", "keynsham-chew-valley", "somer-valley")
             for fmt in ("a5", "a4", "large-print")} | {"category-money-and-housing.pdf", "referrers-flyer.pdf"}
BATH_FILES = {"hub-bath-a5.pdf", "hub-bath-a4.pdf", "hub-bath-large-print.pdf"}
BATH_ONLY_LISTING = "The Lantern Crisis Café"  # urgent help, serving Bath only


@pytest.fixture(scope="module")
def bank_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_copy(demo_template, tmp_path_factory.mktemp("bank") / "app") as app:
        with app.app_context():
            for hub in db.session.scalars(select(Hub)):
                hub.sections[:] = hub.sections[:1]
            db.session.commit()
        yield app


@pytest.fixture(scope="module")
def built(bank_app: Flask) -> dict[str, object]:
    """The first build, by the command (rendering in worker processes)."""
    folder = Path(bank_app.config["LEAFLET_DIR"])
    result = bank_app.test_cli_runner().invoke(args=["leaflets", "build"])
    assert result.exit_code == 0, result.output
    return {"output": result.output, "folder": folder, "manifest": read_manifest(folder)}


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.glob("*.pdf")}


def test_build_makes_every_leaflet_with_a_manifest(built: dict[str, object]) -> None:
    folder, manifest, output = built["folder"], built["manifest"], built["output"]
    assert set(manifest) == ALL_FILES
    for name in ALL_FILES:
        assert f"Rebuilt    {name}" in output
    assert f"{len(ALL_FILES)} rebuilt, 0 unchanged" in output
    raw = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert raw["version"] == 1
    for entry in raw["leaflets"]:
        path = folder / entry["file"]
        assert path.stat().st_size == entry["size"]
        assert entry["built_on"] == today().isoformat()
        assert re.fullmatch(r"[0-9a-f]{64}", entry["content_hash"])
        assert entry["kind"] in {"hub", "category", "flyer"}
        assert entry["title"]
        reader = PdfReader(path)
        assert len(reader.pages) == entry["pages"]
        text = " ".join(page_texts(path.read_bytes()))
        assert all(number in text for number in URGENT_NUMBERS), entry["file"]
        assert not cluster_words(text), entry["file"]
        assert f"Information checked on {today().day} {today():%B %Y}" in text
    hubs = {entry["hub"] for entry in raw["leaflets"] if entry["kind"] == "hub"}
    assert hubs == {"bath", "keynsham-chew-valley", "somer-valley"}
    assert sorted(path.name for path in folder.iterdir()) == sorted([*ALL_FILES, MANIFEST_NAME])


def test_rebuilds_only_what_changed(bank_app: Flask, built: dict[str, object]) -> None:
    folder = built["folder"]
    runner = bank_app.test_cli_runner()
    before = _mtimes(folder)

    # 1. Nothing changed: nothing is rebuilt.
    result = runner.invoke(args=["leaflets", "build"])
    assert result.exit_code == 0, result.output
    assert f"0 rebuilt, {len(ALL_FILES)} unchanged, 0 removed" in result.output
    assert all(f"Unchanged  {name}" in result.output for name in ALL_FILES)
    assert _mtimes(folder) == before

    # 2. A printed detail of a listing only Bath's leaflets hold: only those are rebuilt.
    with bank_app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == BATH_ONLY_LISTING))
        assert service is not None and service.areas == ["bath"]
        holding = {job.file_name for job in plan_bank(folder, bank_app.config["SITE_URL"]).jobs
                   if service.id in job.leaflet.listing_ids}
        assert holding == BATH_FILES
        service.summary = "A calm place to go in the evening when things feel too much; now open on Sundays."
        db.session.commit()
        report = build_bank(folder, bank_app.config["SITE_URL"], workers=1)
    assert set(report.rebuilt) == BATH_FILES
    assert set(report.unchanged) == ALL_FILES - BATH_FILES
    after = _mtimes(folder)
    assert {name for name in ALL_FILES if after[name] != before[name]} == BATH_FILES
    assert "now open on Sundays" in " ".join(page_texts((folder / "hub-bath-a4.pdf").read_bytes()))

    # 3. A detail leaflets do not print (the long description): nothing is rebuilt.
    with bank_app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == BATH_ONLY_LISTING))
        service.description += "\n\nWe have new armchairs."
        db.session.commit()
        report = build_bank(folder, bank_app.config["SITE_URL"], workers=1)
    assert report.rebuilt == []

    # 4. A leaflet file that went missing is made again; one hub can be built on its own.
    (folder / "hub-somer-valley-a5.pdf").unlink()
    result = runner.invoke(args=["leaflets", "build", "--hub", "somer-valley"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt    hub-somer-valley-a5.pdf" in result.output
    assert "1 rebuilt, 2 unchanged, 0 removed" in result.output
    assert set(read_manifest(folder)) == ALL_FILES  # the other leaflets stay in the manifest

    result = runner.invoke(args=["leaflets", "build", "--hub", "nowhere"])
    assert result.exit_code == 1 and "There is no hub 'nowhere'" in result.output


def test_build_into_another_folder(bank_app: Flask, tmp_path: Path) -> None:
    result = bank_app.test_cli_runner().invoke(
        args=["leaflets", "build", "--hub", "bath", "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert set(read_manifest(tmp_path / "out")) == BATH_FILES


def test_bank_page_lists_each_leaflet_with_date_and_size(bank_app: Flask, built: dict[str, object]) -> None:
    client = bank_app.test_client()
    page = client.get("/leaflets").get_data(as_text=True)
    manifest = read_manifest(built["folder"])
    built_on = f"{today().day} {today():%B %Y}"
    for name, entry in manifest.items():
        row = re.search(rf'<tr class="nhsuk-table__row">\s*<td[^>]*><a href="/leaflets/{re.escape(name)}"[^>]*>'
                        rf'{re.escape(str(entry["title"]))}</a>.*?</tr>', page, re.S)
        assert row, name
        assert built_on in row.group(0)
        assert re.search(r"PDF, \d+(\.\d)? (KB|MB)", row.group(0))
    for heading in ("Bath hub", "Keynsham and Chew Valley hub", "Somer Valley hub", "For professionals"):
        assert heading in page
    assert not cluster_words(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0]))
    assert 'href="/leaflets"' in client.get("/").get_data(as_text=True)  # the site footer links to it


def test_downloads_serve_built_files_only(bank_app: Flask, built: dict[str, object]) -> None:
    client = bank_app.test_client()
    folder = built["folder"]
    with client.get("/leaflets/hub-bath-a5.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == (folder / "hub-bath-a5.pdf").read_bytes()
        assert PdfReader(io.BytesIO(response.data)).pages
    (folder / "stray.pdf").write_bytes(b"%PDF-1.4 not in the manifest")
    try:
        for url in ("/leaflets/unknown.pdf", "/leaflets/manifest.json", "/leaflets/stray.pdf",
                    "/leaflets/..%2Fwellaware.sqlite", "/leaflets/../wellaware.sqlite", "/leaflets/%2e%2e",
                    "/leaflets/..", "/leaflets/hub-bath-a5.pdf/..", "/leaflets/HUB-BATH-A5.PDF"):
            assert client.get(url).status_code == 404, url
    finally:
        (folder / "stray.pdf").unlink()


def test_bank_page_before_anything_is_built(bank_app: Flask, tmp_path: Path) -> None:
    folder = bank_app.config["LEAFLET_DIR"]
    bank_app.config["LEAFLET_DIR"] = str(tmp_path / "empty")
    try:
        client = bank_app.test_client()
        response = client.get("/leaflets")
        assert response.status_code == 200
        assert "No leaflets have been made yet" in response.get_data(as_text=True)
        assert client.get("/leaflets/hub-bath-a5.pdf").status_code == 404
    finally:
        bank_app.config["LEAFLET_DIR"] = folder


def test_a_hub_that_is_gone_leaves_the_bank(bank_app: Flask, built: dict[str, object]) -> None:
    """Runs last: it deletes a hub from the module's database and its leaflets from the module's bank."""
    folder = built["folder"]
    with bank_app.app_context():
        db.session.delete(db.session.scalar(select(Hub).where(Hub.slug == "somer-valley")))
        db.session.commit()
        report = build_bank(folder, bank_app.config["SITE_URL"], workers=1)
    gone = {f"hub-somer-valley-{fmt}.pdf" for fmt in ("a5", "a4", "large-print")}
    assert set(report.removed) == gone and report.rebuilt == []
    assert set(read_manifest(folder)) == ALL_FILES - gone
    assert not any((folder / name).exists() for name in gone)
    assert bank_app.test_client().get("/leaflets/hub-somer-valley-a5.pdf").status_code == 404
