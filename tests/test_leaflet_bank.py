"""The leaflet bank (design §7 ``leaflets build``, ``GET /leaflets``): built by a command into a folder with a
manifest, rebuilt only where content changed, and served only as built files.

Each hub has a short leaflet per section in two prints, whole-hub booklets for staff and a flyer; every
category with listings has a leaflet. To keep the module quick, each demo hub is cut down to two sections
before building: its first ("Urgent help") and its biggest, which has more listings than a rack leaflet holds.
"""

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

import app.leaflets.rebuild as rebuild
from app.accounts.operations import find_user
from app.directory.listing_data import ListingData
from app.directory.models import Service
from app.directory.revisions import propose
from app.extensions import db
from app.hubs.models import Hub
from app.timeutil import today
from exports.leaflets.bank import SECTION_MAX_PAGES, build_bank
from exports.leaflets.building import BUILDING_NAME, build_lock
from exports.leaflets.manifest import MANIFEST_NAME, read_manifest
from tests.test_leaflets import (
    A5,
    ADMIN,
    PASSWORD,
    URGENT_NUMBERS,
    cluster_words,
    demo_copy,
    drawn_images,
    expected_sections,
    image_pixels,
    known_passwords,
    normalise,
    page_texts,
    public_services_by_query,
    qr_pixels,
)
from tests.web import form_post, new_client, sign_in

# These fixtures copy the demo's SQLite file; leaflets read the database only through the ORM, which the
# rest of the suite runs on PostgreSQL too.
HUBS = ("bath", "keynsham-chew-valley", "somer-valley")
BATH_ONLY_LISTING = "The Lantern Crisis Café"  # urgent help, serving Bath only
SITE = "http://127.0.0.1:5000"


@pytest.fixture(scope="module")
def bank_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_copy(demo_template, tmp_path_factory.mktemp("bank") / "app") as app:
        with app.app_context():
            months = int(app.config["FRESHNESS_MONTHS"])
            for hub in db.session.scalars(select(Hub)):
                sizes = [len(ids) for ids in expected_sections(hub, months)]
                biggest = max(range(1, len(sizes)), key=lambda index: sizes[index])
                hub.sections[:] = [hub.sections[0], hub.sections[biggest]]
            db.session.commit()
        known_passwords(app, ADMIN)
        yield app


def expected_files(app: Flask) -> dict[str, tuple[str, str, str]]:
    """Every file the bank should hold, worked out from the database: name → (kind, hub, section slug)."""
    with app.app_context():
        files: dict[str, tuple[str, str, str]] = {}
        for hub in db.session.scalars(select(Hub)):
            for section in hub.sections:
                for print_name in ("a5", "large-print"):
                    files[f"hub-{hub.slug}-{section.slug}-{print_name}.pdf"] = ("section", hub.slug, section.slug)
            for fmt in ("a5", "a4", "large-print"):
                files[f"hub-{hub.slug}-{fmt}.pdf"] = ("hub", hub.slug, "")
            files[f"flyer-{hub.slug}.pdf"] = ("flyer", hub.slug, "")
        public = public_services_by_query(today(), int(app.config["FRESHNESS_MONTHS"]))
        for category in {slug for service in public for slug in service.categories}:
            files[f"category-{category}.pdf"] = ("category", "", "")
        files["referrers-flyer.pdf"] = ("flyer", "", "")
    return files


@pytest.fixture(scope="module")
def built(bank_app: Flask) -> dict[str, object]:
    """The first build, by the command (rendering in worker processes)."""
    folder = Path(bank_app.config["LEAFLET_DIR"])
    result = bank_app.test_cli_runner().invoke(args=["leaflets", "build"])
    assert result.exit_code == 0, result.output
    return {"output": result.output, "folder": folder, "manifest": read_manifest(folder),
            "expected": expected_files(bank_app)}


def _mtimes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.glob("*.pdf")}


def _texts(folder: Path, name: str) -> str:
    return " ".join(page_texts((folder / name).read_bytes()))


def test_build_makes_every_leaflet_with_a_manifest(built: dict[str, object]) -> None:
    folder, manifest, output, expected = built["folder"], built["manifest"], built["output"], built["expected"]
    assert set(manifest) == set(expected)
    assert len([kind for kind, _, _ in expected.values() if kind == "category"]) >= 10
    for name in expected:
        assert f"Rebuilt    {name}" in output
    assert f"{len(expected)} rebuilt, 0 unchanged" in output
    raw = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert raw["version"] == 1
    for entry in raw["leaflets"]:
        path = folder / entry["file"]
        assert path.stat().st_size == entry["size"]
        assert entry["built_on"] == today().isoformat()
        assert re.fullmatch(r"[0-9a-f]{64}", entry["content_hash"])
        assert (entry["kind"], entry["hub"], entry["section"]) == expected[entry["file"]]
        assert entry["title"]
        reader = PdfReader(path)
        assert len(reader.pages) == entry["pages"]
        text = " ".join(page_texts(path.read_bytes()))
        assert all(number in text for number in URGENT_NUMBERS), entry["file"]
        assert not cluster_words(text), entry["file"]
        assert re.search(rf"[Cc]hecked on {today().day} {today():%B %Y}", text), entry["file"]
    assert sorted(path.name for path in folder.iterdir() if not path.name.startswith(".")) == sorted(
        [*expected, MANIFEST_NAME])


