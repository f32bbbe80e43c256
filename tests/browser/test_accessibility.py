"""Every page type: no serious or critical axe-core violations, valid HTML, no sideways scrolling, and
screenshots, at 320, 360 and 1280 px.

One module fixture visits all the pages once (axe at each width, screenshots to
test-artifacts/screenshots/), saves each page's HTML as the server sent it, and runs the Nu HTML Checker
once over all of them; the tests then report on each page.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response
from sqlalchemy import select

from app.accounts.operations import find_user
from app.directory.models import Service
from app.extensions import db
from app.freshness.links import confirmation_token
from app.timeutil import today
from tests.browser.conftest import (
    ADMIN,
    DESKTOP,
    EDITED_LISTING,
    EDITOR,
    PHONE,
    REFERRER,
    TIMEOUT_MS,
    LiveServer,
    axe_violations,
    describe_violations,
    nu_check,
    screenshot,
    sign_in,
)


def _goto(url: str) -> Callable[[Page], Response | None]:
    return lambda page: page.goto(url)


def _submit(page: Page, button: str) -> Response | None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    return navigation.value


def _shortlist_with_two(page: Page) -> Response | None:
    page.goto("/search?q=carers")
    for n in (0, 1):
        with page.expect_navigation():
            page.locator("li.wa-result").nth(n).get_by_role("button", name="Add to shortlist").click()
    return page.goto("/shortlist/")


def _result_shortlisted(page: Page) -> Response | None:
    """Back on the results after adding one: the confirmation opens the main content, focus on the result."""
    page.goto("/search?q=feeling+low")
    with page.expect_navigation() as navigation:
        page.locator("li.wa-result").first.get_by_role("button", name="Add to shortlist").click()
    return navigation.value


def _listing(page: Page) -> Response | None:
    page.goto("/search?q=feeling+low")
    href = page.locator("li.wa-result h2 a").first.get_attribute("href")
    return page.goto(href)


def _sign_in_errors(page: Page) -> Response | None:
    page.goto("/sign-in")
    return _submit(page, "Sign in")


def _edit_form(page: Page) -> Response | None:
    page.goto("/manage/")
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name=f"Edit {EDITED_LISTING}").click()
    return navigation.value


def _edit_form_errors(page: Page) -> Response | None:
    _edit_form(page)
    page.fill("#min_age", "130")
    page.fill("#email", "not an email address")
    return _submit(page, "Send for approval")


def _manage_confirmed(page: Page) -> Response | None:
    page.goto("/manage/")
    with page.expect_navigation() as navigation:
        page.locator("tr", has_text=EDITED_LISTING).get_by_role("button", name="Still correct").click()
    return navigation.value


def _hub_errors(page: Page) -> Response | None:
    page.goto("/admin/hubs")
    return _submit(page, "Add the hub")


def _edited_listing_id(page: Page) -> str:
    page.goto(f"/search?q={EDITED_LISTING.replace(' ', '+')}")
    href = page.locator("li.wa-result h2 a", has_text=EDITED_LISTING).first.get_attribute("href")
    assert href
    return href.rsplit("/", 1)[1]


def _history(area: str) -> Callable[[Page], Response | None]:
    return lambda page: page.goto(f"/{area}/services/{_edited_listing_id(page)}/history")


def _manage_preview(page: Page) -> Response | None:
    page.goto("/manage/")
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name=EDITED_LISTING, exact=True).click()
    return navigation.value


def _report_form(page: Page) -> Response | None:
    page.goto(f"/services/{_edited_listing_id(page)}")
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Report a problem with this listing").click()
    return navigation.value


def _report_form_errors(page: Page) -> Response | None:
    _report_form(page)
    return _submit(page, "Send the report")


def _report_sent(page: Page) -> Response | None:
    _report_form(page)
    page.get_by_label("The phone number or email address is wrong").check()
    page.fill("#details", "The number rings out")
    return _submit(page, "Send the report")


def _manage_problem(page: Page) -> Response | None:
    page.goto("/manage/problems")
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="See the report").first.click()
    return navigation.value


def _manage_problem_errors(page: Page) -> Response | None:
    _manage_problem(page)
    return _submit(page, "Close the report")


# The live server's app, for making what only arrives by email (the reports fixture fills it in).
LIVE: dict[str, Any] = {}


def _confirm_link(page: Page) -> Response | None:
    """The "Still correct" link of a reminder, for the edited listing made due again."""
    app = LIVE["app"]
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == EDITED_LISTING))
        service.assured_at = today() - timedelta(days=160)
        db.session.commit()
        LIVE["link"] = f"/listings/confirm/{confirmation_token(service, find_user(EDITOR))}"
    return page.goto(LIVE["link"])


def _confirm_link_done(page: Page) -> Response | None:
    page.goto(LIVE["link"])
    return _submit(page, "Yes, it is still correct")


def _referrer_listing(page: Page) -> Response | None:
    page.goto("/referrer/search?cluster=5")
    href = page.locator("li.wa-result h2 a").first.get_attribute("href")
    return page.goto(href)


# name → (who is signed in, how to get there), visited in this order; each role keeps one browser context.
PAGES: dict[str, tuple[str | None, Callable[[Page], Response | None]]] = {
    "home": (None, _goto("/")),
    "results": (None, _goto("/search?q=feeling+low")),
    "results-filtered": (None, _goto("/search?q=feeling+low&age=30&cost=free")),
    "no-results": (None, _goto("/search?q=zzxqv+wibble")),
    "results-error": (None, _goto("/search?q=carers&age=old&postcode=nowhere")),
    "results-shortlisted": (None, _result_shortlisted),
    "results-page-2": (None, _goto("/search?q=support&page=2")),
    "results-postcode": (None, _goto("/search?q=carers&postcode=BS31+1AB")),
    "results-nearest": (None, _goto("/search?q=carers&postcode=BS31+1AB&sort=nearest")),
    "results-corrected": (None, _goto("/search?q=alchol")),
    "results-did-you-mean": (None, _goto("/search?q=alchol&exact=1")),
    "results-crisis": (None, _goto("/search?q=i+want+to+kill+myself")),
    "results-distress": (None, _goto("/search?q=my+husband+has+dementia+i+cant+cope")),
    "results-place": (None, _goto("/search?q=counselling+in+radstock")),
    "listing": (None, _listing),
    "report-form": (None, _report_form),
    "report-form-errors": (None, _report_form_errors),
    "report-sent": (None, _report_sent),
    "shortlist-empty": (None, _goto("/shortlist/")),
    "shortlist": (None, _shortlist_with_two),
    "shortlist-print": (None, _goto("/shortlist/print")),  # the two listings just added
    "sign-in": (None, _goto("/sign-in")),
    "sign-in-errors": (None, _sign_in_errors),
    "not-found": (None, _goto("/services/999999")),
    "method-not-allowed": (None, _goto("/shortlist/add")),
    "bad-request": (None, _goto("/search?q=%00")),
    "forbidden": (EDITOR, _goto("/admin/")),
    "leaflets": (None, _goto("/leaflets")),
    "hubs": (None, _goto("/hubs/")),
    "hubs-two": (None, _goto("/hubs/?place=BS39")),  # a district across two hubs
    "hubs-outside": (None, _goto("/hubs/?place=Frome")),  # a place no hub covers
    "hubs-error": (None, _goto("/hubs/?place=ZZ1+1ZZ")),
    "hub-found": (None, _goto("/hubs/?place=BA3")),  # leads on to the Somer Valley hub, with a confirmation
    "hub-section": (None, _goto("/hubs/somer-valley/carers-and-families")),
    "referrer-search": (REFERRER, _goto("/referrer/search?cluster=5")),
    "referrer-listing": (REFERRER, _referrer_listing),
    "manage-dashboard": (EDITOR, _goto("/manage/")),
    "manage-confirmed": (EDITOR, _manage_confirmed),
    "manage-preview": (EDITOR, _manage_preview),
    "manage-history": (EDITOR, _history("manage")),
    "manage-problems": (EDITOR, _goto("/manage/problems")),
    "manage-problem": (EDITOR, _manage_problem),
    "manage-problem-errors": (EDITOR, _manage_problem_errors),
    "listing-form": (EDITOR, _edit_form),
    "listing-form-errors": (EDITOR, _edit_form_errors),
    "admin-queue": (ADMIN, _goto("/admin/queue")),
    "admin-dashboard": (ADMIN, _goto("/admin/")),
    "admin-hubs-errors": (ADMIN, _hub_errors),
    "admin-import": (ADMIN, _goto("/admin/import")),
    "admin-usage": (ADMIN, _goto("/admin/usage")),
    "admin-audit": (ADMIN, _goto("/admin/audit")),
    "admin-history": (ADMIN, _history("admin")),
    "admin-search-words": (ADMIN, _goto("/admin/search-words?q=my+mum+has+dementia")),
    "admin-search-words-edit": (ADMIN, _goto("/admin/search-words/synonyms")),
    "admin-problems": (ADMIN, _goto("/admin/problems")),
    "admin-freshness": (ADMIN, _goto("/admin/freshness")),
    "confirm-link": (None, _confirm_link),
    "confirm-link-done": (None, _confirm_link_done),
    "confirm-link-used": (None, lambda page: page.goto(LIVE["link"])),
}
# Pages that answer other than 200: a missing page, and forms shown again with their problems.
STATUS = {"not-found": 404, "method-not-allowed": 405, "bad-request": 400, "forbidden": 403, "sign-in-errors": 400,
          "listing-form-errors": 400, "admin-hubs-errors": 400, "hubs-error": 400, "report-form-errors": 400,
          "manage-problem-errors": 400, "confirm-link-used": 410}
NARROWEST = {"width": 320, "height": 740}
WIDTHS = (DESKTOP, PHONE, NARROWEST)
SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"


@dataclass
class PageReport:
    status: int | None = None
    html_file: Path | None = None
    axe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # width → violations
    screenshots: list[Path] = field(default_factory=list)
    sideways: list[str] = field(default_factory=list)  # the widths at which the page scrolls sideways
    nu_errors: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None  # an exception while visiting the page


@pytest.fixture(scope="module")
def reports(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, PageReport]]:
    html_dir = tmp_path_factory.mktemp("html")
    LIVE["app"] = live_server.app
    found: dict[str, PageReport] = {}
    # The site's Content-Security-Policy forbids inline scripts, so axe's context bypasses it.
    contexts = {}
    for who in {who for who, _ in PAGES.values()}:
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        if who:
            sign_in(page, who)
        contexts[who] = page
    try:
        for name, (who, visit) in PAGES.items():
            report = found[name] = PageReport()
            page = contexts[who]
            try:
                page.set_viewport_size(DESKTOP)
                response = visit(page)
                assert response is not None, "no response"
                report.status = response.status
                report.html_file = html_dir / f"{name}.html"
                report.html_file.write_bytes(response.body())
                for size in WIDTHS:
                    page.set_viewport_size(size)
                    report.axe[f"{size['width']}px"] = axe_violations(page)
                    if page.evaluate(SIDEWAYS):
                        report.sideways.append(f"{size['width']}px")
                    report.screenshots.append(screenshot(page, f"{name}-{size['width']}"))
            except Exception as error:  # reported by the page's own tests
                report.problem = f"{type(error).__name__}: {error}"
        files = [report.html_file for name, report in found.items()
                 if report.html_file and report.status == STATUS.get(name, 200)]
        errors = nu_check(files)
        for report in found.values():
            if report.html_file:
                report.nu_errors = errors.get(report.html_file.name, [])
        yield found
    finally:
        for page in contexts.values():
            page.context.close()


def _visited(report: PageReport, name: str) -> None:
    assert report.problem is None, f"could not visit {name}: {report.problem}"
    expected = STATUS.get(name, 200)
    assert report.status == expected, f"{name} answered {report.status}"


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_axe_violations(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(report, name)
    for width, violations in report.axe.items():
        assert not violations, f"{name} at {width}:\n{describe_violations(violations)}"
    assert len(report.screenshots) == len(WIDTHS)


@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(report, name)
    assert not report.sideways, f"{name} scrolls sideways at {', '.join(report.sideways)}"


@pytest.mark.parametrize("name", PAGES)
def test_valid_html(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(report, name)
    lines = [f"line {m.get('lastLine')}: {m.get('message')} [{' '.join(m.get('extract', '').split())}]"
             for m in report.nu_errors]
    assert not lines, f"the Nu HTML Checker found errors in {name}:\n" + "\n".join(lines)
