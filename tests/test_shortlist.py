"""The shortlist: listings kept in the visitor's own session, put in order, printed; referrers may add a
note to each (design §1, §2 principles 2 and 6).

It holds listings, never anything about the person it is for, and the printed list carries no clusters.
"""

import html
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.operations import find_user, set_password
from app.directory.models import Service, ServiceStatus
from app.directory.visibility import is_public
from app.extensions import db
from app.taxonomies import clusters
from tests.web import confirmation_of, csrf_token, focusable_element, form_post, landing, new_client, title_of

PASSWORD = "a long test password"
REFERRER = "referrer@nhs.example"
MAX_ITEMS = 30
SHORTLISTED = re.compile(r'<li class="wa-result[^"]*" id="shortlist-\d+"[^>]*>\s*<h2[^>]*><a href="/services/(\d+)"')
PRINTED = re.compile(r'<h2 class="nhsuk-heading-m">(\d+)\. (.*?)</h2>')


# --- helpers -----------------------------------------------------------------------------------------------


def page_of(response) -> str:
    return response.get_data(as_text=True)


def add_form(client: FlaskClient, service_id: int) -> dict[str, str]:
    """The hidden fields of "Add to shortlist" on the listing's own page, as they are."""
    page = page_of(client.get(f"/services/{service_id}"))
    form = page.split('action="/shortlist/add"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    assert fields["service_id"] == str(service_id)
    return fields


def add_from_listing(client: FlaskClient, service_id: int):
    """Press "Add to shortlist" on the listing's own page."""
    return client.post("/shortlist/add", data=add_form(client, service_id))


def shortlist_action(client: FlaskClient, action: str, service_id: int, **extra: str):
    """Press a button on the shortlist page (move, remove, note)."""
    return form_post(client, f"/shortlist/{action}", {"service_id": str(service_id), **extra}, page="/shortlist/")


def shortlisted(client: FlaskClient) -> list[int]:
    return [int(i) for i in SHORTLISTED.findall(page_of(client.get("/shortlist/")))]


def printed(page: str) -> list[str]:
    numbered = PRINTED.findall(page)
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1))
    return [html.unescape(name) for _, name in numbered]


def cluster_words_in(text: str) -> list[str]:
    lowered = text.lower()
    found = [c.name for c in clusters() if c.name.lower() in lowered or html.escape(c.name).lower() in lowered]
    return found + (["the word 'cluster'"] if "cluster" in lowered else [])


def public_services(app: Flask) -> list[Service]:
    with app.app_context():
        services = [s for s in db.session.scalars(select(Service).order_by(Service.id)) if is_public(s)]
        for service in services:
            db.session.expunge(service)
        return services


def clustered_with_contacts(app: Flask, number: int) -> list[tuple[int, str, str, str]]:
    """(id, name, phone, email) of public listings that have clusters, a phone and an email."""
    with app.app_context():
        found = [(s.id, s.name, s.phone, s.email) for s in db.session.scalars(select(Service).order_by(Service.id))
                 if is_public(s) and s.clusters and s.phone and s.email]
    assert len(found) >= number
    return found[:number]


