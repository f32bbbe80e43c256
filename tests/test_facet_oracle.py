"""The counts beside the search page's filters, recomputed from the database by the oracle in
``tests/oracle.py`` (plain SQL and the design's rules), not by asking the search again.

A count beside a filter value is how many of the current results carry that value (for an area: how many
would be found in that area), so ticking it with nothing else chosen finds that many; a value no result has
is not offered, unless it is already chosen. Only searches
without words: what the counts mean for a text search is being changed in ``search/``.
"""

import random
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.oracle import Filters, Row, expected_ids, has_value, taxonomy_slugs, visible_rows
from tests.search_helpers import status_count

COUNT = re.compile(r'for="f-([a-z]+)-([a-z0-9-]+)">[^<]*<span class="wa-count">\((\d+)\)</span>')
TAXONOMY_FILES = {"cost": "cost", "category": "categories", "audience": "audiences", "referral": "referral",
                  "access": "access", "accessibility": "accessibility", "area": "areas"}


VALUES = {parameter: taxonomy_slugs(name) for parameter, name in TAXONOMY_FILES.items()}
VALUES["when"] = ["evening", "weekend"]


def one_value_each() -> list[Filters]:
    return [Filters(**{parameter: (value,)}) for parameter, values in VALUES.items() for value in values]


def combinations() -> list[Filters]:
    chosen = [
        Filters(),
        Filters(cost=("free", "donation")),
        Filters(accessibility=("wheelchair", "hearing-loop")),
        Filters(area=("bath", "keynsham")),
        Filters(area=("bristol", "bnes-wide")),
        Filters(when=("evening", "weekend")),
        Filters(category=("mental-health",), area=("bath",)),
        Filters(audience=("young-people",), age=16),
        Filters(category=("older-people",), age=65, cost=("free",)),
        Filters(referral=("self",), access=("phone",), area=("radstock",)),
    ]
    pick = random.Random(15)  # the same mixed searches every run
    for _ in range(30):
        parameters = pick.sample(sorted(VALUES), pick.randint(2, 3))
        fields: dict[str, object] = {p: tuple(pick.sample(VALUES[p], pick.randint(1, 2))) for p in parameters}
        if pick.random() < 0.3:
            fields["age"] = pick.choice((5, 16, 30, 70))
        chosen.append(Filters(**fields))  # type: ignore[arg-type]
    return chosen


def expected_counts(rows: list[Row], filters: Filters) -> dict[tuple[str, str], int]:
    found = [row for row in rows if row.id in expected_ids(rows, filters)]
    return {(parameter, value): sum(has_value(row, parameter, value) for row in found)
            for parameter, values in VALUES.items() for value in values}


def shown_counts(page: str) -> dict[tuple[str, str], int]:
    return {(parameter, value): int(count) for parameter, value, count in COUNT.findall(page)}


def test_facet_counts_match_the_database(shared_demo_app: Flask, demo_client: FlaskClient) -> None:
    rows = list(visible_rows(shared_demo_app).values())
    searches = [*one_value_each(), *combinations()]
    problems = []
    nonzero = 0
    for filters in searches:
        response = demo_client.get("/search", query_string=filters.query_string())
        assert response.status_code == 200, filters
        page = response.get_data(as_text=True)
        expected = expected_counts(rows, filters)
        shown = shown_counts(page)
        # A value is offered when some result has it, or when it is already chosen (so it can be unticked).
        offered = {key for key, count in expected.items() if count or key[1] in getattr(filters, key[0])}
        assert set(shown) == offered, f"{filters}: the page shows counts for {sorted(set(shown) ^ offered)}"
        wrong = {key: (shown[key], expected[key]) for key in offered if shown[key] != expected[key]}
        if wrong:
            problems.append(f"{filters.query_string()}: (shown, from the database) {wrong}")
        total = len(expected_ids(rows, filters))
        if status_count(page) != total:
            problems.append(f"{filters.query_string()}: {status_count(page)} results, the database says {total}")
        nonzero += total > 0
    assert nonzero > len(searches) * 3 // 4, "most searches should find something, or the counts prove little"
    assert problems == [], "\n".join(problems)
