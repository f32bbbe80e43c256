"""A scan of every public surface for care-cluster data (design §2 principle 2).

Clusters never reach a public page, a sitemap, a facet count or an error message: no page a visitor can
reach without signing in may carry a cluster name from the demo's taxonomy, nor the word "cluster" —
except where a page merely repeats the visitor's own words back to them (their query), which is cut out
before the scan.

The leaflet bank (/leaflets) and the public API (/api/) are scanned by the tests written with them.
"""

import html
import re
from collections.abc import Iterator
from itertools import count
from urllib.parse import quote, quote_plus, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.public.search_form import MULTI_FILTERS, WHEN_CHOICES
from app.taxonomies import cluster_super_classes, clusters, taxonomy

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
RESULT = re.compile(r'<li class="wa-result[^"]*"[^>]*>\s*<h2[^>]*><a href="/services/(\d+)"')
_addresses = count(1)


# --- the scan ---------------------------------------------------------------------------------------------


def echo_forms(text: str) -> list[str]:
    """Every way a page may repeat ``text``: as HTML text or attribute, or inside a link."""
    forms = {text, html.escape(text), html.escape(text, quote=False)}
    for safe in ("", "/", "!$'()*,/:;?@"):
        forms |= {quote_plus(text, safe=safe), quote(text, safe=safe)}
    forms |= {html.escape(form) for form in list(forms)}
    return sorted((form for form in forms if form), key=len, reverse=True)


def without_echoes(page: str, *texts: str) -> str:
    for text in texts:
        for form in echo_forms(text):
            page = page.replace(form, "")
    return page


DID_YOU_MEAN = re.compile(r'<p class="nhsuk-body-l">Did you mean <a href="[^"]*">([^<]*)</a>\?</p>')


def without_suggestion(page: str, *echoed: str) -> str:
    """The page without its "Did you mean", once sure that the suggestion's cluster words are the visitor's.

    A suggestion corrects the words it can from the listings' own words and keeps the rest as typed, so
    "clusters" in it is an echo when the visitor typed it, and a leak otherwise.
    """
    match = DID_YOU_MEAN.search(page)
    if match is None:
        return page
    suggestion = html.unescape(match.group(1)).lower()
    typed = {word for text in echoed for word in re.findall(r"[a-z0-9]+", text.lower())}
    for word in suggestion.split():
        assert "cluster" not in word or word in typed, (suggestion, echoed)
    for cluster in clusters():
        assert cluster.name.lower() not in suggestion or any(cluster.name.lower() in e.lower() for e in echoed)
    return page.replace(match.group(0), "")


def cluster_data_in(page: str, *echoed: str) -> list[str]:
    """Cluster names and the word "cluster" on ``page`` outside the echoes of ``echoed``."""
    lowered = without_echoes(without_suggestion(page, *echoed), *echoed).lower()
    found = [c.name for c in clusters() if c.name.lower() in lowered or html.escape(c.name).lower() in lowered]
    if "cluster" in lowered:
        at = lowered.index("cluster")
        found.append(f"the word 'cluster' in …{lowered[max(0, at - 80):at + 40]}…")
    return found


def assert_no_cluster_data(client: FlaskClient, url: str, *echoed: str, status: int = 200) -> str:
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == status, (url, response.status_code)
    assert not cluster_data_in(page, *echoed), (url, cluster_data_in(page, *echoed))
    return page


def test_the_scan_finds_cluster_data_where_it_is() -> None:
    """The scan itself works: it finds clusters on the referrer page, and ignores only the echoes."""
    name = clusters()[5].name
    page = f"<p>{html.escape(name)}</p>"
    assert cluster_data_in(page) == [name]
    assert cluster_data_in(page, name) == []
    assert cluster_data_in('<a href="/search?q=cluster+14&amp;page=2">Cluster</a>', "cluster 14")
    assert not cluster_data_in('<a href="/search?q=cluster+14&amp;page=2">x</a> ‘cluster 14’', "cluster 14")
    suggested = '<p class="nhsuk-body-l">Did you mean <a href="/search?q=all+clusters">all clusters</a>?</p>'
    assert not cluster_data_in(suggested, "al clusters")
    with pytest.raises(AssertionError):
        cluster_data_in(suggested, "al clustr")


# --- what to scan -----------------------------------------------------------------------------------------


