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
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.accounts.models import User
from app.accounts.operations import create_user
from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, OrganisationStatus, Service
from app.directory.operations import archive, publish_directly
from app.extensions import db
from app.timeutil import today
from tests import web
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, csrf_token, submit, table_rows

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
    assert listed == ["- Combe Carolling Evenings (Combe Choir)"]
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


# --- once per due date, one follow-up ----------------------------------------------------------------------


def later(days: int) -> datetime:
    return NOW + timedelta(days=days)


def test_running_remind_twice_sends_nothing_new(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        directory.remind()
        assert directory.recipients() == [ABBY, ADMIN]
        output = directory.remind()
    assert directory.recipients() == [ABBY, ADMIN]  # still one each
    assert "Reminded" not in output
    assert "3 due listing(s) have had their reminders already." in output
    with directory.app.app_context():  # what was recorded, read as plain SQL
        rows = db.session.execute(text(
            "SELECT s.name, r.confirmed_on, r.stage, r.recipients FROM reminder_sent r "
            "JOIN service s ON s.id = r.service_id ORDER BY s.name")).all()
    assert [(name, str(on), stage, told) for name, on, stage, told in rows] == [
        ("Abbey Teapot Mornings", str(DUE_FROM), "first", 1),
        ("Abbey Wayfarers Walk", f"{DAY.year}-03-14", "first", 1),
        ("Combe Carolling Evenings", f"{DAY.year}-04-01", "nobody", 1)]


def test_one_follow_up_after_the_follow_up_days_then_nothing(directory: Directory) -> None:
    assert directory.app.config["REMINDER_FOLLOW_UP_DAYS"] == 14
    with time_machine.travel(NOW, tick=False):
        directory.remind()
    with time_machine.travel(later(13), tick=False):
        assert f"Reminded {ABBY}" not in directory.remind()
    with time_machine.travel(later(14), tick=False):
        assert f"Reminded {ABBY} about 2 listing(s)." in directory.remind()
    with time_machine.travel(later(40), tick=False):
        assert f"Reminded {ABBY}" not in directory.remind()
    first, follow_up = directory.mailbox.to(ABBY)
    assert first["Subject"] == "Please check your Well Aware listings"
    assert follow_up["Subject"] == "Reminder: please check your Well Aware listings"
    assert len(directory.mailbox.to(ADMIN)) == 1  # the listing nobody can confirm is reported once


def test_a_listing_confirmed_again_is_reminded_afresh_when_next_due(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        directory.remind()
        with directory.app.app_context():
            db.session.get(Service, directory.ids["Abbey Teapot Mornings"]).assured_at = DUE_FROM + timedelta(days=1)
            db.session.commit()
        assert directory.remind().count("Reminded") == 0  # not due: confirmed 4 months 30 days ago
    with time_machine.travel(later(1), tick=False):
        assert f"Reminded {ABBY} about 1 listing(s)." in directory.remind()
    assert "Abbey Teapot Mornings" in directory.mailbox.to(ABBY)[-1].get_content()


# --- the signed "Still correct" link -----------------------------------------------------------------------

LINK = re.compile(r"^- (?P<name>[^(]+) \(.*\n  Still correct\? .*?(?P<link>https?://\S+)\n"
                  r"  Needs changes\? .*?(?P<edit>https?://\S+)$", re.M)


def links_in(message: EmailMessage) -> dict[str, tuple[str, str]]:
    """Each listing's "Still correct" and "Needs changes" addresses, as paths, from the email alone."""
    return {m["name"].strip(): (urlsplit(m["link"]).path, urlsplit(m["edit"]).path)
            for m in LINK.finditer(message.get_content().replace("\r\n", "\n"))}


def test_the_emailed_link_confirms_the_listing_without_signing_in(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        directory.remind()
        [email] = directory.mailbox.to(ABBY)
        links = links_in(email)
        assert set(links) == {"Abbey Teapot Mornings", "Abbey Wayfarers Walk"}
        still_correct, needs_changes = links["Abbey Wayfarers Walk"]

        stranger = client_at(directory.app, "10.4.1.1")  # a browser that has never signed in
        page = stranger.get(still_correct)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "Is this listing still correct?" in body and "Abbey Wayfarers Walk" in body
        assert directory.assured_at("Abbey Wayfarers Walk") == date(DAY.year, 3, 14)  # opening it changes nothing

        done = stranger.post(still_correct, data={"csrf_token": csrf_token(body)})
        assert done.status_code == 200
        assert "Abbey Wayfarers Walk is confirmed" in done.get_data(as_text=True)
        with directory.app.app_context():
            confirmed = db.session.execute(text("SELECT assured_at FROM service WHERE id = :id"),
                                           {"id": directory.ids["Abbey Wayfarers Walk"]}).scalar_one()
        assert str(confirmed) == DAY.isoformat()
        assert directory.assured_at("Abbey Teapot Mornings") == DUE_FROM  # only that listing
        assert found(stranger, "wayfarers") == [directory.ids["Abbey Wayfarers Walk"]]  # back in search

        # Used once, it is refused with a page that says so, and changes nothing.
        again = stranger.get(still_correct)
        assert again.status_code == 410
        assert "already been confirmed" in again.get_data(as_text=True)
        assert stranger.post(still_correct, data={"csrf_token": csrf_token(body)}).status_code == 410

        # "Needs changes" is the edit form, after signing in.
        edit = stranger.get(needs_changes)
        assert edit.status_code == 302 and "/sign-in" in edit.headers["Location"]
        sign_in(stranger, ABBY)
        assert stranger.get(needs_changes).status_code == 200


def test_an_altered_link_is_refused(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        directory.remind()
        still_correct, _ = links_in(directory.mailbox.to(ABBY)[0])["Abbey Teapot Mornings"]
        visitor = client_at(directory.app, "10.4.1.2")
        token = still_correct.rsplit("/", 1)[1]
        # Another listing's id in the signed part, a character changed in the signature, the signature gone.
        for altered in (token.replace(token[1], "A" if token[1] != "A" else "B", 1), token[:-2] + "xx",
                        token.rsplit(".", 1)[0], "not-a-link"):
            response = visitor.get(f"/listings/confirm/{altered}")
            assert response.status_code == 400, altered
            assert "This link is not complete" in response.get_data(as_text=True)
    assert directory.assured_at("Abbey Teapot Mornings") == DUE_FROM


def test_an_expired_link_is_refused(directory: Directory) -> None:
    assert directory.app.config["CONFIRM_LINK_DAYS"] == 30
    with time_machine.travel(NOW, tick=False):
        directory.remind()
    still_correct, _ = links_in(directory.mailbox.to(ABBY)[0])["Abbey Teapot Mornings"]
    with time_machine.travel(later(29), tick=False):
        assert client_at(directory.app, "10.4.1.3").get(still_correct).status_code == 200
    with time_machine.travel(later(31), tick=False):
        response = client_at(directory.app, "10.4.1.3").get(still_correct)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert directory.assured_at("Abbey Teapot Mornings") == DUE_FROM


def test_a_link_stops_working_when_its_editor_can_no_longer_edit(directory: Directory) -> None:
    with time_machine.travel(NOW, tick=False):
        directory.remind()
        still_correct, _ = links_in(directory.mailbox.to(ABBY)[0])["Abbey Teapot Mornings"]
        with directory.app.app_context():
            db.session.scalar(select(User).where(User.email == ABBY)).active = False
            db.session.commit()
        response = client_at(directory.app, "10.4.1.4").get(still_correct)
    assert response.status_code == 410
    assert "This link no longer works" in response.get_data(as_text=True)
