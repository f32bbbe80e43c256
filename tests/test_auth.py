"""Accounts: professionals registering, confirming their email, being approved, signing in and out,
resetting a password; rate limits, CSRF and redirects after sign-in (design §1, §2, §7).

Email goes through a real SMTP server on loopback; the links in it are opened as a person would.
"""

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.accounts.models import ReferrerStatus
from app.accounts.operations import create_user, find_user, set_password
from app.extensions import db
from app.taxonomies import clusters
from tests.conftest import Mailbox, use_smtp
from tests.web import confirmation_of, csrf_token, focusable_element, form_post, landing, new_client, title_of

PASSWORD = "a long test password"
NEW_PASSWORD = "another long password"


# --- helpers -----------------------------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/sign-in" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    return form_post(client, url, {"email": email, "password": password})


def sign_out(client: FlaskClient):
    return form_post(client, "/sign-out", {}, page="/account")


def signed_in(client: FlaskClient) -> bool:
    """Whether the session is signed in: the account page needs it."""
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def page_of(response) -> str:
    return response.get_data(as_text=True)


def path_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "wellaware.test"), location
    return parts.path


def register(client: FlaskClient, email: str, name: str = "Sam Referrer", password: str = PASSWORD):
    return form_post(client, "/professionals/register",
                     {"name": name, "email": email, "password": password, "confirm": password})


def only_link(mailbox: Mailbox, address: str, path_prefix: str) -> str:
    links = [link for link in mailbox.links(address) if urlsplit(link).path.startswith(path_prefix)]
    assert len(links) == 1, mailbox.links(address)
    assert urlsplit(links[0]).netloc == "wellaware.test"
    return urlsplit(links[0]).path


def make_user(app: Flask, email: str, role: str = "referrer", password: str = PASSWORD) -> None:
    with app.app_context():
        create_user(email, password, role=role, name="Test Person")
        db.session.commit()


def cluster_words_in(text: str) -> list[str]:
    lowered = text.lower()
    found = [c.name for c in clusters() if c.name.lower() in lowered]
    return found + (["the word 'cluster'"] if "cluster" in lowered else [])


# --- 1: registering, confirming and approval --------------------------------------------------------------


def test_a_professional_from_a_trusted_domain_is_approved_when_they_confirm(demo_app: Flask, smtp) -> None:
    mailbox = use_smtp(demo_app, smtp)
    client = new_client(demo_app)
    response = register(client, "Sam.Jones@NHS.net")
    assert response.status_code == 200
    assert "Check your email" in page_of(response)
    with demo_app.app_context():
        user = find_user("sam.jones@nhs.net")
        assert user is not None and user.referrer_status == ReferrerStatus.PENDING
        assert user.email_verified_at is None
        assert user.password_hash and PASSWORD not in user.password_hash

    messages = mailbox.to("sam.jones@nhs.net")
    assert [m["Subject"] for m in messages] == ["Confirm your email address for Well Aware"]
    link = only_link(mailbox, "sam.jones@nhs.net", "/professionals/confirm/")

    # Not yet confirmed: no referrer search.
    assert "Confirm your email address first" in page_of(sign_in(client, "sam.jones@nhs.net"))
    assert client.get("/referrer/search?cluster=14").status_code == 302

    confirmed = client.get(link)
    assert confirmed.status_code == 200
    assert "Your referrer account is ready" in page_of(confirmed)
    with demo_app.app_context():
        assert find_user("sam.jones@nhs.net").referrer_status == ReferrerStatus.APPROVED

    response = sign_in(client, "sam.jones@nhs.net")
    assert response.status_code == 302 and path_of(response.headers["Location"]) == "/referrer/search"
    page = page_of(client.get("/referrer/search?cluster=14"))
    assert "Referrer search" in page and html.escape(clusters()[0].name) in page


