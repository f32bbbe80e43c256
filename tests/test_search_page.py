"""The search page's own furniture (issue 16): a title for every page of every search, filters folded
behind one control with the number chosen, only the options some results have, and the times that
answer "open evenings" on each result."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.operations import create_user
from app.directory.models import Service
from app.extensions import db
from tests.search_helpers import TITLE, listed_ids
from tests.web import new_client, sign_in

PASSWORD = "search page password 123"


def page_of(client: FlaskClient, path: str, **params: object) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code in {200, 400}
    return response.get_data(as_text=True)


def title(page: str) -> str:
    match = TITLE.search(page)
    assert match
    return match.group(1)


def test_every_page_of_every_search_has_its_own_title(demo_app: Flask) -> None:
    public = new_client(demo_app)
    first = title(page_of(public, "/search", q="support"))
    second = title(page_of(public, "/search", q="support", page=2))
    assert "‘support’" in first and "page" not in first
    assert re.search(r"\(page 2 of \d+\)", second) and second != first
    assert title(page_of(public, "/search", q="carers")) != first
    assert title(page_of(public, "/search", q="support", age="abc")).startswith("Error: ")
    with demo_app.app_context():
        create_user("title-referrer@nhs.example", PASSWORD, role="referrer")
        db.session.commit()
    referrer = new_client(demo_app)
    sign_in(referrer, "title-referrer@nhs.example", PASSWORD)
    referrer_title = title(page_of(referrer, "/referrer/search", q="support"))
    assert referrer_title.startswith("Referrer search: ") and referrer_title != first


def test_the_filters_fold_behind_one_control_that_counts_the_chosen(demo_client: FlaskClient) -> None:
    plain = page_of(demo_client, "/search", q="advice")
    assert re.search(r'<details class="wa-filter-panel" id="filters">\s*<summary[^>]*>Filter results</summary>',
                     plain)
    chosen = page_of(demo_client, "/search", q="advice", cost="free", category="money")
    assert "Filter results <span class=\"wa-filter-panel__count\">(2 chosen)</span>" in chosen
    # An error in a filter opens them, so the error summary's link reaches its field.
    assert '<details class="wa-filter-panel" id="filters" open>' in page_of(demo_client, "/search", age="abc")


def test_open_evenings_shows_the_evening_times_on_each_result(shared_demo_app: Flask,
                                                             demo_client: FlaskClient) -> None:
    page = page_of(demo_client, "/search", when="evening")
    ids = listed_ids(page)
    assert ids
    with shared_demo_app.app_context():
        services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(ids)))}
        for number, service_id in enumerate(ids):
            card = page.split('<li class="wa-result">')[number + 1]
            when = re.search(r"<strong>When:</strong> ([^<]+?)(?: and more)?</li>", card)
            assert when, services[service_id].name
            rules = services[service_id].opening_times
            evening = [r for r in rules if r.frequency == "always" or (r.closes_at and r.closes_at.hour * 60
                                                                            + r.closes_at.minute > 18 * 60)]
            assert evening, services[service_id].name
            # The card names an evening time: 24/7, or a closing time after 6pm.
            assert "24 hours" in when.group(1) or re.search(r"to ([6-9]|1[01])(:\d\d)?pm", when.group(1)), \
                when.group(1)
