"""The hubs online: /hubs/, each hub, each of its sections, "Find your hub" and "Part of" on a listing's page.

Which listings a section page shows is checked against an answer worked out here from plain SQL and the rule
as the design words it (§4), never with ``app.hubs.sections`` or ``is_public`` (``tests.oracle.visible_rows``
says which listings the public may see); ``section_listings`` is compared only as a second check. The demo's
rules are being tuned, so nothing here names which listings a section holds. The care-cluster scan of these
pages is in ``test_public_scan.py``, their view models are checked in ``test_invariants_public_view.py``.
"""

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.directory.models import Service, ServiceStatus
from app.directory.visibility import public_services
from app.extensions import db
from app.hubs.models import Hub
from app.hubs.sections import section_listings
from tests.oracle import Row, area_kinds, taxonomy_names, utc_today, visible_rows
from tests.web import form_post, new_client

RESULT = re.compile(r'<li class="wa-result[^"]*"[^>]*>\s*<h2[^>]*><a href="/services/(\d+)"')
PART_OF = re.compile(r'<div class="nhsuk-summary-list__row wa-part-of">.*?</dd>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')
CRUMB = re.compile(r'<a class="nhsuk-breadcrumb__link" href="([^"]+)"')
ERROR_SUMMARY = "nhsuk-error-summary"


# --- the independent answer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    hub: str
    hub_name: str
    slug: str
    title: str
    listings: tuple[int, ...]  # in the order the section page must show them


def _list(raw: object) -> set[str]:
    return set(json.loads(raw) if isinstance(raw, str) else (raw or []))


def _fits(row: Row, section: dict[str, object]) -> bool:
    """The section's rule, picks aside: one of its categories or audiences, one of its kinds (if it names
    any), none of the categories or audiences it leaves out."""
    categories, audiences = row.lists["categories"], row.lists["audiences"]
    if not (categories & _list(section["categories"]) or audiences & _list(section["audiences"])):
        return False
    kinds = _list(section["kinds"])
    if kinds and row.kind not in kinds:
        return False
    return not (categories & _list(section["except_categories"]) or audiences & _list(section["except_audiences"]))


def expected_parts(app: Flask) -> list[Part]:
    """Every hub's sections, hubs by name and sections in their order, each with the listings it holds:
    the public listings serving the hub's areas (or the whole area, or anyone); those picked for it first,
    by name; then, by name, those its rule takes that no other section of the hub picked."""
    visible = visible_rows(app)
    wide = {slug for slug, kind in area_kinds().items() if kind == "wide"}
    with app.app_context():
        hubs = db.session.execute(text("SELECT id, slug, name, areas FROM hub")).mappings().all()
        sections = db.session.execute(text(
            "SELECT id, hub_id, position, slug, title, categories, audiences, kinds, except_categories, "
            "except_audiences FROM hub_section ORDER BY position, id")).mappings().all()
        picks = db.session.execute(text("SELECT section_id, service_id FROM hub_section_pick")).all()
        names = dict(db.session.execute(text("SELECT id, name FROM service")).all())
        db.session.remove()
    picked: dict[int, set[int]] = {}
    for section_id, service_id in picks:
        picked.setdefault(section_id, set()).add(service_id)

    def by_name(service_id: int) -> tuple[str, int]:
        return (names[service_id].casefold(), service_id)

    parts = []
    for hub in sorted(hubs, key=lambda hub: hub["name"]):
        reach = _list(hub["areas"]) | wide
        local = [row for row in visible.values() if row.lists["areas"] & reach]
        own = [section for section in sections if section["hub_id"] == hub["id"]]
        for section in own:
            mine = picked.get(section["id"], set())
            others = {service for other in own if other["id"] != section["id"]
                      for service in picked.get(other["id"], set())}
            first = sorted((row.id for row in local if row.id in mine), key=by_name)
            then = sorted((row.id for row in local if row.id not in mine | others and _fits(row, section)), key=by_name)
            parts.append(Part(hub["slug"], hub["name"], section["slug"], section["title"], tuple(first + then)))
    return parts


@pytest.fixture(scope="module")
def parts(shared_demo_app: Flask) -> list[Part]:
    found = expected_parts(shared_demo_app)
    assert len(found) == 33 and sum(1 for part in found if part.listings) > 25, "the demo has three hubs of 11"
    return found


