"""Ticking "Open evenings" and "Open at weekends" together finds services open at either time (issue 24),
checked against plain SQL over the ``opening_time`` rows, not against the index or the app's schedule code.

The rules are the design's (and ``tests/oracle.py``'s): an evening is a rule closing after 6pm, a weekend a
rule on a Saturday or Sunday, and 24/7 is both. An evening on a Saturday is at the weekend anyway, so "an
evening or the weekend" is "a weekday evening or the weekend".
"""

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.directory.models import Service
from app.directory.schedule import OpeningRule
from app.extensions import db
from tests.oracle import visible_rows
from tests.search_helpers import all_ids, listed_ids, status_count

# An evening: 24/7, closing after 6pm, or closing past midnight (before it opens).
EVENING = ("(frequency = 'always' OR substr(CAST(closes_at AS TEXT), 1, 8) > '18:00:00'"
           " OR substr(CAST(closes_at AS TEXT), 1, 8) < substr(CAST(opens_at AS TEXT), 1, 8))")
# The days are a JSON list of "Mon".."Sun", as text on SQLite and as json on PostgreSQL.
WEEKEND = """(frequency = 'always' OR CAST(days AS TEXT) LIKE '%"Sat"%' OR CAST(days AS TEXT) LIKE '%"Sun"%')"""
WHEN_COUNT = re.compile(r'for="f-when-(evening|weekend)">[^<]*<span class="wa-count">\((\d+)\)</span>')


def services_open(app: Flask, condition: str) -> set[int]:
    """The publicly visible listings with an opening time meeting ``condition`` (SQL over opening_time)."""
    visible = set(visible_rows(app))
    with app.app_context():
        found = {service_id for (service_id,) in
                 db.session.execute(text(f"SELECT DISTINCT service_id FROM opening_time WHERE {condition}"))}
        db.session.remove()
    return found & visible


def test_evenings_and_weekends_together_find_either(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    evening = services_open(shared_demo_app, EVENING)
    weekend = services_open(shared_demo_app, WEEKEND)
    either = services_open(shared_demo_app, f"{EVENING} OR {WEEKEND}")
    assert either == evening | weekend
    # Either is more than each and more than both, or agreeing would prove little.
    assert evening - weekend and weekend - evening and evening & weekend

    assert set(all_ids(shared_demo_app, when="evening")) == evening
    assert set(all_ids(shared_demo_app, when="weekend")) == weekend
    found = all_ids(shared_demo_app, when=["evening", "weekend"])
    assert len(found) == len(set(found)), "a listing is returned twice"
    assert set(found) == either, (f"missing {sorted(either - set(found))}, "
                                  f"extra {sorted(set(found) - either)}")

    page = demo_client.get("/search", query_string=[("when", "evening"), ("when", "weekend")]).get_data(
        as_text=True)
    assert status_count(page) == len(either)
    # Beside each choice, how many of these results are open then.
    assert dict(WHEN_COUNT.findall(page)) == {"evening": str(len(evening)), "weekend": str(len(weekend))}


def test_other_filters_still_narrow_evenings_or_weekends(shared_demo_app: Flask) -> None:
    rows = visible_rows(shared_demo_app)
    either = services_open(shared_demo_app, f"{EVENING} OR {WEEKEND}")
    free = {service_id for service_id, row in rows.items() if row.cost == "free"}
    found = set(all_ids(shared_demo_app, when=["evening", "weekend"], cost="free"))
    assert found == either & free and found


def test_the_when_group_says_either_will_do(demo_client: FlaskClient) -> None:
    page = demo_client.get("/search").get_data(as_text=True)
    group = re.search(r'<fieldset class="nhsuk-fieldset" id="f-when" aria-describedby="when-hint">.*?</fieldset>',
                      page, re.S)
    assert group, "the When group has no hint"
    hint = re.search(r'<div class="nhsuk-hint" id="when-hint">([^<]+)</div>', group.group(0))
    assert hint and hint.group(1) == "Tick both to find services open in the evening or at the weekend"


def test_each_result_shows_a_time_it_is_open_in_the_evening_or_at_the_weekend(shared_demo_app: Flask,
                                                                              demo_client: FlaskClient) -> None:
    """A listing found for its weekend hours shows them, not its weekday daytime hours."""
    either = services_open(shared_demo_app, f"{EVENING} OR {WEEKEND}")
    weekend_only = either - services_open(shared_demo_app, EVENING)
    shown: dict[int, str] = {}
    pages = -(-len(either) // int(shared_demo_app.config["RESULTS_PER_PAGE"]))
    for number in range(1, pages + 1):
        page = demo_client.get("/search", query_string=[("when", "evening"), ("when", "weekend"),
                                                        ("page", str(number))]).get_data(as_text=True)
        for service_id, card in zip(listed_ids(page), page.split('<li class="wa-result">')[1:], strict=True):
            when = re.search(r"<strong>When:</strong> ([^<]+?)(?: and more)?</li>", card)
            assert when, service_id
            shown[service_id] = html.unescape(when.group(1))
    assert set(shown) == either and weekend_only
    with shared_demo_app.app_context():
        for service in db.session.scalars(select(Service).where(Service.id.in_(either))):
            rules = [OpeningRule(row.frequency, tuple(row.days), row.week_of_month, row.opens_at, row.closes_at,
                                 row.note) for row in service.opening_times]
            answers = {rule.spoken() for rule in rules if rule.is_evening or rule.is_weekend}
            assert shown[service.id] in answers, (service.name, shown[service.id], answers)
        db.session.remove()
