"""Administrators' and editors' tables on a phone (issue 16): at 320 px and at 1280 px no page scrolls
sideways, every table cell is on the screen (a table reflows into stacked rows, each value with its
column's heading, or scrolls inside a region of its own that the keyboard can reach), axe-core finds
nothing serious, and the HTML is valid.

The pages carry the longest things real people put in them: long email addresses, web links and reasons.
The page an editor gets in the administrators' area (403) is checked the same way.
"""

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response
from sqlalchemy import select

from app.accounts.models import AuditEvent, ReferrerStatus, User
from app.accounts.operations import create_user, find_user
from app.directory.listing_data import ListingData
from app.directory.models import Organisation, Service
from app.directory.revisions import propose
from app.directory.visibility import is_public
from app.extensions import db
from app.timeutil import today, utcnow
from app.usage.models import UsageCount
from app.usage.tally import Metric
from tests.browser.conftest import (
    ADMIN,
    EDITED_LISTING,
    EDITOR,
    PASSWORD,
    ROOT,
    TIMEOUT_MS,
    LiveServer,
    axe_violations,
    describe_violations,
    nu_check,
    screenshot,
    sign_in,
)

NARROW = {"width": 320, "height": 740}
WIDE = {"width": 1280, "height": 800}
SIZES = {"320px": NARROW, "1280px": WIDE}

LONG_EMAIL = "alexandra.montgomery-fitzwilliam@bath-and-north-east-somerset-carers-centre.example"
LONG_LINK = "https://www.carers-centre.example/support-for-carers/evening-groups/keynsham-and-saltford-2027"
LONG_REASON = ("Please check the opening times against the leaflet and the website "
               f"({LONG_LINK}) before sending this again; the Saturday session moved in the spring. ") * 3


@dataclass
class Seeded:
    listing: int  # a listing with a change waiting, sent by someone with a long email address
    revision: int
    editors_listing: int  # the demo editor's listing


def _seed(live_server: LiveServer) -> Seeded:
    """What real people write, at its longest, in every table these pages show."""
    with live_server.app.app_context():
        organisation = db.session.scalars(select(Organisation).order_by(Organisation.name).offset(5)).first()
        service = next(s for s in sorted(organisation.services, key=lambda s: s.id) if is_public(s))
        author = find_user(LONG_EMAIL) or create_user(LONG_EMAIL, PASSWORD, role="editor",
                                                      organisation=organisation, name="Alexandra")
        data = ListingData.from_service(service)
        rest = data.description.split(" ", 1)[1]  # the first word taken out: the review marks words both ways
        changed = dataclasses.replace(data, website=LONG_LINK, description=(
            f"{rest}\n\nEvening groups are listed at {LONG_LINK} with their dates."))
        _, revision = propose(organisation, changed, author, service)
        db.session.add(User(email=f"waiting.{LONG_EMAIL}", name="Alexandra Montgomery-Fitzwilliam",
                            referrer_status=ReferrerStatus.PENDING, email_verified_at=utcnow()))
        admin = find_user(ADMIN)
        db.session.add(AuditEvent(actor_id=author.id, action="change rejected", subject=service.name,
                                  detail=LONG_REASON))
        db.session.add(AuditEvent(actor_id=admin.id, action="referrer approved", subject=LONG_EMAIL))
        for days_ago, count in ((3, 123_456), (4, 98_765)):
            day = today() - timedelta(days=days_ago)
            for metric in (Metric.SEARCH, Metric.SEARCH_WITHOUT_RESULTS, Metric.REFERRER_SEARCH, Metric.API_SEARCH):
                db.session.add(UsageCount(day=day, metric=metric, count=count))
            db.session.add(UsageCount(day=day, metric=Metric.LISTING_VIEW, subject=str(service.id), count=count))
        db.session.commit()
        editors_listing = db.session.scalar(select(Service.id).where(Service.name == EDITED_LISTING))
        seeded = Seeded(listing=service.id, revision=revision.id, editors_listing=editors_listing)
        db.session.remove()
    return seeded


