"""Administrators edit hubs and their ordered sections (design §1, §4); the leaflets follow them.

Everything goes through the real forms with their CSRF tokens, as a browser would.
"""

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, bindparam, select, text

from app.admin.hubs import PREVIEW_OPEN
from app.directory.models import Service
from app.directory.visibility import freshness_cutoff
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.hubs.sections import section_listings
from app.timeutil import today
from exports.leaflets import content
from exports.leaflets.manifest import read_manifest
from tests.test_leaflets import (
    ADMIN,
    EDITOR,
    REFERRER,
    demo_copy,
    find_in_order,
    known_passwords,
    normalise,
    page_texts,
    part_regions,
    sign_in,
)
from tests.test_section_rules import judgement
from tests.web import csrf_token, error_summary_links, focusable_element, landing, new_client, title_of


@pytest.fixture(scope="module")
def hubs_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_copy(demo_template, tmp_path_factory.mktemp("hubs") / "app") as app:
        known_passwords(app, ADMIN, REFERRER, EDITOR)
        yield app


@pytest.fixture(scope="module")
def admin(hubs_app: Flask) -> FlaskClient:
    client = new_client(hubs_app)
    sign_in(client, ADMIN)
    return client


def post(client: FlaskClient, url: str, data: dict[str, object], page: str, prefix: str = ""):
    """Post as the form on ``page`` would: its CSRF token under the form's (prefixed) field name."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={**data, field: token})


def section_ids(app: Flask, slug: str) -> list[tuple[int, str]]:
    with app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == slug))
        return [(section.id, section.title) for section in hub.sections]


def section_data(prefix: str, title: str, intro: str = "", categories: tuple[str, ...] = (),
                 audiences: tuple[str, ...] = (), picks: str = "", kinds: tuple[str, ...] = (),
                 except_categories: tuple[str, ...] = (), except_audiences: tuple[str, ...] = ()) -> dict[str, object]:
    return {f"{prefix}-title": title, f"{prefix}-intro": intro, f"{prefix}-categories": list(categories),
            f"{prefix}-audiences": list(audiences), f"{prefix}-kinds": list(kinds),
            f"{prefix}-except_categories": list(except_categories),
            f"{prefix}-except_audiences": list(except_audiences), f"{prefix}-picks": picks}


def listing(app: Flask, name: str) -> int:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == name))
        assert service is not None, name
        return service.id


def main_text(page: str) -> str:
    return page.split('<main', 1)[1].split("</main>", 1)[0]


# --- who may edit ---------------------------------------------------------------------------------------------


def test_only_administrators_reach_the_hub_pages(hubs_app: Flask) -> None:
    bath_sections = section_ids(hubs_app, "bath")
    first = bath_sections[0][0]
    gets = ["/admin/hubs", "/admin/hubs/bath", "/admin/hubs/nowhere"]
    posts = ["/admin/hubs", "/admin/hubs/bath", "/admin/hubs/bath/sections", f"/admin/hubs/bath/sections/{first}",
             f"/admin/hubs/bath/sections/{first}/move", f"/admin/hubs/bath/sections/{first}/remove"]
    signed_out = new_client(hubs_app)
    for url in gets:
        response = signed_out.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    for url in posts:
        response = post(signed_out, url, {"direction": "up"}, page="/sign-in")
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    for email in (REFERRER, EDITOR):
        client = new_client(hubs_app)
        sign_in(client, email)
        for url in gets:
            assert client.get(url).status_code == 403, (email, url)
        for url in posts:
            assert post(client, url, {"direction": "up"}, page="/shortlist/").status_code == 403, (email, url)
    assert section_ids(hubs_app, "bath") == bath_sections


# --- the pages and their forms ------------------------------------------------------------------------------


def test_hubs_page_lists_the_hubs_and_links_from_the_queue(admin: FlaskClient) -> None:
    page = admin.get("/admin/hubs").get_data(as_text=True)
    for slug, name in (("bath", "Bath"), ("keynsham-chew-valley", "Keynsham and Chew Valley"),
                       ("somer-valley", "Somer Valley")):
        assert f'<a href="/admin/hubs/{slug}">{name}</a>' in page
    assert 'href="/admin/hubs"' in admin.get("/admin/queue").get_data(as_text=True)


def test_hub_page_shows_sections_in_order_with_their_forms(hubs_app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/hubs/bath").get_data(as_text=True)
    titles = [html.escape(title, quote=False) for _, title in section_ids(hubs_app, "bath")]
    find_in_order(page, [f"{n}. {title}</h3>" for n, title in enumerate(titles, 1)])
    community = next(i for i, t in section_ids(hubs_app, "bath") if t == "Community mental health")
    picks = re.search(rf'<textarea[^>]*name="section-{community}-picks"[^>]*>(.*?)</textarea>', page, re.S)
    assert picks and "Recovery Team – Bath" in html.unescape(picks.group(1))


def test_a_section_form_with_errors_keeps_what_was_typed(hubs_app: Flask, admin: FlaskClient) -> None:
    before = section_ids(hubs_app, "bath")
    section_id = before[1][0]
    prefix = f"section-{section_id}"
    data = section_data(prefix, "", intro="Typed intro stays", categories=("housing",),
                        picks="No such listing anywhere\n#999999\nSamaritans – call 116 123, any time")
    response = post(admin, f"/admin/hubs/bath/sections/{section_id}", data, page="/admin/hubs/bath", prefix=prefix)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "There is a problem" in page
    assert re.search(rf'id="{prefix}-title-error"[^>]*>.*?Enter the section\'s title', page, re.S)
    picks_error = re.search(rf'id="{prefix}-picks-error"[^>]*>(.*?)</p>', page, re.S)
    assert picks_error and "No listing is called ‘No such listing anywhere’" in picks_error.group(1)
    assert "There is no listing number 999999" in picks_error.group(1)
    assert "Typed intro stays" in page
    assert re.search(rf'name="{prefix}-picks"[^>]*>\s*No such listing anywhere\n#999999', page)
    assert re.search(r'value="housing" checked', page)
    assert section_ids(hubs_app, "bath") == before  # nothing saved


def test_a_pick_number_no_listing_can_have_is_an_error_not_a_crash(hubs_app: Flask, admin: FlaskClient) -> None:
    """Past the id column's range (a 500 on PostgreSQL), thousands of digits (a ValueError from ``int``), and
    another script's digits (read as listing 12) were all taken before."""
    section_id = section_ids(hubs_app, "bath")[1][0]
    prefix = f"section-{section_id}"
    picks = ["#2147483648", "#" + "1" * 5000, "#١٢"]
    data = section_data(prefix, "A title", categories=("housing",), picks="\n".join(picks))
    response = post(admin, f"/admin/hubs/bath/sections/{section_id}", data, page="/admin/hubs/bath", prefix=prefix)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    picks_error = re.search(rf'id="{prefix}-picks-error"[^>]*>(.*?)</p>', page, re.S)
    assert picks_error
    assert "There is no listing number 2147483648" in picks_error.group(1)
    assert "No listing is called ‘#١٢’" in picks_error.group(1)


