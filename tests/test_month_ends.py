"""Freshness on the days the calendar is awkward: month ends, February in leap and other years, the year's end.

"Six months before 31 August" has no 31st to land on; ``app.timeutil.months_before`` moves to the month's last
day. The clock is moved with time-machine to each awkward day, so these run whatever today is. Expected dates
are worked out by hand here, not by the code under test.
"""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask

from app.accounts.operations import create_user
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, OrganisationStatus
from app.directory.operations import publish_directly
from app.extensions import db
from app.timeutil import months_before
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at

RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')
EDITOR = "edith@month-end.example"


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2027, 1, 31), 1, date(2026, 12, 31)),  # across the year's end
    (date(2027, 3, 31), 1, date(2027, 2, 28)),
    (date(2028, 3, 31), 1, date(2028, 2, 29)),  # a leap year
    (date(2027, 8, 31), 6, date(2027, 2, 28)),
    (date(2028, 8, 31), 6, date(2028, 2, 29)),
    (date(2027, 12, 31), 6, date(2027, 6, 30)),
    (date(2027, 10, 31), 6, date(2027, 4, 30)),
    (date(2027, 7, 31), 5, date(2027, 2, 28)),
    (date(2028, 2, 29), 12, date(2027, 2, 28)),  # from a leap day to a year without one
    (date(2028, 2, 29), 6, date(2027, 8, 29)),
    (date(2027, 2, 28), 6, date(2026, 8, 28)),
    (date(2027, 1, 31), 5, date(2026, 8, 31)),
    (date(2100, 3, 31), 1, date(2100, 2, 28)),  # a century that is not a leap year
    (date(2000, 3, 31), 1, date(2000, 2, 29)),  # and one that is
    (date(2027, 5, 15), 0, date(2027, 5, 15)),
])
def test_months_before_lands_on_the_months_last_day_when_it_must(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


# The travelled day; the first day still fresh (6 months back, FRESHNESS_MONTHS); the last day due a reminder
# (5 months back, REMINDER_MONTHS).
DAYS = [
    (date(2027, 1, 31), date(2026, 7, 31), date(2026, 8, 31)),
    (date(2027, 2, 28), date(2026, 8, 28), date(2026, 9, 28)),
    (date(2028, 2, 29), date(2027, 8, 29), date(2027, 9, 29)),
    (date(2027, 7, 31), date(2027, 1, 31), date(2027, 2, 28)),
    (date(2028, 7, 31), date(2028, 1, 31), date(2028, 2, 29)),
    (date(2027, 8, 31), date(2027, 2, 28), date(2027, 3, 31)),
    (date(2028, 8, 31), date(2028, 2, 29), date(2028, 3, 31)),
    (date(2027, 12, 31), date(2027, 6, 30), date(2027, 7, 31)),
]


def listing(name: str, confirmed: date) -> ListingData:
    return ListingData(organisation="Month End Friends", name=name, summary=f"{name}: a warm welcome",
                       description="Everyone welcome.", categories=["wellbeing"], areas=["bath"], referral=["self"],
                       access=["in-person"], opening_hours="Tue 10:00-12:00", assured_at=confirmed)


@pytest.fixture
def mailbox(app: Flask, smtp) -> Iterator[Mailbox]:
    yield use_smtp(app, smtp)


@pytest.mark.parametrize(("day", "first_fresh", "last_due"), DAYS, ids=[str(day) for day, *_ in DAYS])
def test_freshness_and_reminders_on_awkward_days(app: Flask, mailbox: Mailbox, day: date, first_fresh: date,
                                                 last_due: date) -> None:
    assert (app.config["FRESHNESS_MONTHS"], app.config["REMINDER_MONTHS"]) == (6, 5)
    confirmed = {"Fresh Edge Walk": first_fresh, "Stale Edge Walk": first_fresh - timedelta(days=1),
                 "Due Edge Walk": last_due, "Not Due Edge Walk": last_due + timedelta(days=1)}
    # Late in the (UTC) day, and the whole test on that day: setting up, searching and reminding.
    with time_machine.travel(datetime.combine(day, time(23, 30), tzinfo=UTC), tick=False):
        with app.app_context():
            organisation = Organisation(name="Month End Friends", status=OrganisationStatus.APPROVED)
            db.session.add(organisation)
            create_user(EDITOR, "a long enough password", role="editor", organisation=organisation)
            ids = {name: publish_directly(listing(name, when), source="test")[0].id for name, when in confirmed.items()}
            db.session.commit()
        visitor = client_at(app, "10.31.0.1")
        page = visitor.get("/search", query_string={"q": "edge walk"})
        assert page.status_code == 200
        shown = {int(i) for i in RESULT_LINK.findall(page.get_data(as_text=True))}
        assert shown == {ids[name] for name in ("Fresh Edge Walk", "Due Edge Walk", "Not Due Edge Walk")}
        assert visitor.get(f"/services/{ids['Fresh Edge Walk']}").status_code == 200
        assert visitor.get(f"/services/{ids['Stale Edge Walk']}").status_code == 404
        api = visitor.get("/api/services", query_string={"search": "edge walk"}).get_json()
        assert len(api["contents"]) == 3

        result = app.test_cli_runner().invoke(args=["reviews", "remind"])
        assert result.exit_code == 0, result.output
    [message] = mailbox.to(EDITOR)
    lines = {line[2:].split(" (")[0]: line for line in message.get_content().splitlines() if line.startswith("- ")}
    assert set(lines) == {"Fresh Edge Walk", "Stale Edge Walk", "Due Edge Walk"}  # all but "Not Due"
    assert [name for name, line in lines.items() if "hidden from search" in line] == ["Stale Edge Walk"]
