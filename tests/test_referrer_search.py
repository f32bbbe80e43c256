"""The referrers' discreet search by care cluster (design §1, §2 principles 2, 3 and 6, §7).

Only approved referrers (and administrators) reach it; everyone else gets the sign-in page or, signed in,
a 403 page saying who it is for, and never a cluster name. A cluster search ranks listings focused on the
cluster first, then those that also serve it, then those open to every cluster, then everything else: it
never hides a general service.
"""

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.operations import confirm_email, find_user, register_referrer, set_password
from app.directory.models import ClusterFocus, Service, ServiceCluster
from app.directory.visibility import is_public
from app.extensions import db
from app.taxonomies import cluster_super_classes, clusters
from tests.conftest import _app_from
from tests.web import form_post, new_client

PASSWORD = "a long test password"
REFERRER = "referrer@nhs.example"
ADMIN = "admin@wellaware.example"
EDITOR = "editor1@wellaware.example"
PENDING = "pending.referrer@example.org"

RESULT = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/referrer/services/(\d+)"')
MAIN = re.compile(r'<main\b[^>]*>(.*)</main>', re.S)
TIER_NAMES = ("main", "also", "all", "other")
REASON_LABELS = {
    "main": "Main focus on your chosen cluster",
    "also": "Also serves your chosen cluster",
    "all": "Open to all clusters",
    "other": "Matches your other choices",
}


# --- helpers -----------------------------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = form_post(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def sign_out(client: FlaskClient) -> None:
    response = form_post(client, "/sign-out", {}, page="/shortlist/")
    assert response.status_code == 302


