"""The users' journeys (design §1) in a real browser, at 1280 px and at 360 px (a phone)."""

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    CLOSING_TIMES,
    CLUSTER,
    EDITED_LISTING,
    TIER_LABELS,
    open_filters,
    sign_in_as_admin,
    sign_in_as_editor,
    sign_in_as_referrer,
)

RESULT = "li.wa-result"


def result_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator(f"{RESULT} h2").all_inner_texts()]


def test_a_member_of_the_public_searches_filters_shortlists_and_prints(page: Page) -> None:
    page.goto("/")
    page.get_by_label("What are you looking for?").fill("feeling low")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search\?q=feeling\+low"))
    expect(page.locator(RESULT).first).to_be_visible()

    open_filters(page)
    page.fill("#f-age", "30")
    page.check("#f-cost-free")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"age=30"))
    expect(page).to_have_url(re.compile(r"cost=free"))
    expect(page.get_by_role("link", name="Remove filter: Age 30")).to_be_visible()
    expect(page.get_by_role("link", name="Remove filter: Free")).to_be_visible()
    names = result_names(page)
    assert len(names) >= 2, "expected at least two free listings for someone aged 30 feeling low"
    for facts in page.locator(f"{RESULT} .wa-facts").all_inner_texts():
        assert "Cost: Free" in facts
    results_url = page.url

    # Open the first listing and add it from its page.
    page.locator(RESULT).first.locator("h2 a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(names[0])
    page.get_by_role("button", name="Add to shortlist").click()
    expect(page.locator(".wa-flash")).to_contain_text("Added to your shortlist")

    # Back to the results, and add the second one from there.
    page.goto(results_url)
    page.locator(RESULT).nth(1).get_by_role("button", name="Add to shortlist").click()
    expect(page).to_have_url(re.compile(r"/search\?"))
    expect(page.locator(".wa-flash")).to_contain_text(names[1])

    # Filters and the header are not printed with the results.
    page.emulate_media(media="print")
    expect(page.locator(".wa-filters")).to_be_hidden()
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator(RESULT).first).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name=re.compile(r"^Shortlist \(2\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shortlist")
    assert result_names(page) == names[:2]

    page.get_by_role("link", name="Print the shortlist").click()
    expect(page).to_have_url(re.compile(r"/shortlist/print$"))
    expect(page.locator(".wa-print-item h2")).to_have_text([f"1. {names[0]}", f"2. {names[1]}"])
    page.emulate_media(media="print")
    for hidden in (".nhsuk-header", ".nhsuk-footer", ".nhsuk-skip-link", ".wa-no-print"):
        assert page.locator(hidden).count(), hidden
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.locator(".wa-print-item").nth(1)).to_be_visible()
    # Urgent-help numbers are on paper too (design §2, principle 7).
    expect(page.locator(".wa-urgent")).to_be_visible()


def test_a_referrer_searches_by_care_cluster(page: Page) -> None:
    sign_in_as_referrer(page)
    expect(page).to_have_url(re.compile(r"/referrer/search"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrer search")

    open_filters(page)
    page.locator("summary", has_text="Care cluster").click()
    page.check(f"#f-cluster-{CLUSTER}")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"cluster={CLUSTER}"))

    results = page.locator(RESULT)
    expect(results.first).to_be_visible()
    tiers = [tag.strip() for tag in page.locator(f"{RESULT} .wa-referrer-tags .nhsuk-tag").all_inner_texts()]
    assert len(tiers) == results.count(), "every result says why it matched"
    ranks = [TIER_LABELS.index(tier) for tier in tiers]
    assert ranks == sorted(ranks), f"tiers out of order: {tiers}"
    assert set(ranks) == {0, 1, 2}, f"expected main, also and all-cluster listings on page 1: {tiers}"
    # The cluster tags themselves: which clusters each listing focuses on or also serves.
    first_tags = results.first.locator(".wa-referrer-tags")
    expect(first_tags).to_contain_text(re.compile(rf"Main focus:.*\b{CLUSTER} "))
    expect(results.nth(ranks.index(1)).locator(".wa-referrer-tags")).to_contain_text(
        re.compile(rf"Also serves:.*\b{CLUSTER} "))
    expect(results.nth(ranks.index(2)).locator(".wa-referrer-tags")).to_contain_text("Open to people in any cluster")


def public_opening_times(page: Page, service_id: str) -> list[str]:
    page.goto(f"/services/{service_id}")
    when = page.locator("h2", has_text="When").locator("xpath=following-sibling::ul[1]/li")
    return [text.strip() for text in when.all_inner_texts()]


def test_an_editor_changes_opening_times_and_an_administrator_approves(
    new_context: Callable[..., BrowserContext], viewport: dict[str, int]
) -> None:
    editor = new_context(viewport, locale="en-GB").new_page()
    sign_in_as_editor(editor)
    expect(editor).to_have_url(re.compile(r"/manage/$"))
    editor.get_by_role("link", name=f"Edit {EDITED_LISTING}").click()
    service_id = re.search(r"/manage/services/(\d+)/edit", editor.url).group(1)
    expect(editor.get_by_role("heading", level=1)).to_have_text(f"Edit {EDITED_LISTING}")

    closes = editor.locator("#opening_rows-0-closes")
    current = closes.input_value()
    new_time, spoken = next((t, s) for t, s in CLOSING_TIMES.items() if t != current)
    closes.fill(new_time)
    editor.get_by_role("button", name="Send for approval").click()

    expect(editor).to_have_url(re.compile(rf"/manage/#listing-{service_id}$"))
    expect(editor.locator(".wa-flash")).to_contain_text("waiting for approval")
    row = editor.locator("tr", has_text=EDITED_LISTING)
    expect(row).to_contain_text("Changes waiting for approval")

    # Nothing changes in public until it is approved.
    public = new_context(viewport).new_page()
    before = public_opening_times(public, service_id)
    assert not any(spoken in when for when in before), before

    admin = new_context(viewport).new_page()
    sign_in_as_admin(admin)
    admin.get_by_role("link", name="Approvals").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Waiting for approval")
    admin.get_by_role("link", name=EDITED_LISTING, exact=True).click()
    expect(admin.locator("tr", has_text="Opening times")).to_contain_text(new_time)
    admin.get_by_role("button", name="Approve and publish").click()
    expect(admin.locator(".wa-flash")).to_be_visible()
    expect(admin.get_by_role("link", name=EDITED_LISTING, exact=True)).to_have_count(0)

    after = public_opening_times(public, service_id)
    assert any(spoken in when for when in after), f"{spoken} not in {after}"
