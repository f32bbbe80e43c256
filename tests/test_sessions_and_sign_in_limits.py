"""Sessions that can be ended on the server, and sign-in limits that cannot be turned against an account's
owner (issue 18, findings 2 and 3).

A "copied cookie" is what someone finds on a shared computer in a surgery or library: the session cookie of
a browser that signed in, put into another browser.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from app.accounts.operations import create_user
from app.extensions import db
from tests.conftest import use_smtp
from tests.web import client_at, csrf_token, form_post, new_client

PASSWORD = "a long test password"
NEW_PASSWORD = "another long password"
PROJECT = Path(__file__).resolve().parent.parent


def make_user(app: Flask, email: str, role: str = "referrer") -> None:
    with app.app_context():
        create_user(email, PASSWORD, role=role, name="Test Person")
        db.session.commit()


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return form_post(client, "/sign-in", {"email": email, "password": password})


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copied_browser(app: Flask, signed_in_client: FlaskClient, address: str) -> FlaskClient:
    """Another browser at the same address (the same shared computer, or the same surgery network: from
    elsewhere, Flask-Login's strong session protection already refuses the copy) holding a copy of
    ``signed_in_client``'s session cookie."""
    cookie = signed_in_client.get_cookie("session", domain="wellaware.test")
    assert cookie is not None
    other = client_at(app, address)
    other.set_cookie("session", cookie.value, domain="wellaware.test")
    return other


# --- finding 2: sessions outlive sign-out and password reset ----------------------------------------------


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app: Flask) -> None:
    make_user(app, "ann@nhs.net")
    surgery_pc = client_at(app, "10.98.0.1")
    assert sign_in(surgery_pc, "ann@nhs.net").status_code == 302
    copy = copied_browser(app, surgery_pc, "10.98.0.1")
    assert signed_in(copy)  # the copy works while the session lasts: the cookie is the session
    form_post(surgery_pc, "/sign-out", {}, page="/account")
    assert not signed_in(surgery_pc)
    assert not signed_in(copy)
    # Signing in again starts a new session that works.
    assert sign_in(surgery_pc, "ann@nhs.net").status_code == 302 and signed_in(surgery_pc)


def test_a_password_reset_signs_the_account_out_on_all_devices(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    make_user(app, "bea@nhs.net")
    library_pc, phone = client_at(app, "10.98.0.2"), new_client(app)
    assert sign_in(library_pc, "bea@nhs.net").status_code == 302
    assert sign_in(phone, "bea@nhs.net").status_code == 302
    copy = copied_browser(app, library_pc, "10.98.0.2")

    form_post(phone, "/password/forgot", {"email": "bea@nhs.net"})
    link = next(link for link in mailbox.links("bea@nhs.net") if "/password/reset/" in link)
    path = "/" + link.split("/", 3)[3]
    changed = form_post(phone, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    page = phone.get(changed.headers["Location"]).get_data(as_text=True)
    assert "You have been signed out on all devices" in page
    assert not any(signed_in(browser) for browser in (library_pc, phone, copy))
    assert sign_in(library_pc, "bea@nhs.net", NEW_PASSWORD).status_code == 302


def test_suspending_an_account_ends_its_sessions(app: Flask, runner: FlaskCliRunner) -> None:
    make_user(app, "cal@nhs.net")
    browser = new_client(app)
    assert sign_in(browser, "cal@nhs.net").status_code == 302
    result = runner.invoke(args=["users", "suspend", "--email", "cal@nhs.net"])
    assert result.exit_code == 0, result.output
    assert not signed_in(browser)
    refused = sign_in(new_client(app), "cal@nhs.net")
    assert "This account has been closed" in refused.get_data(as_text=True)
    with app.app_context(), db.engine.connect() as connection:  # the audit log names the account
        actions = connection.execute(
            text("SELECT action FROM audit_event WHERE subject = 'cal@nhs.net'")).scalars().all()
    assert actions == ["account suspended"]
    assert runner.invoke(args=["users", "reopen", "--email", "cal@nhs.net"]).exit_code == 0
    assert sign_in(browser, "cal@nhs.net").status_code == 302


def test_a_session_cookie_of_the_old_form_opens_nothing(app: Flask) -> None:
    """Cookies made before sessions carried a generation (a bare user id) are refused, not trusted."""
    make_user(app, "dot@nhs.net")
    browser = new_client(app)
    with app.app_context():
        user_id = db.session.execute(text("SELECT id FROM \"user\" WHERE email = 'dot@nhs.net'")).scalar_one()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    assert not signed_in(browser)


# --- finding 3: anyone can lock a named account out --------------------------------------------------------


def test_forty_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(app: Flask) -> None:
    make_user(app, "eli@nhs.net")
    for attempt in range(40):
        guesser = new_client(app)  # a new address each time, as a botnet would
        assert sign_in(guesser, "eli@nhs.net", f"guess number {attempt}").status_code == 400, attempt
    owner = new_client(app)
    assert sign_in(owner, "eli@nhs.net").status_code == 302 and signed_in(owner)


def test_guessing_from_one_address_is_slowed_progressively_and_only_there(app: Flask) -> None:
    make_user(app, "fin@nhs.net")
    guesser = client_at(app, "10.99.0.1")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(5):  # five wrong passwords are answered as such
            assert sign_in(guesser, "fin@nhs.net", f"guess {attempt}").status_code == 400
        waits = []
        for number in range(3):
            held = sign_in(guesser, "fin@nhs.net", PASSWORD)  # even the right password waits its turn
            assert held.status_code == 429
            page = held.get_data(as_text=True)
            assert "Too many wrong passwords for this account from here" in page
            waits.append(page.split("Wait ", 1)[1].split(" and try again", 1)[0])
            if number < 2:
                clock.shift(timedelta(seconds=2 ** (number + 1)))
                assert sign_in(guesser, "fin@nhs.net", "yet another guess").status_code == 400
        assert waits == ["2 seconds", "4 seconds", "8 seconds"]  # the wait doubles with each wrong password
        # The owner, anywhere else, is not held up.
        assert sign_in(new_client(app), "fin@nhs.net").status_code == 302
        # At the guesser's address, once the wait (and the per-address minute) is over, the right password
        # works, and it clears the count.
        clock.shift(timedelta(seconds=61))
        assert sign_in(guesser, "fin@nhs.net").status_code == 302
    with app.app_context(), db.engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM sign_in_failure WHERE email = 'fin@nhs.net' "
                                       "AND address = '10.99.0.1'")).scalar_one()
    assert left == 0