def section_url(part: Part) -> str:
    return f"/hubs/{part.hub}/{part.slug}"


def page(client: FlaskClient, url: str, status: int = 200, **query: str) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def shown_ids(page_html: str) -> list[int]:
    return [int(found) for found in RESULT.findall(page_html)]


def title(page_html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page_html, re.S)
    assert match
    return html.unescape(" ".join(match.group(1).split()))


# --- the pages -------------------------------------------------------------------------------------------------


def test_each_section_page_lists_exactly_its_listings_in_order(parts: list[Part], demo_client: FlaskClient,
                                                               shared_demo_app: Flask) -> None:
    for part in parts:
        shown = page(demo_client, section_url(part))
        assert shown_ids(shown) == list(part.listings), part.title
        count = len(part.listings)
        assert f"<strong>{count} listing{'' if count == 1 else 's'}</strong>" in shown
        assert html.escape(part.title) in shown
    # The second check: the pages agree with the one rule the leaflets and the admin preview use too.
    with shared_demo_app.app_context():
        services = public_services()
        ruled = {(hub.slug, section.slug): tuple(s.id for s in section_listings(section, hub, services))
                 for hub in db.session.scalars(select(Hub)) for section in hub.sections}
        db.session.remove()
    assert ruled == {(part.hub, part.slug): part.listings for part in parts}


def test_a_section_page_shows_its_intro_breadcrumbs_and_shortlist_buttons(parts: list[Part],
                                                                         shared_demo_app: Flask) -> None:
    part = max(parts, key=lambda p: len(p.listings))
    client = new_client(shared_demo_app)
    shown = page(client, section_url(part))
    with shared_demo_app.app_context():
        intro = db.session.scalar(text("SELECT s.intro FROM hub_section s JOIN hub h ON h.id = s.hub_id "
                                       "WHERE h.slug = :hub AND s.slug = :slug"), {"hub": part.hub, "slug": part.slug})
        db.session.remove()
    assert intro and html.escape(intro) in shown
    assert title(shown).startswith(f"{part.title} – {part.hub_name} hub")
    assert CRUMB.findall(shown) == ["/", "/hubs/", f"/hubs/{part.hub}"]
    assert shown.count('name="service_id"') == len(part.listings)  # an "Add to shortlist" form for each
    assert 'id="results"' in shown and "Skip to results" in shown
    # Adding one comes back to the same section page, at that listing's button.
    first = part.listings[0]
    added = form_post(client, "/shortlist/add", {"service_id": first, "next": section_url(part)},
                      page=section_url(part))
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"{section_url(part)}#shortlist-{first}")
    again = page(client, section_url(part))
    assert "Added to your shortlist" in again and "On your shortlist" in again


def test_the_hub_page_lists_its_sections_in_order_with_their_counts(parts: list[Part],
                                                                   demo_client: FlaskClient) -> None:
    area_names = taxonomy_names("areas")
    for hub in dict.fromkeys(part.hub for part in parts):
        own = [part for part in parts if part.hub == hub]
        shown = page(demo_client, f"/hubs/{hub}")
        links = [(href, html.unescape(text)) for href, text in LINK.findall(shown) if href.startswith(f"/hubs/{hub}/")]
        assert links == [(section_url(part), part.title) for part in own]
        counts = [int(n) for n in re.findall(r'wa-hub-sections__count">(\d+) listings?<', shown)]
        assert counts == [len(part.listings) for part in own]
        assert title(shown).startswith(f"{own[0].hub_name} hub")
        with demo_client.application.app_context():
            raw = db.session.scalar(text("SELECT areas FROM hub WHERE slug = :slug"), {"slug": hub})
            areas = json.loads(raw) if isinstance(raw, str) else raw  # JSON text on SQLite, a list on PostgreSQL
            db.session.remove()
        assert html.escape(", ".join(area_names[slug] for slug in areas)) in shown


