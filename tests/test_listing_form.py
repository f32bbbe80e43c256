"""The listing form editors fill in (issue 5, item 5), through the real web form and the real database.

A form with a problem comes back with the problem beside its field, an error summary at the top and every
other value still as typed; each kind of opening time saves and reads back; a post without its CSRF token
stores nothing; Markdown is stored as written but shown sanitised.
"""

import html
import re
import warnings
from collections import defaultdict
from datetime import time, timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.accounts.operations import create_user
from app.directory.models import OpeningTime, Organisation, OrganisationStatus, Revision, Service, ServiceStatus
from app.extensions import db
from app.timeutil import today
from tests import web
from tests.web import (
    client_at,
    confirmation_of,
    error_summary_links,
    focusable_element,
    form_post,
    landing,
    submit,
    title_of,
)

PASSWORD = "correct horse battery"


# --- a small browser over the test client -------------------------------------------------------


def sign_in(client: FlaskClient, email: str) -> None:
    web.sign_in(client, email, PASSWORD)


class FormState(HTMLParser):
    """What a browser would send back from a page's form controls: text values, checked boxes and radios,
    selected options and textarea contents, by field name."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type") or "text"
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.values[name].append(attributes.get("value") or "on")
            elif kind not in {"submit", "button"}:
                self.values[name].append(attributes.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select].append(attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text).replace("\r\n", "\n")
            self.values[self._textarea].append(text[1:] if text.startswith("\n") else text)
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


# --- the data ------------------------------------------------------------------------------------


def listing_fields(name: str, **changes: object) -> dict[str, object]:
    """A complete, valid listing form as an editor would fill it in."""
    fields: dict[str, object] = {
        "kind": "service",
        "name": name,
        "summary": "Weekly singing for people living with memory loss and their carers",
        "description": "We sing songs everyone knows.\n\nTea and cake afterwards; **no charge** for carers.",
        "categories": ["wellbeing", "older-people", "carers"],
        "audiences": ["older-people", "carers"],
        "min_age": "50",
        "max_age": "99",
        "cost": "charged",
        "cost_options": "Full price £4 per session\nCarers £0 per session",
        "referral": ["self", "gp"],
        "access": ["in-person"],
        "accessibility": ["wheelchair", "hearing-loop"],
        "areas": ["keynsham", "saltford"],
        "locations-0-address": "Keynsham Community Space, Market Walk, Keynsham",
        "locations-0-postcode": "BS31 1FS",
        "locations-1-address": "Saltford Hall, Wedmore Road, Saltford",
        "locations-1-postcode": "BS31 3BY",
        "opening_rows-0-pattern": "weekly",
        "opening_rows-0-days": ["Tue", "Thu"],
        "opening_rows-0-opens": "10:00",
        "opening_rows-0-closes": "12:00",
        "phone": "01225 555 123",
        "email": "sing@example.org",
        "website": "https://sing.example.org/keynsham",
    }
    fields.update(changes)
    return fields


@pytest.fixture
def editor(app: Flask) -> dict[str, object]:
    """An approved organisation, its signed-in editor and a browser for them."""
    with app.app_context():
        organisation = Organisation(name="Keynsham Singers", status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
        create_user("editor@singers.example", PASSWORD, role="editor", organisation=organisation)
        db.session.commit()
        organisation_id = organisation.id
    client = client_at(app, "10.5.0.1")
    sign_in(client, "editor@singers.example")
    return {"client": client, "organisation_id": organisation_id,
            "new": f"/manage/organisations/{organisation_id}/services/new"}


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Service.id))), db.session.scalar(select(func.count(Revision.id))),
                db.session.scalar(select(func.count(OpeningTime.id))))


def trust(app: Flask, organisation_id: int) -> None:
    """Set up a trusted organisation, whose listings publish at once (the admin's toggle is tested elsewhere)."""
    with app.app_context():
        db.session.get(Organisation, organisation_id).trusted = True
        db.session.commit()


def add_listing(editor: dict[str, object], fields: dict[str, object]) -> int:
    client: FlaskClient = editor["client"]  # type: ignore[assignment]
    response = submit(client, editor["new"], fields)  # type: ignore[arg-type]
    assert response.status_code == 302, _errors(response.get_data(as_text=True))
    dashboard, fragment = landing(client, response)
    match = re.search(r'<a id="listing-(\d+)" href="/manage/services/\1">' + re.escape(html.escape(str(fields["name"])))
                      + "</a>", dashboard)
    assert match, "the new listing is not on the editor's dashboard"
    assert fragment == f"listing-{match.group(1)}", "focus does not come back to the new listing"
    return int(match.group(1))


def _errors(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in
            re.findall(r'class="nhsuk-error-message"[^>]*>(.*?)</p>', page, re.S)]


def test_the_dashboard_buttons_come_back_to_the_listing_and_say_what_they_did(app: Flask,
                                                                             editor: dict[str, object]) -> None:
    """Still correct, Archive, Restore and editing each come back to the dashboard with focus on the listing's
    name (its link, #listing-<id>), a confirmation at the top of the main content and the title starting with it."""
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    client: FlaskClient = editor["client"]  # type: ignore[assignment]
    service_id = add_listing(editor, listing_fields("Keynsham Memory Singers"))
    for action, said in (("confirm", "Confirmed as correct today: Keynsham Memory Singers"),
                         ("archive", "Archived: Keynsham Memory Singers"),
                         ("restore", "Restored: Keynsham Memory Singers")):
        response = form_post(client, f"/manage/services/{service_id}/{action}", {}, page="/manage/")
        page, fragment = landing(client, response)
        assert fragment == f"listing-{service_id}" and focusable_element(page, fragment) == "a", action
        assert title_of(page) == f"{said} – Your listings – Well Aware", action
        assert confirmation_of(page).startswith(f"Information: {said}"), action

    response = submit(client, f"/manage/services/{service_id}/edit",
                      listing_fields("Keynsham Memory Singers", summary="Singing on Tuesdays and Thursdays"))
    page, fragment = landing(client, response)
    assert fragment == f"listing-{service_id}"
    assert title_of(page).startswith("Published: Keynsham Memory Singers – ")
    assert "Your organisation's changes go live at once." in confirmation_of(page)

    response = submit(client, f"/manage/organisations/{editor['organisation_id']}/invite",
                      {"email": "colleague@singers.example"})
    page, fragment = landing(client, response)
    assert fragment == f"org-{editor['organisation_id']}" and focusable_element(page, fragment) == "h2"
    assert title_of(page).startswith("Invited: colleague@singers.example – ")


# --- a form with errors keeps everything typed -----------------------------------------------------

ERROR_CASES = {
    "ages the wrong way round": ({"min_age": "30", "max_age": "20"}, "min_age",
                                 "The minimum age (30) is greater than the maximum age (20)"),
    "a postcode that is not one": ({"locations-0-postcode": "XX"}, "locations-0-postcode",
                                   "Enter a UK postcode, like BA1 1AA"),
    "a postcode in a district we do not know": ({"locations-1-postcode": "zz99 9zz"}, "locations-1-postcode",
                                                "'ZZ99 9ZZ' is not in a postcode district we know (ZZ99)"),
    # A closing time before the opening time is the next morning; the same time is neither.
    "an opening time that closes when it opens": ({"opening_rows-0-opens": "14:00", "opening_rows-0-closes": "14:00"},
                                                  "opening_rows-0-closes",
                                                  "Opening time 1: the closing time is the opening time"),
    "a phone number that is not one": ({"phone": "abc"}, "phone",
                                       "'abc' is not a phone number: write it like 0117 496 0123"),
    "a price that cannot be read": ({"cost_options": "Full price £4 per session\nabout a fiver"}, "cost_options",
                                    "'about a fiver' is not a cost we can read"),
}


def error_beside(page: str, field_id: str) -> str:
    """The error message shown just before the control ``field_id`` (no other control in between)."""
    match = re.search(r'<p class="nhsuk-error-message" id="' + re.escape(field_id) + r'-error">(.*?)</p>(.*?)'
                      r'<(input|select|textarea)\b[^>]*\bid="([^"]+)"', page, re.S)
    assert match, f"no error message beside {field_id}"
    assert match.group(4) == field_id, f"the error for {field_id} sits beside {match.group(4)} instead"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Error:", "").strip()


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_a_form_with_an_error_keeps_everything_typed(app: Flask, editor: dict[str, object], case: str) -> None:
    bad, field_id, message = ERROR_CASES[case]
    fields = listing_fields("Keynsham Memory Singers", **bad)
    before = counts(app)

    response = submit(editor["client"], editor["new"], fields)  # type: ignore[arg-type]

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert counts(app) == before, "a form with an error stored something"
    assert message in error_beside(page, field_id)
    state = FormState(page).values
    for name, value in fields.items():
        if name in bad:
            continue
        expected = sorted(as_list(value)) if isinstance(value, list) else as_list(value)
        shown = sorted(state.get(name, [])) if isinstance(value, list) else state.get(name, [])
        assert shown == expected, f"{name} was typed as {expected} but comes back as {shown}"
    assert "<title>Error:" in page
    assert any(target == field_id and message in text for target, text in error_summary_links(page)), \
        f"the error summary does not link {message!r} to #{field_id}: {error_summary_links(page)}"


def test_every_link_in_the_error_summary_reaches_a_control(app: Flask, editor: dict[str, object]) -> None:
    """A link to a group of boxes leads to its first box, not to a <div> that cannot take focus."""
    empty = {"kind": "service", "opening_rows-0-pattern": "weekly"}
    page = submit(editor["client"], editor["new"], empty).get_data(as_text=True)  # type: ignore[arg-type]
    links = error_summary_links(page)
    targets = {target for target, _ in links}
    assert {"name", "summary", "description", "categories", "referral", "access", "areas"} <= targets, links
    for target, text in links:
        assert focusable_element(page, target) in {"input", "select", "textarea"}, (target, text)
    assert re.search(r'<input class="nhsuk-checkboxes__input" id="categories" name="categories" type="checkbox"', page)


def test_each_problem_is_told_once_beside_its_field(app: Flask, editor: dict[str, object]) -> None:
    """The form's own checks and the listing's checks catch many of the same problems (no category, a bad
    email address, an age out of range, no name): each is told once, in the form's words."""
    fields = listing_fields("", categories=[], areas=[], email="not an email", website="sing.example.org",
                            min_age="130")
    page = submit(editor["client"], editor["new"], fields).get_data(as_text=True)  # type: ignore[arg-type]
    links = error_summary_links(page)
    targets = [target for target, _ in links]
    assert sorted(targets) == sorted(set(targets)), f"a field is linked twice: {links}"
    assert set(targets) == {"name", "categories", "areas", "email", "website", "min_age"}, links
    for target, text in links:
        assert error_beside(page, target) == text, target
    assert dict(links)["categories"] == "Choose at least one kind of help"
    assert "Choose at least one category" not in page


def test_an_opening_time_problem_is_told_beside_the_control_to_change(app: Flask, editor: dict[str, object]) -> None:
    """Only in the summary and beside the row's days, not above the page's heading; the link goes to the days."""
    no_day = {"opening_rows-1-pattern": "1st", "opening_rows-1-opens": "19:00", "opening_rows-1-closes": "21:00"}
    fields = listing_fields("Keynsham Memory Singers", **no_day)
    page = submit(editor["client"], editor["new"], fields).get_data(as_text=True)  # type: ignore[arg-type]
    assert error_summary_links(page) == [("opening_rows-1-days", "Opening time 2: choose the day")]
    assert error_beside(page, "opening_rows-1-days") == "Opening time 2: choose the day"
    assert focusable_element(page, "opening_rows-1-days") == "input"
    assert page.count("Opening time 2: choose the day") == 2
    main = page.split("<main", 1)[1]
    assert "nhsuk-error-message" not in main.split("<h1", 1)[0], "an error message above the heading"


def test_every_problem_is_reported_at_once(app: Flask, editor: dict[str, object]) -> None:
    """An editor who fixes the one error shown should not then meet three more they could have been told about."""
    bad: dict[str, object] = {}
    for changes, _, _ in ERROR_CASES.values():
        bad.update(changes)
    before = counts(app)

    response = submit(editor["client"], editor["new"], listing_fields("Keynsham Memory Singers", **bad))  # type: ignore[arg-type]

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert counts(app) == before
    summary = error_summary_links(page)
    for _, field_id, message in ERROR_CASES.values():
        assert message in error_beside(page, field_id)
        assert any(target == field_id and message in text for target, text in summary), (field_id, summary)


def test_a_complete_form_saves_every_field(app: Flask, editor: dict[str, object]) -> None:
    """The control for the error tests: the same form without the bad value is accepted and stored as typed."""
    fields = listing_fields("Keynsham Memory Singers")
    service_id = add_listing(editor, fields)
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.status == ServiceStatus.PENDING
        assert (service.name, service.summary, service.description) == (
            fields["name"], fields["summary"], fields["description"])
        assert sorted(service.categories) == sorted(fields["categories"])  # type: ignore[arg-type]
        assert sorted(service.areas) == sorted(fields["areas"])  # type: ignore[arg-type]
        assert (service.min_age, service.max_age, service.cost) == (50, 99, "charged")
        assert [(o.option, str(o.amount), o.per) for o in service.cost_options] == [
            ("Full price", "4.00", "session"), ("Carers", "0.00", "session")]
        assert [(loc.address, loc.postcode) for loc in service.locations] == [
            ("Keynsham Community Space, Market Walk, Keynsham", "BS31 1FS"),
            ("Saltford Hall, Wedmore Road, Saltford", "BS31 3BY")]
        assert (service.phone, service.email, service.website) == (
            "01225 555123", fields["email"], fields["website"])  # the number written the UK way
        assert service.assured_at == today()
        assert len(service.revisions) == 1


# --- opening times save and read back -------------------------------------------------------------


def stored_times(app: Flask, service_id: int) -> list[tuple[object, ...]]:
    with app.app_context():
        rows = db.session.scalars(select(OpeningTime).where(OpeningTime.service_id == service_id)
                                  .order_by(OpeningTime.position)).all()
        return [(r.frequency, list(r.days), r.week_of_month, r.opens_at, r.closes_at) for r in rows]


def when_on_public_page(client: FlaskClient, service_id: int) -> tuple[str, list[str]]:
    page = client.get(f"/services/{service_id}")
    assert page.status_code == 200
    section = re.search(r"<h2>When</h2>(.*?)<h2>Where</h2>", page.get_data(as_text=True), re.S)
    assert section, "the public page has no When section"
    items = [html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
             for item in re.findall(r"<li>(.*?)</li>", section.group(1), re.S)]
    return section.group(1), items


def test_weekly_monthly_and_fortnightly_rows_save_and_read_back(app: Flask, editor: dict[str, object]) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    rows = {
        "opening_rows-0-pattern": "weekly", "opening_rows-0-days": ["Mon", "Wed", "Fri"],
        "opening_rows-0-opens": "09:30", "opening_rows-0-closes": "17:00",
        "opening_rows-1-pattern": "1st", "opening_rows-1-days": ["Mon"],
        "opening_rows-1-opens": "19:00", "opening_rows-1-closes": "21:00",
        "opening_rows-2-pattern": "fortnightly", "opening_rows-2-days": ["Tue"],
        "opening_rows-2-opens": "13:30", "opening_rows-2-closes": "15:30",
        "opening_rows-3-pattern": "last", "opening_rows-3-days": ["Sat"],
        "opening_rows-3-opens": "10:00", "opening_rows-3-closes": "12:00",
    }
    service_id = add_listing(editor, listing_fields("Keynsham Timetable Club", **rows))

    assert stored_times(app, service_id) == [
        ("weekly", ["Mon", "Wed", "Fri"], None, time(9, 30), time(17, 0)),
        ("monthly", ["Mon"], 1, time(19, 0), time(21, 0)),
        ("fortnightly", ["Tue"], None, time(13, 30), time(15, 30)),
        ("monthly", ["Sat"], -1, time(10, 0), time(12, 0)),
    ]
    # The edit form reads the rows back exactly as they were typed.
    state = FormState(editor["client"].get(f"/manage/services/{service_id}/edit").get_data(as_text=True)).values  # type: ignore[union-attr]
    for name, value in rows.items():
        assert state[name] == as_list(value), name
    assert state.get("always_open", []) == []
    # And the public page says them in plain words.
    _, when = when_on_public_page(app.test_client(), service_id)
    assert when == ["Monday, Wednesday and Friday, 9:30am to 5pm", "First Monday of the month, 7pm to 9pm",
                    "Every other Tuesday, 1:30pm to 3:30pm", "Last Saturday of the month, 10am to midday"]


def test_open_all_the_time_saves_and_reads_back(app: Flask, editor: dict[str, object]) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    fields = listing_fields("Keynsham Night Line", always_open="y", access=["phone"])
    for key in [k for k in fields if k.startswith("opening_rows-")]:
        del fields[key]
    service_id = add_listing(editor, fields)

    assert stored_times(app, service_id) == [("always", [], None, None, None)]
    state = FormState(editor["client"].get(f"/manage/services/{service_id}/edit").get_data(as_text=True)).values  # type: ignore[union-attr]
    assert state["always_open"] == ["y"]
    assert all(state[f"opening_rows-{n}-pattern"] == [""] for n in range(5))
    _, when = when_on_public_page(app.test_client(), service_id)
    assert when == ["24 hours a day, every day"]


def test_twenty_four_seven_with_other_times_is_refused(app: Flask, editor: dict[str, object]) -> None:
    before = counts(app)
    response = submit(editor["client"], editor["new"], listing_fields("Keynsham Night Line", always_open="y"))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert counts(app) == before
    assert any("24/7" in error for error in _errors(response.get_data(as_text=True)))


def test_a_one_off_event_saves_and_reads_back(app: Flask, editor: dict[str, object]) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    day = today() + timedelta(days=40)
    fields = listing_fields("Keynsham Wellbeing Fair", kind="event", event_date=day.isoformat(),
                            event_times="10:00-15:00")
    for key in [k for k in fields if k.startswith("opening_rows-")]:
        del fields[key]
    service_id = add_listing(editor, fields)

    with app.app_context():
        service = db.session.get(Service, service_id)
        assert (service.kind, service.event_date, service.status) == ("event", day, ServiceStatus.PUBLISHED)
    assert stored_times(app, service_id) == [("event", [], None, time(10, 0), time(15, 0))]
    state = FormState(editor["client"].get(f"/manage/services/{service_id}/edit").get_data(as_text=True)).values  # type: ignore[union-attr]
    assert (state["kind"], state["event_date"], state["event_times"]) == (["event"], [day.isoformat()], ["10:00-15:00"])
    section, when = when_on_public_page(app.test_client(), service_id)
    assert f"<strong>{day.day} {day:%B %Y}</strong>" in section
    assert when == ["10am to 3pm"]


def test_an_event_without_its_date_is_refused(app: Flask, editor: dict[str, object]) -> None:
    before = counts(app)
    fields = listing_fields("Keynsham Wellbeing Fair", kind="event", event_times="10:00-15:00")
    for key in [k for k in fields if k.startswith("opening_rows-")]:
        del fields[key]
    response = submit(editor["client"], editor["new"], fields)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert counts(app) == before
    assert "Enter the date of the event" in error_beside(response.get_data(as_text=True), "event_date")


# --- CSRF ----------------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(app: Flask, editor: dict[str, object]) -> None:
    client: FlaskClient = editor["client"]  # type: ignore[assignment]
    before = counts(app)
    fields = listing_fields("Keynsham Forged Listing")

    assert client.post(editor["new"], data=fields).status_code == 400  # type: ignore[arg-type]
    assert client.post(editor["new"], data={**fields, "csrf_token": "not-the-token"}).status_code == 400  # type: ignore[arg-type]
    assert counts(app) == before

    # The same form with the token from the page goes through, so the refusal was the token's doing.
    add_listing(editor, fields)
    assert counts(app)[:2] == (before[0] + 1, before[1] + 1)


def test_an_edit_without_the_csrf_token_changes_nothing(app: Flask, editor: dict[str, object]) -> None:
    service_id = add_listing(editor, listing_fields("Keynsham Memory Singers"))
    client: FlaskClient = editor["client"]  # type: ignore[assignment]
    before = counts(app)
    response = client.post(f"/manage/services/{service_id}/edit",
                           data=listing_fields("Keynsham Memory Singers Renamed"))
    assert response.status_code == 400
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Service, service_id).name == "Keynsham Memory Singers"