def test_a_new_section_needs_something_to_show(hubs_app: Flask, admin: FlaskClient) -> None:
    before = section_ids(hubs_app, "bath")
    response = post(admin, "/admin/hubs/bath/sections", section_data("new", "Empty section"),
                    page="/admin/hubs/bath", prefix="new")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'id="new-categories-error"[^>]*>.*?Choose at least one category or audience', page, re.S)
    assert 'value="Empty section"' in page
    assert section_ids(hubs_app, "bath") == before


def test_adding_a_hub(hubs_app: Flask, admin: FlaskClient) -> None:
    bad = post(admin, "/admin/hubs", {"hub-name": "Frome borders", "hub-slug": "Frome Borders!",
                                      "hub-areas": ["somerset"]}, page="/admin/hubs", prefix="hub")
    assert bad.status_code == 400
    assert "Use lower-case letters, numbers and single hyphens" in html.unescape(bad.get_data(as_text=True))
    taken = post(admin, "/admin/hubs", {"hub-name": "Bath again", "hub-slug": "bath", "hub-areas": ["bath"]},
                 page="/admin/hubs", prefix="hub")
    assert "There is already a hub with that short name" in taken.get_data(as_text=True)
    no_area = post(admin, "/admin/hubs", {"hub-name": "Nowhere", "hub-slug": "nowhere"}, page="/admin/hubs",
                   prefix="hub")
    assert "Choose at least one area" in no_area.get_data(as_text=True)
    # Its summary link reaches the first box of the group.
    assert ("hub-areas", "Choose at least one area") in error_summary_links(no_area.get_data(as_text=True))
    assert focusable_element(no_area.get_data(as_text=True), "hub-areas") == "input"
    good = post(admin, "/admin/hubs", {"hub-name": "Frome borders", "hub-slug": "frome-borders",
                                       "hub-areas": ["somerset", "radstock"]}, page="/admin/hubs", prefix="hub")
    assert good.status_code == 302 and good.headers["Location"].endswith("/admin/hubs/frome-borders#add-section")
    with hubs_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "frome-borders"))
        assert hub.name == "Frome borders" and hub.areas == ["radstock", "somerset"] and hub.sections == []


