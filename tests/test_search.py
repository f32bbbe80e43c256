"""Public search over the demo directory (issue 3's acceptance list).

Every expectation is worked out from the demo data itself (categories, audiences, ages, postcodes, opening
times, cluster rows), never from hard-coded listing ids, and every check runs the real search over a real
Whoosh index built from a real SQLite database.
"""

import html
import re
from datetime import time, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.directory.models import Organisation, OrganisationStatus, Service, ServiceCluster, ServiceStatus
from app.directory.operations import archive, mark_for_reindex
from app.directory.visibility import freshness_cutoff, is_public
from app.extensions import db
from app.taxonomies import cluster_codes, clusters, taxonomy
from app.timeutil import today
from search.analysis import words
from tests.search_helpers import (
    all_ids,
    all_results,
    another_process,
    listed_ids,
    page_results,
    public_ids,
    rows,
    status_count,
    title,
    without_echoes,
)
from tests.web import error_summary_links, focusable_element

TALKING_THERAPY = re.compile(r"counsel|therap|\bcbt\b", re.IGNORECASE)


def get_page(client: FlaskClient, params: dict[str, object] | list[tuple[str, str]]) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, (params, response.status_code)
    return response.get_data(as_text=True)


def text_of(service: Service) -> str:
    return " ".join([service.name, service.summary, service.description]).lower()


# --- 1–4: lay words, synonyms and spelling ------------------------------------------------------------


def test_counselling_finds_talking_therapies_in_the_top_five(shared_demo_app: Flask) -> None:
    ids = all_ids(shared_demo_app, q="counselling")
    assert len(ids) >= 5
    with shared_demo_app.app_context():
        found = rows(ids)
        nhs_talking_therapies = {s.id for s in db.session.scalars(select(Service))
                                 if "talking therapies" in s.name.lower() and is_public(s)}
        top = [found[i] for i in ids[:5]]
        for service in top:
            assert "mental-health" in service.categories, service.name
            assert TALKING_THERAPY.search(f"{service.name} {service.summary}"), service.name
        # The synonym list at work: a listing that never says "counselling" is found for it.
        assert any("counsel" not in text_of(found[i]) for i in ids)
    assert nhs_talking_therapies, "the demo should have the NHS Talking Therapies clinics"
    assert nhs_talking_therapies & set(ids[:5])
    page = get_page(shared_demo_app.test_client(), {"q": "counselling"})
    assert listed_ids(page)[:5] == ids[:5]


def test_drink_problem_finds_alcohol_services_first(shared_demo_app: Flask) -> None:
    ids = all_ids(shared_demo_app, q="drink problem")
    assert len(ids) >= 5
    with shared_demo_app.app_context():
        found = rows(ids)
        for doc_id in ids[:5]:
            assert "drugs-alcohol" in found[doc_id].categories, found[doc_id].name
        # "drink" reaches listings that only say "alcohol"
        assert any("drink" not in text_of(found[i]) and "alcohol" in text_of(found[i]) for i in ids[:5])
        alcohol_services = {s.id for s in db.session.scalars(select(Service))
                            if is_public(s) and "drugs-alcohol" in s.categories and "alcohol" in s.name.lower()}
    assert alcohol_services <= set(ids)


def test_pregnant_and_anxious_puts_perinatal_support_first(shared_demo_app: Flask) -> None:
    ids = all_ids(shared_demo_app, q="pregnant and anxious")
    assert ids
    with shared_demo_app.app_context():
        found = rows(ids)
        first = found[ids[0]]
        assert "pregnancy" in first.audiences
        assert "perinatal" in f"{first.name} {first.summary}".lower()
        for doc_id in ids[:3]:
            assert "pregnancy" in found[doc_id].audiences, found[doc_id].name


