"""Browser tests: the real app on a loopback port, driven by Playwright in Debian's Chromium.

One server and one browser serve the whole session. The server runs the app with werkzeug's threaded
server over its own copy of the demo database and index (built once by ``demo_template``), with known
passwords for the demo administrator, referrer and editor. Each test opens its own browser context, so
it starts with no cookies: an empty shortlist and nobody signed in.
"""

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.accounts.operations import find_user, set_password
from app.extensions import db
from search.sync import search_index
from tests.databases import clone, database_url, drop, using_postgres

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules/axe-core/axe.min.js"
VNU_JAR = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
SCREENSHOTS = ROOT / "test-artifacts/screenshots"

PASSWORD = "browser-test-password"
ADMIN = "admin@wellaware.example"
REFERRER = "referrer@nhs.example"
EDITOR = "editor1@wellaware.example"  # edits the first demo organisation by name

# A listing of the first demo organisation (editor1's), open "Mon-Fri 09:30-16:30" in the demo. The editor
# journeys change its first opening time's closing time, each time to one it does not have yet.
EDITED_LISTING = "Information and Advice for Later Life"
CLOSING_TIMES = {"16:45": "4:45pm", "16:15": "4:15pm", "17:00": "5pm", "16:30": "4:30pm"}
# A care cluster with a few listings focused on it and a few that also serve it, so the first page of a
# cluster search shows all three tiers: main focus, also serves, open to all clusters.
CLUSTER = "5"
TIER_LABELS = ("Main focus on your chosen cluster", "Also serves your chosen cluster", "Open to all clusters")

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
VIEWPORTS = [pytest.param(DESKTOP, id="1280px"), pytest.param(PHONE, id="360px")]
# Generous waits: the machine has two cores and may be busy with other test runs.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class LiveServer:
    url: str
    app: Flask
    errors: list[BaseException] = field(default_factory=list)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser suite runs once, in the SQLite pass of `.ci/test`: it tests pages, not databases."""
    if using_postgres():
        skip = pytest.mark.skip(reason="browser tests run in the SQLite pass only")
        for item in items:
            if item.path.is_relative_to(Path(__file__).parent):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1 over a fresh copy of the demo database and index."""
    workdir = tmp_path_factory.mktemp("browser")
    clone(demo_template, workdir)
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"),
        "INSTANCE_PATH": str(workdir / "instance"),
        # Every test signs in afresh from one address: the sign-in limits are for people, not test suites.
        "RATELIMIT_ENABLED": False,
        "FICTIONAL_PHONE_NUMBERS": True,  # the demo's numbers are Ofcom's drama numbers, as .ci/serve allows
    })
    with app.app_context():
        for email in (ADMIN, REFERRER, EDITOR):
            user = find_user(email)
            assert user is not None, f"the demo has no account {email}"
            set_password(user, PASSWORD)
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    app.config["SITE_URL"] = live.url

    def record(_sender: Flask, exception: BaseException, **_extra: object) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, app, weak=False)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        search_index(app).close()
        drop(workdir)


@pytest.fixture(autouse=True)
def _no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails if the app raised an exception while serving it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("live_server")
    before = len(live.errors)
    yield
    new = live.errors[before:]
    assert not new, f"the app raised while serving this test: {new!r}"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for the session. Playwright starts it with a new, empty profile folder of its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (bash .ci/install does)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., BrowserContext]]:
    """Makes browser contexts on the live server (closed after the test): ``new_context(viewport, **options)``."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(params=VIEWPORTS)
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return request.param


@pytest.fixture
def page(new_context: Callable[..., BrowserContext], viewport: dict[str, int]) -> Page:
    """A page in a new context (no cookies) at the test's viewport."""
    return new_context(viewport).new_page()


# --- helpers ---------------------------------------------------------------------------------------------

FILTER_CONTROL = "summary.wa-filter-panel__summary"


def open_filters(page: Page) -> None:
    """On a phone the search filters fold behind "Filter results": open them (a desktop shows them)."""
    control = page.locator(FILTER_CONTROL)
    if control.is_visible():
        control.click()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, with the mouse-free `fill`, and wait for the page it leads to."""
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, f"signing in as {email} failed"


def sign_in_as_admin(page: Page) -> None:
    sign_in(page, ADMIN)


def sign_in_as_referrer(page: Page) -> None:
    sign_in(page, REFERRER)


def sign_in_as_editor(page: Page) -> None:
    sign_in(page, EDITOR)


SERIOUS = ("serious", "critical")


def axe_violations(page: Page, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA (and best-practice) violations of these impacts on the page as it is now.

    The page must be in a context made with ``bypass_csp=True``: the site's policy forbids inline scripts.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} – {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
    return "\n".join(lines)


# The NHS responsive table (app/templates/partials/tables.html) gives its rows and cells their own roles
# again, for browsers that stop exposing a table once CSS stacks its rows on a phone. The checker calls a
# table part's role an error even when it is the part's own role; any other role there is still reported.
OWN_TABLE_ROLE = re.compile(r"The “role” attribute must not be used on a “(?:tr|th|td)” element which has a “table”")
OWN_ROLES = re.compile(r'role="(?:row|cell|columnheader|rowheader)"')


def _own_table_role(message: dict[str, Any]) -> bool:
    return bool(OWN_TABLE_ROLE.match(message.get("message", "")) and OWN_ROLES.search(message.get("extract", "")))


def nu_check(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """The Nu HTML Checker's errors for each file, by file name, from one run of vnu.jar over all of them."""
    if not files:
        return {}
    if shutil.which("java") is None:
        pytest.fail("java is missing: install Debian's default-jre-headless (bash .ci/install does)")
    completed = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    report = json.loads(completed.stdout or "{}")
    errors: dict[str, list[dict[str, Any]]] = {f.name: [] for f in files}
    for message in report.get("messages", []):
        if (message.get("type") == "error" or message.get("subType") == "fatal") and not _own_table_role(message):
            name = Path(message.get("url", "").removeprefix("file:")).name
            errors.setdefault(name, []).append(message)
    return errors


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
