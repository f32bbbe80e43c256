"""Phones first (issue 16): on a 360 by 740 screen the results, and for someone at risk the urgent-help
numbers, are in the first screen; the filters fold behind one control there and stay open on a desktop,
with or without JavaScript."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP

SMALL_PHONE = {"width": 360, "height": 740}
NARROWEST = {"width": 320, "height": 740}
FIRST_HEADING = "li.wa-result h2"


def bottom(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"] + box["height"]


@pytest.mark.parametrize("screen", [SMALL_PHONE, NARROWEST], ids=["360px", "320px"])
@pytest.mark.parametrize("query", ["q=counselling", "q=carers", "q=debt+advice", "q=counselling&page=999"],
                         ids=["counselling", "carers", "debt advice", "a page past the last"])
def test_the_first_result_is_in_the_first_screen(
    query: str, screen: dict[str, int], new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(screen).new_page()
    page.goto(f"/search?{query}")
    assert bottom(page, FIRST_HEADING) <= screen["height"]


@pytest.mark.parametrize("screen", [SMALL_PHONE, NARROWEST], ids=["360px", "320px"])
@pytest.mark.parametrize("part", ["bath/urgent-help", "somer-valley/carers-and-families",
                                  "keynsham-chew-valley/older-people-and-dementia"])
def test_a_part_of_a_hub_shows_its_first_listing_in_the_first_screen(
    part: str, screen: dict[str, int], new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(screen).new_page()
    page.goto(f"/hubs/{part}")
    assert bottom(page, FIRST_HEADING) <= screen["height"]


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_someone_at_risk_sees_the_numbers_in_the_first_screen(
    javascript: bool, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(SMALL_PHONE, java_script_enabled=javascript).new_page()
    page.goto("/search?q=i+want+to+kill+myself")
    panel = page.locator("#help-now")
    expect(panel).to_be_visible()
    assert bottom(page, '#help-now a[href="tel:116123"]') <= SMALL_PHONE["height"]
    assert bottom(page, '#help-now a[href="tel:999"]') <= SMALL_PHONE["height"]


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_on_a_phone_the_filters_open_from_one_control(
    javascript: bool, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(SMALL_PHONE, java_script_enabled=javascript).new_page()
    page.goto("/search?q=advice&cost=free&category=money")
    control = page.locator("summary", has_text="Filter results")
    expect(control).to_contain_text("(2 chosen)")
    expect(page.locator("#f-age")).to_be_hidden()
    control.click()
    expect(page.locator("#f-age")).to_be_visible()
    page.fill("#f-age", "70")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Remove filter: Age 70")).to_be_visible()
    expect(page.locator("summary", has_text="Filter results")).to_contain_text("(3 chosen)")


def test_on_a_desktop_the_filters_stay_open_in_the_left_column(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(DESKTOP).new_page()
    page.goto("/search?q=counselling")
    expect(page.locator("summary", has_text="Filter results")).to_be_hidden()
    age = page.locator("#f-age")
    expect(age).to_be_visible()
    filters, first = age.bounding_box(), page.locator(FIRST_HEADING).first.bounding_box()
    assert filters is not None and first is not None
    assert filters["x"] + filters["width"] < first["x"]  # beside the results, to their left
    age.fill("30")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Remove filter: Age 30")).to_be_visible()


def test_an_error_opens_the_filters_so_its_summary_link_reaches_the_field(
    new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(SMALL_PHONE).new_page()
    page.goto("/search?q=advice&category=nonsense")
    expect(page).to_have_title(page.title())
    assert page.title().startswith("Error: ")
    page.locator(".nhsuk-error-summary a").first.click()
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused and focused.startswith("f-category-")
    expect(page.locator(f"#{focused}")).to_be_visible()
