"""Area and age filters against an independent oracle (``tests/oracle.py``): plain SQL over the listing,
organisation, area and age columns, with the design's rules written out, never the app's own helpers.

Each test runs the real search over the demo directory (its index built as ``.ci/serve`` builds it), plus
listings added here: for each age asked about, one whose lowest age is that age, one whose highest age is it
(both must be found) and one bound beyond on each side (both must not), and listings that match every area
and age but must stay hidden (a draft, an archived organisation's, one not confirmed within the freshness
limit, one never confirmed, a past event).
"""

from datetime import timedelta

from flask import Flask

from app.directory.listing_data import ListingData
from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus
from app.directory.operations import mark_for_reindex, publish_directly
from app.extensions import db
from tests.oracle import Filters, Row, area_kinds, expected_ids, utc_today, visible_rows
from tests.search_helpers import all_ids, status_count

AGES = (0, 15, 16, 17, 18, 24, 25, 64, 65, 100)
GROUP = "Boundary Test Group"
CLOSED_GROUP = "Boundary Closed Group"


def listing(name: str, **fields: object) -> ListingData:
    values: dict[str, object] = {"organisation": GROUP, "summary": "A listing added by the filter tests",
                                 "categories": ["wellbeing"], "cost": "free", "referral": ["self"],
                                 "access": ["phone"], "areas": ["national"], "assured_at": utc_today()}
    return ListingData(name=name, **(values | fields))  # type: ignore[arg-type]


def add_boundary_listings(app: Flask) -> dict[str, int]:
    """The listings described above, by name; published through the app, so indexed as any listing is."""
    today = utc_today()
    wanted = {}
    for age in AGES:
        wanted[f"lowest {age}"] = listing(f"Boundary lowest age {age}", min_age=age)
        wanted[f"highest {age}"] = listing(f"Boundary highest age {age}", max_age=age)
        wanted[f"above {age}"] = listing(f"Boundary above age {age}", min_age=age + 1)
        if age > 0:
            wanted[f"below {age}"] = listing(f"Boundary below age {age}", max_age=age - 1)
    hidden = {
        "stale": listing("Boundary confirmed long ago", assured_at=today - timedelta(days=400)),
        "unconfirmed": listing("Boundary never confirmed", assured_at=None),
        "past event": listing("Boundary past event", kind="event", event_date=today - timedelta(days=1)),
        "draft": listing("Boundary draft"),
        "closed": listing("Boundary closed organisation", organisation=CLOSED_GROUP),
    }
    shown = {"event today": listing("Boundary event today", kind="event", event_date=today),
             "future event": listing("Boundary future event", kind="event", event_date=today + timedelta(days=9))}
    with app.app_context():
        services = {key: publish_directly(data, source="test")[0]
                    for key, data in (wanted | hidden | shown).items()}
        services["draft"].status = ServiceStatus.DRAFT
        closed = db.session.query(Organisation).filter_by(name=CLOSED_GROUP).one()
        closed.status = OrganisationStatus.ARCHIVED
        for service in (services["draft"], services["closed"]):
            mark_for_reindex(db.session, service.id)
        db.session.commit()
        ids = {key: service.id for key, service in services.items()}
        assert db.session.get(Service, ids["draft"]).status == ServiceStatus.DRAFT
        db.session.remove()
    return ids


HIDDEN = ("stale", "unconfirmed", "past event", "draft", "closed")


def test_the_oracle_hides_what_the_design_hides(demo_app: Flask) -> None:
    """The oracle itself, on listings whose visibility is known by construction."""
    ids = add_boundary_listings(demo_app)
    visible = visible_rows(demo_app)
    assert not {ids[key] for key in HIDDEN} & set(visible)
    assert {ids["event today"], ids["future event"], ids["lowest 0"]} <= set(visible)