def test_a_sub_domain_of_a_trusted_domain_is_trusted_and_a_look_alike_is_not(demo_app: Flask, smtp) -> None:
    mailbox = use_smtp(demo_app, smtp)
    client = new_client(demo_app)
    for email, approved in (("ann@council.bathnes.gov.uk", True), ("bob@notnhs.net", False),
                            ("cat@nhs.net.example.org", False)):
        assert register(client, email).status_code == 200
        page = page_of(client.get(only_link(mailbox, email, "/professionals/confirm/")))
        assert ("Your referrer account is ready" in page) is approved, email
        with demo_app.app_context():
            assert find_user(email).is_referrer is approved, email


def test_a_professional_from_another_domain_waits_for_an_administrator(demo_app: Flask, smtp) -> None:
    mailbox = use_smtp(demo_app, smtp)
    with demo_app.app_context():
        set_password(find_user("admin@wellaware.example"), PASSWORD)
        db.session.commit()
    person, admin = new_client(demo_app), new_client(demo_app)

    assert register(person, "pat@example.org", name="Pat Example").status_code == 200
    confirmed = person.get(only_link(mailbox, "pat@example.org", "/professionals/confirm/"))
    assert "The directory team will check your account" in page_of(confirmed)
    with demo_app.app_context():
        user = find_user("pat@example.org")
        assert user.email_verified_at is not None and user.referrer_status == ReferrerStatus.PENDING
        user_id = user.id

    response = sign_in(person, "pat@example.org")
    assert response.status_code == 302 and path_of(response.headers["Location"]) == "/"
    for url in ("/referrer/search", "/referrer/search?cluster=14", "/admin/"):
        refused = person.get(url)
        assert refused.status_code == 403, url
        assert not cluster_words_in(page_of(refused)), url
    assert "Waiting for the directory team to approve it" in page_of(person.get("/account"))

    assert sign_in(admin, "admin@wellaware.example").status_code == 302
    dashboard = page_of(admin.get("/admin/"))
    assert "pat@example.org" in dashboard
    action = f"/admin/referrers/{user_id}/approve"
    assert f'action="{action}"' in dashboard
    # Without the form's token, nothing happens.
    assert admin.post(action).status_code == 400
    assert person.get("/referrer/search").status_code == 403

    approved = admin.post(action, data={"csrf_token": csrf_token(dashboard)})
    assert approved.status_code == 302 and path_of(approved.headers["Location"]) == "/admin/"
    # Back to the list the approved person has left, with focus on its heading; the title says who.
    page, fragment = landing(admin, approved)
    assert fragment == "referrers" and focusable_element(page, fragment) == "h2"
    assert title_of(page) == "Approved: pat@example.org – Administration – Well Aware"
    assert "They can now use the referrer search." in confirmation_of(page)
    assert [m["Subject"] for m in mailbox.to("pat@example.org")][-1] == "Your Well Aware referrer account is ready"

    # A change of role ends the account's sessions (a session is renewed when what it may reach changes);
    # signed in again, the person reaches the cluster search.
    assert person.get("/referrer/search?cluster=14").status_code == 302
    sign_in(person, "pat@example.org")
    page = person.get("/referrer/search?cluster=14")
    assert page.status_code == 200
    assert html.escape(next(c.name for c in clusters() if c.code == 14)) in page_of(page)
    # Approving twice is not possible: the account is no longer waiting.
    assert admin.post(action, data={"csrf_token": csrf_token(dashboard)}).status_code == 404


def test_trusting_a_domain_and_removing_it_come_back_to_the_list(demo_app: Flask) -> None:
    with demo_app.app_context():
        set_password(find_user("admin@wellaware.example"), PASSWORD)
        db.session.commit()
    admin = new_client(demo_app)
    assert sign_in(admin, "admin@wellaware.example").status_code == 302

    page, fragment = landing(admin, form_post(admin, "/admin/trusted-domains", {"domain": "@Example.ORG"},
                                              page="/admin/"))
    assert re.fullmatch(r"domain-\d+", fragment) and focusable_element(page, fragment) == "li"
    assert re.search(rf'<li [^>]*id="{fragment}"[^>]*>example\.org', page)
    assert title_of(page) == "Trusted: example.org – Administration – Well Aware"

    remove = f"/admin/trusted-domains/{fragment.removeprefix('domain-')}/remove"
    page, fragment = landing(admin, form_post(admin, remove, {}, page="/admin/"))
    assert fragment == "trusted-domains" and focusable_element(page, fragment) == "h2"
    assert title_of(page) == "No longer trusted: example.org – Administration – Well Aware"


