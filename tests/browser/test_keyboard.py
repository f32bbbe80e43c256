"""Every journey with the keyboard alone: Tab to move, Enter or Space to act, typing into fields; no mouse.

At every Tab stop the focused element must show it: its own outline or box-shadow (or that of its label's
box, for the NHS checkboxes and radios, or of what it contains) is visible and differs from how it looks
unfocused.
"""

import re
from collections.abc import Callable
from contextlib import nullcontext

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from app.directory.models import Service
from app.extensions import db
from tests.browser.conftest import (
    ADMIN,
    CLOSING_TIMES,
    CLUSTER,
    EDITED_LISTING,
    EDITOR,
    FILTER_CONTROL,
    PASSWORD,
    REFERRER,
    TIER_LABELS,
    LiveServer,
)

# One call per Tab stop: does the focused element match, and does its focus show?
FOCUS_PROBE = """([selector, text]) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {element: 'body', matches: false, visible: false, changes: false};
  const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow', 'background-color', 'color',
                 'text-decoration-line', 'border-top-color', 'border-top-width'];
  const look = () => {
    const parts = [[el, null], ...Array.from(el.querySelectorAll('*')).slice(0, 6).map(c => [c, null])];
    for (const label of Array.from(el.labels || []).slice(0, 1)) parts.push([label, '::before'], [label, null]);
    return parts.map(([e, pseudo]) => {
      const cs = getComputedStyle(e, pseudo);
      return Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]));
    });
  };
  const transparent = c => c === 'transparent' || /rgba\\(.*,\\s*0\\)$/.test(c);
  const shows = s => (s['box-shadow'] !== 'none' && s['box-shadow'] !== '') ||
      (s['outline-style'] !== 'none' && parseFloat(s['outline-width']) > 0 && !transparent(s['outline-color']));
  const focused = look();
  // Blurring a date or time field and focusing it again would put focus back on its first part (the hours)
  // and Tab would never leave it; for those, the focused look must show, and is not compared.
  const segmented = el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type);
  let unfocused = null;
  if (!segmented) {
    el.blur();
    unfocused = look();
    el.focus();
  }
  const label = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
  return {
    element: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${label.slice(0, 60)}"`,
    matches: el.matches(selector) && (!text || label.includes(text)),
    visible: focused.some(shows),
    changes: segmented || JSON.stringify(focused) !== JSON.stringify(unfocused),
  };
}"""