def test_each_section_leaflet_is_short_and_holds_only_its_section(bank_app: Flask,
                                                                  built: dict[str, object]) -> None:
    folder, manifest = built["folder"], built["manifest"]
    with bank_app.app_context():
        months = int(bank_app.config["FRESHNESS_MONTHS"])
        public = public_services_by_query(today(), months)
        names = {service.id: service.name for service in public}
        areas = {service.id: set(service.areas) for service in public}
        for hub in db.session.scalars(select(Hub)):
            for section, ids in zip(hub.sections, expected_sections(hub, months), strict=True):
                picked = {pick.id for pick in section.picks}
                for print_name in ("a5", "large-print"):
                    name = f"hub-{hub.slug}-{section.slug}-{print_name}.pdf"
                    entry = manifest[name]
                    reader = PdfReader(folder / name)
                    assert len(reader.pages) <= SECTION_MAX_PAGES, name
                    for page in reader.pages:
                        assert abs(float(page.mediabox.width) - A5[0]) < 1, name
                        assert abs(float(page.mediabox.height) - A5[1]) < 1, name
                    text = _texts(folder, name)
                    assert normalise(hub.name) in text and normalise(section.title) in text
                    printed = set(entry["listings"])
                    assert printed and printed <= set(ids), name
                    # Every listing printed is named; no listing outside the section is.
                    for listing_id in printed:
                        assert normalise(names[listing_id]) in text, (name, names[listing_id])
                    outside = [n for i, n in names.items() if i not in ids
                               and not any(n in names[j] for j in printed)]
                    assert not [n for n in outside if normalise(n) in text], name
                    left_out = set(ids) - printed
                    if left_out:
                        # The rule it states: picks first, then the hub's own areas, then the wider area.
                        chosen_wide = [i for i in printed - picked if not areas[i] & set(hub.areas)]
                        missing_local = [i for i in left_out - picked if areas[i] & set(hub.areas)]
                        assert not (chosen_wide and missing_local), name
                        picks_here = picked & set(ids)
                        assert picks_here <= printed or printed <= picks_here, name  # picks before the rest
                        assert f"lists {len(printed)} of the {len(ids)} services" in text, name
                        # The whole-hub booklet it points to is in the same print.
                        booklet = f"hub-{hub.slug}-{'large-print' if print_name == 'large-print' else 'a4'}.pdf"
                        assert booklet in text.replace("- ", "-"), name
                    else:
                        assert "This leaflet lists" not in text, name


def test_a_section_leaflets_qr_code_leads_to_the_section_online(bank_app: Flask, built: dict[str, object]) -> None:
    folder = built["folder"]
    with bank_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "somer-valley"))
        section = hub.sections[1]
        url = f"{SITE}/hubs/{hub.slug}/{section.slug}"
    for print_name in ("a5", "large-print"):
        name = f"hub-{hub.slug}-{section.slug}-{print_name}.pdf"
        reader = PdfReader(folder / name)
        wanted = qr_pixels(url)
        found = [page for page in range(len(reader.pages)) for image, _, _ in drawn_images(reader, page)
                 if image_pixels(reader, page, image) == wanted]
        assert found, f"{name} has no QR code for {url}"
        assert url.split("://", 1)[1] in _texts(folder, name)


RESULT_ID = re.compile(r'<li class="wa-result">.*?href="/services/(\d+)"', re.S)


def test_a_section_leaflet_prints_listings_of_its_section_page_in_the_same_order(bank_app: Flask,
                                                                               built: dict[str, object]) -> None:
    """Paper and web mirror each other: each section leaflet's listings (the ids its manifest records, and
    their names in its text) are the section page's, in the page's order; it counts the page's listings as
    all there are; and the page links to both of its leaflets."""
    folder = built["folder"]
    client = new_client(bank_app)
    sections = {(hub, section) for kind, hub, section in built["expected"].values() if kind == "section"}
    assert len(sections) == 2 * len(HUBS)
    manifest = read_manifest(folder)
    for hub, section in sorted(sections):
        page = client.get(f"/hubs/{hub}/{section}")
        assert page.status_code == 200
        html_text = page.get_data(as_text=True)
        online = [int(found) for found in RESULT_ID.findall(html_text)]
        assert online, (hub, section)
        for print_name in ("a5", "large-print"):
            name = f"hub-{hub}-{section}-{print_name}.pdf"
            printed = manifest[name]["listings"]
            assert set(printed) <= set(online), name
            assert manifest[name]["listings_online"] == len(online), name
            assert f'href="/leaflets/{name}"' in html_text, name
            # The names in the leaflet's text come in the page's order.
            with bank_app.app_context():
                names = [normalise(db.session.get(Service, i).name) for i in online if i in printed]
                db.session.remove()
            text = _texts(folder, name)
            positions = [text.find(listing_name) for listing_name in names]
            assert -1 not in positions and positions == sorted(positions), name