def test_only_an_administrator_can_approve(demo_app: Flask, smtp) -> None:
    use_smtp(demo_app, smtp)
    with demo_app.app_context():
        set_password(find_user("editor1@wellaware.example"), PASSWORD)
        db.session.commit()
    person, editor = new_client(demo_app), new_client(demo_app)
    register(person, "lee@example.org")
    with demo_app.app_context():
        user_id = find_user("lee@example.org").id
    sign_in(editor, "editor1@wellaware.example")
    token = csrf_token(page_of(editor.get("/account")))
    assert editor.get("/admin/").status_code == 403
    assert editor.post(f"/admin/referrers/{user_id}/approve", data={"csrf_token": token}).status_code == 403
    with demo_app.app_context():
        assert find_user("lee@example.org").referrer_status == ReferrerStatus.PENDING


def test_registering_twice_answers_as_the_first_time_and_tells_only_the_owner(app: Flask, smtp) -> None:
    """The page must not tell a stranger that an address has an account (issue 18: account enumeration)."""
    mailbox = use_smtp(app, smtp)
    first, stranger = new_client(app), new_client(app)
    answer = register(first, "dee@nhs.net")
    again = register(stranger, "DEE@nhs.net", name="Someone Else", password="a different long password")
    assert answer.status_code == again.status_code == 200
    assert page_of(again) == page_of(answer)
    assert [m["Subject"] for m in mailbox.to("dee@nhs.net")] == [
        "Confirm your email address for Well Aware", "Someone tried to register with your email address"]
    with app.app_context():  # the account is as the owner made it
        assert find_user("dee@nhs.net").name == "Sam Referrer"

    # Listing an organisation with that address answers the same way, and only the owner's inbox hears.
    listing = form_post(new_client(app), "/manage/register", {
        "name": "Dee's Walking Group", "editor_name": "Someone Else", "editor_email": "dee@nhs.net",
        "password": "a different long password", "confirm": "a different long password"})
    assert listing.status_code == 200 and page_of(listing) == page_of(answer)
    assert mailbox.to("dee@nhs.net")[-1]["Subject"] == "Someone tried to register with your email address"
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM organisation WHERE name = 'Dee''s Walking Group'")
                                  ).scalar_one() == 0


