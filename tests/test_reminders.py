"""Honest freshness (issue 5, item 3; design §2 principle 5).

The clock is moved forward with time-machine. ``reviews remind`` must email exactly the editors whose
listings were last confirmed at or before REMINDER_MONTHS ago, through a real SMTP server, and tell the
administrators about due listings nobody can confirm. Listings older than FRESHNESS_MONTHS leave public
search and their pages until an editor presses "Still correct" on the dashboard. The search filters
freshness when it is asked, so every request below runs with the travelled clock.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.operations import create_user
from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, OrganisationStatus, Service
from app.directory.operations import archive, publish_directly
from app.extensions import db
from app.timeutil import today
from tests import web
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, submit, table_rows

PASSWORD = "correct horse battery"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')

# The travelled day, well ahead of any real date, and the calendar facts the settings imply:
# 5 months before 15 September is 15 April; 6 months before is 15 March.
DAY = date(today().year + 2, 9, 15)
NOW = datetime.combine(DAY, time(9, 30), tzinfo=UTC)
DUE_FROM = date(DAY.year, 4, 15)  # confirmed on or before this: remind
CUTOFF = date(DAY.year, 3, 15)  # confirmed before this: hidden from the public

ABBY, ABE, ALF = "abby@abbey.example", "abe@abbey.example", "alf@abbey.example"
BERT = "bert@bathwick.example"
ADMIN, RETIRED_ADMIN = "team@wellaware.example", "old-team@wellaware.example"


# --- a small browser ---------------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str) -> None:
    web.sign_in(client, email, PASSWORD)


def found(client: FlaskClient, word: str) -> list[int]:
    page = client.get("/search", query_string={"q": word})
    assert page.status_code == 200
    return [int(i) for i in RESULT_LINK.findall(page.get_data(as_text=True))]


# --- the directory -------------------------------------------------------------------------------------------


def listing(organisation: str, name: str, confirmed: date) -> ListingData:
    return ListingData(organisation=organisation, name=name, summary=f"{name}: company and a warm drink",
                       description="Everyone welcome.", categories=["wellbeing"], areas=["bath"], referral=["self"],
                       access=["in-person"], opening_hours="Tue 10:00-12:00",
                       locations=[LocationData("Guildhall, High Street, Bath", "BA1 5AW")], assured_at=confirmed)


@dataclass
class Directory:
    app: Flask
    mailbox: Mailbox
    ids: dict[str, int]

    def remind(self) -> str:
        result = self.app.test_cli_runner().invoke(args=["reviews", "remind"])
        assert result.exit_code == 0, result.output
        return result.output

    def assured_at(self, name: str) -> date:
        with self.app.app_context():
            return db.session.get(Service, self.ids[name]).assured_at

    def recipients(self) -> list[str]:
        return sorted(m["To"] for m in self.mailbox.messages)


@pytest.fixture
def directory(app: Flask, smtp) -> Iterator[Directory]:
    mailbox = use_smtp(app, smtp)
    assert (app.config["REMINDER_MONTHS"], app.config["FRESHNESS_MONTHS"]) == (5, 6)
    with app.app_context():
        organisations = {name: Organisation(name=name, status=status) for name, status in (
            ("Abbey Befrienders", OrganisationStatus.APPROVED), ("Bathwick Bakers", OrganisationStatus.APPROVED),
            ("Combe Choir", OrganisationStatus.APPROVED), ("Dunkerton Darts", OrganisationStatus.PENDING))}
        db.session.add_all(organisations.values())
        abbey = organisations["Abbey Befrienders"]
        create_user(ABBY, PASSWORD, role="editor", organisation=abbey)
        db.session.add(User(email=ABE, organisations=[abbey]))  # invited, has not set a password yet
        create_user(ALF, PASSWORD, role="editor", organisation=abbey).active = False  # left the charity
        create_user(BERT, PASSWORD, role="editor", organisation=organisations["Bathwick Bakers"])
        create_user("cleo@combe.example", PASSWORD, role="editor",
                    organisation=organisations["Combe Choir"]).active = False  # the choir's only editor left
        create_user("dora@dunkerton.example", PASSWORD, role="editor", organisation=organisations["Dunkerton Darts"])
        create_user(ADMIN, PASSWORD, role="admin")
        create_user(RETIRED_ADMIN, PASSWORD, role="admin").active = False
        ids = {}
        for organisation, name, confirmed in (
            ("Abbey Befrienders", "Abbey Teapot Mornings", DUE_FROM),  # due today, exactly on the boundary
            ("Abbey Befrienders", "Abbey Wayfarers Walk", date(DAY.year, 3, 14)),  # overdue: hidden
            ("Abbey Befrienders", "Abbey Quiz Archive", date(DAY.year - 1, 1, 10)),  # archived: never reminded
            ("Bathwick Bakers", "Bathwick Crumpet Club", date(DAY.year, 4, 16)),  # a day inside: not due
            ("Combe Choir", "Combe Carolling Evenings", date(DAY.year, 4, 1)),  # due, but nobody to confirm it
            ("Dunkerton Darts", "Dunkerton Darts League", date(DAY.year, 1, 1)),  # organisation not approved
        ):
            service, _ = publish_directly(listing(organisation, name, confirmed), source="test")
            ids[name] = service.id
        archive(db.session.get(Service, ids["Abbey Quiz Archive"]))
        db.session.commit()
    yield Directory(app, mailbox, ids)


# --- the tests ---------------------------------------------------------------------------------------------


def test_nothing_is_due_today(directory: Directory) -> None:
    """Every listing above is confirmed in the future as far as today is concerned: nobody is reminded."""
    assert "No listings are due" in directory.remind()
    assert directory.mailbox.messages == []


def test_reminders_go_to_exactly_the_due_editors(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        output = directory.remind()

    assert directory.recipients() == [ABBY, ADMIN]
    [to_abby] = directory.mailbox.to(ABBY)
    assert to_abby["Subject"] == "Please check your Well Aware listings"
    body = to_abby.get_content()
    lines = {line.split(" (")[0]: line for line in body.splitlines() if line.startswith("- ")}
    assert set(lines) == {"- Abbey Teapot Mornings", "- Abbey Wayfarers Walk"}
    assert f"last confirmed {DUE_FROM.day} {DUE_FROM:%B %Y}" in lines["- Abbey Teapot Mornings"]
    assert "hidden from search" in lines["- Abbey Wayfarers Walk"]
    assert "hidden from search" not in lines["- Abbey Teapot Mornings"]
    assert "/manage/" in body
    assert f"Reminded {ABBY} about 2 listing(s)." in output


def test_administrators_hear_about_due_listings_nobody_can_confirm(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        output = directory.remind()

    [to_admin] = directory.mailbox.to(ADMIN)
    assert to_admin["Subject"] == "Well Aware listings with no one to confirm them"
    listed = [line for line in to_admin.get_content().splitlines() if line.startswith("- ")]
    assert listed == ["- Combe Carolling Evenings"]
    assert directory.mailbox.to(RETIRED_ADMIN) == []
    assert "1 due listing(s) have no active editor; told 1 administrator(s)." in output


def test_overdue_listings_leave_search_until_confirmed_on_the_dashboard(directory: Directory) -> None:
    app = directory.app
    teapot, wayfarers = directory.ids["Abbey Teapot Mornings"], directory.ids["Abbey Wayfarers Walk"]
    visitor = client_at(app, "10.4.0.1")
    assert found(visitor, "wayfarers") == [wayfarers]  # today it is fresh

    with time_machine.travel(NOW, tick=False):
        assert found(visitor, "wayfarers") == []
        assert visitor.get(f"/services/{wayfarers}").status_code == 404
        assert found(visitor, "teapot") == [teapot]  # five months old is due, but still shown
        assert visitor.get(f"/services/{teapot}").status_code == 200
        assert found(visitor, "crumpet") == [directory.ids["Bathwick Crumpet Club"]]

        editor = client_at(app, "10.4.0.2")
        sign_in(editor, ABBY)
        dashboard = editor.get("/manage/").get_data(as_text=True)
        rows = {cells[0]: " ".join(cells) for cells in table_rows(dashboard)}
        assert "Hidden from search until confirmed" in rows["Abbey Wayfarers Walk"]
        assert "Please confirm" in rows["Abbey Teapot Mornings"]
        assert "Hidden from search" not in rows["Abbey Teapot Mornings"]

        response = submit(editor, "/manage/", {}, action=f"/manage/services/{wayfarers}/confirm")
        assert response.status_code == 302

        assert directory.assured_at("Abbey Wayfarers Walk") == DAY
        assert found(visitor, "wayfarers") == [wayfarers]
        page = visitor.get(f"/services/{wayfarers}")
        assert page.status_code == 200
        assert f"Checked on {DAY.day} {DAY:%B %Y}" in page.get_data(as_text=True)
        row = re.search(r'<tr class="nhsuk-table__row"[^>]*>(?:(?!</tr>).)*Abbey Wayfarers Walk.*?</tr>',
                        editor.get("/manage/").get_data(as_text=True), re.S).group(0)
        assert "Hidden from search" not in row and "Please confirm" not in row

        # The next reminder no longer mentions the confirmed listing.
        directory.remind()
        latest = directory.mailbox.to(ABBY)[-1].get_content()
        assert "Abbey Teapot Mornings" in latest and "Abbey Wayfarers Walk" not in latest

    assert directory.assured_at("Abbey Teapot Mornings") == DUE_FROM  # only the pressed one changed


def test_still_correct_is_only_for_the_listings_own_editors(directory: Directory) -> None:
    wayfarers = directory.ids["Abbey Wayfarers Walk"]
    with time_machine.travel(NOW, tick=False):
        outsider = client_at(directory.app, "10.4.0.3")
        sign_in(outsider, BERT)
        response = submit(outsider, "/manage/", {}, action=f"/manage/services/{wayfarers}/confirm")
        assert response.status_code == 404
        assert found(client_at(directory.app, "10.4.0.4"), "wayfarers") == []
    assert directory.assured_at("Abbey Wayfarers Walk") == date(DAY.year, 3, 14)


def test_the_freshness_limit_is_inclusive_of_its_first_day(directory: Directory) -> None:
    """A listing confirmed exactly six months ago is still shown; one confirmed the day before is not."""
    app = directory.app
    with app.app_context():
        service = db.session.get(Service, directory.ids["Abbey Wayfarers Walk"])
        service.assured_at = CUTOFF
        db.session.commit()
        stored = db.session.scalar(select(Service.assured_at).where(Service.id == service.id))
    assert stored == CUTOFF
    with time_machine.travel(NOW, tick=False):
        visitor = client_at(app, "10.4.0.5")
        assert visitor.get(f"/services/{directory.ids['Abbey Wayfarers Walk']}").status_code == 200
    with time_machine.travel(datetime.combine(date(DAY.year, 9, 16), time(9, 30), tzinfo=UTC), tick=False):
        assert client_at(app, "10.4.0.6").get(f"/services/{directory.ids['Abbey Wayfarers Walk']}").status_code == 404