def test_rebuilds_only_what_changed(bank_app: Flask, built: dict[str, object]) -> None:
    folder, expected = built["folder"], built["expected"]
    all_files = set(expected)
    runner = bank_app.test_cli_runner()
    before = _mtimes(folder)

    # 1. Nothing changed: nothing is rebuilt.
    result = runner.invoke(args=["leaflets", "build"])
    assert result.exit_code == 0, result.output
    assert f"0 rebuilt, {len(all_files)} unchanged, 0 removed" in result.output
    assert _mtimes(folder) == before

    # 2. A printed detail of one listing: exactly the leaflets that print its name are rebuilt (read back).
    holding = {name for name in all_files if normalise(BATH_ONLY_LISTING) in _texts(folder, name)}
    assert {"hub-bath-a5.pdf", "category-urgent-help.pdf"} <= holding
    assert not any(name.startswith(("hub-somer-valley", "hub-keynsham")) for name in holding)
    with bank_app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == BATH_ONLY_LISTING))
        assert service is not None and service.areas == ["bath"]
        service.summary = "A calm place to go in the evening when things feel too much; now open on Sundays."
        db.session.commit()
        report = build_bank(folder, SITE, workers=1)
    assert set(report.rebuilt) == holding
    assert set(report.unchanged) == all_files - holding
    after = _mtimes(folder)
    assert {name for name in all_files if after[name] != before[name]} == holding
    assert "now open on Sundays" in _texts(folder, "hub-bath-a4.pdf")

    # 3. A detail leaflets do not print (the long description): nothing is rebuilt.
    with bank_app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == BATH_ONLY_LISTING))
        service.description += "\n\nWe have new armchairs."
        db.session.commit()
        report = build_bank(folder, SITE, workers=1)
    assert report.rebuilt == []

    # 4. A leaflet file that went missing is made again; one hub can be built on its own.
    (folder / "hub-somer-valley-a5.pdf").unlink()
    result = runner.invoke(args=["leaflets", "build", "--hub", "somer-valley"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt    hub-somer-valley-a5.pdf" in result.output
    somer_valley = {name for name, (_, hub, _) in expected.items() if hub == "somer-valley"}
    assert f"1 rebuilt, {len(somer_valley) - 1} unchanged, 0 removed" in result.output
    assert set(read_manifest(folder)) == all_files  # the other leaflets stay in the manifest

    result = runner.invoke(args=["leaflets", "build", "--hub", "nowhere"])
    assert result.exit_code == 1 and "There is no hub 'nowhere'" in result.output


def test_an_approval_rebuilds_the_leaflets_that_print_the_listing(bank_app: Flask,
                                                                  built: dict[str, object]) -> None:
    """The approval starts ``leaflets build --changed`` in its own process; that rebuilds exactly the
    leaflets whose text names the listing, and leaves the rest alone."""
    folder, expected = built["folder"], built["expected"]
    with bank_app.app_context():
        assert build_bank(folder, SITE, workers=1).rebuilt == []  # the bank is as the database says
    holding = {name for name in expected if normalise(BATH_ONLY_LISTING) in _texts(folder, name)}
    before = {name: entry["content_hash"] for name, entry in read_manifest(folder).items()}
    with bank_app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == BATH_ONLY_LISTING))
        data = ListingData.from_service(service)
        data.phone = "01225 000 111"
        author = find_user(ADMIN)
        _, revision = propose(service.organisation, data, author, service)
        db.session.commit()
        revision_id = revision.id
    client = new_client(bank_app)
    sign_in(client, ADMIN, PASSWORD)
    bank_app.config["LEAFLETS_REBUILD_ON_CHANGE"] = True
    try:
        response = form_post(client, f"/admin/revisions/{revision_id}/approve", {},
                             page=f"/admin/revisions/{revision_id}")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    finally:
        bank_app.config["LEAFLETS_REBUILD_ON_CHANGE"] = False
    # The approval's build is the one process it started; when that ends, the bank is as it left it.
    process = rebuild.started_builds[-1]
    process.wait(timeout=240)
    manifest = read_manifest(folder)
    changed = {name for name, entry in manifest.items() if entry["content_hash"] != before.get(name)}
    log = (folder / "build.log").read_text(encoding="utf-8") if (folder / "build.log").exists() else ""
    assert changed == holding, log
    assert all("01225 000 111" in _texts(folder, name) for name in holding)


