"""`flask --app wsgi demo load`: a realistic directory that covers every taxonomy.

Loading again adds what is missing and leaves what is there (issue 24): people's changes and the demo
accounts' passwords survive `.ci/serve` starting again; `demo load --reset` starts the demo again.
"""

import dataclasses
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import func, select

from app.accounts.models import ReferrerStatus, TrustedDomain, User
from app.accounts.passwords import verify_password
from app.demo import TRUSTED_DOMAINS
from app.directory.listing_data import ListingData
from app.directory.models import (
    ClusterFocus,
    Organisation,
    Revision,
    RevisionStatus,
    Service,
    ServiceCluster,
    ServiceStatus,
)
from app.directory.operations import archive
from app.directory.revisions import approve, confirm_still_correct, propose
from app.directory.visibility import is_public
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.taxonomies import LIST_TAXONOMIES, cluster_codes, taxonomy

MODELS = (Organisation, Service, ServiceCluster, Revision, Hub, HubSection, User, TrustedDomain)
ADMIN, REFERRER, EDITOR = "admin@wellaware.example", "referrer@nhs.example", "editor1@wellaware.example"
UNCHANGED = "unchanged — use `demo load --reset`"


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def load(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    return result.output


def printed_passwords(output: str) -> dict[str, str]:
    """The accounts the command printed with a password: "  email  password" lines."""
    return dict(words for line in output.splitlines() if len(words := line.split()) == 2 and "@" in words[0])


def printed_accounts(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.startswith("  ") and "@" in line]


def user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None, email
    return found


def listing(external_id: str) -> Service:
    found = db.session.scalar(select(Service).where(Service.external_id == external_id))
    assert found is not None, external_id
    return found


def demo_state(app: Flask) -> dict[str, object]:
    """Everything the demo loads, as plain values: two loads that leave the same state compare equal."""
    with app.app_context():
        listings = {
            s.external_id: (s.status, ListingData.from_service(s).to_json(),
                            [r.status for r in s.revisions if r.status == RevisionStatus.PENDING])
            for s in db.session.scalars(select(Service).where(Service.external_id.like("demo-%")))
        }
        organisations = {
            o.name: (o.description, o.website, o.phone, o.email, o.charity_number, o.status, o.trusted)
            for o in db.session.scalars(select(Organisation))
        }
        hubs = {
            h.slug: (h.name, h.description, h.areas, [
                (s.position, s.title, s.intro, s.categories, s.audiences, sorted(p.external_id for p in s.picks))
                for s in h.sections])
            for h in db.session.scalars(select(Hub))
        }
        accounts = {
            u.email: (u.name, u.is_admin, u.referrer_status, u.active, u.email_verified_at is not None,
                      sorted(o.name for o in u.organisations))
            for u in db.session.scalars(select(User))
        }
        domains = sorted(db.session.scalars(select(TrustedDomain.domain)))
        return {"listings": listings, "organisations": organisations, "hubs": hubs, "accounts": accounts,
                "domains": domains}


def change_the_demo(app: Flask) -> list[str]:
    """What editors and administrators do to a demo: edit, propose, confirm, archive, rename, remove, suspend.
    Returns the demo listings changed."""
    with app.app_context():
        admin, editor = user(ADMIN), user(EDITOR)
        organisation = editor.organisations[0]
        edited, proposed, confirmed = organisation.services[:3]
        _, revision = propose(organisation, dataclasses.replace(ListingData.from_service(edited),
                                                                summary="Edited by its editor."), editor, edited)
        approve(revision, admin)
        propose(organisation, dataclasses.replace(ListingData.from_service(proposed), summary="Waiting."), editor,
                proposed)
        confirm_still_correct(confirmed)
        archived = listing("demo-002")
        archive(archived)
        organisation.description = "Described by an administrator."
        organisation.trusted = True
        hub = db.session.scalars(select(Hub).order_by(Hub.slug)).first()
        assert hub is not None
        hub.name = "Renamed by an administrator"
        hub.sections.pop()
        referrer = user(REFERRER)
        referrer.name, referrer.active = "Renamed referrer", False
        admin.organisations.append(organisation)
        db.session.delete(db.session.scalar(select(TrustedDomain).where(TrustedDomain.domain == TRUSTED_DOMAINS[0])))
        db.session.commit()
        return [s.external_id for s in (edited, proposed, confirmed, archived)]


# --- loading --------------------------------------------------------------------------------------------------------


def test_the_first_load_prints_each_demo_account_with_a_password_that_works(app: Flask) -> None:
    output = load(app)
    accounts = printed_passwords(output)
    assert len(accounts) >= 3
    assert UNCHANGED not in output
    with app.app_context():
        for email, password in accounts.items():
            assert verify_password(user(email).password_hash, password)
        roles = [user(email) for email in accounts]
        assert any(u.is_admin for u in roles)
        assert any(u.is_referrer for u in roles)
        assert any(u.organisations for u in roles)
        assert sorted(db.session.scalars(select(TrustedDomain.domain))) == sorted(TRUSTED_DOMAINS)


def test_loading_twice_leaves_the_same_rows(demo_app: Flask) -> None:
    before = row_counts(demo_app)
    output = load(demo_app)
    assert "0 created, 0 updated" in output
    assert row_counts(demo_app) == before


def test_loading_again_keeps_every_password_and_says_how_to_set_a_new_one(demo_app: Flask) -> None:
    with demo_app.app_context():
        before = {u.email: (u.password_hash, u.session_generation) for u in db.session.scalars(select(User))}
    output = load(demo_app)
    assert printed_passwords(output) == {}
    assert sorted(printed_accounts(output)) == sorted(before)
    assert all(UNCHANGED in line for line in output.splitlines() if line.startswith("  ") and "@" in line)
    with demo_app.app_context():
        assert {u.email: (u.password_hash, u.session_generation) for u in db.session.scalars(select(User))} == before


def test_loading_again_on_a_later_day_keeps_what_people_changed(demo_app: Flask) -> None:
    touched = change_the_demo(demo_app)
    changed = demo_state(demo_app)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=40), tick=False):
        output = load(demo_app)
    after = demo_state(demo_app)
    assert "0 created" in output
    for part in ("organisations", "hubs", "accounts", "domains"):
        assert after[part] == changed[part], part
    for external_id in touched:
        assert after["listings"][external_id] == changed["listings"][external_id], external_id