def test_editing_sections_and_the_next_build_follows(hubs_app: Flask, admin: FlaskClient) -> None:
    page = "/admin/hubs/bath"
    # Keep three sections, removing the rest through the form (the leaflet build below stays quick).
    for section_id, title in section_ids(hubs_app, "bath"):
        if title not in {"Urgent help", "First contact, advice and advocacy", "Work, learning and volunteering"}:
            response = post(admin, f"/admin/hubs/bath/sections/{section_id}/remove", {}, page=page)
            assert response.status_code == 302
    sections = section_ids(hubs_app, "bath")
    assert [title for _, title in sections] == ["Urgent help", "First contact, advice and advocacy",
                                                 "Work, learning and volunteering"]
    urgent, first_contact, work = (section_id for section_id, _ in sections)

    # Move "Work, learning and volunteering" up, above "First contact…"; moving the first up does nothing.
    assert post(admin, f"/admin/hubs/bath/sections/{work}/move", {"direction": "up"}, page=page).status_code == 302
    assert post(admin, f"/admin/hubs/bath/sections/{urgent}/move", {"direction": "up"}, page=page).status_code == 302

    # Rename "First contact…", and pick two listings by hand: one by number, one by name.
    recovery = listing(hubs_app, "Recovery Team – Bath")
    prefix = f"section-{first_contact}"
    data = section_data(prefix, "Contact them yourself", intro="No need to see a doctor first.",
                        categories=("advice-advocacy",),
                        picks=f"#{recovery}\n  the LANTERN   crisis café  \n")
    response = post(admin, f"/admin/hubs/bath/sections/{first_contact}", data, page=page, prefix=prefix)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[:3000]

    # Add a section for veterans at the end.
    response = post(admin, "/admin/hubs/bath/sections",
                    section_data("new", "Veterans", intro="For people who served.", audiences=("veterans",)),
                    page=page, prefix="new")
    assert response.status_code == 302

    with hubs_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "bath"))
        assert [(s.title, s.position) for s in hub.sections] == [
            ("Urgent help", 0), ("Work, learning and volunteering", 1), ("Contact them yourself", 2),
            ("Veterans", 3)]
        edited = hub.sections[2]
        assert edited.intro == "No need to see a doctor first." and edited.categories == ["advice-advocacy"]
        assert sorted(s.name for s in edited.picks) == ["Recovery Team – Bath", "The Lantern Crisis Café"]
        directory = content.Directory.load(hubs_app.config["SITE_URL"])
        leaflet = content.hub_leaflet(hub, directory)
        picked_first = [s.name for s in section_listings(edited, hub, directory.services)][:2]
        assert picked_first == ["Recovery Team – Bath", "The Lantern Crisis Café"]
        expected = [[entry.name for entry in section.entries] for section in leaflet.sections]

    # The page shows the new order and the saved picks.
    shown = admin.get(page).get_data(as_text=True)
    find_in_order(html.unescape(shown), ["1. Urgent help", "2. Work, learning and volunteering",
                                         "3. Contact them yourself", "4. Veterans"])

    # The next build follows the new order.
    result = hubs_app.test_cli_runner().invoke(args=["leaflets", "build", "--hub", "bath", "--workers", "1"])
    assert result.exit_code == 0, result.output
    folder = Path(hubs_app.config["LEAFLET_DIR"])
    assert {"hub-bath-a5.pdf", "hub-bath-a4.pdf", "hub-bath-large-print.pdf"} <= set(read_manifest(folder))
    texts = page_texts((folder / "hub-bath-a4.pdf").read_bytes())
    regions = part_regions(texts, 4)
    for region, title, names in zip(regions, ["Urgent help", "Work, learning and volunteering",
                                              "Contact them yourself", "Veterans"], expected, strict=True):
        assert region.startswith(f"PART {regions.index(region) + 1} OF 4 {normalise(title)}")
        find_in_order(region, names)
    contents = texts[1]
    find_in_order(contents, ["1 Urgent help", "2 Work, learning and volunteering", "3 Contact them yourself",
                             "4 Veterans"])