def test_a_build_asked_for_during_another_waits_its_turn(bank_app: Flask, built: dict[str, object]) -> None:
    folder = built["folder"]
    with build_lock(folder, wait=True) as holding:
        assert holding
        result = bank_app.test_cli_runner().invoke(args=["leaflets", "build", "--changed"])
        assert result.exit_code == 0, result.output
        assert "Another build is running; it will build again when it finishes." in result.output
        assert (folder / ".again").exists()
    # With nothing changed, a build says nothing: it is what cron runs.
    result = bank_app.test_cli_runner().invoke(args=["leaflets", "build", "--changed"])
    assert result.exit_code == 0 and result.output == ""
    assert not (folder / ".again").exists()


def test_build_into_another_folder(bank_app: Flask, tmp_path: Path, built: dict[str, object]) -> None:
    result = bank_app.test_cli_runner().invoke(
        args=["leaflets", "build", "--hub", "bath", "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    bath = {name for name, (_, hub, _) in built["expected"].items() if hub == "bath"}
    assert set(read_manifest(tmp_path / "out")) == bath


def test_bank_page_lists_each_leaflet_with_pages_and_date(bank_app: Flask, built: dict[str, object]) -> None:
    client = bank_app.test_client()
    page = client.get("/leaflets").get_data(as_text=True)
    manifest = read_manifest(built["folder"])
    built_on = f"{today().day} {today():%B %Y}"
    for name, entry in manifest.items():
        row = re.search(rf'<tr class="nhsuk-table__row">\s*<td[^>]*><a href="/leaflets/{re.escape(name)}"[^>]*>'
                        rf'{re.escape(str(entry["title"]))}</a></td>\s*<td[^>]*>(\d+)</td>.*?</tr>', page, re.S)
        assert row, name
        assert int(row.group(1)) == len(PdfReader(built["folder"] / name).pages)
        assert built_on in row.group(0)
        assert re.search(r"PDF, \d+(\.\d)? (KB|MB)", row.group(0))
    for heading in ("Bath hub: a leaflet for each part", "Bath hub: for staff", "Somer Valley hub: for staff",
                    "Topics across Bath and North East Somerset", "For professionals"):
        assert heading in page
    assert "being prepared" not in page
    assert not cluster_words(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0]))
    assert 'href="/leaflets"' in client.get("/").get_data(as_text=True)  # the site footer links to it


def test_bank_page_says_when_leaflets_are_being_prepared(bank_app: Flask, built: dict[str, object],
                                                         tmp_path: Path) -> None:
    marker = built["folder"] / BUILDING_NAME
    marker.write_text(str(os.getpid()), encoding="ascii")  # a live process: this one
    try:
        page = bank_app.test_client().get("/leaflets").get_data(as_text=True)
        assert "The leaflets are being prepared: those ready so far are listed below" in page
        marker.write_text("999999999", encoding="ascii")  # a build that was killed
        assert "being prepared" not in bank_app.test_client().get("/leaflets").get_data(as_text=True)
    finally:
        marker.unlink(missing_ok=True)
    folder = bank_app.config["LEAFLET_DIR"]
    bank_app.config["LEAFLET_DIR"] = str(tmp_path / "empty")
    try:
        (tmp_path / "empty").mkdir()
        (tmp_path / "empty" / BUILDING_NAME).write_text(str(os.getpid()), encoding="ascii")
        page = bank_app.test_client().get("/leaflets").get_data(as_text=True)
        assert "The leaflets are being prepared. Please try again in a few minutes" in page
        assert "No leaflets have been made yet" not in page
    finally:
        bank_app.config["LEAFLET_DIR"] = folder


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
                    "/leaflets/..", "/leaflets/hub-bath-a5.pdf/..", "/leaflets/HUB-BATH-A5.PDF",
                    "/leaflets/.building", "/leaflets/build.log"):
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
    folder, expected = built["folder"], built["expected"]
    with bank_app.app_context():
        db.session.delete(db.session.scalar(select(Hub).where(Hub.slug == "somer-valley")))
        db.session.commit()
        report = build_bank(folder, SITE, workers=1)
    gone = {name for name, (_, hub, _) in expected.items() if hub == "somer-valley"}
    assert set(report.removed) == gone
    assert set(read_manifest(folder)) == set(expected) - gone
    assert not any((folder / name).exists() for name in gone)
    assert bank_app.test_client().get("/leaflets/hub-somer-valley-a5.pdf").status_code == 404
