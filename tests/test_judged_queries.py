"""The hand-judged query set (data/demo/judged-queries.csv) stays consistent with the demo directory.

The set is the oracle search quality is measured against, so it must never point at a listing that does
not exist, that the public can never see, or that contradicts the age, postcode or place in its row.
This checks the file only; it never runs a search.
"""

import csv
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from app.config import settings_from_environment
from app.demo import DEMO_AS_OF
from app.timeutil import months_before

DATA = Path(__file__).resolve().parent.parent / "data"
COLUMNS = ["kind", "query", "extra", "relevant", "crisis", "note"]
MINIMUM = {"crisis": 35, "everyday": 40, "relation": 20, "life-situation": 20, "typo": 30, "place": 25,
           "postcode": 12, "category": 32, "audience": 28, "case-study": 21, "hostile": 10}
CASE_STUDIES = ("Millie", "Richard", "Jenny", "George", "Ava", "Zoe", "Fred")
WIDE = {"bnes-wide", "national"}
DISTRICT_AREAS = {  # the local areas each outward code covers (data/outward-codes.csv)
    "BA1": {"bath"}, "BA2": {"bath", "peasedown-st-john", "timsbury"}, "BA3": {"midsomer-norton", "radstock"},
    "BS31": {"keynsham", "saltford"}, "BS39": {"paulton", "timsbury", "chew-valley"},
    "BS40": {"chew-valley"}, "BS14": {"whitchurch"},
}
PLACE_WORDS = {  # a place named in a query → the areas a listing must serve (or be B&NES-wide/national)
    r"bath|larkhall|twerton": {"bath"}, r"keynsham": {"keynsham"}, r"saltford": {"saltford"},
    r"midsomer norton": {"midsomer-norton"}, r"radstock": {"radstock"}, r"paulton": {"paulton"},
    r"peasedown": {"peasedown-st-john"}, r"timsbury": {"timsbury"},
    r"chew valley|chew magna|bishop sutton": {"chew-valley"}, r"whitchurch": {"whitchurch"},
    r"bristol": {"bristol"}, r"wiltshire": {"wiltshire"}, r"frome": {"somerset"},
}


def _rows() -> list[dict[str, str]]:
    with (DATA / "demo" / "judged-queries.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _listings() -> dict[str, dict[str, str]]:
    with (DATA / "demo" / "services.csv").open(encoding="utf-8", newline="") as handle:
        return {row["external_id"]: row for row in csv.DictReader(handle)}


ROWS = _rows()
LISTINGS = _listings()


def _slugs(name: str) -> set[str]:
    return {term["slug"] for term in json.loads((DATA / "taxonomies" / f"{name}.json").read_text())["terms"]}


def _split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


def _label(row: dict[str, str]) -> str:
    return f"{row['kind']}: {row['query'][:60]!r}"


def test_every_kind_is_known_and_has_enough_rows() -> None:
    counts = Counter(row["kind"] for row in ROWS)
    assert set(counts) <= set(MINIMUM), set(counts) - set(MINIMUM)
    for kind, minimum in MINIMUM.items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    assert len(ROWS) >= 260


@pytest.mark.parametrize("row", ROWS, ids=_label)
def test_row_is_well_formed(row: dict[str, str]) -> None:
    ids = _split(row["relevant"])
    assert row["query"], "empty query"
    assert row["crisis"] in ("", "yes")
    assert len(ids) == len(set(ids)), "an id is repeated"
    if row["kind"] == "hostile":
        assert not ids and not row["crisis"]
    else:
        assert 1 <= len(ids) <= 12
    for external_id in ids:
        assert external_id in LISTINGS, external_id
    extra = dict(parse_qsl(row["extra"], strict_parsing=True)) if row["extra"] else {}
    assert set(extra) <= {"postcode", "age"}, extra
    assert ("postcode" in extra) == (row["kind"] == "postcode")


def _public_on_demo_day(listing: dict[str, str]) -> bool:
    months = int(settings_from_environment(Path("."))["FRESHNESS_MONTHS"])
    fresh = date.fromisoformat(listing["assured_at"]) >= months_before(DEMO_AS_OF, months)
    event = listing["event_date"]
    return fresh and (not event or date.fromisoformat(event) >= DEMO_AS_OF)


@pytest.mark.parametrize("row", ROWS, ids=_label)
def test_relevant_listings_fit_the_row(row: dict[str, str]) -> None:
    extra = dict(parse_qsl(row["extra"])) if row["extra"] else {}
    for external_id in _split(row["relevant"]):
        listing = LISTINGS[external_id]
        assert _public_on_demo_day(listing), f"{external_id} is hidden from public search (out of date)"
        if "age" in extra:
            age = int(extra["age"])
            assert not listing["min_age"] or int(listing["min_age"]) <= age, (external_id, "too young")
            assert not listing["max_age"] or age <= int(listing["max_age"]), (external_id, "too old")
        areas = set(_split(listing["areas"]))
        if "postcode" in extra:
            district = extra["postcode"].split()[0].upper()
            assert district in DISTRICT_AREAS, district
            assert areas & (DISTRICT_AREAS[district] | WIDE), (external_id, "does not serve", district)
        for pattern, places in PLACE_WORDS.items():
            if re.search(rf"\b({pattern})\b", row["query"]):
                assert areas & (places | WIDE), (external_id, "does not serve", pattern)


def test_crisis_rows_lead_to_urgent_help() -> None:
    urgent = {i for i, listing in LISTINGS.items() if "urgent-help" in _split(listing["categories"])}
    for row in ROWS:
        if row["crisis"]:
            assert urgent & set(_split(row["relevant"])), _label(row)


def test_every_category_and_audience_is_asked_for_at_least_twice() -> None:
    for kind, taxonomy in (("category", "categories"), ("audience", "audiences")):
        asked = Counter()
        for row in ROWS:
            if row["kind"] != kind:
                continue
            slugs = set(re.findall(r"[a-z-]+", row["note"])) & _slugs(taxonomy)
            assert slugs, f"{_label(row)}: the note names no {taxonomy} slug"
            ids = _split(row["relevant"])
            for slug in slugs:
                carrying = sum(slug in _split(LISTINGS[i][taxonomy]) for i in ids)
                assert carrying * 2 >= len(ids), f"{_label(row)}: few relevant listings are {slug}"
            asked.update(slugs)
        missing = {slug for slug in _slugs(taxonomy) if asked[slug] < 2}
        assert not missing, f"{taxonomy} asked for fewer than twice: {missing}"


def test_every_case_study_has_three_rows() -> None:
    counts = Counter(name for row in ROWS if row["kind"] == "case-study"
                     for name in CASE_STUDIES if name in row["note"])
    assert all(counts[name] >= 3 for name in CASE_STUDIES), counts
