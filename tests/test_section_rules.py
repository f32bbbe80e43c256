"""Hub sections hold the listings a care co-ordinator would look for there (``app.hubs.sections``).

The demo's rules (``data/demo/hubs.json``) are checked against a hand-made judgement,
``tests/data/hub_sections_expected.csv``: for each hub, every listing serving it and the sections it was judged
to belong in, from reading the listing, not the rule. Then each part of the rule is checked on a tiny directory
built here.
"""

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.directory.models import Service
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.hubs.sections import rule_description, section_listings

JUDGED = Path(__file__).parent / "data" / "hub_sections_expected.csv"
DEMO_LISTINGS = Path(__file__).parents[1] / "data" / "demo" / "services.csv"
WIDE = {"bnes-wide", "national"}  # serving these is serving every hub


def judged_rows() -> list[dict[str, str]]:
    with JUDGED.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def judgement() -> dict[tuple[str, str], set[str]]:
    """(hub slug, external id) → the slugs of the sections the listing was judged to belong in."""
    return {(row["hub"], row["external_id"]): set(filter(None, row["sections"].split(";"))) for row in judged_rows()}


def demo_areas() -> dict[str, set[str]]:
    """Each demo listing's areas, read from the demo file itself."""
    with DEMO_LISTINGS.open(encoding="utf-8", newline="") as file:
        return {row["external_id"]: set(row["areas"].split(";")) for row in csv.DictReader(file)}


def placements(app: Flask) -> tuple[dict[tuple[str, str], set[str]], dict[str, list[str]], dict[str, str]]:
    """Where the rules put every demo listing, each hub's section slugs, and each listing's name.

    Every listing is offered, whether the public can see it today or not (``section_listings`` is given what
    the caller may show), so the judgement covers the whole demo directory."""
    with app.app_context():
        services = db.session.scalars(select(Service)).all()
        placed: dict[tuple[str, str], set[str]] = defaultdict(set)
        slugs = {}
        for hub in db.session.scalars(select(Hub)):
            slugs[hub.slug] = [section.slug for section in hub.sections]
            for section in hub.sections:
                for service in section_listings(section, hub, services):
                    placed[(hub.slug, service.external_id)].add(section.slug)
        return dict(placed), slugs, {service.external_id: service.name for service in services}


# --- the demo hubs against the judgement -------------------------------------------------------------------


def test_each_listing_is_in_the_sections_it_was_judged_to_belong_in(shared_demo_app: Flask) -> None:
    placed, _, names = placements(shared_demo_app)
    expected = judgement()
    differences = []
    for hub, listing in sorted(set(expected) | set(placed)):
        judged, ruled = expected.get((hub, listing), set()), placed.get((hub, listing), set())
        if judged != ruled:
            parts = [f"{hub}: {listing} {names[listing]!r}"]
            if ruled - judged:
                parts.append(f"the rules put it in {sorted(ruled - judged)}, where it was not judged to belong")
            if judged - ruled:
                parts.append(f"the rules leave it out of {sorted(judged - ruled)}, where it was judged to belong")
            differences.append("; ".join(parts))
    assert not differences, f"{len(differences)} differences:\n" + "\n".join(differences)


def test_the_judgement_covers_every_listing_serving_each_hub_and_nothing_else(shared_demo_app: Flask) -> None:
    _, slugs, names = placements(shared_demo_app)
    areas = demo_areas()
    assert set(names) == set(areas)
    with shared_demo_app.app_context():
        hub_areas = {hub.slug: set(hub.areas) for hub in db.session.scalars(select(Hub))}
    rows = judged_rows()
    seen = [(row["hub"], row["external_id"]) for row in rows]
    assert len(seen) == len(set(seen)), "a listing is judged twice for one hub"
    serving = {(hub, listing) for hub, places in hub_areas.items() for listing, served in areas.items()
               if served & (places | WIDE)}
    assert set(seen) == serving
    for row in rows:
        assert row["name"] == names[row["external_id"]], row
        sections = set(filter(None, row["sections"].split(";")))
        assert sections <= set(slugs[row["hub"]]), row
        assert sections or row["comment"], f"{row['external_id']} serves {row['hub']} but is in none of its sections"