# --- the limits are shared by every worker ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(app: Flask, instance: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("WELLAWARE_")}
    environment |= {
        "WELLAWARE_DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
        "WELLAWARE_SECRET_KEY": "two-workers-secret",  # each reads the other's sessions and CSRF tokens
        "WELLAWARE_INDEX_DIR": str(app.config["INDEX_DIR"]),
        "WELLAWARE_INSTANCE_PATH": str(instance),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:app.serving.gunicorn", "-w", "1",
         "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}"


def wait_until_serving(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(url + "/sign-in", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


@pytest.fixture
def two_workers(app: Flask, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two gunicorn workers, each in its own process, over this test's database, with no rate-limit store
    named. Requests alternate between them, so each takes exactly half: with each worker counting alone,
    "10 per minute" would let twenty through."""
    with app.app_context():
        db.engine.dispose()  # the workers open their own connections
    servers = [start_worker(app, tmp_path / "instance") for _ in range(2)]
    try:
        for server, url in servers:
            wait_until_serving(server, url)
        yield servers[0][1], servers[1][1]
    finally:
        for server, _url in servers:
            server.terminate()
            server.wait(timeout=30)


def alternating_wrong_sign_ins(workers: tuple[str, str], emails: list[str]) -> list[int]:
    """Wrong-password sign-ins from one address, taken by the two workers in turn."""
    with requests.Session() as browser:
        token = csrf_token(browser.get(workers[0] + "/sign-in", timeout=10).text)
        return [browser.post(workers[number % 2] + "/sign-in", timeout=10,
                             data={"email": email, "password": f"wrong {number}", "csrf_token": token}).status_code
                for number, email in enumerate(emails)]


def test_two_workers_share_the_per_address_sign_in_limit(two_workers: tuple[str, str]) -> None:
    statuses = alternating_wrong_sign_ins(two_workers, [f"nobody{number}@nhs.net" for number in range(14)])
    assert statuses == [400] * 10 + [429] * 4


def test_two_workers_share_one_account_s_wrong_password_count(two_workers: tuple[str, str], app: Flask) -> None:
    make_user(app, "gil@nhs.net")
    statuses = alternating_wrong_sign_ins(two_workers, ["gil@nhs.net"] * 7)
    assert statuses == [400] * 5 + [429] * 2
    engine = create_engine(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    with engine.connect() as connection:
        failures = connection.execute(text("SELECT failures FROM sign_in_failure WHERE email = 'gil@nhs.net'"))
        assert failures.scalar_one() == 5
    engine.dispose()
