"""Keeping the search index in step with the database (issue 3, items 14 to 16).

A running web worker keeps one long-lived searcher; changes made through ``app.directory.operations`` must
reach it without a restart. ``search check`` compares the index with the database and ``search reindex``
repairs it. Everything here runs on a real SQLite database and a real Whoosh index.
"""

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, text
from whoosh import index as whoosh_index
from whoosh.query import Every, Term

from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, Service, ServiceStatus
from app.directory.operations import archive, publish_directly
from app.extensions import db
from app.timeutil import today
from search.documents import document
from search.sync import search_index
from tests.search_helpers import all_ids, another_process, listed_ids, public_ids, status_count


def listing(name: str, summary: str, **overrides: object) -> ListingData:
    values: dict[str, object] = {
        "organisation": "Sync Test Trust",
        "name": name,
        "summary": summary,
        "description": f"{summary}. Drop in, no appointment needed.",
        "categories": ["wellbeing", "community-groups"],
        "areas": ["bath"],
        "cost": "free",
        "referral": ["self"],
        "access": ["in-person"],
        "locations": [LocationData("Guildhall, High Street, Bath", "BA1 5AW")],
        "opening_hours": "Tue 10:00-12:00",
        "assured_at": today(),
    }
    values.update(overrides)
    return ListingData(**values)  # type: ignore[arg-type]


def publish(app: Flask, data: ListingData, service_id: int | None = None) -> int:
    with app.app_context():
        service = db.session.get(Service, service_id) if service_id is not None else None
        service, changed = publish_directly(data, service=service, source="test")
        assert changed
        db.session.commit()
        return service.id


def found(app: Flask, word: str) -> list[int]:
    """What this app object's search returns for ``word``."""
    return all_ids(app, q=word)


def shown(app: Flask, word: str) -> tuple[int, list[int]]:
    """The count and the listings the public page shows for ``word``."""
    page = app.test_client().get("/search", query_string={"q": word})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    return status_count(body), listed_ids(body)


def warm_up(app: Flask) -> None:
    """Search once, as a running worker has, so the long-lived searcher is open before any change."""
    assert all_ids(app, q="housing")


# --- 14: publishing, editing and archiving reach search without a restart -------------------------------


def test_a_published_listing_is_found_at_once(demo_app: Flask) -> None:
    warm_up(demo_app)
    before = set(all_ids(demo_app))
    assert found(demo_app, "zorblatt") == []
    new_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning for anyone in Bath"))
    assert found(demo_app, "zorblatt") == [new_id]
    assert shown(demo_app, "zorblatt") == (1, [new_id])
    assert set(all_ids(demo_app)) == before | {new_id}
    assert demo_app.test_client().get(f"/services/{new_id}").status_code == 200


def test_an_edited_listing_is_found_by_its_new_words_only(demo_app: Flask) -> None:
    warm_up(demo_app)
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning for anyone in Bath"))
    assert found(demo_app, "zorblatt") == [service_id]
    publish(demo_app, listing("Quixotron Wellbeing Drop-in", "A quixotron morning for anyone in Bath"),
            service_id=service_id)
    with demo_app.app_context():
        assert db.session.get(Service, service_id).name == "Quixotron Wellbeing Drop-in"
    # A newly started worker sees the edit ...
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="quixotron") == [service_id]
        assert all_ids(fresh, q="zorblatt") == []
    # ... and so must the worker that was already running.
    assert found(demo_app, "quixotron") == [service_id]
    assert found(demo_app, "zorblatt") == [], "the running app still finds the listing by its old words"
    assert shown(demo_app, "zorblatt") == (0, [])
    assert shown(demo_app, "quixotron") == (1, [service_id])
    # The result card comes from the index, and shows the listing as it is now.
    page = demo_app.test_client().get("/search", query_string={"q": "wellbeing drop-in anyone bath"})
    assert "Quixotron Wellbeing Drop-in" in page.get_data(as_text=True)
    assert "A quixotron morning for anyone in Bath" in page.get_data(as_text=True)
    assert "orblatt" not in page.get_data(as_text=True)
    everything = all_ids(demo_app)
    assert len(everything) == len(set(everything)), "a listing is returned twice"


def test_an_edit_that_changes_a_filter_field_moves_the_listing_between_filters(demo_app: Flask) -> None:
    warm_up(demo_app)
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning", cost="free"))
    assert service_id in all_ids(demo_app, q="zorblatt", cost="free")
    publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning", cost="charged"),
            service_id=service_id)
    assert all_ids(demo_app, q="zorblatt", cost="charged") == [service_id]
    assert all_ids(demo_app, q="zorblatt", cost="free") == [], "the running app still files it under free"


