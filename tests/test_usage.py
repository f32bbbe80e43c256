"""Usage counts: searches and listing views are counted per day, without the words or who asked."""

import html
import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import inspect, select, text

from app.accounts.operations import create_user
from app.directory.models import Service
from app.extensions import db
from app.timeutil import today
from app.usage.models import UsageCount
from app.usage.tally import Metric, UsageTally
from tests.web import client_at, sign_in, table_rows

PASSWORD = "usage password 12345"
ADMIN = "usage-admin@example.org"
LISTING = "demo-021"  # the external id of a public demo listing
LISTING_NAME = "Talking Therapies – Bath clinic (counselling and CBT)"


def listing_id(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(Service.id).where(Service.external_id == LISTING,
                                                           Service.name == LISTING_NAME))
    assert found is not None, f"the demo has no listing {LISTING}"
    return found


def add_admin(app: Flask) -> None:
    with app.app_context():
        create_user(ADMIN, PASSWORD, role="admin")
        db.session.commit()


def counts(app: Flask) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = db.session.scalars(select(UsageCount)).all()
        return {(row.metric, row.subject): row.count for row in rows if row.day == today()}


def page_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_searches_and_views_are_counted_without_the_words(demo_app: Flask) -> None:
    listing = listing_id(demo_app)
    searches, without_results, views, api_searches = 3, 1, 2, 1
    visitor = client_at(demo_app, "10.1.0.1")
    for _ in range(searches):
        assert visitor.get("/search?q=counselling").status_code == 200
    for _ in range(without_results):
        assert visitor.get("/search?q=xyzzyqqqnothing").status_code == 200
    assert visitor.get("/search?category=mental-health").status_code == 200
    for _ in range(views):
        assert visitor.get(f"/services/{listing}").status_code == 200
    for _ in range(api_searches):
        assert visitor.get("/api/services?search=counselling").status_code == 200
    all_searches = searches + without_results + 1  # and the category search

    add_admin(demo_app)
    admin = client_at(demo_app, "10.1.0.2")
    sign_in(admin, ADMIN, PASSWORD)
    page = admin.get("/admin/usage")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"

    assert counts(demo_app) == {
        ("search", ""): all_searches, ("search-without-results", ""): without_results,
        ("search-category", "mental-health"): 1, ("listing-view", str(listing)): views,
        ("api-search", ""): api_searches,
    }
    shown = page_text(page.get_data(as_text=True))
    # The totals row: searches, found nothing, referrer searches, API searches, listing views.
    assert table_rows(page.get_data(as_text=True))[-1] == [
        "All 30 days", str(all_searches), str(without_results), "0", str(api_searches), str(views)]
    assert re.search(rf"{re.escape(LISTING_NAME)} ?: {views} views", shown)
    assert "Mental health: 1 search" in shown
    assert "xyzzyqqqnothing" not in shown


def test_the_table_has_no_room_for_words_or_visitors(demo_app: Flask) -> None:
    with demo_app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("usage_count")}
    assert columns == {"id", "day", "metric", "subject", "count"}


def test_referrer_searches_are_counted_apart(demo_app: Flask) -> None:
    with demo_app.app_context():
        create_user("usage-referrer@nhs.example", PASSWORD, role="referrer")
        db.session.commit()
    referrer = client_at(demo_app, "10.1.0.3")
    sign_in(referrer, "usage-referrer@nhs.example", PASSWORD)
    assert referrer.get("/referrer/search?cluster=4&q=anxiety").status_code == 200
    with demo_app.app_context():
        demo_app.extensions["usage_tally"].flush()
    assert counts(demo_app) == {("referrer-search", ""): 1}


def test_tallies_of_several_processes_add_up(app: Flask) -> None:
    first, second = UsageTally(flush_seconds=60), UsageTally(flush_seconds=60)
    with app.app_context():
        for _ in range(3):
            first.add(Metric.SEARCH)
        second.add(Metric.SEARCH)
        second.add(Metric.LISTING_VIEW, "7")
        first.flush()
        second.flush()
        second.add(Metric.SEARCH)
        second.flush()
    assert counts(app) == {("search", ""): 5, ("listing-view", "7"): 1}


def test_a_failed_save_keeps_the_counts_for_next_time(app: Flask, caplog) -> None:
    tally = UsageTally(flush_seconds=60)
    with app.app_context():
        tally.add(Metric.SEARCH)
        tally.add(Metric.SEARCH)
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE usage_count RENAME TO usage_count_away"))
        tally.flush()
        assert "could not save usage counts" in caplog.text
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE usage_count_away RENAME TO usage_count"))
        tally.add(Metric.SEARCH)
        tally.flush()
    assert counts(app) == {("search", ""): 3}


def test_counts_wait_for_the_flush_interval(app: Flask) -> None:
    tally = UsageTally(flush_seconds=3600)
    with app.app_context():
        tally.add(Metric.SEARCH)
        tally.flush_if_due()
        assert counts(app) == {}
        tally.flush_seconds = 0
        tally.flush_if_due()
    assert counts(app) == {("search", ""): 1}


def test_the_report_covers_thirty_days(app: Flask) -> None:
    add_admin(app)
    inside, outside = 4, 100
    with app.app_context():
        db.session.add_all([UsageCount(day=today() - timedelta(days=29), metric="search", subject="", count=inside),
                            UsageCount(day=today() - timedelta(days=30), metric="search", subject="", count=outside)])
        db.session.commit()
    admin = client_at(app, "10.1.0.4")
    sign_in(admin, ADMIN, PASSWORD)
    totals = table_rows(admin.get("/admin/usage").get_data(as_text=True))[-1]
    assert totals == ["All 30 days", str(inside), "0", "0", "0", "0"]
