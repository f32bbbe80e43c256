"""No public view model can carry care clusters (design §2 principle 2, §3: "give templates a view model that
lacks the field, rather than trusting templates to leave it out").

Checked from the view models themselves, not from pages (``test_public_scan.py`` scans the pages): the fields
of every dataclass a public page, the shortlist, a leaflet or the API is given, and of every dataclass those
fields hold; then the values of real public views of a demo listing that has clusters, which must not change
when its clusters do. Which view models the public pages really get is taken from what they render, so a new
one cannot be left out of the list.
"""

import dataclasses
import inspect
import json
import typing
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, template_rendered
from sqlalchemy import text

import app.directory.public_view as public_view
import app.hubs.pages as hub_pages
from app.api.params import Paging
from app.directory.models import ClusterFocus, Service, ServiceCluster
from app.directory.public_view import listing_card, public_listing
from app.extensions import db
from app.hubs.finder import Finding
from app.leaflets.views import BankGroup
from app.public.search_form import SearchRequest
from app.taxonomies import Term
from exports.leaflets.content import Leaflet, shortlist_leaflet
from exports.oruk import service_document, service_summary
from search.service import SearchResults
from tests.oracle import taxonomy_names, visible_rows
from tests.search_helpers import all_results
from tests.web import form_post

CLUSTERS_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomies" / "clusters.json"
CLUSTER_NAMES = tuple(term["name"] for term in json.loads(CLUSTERS_FILE.read_text(encoding="utf-8"))["terms"])
# What public pages, the hub pages, the shortlist and its PDF, the leaflet bank and the API are given.
ROOTS = (*(cls for module in (public_view, hub_pages) for _, cls in inspect.getmembers(module, dataclasses.is_dataclass)
           if cls.__module__ == module.__name__),
         SearchRequest, SearchResults, Term, BankGroup, Leaflet, Paging, Finding)
# Template context that Flask and the extensions add to every page, not what the view gives.
FRAMEWORK_CONTEXT = {"config", "request", "session", "g", "current_user"}


def mentions_clusters(name: str) -> bool:
    return "cluster" in name.lower()


def classes_in(hint: object) -> Iterator[type]:
    """Every class named in a type hint, through unions, tuples, lists and dicts."""
    if isinstance(hint, type):
        yield hint
    for argument in typing.get_args(hint):
        yield from classes_in(argument)


def view_models() -> set[type]:
    """The roots and every dataclass their fields can hold."""
    found: set[type] = set()
    waiting = list(ROOTS)
    while waiting:
        cls = waiting.pop()
        if cls in found:
            continue
        found.add(cls)
        for hint in typing.get_type_hints(cls).values():
            waiting.extend(c for c in classes_in(hint) if dataclasses.is_dataclass(c))
    return found


def test_no_public_view_model_has_a_cluster_field() -> None:
    models = view_models()
    assert {public_view.PublicListing, public_view.ListingCard, SearchResults} <= models
    problems = []
    for cls in sorted(models, key=lambda c: c.__qualname__):
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            where = f"{cls.__module__}.{cls.__qualname__}.{field.name}"
            if mentions_clusters(field.name):
                problems.append(f"{where} is named for clusters")
            for named in classes_in(hints[field.name]):
                if mentions_clusters(named.__name__) or issubclass(named, db.Model):
                    problems.append(f"{where} holds {named.__name__}")
    assert problems == [], "\n".join(problems)


# --- the values of real public views ---------------------------------------------------------------------


def clustered_service_id(app: Flask) -> int:
    """The public demo listing with the most care clusters, found with plain SQL."""
    with app.app_context():
        found = db.session.execute(text(
            "SELECT s.id FROM service s JOIN service_cluster c ON c.service_id = s.id "
            "WHERE s.status = 'published' GROUP BY s.id ORDER BY COUNT(*) DESC, s.id LIMIT 1")).scalar()
        db.session.remove()
    assert found is not None, "the demo needs listings with care clusters"
    return int(found)


