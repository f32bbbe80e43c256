"""Rendering each kind of leaflet from planted content (no database), read back with pypdf.

The planted listings are long: every field about as long as the longest the demo has, so a section leaflet
of them is the worst realistic case, and must still fit its eight pages without splitting a listing.
"""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from exports.leaflets.bank import SECTION_MAX_PAGES, render_fitting
from exports.leaflets.content import Entry, Leaflet, Section, UrgentContact
from exports.leaflets.render import FORMATS, render_document
from tests.test_leaflets import drawn_images, font_sizes, image_pixels, normalise, page_texts, qr_pixels

CHECKED_ON = date(2026, 12, 1)
SITE = "https://wellaware.example"
SECTION_PRINTS = ("a5", "a5-large-print")
URGENT = (
    UrgentContact("Emergency", "Call 999 or go to A&E", "if a life is at risk"),
    UrgentContact("NHS 111", "Call 111 and choose the mental health option", "24 hours a day, all ages"),
    UrgentContact("Samaritans", "Call 116 123", "free, 24 hours a day"),
    UrgentContact("Shout", "Text SHOUT to 85258", "free, 24 hours a day"),
    UrgentContact("Childline", "Call 0800 1111", "free, for under 19s"),
)
URGENT_NUMBERS = ("999", "111", "116 123", "85258", "0800 1111")
HUB_NAME = "Keynsham and Chew Valley"
HUB_SLUG = "keynsham-chew-valley"
SECTION_TITLE = "Money, housing and practical help"
SECTION_URL = f"{SITE}/hubs/{HUB_SLUG}/money-housing-and-practical-help"
BOOKLET_URL = f"{SITE}/leaflets/hub-{HUB_SLUG}-a4.pdf"


def long_entry(number: int) -> Entry:
    """A listing about a tenth longer than the demo's longest: some 660 characters of facts, where the demo's
    longest has 600 and half of its listings fewer than 440."""
    return Entry(
        id=number,
        name=f"Perinatal Mental Health Support Team {number}",
        summary=("Specialist mental-health care in pregnancy and for new parents up to baby's first birthday: "
                 "severe anxiety, depression, birth trauma."),
        organisation="Avon & Mendip Mental Health Partnership NHS Trust",
        kind="Service",
        who="All ages; especially for pregnancy and new parents, women",
        cost="Pay what you can (Suggested donation: £4 per session)",
        referral=("You can refer yourself", "Through your GP", "Urgent referral within 48 hours"),
        when=("Monday to Friday, 9am to 5pm", "Saturday, 10am to 1pm"),
        where=("Kingsmead Health Hub, 5 Kingsmead Square, Keynsham, BS31 1AB",),
        how=("Home visits", "In person", "By phone"),
        accessibility=("Wheelchair accessible", "Interpreters available"),
        phone=f"0117 496 {number:04d}",
        email="enquiries@avonmendipmhp.nhs.uk",
        website="https://www.avonmendipmhp.nhs.uk",
        confirmed="November 2026",
        url=f"{SITE}/services/{1000 + number}",
    )


def section_leaflet(shown: int, total: int) -> Leaflet:
    """A section leaflet of ``shown`` long listings out of ``total``, with a long hub name, title and intro."""
    entries = tuple(long_entry(number) for number in range(1, shown + 1))
    return Leaflet(
        kind="section", title=SECTION_TITLE, subtitle=f"{HUB_NAME} hub: help and support near you", site_url=SITE,
        urgent=URGENT,
        sections=(Section(SECTION_TITLE, "Benefits, debt, housing, getting about, and help with everyday things "
                                         "at home, for anyone who needs it.", entries),),
        places=("Keynsham", "Saltford", "Chew Valley", "Whitchurch"), hub=HUB_SLUG, hub_name=HUB_NAME,
        online_url=SECTION_URL, booklet_url=BOOKLET_URL, total=total,
    )


def fitting(print_format: str, total: int = 40) -> tuple[bytes, int, Leaflet]:
    """The section leaflet the bank would print: the most of ``total`` long listings that fit."""
    room = FORMATS[print_format].section_room
    choices = tuple(section_leaflet(shown, total) for shown in range(room, 0, -1))
    pdf, pages, index = render_fitting(choices, print_format, CHECKED_ON, SECTION_MAX_PAGES)
    return pdf, pages, choices[index]


# The fewest long listings each section print must still hold: judged from the page, one a page in large
# print after the cover and the urgent numbers, about two a page in standard print.
FEWEST_LONG = {"a5": 10, "a5-large-print": 4}