def _upload_the_demo_csv(page: Page, seeded: Seeded) -> Response | None:
    page.goto("/admin/import")
    page.set_input_files("#csv_file", str(ROOT / "data/demo/services.csv"))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Check the file").click()
    return navigation.value


def _goto(address: Callable[[Seeded], str] | str) -> Callable[[Page, Seeded], Response | None]:
    return lambda page, seeded: page.goto(address if isinstance(address, str) else address(seeded))


# name → (who is signed in, how to get there, whether it must hold a table)
PAGES: dict[str, tuple[str, Callable[[Page, Seeded], Response | None], bool]] = {
    "admin-dashboard": (ADMIN, _goto("/admin/"), True),
    "admin-queue": (ADMIN, _goto("/admin/queue"), True),
    "admin-review": (ADMIN, _goto(lambda s: f"/admin/revisions/{s.revision}"), True),
    "admin-usage": (ADMIN, _goto("/admin/usage"), True),
    "admin-audit": (ADMIN, _goto("/admin/audit"), True),
    "admin-organisations": (ADMIN, _goto("/admin/organisations"), True),
    "admin-history": (ADMIN, _goto(lambda s: f"/admin/services/{s.listing}/history"), True),
    "admin-hubs": (ADMIN, _goto("/admin/hubs"), True),
    "admin-import-report": (ADMIN, _upload_the_demo_csv, True),
    "admin-search-words": (ADMIN, _goto("/admin/search-words"), True),
    "manage-dashboard": (EDITOR, _goto("/manage/"), True),
    "manage-history": (EDITOR, _goto(lambda s: f"/manage/services/{s.editors_listing}/history"), True),
    "editor-in-admin": (EDITOR, _goto("/admin/"), False),  # the page saying who the area is for
}
EXPECTED_STATUS = {"editor-in-admin": 403}

# Where each table cell is, and where the page ends, as the browser lays them out.
MEASURE = """() => {
    const width = window.innerWidth;
    const tables = [...document.querySelectorAll('main table')].map(table => {
        const region = table.closest('[role="region"]');
        const stacked = getComputedStyle(table.querySelector('tbody tr')).display === 'block';
        const cells = [...table.querySelectorAll('tbody td, tbody th')];
        const headings = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
        return {
            caption: (table.caption ? table.caption.textContent : '').trim(),
            rows: table.querySelectorAll('tbody tr').length,
            region: region && {tabindex: region.getAttribute('tabindex'),
                               label: region.getAttribute('aria-label') || region.getAttribute('aria-labelledby')},
            stacked,
            // A stacked cell starts with its column's heading, on the screen.
            unlabelled: stacked ? cells.filter(cell => {
                const label = cell.firstElementChild;
                return cell.colSpan === 1 && !(label && label.offsetWidth > 0 &&
                    label.textContent.trim() === headings[cell.cellIndex]);
            }).map(cell => cell.textContent.trim().slice(0, 60)) : [],
            offscreen: region ? [] : cells.map(cell => [cell, cell.getBoundingClientRect()])
                .filter(([, box]) => box.width > 0 && (box.left < -0.5 || box.right > width + 0.5))
                .map(([cell, box]) => cell.textContent.trim().slice(0, 60) +
                     ` (${Math.round(box.left)} to ${Math.round(box.right)})`),
        };
    });
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, tables};
}"""


@dataclass
class PageReport:
    status: int | None = None
    html_file: Path | None = None
    layout: dict[str, dict[str, Any]] = field(default_factory=dict)  # width → what MEASURE found
    tree: dict[str, str] = field(default_factory=dict)  # width → the first table as screen readers get it
    axe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # width → violations
    nu_errors: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None