def test_registering_with_a_short_or_common_password_is_refused(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    client = new_client(app)
    short = register(client, "eve@nhs.net", password="short")
    assert short.status_code == 400 and "The password must be at least 10 characters" in page_of(short)
    for common in ("aaaaaaaaaa", "password12", "qwertyuiop", "1234567890", "eve@nhs.net1"):
        refused = register(client, "eve@nhs.net", password=common)
        assert refused.status_code == 400, common
        assert "That password is too easy to guess" in page_of(refused), common
    with app.app_context():
        assert find_user("eve@nhs.net") is None
    assert mailbox.messages == []


def test_a_confirmation_link_that_was_tampered_with_is_not_found(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    client = new_client(app)
    register(client, "fay@nhs.net")
    link = only_link(mailbox, "fay@nhs.net", "/professionals/confirm/")
    assert client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 404
    with app.app_context():
        assert find_user("fay@nhs.net").email_verified_at is None


# --- 2: sign-in messages ----------------------------------------------------------------------------------


def test_sign_in_before_confirming_is_refused_with_a_clear_message(app: Flask, smtp) -> None:
    use_smtp(app, smtp)
    client = new_client(app)
    register(client, "gus@nhs.net")
    response = sign_in(client, "gus@nhs.net")
    assert response.status_code == 400
    assert "Confirm your email address first: use the link we emailed you" in page_of(response)
    assert not signed_in(client)


def test_a_wrong_password_gets_a_plain_message_and_keeps_the_email(app: Flask) -> None:
    make_user(app, "hal@nhs.net")
    client = new_client(app)
    response = sign_in(client, "hal@nhs.net", "not the password")
    page = page_of(response)
    assert response.status_code == 400
    assert title_of(page) == "Error: Sign in – Well Aware"
    assert "The email address or password is not right" in page
    assert re.search(r'<input[^>]*name="email"[^>]*value="hal@nhs.net"', page)
    assert "not the password" not in page
    assert not signed_in(client)
    # An unknown address gets the very same message: nobody learns who has an account.
    unknown = page_of(sign_in(client, "nobody@nhs.net", "not the password"))
    assert "The email address or password is not right" in unknown
    assert "no account" not in unknown.lower()


def test_the_right_password_signs_in(app: Flask) -> None:
    make_user(app, "ida@nhs.net")
    client = new_client(app)
    response = sign_in(client, "IDA@nhs.net")
    assert response.status_code == 302
    assert signed_in(client)
    with app.app_context():
        assert find_user("ida@nhs.net").last_login_at is not None


def test_a_closed_account_cannot_sign_in(app: Flask) -> None:
    make_user(app, "jo@nhs.net")
    with app.app_context():
        find_user("jo@nhs.net").active = False
        db.session.commit()
    client = new_client(app)
    page = page_of(sign_in(client, "jo@nhs.net"))
    assert "This account has been closed" in page
    assert not signed_in(client)


# --- 3: rate limits ---------------------------------------------------------------------------------------


def assert_plain_429(response) -> None:
    page = page_of(response)
    assert response.status_code == 429
    assert "Too many attempts" in page and "Please wait a few minutes and try again." in page
    assert "Traceback" not in page and "<form method=\"post\" novalidate>" not in page


def test_sign_in_attempts_from_one_address_are_limited_to_ten_a_minute(app: Flask) -> None:
    make_user(app, "kim@nhs.net")
    client = new_client(app)
    token = csrf_token(page_of(client.get("/sign-in")))
    for attempt in range(10):
        response = client.post("/sign-in", data={"email": f"guess{attempt}@nhs.net", "password": "guess",
                                                 "csrf_token": token})
        assert response.status_code == 400, attempt
    # The eleventh is refused, even with the right password, and does not sign in.
    response = client.post("/sign-in", data={"email": "kim@nhs.net", "password": PASSWORD, "csrf_token": token})
    assert_plain_429(response)
    assert not signed_in(client)
    # Another address is not held up.
    other = new_client(app)
    assert sign_in(other, "kim@nhs.net").status_code == 302
    # A minute later the first address may try again.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        assert sign_in(client, "kim@nhs.net").status_code == 302


def test_getting_the_sign_in_page_is_not_limited(app: Flask) -> None:
    client = new_client(app)
    for _ in range(25):
        assert client.get("/sign-in").status_code == 200


# --- 4: password reset ------------------------------------------------------------------------------------


def ask_for_reset(client: FlaskClient, email: str):
    return form_post(client, "/password/forgot", {"email": email})


def reset_page_text(response, email: str) -> str:
    return page_of(response).replace(html.escape(email), "EMAIL")


def test_a_reset_link_works_once_and_changes_the_password(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    make_user(app, "ned@nhs.net")
    client = new_client(app)
    response = ask_for_reset(client, "ned@nhs.net")
    assert response.status_code == 200 and "Check your email" in page_of(response)
    assert [m["Subject"] for m in mailbox.to("ned@nhs.net")] == ["Reset your Well Aware password"]
    link = only_link(mailbox, "ned@nhs.net", "/password/reset/")

    form = client.get(link)
    assert form.status_code == 200 and "Choose a new password" in page_of(form)
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "confirm": "something else entirely",
                                       "csrf_token": csrf_token(page_of(form))})
    assert "The passwords do not match" in page_of(mismatch)
    changed = form_post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302 and path_of(changed.headers["Location"]) == "/sign-in"

    # Used once, the link is dead.
    again = client.get(link)
    assert again.status_code == 404 and "This link has expired" in page_of(again)
    assert client.post(link, data={"password": "yet another password", "confirm": "yet another password",
                                   "csrf_token": csrf_token(page_of(form))}).status_code == 404

    assert "The email address or password is not right" in page_of(sign_in(client, "ned@nhs.net", PASSWORD))
    assert not signed_in(client)
    assert sign_in(client, "ned@nhs.net", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_reset_link_expires_after_the_set_hours(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    assert app.config["PASSWORD_RESET_HOURS"] == 2
    make_user(app, "ola@nhs.net")
    client = new_client(app)
    ask_for_reset(client, "ola@nhs.net")
    link = only_link(mailbox, "ola@nhs.net", "/password/reset/")
    now = datetime.now(UTC)
    with time_machine.travel(now + timedelta(hours=1, minutes=50), tick=False):
        assert client.get(link).status_code == 200  # still in time
    with time_machine.travel(now + timedelta(hours=3), tick=False):
        response = client.get(link)
        assert response.status_code == 404 and "This link has expired" in page_of(response)
        refused = form_post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                            page="/password/forgot")
        assert refused.status_code == 404
    assert "The email address or password is not right" in page_of(sign_in(client, "ola@nhs.net", NEW_PASSWORD))
    assert sign_in(client, "ola@nhs.net", PASSWORD).status_code == 302


def test_an_unknown_email_gets_the_same_answer_and_no_email(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    make_user(app, "pam@nhs.net")
    client = new_client(app)
    known = ask_for_reset(client, "pam@nhs.net")
    unknown = ask_for_reset(client, "nobody.here@nhs.net")
    assert known.status_code == unknown.status_code == 200
    assert reset_page_text(known, "pam@nhs.net") == reset_page_text(unknown, "nobody.here@nhs.net")
    assert "If there is an account for" in page_of(unknown)
    assert mailbox.to("nobody.here@nhs.net") == []
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["To"] == "pam@nhs.net"


def test_a_new_reset_link_works_after_the_password_changed_only_if_new(app: Flask, smtp) -> None:
    """A link made before the password changed stops working, even if it was never used."""
    mailbox = use_smtp(app, smtp)
    make_user(app, "quin@nhs.net")
    client = new_client(app)
    ask_for_reset(client, "quin@nhs.net")
    first = only_link(mailbox, "quin@nhs.net", "/password/reset/")
    with app.app_context():
        set_password(find_user("quin@nhs.net"), NEW_PASSWORD)
        db.session.commit()
    assert client.get(first).status_code == 404


# --- 5: no open redirect ----------------------------------------------------------------------------------


OFF_SITE = ["https://evil.example/x", "//evil.example", "/\\evil.example", "\\\\evil.example",
            "javascript:alert(1)", "http:evil.example", " //evil.example", "/\t/evil.example", "///evil.example",
            "https:/evil.example"]


def test_sign_in_never_redirects_off_the_site(app: Flask) -> None:
    make_user(app, "rae@nhs.net")
    for target in OFF_SITE:
        client = new_client(app)
        response = sign_in(client, "rae@nhs.net", next_url=target)
        assert response.status_code == 302, target
        location = response.headers["Location"]
        parts = urlsplit(location)
        assert parts.netloc in ("", "wellaware.test") and parts.scheme in ("", "http"), (target, location)
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
        assert "evil" not in location and "javascript" not in location.lower(), (target, location)
        assert location == "/referrer/search", target  # the referrer's home


def test_sign_in_returns_to_a_page_on_this_site(app: Flask) -> None:
    make_user(app, "sid@nhs.net")
    for target in ("/shortlist/", "/search?q=debt&area=bath", "/referrer/search?cluster=14"):
        client = new_client(app)
        response = sign_in(client, "sid@nhs.net", next_url=target)
        assert response.status_code == 302 and response.headers["Location"] == target


def test_the_sign_in_page_a_referrer_is_sent_to_brings_them_back(app: Flask) -> None:
    make_user(app, "tam@nhs.net")
    client = new_client(app)
    asked = client.get("/referrer/search?cluster=14")
    assert asked.status_code == 302
    response = form_post(client, asked.headers["Location"], {"email": "tam@nhs.net", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrer/search?cluster=14"


# --- 6: CSRF ----------------------------------------------------------------------------------------------


def test_signing_in_without_the_form_token_is_refused(app: Flask) -> None:
    make_user(app, "uma@nhs.net")
    client = new_client(app)
    client.get("/sign-in")
    for data in ({"email": "uma@nhs.net", "password": PASSWORD},
                 {"email": "uma@nhs.net", "password": PASSWORD, "csrf_token": "forged"}):
        response = client.post("/sign-in", data=data)
        assert response.status_code == 400
        assert "Something was wrong with that request" in page_of(response)
        assert not signed_in(client)
    # A token from another visitor's session does not work either.
    other = new_client(app)
    token = csrf_token(page_of(other.get("/sign-in")))
    assert client.post("/sign-in", data={"email": "uma@nhs.net", "password": PASSWORD,
                                         "csrf_token": token}).status_code == 400
    assert not signed_in(client)


# --- 7: session protection and signing out ----------------------------------------------------------------


def test_signing_out_closes_the_referrer_pages(demo_app: Flask) -> None:
    make_user(demo_app, "val@nhs.net")
    client = new_client(demo_app)
    sign_in(client, "val@nhs.net")
    assert client.get("/referrer/search").status_code == 200
    assert client.get("/sign-out").status_code == 405  # a link cannot sign anyone out …
    assert client.post("/sign-out").status_code == 400  # … nor a post from another site
    assert client.get("/referrer/search").status_code == 200
    response = sign_out(client)
    assert response.status_code == 302 and path_of(response.headers["Location"]) == "/"
    assert title_of(page_of(client.get("/"))).startswith("You have signed out – ")
    for url in ("/referrer/search", "/referrer/search?cluster=14", "/account"):
        refused = client.get(url)
        assert refused.status_code == 302 and path_of(refused.headers["Location"]) == "/sign-in", url


def test_a_session_cookie_taken_to_another_browser_is_not_signed_in(demo_app: Flask) -> None:
    app = demo_app
    make_user(app, "wyn@nhs.net")
    client = new_client(app)
    client.environ_base["HTTP_USER_AGENT"] = "Browser One"
    sign_in(client, "wyn@nhs.net")
    assert client.get("/referrer/search").status_code == 200
    cookie = client.get_cookie("session", domain="wellaware.test")
    assert cookie is not None

    thief = new_client(app)
    thief.environ_base["HTTP_USER_AGENT"] = "Browser Two"
    thief.set_cookie("session", cookie.value, domain="wellaware.test")
    response = thief.get("/referrer/search")
    assert response.status_code == 302 and path_of(response.headers["Location"]) == "/sign-in"
    # The same cookie in the same browser still works: it was the change that was refused.
    twin = app.test_client()
    twin.environ_base.update(client.environ_base)
    twin.set_cookie("session", cookie.value, domain="wellaware.test")
    assert twin.get("/referrer/search").status_code == 200


# --- 8: the public site says little about professionals ---------------------------------------------------


def test_the_public_home_page_has_only_a_small_link_for_professionals(demo_client: FlaskClient) -> None:
    page = page_of(demo_client.get("/"))
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    footer = page.split("<footer", 1)[1].split("</footer>", 1)[0]
    assert re.search(r'<a [^>]*href="/sign-in"[^>]*>For professionals</a>', footer)
    assert "/sign-in" not in header and "/referrer/" not in page
    assert page.count('href="/sign-in"') == 1
    assert not cluster_words_in(page), cluster_words_in(page)


@pytest.mark.parametrize("url", ["/sign-in", "/professionals/register", "/password/forgot"])
def test_the_account_pages_say_nothing_about_clusters(url: str, demo_client: FlaskClient) -> None:
    page = page_of(demo_client.get(url))
    assert not cluster_words_in(page), (url, cluster_words_in(page))


def test_the_429_page_says_nothing_about_clusters(app: Flask) -> None:
    client = new_client(app)
    token = csrf_token(page_of(client.get("/sign-in")))
    for _ in range(10):
        client.post("/sign-in", data={"email": "x@nhs.net", "password": "guess", "csrf_token": token})
    response = client.post("/sign-in", data={"email": "x@nhs.net", "password": "guess", "csrf_token": token})
    assert response.status_code == 429
    assert not cluster_words_in(page_of(response))
