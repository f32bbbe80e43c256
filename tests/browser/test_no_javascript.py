"""With JavaScript switched off (design §2, principle 7): search, filters, listings, the shortlist and signing
in all work, because every one of them is a plain link or form."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PASSWORD, REFERRER, open_filters


@pytest.fixture
def page(new_context: Callable[..., BrowserContext], viewport: dict[str, int]) -> Page:
    return new_context(viewport, java_script_enabled=False).new_page()


def test_search_filters_listing_and_shortlist_without_javascript(page: Page) -> None:
    page.goto("/")
    page.get_by_label("What are you looking for?").fill("carers")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search\?q=carers"))
    # The page's module script did not run: the body never got its "js-enabled" class.
    expect(page.locator("body")).not_to_have_class(re.compile("js-enabled"))
    expect(page.locator("li.wa-result").first).to_be_visible()

    # The filters in closed <details> open without JavaScript (on a phone, behind "Filter results" first).
    open_filters(page)
    page.locator("summary", has_text="Area").click()
    expect(page.locator("#f-area-bath")).to_be_visible()
    page.fill("#f-age", "70")
    page.check("#f-cost-free")
    page.check("#f-area-bath")
    page.get_by_role("button", name="Apply filters").click()
    for parameter in ("age=70", "cost=free", "area=bath"):
        expect(page).to_have_url(re.compile(parameter))
    expect(page.get_by_role("link", name="Remove filter: Age 70")).to_be_visible()
    expect(page.locator("#f-cost-free")).to_be_checked()
    names = [n.strip() for n in page.locator("li.wa-result h2").all_inner_texts()]
    assert names, "no free listing in Bath for carers aged 70"

    page.locator("li.wa-result h2 a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(names[0])
    expect(page.get_by_role("heading", name="Who it is for")).to_be_visible()
    page.get_by_role("button", name="Add to shortlist").click()
    expect(page.locator(".wa-flash")).to_contain_text("Added to your shortlist")

    page.get_by_role("link", name="Shortlist (1)").click()
    expect(page.locator("li.wa-result h2")).to_have_text([names[0]])
    page.get_by_role("link", name="Print the shortlist").click()
    expect(page.locator(".wa-print-item h2")).to_have_text([f"1. {names[0]}"])


def test_signing_in_without_javascript(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter your email address")
    page.get_by_label("Email address").fill(REFERRER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/referrer/search"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrer search")