class Keyboard:
    """Moves through a page with Tab and acts with Enter or Space, checking every focus it passes."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def tab_to(self, selector: str, text: str | None = None, limit: int = 250) -> None:
        passed = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            state = self.page.evaluate(FOCUS_PROBE, [selector, text])
            passed.append(state["element"])
            if state["element"] != "body":
                assert state["visible"] and state["changes"], f"focus is not visible on {state['element']}"
            if state["matches"]:
                return
        raise AssertionError(f"Tab never reached {selector} {text or ''}; it passed {passed[-20:]}")

    def open_filters(self) -> None:
        """On a phone the search filters fold behind "Filter results": open them with the keyboard."""
        if self.page.locator(FILTER_CONTROL).is_visible():
            self.tab_to(FILTER_CONTROL)
            self.press("Enter", navigates=False)

    def press(self, key: str, navigates: bool = True) -> None:
        with self.page.expect_navigation() if navigates else nullcontext():
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def sign_in(self, email: str) -> None:
        self.page.goto("/sign-in")
        self.tab_to("#email")
        self.type(email)
        self.tab_to("#password")
        self.type(PASSWORD)
        self.tab_to("button", "Sign in")
        self.press("Enter")
        assert "/sign-in" not in self.page.url


@pytest.fixture
def keys(page: Page) -> Keyboard:
    return Keyboard(page)


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/")
    keys.tab_to("a.nhsuk-skip-link", "Skip to main content", limit=1)
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()
    # The next Tab stop is inside the main content: the search box.
    keys.tab_to("#search-q", limit=1)


def test_a_member_of_the_public_with_the_keyboard_alone(keys: Keyboard) -> None:
    page = keys.page
    page.goto("/")
    keys.tab_to("#search-q")
    keys.type("feeling low")
    keys.tab_to("button", "Search")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=feeling\+low"))

    keys.open_filters()
    keys.tab_to("#f-age")
    keys.type("30")
    keys.tab_to("#f-cost-free")
    keys.press("Space", navigates=False)
    expect(page.locator("#f-cost-free")).to_be_checked()
    keys.tab_to("button", "Apply filters")
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"age=30.*cost=free|cost=free.*age=30"))
    names = [n.strip() for n in page.locator("li.wa-result h2").all_inner_texts()]
    assert len(names) >= 2

    # Add the first result from the results page, then open the second and add it from its own page.
    keys.tab_to("li.wa-result:nth-child(1) button", "Add to shortlist")
    keys.press("Enter")
    expect(page.locator(".wa-flash")).to_contain_text(names[0])
    keys.tab_to("li.wa-result:nth-child(2) h2 a", names[1])
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(names[1])
    keys.tab_to("button", "Add to shortlist")
    keys.press("Enter")
    expect(page.locator(".wa-flash")).to_contain_text("Added to your shortlist")

    keys.tab_to("header a", "Shortlist (2)")
    keys.press("Enter")
    expect(page.locator("li.wa-result h2")).to_have_text(names[:2])
    keys.tab_to("a", "Print the shortlist")
    keys.press("Enter")
    expect(page.locator(".wa-print-item h2")).to_have_text([f"1. {names[0]}", f"2. {names[1]}"])


def test_a_referrer_with_the_keyboard_alone(keys: Keyboard) -> None:
    page = keys.page
    keys.sign_in(REFERRER)
    expect(page).to_have_url(re.compile(r"/referrer/search"))
    keys.open_filters()
    keys.tab_to("summary", "Care cluster")
    keys.press("Enter", navigates=False)
    keys.tab_to(f"#f-cluster-{CLUSTER}")
    keys.press("Space", navigates=False)
    expect(page.locator(f"#f-cluster-{CLUSTER}")).to_be_checked()
    keys.tab_to("button", "Apply filters")
    keys.press("Enter")
    tiers = [t.strip() for t in page.locator("li.wa-result .wa-referrer-tags .nhsuk-tag").all_inner_texts()]
    ranks = [TIER_LABELS.index(tier) for tier in tiers]
    assert ranks == sorted(ranks) and set(ranks) == {0, 1, 2}, tiers
    expect(page.locator("li.wa-result").first.locator(".wa-referrer-tags")).to_contain_text("Main focus:")


def test_an_editor_and_an_administrator_with_the_keyboard_alone(
    new_context: Callable[..., BrowserContext], viewport: dict[str, int]
) -> None:
    editor = Keyboard(new_context(viewport, locale="en-GB").new_page())
    editor.sign_in(EDITOR)
    editor.tab_to('a[href$="/edit"]', EDITED_LISTING)
    editor.press("Enter")
    service_id = re.search(r"/manage/services/(\d+)/edit", editor.page.url).group(1)
    closes = editor.page.locator("#opening_rows-0-closes")
    current = closes.input_value()
    new_time, spoken = next((t, s) for t, s in CLOSING_TIMES.items() if t != current)
    editor.tab_to("#opening_rows-0-closes")
    editor.type(new_time.replace(":", ""))  # the hours, then the minutes, of a 24-hour time field
    assert closes.input_value() == new_time
    editor.tab_to("button", "Send for approval")
    editor.press("Enter")
    expect(editor.page.locator(".wa-flash")).to_contain_text("waiting for approval")

    admin = Keyboard(new_context(viewport).new_page())
    admin.sign_in(ADMIN)
    admin.tab_to("header a", "Approvals")
    admin.press("Enter")
    admin.tab_to("main a", EDITED_LISTING)
    admin.press("Enter")
    expect(admin.page.locator("tr", has_text="Opening times")).to_contain_text(new_time)
    admin.tab_to("button", "Approve and publish")
    admin.press("Enter")

    public = new_context(viewport).new_page()
    public.goto(f"/services/{service_id}")
    expect(public.locator("main")).to_contain_text(spoken)


@pytest.mark.parametrize("path", ["/", "/services/{listing}", "/sign-in", "/shortlist/"])
def test_focus_is_visible_at_every_tab_stop(keys: Keyboard, live_server: LiveServer, path: str) -> None:
    """Tab through the whole page, to the last link of the footer."""
    with live_server.app.app_context():
        listing = db.session.scalar(select(Service.id).where(Service.name == EDITED_LISTING))
    keys.page.goto(path.format(listing=listing))
    keys.tab_to("footer a", "For professionals")