def test_an_archived_listing_leaves_search_at_once(demo_app: Flask) -> None:
    warm_up(demo_app)
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning for anyone in Bath"))
    before = set(all_ids(demo_app))
    assert found(demo_app, "zorblatt") == [service_id]
    with demo_app.app_context():
        archive(db.session.get(Service, service_id))
        db.session.commit()
        assert db.session.get(Service, service_id).status == ServiceStatus.ARCHIVED
    assert demo_app.test_client().get(f"/services/{service_id}").status_code == 404
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="zorblatt") == []
    assert found(demo_app, "zorblatt") == [], "the running app still finds the archived listing"
    assert shown(demo_app, "zorblatt") == (0, [])
    assert set(all_ids(demo_app)) == before - {service_id} == public_ids(demo_app)


def test_publish_edit_archive_in_a_fresh_app_without_earlier_searches(demo_app: Flask) -> None:
    """The same life cycle, searching only after each change (no searcher open across a write)."""
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"))
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="zorblatt") == [service_id]
    publish(demo_app, listing("Quixotron Wellbeing Drop-in", "A quixotron morning"), service_id=service_id)
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="zorblatt") == []
        assert all_ids(fresh, q="quixotron") == [service_id]
    with demo_app.app_context():
        archive(db.session.get(Service, service_id))
        db.session.commit()
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="quixotron") == []
        assert set(all_ids(fresh)) == public_ids(fresh)


def test_a_rolled_back_change_leaves_the_index_alone(demo_app: Flask) -> None:
    warm_up(demo_app)
    with demo_app.app_context():
        publish_directly(listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"), source="test")
        db.session.rollback()
    assert found(demo_app, "zorblatt") == []
    assert check(demo_app).exit_code == 0


# --- 15: `search check` and `search reindex` ----------------------------------------------------------------


def check(app: Flask):
    """`flask --app wsgi search check`, run as its own process would run it: a new app over the same files."""
    with another_process(app) as command_app:
        return command_app.test_cli_runner().invoke(args=["search", "check"])


def reindex(app: Flask):
    with another_process(app) as command_app:
        result = command_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    return result


def published_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Service.id).where(Service.status == ServiceStatus.PUBLISHED)
                                       .order_by(Service.id)))


def test_check_passes_after_the_demo_load(demo_app: Flask) -> None:
    result = check(demo_app)
    assert result.exit_code == 0, result.output
    assert "matches the database" in result.output


def test_check_passes_after_changes_made_through_the_operations(demo_app: Flask) -> None:
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"))
    publish(demo_app, listing("Quixotron Wellbeing Drop-in", "A quixotron morning"), service_id=service_id)
    with demo_app.app_context():
        archive(db.session.get(Service, published_ids(demo_app)[0]))
        db.session.commit()
    result = check(demo_app)
    assert result.exit_code == 0, result.output


def test_check_reports_a_listing_changed_behind_the_index(demo_app: Flask) -> None:
    target = published_ids(demo_app)[3]
    with demo_app.app_context():
        db.session.execute(text("UPDATE service SET name = :name WHERE id = :id"),
                           {"name": "Renamed behind the index's back", "id": target})
        db.session.commit()
    result = check(demo_app)
    assert result.exit_code == 1
    assert f"1 listing(s) stale in the index: {target}" in result.output
    assert "missing" not in result.output and "not published" not in result.output
    reindex(demo_app)
    assert check(demo_app).exit_code == 0
    with another_process(demo_app) as fresh:
        assert target in all_ids(fresh, q="renamed behind")


def test_check_reports_a_document_missing_from_the_index(demo_app: Flask) -> None:
    target = published_ids(demo_app)[5]
    ix = whoosh_index.open_dir(demo_app.config["INDEX_DIR"])
    writer = ix.writer()
    writer.delete_by_term("id", str(target))
    writer.commit()
    result = check(demo_app)
    assert result.exit_code == 1
    assert f"1 listing(s) missing from the index: {target}" in result.output
    reindex(demo_app)
    result = check(demo_app)
    assert result.exit_code == 0, result.output


def test_check_reports_a_document_for_an_unpublished_listing(demo_app: Flask) -> None:
    with demo_app.app_context():
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        draft = Service(organisation=organisation, status=ServiceStatus.DRAFT)
        listing("Unpublished Zorblatt Draft", "A draft nobody approved").apply_to(draft)
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
        doc = document(draft)
    assert check(demo_app).exit_code == 0  # a draft has no document, and needs none
    ix = whoosh_index.open_dir(demo_app.config["INDEX_DIR"])
    writer = ix.writer()
    writer.add_document(**doc)
    writer.commit()
    result = check(demo_app)
    assert result.exit_code == 1
    assert f"1 listing(s) in the index but not published: {draft_id}" in result.output
    reindex(demo_app)
    assert check(demo_app).exit_code == 0
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="zorblatt") == []


