"""Every POST route refuses a request without a CSRF token, or with another session's token, and changes
nothing: not the database, not the visitor's session (where the shortlist lives).

The routes come from the application's URL map, so a new POST route is checked as soon as it exists, and a
view marked ``@csrf.exempt`` fails here. Each is posted to on a fresh copy of the authorisation matrix's world
(the demo plus the people and things every route acts on), at its address with real ids, with its valid form,
by a person allowed to use it; the same post with that person's own token must then not be refused, so the
refusals come from the token and nothing else. CSRF protection is switched on explicitly, whatever the test
configuration says.

Many views also check the token again through their form, so they would still answer 400 if marked exempt.
The refusal must therefore come from the site-wide protection itself: each copy of the app notes every
``CSRFError`` (raised only by ``CSRFProtect``) with an error handler that then answers with the site's own 400 page.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest

from app import create_app
from tests import test_authorisation_matrix as matrix
from tests.databases import clone, drop
from tests.test_authorisation_matrix import ADMIN, EDITOR_A, OK, PUBLIC, REFERRER, REFUSED_AS_TYPED, RULES, World

CSRF_ON = {"WTF_CSRF_ENABLED": True, "WTF_CSRF_CHECK_DEFAULT": True}
# Who posts: the first of these the route allows (a public visitor's session holds a shortlist).
PREFERENCE = (PUBLIC, REFERRER, EDITOR_A, ADMIN)


@pytest.fixture(scope="module")
def world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("csrf-world")
    clone(demo_template, workdir)
    built = matrix._build_world(workdir)
    matrix._sign_in_everyone(built)
    yield built
    drop(workdir)


def fresh_copy(world: World, target: Path, refusals: list[str]) -> Flask:
    """A copy of the world whose app adds to ``refusals`` the reason for each CSRFProtect refusal."""
    target.mkdir()
    clone(world.workdir, target)
    app = create_app(matrix.config(target) | CSRF_ON)
    assert app.config["WTF_CSRF_ENABLED"] and app.config["WTF_CSRF_CHECK_DEFAULT"]

    site_page = app.error_handler_spec[None][400][BadRequest]

    def refused(error: CSRFError) -> ResponseReturnValue:
        refusals.append(str(error.description))
        return site_page(error)

    app.register_error_handler(CSRFError, refused)
    return app


def session_contents(app: Flask, client: FlaskClient) -> dict[str, object]:
    cookie = client.get_cookie("session", domain=matrix.SERVER)
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return dict(serializer.loads(cookie.value))


def post_endpoints(app: Flask) -> dict[str, str]:
    """Each endpoint that takes POST, with its rule, from the URL map."""
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(world: World, tmp_path: Path) -> None:
    refusals: list[str] = []
    probe = fresh_copy(world, tmp_path / "probe", refusals)
    endpoints = post_endpoints(probe)
    matrix.dispose(probe)
    drop(tmp_path / "probe")
    assert len(endpoints) >= 20, "the URL map should hold every POST route"
    assert sorted(set(endpoints) - set(RULES)) == [], "a POST route has no address and form in RULES"
    problems = []
    for number, endpoint in enumerate(sorted(endpoints)):
        rule = RULES[endpoint]
        assert rule.post is not None, f"RULES says {endpoint} takes no POST"
        # A form posted as typed with a problem (so no account is made) answers 400 with its own message.
        role = next(r for r in PREFERENCE if rule.post[r] in (OK, REFUSED_AS_TYPED))
        refused_as_typed = rule.post[role] == REFUSED_AS_TYPED
        foreign = ADMIN if role != ADMIN else PUBLIC
        app = fresh_copy(world, tmp_path / f"route-{number}", refusals)
        client = matrix.browser(app, world, role)
        url = rule.url(world, role)
        tokens = {"no token": None, "another session's token": world.sessions[foreign][1]}
        for case, token in tokens.items():
            before = (matrix.snapshot(app), session_contents(app, client))
            data = rule.data(world, role) | ({"csrf_token": token} if token else {})
            refusals.clear()
            response = client.post(url, data=data)
            response.close()
            after = (matrix.snapshot(app), session_contents(app, client))
            if response.status_code != 400:
                problems.append(f"{endpoint}: POST {url} with {case} gave {response.status_code}, not 400")
            elif not refusals:
                problems.append(f"{endpoint}: POST {url} with {case} got past the CSRF protection (is it exempt?)")
            if after[0] != before[0]:
                problems.append(f"{endpoint}: POST {url} with {case} changed the database")
            if after[1] != before[1]:
                problems.append(f"{endpoint}: POST {url} with {case} changed the session")
        before_db = matrix.snapshot(app)
        refusals.clear()
        allowed = client.post(url, data=rule.data(world, role) | {"csrf_token": world.sessions[role][1]})
        allowed.close()
        if refusals:
            problems.append(f"{endpoint}: {role}'s own token is refused too, so the form itself is wrong")
        elif (allowed.status_code == 400) != refused_as_typed:
            problems.append(f"{endpoint}: {role}'s post with a token gave {allowed.status_code}, "
                            f"not what the matrix expects ({rule.post[role]})")
        elif rule.changes and matrix.snapshot(app) == before_db:
            problems.append(f"{endpoint}: {role}'s post with a token changed nothing, so 'nothing changed' is idle")
        matrix.dispose(app)
        drop(tmp_path / f"route-{number}")
    assert problems == [], "\n".join(problems)