def test_each_hub_form_comes_back_to_what_it_changed(admin: FlaskClient) -> None:
    """Adding a hub leads to "Add a section"; a section added, saved or moved is focused; a removed one leaves
    focus on the list's heading; saved details, on theirs. Each title starts with what was done."""
    page, fragment = landing(admin, post(admin, "/admin/hubs", {"hub-name": "Somer Valley", "hub-slug": "somer",
                                                               "hub-areas": ["radstock"]}, page="/admin/hubs",
                                         prefix="hub"))
    assert fragment == "add-section" and title_of(page).startswith("Hub added: Somer Valley – ")
    hub = "/admin/hubs/somer"
    sections = []
    for title in ("Carers", "Money"):
        response = post(admin, f"{hub}/sections", section_data("new", title, categories=("carers",)), page=hub,
                        prefix="new")
        page, fragment = landing(admin, response)
        sections.append(int(fragment.removeprefix("section-")))
        assert focusable_element(page, fragment) == "li" and title_of(page).startswith(f"Section added: {title} – ")
    carers, money = sections

    page, fragment = landing(admin, post(admin, f"{hub}/sections/{money}/move", {"direction": "up"}, page=hub))
    assert fragment == f"section-{money}" and title_of(page).startswith("Moved up: Money, now 1 of 2 – ")
    prefix = f"section-{carers}"
    page, fragment = landing(admin, post(admin, f"{hub}/sections/{carers}", section_data(prefix, "Carers and families",
                                                                                          categories=("carers",)),
                                         page=hub, prefix=prefix))
    assert fragment == f"section-{carers}" and title_of(page).startswith("Section saved: Carers and families – ")
    page, fragment = landing(admin, post(admin, f"{hub}/sections/{money}/remove", {}, page=hub))
    assert fragment == "sections" and title_of(page).startswith("Section removed: Money – ")
    page, fragment = landing(admin, post(admin, hub, {"hub-name": "Somer Valley hub", "hub-areas": ["radstock"]},
                                         page=hub, prefix="hub"))
    assert fragment == "hub-details" and title_of(page).startswith("Hub saved: Somer Valley hub – ")


def test_saving_hub_details(hubs_app: Flask, admin: FlaskClient) -> None:
    page = "/admin/hubs/keynsham-chew-valley"
    response = post(admin, page, {"hub-name": "Keynsham", "hub-description": "", "hub-areas": []}, page=page,
                    prefix="hub")
    assert response.status_code == 400 and "Choose at least one area" in response.get_data(as_text=True)
    assert 'value="Keynsham"' in response.get_data(as_text=True)
    response = post(admin, page, {"hub-name": "Keynsham and Saltford", "hub-description": "Two towns.",
                                  "hub-areas": ["saltford", "keynsham"]}, page=page, prefix="hub")
    assert response.status_code == 302
    with hubs_app.app_context():
        hub = db.session.scalar(select(Hub).where(Hub.slug == "keynsham-chew-valley"))
        assert (hub.name, hub.description, hub.areas) == ("Keynsham and Saltford", "Two towns.",
                                                          ["keynsham", "saltford"])
    assert "Keynsham and Saltford" in main_text(admin.get("/admin/hubs").get_data(as_text=True))


# --- the rule's narrowing fields, and what each section holds now ----------------------------------------------


def section_part(page: str, section_id: int) -> str:
    """The part of the hub page about one section: from its item to the next section's, or to "Add a section"."""
    start = page.index(f'<li id="section-{section_id}"')
    ends = [page.find(marker, start + 1) for marker in ('<li id="section-', 'id="add-section"')]
    return page[start:min(end for end in ends if end > 0)]