def test_area_filter_matches_the_oracle_for_every_area(demo_app: Flask) -> None:
    add_boundary_listings(demo_app)
    rows = visible_rows(demo_app).values()
    client = demo_app.test_client()
    kinds = area_kinds()
    problems = []
    for slug, kind in kinds.items():
        expected = expected_ids(rows, Filters(area=(slug,)))
        tagged = {row.id for row in rows if slug in row.lists["areas"]}
        # The oracle must exercise this kind of area's rule, or agreement would prove little.
        assert tagged and tagged <= expected and {row.id for row in rows} - expected, slug
        if slug != "national":
            assert expected - tagged, f"{slug}: no listing matches it through a wider area"
        if kind == "local":
            assert expected & {row.id for row in rows if row.lists["areas"] == {"bnes-wide"}}, slug
        if slug == "bnes-wide":
            assert expected & {row.id for row in rows if row.lists["areas"] == {"bath"}}
        found = all_ids(demo_app, area=slug)
        if len(found) != len(set(found)):
            problems.append(f"{slug}: a listing is returned twice")
        if set(found) != expected:
            problems.append(f"{slug}: missing {sorted(expected - set(found))}, extra {sorted(set(found) - expected)}")
        response = client.get("/search", query_string={"area": slug})
        shown = status_count(response.get_data(as_text=True))
        if shown != len(expected):
            problems.append(f"/search?area={slug} says {shown} results, the oracle {len(expected)}")
    assert problems == [], "\n".join(problems)


def test_age_filter_includes_both_ends_of_each_range(demo_app: Flask) -> None:
    ids = add_boundary_listings(demo_app)
    rows = visible_rows(demo_app).values()
    client = demo_app.test_client()
    problems = []
    for age in AGES:
        expected = expected_ids(rows, Filters(age=age))
        inside = {ids[f"lowest {age}"], ids[f"highest {age}"]}
        outside = {ids[f"above {age}"]} | ({ids[f"below {age}"]} if age > 0 else set())
        assert inside <= expected and not outside & expected, f"the oracle is wrong about age {age}"
        found = set(all_ids(demo_app, age=age))
        if found != expected:
            problems.append(f"age {age}: missing {sorted(expected - found)}, extra {sorted(found - expected)}")
        if missed := inside - found:
            problems.append(f"age {age}: a listing whose range ends at {age} is left out: {sorted(missed)}")
        shown = status_count(client.get("/search", query_string={"age": age}).get_data(as_text=True))
        if shown != len(expected):
            problems.append(f"/search?age={age} says {shown} results, the oracle {len(expected)}")
        api = client.get("/api/services", query_string={"minimum_age": age, "maximum_age": age})
        if api.status_code != 200 or api.get_json()["total_items"] != len(expected):
            problems.append(f"/api/services for age {age}: {api.status_code} "
                            f"{api.get_json().get('total_items')}, the oracle {len(expected)}")
    assert problems == [], "\n".join(problems)


# The API's taxonomies, as /api/taxonomy_terms names them → what each term is in the listing's columns.
API_TAXONOMIES = ("categories", "audiences", "cost", "referral", "access", "accessibility", "kinds")


def carries(row: Row, taxonomy: str, slug: str) -> bool:
    if taxonomy == "kinds":
        return row.kind == slug
    if taxonomy == "cost":
        return row.cost == slug
    return slug in row.lists[taxonomy]


def test_api_taxonomy_term_filters_match_the_oracle(demo_app: Flask) -> None:
    """/api/services?taxonomy_term_id=… for every term the API publishes, kinds of listing included."""
    add_boundary_listings(demo_app)
    rows = visible_rows(demo_app).values()
    client = demo_app.test_client()
    terms = client.get("/api/taxonomy_terms", query_string={"per_page": 100}).get_json()
    assert terms["total_items"] <= 100
    published = {term["taxonomy"] for term in terms["contents"]}
    assert published == set(API_TAXONOMIES), "the API publishes other taxonomies than this test knows"
    problems = []
    for term in terms["contents"]:
        expected = sum(carries(row, term["taxonomy"], term["code"]) for row in rows)
        found = client.get("/api/services", query_string={"taxonomy_term_id": term["id"], "per_page": 1})
        if found.status_code != 200 or found.get_json()["total_items"] != expected:
            problems.append(f"{term['taxonomy']} {term['code']}: {found.status_code} "
                            f"{found.get_json().get('total_items')}, the oracle {expected}")
    events = [term for term in terms["contents"] if term["taxonomy"] == "kinds" and term["code"] == "event"]
    assert events and sum(carries(row, "kinds", "event") for row in rows) >= 2
    assert problems == [], "\n".join(problems)