def get_ok(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def cluster_names() -> list[str]:
    return [cluster.name for cluster in clusters()]


def cluster_words_in(text: str) -> list[str]:
    lowered = text.lower()
    found = [name for name in cluster_names() if name.lower() in lowered]
    found += [name for name in cluster_names() if html.escape(name).lower() in lowered]
    if "cluster" in lowered:
        found.append("the word 'cluster'")
    return found


def result_ids(page: str) -> list[int]:
    return [int(i) for i in RESULT.findall(page)]


def result_blocks(page: str) -> dict[int, str]:
    """Each result's own HTML, by listing id."""
    listing = page.split("</ol>")[0] if "</ol>" in page else page
    blocks = {}
    for chunk in listing.split('<li class="wa-result">')[1:]:
        match = re.search(r'href="/referrer/services/(\d+)"', chunk)
        assert match, chunk[:300]
        blocks[int(match.group(1))] = chunk
    return blocks


def prepare_accounts(app: Flask) -> None:
    """Known passwords for the demo accounts, and a referrer who confirmed a non-trusted address."""
    with app.app_context():
        for email in (REFERRER, ADMIN, EDITOR):
            user = find_user(email)
            assert user is not None, email
            set_password(user, PASSWORD)
        pending = register_referrer(PENDING, PASSWORD, "Pat Pending")
        confirm_email(pending)
        db.session.commit()
        assert find_user(PENDING).referrer_status == "pending"
        assert find_user(PENDING).email_verified_at is not None


class Directory:
    """What the database says about each public listing's clusters."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            services = [s for s in db.session.scalars(select(Service)) if is_public(s)]
            self.public = {s.id for s in services}
            self.all_clusters = {s.id for s in services if s.all_clusters}
            self.focus: dict[int, dict[int, ClusterFocus]] = {s.id: {} for s in services}
            for link in db.session.scalars(select(ServiceCluster)):
                if link.service_id in self.focus:
                    self.focus[link.service_id][link.cluster] = link.focus
            self.community = {s.id for s in services if "community-groups" in s.categories}
        self.general = {i for i in self.public if not self.focus[i] and i not in self.all_clusters}

    def tier(self, service_id: int, chosen: set[int]) -> int:
        focus = self.focus[service_id]
        if any(focus.get(code) == ClusterFocus.MAIN for code in chosen):
            return 0
        if any(focus.get(code) == ClusterFocus.ALSO for code in chosen):
            return 1
        if service_id in self.all_clusters:
            return 2
        return 3

    def tiers(self, ids: list[int], chosen: set[int]) -> list[int]:
        return [self.tier(i, chosen) for i in ids]


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def referrer_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A demo app of this module's own (made as the conftest makes every app), with known passwords and
    every result on one page."""
    made = _app_from(demo_template, tmp_path_factory.mktemp("referrer"))
    app = next(made)
    app.config["RESULTS_PER_PAGE"] = 1000
    prepare_accounts(app)
    yield app
    next(made, None)  # the conftest's own clean-up


@pytest.fixture(scope="module")
def directory(referrer_app: Flask) -> Directory:
    return Directory(referrer_app)


@pytest.fixture(scope="module")
def referrer(referrer_app: Flask) -> FlaskClient:
    """One signed-in referrer for the module's read-only tests (sign-ins per email are rate limited)."""
    client = new_client(referrer_app)
    sign_in(client, REFERRER)
    return client


# --- 1: nobody else sees clusters --------------------------------------------------------------------------


def strip_redirect_echo(body: str, location: str) -> str:
    """A redirect's body names its target, and the target carries the address that was asked for."""
    for form in (location, html.escape(location), html.escape(location, quote=False)):
        body = body.replace(form, "")
    return body


def test_only_referrers_and_administrators_reach_the_cluster_search(
    referrer_app: Flask, directory: Directory
) -> None:
    anonymous = new_client(referrer_app)
    editor, admin, pending, signed_out = (new_client(referrer_app) for _ in range(4))
    sign_in(editor, EDITOR)
    sign_in(admin, ADMIN)
    sign_in(pending, PENDING)
    sign_in(signed_out, REFERRER)
    assert signed_out.get("/referrer/search").status_code == 200  # signed in, it works …
    sign_out(signed_out)  # … and once signed out it must not

    listing_id = min(i for i in directory.public if directory.focus[i])
    urls = [f"/referrer/search?cluster={c.code}" for c in clusters()]
    urls += [f"/referrer/search?superclass={name}" for name in cluster_super_classes()]
    urls += [f"/referrer/services/{listing_id}", "/referrer/search"]
    expected = {"anonymous": (anonymous, 302), "signed out": (signed_out, 302), "editor": (editor, 403),
                "pending referrer": (pending, 403)}
    for who, (client, status) in expected.items():
        for url in urls:
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == status, (who, url)
            if status == 302:
                location = response.headers["Location"]
                parts = urlsplit(location)
                assert parts.path == "/sign-in" and parts.netloc in ("", "wellaware.test"), (who, url, location)
                assert not cluster_words_in(strip_redirect_echo(body, location)), (who, url)
                sign_in_page = get_ok(client, location)
                assert "<h1>Sign in</h1>" in sign_in_page
                assert not cluster_words_in(sign_in_page), (who, url, cluster_words_in(sign_in_page))
            else:
                assert "Referrer search is for approved referrers" in body
                assert not cluster_words_in(body), (who, url, cluster_words_in(body))

    # The administrator sees the clusters: the same scan finds them, so it would find a leak.
    for cluster in clusters():
        page = get_ok(admin, f"/referrer/search?cluster={cluster.code}")
        assert html.escape(cluster.name) in page and "cluster" in page.lower()


def test_a_pending_referrer_is_told_nothing_about_clusters_anywhere(referrer_app: Flask) -> None:
    """Signed in but not approved: their own pages carry no link to, or word of, the cluster search."""
    pending = new_client(referrer_app)
    sign_in(pending, PENDING)
    for url in ("/", "/account", "/search?q=anxiety", "/shortlist/"):
        page = get_ok(pending, url)
        assert "/referrer/" not in page, url
        assert not cluster_words_in(page), (url, cluster_words_in(page))


# --- 2: ranking: main, also, all clusters, then the rest --------------------------------------------------


def assert_ranked(ids: list[int], directory: Directory, chosen: set[int], context: object) -> None:
    tiers = directory.tiers(ids, chosen)
    assert tiers == sorted(tiers), (context, [TIER_NAMES[t] for t in tiers])


def test_every_cluster_search_ranks_main_also_all_then_the_rest(referrer: FlaskClient, directory: Directory) -> None:
    everything = result_ids(get_ok(referrer, "/referrer/search"))
    assert set(everything) == directory.public
    for cluster in clusters():
        ids = result_ids(get_ok(referrer, f"/referrer/search?cluster={cluster.code}"))
        assert_ranked(ids, directory, {cluster.code}, cluster.code)
        # Clusters organise, never restrict: the same listings as the search without a cluster.
        assert sorted(ids) == sorted(everything), cluster.code
        assert set(ids) & directory.general, cluster.code
        tiers = directory.tiers(ids, {cluster.code})
        focused = [i for i in directory.public if directory.tier(i, {cluster.code}) == 0]
        assert tiers.count(0) == len(focused), cluster.code
        if focused:
            assert tiers[0] == 0, cluster.code


@pytest.mark.parametrize("extra", [{"q": "walking"}, {"category": "community-groups"}, {"q": "lunch"},
                                   {"q": "support group", "area": "keynsham"}])
def test_cluster_searches_with_words_or_filters_keep_general_community_listings(
    extra: dict[str, str], referrer: FlaskClient, directory: Directory
) -> None:
    plain = result_ids(get_ok(referrer, "/referrer/search?" + urlencode(extra)))
    assert set(plain) & directory.general, "the words or filters should match some general listing"
    for cluster in clusters():
        ids = result_ids(get_ok(referrer, "/referrer/search?" + urlencode({**extra, "cluster": cluster.code})))
        assert sorted(ids) == sorted(plain), (extra, cluster.code)
        assert set(ids) & directory.general, (extra, cluster.code)
        assert_ranked(ids, directory, {cluster.code}, (extra, cluster.code))
    if extra == {"category": "community-groups"}:
        assert set(plain) == directory.community


def test_several_clusters_rank_by_the_best_focus_on_any_of_them(
    referrer: FlaskClient, directory: Directory
) -> None:
    for chosen in ({14, 19}, {1, 16}, {3, 4, 5}, {0, 21}):
        query = urlencode([("cluster", code) for code in sorted(chosen)])
        ids = result_ids(get_ok(referrer, "/referrer/search?" + query))
        assert sorted(ids) == sorted(directory.public), chosen
        assert_ranked(ids, directory, chosen, chosen)
        assert directory.tiers(ids, chosen).count(0) == len(
            [i for i in directory.public if directory.tier(i, chosen) == 0])


def test_pages_continue_the_ranking(demo_app: Flask) -> None:
    """With the normal page size, page after page gives the same order as one long page."""
    prepare_accounts(demo_app)
    directory = Directory(demo_app)
    client = new_client(demo_app)
    sign_in(client, REFERRER)
    per_page = demo_app.config["RESULTS_PER_PAGE"]
    assert len(directory.public) > 2 * per_page
    pages = -(-len(directory.public) // per_page)
    for code in (14, 19, 3):
        ids: list[int] = []
        for page in range(1, pages + 1):
            found = result_ids(get_ok(client, f"/referrer/search?cluster={code}&page={page}"))
            assert 0 < len(found) <= per_page, (code, page)
            ids += found
        assert len(ids) == len(set(ids)) == len(directory.public), code
        assert_ranked(ids, directory, {code}, code)
        # A page past the last shows the last again, rather than nothing (issue 24).
        past = result_ids(get_ok(client, f"/referrer/search?cluster={code}&page={pages + 1}"))
        assert past == found


def test_a_postcode_keeps_the_cluster_ranking(referrer: FlaskClient, directory: Directory) -> None:
    """Near a postcode, the tiers still come first (principle 3): a nearby general service must not push
    a service focused on the chosen cluster down the list."""
    for code in (14, 19, 3):
        ids = result_ids(get_ok(referrer, f"/referrer/search?cluster={code}&postcode=BA1+1AA"))
        assert sorted(ids) == sorted(directory.public), code
        assert_ranked(ids, directory, {code}, ("postcode BA1 1AA", code))


# --- 3: tags, reasons, super-classes and bad values -------------------------------------------------------


def expected_tag_text(code: int) -> str:
    cluster = next(c for c in clusters() if c.code == code)
    return html.escape(f"{cluster.code} {cluster.name} ({cluster.super_class_name.lower()})")


def test_each_result_shows_its_clusters_and_why_it_matched(referrer: FlaskClient, directory: Directory) -> None:
    for cluster in clusters():
        page = get_ok(referrer, f"/referrer/search?cluster={cluster.code}")
        blocks = result_blocks(page)
        assert list(blocks) == result_ids(page)
        for service_id, block in blocks.items():
            tier = TIER_NAMES[directory.tier(service_id, {cluster.code})]
            assert REASON_LABELS[tier] in block, (cluster.code, service_id, tier)
            assert [label for label in REASON_LABELS.values() if label in block] == [REASON_LABELS[tier]]
            focus = directory.focus[service_id]
            main = [code for code, f in sorted(focus.items()) if f == ClusterFocus.MAIN]
            also = [code for code, f in sorted(focus.items()) if f == ClusterFocus.ALSO]
            if main:
                assert "<strong>Main focus:</strong> " + "; ".join(map(expected_tag_text, main)) in block
            else:
                assert "Main focus:" not in block
            if also:
                assert "<strong>Also serves:</strong> " + "; ".join(map(expected_tag_text, also)) in block
            else:
                assert "Also serves:" not in block
            assert ("Open to people in any cluster" in block) == (service_id in directory.all_clusters)
            assert ("No clusters given" in block) == (service_id in directory.general)


def test_the_cluster_choices_are_named_from_the_data_with_their_super_classes(referrer: FlaskClient) -> None:
    page = get_ok(referrer, "/referrer/search?cluster=14")
    for cluster in clusters():
        assert f'value="{cluster.code}"' in page
        assert html.escape(f"{cluster.code}: {cluster.name}") in page
        assert html.escape(cluster.super_class_name) in page
    assert re.search(r'id="f-cluster-14"[^>]*checked', page)
    assert not re.search(r'id="f-cluster-15"[^>]*checked', page)


@pytest.mark.parametrize("superclass", sorted(cluster_super_classes()))
def test_a_super_class_is_the_same_as_all_of_its_clusters(superclass: str, referrer: FlaskClient) -> None:
    codes = [c.code for c in cluster_super_classes()[superclass]]
    by_group = get_ok(referrer, f"/referrer/search?superclass={superclass}")
    by_codes = get_ok(referrer, "/referrer/search?" + urlencode([("cluster", code) for code in codes]))
    assert result_ids(by_group) == result_ids(by_codes)
    group_blocks, code_blocks = result_blocks(by_group), result_blocks(by_codes)
    for service_id, block in group_blocks.items():
        reasons = [label for label in REASON_LABELS.values() if label in block]
        assert reasons == [label for label in REASON_LABELS.values() if label in code_blocks[service_id]]


def test_psychosis_is_clusters_10_to_17(referrer: FlaskClient, directory: Directory) -> None:
    assert [c.code for c in cluster_super_classes()["psychosis"]] == list(range(10, 18))
    ids = result_ids(get_ok(referrer, "/referrer/search?superclass=psychosis"))
    every = "&".join(f"cluster={code}" for code in range(10, 18))
    assert ids == result_ids(get_ok(referrer, "/referrer/search?" + every))
    assert_ranked(ids, directory, set(range(10, 18)), "psychosis")
    assert directory.tier(ids[0], set(range(10, 18))) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cluster=9", "Choose clusters from the list (0 to 8 and 10 to 21)"),
        ("cluster=abc", "Choose clusters from the list (0 to 8 and 10 to 21)"),
        ("cluster=-1", "Choose clusters from the list (0 to 8 and 10 to 21)"),
        ("cluster=22", "Choose clusters from the list (0 to 8 and 10 to 21)"),
        ("cluster=99999999999999999999", "Choose clusters from the list (0 to 8 and 10 to 21)"),
        ("cluster=%C2%B2", "Choose clusters from the list (0 to 8 and 10 to 21)"),  # "²" is a digit to isdigit()
        ("superclass=nope", "Choose a group of clusters from the list"),
        ("superclass=%3Cscript%3E", "Choose a group of clusters from the list"),
    ],
)
def test_bad_cluster_values_get_a_plain_message(
    query: str, message: str, referrer: FlaskClient, directory: Directory
) -> None:
    response = referrer.get(f"/referrer/search?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.escape(message) in page
    assert 'role="alert"' in page
    assert "Traceback" not in page and "<script>" not in page
    # The bad value is left out; the search still runs.
    assert sorted(result_ids(page)) == sorted(directory.public)
    # A good choice next to a bad one still ranks.
    mixed = get_ok(referrer, f"/referrer/search?{query}&cluster=14")
    assert html.escape(message) in mixed
    assert_ranked(result_ids(mixed), directory, {14}, query)


@pytest.mark.parametrize("query", ["cluster=9", "superclass=nope"])
def test_each_cluster_error_links_to_something_on_the_page(query: str, referrer: FlaskClient) -> None:
    page = get_ok(referrer, f"/referrer/search?{query}")
    summary = page.split("nhsuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets
    for target in targets:
        assert f'id="{target}"' in page, (query, target)


# --- 4: private pages, robots and the sitemap -------------------------------------------------------------


def test_referrer_pages_are_private_and_not_indexed(referrer: FlaskClient, directory: Directory) -> None:
    listing_id = min(directory.public)
    for url in ("/referrer/search", "/referrer/search?cluster=14&q=crisis", f"/referrer/services/{listing_id}",
                "/referrer/services/999999"):
        response = referrer.get(url)
        assert response.status_code in (200, 404), url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "noindex" in response.headers["X-Robots-Tag"], url


def test_robots_txt_keeps_crawlers_out_of_the_referrer_area(demo_client: FlaskClient) -> None:
    response = demo_client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert lines.index("Disallow: /referrer/") > lines.index("User-agent: *")


def test_the_sitemap_lists_public_pages_and_no_referrer_page(
    demo_client: FlaskClient, shared_demo_app: Flask
) -> None:
    response = demo_client.get("/sitemap.xml")
    assert response.status_code == 200
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text or "" for loc in ET.fromstring(response.data).iter(f"{namespace}loc")]
    assert not [url for url in locations if "/referrer/" in url or "cluster" in url.lower()]
    paths = {urlsplit(url).path for url in locations}
    assert paths == {"/"} | {f"/services/{i}" for i in Directory(shared_demo_app).public}


# --- 5: the referrer sees exactly the public listing, plus a cluster block --------------------------------


class TextBlocks:
    """The text of a page's <main>, one entry per run of text, in order."""

    def __init__(self, page: str) -> None:
        match = MAIN.search(page)
        assert match, "no <main> on the page"
        text = re.sub(r"<[^>]+>", "\n", match.group(1))
        self.blocks = [html.unescape(" ".join(run.split())) for run in text.split("\n")]
        self.blocks = [block for block in self.blocks if block]


CLUSTER_BLOCK = re.compile(
    r'<h2 class="nhsuk-heading-s">Care clusters.*?</h2>\s*<div class="wa-referrer-tags">.*?</div>', re.S
)


def test_the_referrer_listing_is_the_public_listing_plus_its_clusters(
    referrer_app: Flask, referrer: FlaskClient, directory: Directory
) -> None:
    public = new_client(referrer_app)
    for service_id in sorted(directory.public):
        public_page = get_ok(public, f"/services/{service_id}")
        referrer_page = get_ok(referrer, f"/referrer/services/{service_id}")
        blocks = CLUSTER_BLOCK.findall(referrer_page)
        assert len(blocks) == 1, service_id
        cluster_block = blocks[0]
        # Take the cluster block out and what is left is, text for text, the public page.
        assert TextBlocks(referrer_page.replace(cluster_block, "")).blocks == TextBlocks(public_page).blocks
        # The block shows this listing's clusters from the database, and no reason (there was no search).
        focus = directory.focus[service_id]
        for code, kind in focus.items():
            label = "Main focus:" if kind == ClusterFocus.MAIN else "Also serves:"
            paragraph = cluster_block.split(f"<strong>{label}</strong>", 1)[1].split("</p>", 1)[0]
            assert expected_tag_text(code) in paragraph, (service_id, code)
        assert not [label for label in REASON_LABELS.values() if label in cluster_block]
        assert ("Open to people in any cluster" in cluster_block) == (service_id in directory.all_clusters)
        assert ("No clusters given" in cluster_block) == (service_id in directory.general)
        assert not cluster_words_in(public_page), service_id


def test_the_referrer_listing_of_a_hidden_or_unknown_listing_is_not_found(referrer: FlaskClient) -> None:
    assert referrer.get("/referrer/services/999999").status_code == 404
    assert referrer.get("/referrer/services/abc").status_code == 404


def test_the_search_pages_work_on_an_empty_directory(app: Flask) -> None:
    """A new directory has no listings yet; searching it again and again still answers."""
    with app.app_context():
        from app.accounts.operations import create_user

        create_user("first.referrer@nhs.net", PASSWORD, role="referrer")
        db.session.commit()
    client = new_client(app)
    sign_in(client, "first.referrer@nhs.net")
    for url in ("/referrer/search?cluster=14", "/referrer/search?cluster=14", "/search?q=debt", "/search"):
        page = get_ok(client, url)
        assert "0 results" in page, url
