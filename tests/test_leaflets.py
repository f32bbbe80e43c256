"""Printed leaflets (design §1 "someone offline", §2 principles 2 and 7): real PDFs from the demo, read back.

One hub (Bath) is rendered in full as an A5 booklet; the other formats and kinds are rendered from smaller
content so the module stays quick. Renders are shared by module-scoped fixtures.
"""

import ast
import dataclasses
import io
import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import or_, select

from app import create_app
from app.accounts.operations import find_user, set_password
from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus
from app.extensions import db
from app.hubs.models import Hub
from app.hubs.sections import section_listings
from app.taxonomies import clusters
from app.timeutil import months_before, today
from exports.leaflets import content
from exports.leaflets.render import STATIC_DIR, LeafletFetcher, render_document
from search.sync import search_index
from tests.databases import clone, database_url, drop
from tests.web import form_post, new_client

PASSWORD = "a long test password"
REFERRER = "referrer@nhs.example"
ADMIN = "admin@wellaware.example"
EDITOR = "editor1@wellaware.example"
CHECKED_ON = date(2026, 12, 1)
URGENT_NUMBERS = ("999", "111", "116 123", "85258")
MM = 72 / 25.4  # PDF points per millimetre
A5 = (148 * MM, 210 * MM)
A4 = (210 * MM, 297 * MM)


# --- helpers, also used by test_leaflet_bank and test_admin_hubs ----------------------------------------------


@contextmanager
def demo_copy(template: Path, workdir: Path) -> Iterator[Flask]:
    """An app over its own copy of the demo on the suite's database (SQLite or PostgreSQL, like the conftest
    apps), with its own leaflet folder, for a module's tests to share; its database is dropped afterwards."""
    workdir.mkdir()
    clone(template, workdir)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"),
        "LEAFLET_DIR": str(workdir / "leaflets"),
        "INSTANCE_PATH": str(workdir / "instance"),
        "SERVER_NAME": "wellaware.test",
        "SITE_URL": "http://127.0.0.1:5000",
        "LEAFLETS_REBUILD_ON_CHANGE": False,
    })
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        search_index(app).close()
        drop(workdir)


def known_passwords(app: Flask, *emails: str) -> None:
    with app.app_context():
        for email in emails:
            user = find_user(email)
            assert user is not None, email
            set_password(user, PASSWORD)
        db.session.commit()