def test_check_reports_every_kind_of_difference_at_once(demo_app: Flask) -> None:
    ids = published_ids(demo_app)
    stale, missing, unpublished = ids[1], ids[2], ids[4]
    with demo_app.app_context():
        db.session.execute(text("UPDATE service SET summary = 'changed' WHERE id = :id"), {"id": stale})
        db.session.execute(text("UPDATE service SET status = 'draft' WHERE id = :id"), {"id": unpublished})
        db.session.commit()
    ix = whoosh_index.open_dir(demo_app.config["INDEX_DIR"])
    writer = ix.writer()
    writer.delete_by_term("id", str(missing))
    writer.commit()
    result = check(demo_app)
    assert result.exit_code == 1
    assert f"stale in the index: {stale}" in result.output
    assert f"missing from the index: {missing}" in result.output
    assert f"in the index but not published: {unpublished}" in result.output
    reindex(demo_app)
    assert check(demo_app).exit_code == 0


def test_check_fails_without_an_index(demo_app: Flask) -> None:
    import shutil

    shutil.rmtree(demo_app.config["INDEX_DIR"])
    result = check(demo_app)
    assert result.exit_code == 1
    assert "search reindex" in result.output
    reindex(demo_app)
    assert check(demo_app).exit_code == 0
    assert set(all_ids(demo_app)) == public_ids(demo_app)


def test_reindex_repairs_a_listing_changed_behind_the_index(demo_app: Flask) -> None:
    """A change that skipped the hook leaves the index (a derived copy) behind until `search reindex`."""
    target = published_ids(demo_app)[0]
    assert target in all_ids(demo_app)
    old = today() - timedelta(days=400)
    with demo_app.app_context():
        db.session.execute(text("UPDATE service SET assured_at = :day WHERE id = :id"), {"day": old, "id": target})
        db.session.commit()
    result = check(demo_app)
    assert result.exit_code == 1 and f"stale in the index: {target}" in result.output
    result = reindex(demo_app)
    assert f"Indexed {len(published_ids(demo_app))} published listing(s)" in result.output
    with another_process(demo_app) as fresh:
        assert target not in all_ids(fresh)
        assert set(all_ids(fresh)) == public_ids(fresh)


def test_a_running_app_picks_up_a_rebuild_made_by_the_command(demo_app: Flask) -> None:
    """`search reindex` runs as its own process while the web workers keep serving."""
    warm_up(demo_app)
    target = published_ids(demo_app)[0]
    assert all_ids(demo_app, q="quixotron") == []
    with demo_app.app_context():
        db.session.execute(text("UPDATE service SET name = 'Quixotron Helpline' WHERE id = :id"), {"id": target})
        db.session.commit()
    reindex(demo_app)
    with another_process(demo_app) as fresh:
        assert all_ids(fresh, q="quixotron") == [target]
    assert all_ids(demo_app, q="quixotron") == [target], "the running app still searches the old index"
    assert set(all_ids(demo_app)) == public_ids(demo_app)


def test_a_rebuild_after_writes_does_not_duplicate_listings_in_a_running_app(demo_app: Flask) -> None:
    """A worker whose index has had writes (a later generation) must not mix the old and rebuilt index."""
    warm_up(demo_app)
    new_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"))
    assert found(demo_app, "zorblatt") == [new_id]
    reindex(demo_app)
    everything = all_ids(demo_app)
    assert len(everything) == len(set(everything)), (
        f"{len(everything) - len(set(everything))} listings are returned twice after `search reindex`")
    assert set(everything) == public_ids(demo_app)
    assert found(demo_app, "zorblatt") == [new_id]


# --- 16: one long-lived searcher ----------------------------------------------------------------------------


def test_the_searcher_is_reused_until_the_index_changes(demo_app: Flask) -> None:
    index = search_index(demo_app)
    first = index.searcher()
    assert index.searcher() is first
    assert all_ids(demo_app, q="housing")
    assert index.searcher() is first  # searching does not replace it
    new_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"))
    refreshed = index.searcher()
    assert refreshed is not first
    assert refreshed.up_to_date()
    assert index.searcher() is refreshed
    assert [hit["id"] for hit in refreshed.search(Term("summary", "zorblatt"))] == [str(new_id)]


def test_the_refreshed_searcher_sees_exactly_what_is_in_the_index(demo_app: Flask) -> None:
    """After an update and a delete, the long-lived searcher must agree with a freshly opened one."""
    index = search_index(demo_app)
    index.searcher()
    service_id = publish(demo_app, listing("Zorblatt Wellbeing Drop-in", "A zorblatt morning"))
    index.searcher()
    publish(demo_app, listing("Quixotron Wellbeing Drop-in", "A quixotron morning"), service_id=service_id)
    with demo_app.app_context():
        archive(db.session.get(Service, published_ids(demo_app)[0]))
        db.session.commit()
    refreshed = index.searcher()
    with whoosh_index.open_dir(demo_app.config["INDEX_DIR"]).searcher() as truth:
        expected_ids = sorted(fields["id"] for fields in truth.all_stored_fields())
        assert truth.doc_count() == len(published_ids(demo_app))
    assert refreshed.up_to_date(), "the refreshed searcher is still on an old generation of the index"
    assert refreshed.doc_count() == len(expected_ids)
    assert sorted(fields["id"] for fields in refreshed.all_stored_fields()) == expected_ids
    assert len(refreshed.search(Every(), limit=None)) == len(expected_ids)