def leaves(value: object) -> Iterator[object]:
    """Every plain value inside a view: through dataclasses, sequences and mappings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from leaves(getattr(value, field.name))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(key)
            yield from leaves(item)
    else:
        yield value


def cluster_text_in(view: object) -> list[str]:
    texts = [str(leaf) for leaf in leaves(view) if isinstance(leaf, str)]
    return [t for t in texts if mentions_clusters(t) or any(name in t for name in CLUSTER_NAMES)]


def public_views(service: Service, site_url: str) -> dict[str, object]:
    listing = public_listing(service)
    return {"listing": listing, "card": listing_card(listing), "leaflet": shortlist_leaflet([listing], {}, site_url),
            "oruk service": service_document(service), "oruk summary": service_summary(service)}


def test_public_views_of_a_listing_do_not_change_with_its_clusters(demo_app: Flask) -> None:
    """Give the listing other clusters (every code, as main focus, and the opposite "all clusters"): if any
    cluster number or name reached a public view, that view would change."""
    service_id = clustered_service_id(demo_app)
    codes = [term["code"] for term in json.loads(CLUSTERS_FILE.read_text(encoding="utf-8"))["terms"]]
    with demo_app.app_context():
        service = db.session.get(Service, service_id)
        assert service is not None and service.clusters
        site_url = demo_app.config["SITE_URL"]
        before = public_views(service, site_url)
        for name, view in before.items():
            assert not cluster_text_in(view), f"the {name} carries cluster words: {cluster_text_in(view)}"
        service.clusters = [ServiceCluster(cluster=code, focus=ClusterFocus.MAIN) for code in codes]
        service.all_clusters = not service.all_clusters
        after = public_views(service, site_url)
        db.session.rollback()
    for name in before:
        assert after[name] == before[name], f"the {name} changed with the listing's clusters"


def test_results_cards_from_the_index_carry_no_clusters(shared_demo_app: Flask) -> None:
    """The search page shows each result from the card stored in the index, so check those too."""
    service_id = clustered_service_id(shared_demo_app)
    results = all_results(shared_demo_app)
    assert service_id in results.ids
    assert results.tiers == {}, "a public search ranked listings by cluster"
    card = json.loads(results.cards[results.ids.index(service_id)])
    assert not [key for key in card if mentions_clusters(key)]
    assert not cluster_text_in(card)
    assert not [name for name in results.facets if mentions_clusters(name)]


CARD_FACTS = text(
    "SELECT s.id, s.name, s.summary, s.kind, s.cost, s.event_date, s.min_age, s.max_age, s.referral, "
    "o.name AS organisation "
    "FROM service s JOIN organisation o ON o.id = s.organisation_id")


def test_result_cards_show_each_listings_own_details(demo_app: Flask) -> None:
    """The cards a results page shows come from the index: each must hold its listing's own name, summary,
    organisation, kind, cost, event date, ages and self-referral, as the database has them. The index is
    rebuilt here with `search reindex`, so the cards are made while this test runs (mutation testing runs a
    mutant only against the tests that run its code)."""
    rebuilt = demo_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    visible = visible_rows(demo_app)
    results = all_results(demo_app)
    assert set(results.ids) == set(visible)
    with demo_app.app_context():
        facts = {row.id: row for row in db.session.execute(CARD_FACTS)}
        db.session.remove()
    kinds, costs = taxonomy_names("kinds"), taxonomy_names("cost")
    wrong = []
    for service_id, card_json in zip(results.ids, results.cards, strict=True):
        card, row = json.loads(card_json), facts[service_id]
        expected = {"id": row.id, "name": row.name, "summary": row.summary, "organisation_name": row.organisation,
                    "kind_name": kinds[row.kind], "cost": {"slug": row.cost, "name": costs[row.cost]},
                    "event_date": str(row.event_date) if row.event_date else None}
        shown = {key: card.get(key) for key in expected}
        if shown != expected:
            wrong.append(f"{service_id}: {shown} != {expected}")
        routes = json.loads(row.referral) if isinstance(row.referral, str) else row.referral
        if card.get("self_referral") is not ("self" in routes):
            wrong.append(f"{service_id}: self-referral {card.get('self_referral')}, routes {routes}")
        ages = card.get("ages")
        bounds = [str(bound) for bound in (row.min_age, row.max_age) if bound]
        if not isinstance(ages, str) or not ages or not all(bound in ages for bound in bounds):
            wrong.append(f"{service_id}: ages {ages!r} for the range {row.min_age}-{row.max_age}")
    assert wrong == [], "\n".join(wrong[:5])
    assert sum(1 for row in facts.values() if row.event_date and row.id in visible) >= 2, "the demo should have events"


def context_view_types(value: object, seen: set[int]) -> Iterator[type]:
    """The classes of the dataclasses and database rows inside a template's context value."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, db.Model):
        yield type(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield type(value)
        for field in dataclasses.fields(value):
            yield from context_view_types(getattr(value, field.name), seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from context_view_types(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from context_view_types(item, seen)


def test_public_pages_are_given_only_these_view_models(demo_app: Flask) -> None:
    """Every public page reachable without signing in (from the URL map) renders only view models checked
    above, and never a database row."""
    service_id = clustered_service_id(demo_app)
    client = demo_app.test_client()
    added = form_post(client, "/shortlist/add", {"service_id": service_id}, page=f"/services/{service_id}")
    assert added.status_code == 302
    given: dict[str, set[type]] = {}

    def record(sender: Flask, template: object, context: dict[str, object], **extra: object) -> None:
        seen: set[int] = set()
        for key, value in context.items():
            if key not in FRAMEWORK_CONTEXT:
                given.setdefault(str(getattr(template, "name", template)), set()).update(
                    context_view_types(value, seen))

    # The first hub and its first section fill the hub pages' addresses.
    with demo_app.app_context():
        hub, section = db.session.execute(text(
            "SELECT h.slug, s.slug FROM hub h JOIN hub_section s ON s.hub_id = h.id ORDER BY h.slug, s.position"
        )).first()
        db.session.remove()
    values = {"<int:service_id>": str(service_id), "<slug>": hub, "<section_slug>": section}
    urls = []
    for rule in demo_app.url_map.iter_rules():
        public_blueprint = rule.endpoint.split(".")[0] in {"public", "shortlist", "leaflets", "hubs"}
        if public_blueprint and "GET" in (rule.methods or ()) and rule.arguments <= {"service_id", "slug",
                                                                                      "section_slug"}:
            url = rule.rule
            for placeholder, value in values.items():
                url = url.replace(placeholder, value)
            urls.append(url)
    urls += ["/search?area=bath&category=mental-health", "/hubs/?place=BS39", "/hubs/?place=Frome",
             "/hubs/?place=nowhere"]
    with template_rendered.connected_to(record, demo_app):
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302, 400), url
            response.close()
    assert {"public/search.html", "public/listing.html", "shortlist/show.html", "hubs/index.html", "hubs/hub.html",
            "hubs/section.html"} <= set(given)
    checked = view_models()
    unchecked = {template: sorted(t.__name__ for t in types - checked) for template, types in given.items()
                 if types - checked}
    assert unchecked == {}, "public templates get view models the cluster check does not know"