def rule_lines(part: str) -> list[str]:
    rule = re.search(r'<ul class="[^"]*wa-section-rule">(.*?)</ul>', part, re.S)
    assert rule, "no rule in words"
    return [html.unescape(line) for line in re.findall(r"<li>(.*?)</li>", rule.group(1), re.S)]


def ticked(part: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" type="checkbox" value="([^"]+)" checked', part)


def public_ids(app: Flask) -> set[str]:
    """The external ids of the listings the public can see today, by plain SQL (design §2 principle 5)."""
    with app.app_context():
        query = text("SELECT s.external_id FROM service s JOIN organisation o ON o.id = s.organisation_id "
                     "WHERE s.status = 'published' AND o.status <> 'archived' AND s.assured_at >= :cutoff "
                     "AND (s.event_date IS NULL OR s.event_date >= :today)").bindparams(
            bindparam("cutoff", freshness_cutoff(), type_=Date), bindparam("today", today(), type_=Date))
        return {row[0] for row in db.session.execute(query)}


def test_each_section_shows_its_rule_in_words_and_its_narrowing_fields(hubs_app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/hubs/somer-valley").get_data(as_text=True)
    sections = {title: section_id for section_id, title in section_ids(hubs_app, "somer-valley")}
    therapies = section_part(page, sections["Talking therapies"])
    everywhere = ("Only listings serving one of the hub's areas, all of Bath and North East Somerset, "
                  "or anywhere in the UK")
    assert rule_lines(therapies) == [
        "Listings in any of these categories: Mental health, in name order",
        "Only these kinds of listing: Service",
        "Leaving out any in: Urgent help, Housing, Work, learning and volunteering, Advice and advocacy",
        "Leaving out any for: Young people, Older people, Pregnancy and new parents",
        "Leaving out any picked by hand for another section of this hub", everywhere]
    prefix = f"section-{sections['Talking therapies']}"
    assert ticked(therapies, f"{prefix}-categories") == ["mental-health"]
    assert ticked(therapies, f"{prefix}-kinds") == ["service"]
    assert ticked(therapies, f"{prefix}-except_categories") == ["urgent-help", "housing", "work-learning",
                                                                  "advice-advocacy"]
    assert ticked(therapies, f"{prefix}-except_audiences") == ["young-people", "older-people", "pregnancy"]
    for field in ("kinds", "except_categories", "except_audiences"):
        assert focusable_element(page, f"{prefix}-{field}") == "input"
    community = section_part(page, sections["Community mental health"])
    assert rule_lines(community) == ["First, 12 listings picked by hand, in name order", everywhere]


def test_each_section_counts_and_names_the_listings_it_holds_now(hubs_app: Flask, admin: FlaskClient) -> None:
    """The count and the names agree with the hand-made judgement (tests/test_section_rules.py) of the listings
    the public can see today, found by plain SQL; each name links to the listing's public page."""
    page = admin.get("/admin/hubs/somer-valley").get_data(as_text=True)
    public = public_ids(hubs_app)
    with hubs_app.app_context():
        ids = {service.external_id: service.id for service in db.session.scalars(select(Service))}
        hub = db.session.scalar(select(Hub).where(Hub.slug == "somer-valley"))
        sections = [(section.id, section.slug, section.title) for section in hub.sections]
    judged = judgement()
    assert len(public) < len(ids), "the demo has listings the public cannot see, which no section may show"
    folded = shown = 0
    for section_id, slug, title in sections:
        expected = {ids[listing] for (where, listing), held in judged.items()
                    if where == "somer-valley" and slug in held and listing in public}
        part = section_part(page, section_id)
        count = re.search(rf'id="section-{section_id}-count">It holds <strong>(\d+)</strong> listings? the public',
                          part)
        assert count and int(count.group(1)) == len(expected), (title, count and count.group(1), len(expected))
        links = [int(number) for number in re.findall(r'<li><a href="/services/(\d+)">', part)]
        assert sorted(links) == sorted(expected) and len(links) == len(set(links)), title
        details = re.search(r'<details class="nhsuk-details">\s*<summary[^>]*>.*?The (\d+) listings<span '
                            r'class="nhsuk-u-visually-hidden"> in ([^<]+)</span>', part, re.S)
        if len(expected) > PREVIEW_OPEN:
            assert details and int(details.group(1)) == len(expected), title
            assert html.unescape(details.group(2)) == title
            folded += 1
        else:
            assert not details, title
            shown += 1
    assert folded and shown, "the demo has long sections, folded away, and short ones, shown openly"
    # The names are links to the listings' public pages.
    first = re.search(r'<li><a href="(/services/\d+)">([^<]+)</a>', page)
    assert first and html.unescape(first.group(2)) in admin.get(first.group(1)).get_data(as_text=True)


def test_saving_the_narrowing_fields(hubs_app: Flask, admin: FlaskClient) -> None:
    response = post(admin, "/admin/hubs", {"hub-name": "Rules", "hub-slug": "rules", "hub-areas": ["bath"]},
                    page="/admin/hubs", prefix="hub")
    assert response.status_code == 302
    page = "/admin/hubs/rules"
    response = post(admin, f"{page}/sections", section_data("new", "Groups", categories=("mental-health",),
                                                            kinds=("group",)), page=page, prefix="new")
    _, fragment = landing(admin, response)
    section_id = int(fragment.removeprefix("section-"))
    prefix = f"section-{section_id}"
    data = section_data(prefix, "Adult groups", categories=("mental-health", "wellbeing"),
                        kinds=("event", "group"), except_categories=("families", "urgent-help"),
                        except_audiences=("young-people", "carers"))
    shown, fragment = landing(admin, post(admin, f"{page}/sections/{section_id}", data, page=page, prefix=prefix))
    assert fragment == prefix and title_of(shown).startswith("Section saved: Adult groups – ")
    with hubs_app.app_context():
        section = db.session.scalar(select(Hub).where(Hub.slug == "rules")).sections[0]
        # Kept in the taxonomies' order, whatever order the boxes came in.
        assert (section.kinds, section.except_categories, section.except_audiences) == (
            ["group", "event"], ["urgent-help", "families"], ["young-people", "carers"])
        public = public_ids(hubs_app)
        offered = [service for service in db.session.scalars(select(Service)) if service.external_id in public]
        groups = {service.name for service in section_listings(section, section.hub, offered)}
        event = db.session.execute(text("SELECT detail FROM audit_event WHERE action = 'hub section changed' "
                                        "ORDER BY id DESC LIMIT 1")).scalar_one()
    assert event.startswith("Adult groups: Listings in any of these categories: Mental health, Wellbeing")
    assert "Only these kinds of listing: Group, Event" in event and "Leaving out any for: Young people, Carers" in event
    assert "Peer Support Group – Bath" in groups and "Perinatal Peer Support – Bath" not in groups
    part = section_part(shown, section_id)
    assert "Leaving out any in: Urgent help, Families" in rule_lines(part)[2]
    assert ticked(part, f"{prefix}-kinds") == ["group", "event"]
    assert f'It holds <strong>{len(groups)}</strong> listings' in part


def test_a_category_chosen_and_left_out_is_an_error(hubs_app: Flask, admin: FlaskClient) -> None:
    page = "/admin/hubs/bath"
    before = section_ids(hubs_app, "bath")
    section_id = before[0][0]
    prefix = f"section-{section_id}"
    data = section_data(prefix, "Urgent help", categories=("urgent-help", "housing"), audiences=("carers",),
                        kinds=("service", "spaceship"), except_categories=("housing", "urgent-help", "money"),
                        except_audiences=("carers",))
    response = post(admin, f"{page}/sections/{section_id}", data, page=page, prefix=prefix)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert title_of(body).startswith("Error: ")
    links = dict(error_summary_links(body))
    assert links[f"{prefix}-except_categories"] == "Do not leave out a category you chose: Urgent help, Housing"
    assert links[f"{prefix}-except_audiences"] == "Do not leave out people you chose: Carers"
    assert f"{prefix}-kinds" in links
    for field in ("kinds", "except_categories", "except_audiences"):
        assert focusable_element(body, f"{prefix}-{field}") == "input"
    part = section_part(body, section_id)
    assert ticked(part, f"{prefix}-except_categories") == ["urgent-help", "housing", "money"], "what was ticked stays"
    assert re.search(r"<details class=\"nhsuk-details\" open>", part), "the section's form is open"
    with hubs_app.app_context():
        urgent = db.session.get(HubSection, section_id)
        assert urgent.except_categories == ["practical-help"] and urgent.kinds == [], "nothing saved"