@pytest.mark.parametrize("print_format", SECTION_PRINTS)
def test_a_section_leaflet_of_long_listings_fits_eight_pages_without_splitting_one(print_format: str) -> None:
    pdf, pages, leaflet = fitting(print_format)
    texts = page_texts(pdf)
    assert pages == len(texts) <= SECTION_MAX_PAGES
    assert leaflet.shown >= FEWEST_LONG[print_format]
    for entry in leaflet.sections[0].entries:
        # A listing starts and ends on the same page: its name, and its own address, which closes it.
        holding_name = [n for n, text in enumerate(texts) if normalise(entry.name) + " " in text + " "]
        holding_end = [n for n, text in enumerate(texts) if entry.url_display in text]
        assert len(holding_name) == 1 and holding_name == holding_end, (entry.name, holding_name, holding_end)


@pytest.mark.parametrize("print_format", SECTION_PRINTS)
def test_a_section_leaflet_says_what_it_chose_and_where_the_rest_are(print_format: str) -> None:
    pdf, _, leaflet = fitting(print_format)
    texts = page_texts(pdf)
    whole = " ".join(texts)
    assert f"This leaflet lists {leaflet.shown} of the 40 services in this part of the hub" in texts[0]
    assert HUB_NAME in texts[0] and SECTION_TITLE in texts[0]
    assert SECTION_URL.split("://", 1)[1] in whole.replace("-and- ", "-and-")
    assert "hub-keynsham-chew-valley-a4.pdf" in texts[0]
    # The urgent numbers open the leaflet (on the cover, or the first page inside) and close it.
    opening = texts[0] + texts[1]
    assert all(number in opening and number in texts[-1] for number in URGENT_NUMBERS)


@pytest.mark.parametrize("print_format", SECTION_PRINTS)
def test_the_back_page_qr_code_leads_to_the_section_online(print_format: str) -> None:
    pdf, pages, _ = fitting(print_format)
    reader = PdfReader(io.BytesIO(pdf))
    wanted = qr_pixels(SECTION_URL)
    last = pages - 1
    assert any(image_pixels(reader, last, name) == wanted for name, _, _ in drawn_images(reader, last))


def test_a_section_leaflet_that_holds_everything_says_no_choice() -> None:
    pdf, _ = render_document(section_leaflet(3, 3), "a5", CHECKED_ON)
    assert "This leaflet lists" not in " ".join(page_texts(pdf))


def test_large_print_on_a5_is_never_smaller_than_16pt_and_prints_every_listing_address() -> None:
    pdf, _, leaflet = fitting("a5-large-print")
    smallest = min(size for _, size in font_sizes(pdf))
    assert smallest >= 16 - 0.01, smallest
    reader = PdfReader(io.BytesIO(pdf))
    # No QR code per listing at this size: the one on the back leads to them all, and each address is printed.
    assert sum(len(drawn_images(reader, page)) for page in range(len(reader.pages))) == 1
    whole = " ".join(page_texts(pdf))
    assert all(entry.url_display in whole for entry in leaflet.sections[0].entries)


def test_every_page_says_when_the_information_was_checked() -> None:
    for print_format in SECTION_PRINTS:
        pdf, _, _ = fitting(print_format)
        assert all("hecked on 1 December 2026" in text for text in page_texts(pdf)), print_format


def hub_booklet(places: int) -> Leaflet:
    sections = tuple(Section(f"Part {number} with a title as long as the longest", "An introduction.",
                             tuple(long_entry(number * 10 + n) for n in range(2)))
                     for number in range(1, 12))
    return Leaflet(kind="hub", title=f"Help and support in {HUB_NAME}",
                   subtitle="Health, mental health, wellbeing and community services near you", site_url=SITE,
                   urgent=URGENT, sections=sections,
                   places=tuple(f"Village {n}" for n in range(places)), hub=HUB_SLUG, hub_name=HUB_NAME,
                   online_url=f"{SITE}/hubs/{HUB_SLUG}")


@pytest.mark.parametrize("print_format", ["a5", "a4", "large-print"])
def test_a_booklet_cover_with_a_long_name_and_many_places_fits_its_page(print_format: str) -> None:
    """The cover holds the title, the places, the urgent numbers and the QR code; contents start page 2."""
    pdf, _ = render_document(hub_booklet(places=6), print_format, CHECKED_ON)
    texts = page_texts(pdf)
    assert all(number in texts[0] for number in URGENT_NUMBERS), texts[0]
    assert f"{HUB_SLUG}" in texts[0].replace("- ", "-")
    assert texts[1].startswith("Contents") or "Contents Contents" in texts[1], texts[1][:80]