def test_the_hub_list_names_every_hub_and_its_areas(parts: list[Part], demo_client: FlaskClient) -> None:
    shown = page(demo_client, "/hubs/")
    hubs = list(dict.fromkeys((part.hub, part.hub_name) for part in parts))
    assert [(href, html.unescape(name)) for href, name in LINK.findall(shown) if re.fullmatch(r"/hubs/[^/]+", href)
            ] == [(f"/hubs/{slug}", f"{name} hub") for slug, name in hubs]
    for area in ("Bath", "Keynsham", "Chew Valley", "Midsomer Norton", "Peasedown St John"):
        assert f"{area}" in shown
    assert 'name="place"' in shown and "Find your hub" in shown


def test_the_home_page_leads_to_the_hubs(demo_client: FlaskClient) -> None:
    assert 'href="/hubs/"' in page(demo_client, "/")


@pytest.mark.parametrize("url", ["/hubs/no-such-hub", "/hubs/no-such-hub/urgent-help", "/hubs/bath/no-such-part",
                                 "/hubs/bath/urgent-help/more", "/hubs/BATH"])
def test_unknown_hubs_and_sections_are_not_found(url: str, demo_client: FlaskClient) -> None:
    assert "Page not found" in page(demo_client, url, status=404)


# --- find your hub ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "hub"), [
    ("BA1 1AA", "bath"), ("BA2", "bath"), ("ba2 3ab", "bath"), ("BS31", "keynsham-chew-valley"),
    ("BS31 1AA", "keynsham-chew-valley"), ("bs311aa", "keynsham-chew-valley"), ("BA3", "somer-valley"),
    ("BA3 2HQ", "somer-valley"), ("BS40", "keynsham-chew-valley"), ("BS14 8AA", "keynsham-chew-valley"),
    ("Radstock", "somer-valley"), ("  midsomer   norton ", "somer-valley"), ("Chew Magna", "keynsham-chew-valley"),
    ("Combe Down", "bath"), ("Keynsham", "keynsham-chew-valley"), ("Somer Valley", "somer-valley"),
])
def test_a_postcode_or_place_in_one_hub_leads_to_it(asked: str, hub: str, shared_demo_app: Flask) -> None:
    client = new_client(shared_demo_app)
    response = client.get("/hubs/", query_string={"place": asked})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == f"/hubs/{hub}"
    landed = page(client, f"/hubs/{hub}")
    assert "Your hub is" in title(landed) and 'class="nhsuk-inset-text wa-flash"' in landed


def test_a_district_across_two_hubs_offers_both(shared_demo_app: Flask) -> None:
    """BS39 is Paulton (Somer Valley) and Clutton, Temple Cloud, Pensford (Chew Valley)."""
    shown = page(new_client(shared_demo_app), "/hubs/", place="BS39 0AA")
    answer = re.search(r'<div class="nhsuk-inset-text wa-hub-answer".*?</div>', shown, re.S)
    assert answer and "More than one hub covers BS39" in answer.group(0)
    assert [href for href, _ in LINK.findall(answer.group(0))] == ["/hubs/keynsham-chew-valley", "/hubs/somer-valley"]
    assert title(shown).startswith("2 hubs cover BS39")


@pytest.mark.parametrize(("asked", "area"), [("Frome", "somerset"), ("Bristol", "bristol"),
                                             ("trowbridge", "wiltshire"),
                                             # border districts, by the area the bundled table gives them
                                             ("BA11 1AA", "somerset"), ("BS1", "bristol"), ("BA14 8AA", "wiltshire"),
                                             ("BS15 1AA", "south-gloucestershire")])
def test_a_known_place_outside_every_hub_says_so_and_points_to_the_search(asked: str, area: str,
                                                                          demo_client: FlaskClient) -> None:
    shown = page(demo_client, "/hubs/", place=asked)
    assert "None of our hubs covers" in shown and ERROR_SUMMARY not in shown
    assert f'href="/search?area={area}"' in shown
    assert title(shown).startswith("No hubs cover")