@pytest.fixture(scope="module")
def reports(browser: Browser, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, PageReport]]:
    seeded = _seed(live_server)
    html_dir = tmp_path_factory.mktemp("table-pages")
    pages: dict[str, Page] = {}
    found: dict[str, PageReport] = {}
    try:
        for who in {who for who, _, _ in PAGES.values()}:
            # The site's Content-Security-Policy forbids inline scripts, so axe's context bypasses it.
            context = browser.new_context(base_url=live_server.url, viewport=WIDE, bypass_csp=True)
            context.set_default_timeout(TIMEOUT_MS)
            pages[who] = context.new_page()
            sign_in(pages[who], who)
        for name, (who, visit, _) in PAGES.items():
            report = found[name] = PageReport()
            page = pages[who]
            try:
                page.set_viewport_size(WIDE)
                response = visit(page, seeded)
                assert response is not None, "no response"
                report.status = response.status
                report.html_file = html_dir / f"{name}.html"
                report.html_file.write_bytes(response.body())
                for width, size in SIZES.items():
                    page.set_viewport_size(size)
                    report.layout[width] = page.evaluate(MEASURE)
                    if report.layout[width]["tables"]:
                        report.tree[width] = page.locator("main table").first.aria_snapshot()
                    report.axe[width] = axe_violations(page)
                    screenshot(page, f"tables-{name}-{width}")
            except Exception as error:  # reported by the page's own tests
                report.problem = f"{type(error).__name__}: {error}"
        errors = nu_check([report.html_file for report in found.values() if report.html_file])
        for report in found.values():
            if report.html_file:
                report.nu_errors = errors.get(report.html_file.name, [])
        yield found
    finally:
        for page in pages.values():
            page.context.close()


def _visited(name: str, report: PageReport) -> None:
    assert report.problem is None, f"could not visit {name}: {report.problem}"
    assert report.status == EXPECTED_STATUS.get(name, 200), f"{name} answered {report.status}"


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_the_page_never_scrolls_sideways(name: str, width: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(name, report)
    layout = report.layout[width]
    assert layout["scrollWidth"] <= layout["innerWidth"], (
        f"{name} is {layout['scrollWidth']} px wide in a {layout['innerWidth']} px window")
    _, _, has_table = PAGES[name]
    if has_table:
        assert any(table["rows"] for table in layout["tables"]), f"{name} shows no table rows to check"
    for table in layout["tables"]:
        where = f"{name} at {width}, table {table['caption']!r}"
        assert table["offscreen"] == [], f"{where}: cells off the screen: {table['offscreen']}"
        if table["region"]:
            assert table["region"]["tabindex"] == "0" and table["region"]["label"], (
                f"{where} scrolls in a region the keyboard cannot reach or that has no name: {table['region']}")
        assert table["unlabelled"] == [], f"{where}: stacked cells without their heading: {table['unlabelled']}"


def test_tables_reflow_on_a_phone_and_stay_tables_on_a_desktop(reports: dict[str, PageReport]) -> None:
    """The control for the layout checks: at 320 px the rows stack (or scroll in their region); at 1280 px
    they are ordinary rows again."""
    for name, report in reports.items():
        _visited(name, report)
        for table in report.layout["320px"]["tables"]:
            assert table["stacked"] or table["region"], (name, table["caption"])
        for table in report.layout["1280px"]["tables"]:
            assert not table["stacked"], (name, table["caption"])


@pytest.mark.parametrize("name", [name for name, (_, _, has_table) in PAGES.items() if has_table])
def test_a_stacked_table_is_still_a_table_to_a_screen_reader(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(name, report)
    for width, tree in report.tree.items():
        lines = [line.strip() for line in tree.splitlines()]
        assert lines[0].startswith("- table"), f"{name} at {width}:\n{tree}"
        assert any(line.startswith("- columnheader") for line in lines), f"{name} at {width}:\n{tree}"
        assert any(line.startswith(("- cell", "- rowheader")) for line in lines), f"{name} at {width}:\n{tree}"


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_axe_violations(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(name, report)
    for width, violations in report.axe.items():
        assert not violations, f"{name} at {width}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("name", PAGES)
def test_valid_html(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    _visited(name, report)
    lines = [f"line {m.get('lastLine')}: {m.get('message')} [{' '.join(m.get('extract', '').split())}]"
             for m in report.nu_errors]
    assert not lines, f"the Nu HTML Checker found errors in {name}:\n" + "\n".join(lines)
