"""`flask --app wsgi demo load`: a realistic directory that covers every taxonomy, loaded idempotently."""

from flask import Flask
from sqlalchemy import func, select

from app.accounts.models import User
from app.directory.models import ClusterFocus, Organisation, Revision, Service, ServiceCluster, ServiceStatus
from app.directory.visibility import is_public
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.taxonomies import LIST_TAXONOMIES, cluster_codes, taxonomy

MODELS = (Organisation, Service, ServiceCluster, Revision, Hub, HubSection, User)


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_loading_twice_leaves_the_same_rows(demo_app: Flask) -> None:
    before = row_counts(demo_app)
    result = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated" in result.output
    assert row_counts(demo_app) == before


def test_load_prints_each_demo_account_with_a_password_that_works(demo_app: Flask) -> None:
    from app.accounts.passwords import verify_password

    result = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    accounts = [line.split() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(accounts) >= 3
    with demo_app.app_context():
        for email, password in accounts:
            user = db.session.scalar(select(User).where(User.email == email))
            assert verify_password(user.password_hash, password)
        roles = {email: db.session.scalar(select(User).where(User.email == email)) for email, _ in accounts}
        assert any(u.is_admin for u in roles.values())
        assert any(u.is_referrer for u in roles.values())
        assert any(u.organisations for u in roles.values())


def test_demo_has_150_published_listings_covering_every_slug(shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        services = [s for s in db.session.scalars(select(Service)) if is_public(s)]
        assert len(services) >= 150
        assert all(s.status == ServiceStatus.PUBLISHED for s in services)
        for name in LIST_TAXONOMIES:
            used = {slug for s in services for slug in getattr(s, name)}
            assert used == set(taxonomy(name).slugs), f"{name} misses {set(taxonomy(name).slugs) - used}"
        assert {s.cost for s in services} == set(taxonomy("cost").slugs)
        assert {s.kind for s in services} == set(taxonomy("kinds").slugs)
        clusters = {link.cluster for s in services for link in s.clusters}
        assert clusters == set(cluster_codes())
        assert {link.focus for s in services for link in s.clusters} == set(ClusterFocus)
        assert any(s.all_clusters for s in services)
        assert any(s.event_date for s in services)
        assert any(t.frequency == "monthly" for s in services for t in s.opening_times)
        assert any(t.frequency == "always" for s in services for t in s.opening_times)


def test_demo_hubs_have_ordered_sections(shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        hubs = db.session.scalars(select(Hub).order_by(Hub.slug)).all()
        assert len(hubs) == 3
        for hub in hubs:
            assert hub.areas
            assert [s.position for s in hub.sections] == list(range(len(hub.sections)))
            assert hub.sections[0].title == "Urgent help"


def test_demo_text_never_mentions_clusters(shared_demo_app: Flask) -> None:
    """Public text must not carry cluster words; clusters live only in their own table."""
    with shared_demo_app.app_context():
        for service in db.session.scalars(select(Service)):
            text = " ".join([service.name, service.summary, service.description]).lower()
            assert "cluster" not in text, service.name
