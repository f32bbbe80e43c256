"""``/admin/freshness`` on the demo directory (issue 19): its counts, filters and CSV file against plain SQL.

The oracle computes each listing's state from the ``service`` table with its own calendar arithmetic:
due from five months before the day (REMINDER_MONTHS), overdue a fortnight after that
(REMINDER_FOLLOW_UP_DAYS), hidden when confirmed before six months ago (FRESHNESS_MONTHS), with a day of
the month that the earlier month lacks falling back to that month's last day.
"""

import calendar
import csv
import io
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import text

from app.accounts.operations import create_user
from app.extensions import db
from tests import web
from tests.web import client_at, csrf_token

ADMIN, PASSWORD = "freshness-admin@wellaware.example", "freshness admin password 1"


def months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def expected_state(confirmed: date | None, day: date) -> str:
    if confirmed is None or confirmed < months_back(day, 6):
        return "hidden"
    due_from = months_back(day, 5)
    if confirmed > due_from:
        return "fresh"
    return "due" if confirmed > due_from - timedelta(days=14) else "overdue"


def as_date(value: object) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))


def published(app: Flask) -> list[dict[str, object]]:
    """Every published listing of an approved organisation, with how many active editors it has."""
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT s.id, s.organisation_id, s.areas, s.assured_at, "
            "  (SELECT count(*) FROM editor_membership m JOIN \"user\" u ON u.id = m.user_id "
            "   WHERE m.organisation_id = s.organisation_id AND u.active AND u.email_verified_at IS NOT NULL "
            "   AND u.password_hash IS NOT NULL AND u.password_hash <> '') AS editors "
            "FROM service s JOIN organisation o ON o.id = s.organisation_id "
            "WHERE s.status = 'published' AND o.status = 'approved'")).mappings().all()
    return [{**row, "areas": row["areas"] if isinstance(row["areas"], list) else json.loads(row["areas"]),
             "assured_at": as_date(row["assured_at"])} for row in rows]


COUNT = re.compile(r'<dd class="nhsuk-summary-list__value" id="count-([a-z-]+)">(\d+)</dd>')


def counts_on(page: str) -> dict[str, int]:
    return {name: int(value) for name, value in COUNT.findall(page)}


@pytest.fixture
def admin(demo_app: Flask):
    with demo_app.app_context():
        create_user(ADMIN, PASSWORD, role="admin")
        db.session.commit()
    client = client_at(demo_app, "10.19.0.1")
    web.sign_in(client, ADMIN, PASSWORD)
    return client


@pytest.mark.parametrize("months_ahead", [0, 5, 6])
def test_the_counts_match_the_database(demo_app: Flask, admin, months_ahead: int) -> None:
    """Today the demo is mostly fresh; five and six months on, most of it is due, overdue or hidden."""
    day = date.today() + timedelta(days=round(30.5 * months_ahead))
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=UTC), tick=False):
        client = client_at(demo_app, "10.19.0.2")  # signed in on the travelled day, as a session would be
        web.sign_in(client, ADMIN, PASSWORD)
        response = client.get("/admin/freshness")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = published(demo_app)
    states = Counter(expected_state(row["assured_at"], day) for row in rows)
    assert counts_on(page) == {
        "fresh": states["fresh"], "due": states["due"], "overdue": states["overdue"], "hidden": states["hidden"],
        "open-reports": 0, "nobody": sum(1 for row in rows if row["editors"] == 0)}
    assert sum(states.values()) == len(rows) > 150  # the whole demo, not an empty page
    if months_ahead == 5:
        assert states["hidden"] > 0 and states["overdue"] > 0 and states["due"] > 0


def test_open_problem_reports_are_counted(demo_app: Flask, admin) -> None:
    listing = sorted(row["id"] for row in published(demo_app)
                     if expected_state(row["assured_at"], date.today()) == "fresh")[0]
    for address in ("10.19.1.1", "10.19.1.2"):
        visitor = client_at(demo_app, address)
        form = visitor.get(f"/services/{listing}/report-a-problem").get_data(as_text=True)
        response = visitor.post(f"/services/{listing}/report-a-problem",
                                data={"kind": "closed", "csrf_token": csrf_token(form)})
        assert response.status_code == 302
    page = admin.get("/admin/freshness").get_data(as_text=True)
    assert counts_on(page)["open-reports"] == 2
    row = re.search(rf'<tr class="nhsuk-table__row"[^>]*>(?:(?!</tr>).)*?/admin/services/{listing}/history.*?</tr>',
                    page, re.S).group(0)
    assert re.search(r'Open reports</span><div class="wa-table__value">2</div>', row)


def test_filters_and_the_csv_file(demo_app: Flask, admin) -> None:
    rows = published(demo_app)
    organisation = Counter(row["organisation_id"] for row in rows).most_common(1)[0][0]
    mine = [row for row in rows if row["organisation_id"] == organisation]
    page = admin.get(f"/admin/freshness?organisation={organisation}").get_data(as_text=True)
    assert sum(counts_on(page)[s] for s in ("fresh", "due", "overdue", "hidden")) == len(mine)

    keynsham = [row for row in rows if "keynsham" in row["areas"]]
    page = admin.get("/admin/freshness?area=keynsham").get_data(as_text=True)
    assert sum(counts_on(page)[s] for s in ("fresh", "due", "overdue", "hidden")) == len(keynsham) > 0

    download = admin.get("/admin/freshness.csv?area=keynsham")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert sorted(int(r["service_id"]) for r in table) == sorted(row["id"] for row in keynsham)
    by_id = {row["id"]: row for row in keynsham}
    for record in table:
        row = by_id[int(record["service_id"])]
        assert record["state"] == expected_state(row["assured_at"], date.today())
        assert record["last_confirmed"] == (row["assured_at"].isoformat() if row["assured_at"] else "")
        assert int(record["active_editors"]) == row["editors"]
    days = [int(r["days_since"]) for r in table if r["days_since"]]
    assert days == sorted(days, reverse=True)  # longest since confirmation first

    # A filter that names nothing shows everything rather than nothing.
    page = admin.get("/admin/freshness?organisation=999999&area=atlantis").get_data(as_text=True)
    assert sum(counts_on(page)[s] for s in ("fresh", "due", "overdue", "hidden")) == len(rows)


def test_only_administrators_see_it(demo_app: Flask) -> None:
    visitor = client_at(demo_app, "10.19.2.1")
    for address in ("/admin/freshness", "/admin/freshness.csv"):
        response = visitor.get(address)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
