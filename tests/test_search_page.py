"""The search page's own furniture (issue 16): a title for every page of every search, filters folded
behind one control with the number chosen, only the options some results have, and the times that
answer "open evenings" on each result. Issue 24: a page past the last shows the last page, and a filter
value we do not know is an error beside its group, never a tag."""

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts.operations import create_user
from app.directory.models import Service
from app.extensions import db
from app.public.search_form import MAX_PAGE, parse_search_args
from app.taxonomies import taxonomy
from tests.search_helpers import TITLE, all_results, listed_ids, page_results, status_count
from tests.web import error_summary_links, new_client, sign_in

PASSWORD = "search page password 123"


def page_of(client: FlaskClient, path: str, **params: object) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code in {200, 400}
    return response.get_data(as_text=True)


def page_note(page: str) -> str:
    """The note beside the count of results on why this page is shown, or "" without one."""
    match = re.search(r'<p[^>]*role="status"[^>]*>.*?<span class="wa-page-note">(.*?)</span></p>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


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
                                                                            + r.closes_at.minute > 18 * 60)
                       or (r.closes_at and r.opens_at and r.closes_at < r.opens_at)]
            assert evening, services[service_id].name
            # The card names an evening time: 24/7, a closing time after 6pm, or one past midnight.
            assert "24 hours" in when.group(1) or re.search(r"to ([6-9]|1[01])(:\d\d)?pm", when.group(1)) \
                or "the next morning" in when.group(1), when.group(1)


# --- a page past the last (issue 24) ---------------------------------------------------------------------


def pagination_pages(page: str) -> dict[str, int]:
    """The pages the Previous and Next links go to."""
    links = re.findall(r'nhsuk-pagination__link--(prev|next)" href="([^"]+)"', page)
    return {kind: int(dict(parse_qsl(urlsplit(html.unescape(href)).query))["page"]) for kind, href in links}