# --- Markdown ---------------------------------------------------------------------------------------------

HOSTILE = ("Songs and **tea** for everyone.\n\n"
           "<script>alert('stolen')</script>\n\n"
           '<img src="x.png" onerror="alert(\'img\')">\n\n'
           "[Our leaflet](javascript:alert('link')) and [our site](https://sing.example.org/)\n\n"
           '<a href="https://sing.example.org/" onclick="alert(\'click\')">Click</a>')


def test_markdown_is_stored_as_written_and_shown_sanitised(app: Flask, editor: dict[str, object]) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    service_id = add_listing(editor, listing_fields("Keynsham Careful Singers", description=HOSTILE))

    with app.app_context():
        assert db.session.get(Service, service_id).description == HOSTILE  # nothing lost: stored as written

    pages = {
        "public page": app.test_client().get(f"/services/{service_id}"),
        "editor's preview": editor["client"].get(f"/manage/services/{service_id}"),  # type: ignore[union-attr]
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        page = response.get_data(as_text=True)
        assert "<strong>tea</strong>" in page, where  # the formatting survives
        assert '<a href="https://sing.example.org/"' in page, where
        assert "alert(" not in page, where  # no script, handler or javascript: link survives
        assert "<script>alert" not in page and "onerror" not in page and "onclick" not in page, where
        assert "javascript:" not in page, where


# --- warnings --------------------------------------------------------------------------------------------


def test_the_listing_form_raises_no_deprecation_warning(app: Flask, editor: dict[str, object]) -> None:
    """The project runs its tests with warnings as errors; the listing form must not warn on the pinned WTForms."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = editor["client"].get(editor["new"])  # type: ignore[union-attr]
    assert response.status_code == 200
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