def sign_in_referrer(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        set_password(find_user(REFERRER), PASSWORD)
        db.session.commit()
    response = form_post(client, "/sign-in", {"email": REFERRER, "password": PASSWORD}, page="/sign-in")
    assert response.status_code == 302


# --- 1: a member of the public builds, orders and prints a shortlist --------------------------------------


def test_the_public_can_build_order_and_print_a_shortlist(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    (a, name_a, phone_a, email_a), (b, name_b, phone_b, email_b), (c, name_c, _, _) = clustered_with_contacts(
        shared_demo_app, 3)
    client = new_client(shared_demo_app)
    assert shortlisted(client) == []
    assert "Your shortlist is empty" in page_of(client.get("/shortlist/"))

    for service_id in (a, b, c):
        response = add_from_listing(client, service_id)
        # Back to the listing the button was pressed on.
        assert response.status_code == 302 and response.headers["Location"].startswith(f"/services/{service_id}")
        assert "Added to your shortlist" in page_of(client.get(response.headers["Location"]))
    assert shortlisted(client) == [a, b, c]
    assert "Shortlist (3)" in page_of(client.get("/"))

    assert shortlist_action(client, "move", c, direction="up").status_code == 302
    assert shortlisted(client) == [a, c, b]
    shortlist_action(client, "move", a, direction="down")
    assert shortlisted(client) == [c, a, b]
    shortlist_action(client, "move", c, direction="up")  # already first: stays first
    assert shortlisted(client) == [c, a, b]
    shortlist_action(client, "move", b, direction="down")  # already last: stays last
    assert shortlisted(client) == [c, a, b]
    shortlist_action(client, "move", b, direction="up")
    assert shortlisted(client) == [c, b, a]
    assert shortlist_action(client, "remove", c).status_code == 302
    assert shortlisted(client) == [b, a]

    shown = page_of(client.get("/shortlist/"))
    assert "2 listings" in shown
    assert "Your note about" not in shown and "Print with my notes" not in shown
    assert not cluster_words_in(shown), cluster_words_in(shown)

    response = client.get("/shortlist/print")
    page = page_of(response)
    assert response.status_code == 200
    assert printed(page) == [name_b, name_a]
    assert name_c not in html.unescape(page)
    for phone, email in ((phone_b, email_b), (phone_a, email_a)):
        assert f"<strong>Phone:</strong> {html.escape(phone)}" in page
        assert f"<strong>Email:</strong> {html.escape(email)}" in page
    assert page.index(html.escape(phone_b)) < page.index(html.escape(name_a))
    assert '<meta name="robots" content="noindex">' in page
    assert not cluster_words_in(page), cluster_words_in(page)
    assert "Note:" not in page

    # The shortlist is this visitor's own: another browser does not see it.
    assert shortlisted(demo_client) == []


def test_emptying_the_shortlist(shared_demo_app: Flask) -> None:
    client = new_client(shared_demo_app)
    ids = [s.id for s in public_services(shared_demo_app)[:2]]
    for service_id in ids:
        add_from_listing(client, service_id)
    assert shortlisted(client) == ids
    response = form_post(client, "/shortlist/clear", {}, page="/shortlist/")
    assert response.status_code == 302
    assert shortlisted(client) == []
    assert "Your shortlist is empty" in page_of(client.get("/shortlist/print"))


# --- 2: referrers' notes ----------------------------------------------------------------------------------


def test_a_referrer_notes_print_only_when_asked(demo_app: Flask) -> None:
    (a, name_a, _, _), (b, name_b, _, _) = clustered_with_contacts(demo_app, 2)
    client = new_client(demo_app)
    sign_in_referrer(demo_app, client)
    for service_id in (a, b):
        add_from_listing(client, service_id)
    note_a, note_b = "Ask for Jo at reception; Tuesday drop-in", "Phone first <b>please</b> & say I sent you"
    assert shortlist_action(client, "note", a, note=note_a).status_code == 302
    shortlist_action(client, "note", b, note=note_b)

    shown = page_of(client.get("/shortlist/"))
    assert html.escape(note_a) in shown and html.escape(note_b) in shown
    assert "<b>please</b>" not in shown  # a note is text, never markup
    assert "Print with my notes" in shown

    plain = page_of(client.get("/shortlist/print"))
    assert printed(plain) == [name_a, name_b]
    assert html.escape(note_a) not in plain and html.escape(note_b) not in plain and "Note:" not in plain
    assert not cluster_words_in(plain)

    with_notes = page_of(client.get("/shortlist/print?notes=yes"))
    assert printed(with_notes) == [name_a, name_b]
    assert f"<strong>Note:</strong> {html.escape(note_a)}" in with_notes
    assert f"<strong>Note:</strong> {html.escape(note_b)}" in with_notes
    assert with_notes.index(html.escape(note_a)) < with_notes.index(html.escape(name_b))
    assert not cluster_words_in(with_notes)

    # An empty note removes it; a long one is cut to 500 characters.
    shortlist_action(client, "note", a, note="   ")
    shortlist_action(client, "note", b, note="x" * 600)
    again = page_of(client.get("/shortlist/print?notes=yes"))
    assert html.escape(note_a) not in again
    assert "x" * 500 in again and "x" * 501 not in again
    # Moving and removing keep each note with its own listing.
    shortlist_action(client, "note", a, note="first note")
    shortlist_action(client, "move", b, direction="up")
    moved = page_of(client.get("/shortlist/print?notes=yes"))
    assert printed(moved) == [name_b, name_a]
    assert moved.index("x" * 500) < moved.index(html.escape(name_a)) < moved.index("first note")
    shortlist_action(client, "remove", a)
    assert "first note" not in page_of(client.get("/shortlist/print?notes=yes"))


def test_a_public_visitor_cannot_add_or_print_notes(demo_app: Flask) -> None:
    (a, _, _, _), (b, _, _, _) = clustered_with_contacts(demo_app, 2)
    visitor = new_client(demo_app)
    add_from_listing(visitor, a)
    response = shortlist_action(visitor, "note", a, note="A note from the public")
    assert response.status_code == 404
    assert "A note from the public" not in page_of(visitor.get("/shortlist/print?notes=yes"))
    assert "Note:" not in page_of(visitor.get("/shortlist/print?notes=yes"))

    # A referrer's notes stay private once they sign out: the session is a public visitor's again.
    referrer = new_client(demo_app)
    sign_in_referrer(demo_app, referrer)
    add_from_listing(referrer, b)
    shortlist_action(referrer, "note", b, note="Referrer only")
    assert "Referrer only" in page_of(referrer.get("/shortlist/print?notes=yes"))
    assert form_post(referrer, "/sign-out", {}, page="/shortlist/").status_code == 302
    for url in ("/shortlist/print?notes=yes", "/shortlist/print", "/shortlist/"):
        page = page_of(referrer.get(url))
        assert "Referrer only" not in page and "Note:" not in page, url
    assert shortlist_action(referrer, "note", b, note="after signing out").status_code == 404


# --- 3: what can be added ---------------------------------------------------------------------------------


def test_hidden_or_unknown_listings_cannot_be_added(demo_app: Flask) -> None:
    services = public_services(demo_app)
    archived, stale, past, draft, kept = (s.id for s in services[:5])
    with demo_app.app_context():
        db.session.get(Service, archived).status = ServiceStatus.ARCHIVED
        db.session.get(Service, stale).assured_at = date(2020, 1, 1)
        db.session.get(Service, draft).status = ServiceStatus.DRAFT
        service = db.session.get(Service, past)
        service.kind, service.event_date = "event", date(2021, 5, 1)
        db.session.commit()
    client = new_client(demo_app)
    add_from_listing(client, kept)
    # 2**31 is past the id column's range: a 500 on PostgreSQL before.
    for service_id in (archived, stale, past, draft, 999999, 2**31, 10**11):
        response = form_post(client, "/shortlist/add", {"service_id": str(service_id)}, page="/shortlist/")
        assert response.status_code == 404, service_id
    for bad in ("abc", "", "-1", "1.5", "²"):  # "²" is a digit to str.isdigit(), not to int()
        response = form_post(client, "/shortlist/add", {"service_id": bad}, page="/shortlist/")
        assert response.status_code == 400, bad
    assert shortlisted(client) == [kept]
    assert "Shortlist (1)" in page_of(client.get("/shortlist/"))


def test_a_listing_withdrawn_after_it_was_shortlisted_leaves_the_shortlist(demo_app: Flask) -> None:
    a, b = (s.id for s in public_services(demo_app)[:2])
    client = new_client(demo_app)
    add_from_listing(client, a)
    add_from_listing(client, b)
    with demo_app.app_context():
        db.session.get(Service, a).status = ServiceStatus.ARCHIVED
        db.session.commit()
        name_a = db.session.get(Service, a).name
    assert shortlisted(client) == [b]
    assert html.escape(name_a) not in page_of(client.get("/shortlist/print"))


def test_adding_the_same_listing_twice_keeps_one(shared_demo_app: Flask) -> None:
    service_id = public_services(shared_demo_app)[0].id
    client = new_client(shared_demo_app)
    form = add_form(client, service_id)
    client.post("/shortlist/add", data=form)
    # Once added, the listing's page offers the shortlist instead; the same form again (pressed twice, or from
    # a page opened before) adds nothing.
    assert "Add to shortlist" not in page_of(client.get(f"/services/{service_id}"))
    response = client.post("/shortlist/add", data=form)
    assert response.status_code == 302
    assert "Already on your shortlist" in page_of(client.get(response.headers["Location"]))
    assert shortlisted(client) == [service_id]


def test_the_shortlist_holds_at_most_thirty(shared_demo_app: Flask) -> None:
    ids = [s.id for s in public_services(shared_demo_app)][: MAX_ITEMS + 2]
    assert len(ids) == MAX_ITEMS + 2
    client = new_client(shared_demo_app)
    token = csrf_token(page_of(client.get(f"/services/{ids[0]}")))
    for service_id in ids:
        response = client.post("/shortlist/add", data={"service_id": str(service_id), "csrf_token": token})
        assert response.status_code == 302
    full = page_of(client.get("/shortlist/"))
    assert f"your shortlist is full ({MAX_ITEMS})" in full
    assert shortlisted(client) == ids[:MAX_ITEMS]
    assert len(printed(page_of(client.get("/shortlist/print")))) == MAX_ITEMS
    # Making room lets another in.
    shortlist_action(client, "remove", ids[0])
    client.post("/shortlist/add", data={"service_id": str(ids[-1]), "csrf_token": token})
    assert shortlisted(client) == [*ids[1:MAX_ITEMS], ids[-1]]


def test_changing_the_shortlist_needs_the_form_token(shared_demo_app: Flask) -> None:
    service_id = public_services(shared_demo_app)[0].id
    client = new_client(shared_demo_app)
    for action in ("add", "remove", "move", "clear"):
        assert client.post(f"/shortlist/{action}", data={"service_id": str(service_id)}).status_code == 400
    assert shortlisted(client) == []
    assert client.get("/shortlist/add").status_code == 405


# --- 4: no open redirect ----------------------------------------------------------------------------------


def test_the_add_button_never_sends_you_off_the_site(shared_demo_app: Flask) -> None:
    service_id = public_services(shared_demo_app)[0].id
    client = new_client(shared_demo_app)
    token = csrf_token(page_of(client.get(f"/services/{service_id}")))
    for target in ("https://evil.example/x", "//evil.example", "/\\evil.example", "\\\\evil.example",
                   "javascript:alert(1)", "http:evil.example", " //evil.example", "/\t/evil.example"):
        response = client.post("/shortlist/add", data={"service_id": str(service_id), "next": target,
                                                       "csrf_token": token})
        assert response.status_code == 302, target
        assert response.headers["Location"] == f"/shortlist/#shortlist-{service_id}", (target, response.headers)
    for target in ("/search?q=debt&page=2", f"/services/{service_id}"):
        response = client.post("/shortlist/add", data={"service_id": str(service_id), "next": target,
                                                       "csrf_token": token})
        assert response.headers["Location"] == f"{target}#shortlist-{service_id}"
    # A fragment of its own in the address is replaced by the listing's, never kept beside it.
    response = client.post("/shortlist/add", data={"service_id": str(service_id), "next": "/search?q=debt#x",
                                                   "csrf_token": token})
    assert response.headers["Location"] == f"/search?q=debt#shortlist-{service_id}"


# --- 5: after each button, focus and a confirmation are where the listing is -------------------------------


def test_adding_from_search_results_comes_back_to_that_result_and_says_so(shared_demo_app: Flask) -> None:
    """Focus returns to the result (not the top of the page, 27 Tab presses away); the title says what happened."""
    client = new_client(shared_demo_app)
    results = page_of(client.get("/search?q=carers"))
    service_id, name = re.findall(r'<h2 class="nhsuk-heading-m"><a href="/services/(\d+)">(.*?)</a>', results)[2]
    name = html.unescape(name)
    response = client.post("/shortlist/add", data={"service_id": service_id, "next": "/search?q=carers",
                                                   "csrf_token": csrf_token(results)})
    assert response.headers["Location"] == f"/search?q=carers#shortlist-{service_id}"

    page, fragment = landing(client, response)
    assert title_of(page).startswith(f"Added to your shortlist: {name} – ")
    assert title_of(page).endswith(" – Well Aware")
    assert confirmation_of(page) == f"Information: Added to your shortlist: {name}"
    # The result now says it is on the shortlist, and offers the shortlist instead of a second "Add".
    place = page.split(f'id="{fragment}"', 1)[1].split("</div>", 1)[0]
    assert "On your shortlist" in place and 'href="/shortlist/"' in place and "Add to shortlist" not in place
    # Only this once: the next page has no confirmation, and its title is its own again.
    again = page_of(client.get("/search?q=carers"))
    assert "wa-flash" not in again and not title_of(again).startswith("Added")


def test_moving_removing_and_noting_come_back_to_the_listing(demo_app: Flask) -> None:
    (a, name_a, _, _), (b, name_b, _, _), (c, name_c, _, _) = clustered_with_contacts(demo_app, 3)
    client = new_client(demo_app)
    sign_in_referrer(demo_app, client)
    for service_id in (a, b, c):
        add_from_listing(client, service_id)

    page, fragment = landing(client, shortlist_action(client, "move", c, direction="up"))
    assert fragment == f"shortlist-{c}"
    assert title_of(page).startswith(f"Moved up: {name_c}, now 2 of 3 – Your shortlist – ")
    page, fragment = landing(client, shortlist_action(client, "move", a, direction="down"))
    assert fragment == f"shortlist-{a}" and confirmation_of(page).endswith(f"Moved down: {name_a}, now 2 of 3")
    assert shortlisted(client) == [c, a, b]

    page, fragment = landing(client, shortlist_action(client, "note", b, note="Ask for Jo"))
    assert fragment == f"shortlist-{b}" and title_of(page).startswith(f"Note saved: {name_b} – ")

    # Removing one puts focus on the listing that takes its place; removing the last, on the one before it.
    page, fragment = landing(client, shortlist_action(client, "remove", a))
    assert fragment == f"shortlist-{b}" and title_of(page).startswith(f"Removed from your shortlist: {name_a} – ")
    page, fragment = landing(client, shortlist_action(client, "remove", b))
    assert fragment == f"shortlist-{c}"
    page, fragment = landing(client, shortlist_action(client, "remove", c))
    assert fragment == "your-shortlist" and focusable_element(page, fragment) == "h1"
    assert "Your shortlist is empty" in page


def test_emptying_the_shortlist_comes_back_to_its_heading(shared_demo_app: Flask) -> None:
    client = new_client(shared_demo_app)
    add_from_listing(client, public_services(shared_demo_app)[0].id)
    page, fragment = landing(client, form_post(client, "/shortlist/clear", {}, page="/shortlist/"))
    assert fragment == "your-shortlist"
    assert title_of(page) == "Your shortlist is empty – Your shortlist – Well Aware"


def test_pages_with_results_can_skip_to_them(shared_demo_app: Flask) -> None:
    """A second skip link, "Skip to results", on a page that lists listings, leading to the list."""
    client = new_client(shared_demo_app)
    add_from_listing(client, public_services(shared_demo_app)[0].id)
    for url in ("/search?q=carers", "/shortlist/"):
        page = page_of(client.get(url))
        assert re.search(r'<a\s+class="nhsuk-skip-link"[^>]*href="#results"\s*>\s*Skip to results\s*</a>', page), url
        assert page.index("Skip to main content") < page.index("Skip to results") < page.index("<header")
        assert re.search(r'<ol class="nhsuk-list" id="results"', page), url
    # Not where there are no results, nor on the page for printing the shortlist (its items are not results).
    for url in ("/", "/search?q=zzxqv+wibble", "/sign-in", "/shortlist/print"):
        assert "Skip to results" not in page_of(client.get(url)), url