def sign_in(client: FlaskClient, email: str) -> None:
    response = form_post(client, "/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def normalise(text: str) -> str:
    """Text as extracted, with line breaks (also those after a hyphen) and ligatures evened out."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"-\s+", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def page_texts(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def cluster_words(text: str) -> list[str]:
    lowered = text.lower()
    found = [c.name for c in clusters() if c.name.lower() in lowered]
    return found + (["the word 'cluster'"] if "cluster" in lowered else [])


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """The PDF matrix product of m then n, both as [a, b, c, d, e, f]."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2]


def drawn_images(reader: PdfReader, page_number: int) -> list[tuple[str, float, float]]:
    """(name, width, height in points) of each image drawn on the page, following the graphics state."""
    page = reader.pages[page_number]
    matrix, stack, drawn = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q":
            matrix = stack.pop()
        elif operator == b"cm":
            matrix = _multiply([float(v) for v in operands], matrix)
        elif operator == b"Do":
            a, b, c, d = matrix[:4]
            drawn.append((str(operands[0]), math.hypot(a, b), math.hypot(c, d)))
    return drawn


def qr_pixels(url: str) -> list[list[bool]]:
    code = segno.make(url, error="m", micro=False)
    return [[bool(v) for v in row] for row in code.matrix_iter(border=4)]


def image_pixels(reader: PdfReader, page_number: int, name: str) -> list[list[bool]]:
    image = reader.pages[page_number].images[name].image.convert("L")
    return [[image.getpixel((x, y)) < 128 for x in range(image.width)] for y in range(image.height)]


def font_sizes(pdf: bytes) -> list[tuple[str, float]]:
    """(text, size in points) of every piece of text in the PDF."""
    found: list[tuple[str, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            scale = math.hypot(*_multiply(tm, cm)[:2])
            found.append((text.strip(), size * scale))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return found


def find_in_order(text: str, names: list[str], start: int = 0) -> list[int]:
    """Where each name occurs, each after the one before; fails naming the first one missing."""
    positions, cursor = [], start
    for name in names:
        position = text.find(normalise(name), cursor)
        assert position >= 0, f"{name!r} is missing, or out of order, after position {cursor}"
        positions.append(position)
        cursor = position + len(normalise(name))
    return positions


def public_services_by_query(day: date, freshness_months: int) -> list[Service]:
    """The public listings by a query of their own (not ``is_public``), for checks that are not circular."""
    query = (
        select(Service).join(Organisation)
        .where(Service.status == ServiceStatus.PUBLISHED, Organisation.status != OrganisationStatus.ARCHIVED,
               Service.assured_at >= months_before(day, freshness_months),
               or_(Service.event_date.is_(None), Service.event_date >= day))
    )
    return list(db.session.scalars(query))


def expected_sections(hub: Hub, freshness_months: int) -> list[list[int]]:
    """Each section's listing ids in the leaflet's order, worked out from the database directly, by the rule
    as the design states it (docs/design.md, hubs)."""
    public = public_services_by_query(today(), freshness_months)
    reach = set(hub.areas) | {"bnes-wide", "national"}
    local = [s for s in public if reach & set(s.areas)]

    def by_name(services: list[Service]) -> list[int]:
        return [s.id for s in sorted(services, key=lambda s: (s.name.casefold(), s.id))]

    result = []
    for section in hub.sections:
        picked_ids = {s.id for s in section.picks}
        picked_elsewhere = {s.id for other in hub.sections if other is not section for s in other.picks}
        picks = [s for s in local if s.id in picked_ids]
        matched = [s for s in local if s.id not in picked_ids | picked_elsewhere
                   and (set(s.categories) & set(section.categories) or set(s.audiences) & set(section.audiences))
                   and (not section.kinds or s.kind in section.kinds)
                   and not set(s.categories) & set(section.except_categories)
                   and not set(s.audiences) & set(section.except_audiences)]
        result.append(by_name(picks) + by_name(matched))
    return result


def part_regions(texts: list[str], parts: int) -> list[str]:
    """The text of each part, from its "Part N of M" heading to the next one (or the back page)."""
    body = " ".join(texts[1:-1])  # between the cover and the back page
    starts = [body.index(f"PART {n} OF {parts}") for n in range(1, parts + 1)]
    return [body[start:end] for start, end in zip(starts, [*starts[1:], len(body)], strict=True)]


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def leaflet_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_copy(demo_template, tmp_path_factory.mktemp("leaflets") / "app") as app:
        known_passwords(app, REFERRER)
        yield app


@pytest.fixture(scope="module")
def bath(leaflet_app: Flask) -> Iterator[dict[str, object]]:
    """Bath's leaflet content, what the database says should be in it, and the full A5 booklet."""
    with leaflet_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "bath"))
        directory = content.Directory.load(leaflet_app.config["SITE_URL"])
        leaflet = content.hub_leaflet(hub, directory)
        by_content = [[s.id for s in section_listings(section, hub, directory.services)]
                      for section in hub.sections]
        by_query = expected_sections(hub, int(leaflet_app.config["FRESHNESS_MONTHS"]))
        names = {s.id: s.name for s in db.session.scalars(select(Service))}
        areas = list(hub.areas)
    pdf, pages = render_document(leaflet, "a5", CHECKED_ON)
    yield {"leaflet": leaflet, "by_content": by_content, "by_query": by_query, "names": names, "pdf": pdf,
           "pages": pages, "texts": page_texts(pdf), "areas": areas}


@pytest.fixture(scope="module")
def large_print(bath: dict[str, object]) -> bytes:
    """Bath's first three parts (the third repeats listings from the first) in large print."""
    leaflet = bath["leaflet"]
    assert isinstance(leaflet, content.Leaflet)
    return render_document(dataclasses.replace(leaflet, sections=leaflet.sections[:3]), "large-print", CHECKED_ON)[0]


@pytest.fixture(scope="module")
def a4_short(bath: dict[str, object]) -> bytes:
    leaflet = bath["leaflet"]
    assert isinstance(leaflet, content.Leaflet)
    return render_document(dataclasses.replace(leaflet, sections=leaflet.sections[:2]), "a4", CHECKED_ON)[0]


@pytest.fixture(scope="module")
def housing(leaflet_app: Flask) -> dict[str, object]:
    with leaflet_app.app_context():
        directory = content.Directory.load(leaflet_app.config["SITE_URL"])
        leaflet = content.category_leaflet("housing", directory)
        public = public_services_by_query(today(), int(leaflet_app.config["FRESHNESS_MONTHS"]))
        in_order = sorted(public, key=lambda s: (s.name.casefold(), s.id))
        expected = [s.name for s in in_order if "housing" in s.categories]
    return {"leaflet": leaflet, "expected": expected, "pdf": render_document(leaflet, "a4", CHECKED_ON)[0]}


@pytest.fixture(scope="module")
def flyer(leaflet_app: Flask) -> bytes:
    with leaflet_app.app_context():
        return render_document(content.referrers_flyer(leaflet_app.config["SITE_URL"]), "a4", CHECKED_ON)[0]


# --- the hub leaflet -----------------------------------------------------------------------------------------


def test_sections_hold_the_listings_the_database_says_in_order(bath: dict[str, object]) -> None:
    by_content, by_query = bath["by_content"], bath["by_query"]
    assert by_content == by_query
    assert all(by_query), "every demo section has listings"
    # Picks come first: Bath's "Community mental health" section is all hand-picked, and only the picks that
    # serve Bath (or everyone) are in it.
    names = bath["names"]
    community = [names[i] for i in by_query[3]]
    assert "Recovery Team – Bath" in community and "Recovery Team – Somer Valley" not in community


def test_every_listing_is_printed_in_its_part_in_order(bath: dict[str, object]) -> None:
    texts, names, by_query = bath["texts"], bath["names"], bath["by_query"]
    leaflet = bath["leaflet"]
    regions = part_regions(texts, len(leaflet.sections))
    first_part: dict[int, int] = {}
    for number, (region, ids, section) in enumerate(zip(regions, by_query, leaflet.sections, strict=True), 1):
        assert normalise(section.title) in region[:200], (number, section.title)
        find_in_order(region, [names[i] for i in ids])
        for listing_id in ids:
            if listing_id in first_part:
                # Printed in full once; later parts name it and point back to that part.
                name = re.escape(normalise(names[listing_id]))
                assert re.search(rf"{name}.{{0,400}}?Full details in part {first_part[listing_id]},", region), name
            else:
                first_part[listing_id] = number
    full_entries = " ".join(texts).count("Online at ")
    assert full_entries == len(first_part)


def test_hub_booklet_pages(bath: dict[str, object]) -> None:
    texts, leaflet = bath["texts"], bath["leaflet"]
    reader = PdfReader(io.BytesIO(bath["pdf"]))
    assert 40 <= len(texts) <= 160 and len(texts) == bath["pages"]
    assert len(texts) % 2 == 0, "the back page of the booklet is a left-hand page"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A5[0]) < 1 and abs(height - A5[1]) < 1
    cover, back = texts[0], texts[-1]
    assert "Help and support in Bath" in cover and "FOR PEOPLE IN Bath" in cover
    for number in URGENT_NUMBERS:
        assert number in cover and number in back, number
    footer = f"Information checked on 1 December 2026 — the latest is at {leaflet.site_url}"
    total = len(texts)
    for page_number, text in enumerate(texts[1:], 2):
        assert footer in text, page_number
        assert f"Page {page_number} of {total}" in text, page_number


