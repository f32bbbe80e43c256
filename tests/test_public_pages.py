"""The public pages: home, a listing and the error pages."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.directory.models import Service, ServiceStatus
from app.directory.visibility import is_public
from app.extensions import db
from app.taxonomies import clusters, taxonomy

URGENT_NUMBERS = ("999", "111", "116 123", "85258", "0800 1111")


def public_listing_ids(app: Flask) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.scalars(select(Service).order_by(Service.id)) if is_public(s)]


def test_home_has_search_box_categories_and_urgent_help(demo_client: FlaskClient) -> None:
    page = demo_client.get("/").get_data(as_text=True)
    assert re.search(r'<input[^>]+name="q"', page)
    assert '<label class="nhsuk-label nhsuk-label--s" for="search-q">' in page
    for category in taxonomy("categories").terms:
        assert f'/search?category={category.slug}"' in page
        assert category.name.replace("&", "&amp;") in page
    for number in URGENT_NUMBERS:
        assert number in page
    assert "nhsuk-header__logo" not in page  # our own name, not the NHS logo


def test_every_page_carries_urgent_help(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    listing_id = public_listing_ids(shared_demo_app)[0]
    for url in ("/search?q=housing", f"/services/{listing_id}", "/no-such-page"):
        page = demo_client.get(url).get_data(as_text=True)
        assert "Need help now?" in page and "116 123" in page, url


STRIP = re.compile(r'<aside class="wa-help-strip[^"]*" aria-labelledby="help-strip-title">(.*?)</aside>', re.S)


def test_every_page_starts_with_a_line_of_tap_to_call_urgent_help(demo_client: FlaskClient,
                                                                   shared_demo_app: Flask) -> None:
    """Under the header, before the main content: 999, NHS 111 and Samaritans as tap-to-call links, and a link
    to the full box of urgent help at the foot of the page, which has every number."""
    listing_id = public_listing_ids(shared_demo_app)[0]
    for url in ("/", "/search?q=housing", f"/services/{listing_id}", "/shortlist/", "/sign-in", "/leaflets",
                "/no-such-page"):
        page = demo_client.get(url).get_data(as_text=True)
        strips = STRIP.findall(page)
        assert len(strips) == 1, url
        assert page.index("</header>") < page.index('class="wa-help-strip') < page.index('<main'), url
        assert re.findall(r'<a href="tel:(\d+)">([^<]+)</a>', strips[0]) == [
            ("999", "999"), ("111", "NHS 111"), ("116123", "Samaritans 116 123")], url
        assert 'href="#urgent-help"' in strips[0], url
        box = page[page.index('id="urgent-help"'):]
        assert page.index("</main>") < page.index('id="urgent-help"') < page.index("<footer"), url
        for number in URGENT_NUMBERS:
            assert number in box, (url, number)


def test_listing_page_shows_what_a_person_needs(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        service = next(s for s in db.session.scalars(select(Service))
                       if is_public(s) and s.locations and s.opening_times and s.cost_options and s.phone)
        expected = {
            "name": service.name,
            "summary": service.summary,
            "phone": service.phone,
            "postcode": service.locations[0].postcode,
            "checked": f"<strong>Checked on {service.assured_at.day} {service.assured_at:%B %Y}</strong>",
            "cost option": service.cost_options[0].option,
        }
    page = demo_client.get(f"/services/{service.id}").get_data(as_text=True)
    for label, text in expected.items():
        assert text.replace("'", "&#39;").replace("&", "&amp;") in page or text in page, label
    for heading in ("What it is", "Who it is for", "Cost", "How to get in", "When", "Where", "Accessibility",
                    "Contact"):
        assert f">{heading}</h2>" in page


def test_listing_description_markdown_is_sanitised(demo_app: Flask) -> None:
    with demo_app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == ServiceStatus.PUBLISHED))
        service.description = "**Bold** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"
        db.session.commit()
        service_id = service.id
    page = demo_app.test_client().get(f"/services/{service_id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page


def test_unpublished_stale_and_past_listings_are_not_found(demo_app: Flask) -> None:
    from datetime import date

    with demo_app.app_context():
        services = db.session.scalars(select(Service).where(Service.status == ServiceStatus.PUBLISHED)).all()
        archived, stale, past = services[0], services[1], services[2]
        archived.status = ServiceStatus.ARCHIVED
        stale.assured_at = date(2020, 1, 1)
        past.kind, past.event_date = "event", date(2021, 5, 1)
        db.session.commit()
        ids = [archived.id, stale.id, past.id]
    client = demo_app.test_client()
    for service_id in ids:
        response = client.get(f"/services/{service_id}")
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)


def test_no_cluster_data_on_public_listing_pages(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    names = [c.name.lower() for c in clusters()]
    for listing_id in public_listing_ids(shared_demo_app):
        page = demo_client.get(f"/services/{listing_id}").get_data(as_text=True).lower()
        assert "cluster" not in page
        assert not [name for name in names if name in page], listing_id


def test_frontend_assets_are_served_from_the_npm_package(demo_client: FlaskClient) -> None:
    with demo_client.get("/assets/nhsuk-frontend.min.css") as css:
        assert css.status_code == 200 and b".nhsuk-header" in css.data
    assert demo_client.get("/assets/package.json").status_code == 404