def public_ids(app: Flask) -> list[int]:
    with app.app_context():
        return [s.id for s in db.session.scalars(select(Service).order_by(Service.id)) if is_public(s)]


def filter_searches() -> Iterator[dict[str, object]]:
    for parameter, (_, taxonomy_name) in MULTI_FILTERS.items():
        for slug in taxonomy(taxonomy_name).slugs:
            yield {parameter: slug}
    for when in WHEN_CHOICES:
        yield {"when": when}
    for age in (0, 5, 11, 17, 18, 25, 40, 65, 80, 120):
        yield {"age": age}
    for postcode in ("BA1 1AA", "BA2 3AB", "BS31 1AA", "BA3 2HQ", "BA11", "BS39", "ZZ1 1ZZ"):
        yield {"postcode": postcode}
    for page in (1, 2, 3):
        yield {"page": page}
        yield {"q": "support", "page": page}
        yield {"category": "mental-health", "page": page}
    yield {"q": "support", "category": "mental-health", "area": "bath", "cost": "free", "when": "evening"}
    yield {"q": "group", "audience": "older-people", "referral": "self", "access": "in-person",
           "accessibility": "wheelchair"}
    yield {"category": ["mental-health", "carers"], "area": ["keynsham", "midsomer-norton"], "age": 30}
    yield {"q": "dementia", "when": "weekend", "postcode": "BA1 1AA"}
    yield {"q": "crisis", "referral": "urgent", "access": "phone"}
    yield {"age": "abc", "area": "narnia", "page": "x"}  # bad values: plain messages, nothing more


@pytest.mark.parametrize(("parameter", "message"), [("age", "Enter an age in whole years, like 17"),
                                                    ("page", "That page does not exist; showing the first page")])
def test_a_number_that_only_looks_like_one_gets_a_plain_message(
    parameter: str, message: str, demo_client: FlaskClient
) -> None:
    """"²" is a digit to str.isdigit() but not to int(): the page explains, and says nothing of clusters."""
    page = assert_no_cluster_data(demo_client, "/search?" + urlencode({parameter: "²", "q": "support"}), "support")
    assert html.escape(message) in page


def query_searches() -> Iterator[str]:
    yield from ("", "anxiety", "low mood", "mental health", "psychosis", "psychotic", "dementia", "memory",
                "crisis", "hearing voices", "drugs and alcohol", "carers", "advocacy", "community group",
                "support group", "counselling", "veterans", "severe", "low severity", "moderate need",
                "clusters:14", "cluster:3", "all_clusters:true", "all clusters", "clusters_main:16")
    for cluster in clusters():
        yield cluster.name
        yield f"cluster {cluster.code}"
    for name, group in cluster_super_classes().items():
        yield name
        yield group[0].super_class_name


# --- the scans --------------------------------------------------------------------------------------------


def test_the_home_and_account_pages(demo_client: FlaskClient) -> None:
    for url in ("/", "/sign-in", "/professionals/register", "/password/forgot", "/sign-in?next=%2Fshortlist%2F"):
        assert_no_cluster_data(demo_client, url)


def test_search_with_every_filter(demo_client: FlaskClient) -> None:
    scanned = 0
    for params in filter_searches():
        text = str(params.get("q", ""))
        assert_no_cluster_data(demo_client, "/search?" + urlencode(params, doseq=True), text)
        scanned += 1
    assert scanned > 80


@pytest.mark.parametrize("query", list(query_searches()))
def test_search_for_words(query: str, demo_client: FlaskClient) -> None:
    url = "/search?" + urlencode({"q": query})
    page = assert_no_cluster_data(demo_client, url, query)
    # Cluster words typed in the public box find listings by their words, as any words would.
    if RESULT.search(page):
        assert_no_cluster_data(demo_client, url + "&page=2", query, status=200)


def test_search_results_pages_one_to_three_for_broad_searches(demo_client: FlaskClient) -> None:
    for params in ({}, {"q": "help"}, {"category": "community-groups"}, {"area": "bath"}):
        seen: list[int] = []
        for page in (1, 2, 3):
            html_page = assert_no_cluster_data(demo_client, "/search?" + urlencode({**params, "page": page}),
                                               str(params.get("q", "")))
            seen += [int(i) for i in RESULT.findall(html_page)]
        assert seen and len(seen) == len(set(seen)), params