def test_a_misspelt_word_is_searched_corrected_with_a_way_back(shared_demo_app: Flask,
                                                                demo_client: FlaskClient) -> None:
    """A typo nobody knows is mended and searched ("Showing results for housing"); the person can still
    search for what they typed, and then gets "Did you mean"."""
    results = page_results(shared_demo_app, q="housng")
    assert results.searched_text == "housing" and results.suggestion is None
    assert results.ids == page_results(shared_demo_app, q="housing").ids
    page = get_page(demo_client, {"q": "housng"})
    assert "Showing results for <strong>housing</strong>" in page
    back = re.search(r'Search instead for <a href="([^"]+)">housng</a>', page)
    assert back, "no 'Search instead for' link"
    target = urlsplit(html.unescape(back.group(1)))
    assert target.path == "/search" and dict(parse_qsl(target.query)) == {"q": "housng", "exact": "1"}
    exact = get_page(demo_client, dict(parse_qsl(target.query)))
    assert status_count(exact) == 0
    link = re.search(r'Did you mean <a href="([^"]+)">([^<]+)</a>', exact)
    assert link and link.group(2) == "housing"
    assert dict(parse_qsl(urlsplit(html.unescape(link.group(1))).query)) == {"q": "housing"}
    # A correctly spelt search offers nothing.
    assert page_results(shared_demo_app, q="housing").suggestion is None
    assert page_results(shared_demo_app, q="housing").searched_text is None


# --- 5–7: filters -----------------------------------------------------------------------------------------


def test_age_filter_keeps_only_listings_whose_range_includes_the_age(shared_demo_app: Flask) -> None:
    unfiltered = all_ids(shared_demo_app, q="anxiety")
    aged = all_ids(shared_demo_app, q="anxiety", age=17)
    with shared_demo_app.app_context():
        found = rows(unfiltered)

        def takes_17(service: Service) -> bool:
            return (service.min_age or 0) <= 17 and (service.max_age is None or service.max_age >= 17)

        adults_only = {i for i, s in found.items() if s.min_age is not None and s.min_age >= 18}
        young = {i for i, s in found.items() if s.min_age == 16 and s.max_age == 25}
        expected = [i for i in unfiltered if takes_17(found[i])]
    assert adults_only, "the demo should have an adults-only anxiety listing"
    assert young, "the demo should have an anxiety listing for 16–25s"
    assert not adults_only & set(aged)
    assert young <= set(aged)
    # The same listings, less those that do not take a 17-year-old (the order may differ: listings meant for
    # the age given rise above those for everyone).
    assert sorted(aged) == sorted(expected)


def opens_in_the_evening(service: Service) -> bool:
    """24/7, closing after 6pm, or closing past midnight (before it opens)."""
    return any(t.frequency == "always" or (t.closes_at is not None and t.closes_at > time(18, 0))
               or (t.closes_at is not None and t.opens_at is not None and t.closes_at < t.opens_at)
               for t in service.opening_times)


def test_free_and_evenings_returns_every_free_listing_open_after_six(
    shared_demo_app: Flask, demo_client: FlaskClient
) -> None:
    ids = all_ids(shared_demo_app, cost="free", when="evening")
    with shared_demo_app.app_context():
        everything = list(db.session.scalars(select(Service)))
        expected = {s.id for s in everything if is_public(s) and s.cost == "free" and opens_in_the_evening(s)}
        for service in rows(ids).values():
            assert service.cost == "free", service.name
            assert opens_in_the_evening(service), service.name
        # the filter really narrows: there are free listings that close by six, and paid evening ones
        assert any(is_public(s) and s.cost == "free" and not opens_in_the_evening(s) for s in everything)
        assert any(is_public(s) and s.cost != "free" and opens_in_the_evening(s) for s in everything)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    page = get_page(demo_client, {"cost": "free", "when": "evening"})
    assert status_count(page) == len(expected)
    assert set(listed_ids(page)) <= expected


def first_postcode(service: Service) -> str:
    located = [loc for loc in service.locations if loc.latitude is not None]
    return located[0].postcode if located else ""