def test_every_section_of_every_demo_hub_holds_listings(shared_demo_app: Flask) -> None:
    placed, slugs, _ = placements(shared_demo_app)
    for hub, sections in slugs.items():
        for slug in sections:
            assert any(slug in held for (where, _), held in placed.items() if where == hub), (hub, slug)


# --- each part of the rule, on a tiny directory --------------------------------------------------------------


def listing(number: int, name: str, categories: tuple[str, ...] = (), audiences: tuple[str, ...] = (),
            kind: str = "service", areas: tuple[str, ...] = ("bath",)) -> Service:
    return Service(id=number, name=name, kind=kind, categories=list(categories), audiences=list(audiences),
                   areas=list(areas))


def section(title: str, categories: tuple[str, ...] = (), audiences: tuple[str, ...] = (), kinds: tuple[str, ...] = (),
            except_categories: tuple[str, ...] = (), except_audiences: tuple[str, ...] = (),
            picks: tuple[Service, ...] = ()) -> HubSection:
    return HubSection(title=title, slug=title.lower(), categories=list(categories), audiences=list(audiences),
                      kinds=list(kinds), except_categories=list(except_categories),
                      except_audiences=list(except_audiences), picks=list(picks))


COUNSELLING = listing(1, "Counselling", ("mental-health",))
CRISIS_LINE = listing(2, "Crisis line", ("mental-health", "urgent-help"))
CARERS_CAFE = listing(3, "Carers' café", ("wellbeing",), ("carers",), kind="group")
YOUTH_COUNSELLING = listing(4, "Youth counselling", ("mental-health",), ("young-people",))
ART_CLASS = listing(5, "Art class", ("arts-leisure",), kind="activity")
KEYNSHAM_COUNSELLING = listing(6, "Keynsham counselling", ("mental-health",), areas=("keynsham",))
AREA_WIDE_LINE = listing(7, "Area-wide line", ("mental-health",), areas=("bnes-wide",))
NATIONAL_LINE = listing(8, "National line", ("mental-health",), areas=("national",))
BRISTOL_GROUP = listing(9, "Bristol group", ("mental-health",), kind="group", areas=("bristol",))
ABSOLUTE_FIRST = listing(10, "Absolute first", ("mental-health",))
DIRECTORY = (COUNSELLING, CRISIS_LINE, CARERS_CAFE, YOUTH_COUNSELLING, ART_CLASS, KEYNSHAM_COUNSELLING,
             AREA_WIDE_LINE, NATIONAL_LINE, BRISTOL_GROUP, ABSOLUTE_FIRST)


def held(rule: HubSection, *others: HubSection, areas: tuple[str, ...] = ("bath",)) -> list[str]:
    """The names ``rule`` holds in a hub of ``areas`` whose other sections are ``others``."""
    hub = Hub(slug="test", name="Test", areas=list(areas), sections=[rule, *others])
    return [service.name for service in section_listings(rule, hub, DIRECTORY)]


def test_any_category_or_any_audience_brings_a_listing_in() -> None:
    assert held(section("By category", categories=("arts-leisure",))) == ["Art class"]
    assert held(section("By audience", audiences=("carers",))) == ["Carers' café"]
    assert held(section("Either", categories=("arts-leisure",), audiences=("carers", "young-people"))) == [
        "Art class", "Carers' café", "Youth counselling"]


def test_kinds_keep_only_those_kinds() -> None:
    everything = ("mental-health", "wellbeing", "arts-leisure")
    assert held(section("Groups", categories=everything, kinds=("group",))) == ["Carers' café"]
    assert held(section("Groups and activities", categories=everything, kinds=("group", "activity"))) == [
        "Art class", "Carers' café"]
    assert len(held(section("Any kind", categories=everything))) == 8