def test_a_page_past_the_last_shows_the_last_page_and_says_so(shared_demo_app: Flask,
                                                             demo_client: FlaskClient) -> None:
    params = {"category": "mental-health"}
    total = all_results(shared_demo_app, **params).total
    last = -(-total // int(shared_demo_app.config["RESULTS_PER_PAGE"]))
    assert last >= 2, "the search needs more than one page for this to prove anything"
    expected = page_results(shared_demo_app, **params, page=last).ids
    for beyond in (last + 1, 999, MAX_PAGE):
        page = page_of(demo_client, "/search", **params, page=beyond)
        assert "No listings match" not in page, beyond
        assert status_count(page) == total and listed_ids(page) == expected, beyond
        assert f"(page {last} of {last})" in title(page)
        # Said beside the count, which a screen reader announces; not an error, so no summary, no "Error:"
        # title, and the filters stay folded on a phone.
        assert page_note(page) == f"There are only {last} pages of results; showing the last"
        assert "nhsuk-error-summary" not in page and not title(page).startswith("Error")
        assert not re.search(r'<details class="wa-filter-panel"[^>]*\bopen\b', page)
        assert pagination_pages(page) == {"prev": last - 1}


def test_a_page_past_the_last_of_one_page_or_of_nothing(demo_client: FlaskClient) -> None:
    one = page_of(demo_client, "/search", q="samaritans", page=7)
    assert 0 < status_count(one) <= 20 and listed_ids(one)
    assert page_note(one) == "There is only 1 page of results; showing it"
    # Nothing found is said once, with no note about pages and no "page 7 of 1".
    nothing = page_of(demo_client, "/search", q="zzqxjv wqpfk", page=7)
    assert status_count(nothing) == 0 and "No listings match" in nothing
    assert "nhsuk-error-summary" not in nothing and "page 7" not in title(nothing)
    assert page_note(nothing) == ""


@pytest.mark.parametrize("value", ["0", "-1", "-999", "abc", "1.5", "²", "1e3", " ", "99999999999999999999"])
def test_a_page_that_cannot_be_shows_the_first(value: str, shared_demo_app: Flask,
                                               demo_client: FlaskClient) -> None:
    response = demo_client.get("/search", query_string={"q": "support", "page": value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert listed_ids(page) == page_results(shared_demo_app, q="support").ids
    assert "No listings match" not in page
    if value.strip():
        assert page_note(page) == "That page does not exist; showing the first page"
        assert "nhsuk-error-summary" not in page


def test_the_referrer_page_also_shows_its_last_page(demo_app: Flask) -> None:
    with demo_app.app_context():
        create_user("last-page-referrer@nhs.example", PASSWORD, role="referrer")
        db.session.commit()
    referrer = new_client(demo_app)
    sign_in(referrer, "last-page-referrer@nhs.example", PASSWORD)
    page = page_of(referrer, "/referrer/search", category="mental-health", cluster=3, page=999)
    assert "No listings match" not in page and re.search(r'<a href="/referrer/services/\d+"', page)
    assert page_note(page).startswith("There are only") and "nhsuk-error-summary" not in page


# --- filter values we do not know (issue 24) -------------------------------------------------------------

# parameter → a value we know, and what its values are called, one and many
FILTERS = {
    "cost": ("free", "a cost", "costs"),
    "category": ("mental-health", "a kind of help", "kinds of help"),
    "audience": ("carers", "a group of people", "groups of people"),
    "area": ("bath", "an area", "areas"),
    "referral": ("self", "a way to get in", "ways to get in"),
    "access": ("phone", "a way of delivering help", "ways of delivering help"),
    "accessibility": ("wheelchair", "an accessibility feature", "accessibility features"),
    "when": ("evening", "an opening time", "opening times"),
}
TAG = re.compile(r'<li><a href="([^"]+)">Remove filter: ([^<]+)</a></li>')


def group_error(page: str, parameter: str) -> str:
    """The error message inside the filter's own group, which must be styled and described as NHS.UK errors
    are."""
    group = re.search(rf'<div class="nhsuk-form-group nhsuk-form-group--error">\s*<fieldset[^>]*id="f-{parameter}"'
                      rf'[^>]*>.*?</fieldset>', page, re.S)
    assert group, f"the {parameter} group is not shown as a group with an error"
    fieldset = re.match(r"[^>]*>\s*<fieldset([^>]*)>", group.group(0))
    assert fieldset and re.search(rf'aria-describedby="[^"]*\b{parameter}-error\b', fieldset.group(1))
    message = re.search(rf'<p class="nhsuk-error-message" id="{parameter}-error">'
                        r'<span class="nhsuk-u-visually-hidden">Error:</span>(.*?)</p>', group.group(0), re.S)
    assert message, f"no error message in the {parameter} group"
    return " ".join(html.unescape(message.group(1)).split())


@pytest.mark.parametrize("parameter", FILTERS)
def test_a_value_we_do_not_know_is_an_error_not_a_tag(parameter: str, shared_demo_app: Flask,
                                                      demo_client: FlaskClient) -> None:
    known, one, many = FILTERS[parameter]
    alone = page_of(demo_client, "/search", **{parameter: "nonsense"})
    message = f"‘nonsense’ is not {one} we know; showing all {many}"
    assert error_summary_links(alone) == [(error_summary_links(alone)[0][0], message)]
    assert re.search(r'class="nhsuk-error-summary"[^>]*>\s*<div role="alert">', alone), "not announced"
    assert group_error(alone, parameter) == message
    assert "Remove filter" not in alone and "(1 chosen)" not in alone
    assert status_count(alone) == all_results(shared_demo_app).total

    beside = page_of(demo_client, "/search", q="support", **{parameter: ["nonsense", known, "rubbish"]})
    message = f"‘nonsense’ and ‘rubbish’ are not {many} we know; showing the other {many} you chose"
    assert [text for _, text in error_summary_links(beside)] == [message]
    assert group_error(beside, parameter) == message
    # The value we know still applies, and is the only tag.
    assert status_count(beside) == all_results(shared_demo_app, q="support", **{parameter: known}).total
    tags = TAG.findall(beside)
    assert len(tags) == 1 and "nonsense" not in tags[0][1]
    # No link on the page carries the rejected values on: removing the tag leaves just the words.
    assert "nonsense" not in " ".join(re.findall(r'href="([^"]*)"', beside))
    assert parse_qsl(urlsplit(html.unescape(tags[0][0])).query) == [("q", "support")]


def test_many_values_we_do_not_know_are_named_up_to_three() -> None:
    bad = MultiDict([("area", name) for name in ("narnia", "gondor", "oz", "lilliput", "narnia")])
    assert parse_search_args(bad).errors["area"] == (
        "‘narnia’, ‘gondor’, ‘oz’ and 1 more are not areas we know; showing all areas")


@pytest.mark.parametrize("parameter, value, shown", [("age", "abc", "Age abc"), ("age", "500", "Age 500"),
                                                     ("postcode", "ZZ1 1ZZ", "Near ZZ1 1ZZ")])
def test_an_age_or_postcode_we_cannot_use_is_not_a_tag(parameter: str, value: str, shown: str,
                                                        demo_client: FlaskClient) -> None:
    page = page_of(demo_client, "/search", category="money", **{parameter: value})
    assert [target for target, _ in error_summary_links(page)] == [f"f-{parameter}"]
    texts = [html.unescape(text) for _, text in TAG.findall(page)]
    assert texts == [taxonomy("categories").label("money")], texts
