"""Where keyboard focus lands after each form, and the urgent-help line in the first screen (issue 16), in a
real Chromium at 360 and 1280 px.

After a button that changes a list, focus comes back to the item it acted on, so the next Tab goes on from
there rather than from the top of the page; the title starts with what happened. A form with problems
focuses its error summary, and each of the summary's links focuses its control. Every page opens with a
line of tap-to-call urgent help, within the first screen of a phone.
"""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ADMIN, DESKTOP, EDITED_LISTING, EDITOR, REFERRER, sign_in
from tests.browser.test_keyboard import Keyboard

PHONE_SCREEN = {"width": 360, "height": 740}


@pytest.fixture
def keys(page: Page) -> Keyboard:
    return Keyboard(page)


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def in_view(page: Page, selector: str) -> bool:
    """Whether the element's top is inside the viewport (the browser scrolled to it)."""
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.top < window.innerHeight;
    }""", selector)


# --- after a button, focus is on what it acted on ------------------------------------------------------------


def test_adding_a_search_result_to_the_shortlist_comes_back_to_that_result(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/search?q=carers")
    third = page.locator("li.wa-result").nth(2)
    name = third.locator("h2").inner_text().strip()
    place = third.locator(".wa-shortlist-button").get_attribute("id")
    next_name = page.locator("li.wa-result").nth(3).locator("h2").inner_text().strip()

    keys.tab_to("li.wa-result:nth-child(3) button", "Add to shortlist")
    keys.press("Enter")

    expect(page).to_have_url(re.compile(rf"/search\?q=carers#{place}$"))
    expect(page.locator(f"#{place}")).to_be_focused()
    assert in_view(page, f"#{place}"), "the result is not scrolled into view"
    expect(page).to_have_title(re.compile(rf"^Added to your shortlist: {re.escape(name)} – "))
    expect(page.locator("main > .wa-flash")).to_contain_text(f"Added to your shortlist: {name}")
    expect(page.locator(f"#{place}")).to_contain_text("On your shortlist")
    # The next Tab is the result's own link to the shortlist; the one after, the next result.
    keys.tab_to(f"#{place} a", "See your shortlist", limit=1)
    keys.tab_to("li.wa-result:nth-child(4) h2 a", next_name, limit=1)


def test_moving_and_removing_on_the_shortlist_keep_focus_on_the_listing(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/search?q=carers")
    for n in range(3):
        with page.expect_navigation():
            page.locator("li.wa-result").nth(n).get_by_role("button", name="Add to shortlist").click()
    page.goto("/shortlist/")
    items = page.locator("#results > li")
    ids = [items.nth(n).get_attribute("id") for n in range(3)]
    names = [items.nth(n).locator("h2").inner_text().strip() for n in range(3)]

    keys.tab_to(f"#{ids[2]} button", "Move up")
    keys.press("Enter")
    expect(page.locator(f"#{ids[2]}")).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^Moved up: {re.escape(names[2])}, now 2 of 3 – Your shortlist"))
    # From the moved listing, two Tabs reach its Move up again: its name's link, then the button.
    keys.tab_to(f"#{ids[2]} h2 a", limit=1)
    keys.tab_to(f"#{ids[2]} button", "Move up", limit=1)

    keys.tab_to(f"#{ids[2]} button", "Remove")
    keys.press("Enter")
    # The listing that took its place, the second, has focus now.
    expect(page.locator(f"#{ids[1]}")).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^Removed from your shortlist: {re.escape(names[2])} – "))


def test_still_correct_comes_back_to_the_listing_on_the_dashboard(keys: Keyboard) -> None:
    page = keys.page
    keys.sign_in(EDITOR)
    row = page.locator("tr", has_text=EDITED_LISTING)
    link_id = row.get_by_role("link", name=EDITED_LISTING, exact=True).get_attribute("id")
    keys.tab_to(f"#{link_id}")
    keys.tab_to("button", "Still correct", limit=1)
    keys.press("Enter")
    expect(page.locator(f"#{link_id}")).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^Confirmed as correct today: {re.escape(EDITED_LISTING)} – "))
    keys.tab_to("button", "Still correct", limit=1)


def test_pages_with_results_can_skip_to_them(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/search?q=carers")
    first = page.locator("#results > li").first.locator("h2 a").inner_text().strip()
    keys.tab_to("a.nhsuk-skip-link", "Skip to main content", limit=1)
    keys.tab_to("a.nhsuk-skip-link", "Skip to results", limit=1)
    keys.press("Enter", navigates=False)
    expect(page.locator("#results")).to_be_focused()
    keys.tab_to("#results h2 a", first, limit=1)


# --- a form with problems ------------------------------------------------------------------------------------


def test_the_error_summary_takes_focus_and_its_links_focus_their_controls(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/sign-in")
    keys.tab_to("button", "Sign in")
    keys.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    # The NHS component's script runs on it (it also scrolls a field's label into view when a link is followed).
    expect(summary).to_have_attribute("data-nhsuk-error-summary-init", "")
    expect(page).to_have_title(re.compile(r"^Error: Sign in – "))
    keys.tab_to(".nhsuk-error-summary a", "Enter your email address", limit=1)
    keys.press("Enter", navigates=False)
    expect(page.locator("#email")).to_be_focused()


def test_a_summary_link_to_a_group_of_boxes_focuses_its_first_box(
    new_context: Callable[..., BrowserContext], viewport: dict[str, int]
) -> None:
    keys = Keyboard(new_context(viewport, locale="en-GB").new_page())
    page = keys.page
    keys.sign_in(EDITOR)
    keys.tab_to("a", "Add a listing")
    keys.press("Enter")
    page.locator("#opening_rows-0-pattern").select_option("weekly")
    page.locator("button", has_text="Send for approval").focus()
    keys.press("Enter")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Add a listing – "))
    for text, target in (("Choose at least one kind of help", "#categories"),
                         ("Opening time 1: choose the day", "#opening_rows-0-days")):
        page.locator(".nhsuk-error-summary").focus()
        keys.tab_to(".nhsuk-error-summary a", text)
        keys.press("Enter", navigates=False)
        expect(page.locator(target)).to_be_focused()
        assert page.locator(target).get_attribute("type") == "checkbox"


def test_without_javascript_the_error_summary_still_takes_focus(
    new_context: Callable[..., BrowserContext], viewport: dict[str, int]
) -> None:
    page = new_context(viewport, java_script_enabled=False).new_page()
    keys = Keyboard(page)
    page.goto("/sign-in")
    keys.tab_to("button", "Sign in")
    keys.press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    assert summary.evaluate("element => !element.hasAttribute('data-nhsuk-error-summary-init')"), "a script ran"
    keys.tab_to(".nhsuk-error-summary a", "Enter your email address", limit=1)
    keys.press("Enter", navigates=False)
    expect(page.locator("#email")).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_find_your_hub_puts_focus_on_its_answer(javascript: bool, new_context: Callable[..., BrowserContext]) -> None:
    """Two hubs: focus on the choice between them; a problem: on the error summary. One hub: its page, whose
    title and first words say which it is, as after every other form."""
    page = new_context(PHONE_SCREEN, java_script_enabled=javascript).new_page()
    keys = Keyboard(page)

    def find(asked: str) -> None:
        page.goto("/hubs/")
        page.locator("#place").fill(asked)
        keys.tab_to("form.wa-hub-finder button", "Find your hub", limit=5)
        keys.press("Enter")

    for asked, focused, says in (("BS39", "#hub-answer", "More than one hub covers BS39"),
                                 ("ZZ1 1ZZ", ".nhsuk-error-summary", "We can't place the postcode")):
        find(asked)
        expect(page.locator(focused)).to_be_focused()
        expect(page.locator(focused)).to_contain_text(says)
        assert in_view(page, focused), f"{asked}: the answer is not in the first screen"
    find("Radstock")
    expect(page).to_have_url(re.compile(r"/hubs/somer-valley$"))
    expect(page).to_have_title(re.compile(r"^Your hub is Somer Valley – "))
    expect(page.locator("main > .wa-flash")).to_contain_text("The Somer Valley hub covers")
    assert in_view(page, "main > .wa-flash")


# --- urgent help in the first screen -------------------------------------------------------------------------

PAGE_TYPES: dict[str, tuple[str | None, str]] = {
    "home": (None, "/"),
    "results": (None, "/search?q=feeling+low"),
    "someone at risk": (None, "/search?q=i+want+to+end+it+all"),
    "listing": (None, "listing"),
    "shortlist": (None, "/shortlist/"),
    "sign-in": (None, "/sign-in"),
    "not found": (None, "/services/999999"),
    "leaflets": (None, "/leaflets"),
    "hubs": (None, "/hubs/"),
    "a part of a hub": (None, "/hubs/bath/talking-therapies"),
    "referrer search": (REFERRER, "/referrer/search?cluster=5"),
    "editor's listings": (EDITOR, "/manage/"),
    "administration": (ADMIN, "/admin/"),
    "approvals": (ADMIN, "/admin/queue"),
}


def _strip_box(page: Page) -> dict[str, float]:
    box = page.locator(".wa-help-strip").bounding_box()
    assert box is not None, "no urgent-help line"
    return box


@pytest.mark.parametrize("size", [pytest.param(PHONE_SCREEN, id="360x740"), pytest.param(DESKTOP, id="1280px")])
def test_every_page_type_has_urgent_help_in_its_first_screen(
    size: dict[str, int], new_context: Callable[..., BrowserContext]
) -> None:
    pages: dict[str | None, Page] = {}
    for name, (who, url) in PAGE_TYPES.items():
        if who not in pages:
            pages[who] = new_context(size).new_page()
            if who:
                sign_in(pages[who], who)
        page = pages[who]
        if url == "listing":
            page.goto("/search?q=carers")
            url = page.locator("li.wa-result h2 a").first.get_attribute("href")
        page.goto(url)
        box = _strip_box(page)
        assert box["y"] + box["height"] <= size["height"], f"{name}: the urgent-help line ends at {box}"
        strip = page.get_by_role("complementary", name="Need help now?")
        for number, link in (("999", "999"), ("111", "NHS 111"), ("116123", "Samaritans 116 123")):
            expect(strip.get_by_role("link", name=link, exact=True)).to_have_attribute("href", f"tel:{number}")


def test_the_urgent_help_line_is_two_lines_at_most_on_the_narrowest_phone_and_links_to_the_full_box(
    new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context({"width": 320, "height": 640}).new_page()
    page.goto("/")
    lines = page.evaluate("""() => {
        const text = document.querySelector('.wa-help-strip__text');
        const style = getComputedStyle(text);
        const inner = text.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        return Math.round(inner / parseFloat(style.lineHeight));
    }""")
    assert 1 <= lines <= 2, f"the urgent-help line takes {lines} lines at 320 px"
    page.get_by_role("link", name="More help and other numbers").click()
    expect(page.locator("#urgent-help")).to_be_focused()
    expect(page.locator("#urgent-help")).to_contain_text("0800 1111")
    # On paper the full box is printed, and the line is not (it would say the same numbers twice).
    page.emulate_media(media="print")
    expect(page.locator(".wa-help-strip")).to_be_hidden()
    expect(page.locator("#urgent-help")).to_be_visible()


# --- reporting a problem, and closing the report -----------------------------------------------------------------


def test_reporting_a_problem_by_keyboard(keys: Keyboard) -> None:
    """A missing choice focuses the summary, whose link focuses the first choice; once sent, the page is the
    listing again, its title and the note at the top of its content saying the report went."""
    page = keys.page
    page.goto("/search?q=" + EDITED_LISTING.replace(" ", "+"))
    page.locator("li.wa-result h2 a", has_text=EDITED_LISTING).first.click()
    listing_url = page.url
    keys.tab_to("a", "Report a problem with this listing")
    keys.press("Enter")
    keys.tab_to("button", "Send the report")
    keys.press("Enter")
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^Error: Report a problem with {re.escape(EDITED_LISTING)} – "))
    keys.tab_to(".nhsuk-error-summary a", "Choose what is wrong with this listing", limit=1)
    keys.press("Enter", navigates=False)
    expect(page.locator("#kind")).to_be_focused()
    keys.press("Space", navigates=False)  # the first choice: the phone number or email address
    keys.tab_to("#details")
    keys.type("The number has changed")
    keys.tab_to("button", "Send the report")
    keys.press("Enter")
    assert page.url == listing_url
    expect(page).to_have_title(re.compile(r"^Thank you: your report has been sent – "))
    expect(page.locator("main > .wa-flash")).to_contain_text("Thank you: your report has been sent")


def test_closing_a_report_comes_back_to_the_queue_saying_so(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/search?q=" + EDITED_LISTING.replace(" ", "+"))  # a report, made before signing in
    page.locator("li.wa-result h2 a", has_text=EDITED_LISTING).first.click()
    page.get_by_role("link", name="Report a problem with this listing").click()
    page.get_by_label("It has closed or stopped running").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_title(re.compile(r"^Thank you: your report has been sent – "))
    keys.sign_in(EDITOR)
    page.goto("/manage/problems")
    page.get_by_role("link", name="See the report").last.click()  # the newest open report
    expect(page.locator("h1")).to_have_text(f"Problem report: {EDITED_LISTING}")
    keys.tab_to("#outcome")
    keys.type("Checked with the group: nothing was wrong")
    keys.tab_to("button", "Close the report")
    keys.press("Enter")
    expect(page).to_have_title(re.compile(rf"^Report closed: {re.escape(EDITED_LISTING)} – "))
    expect(page.locator("main > .wa-flash")).to_contain_text("Checked with the group: nothing was wrong")