def test_left_out_categories_and_audiences_are_left_out_however_the_listing_came_in() -> None:
    therapy = ("mental-health",)
    assert "Crisis line" not in held(section("No crisis", categories=therapy, except_categories=("urgent-help",)))
    assert "Counselling" in held(section("No crisis", categories=therapy, except_categories=("urgent-help",)))
    assert "Youth counselling" not in held(section("Adults", categories=therapy, except_audiences=("young-people",)))
    # Brought in by its audience, left out by its category.
    assert held(section("Carers", audiences=("carers",), except_categories=("wellbeing",))) == []
    # Brought in by its category, left out by its audience.
    assert held(section("Wellbeing", categories=("wellbeing",), except_audiences=("carers",))) == []


def test_picks_come_first_in_name_order_then_the_rule_in_name_order() -> None:
    rule = section("Therapy", categories=("mental-health",), picks=(YOUTH_COUNSELLING, COUNSELLING))
    assert held(rule) == ["Counselling", "Youth counselling",  # picked
                          "Absolute first", "Area-wide line", "Crisis line", "National line"]
    assert held(section("Only picks", picks=(ART_CLASS,))) == ["Art class"]
    assert held(section("Nothing")) == []


def test_a_listing_picked_for_another_section_is_left_out_of_this_ones_rule() -> None:
    therapy = section("Therapy", categories=("mental-health",))
    urgent = section("Urgent", picks=(CRISIS_LINE,))
    assert "Crisis line" in held(therapy)
    assert "Crisis line" not in held(therapy, urgent)
    assert held(urgent, therapy) == ["Crisis line"]
    # Picked for both, it is in both: picking is how a listing is put in two places the rules keep apart.
    both = section("Therapy too", categories=("mental-health",), picks=(CRISIS_LINE,))
    assert held(both, urgent)[0] == "Crisis line"


def test_only_listings_serving_the_hubs_areas_or_everywhere() -> None:
    rule = section("Therapy", categories=("mental-health",), kinds=("group", "service"), picks=(KEYNSHAM_COUNSELLING,))
    in_bath = held(rule)
    assert "Keynsham counselling" not in in_bath, "a pick serving another area is left out too"
    assert "Bristol group" not in in_bath
    assert {"Area-wide line", "National line", "Counselling"} <= set(in_bath)
    in_keynsham = held(rule, areas=("keynsham", "saltford"))
    assert in_keynsham == ["Keynsham counselling", "Area-wide line", "National line"]
    assert held(rule, areas=("bristol",)) == ["Area-wide line", "Bristol group", "National line"]


@pytest.mark.parametrize(("rule", "words"), [
    (section("Plain", categories=("mental-health",)), ["Listings in any of these categories: Mental health"]),
    (section("All parts", categories=("mental-health",), audiences=("carers",), kinds=("service", "group"),
             except_categories=("urgent-help",), except_audiences=("young-people",), picks=(COUNSELLING,)),
     ["First, 1 listing picked by hand", "Then listings in any of these categories: Mental health, or for any of "
      "these people: Carers", "Only these kinds of listing: Service, Group", "Leaving out any in: Urgent help",
      "Leaving out any for: Young people", "Leaving out any picked by hand for another section of this hub"]),
    (section("Picks only", picks=(COUNSELLING, ART_CLASS)), ["First, 2 listings picked by hand"]),
    (section("Nothing"), ["No rule and no picks: this section holds nothing"]),
])
def test_the_rule_in_words_names_each_part(rule: HubSection, words: list[str]) -> None:
    lines = rule_description(rule)
    for part in words:
        assert any(line.startswith(part) for line in lines), (part, lines)
    assert lines[-1] == ("Only listings serving one of the hub's areas, all of Bath and North East Somerset, "
                         "or anywhere in the UK")
    if not rule.categories:
        assert not any("Leaving out" in line for line in lines)