def test_postcode_in_ba3_puts_somer_valley_before_bath(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    results = all_results(shared_demo_app, postcode="BA3 2HQ")
    ids = results.ids
    assert set(ids) == set(all_ids(shared_demo_app))  # ordering, not filtering
    with shared_demo_app.app_context():
        districts = {i: first_postcode(s).split(" ")[0] for i, s in rows(ids).items()}
    positions_ba3 = [n for n, i in enumerate(ids) if districts[i] == "BA3"]
    positions_bath = [n for n, i in enumerate(ids) if districts[i] in {"BA1", "BA2"}]
    unplaced = [n for n, i in enumerate(ids) if districts[i] == ""]
    assert positions_ba3 and positions_bath
    assert max(positions_ba3) < min(positions_bath)
    assert unplaced and min(unplaced) > max(n for n, i in enumerate(ids) if districts[i])  # no location: last
    distances = [results.distances_km[i] for i in ids if i in results.distances_km]
    assert distances == sorted(distances)

    page = get_page(demo_client, {"postcode": "BA3 2HQ"})
    shown = listed_ids(page)
    assert shown == ids[: len(shown)]
    assert districts[shown[0]] == "BA3"
    assert page.count("<strong>Distance:</strong>") == len(shown)
    assert "Distance:</strong> in your postcode area" in page
    assert "Remove filter: Near BA3 2HQ" in page


@pytest.mark.parametrize("postcode", ["LS1 1AA", "ZZ1 1ZZ"])  # BA11, a border district, is its area: test_postcodes
def test_unknown_postcode_gets_a_clear_message(
    postcode: str, shared_demo_app: Flask, demo_client: FlaskClient
) -> None:
    page = get_page(demo_client, {"postcode": postcode, "q": "housing"})
    assert f"We can&#39;t place the postcode &#39;{postcode}&#39;" in page
    assert 'role="alert"' in page
    assert "Distance:" not in page
    results = all_results(shared_demo_app, postcode=postcode, q="housing")
    assert results.distances_km == {}
    assert results.ids == all_ids(shared_demo_app, q="housing")
    assert status_count(page) == results.total > 0


# --- 8: clusters never reach the public -------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster_tags(shared_demo_app: Flask) -> dict[int, set[int]]:
    with shared_demo_app.app_context():
        tagged: dict[int, set[int]] = {code: set() for code in cluster_codes()}
        for link in db.session.scalars(select(ServiceCluster)):
            tagged[link.cluster].add(link.service_id)
    return tagged


MISSING = re.compile(r'<p class="wa-result__missing">Missing: (.*?)</p>')


def assert_no_cluster_data(page: str, query: str, suggestion: str | None) -> None:
    lowered = page.lower()
    for cluster in clusters():
        assert cluster.name.lower() not in lowered, (query, cluster.name)
    # The page echoes the person's own words and query string (and a spelling of them), also as the words a
    # result does not match ("Missing: clusters"); nothing else may say "cluster".
    typed = set(words(query))
    for missing in MISSING.findall(page):
        assert set(words(html.unescape(missing))) <= typed, (query, missing)
    rest = without_echoes(MISSING.sub("", page), query, suggestion or "")
    assert "cluster" not in rest.lower(), (query, rest[rest.lower().find("cluster") - 200:][:400])


def test_every_demo_cluster_code_is_used(cluster_tags: dict[int, set[int]]) -> None:
    assert set(cluster_tags) == set(range(0, 9)) | set(range(10, 22))
    assert all(cluster_tags.values())


@pytest.mark.parametrize("form", ["clusters:{}", "cluster {}", "clusters_main:{}"])
def test_cluster_syntax_in_the_public_box_matches_nothing_special(
    form: str, shared_demo_app: Flask, demo_client: FlaskClient, cluster_tags: dict[int, set[int]]
) -> None:
    for code, tagged in sorted(cluster_tags.items()):
        query = form.format(code)
        results = all_results(shared_demo_app, q=query)
        assert not set(results.ids) & tagged, query
        assert not [name for name in results.facets if "cluster" in name], query
        page = get_page(demo_client, {"q": query})
        assert not set(listed_ids(page)) & tagged, query
        assert_no_cluster_data(page, query, results.suggestion)


def test_all_clusters_true_is_plain_words_not_the_flag(
    shared_demo_app: Flask, demo_client: FlaskClient
) -> None:
    with shared_demo_app.app_context():
        flagged = {s.id for s in db.session.scalars(select(Service)) if s.all_clusters and is_public(s)}
    assert flagged
    ids = all_ids(shared_demo_app, q="all_clusters:true")
    # The flag's value makes no difference: the words are matched as words, like any other words.
    assert ids == all_ids(shared_demo_app, q="all_clusters:false")
    assert ids == all_ids(shared_demo_app, q="all clusters true")
    assert set(ids) != flagged and not flagged <= set(ids)
    results = page_results(shared_demo_app, q="all_clusters:true")
    page = get_page(demo_client, {"q": "all_clusters:true"})
    assert listed_ids(page) == results.ids
    assert_no_cluster_data(page, "all_clusters:true", results.suggestion)


@pytest.mark.parametrize("parameter", ["cluster", "clusters", "clusters_main", "all_clusters"])
def test_cluster_parameters_are_ignored_by_the_public_page(
    parameter: str, shared_demo_app: Flask, demo_client: FlaskClient, cluster_tags: dict[int, set[int]]
) -> None:
    plain = get_page(demo_client, {"q": "mental health"})
    for code in (14, 1, 19):
        value = "true" if parameter == "all_clusters" else str(code)
        page = get_page(demo_client, {"q": "mental health", parameter: value})
        assert listed_ids(page) == listed_ids(plain)
        assert status_count(page) == status_count(plain)
        assert_no_cluster_data(page, f"{parameter}={value}", None)


# --- 9–10: query syntax and bad values --------------------------------------------------------------------


def test_field_syntax_is_plain_words(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    as_syntax = all_ids(shared_demo_app, q="category:housing")
    assert as_syntax == all_ids(shared_demo_app, q="category housing")
    as_filter = all_ids(shared_demo_app, category="housing")
    with shared_demo_app.app_context():
        found = rows(set(as_syntax) | set(as_filter))
        assert all("housing" in found[i].categories for i in as_filter)
        # Words, not a filter: it also finds listings outside the category that talk about housing.
        assert [i for i in as_syntax if "housing" not in found[i].categories]
    page = get_page(demo_client, {"q": "category:housing"})
    assert "Remove filter" not in page
    assert 'value="housing" checked' not in page


@pytest.mark.parametrize("query, plain", [
    ("description:[a TO z]", "description a to z"),
    ("name:samaritans", "name samaritans"),
    ("alcohol^10", "alcohol"),
    ("anxiety OR housing", "anxiety or housing"),
    ("age:[18 TO 25]", "age 18 to 25"),
])
def test_query_syntax_is_plain_words(query: str, plain: str, shared_demo_app: Flask,
                                     demo_client: FlaskClient) -> None:
    assert all_ids(shared_demo_app, q=query) == all_ids(shared_demo_app, q=plain)
    page = get_page(demo_client, {"q": query})
    assert status_count(page) == all_results(shared_demo_app, q=plain).total


def test_wildcards_are_not_wildcards(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    assert all_ids(shared_demo_app, q="*") == all_ids(shared_demo_app, q="")  # no words: browse everything
    get_page(demo_client, {"q": "*"})
    assert all_results(shared_demo_app, q="alcohol").total > 0
    assert all_results(shared_demo_app, q="alco*").total == 0  # a prefix would have matched "alcohol"
    assert all_results(shared_demo_app, q="alc?hol").total == all_results(shared_demo_app, q="alc hol").total
    get_page(demo_client, {"q": "alco*"})


BAD_VALUES = [
    ("age", "abc", "Enter an age in whole years"),
    ("age", "500", "Enter an age in whole years"),
    ("age", "-3", "Enter an age in whole years"),
    ("category", "nope", "‘nope’ is not a kind of help we know; showing all kinds of help"),
    ("cost", "expensive", "‘expensive’ is not a cost we know; showing all costs"),
    ("audience", "martians", "‘martians’ is not a group of people we know"),
    ("area", "narnia", "‘narnia’ is not an area we know"),
    ("referral", "telepathy", "‘telepathy’ is not a way to get in we know"),
    ("access", "pigeon", "‘pigeon’ is not a way of delivering help we know"),
    ("accessibility", "ramp-ish", "‘ramp-ish’ is not an accessibility feature we know"),
    ("when", "midnight", "‘midnight’ is not an opening time we know; showing all opening times"),
    ("postcode", "<script>", "We can&#39;t place the postcode"),
]


@pytest.mark.parametrize("parameter, value, message", BAD_VALUES)
def test_bad_filter_values_get_a_plain_message(
    parameter: str, value: str, message: str, shared_demo_app: Flask, demo_client: FlaskClient
) -> None:
    page = get_page(demo_client, {"q": "advice", parameter: value})
    links = error_summary_links(page)
    assert len(links) == 1 and links[0][1].startswith(html.unescape(message)), links
    # The summary link reaches something that takes focus: a group's first checkbox or the field itself.
    (target, _), = links
    assert target.startswith(f"f-{parameter}")
    tag = focusable_element(page, target)
    if parameter not in {"age", "postcode"}:
        assert tag == "input" and re.search(rf'<input[^>]*id="{target}"[^>]*type="checkbox"', page)
    # The bad value is dropped and the rest of the search still runs.
    assert status_count(page) == all_results(shared_demo_app, q="advice").total
    assert listed_ids(page) == page_results(shared_demo_app, q="advice").ids


@pytest.mark.parametrize("parameter", ["age", "category", "cost", "audience", "area", "referral", "access",
                                       "accessibility", "when", "page", "postcode", "q"])
def test_nothing_is_echoed_unescaped(parameter: str, demo_client: FlaskClient) -> None:
    for payload in ('"><script>alert(1)</script>', "<img src=x onerror=alert(1)>", "'><svg onload=alert(1)>"):
        page = get_page(demo_client, {parameter: payload})
        assert "<script>alert" not in page
        assert "<img src=x" not in page and "<svg onload" not in page
        assert payload not in page


@pytest.mark.parametrize("parameter, value", [("age", "abc"), ("category", "nope"), ("cost", "expensive"),
                                              ("when", "midnight"), ("postcode", "ZZ1 1ZZ"),
                                              ("area", "narnia")])
def test_each_error_message_links_to_something_on_the_page(
    parameter: str, value: str, demo_client: FlaskClient
) -> None:
    """The error summary's links must lead somewhere (WCAG 2.2: a link to a missing id goes nowhere)."""
    page = get_page(demo_client, {parameter: value})
    targets = [target for target, _ in error_summary_links(page)]
    assert targets
    for target in targets:
        focusable_element(page, target)  # exactly one element, and it takes focus


# --- 11: what the public never sees -----------------------------------------------------------------------


def test_search_shows_exactly_the_public_listings(shared_demo_app: Flask) -> None:
    assert set(all_ids(shared_demo_app)) == public_ids(shared_demo_app)
    with shared_demo_app.app_context():
        everything = list(db.session.scalars(select(Service)))
    assert len(public_ids(shared_demo_app)) < len(everything), "the demo should have listings out of date"


def unique_word_of(app: Flask, service_id: int) -> str:
    """A word of the listing's name that finds it in a search."""
    with app.app_context():
        name = db.session.get(Service, service_id).name
    for word in sorted(re.findall(r"[A-Za-z]{5,}", name), key=len, reverse=True):
        if service_id in all_ids(app, q=word):
            return word
    raise AssertionError(f"no word of {name!r} finds it")


def change_and_reindex(app: Flask, service_id: int, change) -> None:
    with app.app_context():
        service = db.session.get(Service, service_id)
        change(service)
        mark_for_reindex(db.session, service.id)
        db.session.commit()


@pytest.mark.parametrize("state", ["draft", "pending", "archived", "past event", "not confirmed",
                                   "never confirmed"])
def test_hidden_listings_leave_search_and_the_rest_stay(state: str, demo_app: Flask) -> None:
    before = set(all_ids(demo_app))
    assert before == public_ids(demo_app)
    with demo_app.app_context():
        candidates = sorted(before)
        target = next(i for i in candidates if db.session.get(Service, i).kind != "event")
    word = unique_word_of(demo_app, target)
    with demo_app.test_request_context():
        cutoff = freshness_cutoff()

    def change(service: Service) -> None:
        if state == "draft":
            service.status = ServiceStatus.DRAFT
        elif state == "pending":
            service.status = ServiceStatus.PENDING
        elif state == "archived":
            archive(service)
        elif state == "past event":
            service.kind, service.event_date = "event", today() - timedelta(days=1)
        elif state == "not confirmed":
            service.assured_at = cutoff - timedelta(days=1)
        else:
            service.assured_at = None

    change_and_reindex(demo_app, target, change)
    with demo_app.app_context():
        assert not is_public(db.session.get(Service, target))
    assert demo_app.test_client().get(f"/services/{target}").status_code == 404
    # What the index now holds, as a newly started worker sees it ...
    with another_process(demo_app) as fresh:
        assert target not in all_ids(fresh, q=word)
        assert set(all_ids(fresh)) == before - {target}
    # ... and what this long-lived worker, which searched before the change, now returns.
    assert target not in all_ids(demo_app, q=word), "the running app still returns the hidden listing"
    assert set(all_ids(demo_app)) == before - {target}
    page = get_page(demo_app.test_client(), {"q": word})
    assert target not in listed_ids(page)


def test_freshness_and_event_day_boundaries(demo_app: Flask) -> None:
    """Confirmed exactly at the limit, or an event today: still shown. A day older, or yesterday: gone."""
    visible = sorted(public_ids(demo_app))
    with demo_app.app_context():
        plain = [i for i in visible if db.session.get(Service, i).kind != "event"]
    at_limit, past_limit, event_today, event_yesterday = plain[:4]
    with demo_app.test_request_context():
        cutoff = freshness_cutoff()
    change_and_reindex(demo_app, at_limit, lambda s: setattr(s, "assured_at", cutoff))
    change_and_reindex(demo_app, past_limit, lambda s: setattr(s, "assured_at", cutoff - timedelta(days=1)))
    for target, day in ((event_today, today()), (event_yesterday, today() - timedelta(days=1))):
        change_and_reindex(demo_app, target, lambda s, day=day: (setattr(s, "kind", "event"),
                                                                 setattr(s, "event_date", day)))
    shown = set(all_ids(demo_app))
    assert at_limit in shown and event_today in shown
    assert past_limit not in shown and event_yesterday not in shown
    assert shown == public_ids(demo_app)


def test_freshness_limit_is_applied_when_searching(demo_app: Flask) -> None:
    """Listings age out of search as time passes, without any change to them or to the index."""
    six_months = set(all_ids(demo_app))
    demo_app.config["FRESHNESS_MONTHS"] = 3  # what Well Aware used
    three_months = set(all_ids(demo_app))
    assert three_months < six_months
    assert three_months == public_ids(demo_app)
    with demo_app.app_context():
        for service in rows(six_months - three_months).values():
            assert service.assured_at < freshness_cutoff(), service.name


def test_listings_of_an_archived_organisation_leave_search(demo_app: Flask) -> None:
    """The listing page hides them (``is_public``), so search must not link to them."""
    with demo_app.app_context():
        organisation = db.session.scalar(
            select(Organisation).join(Service).where(Service.status == ServiceStatus.PUBLISHED)
            .order_by(Organisation.name)
        )
        organisation.status = OrganisationStatus.ARCHIVED
        theirs = {s.id for s in organisation.services}
        for service_id in theirs:
            mark_for_reindex(db.session, service_id)
        db.session.commit()
    assert theirs
    client = demo_app.test_client()
    for service_id in theirs:
        assert client.get(f"/services/{service_id}").status_code == 404
    returned = set(all_ids(demo_app))
    assert not returned & theirs, f"search still returns {sorted(returned & theirs)}, whose pages are 404"
    assert returned == public_ids(demo_app)


# --- 12: facets, chosen filters, pagination, empty results, browsing ----------------------------------


def shown_count(page: str, parameter: str, slug: str) -> int:
    """The count shown beside a filter option; an option no result has is not offered at all (0)."""
    match = re.search(rf'for="f-{parameter}-{re.escape(slug)}">[^<]*<span class="wa-count">\((\d+)\)</span>', page)
    if match is None:
        assert f'id="f-{parameter}-{slug}"' not in page, (parameter, slug)
        return 0
    assert int(match.group(1)) > 0 or f'value="{slug}" checked' in page, (parameter, slug)
    return int(match.group(1))


@pytest.mark.parametrize("base", [{}, {"q": "advice"}, {"q": "anxiety", "age": "30"}])
def test_category_and_cost_counts_agree_with_the_filter(
    base: dict[str, str], demo_client: FlaskClient, shared_demo_app: Flask
) -> None:
    page = get_page(demo_client, base)
    for parameter, taxonomy_name in (("category", "categories"), ("cost", "cost"), ("audience", "audiences"),
                                     ("referral", "referral"), ("access", "access"),
                                     ("accessibility", "accessibility")):
        for slug in taxonomy(taxonomy_name).slugs:
            count = shown_count(page, parameter, slug)
            assert count == all_results(shared_demo_app, **base, **{parameter: slug}).total, (parameter, slug)
    assert sum(shown_count(page, "cost", slug) for slug in taxonomy("cost").slugs) == status_count(page)


@pytest.mark.parametrize("base", [{}, {"q": "advice"}])
def test_area_counts_agree_with_the_area_filter(
    base: dict[str, str], demo_client: FlaskClient, shared_demo_app: Flask
) -> None:
    page = get_page(demo_client, base)
    wrong = {}
    for slug in taxonomy("areas").slugs:
        shown = shown_count(page, "area", slug)
        actual = status_count(get_page(demo_client, {**base, "area": slug}))
        if shown != actual:
            wrong[slug] = (shown, actual)
    assert not wrong, f"area: (count shown beside the box, results when ticked): {wrong}"


@pytest.mark.parametrize("base", [{}, {"q": "advice"}])
def test_evening_and_weekend_counts_agree_with_the_filter(
    base: dict[str, str], demo_client: FlaskClient
) -> None:
    page = get_page(demo_client, base)
    for slug in ("evening", "weekend"):
        shown = shown_count(page, "when", slug)
        actual = status_count(get_page(demo_client, {**base, "when": slug}))
        assert actual > 0
        assert shown == actual, f"when={slug}: {shown} shown beside the box, {actual} results when ticked"


def test_counts_beside_other_groups_follow_the_chosen_filters(
    demo_client: FlaskClient, shared_demo_app: Flask
) -> None:
    base = {"q": "advice", "category": "money"}
    page = get_page(demo_client, base)
    for slug in taxonomy("cost").slugs:
        assert shown_count(page, "cost", slug) == all_results(shared_demo_app, **base, cost=slug).total, slug
    for slug in taxonomy("referral").slugs:
        assert shown_count(page, "referral", slug) == all_results(shared_demo_app, **base, referral=slug).total


def test_chosen_filters_are_tags_that_each_remove_only_themselves(demo_client: FlaskClient) -> None:
    params = [("q", "anxiety"), ("cost", "free"), ("category", "mental-health"), ("category", "wellbeing"),
              ("age", "30"), ("when", "evening"), ("area", "bath")]
    page = get_page(demo_client, params)
    tags = re.findall(r'<li><a href="([^"]+)">Remove filter: ([^<]+)</a></li>', page)
    categories = taxonomy("categories")
    labels = {"Free": ("cost", "free"), "Age 30": ("age", "30"), "Open evenings (after 6pm)": ("when", "evening"),
              "Bath": ("area", "bath"), categories.label("mental-health"): ("category", "mental-health"),
              categories.label("wellbeing"): ("category", "wellbeing")}
    assert taxonomy("cost").label("free") == "Free" and taxonomy("areas").label("bath") == "Bath"
    assert {html.unescape(text) for _, text in tags} == set(labels)
    assert len(tags) == len(labels)
    total = status_count(page)
    for href, text in tags:
        removed = labels[html.unescape(text)]
        target = urlsplit(html.unescape(href))
        assert target.path == "/search"
        remaining = sorted(parse_qsl(target.query))
        expected = sorted(pair for pair in params if pair != removed)
        assert remaining == expected, text
        loosened = status_count(get_page(demo_client, remaining))
        if removed[0] != "category":  # the only value chosen in its group: removing it can only add results
            assert loosened >= total, text


def test_pagination(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    per_page = shared_demo_app.config["RESULTS_PER_PAGE"]
    everything = all_ids(shared_demo_app)
    assert len(everything) > 2 * per_page
    first = get_page(demo_client, {})
    second = get_page(demo_client, {"page": 2})
    assert status_count(first) == status_count(second) == len(everything)
    assert listed_ids(first) == everything[:per_page]
    assert listed_ids(second) == everything[per_page: 2 * per_page]
    assert not set(listed_ids(first)) & set(listed_ids(second))
    assert 'href="/search?page=2"' in first
    assert '<ol class="nhsuk-list" id="results" start="21">' in second
    pages = -(-len(everything) // per_page)
    assert f"Page 2 of {pages}" in first
    seen: list[int] = []
    for number in range(1, pages + 1):
        seen.extend(listed_ids(get_page(demo_client, {"page": number})))
    assert seen == everything
    # Pagination keeps the search and filters.
    filtered = get_page(demo_client, {"cost": "free"})
    assert 'href="/search?cost=free&amp;page=2"' in filtered


def test_an_empty_result_suggests_what_to_loosen(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    params = {"q": "anxiety", "age": "17", "cost": "charged"}
    assert all_results(shared_demo_app, **params).total == 0
    page = get_page(demo_client, params)
    assert status_count(page) == 0
    assert "No listings match" in page
    assert "check the spelling, or use fewer or different words" in page
    loosen = re.search(r"<li>remove a filter: (.*?)</li>", page, re.S)
    assert loosen
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', loosen.group(1))
    assert {text for _, text in links} == {"Age 17", taxonomy("cost").label("charged")}
    loosened = [status_count(get_page(demo_client, dict(parse_qsl(urlsplit(html.unescape(href)).query))))
                for href, _ in links]
    assert any(count > 0 for count in loosened)


def test_browsing_a_category_from_the_home_page(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    home = demo_client.get("/").get_data(as_text=True)
    links = re.findall(r'href="(/search\?category=[a-z-]+)"', home)
    assert len(links) == len(taxonomy("categories").slugs)
    with shared_demo_app.app_context():
        visible = [s for s in db.session.scalars(select(Service)) if is_public(s)]
        for link in links:
            slug = link.split("=", 1)[1]
            expected = {s.id for s in visible if slug in s.categories}
            response = demo_client.get(link)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert status_count(page) == len(expected), slug
            assert set(listed_ids(page)) <= expected, slug
            assert set(all_ids(shared_demo_app, category=slug)) == expected, slug
            assert f'value="{slug}" checked' in page


# --- 13: the count is announced -------------------------------------------------------------------------


def test_title_and_live_region_state_the_count(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    total = all_results(shared_demo_app, q="counselling").total
    page = get_page(demo_client, {"q": "counselling"})
    assert title(page).startswith(f"{total} results for ‘counselling’")
    status = re.search(r'<p[^>]*role="status"[^>]*aria-live="polite"[^>]*>(.*?)</p>', page, re.S)
    assert status
    assert re.sub(r"<[^>]+>", "", status.group(1)) == f"{total} results for ‘counselling’"

    browse = get_page(demo_client, {"category": "housing"})
    housing = all_results(shared_demo_app, category="housing").total
    assert title(browse).startswith(f"{housing} results")
    assert status_count(browse) == housing

    none = get_page(demo_client, {"q": "zzqxv"})
    assert title(none).startswith("0 results for ‘zzqxv’")
    assert status_count(none) == 0


def test_a_single_result_is_counted_in_the_singular(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    with shared_demo_app.app_context():
        names = sorted(s.name for s in db.session.scalars(select(Service)) if is_public(s))
    word = next(w for name in names for w in re.findall(r"[A-Za-z]{6,}", name)
                if all_results(shared_demo_app, q=w).total == 1)
    page = get_page(demo_client, {"q": word})
    assert title(page).startswith(f"1 result for ‘{word}’")
    assert re.search(r'role="status"[^>]*>\s*<strong>1 result</strong>', page)