def test_contents_page_numbers_lead_to_each_part(bath: dict[str, object]) -> None:
    texts, leaflet = bath["texts"], bath["leaflet"]
    contents = texts[1]
    parts = len(leaflet.sections)
    for number, section in enumerate(leaflet.sections, 1):
        match = re.search(rf"{number} {re.escape(normalise(section.title))} \.+ (\d+)", contents)
        assert match, (number, section.title)
        target = texts[int(match.group(1)) - 1]
        assert f"PART {number} OF {parts}" in target
        # The running header names the part on its pages.
        assert f"{normalise(section.title)} Page {int(match.group(1))} of {len(texts)}" in target


def test_qr_codes_lead_to_each_listing_online_and_are_big_enough(bath: dict[str, object]) -> None:
    reader = PdfReader(io.BytesIO(bath["pdf"]))
    leaflet = bath["leaflet"]
    first_part = leaflet.sections[0].entries
    wanted = {entry.url: qr_pixels(entry.url) for entry in first_part}
    assert all(url.startswith(f"{leaflet.site_url}/services/") for url in wanted)
    seen = set()
    second_part = next(i for i, text in enumerate(bath["texts"]) if f"PART 2 OF {len(leaflet.sections)}" in text)
    for page_number in range(2, second_part + 1):
        for name, width, height in drawn_images(reader, page_number):
            assert min(width, height) >= 20 * MM - 0.01, (page_number, width / MM)  # 20 mm, to rounding
            pixels = image_pixels(reader, page_number, name)
            seen |= {url for url, expected in wanted.items() if expected == pixels}
    assert seen == set(wanted), "every listing of the first part has its own QR code"