def test_loading_on_a_later_day_moves_the_dates_of_listings_nobody_changed(demo_app: Flask) -> None:
    """The demo stays current (confirmed recently, events to come) while nobody has touched a listing."""
    with demo_app.app_context():
        assured = {s.external_id: s.assured_at for s in db.session.scalars(select(Service))}
        public = {s.external_id for s in db.session.scalars(select(Service)) if is_public(s)}
    later = datetime.now(UTC) + timedelta(days=200)
    with time_machine.travel(later, tick=False):
        output = load(demo_app)
        with demo_app.app_context():
            services = list(db.session.scalars(select(Service)))
            assert all(s.assured_at == assured[s.external_id] + timedelta(days=200) for s in services)
            assert {s.external_id for s in services if is_public(s)} == public
    assert f"0 created, {len(services)} updated" in output


def test_loading_adds_what_is_missing(demo_app: Flask) -> None:
    """A demo row the database lacks (say, one the demo files gained since) is added; the rest stays."""
    with demo_app.app_context():
        db.session.delete(listing("demo-197"))
        db.session.delete(user("editor2@wellaware.example"))
        db.session.delete(db.session.scalars(select(Hub).order_by(Hub.slug)).first())
        db.session.commit()
    before = row_counts(demo_app)
    output = load(demo_app)
    assert "1 created" in output and "hubs: 1 created" in output
    assert list(printed_passwords(output)) == ["editor2@wellaware.example"]
    after = row_counts(demo_app)
    assert (after["Service"], after["User"], after["Hub"]) == (before["Service"] + 1, before["User"] + 1,
                                                                before["Hub"] + 1)


# --- starting again -------------------------------------------------------------------------------------------------


def test_reset_restores_the_first_state_with_new_passwords(demo_app: Flask, shared_demo_app: Flask) -> None:
    change_the_demo(demo_app)
    with demo_app.app_context():
        before = {u.email: (u.password_hash, u.session_generation) for u in db.session.scalars(select(User))}
    output = load(demo_app, "--reset")
    assert demo_state(demo_app) == demo_state(shared_demo_app)
    passwords = printed_passwords(output)
    assert sorted(passwords) == sorted(before)
    with demo_app.app_context():
        for email, password in passwords.items():
            account = user(email)
            assert verify_password(account.password_hash, password)
            assert account.password_hash != before[email][0]
            assert account.session_generation > before[email][1], "a new password ends the account's sessions"
        assert user(REFERRER).referrer_status == ReferrerStatus.APPROVED
    again = load(demo_app)
    assert printed_passwords(again) == {}
    assert demo_state(demo_app) == demo_state(shared_demo_app)


# --- what the demo holds --------------------------------------------------------------------------------------------


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