def test_every_public_listing_page(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    ids = public_ids(shared_demo_app)
    assert len(ids) > 100
    for service_id in ids:
        assert_no_cluster_data(demo_client, f"/services/{service_id}")


def test_the_shortlist_and_its_print_view_with_clustered_listings(shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        clustered = [s.id for s in db.session.scalars(select(Service).order_by(Service.id))
                     if is_public(s) and (s.clusters or s.all_clusters)][:12]
    assert len(clustered) == 12
    client = shared_demo_app.test_client()
    number = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.50.{number // 250}.{number % 250 + 1}"
    token = html.unescape(CSRF.search(client.get(f"/services/{clustered[0]}").get_data(as_text=True)).group(1))
    for service_id in clustered:
        assert client.post("/shortlist/add", data={"service_id": service_id, "csrf_token": token}).status_code == 302
    shown = assert_no_cluster_data(client, "/shortlist/")
    assert len(RESULT.findall(shown)) == 12
    for url in ("/shortlist/print", "/shortlist/print?notes=yes"):
        assert_no_cluster_data(client, url)


def hub_pages(app: Flask) -> list[str]:
    """The hub list, every hub and every section of each, from the database."""
    with app.app_context():
        rows = db.session.execute(select(Hub.slug, HubSection.slug).join(HubSection.hub)
                                  .order_by(Hub.slug, HubSection.position)).all()
        db.session.remove()
    hubs = sorted({hub for hub, _ in rows})
    return ["/hubs/", *(f"/hubs/{hub}" for hub in hubs), *(f"/hubs/{hub}/{section}" for hub, section in rows)]


def test_the_hub_pages(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    """Every hub and section page (their listings include those with care clusters), and "Find your hub"
    with what it answers: one hub, two, none, and a problem, also for cluster words typed in."""
    urls = hub_pages(shared_demo_app)
    assert len(urls) == 1 + 3 + 33
    for url in urls:
        assert_no_cluster_data(demo_client, url)
    for place, status in (("BA3", 302), ("BS39", 200), ("Frome", 200), ("ZZ1 1ZZ", 400), ("", 400)):
        assert_no_cluster_data(demo_client, "/hubs/?" + urlencode({"place": place}), place, status=status)
    for words in ("cluster 14", "clusters:14", clusters()[14].name, "all clusters"):
        assert_no_cluster_data(demo_client, "/hubs/?" + urlencode({"place": words}), words, status=400)


def test_robots_and_the_sitemap(demo_client: FlaskClient) -> None:
    assert_no_cluster_data(demo_client, "/robots.txt")
    sitemap = assert_no_cluster_data(demo_client, "/sitemap.xml")
    assert "/referrer/" not in sitemap


def test_the_style_sheet_and_script_carry_no_cluster_names(demo_client: FlaskClient) -> None:
    for url in ("/static/css/site.css", "/static/js/init.js"):
        response = demo_client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).lower()
        assert not [c.name for c in clusters() if c.name.lower() in text], url
        response.close()


def test_error_pages(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    listing = public_ids(shared_demo_app)[0]
    for url in ("/no-such-page", "/services/999999", "/services/abc", "/cluster/14",
                "/services/Psychotic%20Crisis", "/search/" + quote(clusters()[14].name),
                "/hubs/" + quote(clusters()[14].name), "/hubs/bath/" + quote(clusters()[14].name)):
        page = assert_no_cluster_data(demo_client, url, status=404)  # nothing echoed, nothing to cut out
        assert "Page not found" in page
    for url in ("/sign-out", "/shortlist/add", "/shortlist/note"):
        page = assert_no_cluster_data(demo_client, url, status=405)
        assert "That did not work" in page
    # A bad POST: without its form token, and with a token but nonsense in it.
    for data in ({"service_id": str(listing)}, {"service_id": "cluster 14"}):
        response = demo_client.post("/shortlist/add", data=data)
        assert response.status_code == 400
        assert not cluster_data_in(response.get_data(as_text=True))
    token = html.unescape(CSRF.search(demo_client.get(f"/services/{listing}").get_data(as_text=True)).group(1))
    response = demo_client.post("/shortlist/add", data={"service_id": "Psychotic Crisis", "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Something was wrong with that request" in page and not cluster_data_in(page)