@pytest.mark.parametrize(("asked", "message"), [
    ("ZZ1 1ZZ", "We can&#39;t place the postcode ‘ZZ1 1ZZ’"),
    ("LS1 1AA", "We can&#39;t place the postcode ‘LS1 1AA’"),  # Leeds: in no table the site has
    ("Narnia", "We don&#39;t know a place called ‘Narnia’"),
    ("", "Enter a postcode, or the name of a town or village"),
    ("   ", "Enter a postcode, or the name of a town or village"),
])
def test_an_unknown_postcode_or_place_is_an_error_with_the_form_again(asked: str, message: str,
                                                                      demo_client: FlaskClient) -> None:
    shown = page(demo_client, "/hubs/", status=400, place=asked)
    assert title(shown).startswith("Error: ")
    summary = shown[shown.index(ERROR_SUMMARY):shown.index("<h1")]  # first in the main content, before the title
    assert message in summary and 'href="#place"' in summary
    assert shown.index('id="maincontent"') < shown.index(ERROR_SUMMARY)
    assert 'id="place-error"' in shown and message in shown[shown.index('id="place-error"'):]
    field = re.search(r'<input[^>]*id="place"[^>]*>', shown, re.S)
    assert field and f'value="{html.escape(asked.strip())}"' in field.group(0)
    assert 'aria-describedby="place-hint place-error"' in field.group(0)


def test_the_hub_list_without_a_question_has_no_answer_and_no_error(demo_client: FlaskClient) -> None:
    shown = page(demo_client, "/hubs/")
    assert ERROR_SUMMARY not in shown and "wa-hub-answer" not in shown
    assert title(shown).startswith("Local care hubs")


# --- "Part of" on a listing's page -----------------------------------------------------------------------------


def holders(parts: list[Part]) -> dict[int, list[Part]]:
    found: dict[int, list[Part]] = {}
    for part in parts:
        for service_id in part.listings:
            found.setdefault(service_id, []).append(part)
    return found


def part_of_links(page_html: str) -> list[tuple[str, str]]:
    block = PART_OF.search(page_html)
    return [(href, html.unescape(text)) for href, text in LINK.findall(block.group(0))] if block else []


def sample(ids: list[int], held: dict[int, list[Part]]) -> Iterator[int]:
    """Listings held by one section, by the most, and every seventh otherwise."""
    yield min((i for i in ids if len(held.get(i, ())) == 1), default=ids[0])
    yield max(ids, key=lambda i: len(held.get(i, ())))
    yield from ids[::7]


def test_a_listing_page_names_every_section_holding_it(parts: list[Part], shared_demo_app: Flask,
                                                       demo_client: FlaskClient) -> None:
    held = holders(parts)
    ids = sorted(visible_rows(shared_demo_app))
    for service_id in dict.fromkeys(sample(ids, held)):
        expected = [(section_url(part), f"{part.hub_name} hub, {part.title}") for part in held.get(service_id, [])]
        shown = page(demo_client, f"/services/{service_id}")
        assert part_of_links(shown) == expected, service_id
        if not expected:
            assert "Part of" not in shown


# --- only what the public may see ------------------------------------------------------------------------------


def test_hidden_listings_and_listings_outside_every_hub_are_in_no_section(demo_app: Flask) -> None:
    """A listing taken back to draft, one not confirmed for too long, and one picked by hand but archived
    leave every section page; a listing serving no hub's area has no "Part of" line."""
    parts = expected_parts(demo_app)
    held = holders(parts)
    with demo_app.app_context():
        picks = {service_id for (service_id,) in db.session.execute(text("SELECT service_id FROM hub_section_pick"))}
        candidates = sorted(held, key=lambda i: (-len(held[i]), i))
        archived = min(i for i in held if i in picks)
        draft, stale, outside = [i for i in candidates if i != archived][:3]
        for service_id, status in ((draft, ServiceStatus.DRAFT), (archived, ServiceStatus.ARCHIVED)):
            db.session.get(Service, service_id).status = status
        stale_service = db.session.get(Service, stale)
        stale_service.assured_at = utc_today() - timedelta(days=3650)
        db.session.get(Service, outside).areas = ["wiltshire"]
        db.session.commit()
        db.session.remove()
    after = expected_parts(demo_app)
    client = new_client(demo_app)
    gone = {draft, stale, archived, outside}
    for part in after:
        shown = shown_ids(page(client, section_url(part)))
        assert shown == list(part.listings) and not gone & set(shown), part.title
    assert "Part of" not in page(client, f"/services/{outside}")
    for service_id in (draft, stale, archived):
        page(client, f"/services/{service_id}", status=404)