def test_no_cluster_reaches_any_leaflet(bath: dict[str, object], large_print: bytes, a4_short: bytes,
                                        housing: dict[str, object], flyer: bytes) -> None:
    for label, text in (("hub", " ".join(bath["texts"])), ("large print", " ".join(page_texts(large_print))),
                        ("a4", " ".join(page_texts(a4_short))),
                        ("category", " ".join(page_texts(housing["pdf"]))),
                        ("flyer", " ".join(page_texts(flyer)))):
        assert not cluster_words(text), (label, cluster_words(text))


def test_large_print_is_a4_and_never_smaller_than_16pt(large_print: bytes) -> None:
    reader = PdfReader(io.BytesIO(large_print))
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) < 1 and abs(float(page.mediabox.height) - A4[1]) < 1
    sizes = font_sizes(large_print)
    assert sizes
    smallest = min(sizes, key=lambda pair: pair[1])
    assert smallest[1] >= 15.99, smallest
    body = [size for text, size in sizes if text.startswith("Who it is for")]
    assert body and min(body) >= 15.99
    texts = page_texts(large_print)
    assert all(number in texts[0] and number in texts[-1] for number in URGENT_NUMBERS)


def test_a4_leaflet_has_a4_pages_and_the_same_parts(a4_short: bytes, bath: dict[str, object]) -> None:
    reader = PdfReader(io.BytesIO(a4_short))
    assert abs(float(reader.pages[0].mediabox.width) - A4[0]) < 1
    texts = page_texts(a4_short)
    regions = part_regions(texts, 2)
    names = bath["names"]
    for region, ids in zip(regions, bath["by_query"][:2], strict=True):
        find_in_order(region, [names[i] for i in ids])


# --- other kinds ---------------------------------------------------------------------------------------------


def test_a_category_leaflet_covers_the_whole_area(housing: dict[str, object]) -> None:
    texts = page_texts(housing["pdf"])
    assert housing["expected"]
    find_in_order(" ".join(texts[1:-1]), housing["expected"])
    assert "Housing" in texts[0] and "All of Bath and North East Somerset" in texts[0]
    assert all(number in texts[0] and number in texts[-1] for number in URGENT_NUMBERS)


def test_referrers_flyer_is_one_page_about_the_advanced_search(flyer: bytes) -> None:
    texts = page_texts(flyer)
    assert len(texts) == 1
    assert "Advanced search for professionals" in texts[0] and "referrer account" in texts[0]
    assert all(number in texts[0] for number in URGENT_NUMBERS)
    assert "Information checked on 1 December 2026" in texts[0]


# --- the shortlist, made on request ---------------------------------------------------------------------------


