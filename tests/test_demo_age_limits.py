"""The demo's age limits behave like real ones (issue 19): someone who gives their age is not shown services
that are not for them, and still sees the ones that are.

A tester found a perinatal service shown to a 78-year-old. The listings below were picked by reading them,
not from the search: for each age, those that must not show (perinatal, children's and young people's
services at 78; adults-only and older people's services at 15) and those that must (an older people's
service at 78, young people's services at 15, and the crisis lines, which are for every age, at both). The
public search page is asked with the age alone; plain SQL over the service table says, independently of the
search, that each listing's own limits put it where it was judged to be.
"""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db

RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')
STATUS_COUNT = re.compile(r'role="status"[^>]*>\s*<strong>(\d+) results?</strong>')

CRISIS_LINES_FOR_EVERY_AGE = {
    "demo-001",  # Samaritans
    "demo-003",  # NHS 111, mental health option
    "demo-005",  # 24/7 Mental Health Response Line
}
NOT_FOR_78 = {
    "demo-011",  # Perinatal Mental Health Team
    "demo-107",  # Perinatal Peer Support – Bath
    "demo-108",  # Perinatal Peer Support – Midsomer Norton
    "demo-109",  # Perinatal Home Visiting
    "demo-004",  # Childline (under 19s)
    "demo-019",  # CAMHS
    "demo-046",  # Young Carers Service (8–17)
    "demo-080",  # Children's Grief Group (5–17)
    "demo-112",  # Young People's Counselling – Bath (11–18)
    "demo-118",  # Rainbow Youth Group (13–19)
    "demo-190",  # Stay and Play (under fives)
}
FOR_78 = CRISIS_LINES_FOR_EVERY_AGE | {
    "demo-014",  # Older People's Community Mental Health Team (65+)
    "demo-051",  # Keynsham Befriending (60+)
    "demo-143",  # Telephone Befriending (60+)
    "demo-145",  # Information and Advice for Later Life (50+)
    "demo-012",  # Memory Assessment Service – Bath (adults)
}
NOT_FOR_15 = {
    "demo-006",  # Crisis and Home Treatment Team (adults)
    "demo-021",  # NHS Talking Therapies, Bath (18 and over)
    "demo-025",  # The Lantern Crisis Café (adults)
    "demo-125",  # Deaf Wellbeing Service (Deaf adults)
    "demo-012",  # Memory Assessment Service – Bath (adults)
    "demo-014",  # Older People's Community Mental Health Team (65+)
    "demo-051",  # Keynsham Befriending (60+)
    "demo-143",  # Telephone Befriending (60+)
    "demo-145",  # Information and Advice for Later Life (50+)
    "demo-169",  # Larkhall Friendship Circle (60+)
    "demo-011",  # Perinatal Mental Health Team (16 and over)
}
FOR_15 = CRISIS_LINES_FOR_EVERY_AGE | {
    "demo-004",  # Childline
    "demo-019",  # CAMHS
    "demo-046",  # Young Carers Service (8–17)
    "demo-112",  # Young People's Counselling – Bath (11–18)
    "demo-116",  # Youth Drop-in – Keynsham (11–18)
    "demo-118",  # Rainbow Youth Group (13–19)
}
CASES = [(78, NOT_FOR_78, FOR_78), (15, NOT_FOR_15, FOR_15)]


def shown(client: FlaskClient, app: Flask, age: int) -> set[str]:
    """Every listing the public search page shows to someone who gives only their age, as external ids. A page
    past the last shows the last again, so the stated count says when to stop."""
    ids: list[int] = []
    count = None
    for page in range(1, 100):
        html = client.get("/search", query_string={"age": age, "page": page}).get_data(as_text=True)
        if count is None:
            match = STATUS_COUNT.search(html)
            assert match, "no result count on the search page"
            count = int(match.group(1))
        ids.extend(int(i) for i in RESULT_LINK.findall(html))
        if len(ids) >= count:
            break
    assert len(ids) == count > 0
    with app.app_context():
        found = db.session.execute(text("SELECT id, external_id FROM service")).all()
    external = dict(found)
    return {external[i] for i in ids}


def limits(app: Flask, external_ids: set[str]) -> dict[str, tuple[int | None, int | None]]:
    """The listings' age limits, read with plain SQL."""
    with app.app_context():
        found = db.session.execute(text("SELECT external_id, min_age, max_age FROM service")).all()
    return {external_id: (low, high) for external_id, low, high in found if external_id in external_ids}


def fits(age: int, low: int | None, high: int | None) -> bool:
    return (low is None or low <= age) and (high is None or age <= high)


@pytest.mark.parametrize(("age", "not_for", "for_"), CASES, ids=[f"age {age}" for age, _, _ in CASES])
def test_a_person_giving_their_age_sees_only_listings_for_it(demo_client: FlaskClient, shared_demo_app: Flask,
                                                               age: int, not_for: set[str], for_: set[str]) -> None:
    results = shown(demo_client, shared_demo_app, age)
    assert not results & not_for, f"shown to someone aged {age}: {sorted(results & not_for)}"
    assert for_ <= results, f"not shown to someone aged {age}: {sorted(for_ - results)}"


@pytest.mark.parametrize(("age", "not_for", "for_"), CASES, ids=[f"age {age}" for age, _, _ in CASES])
def test_the_listings_own_limits_say_the_same(shared_demo_app: Flask, age: int, not_for: set[str],
                                              for_: set[str]) -> None:
    ages = limits(shared_demo_app, not_for | for_)
    assert set(ages) == not_for | for_, f"not in the demo: {sorted((not_for | for_) - set(ages))}"
    let_in = sorted(i for i in not_for if fits(age, *ages[i]))
    kept_out = sorted(i for i in for_ if not fits(age, *ages[i]))
    assert not let_in, f"limits that let them in at {age}: {[(i, ages[i]) for i in let_in]}"
    assert not kept_out, f"limits that keep them out at {age}: {[(i, ages[i]) for i in kept_out]}"


def test_the_crisis_lines_have_no_age_limit(shared_demo_app: Flask) -> None:
    assert set(limits(shared_demo_app, CRISIS_LINES_FOR_EVERY_AGE).values()) == {(None, None)}