def _shortlist(client: FlaskClient, ids: list[int]) -> None:
    for listing_id in ids:
        response = form_post(client, "/shortlist/add", {"service_id": listing_id}, page=f"/services/{listing_id}")
        assert response.status_code == 302


def _public_ids(app: Flask, how_many: int) -> list[int]:
    with app.app_context():
        services = public_services_by_query(today(), int(app.config["FRESHNESS_MONTHS"]))
        return [s.id for s in sorted(services, key=lambda s: s.id)][10:10 + how_many]


def test_shortlist_pdf_has_the_listings_in_the_chosen_order(leaflet_app: Flask) -> None:
    client = new_client(leaflet_app)
    assert client.get("/shortlist/pdf").status_code == 302  # nothing to print yet
    ids = _public_ids(leaflet_app, 3)
    _shortlist(client, ids)
    form_post(client, "/shortlist/move", {"service_id": ids[2], "direction": "up"}, page="/shortlist/")
    order = [ids[0], ids[2], ids[1]]
    assert "/shortlist/pdf" in client.get("/shortlist/").get_data(as_text=True)
    response = client.get("/shortlist/pdf?notes=yes")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    texts = page_texts(response.data)
    with leaflet_app.app_context():
        names = [db.session.get(Service, i).name for i in order]
    find_in_order(" ".join(texts), [f"{n}. {name}" for n, name in enumerate(names, 1)])
    assert "Note:" not in " ".join(texts)
    assert all(number in " ".join(texts) for number in URGENT_NUMBERS)
    assert not cluster_words(" ".join(texts))


def test_shortlist_pdf_has_a_referrers_notes_only_when_asked(leaflet_app: Flask) -> None:
    client = new_client(leaflet_app)
    sign_in(client, REFERRER)
    ids = _public_ids(leaflet_app, 2)
    _shortlist(client, ids)
    note = "Ask for Sam at the front desk"
    assert form_post(client, "/shortlist/note", {"service_id": ids[1], "note": note},
                     page="/shortlist/").status_code == 302
    without = " ".join(page_texts(client.get("/shortlist/pdf").data))
    with_notes = " ".join(page_texts(client.get("/shortlist/pdf?notes=yes").data))
    assert note not in without and "Note:" not in without
    assert f"Note: {note}" in with_notes


# --- rules the leaflet code keeps -----------------------------------------------------------------------------


def test_leaflets_fetch_only_their_own_files() -> None:
    fetcher = LeafletFetcher()
    response = fetcher.fetch((STATIC_DIR / "leaflet.css").as_uri())
    assert b"@page" in response.read() and response.content_type == "text/css"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in ("http://example.com/leaflet.css", "https://example.com/x.png", "ftp://example.com/x",
                Path("/etc/passwd").as_uri(), (STATIC_DIR.parent / "render.py").as_uri(),
                (STATIC_DIR / "../templates/booklet.html").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


EXPORTS = Path(__file__).resolve().parent.parent / "exports"
FORBIDDEN_IMPORTS = ("app.public", "app.admin", "app.shortlist", "app.leaflets", "app.manage", "app.referrer",
                     "app.api", "app.auth", "app.assets", "app.template_helpers", "app.errors", "flask.templating")


def test_exports_read_models_but_never_views_or_clusters() -> None:
    """Design §3: exports never import a view, blueprint or template helper; leaflets never touch clusters."""
    for path in EXPORTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for module in modules:
                    assert not module.startswith(FORBIDDEN_IMPORTS), (path.name, module)
            if path.parent.name == "leaflets" and isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                assert "cluster" not in name.lower(), (path.name, name)


def test_leaflet_css_keeps_rendering_fast() -> None:
    """No balanced columns, and `break-inside: avoid` only on short blocks (one listing, the urgent box)."""
    for sheet in STATIC_DIR.glob("*.css"):
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for rule in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
            selector, body = rule.group(1).strip(), rule.group(2)
            if re.search(r"(^|;)\s*(columns|column-count)\s*:", body):
                assert "column-fill: auto" in body, (sheet.name, selector)
            if "break-inside: avoid" in body:
                assert selector in {".entry", ".urgent", ".how-to-use"}, (sheet.name, selector)
