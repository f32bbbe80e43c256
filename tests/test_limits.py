"""Limits and errors (issue 18): ids the database cannot hold, request bodies too large to read, and JSON
imports too deep or too large to parse, each answered in plain words rather than a crash or an error 500."""

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.config import settings_from_environment
from app.directory.oruk_import import MAX_JSON_DEPTH, UnreadableJson, read_json
from tests.test_oruk_import import counts, example, import_oruk, write

MB = 1024 * 1024

# --- ids in addresses --------------------------------------------------------------------------------------------

# Beyond PostgreSQL's INTEGER, beyond SQLite's 64-bit integer, and beyond both by far; then ids no row has.
OUT_OF_RANGE = (2**31, 2**63, 10**30, 0)
ID_ADDRESSES = ("/services/{}", "/referrer/services/{}", "/manage/services/{}", "/admin/revisions/{}")


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("address", ID_ADDRESSES)
def test_an_id_the_database_cannot_hold_is_not_found(demo_client: FlaskClient, address: str, value: int) -> None:
    """Not found, even where signing in would come first: no page has that address."""
    response = demo_client.get(address.format(value))
    assert response.status_code == 404, response.status_code
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("digits", ["١", "１", "𝟏"])  # Arabic-Indic, fullwidth and mathematical ones
def test_an_id_in_other_digits_is_not_found(demo_client: FlaskClient, digits: str) -> None:
    """``int()`` reads these as 1, but a listing has one address, in ASCII digits."""
    assert demo_client.get("/services/1").status_code == 200
    assert demo_client.get(f"/services/{digits}").status_code == 404


# --- request bodies ----------------------------------------------------------------------------------------------


class CountedBody(io.RawIOBase):
    """A request body of ``size`` bytes, never held in memory, which fails the test if the app reads more than
    ``allowed`` bytes of it. (The test client seeks to its end to learn its length.)"""

    def __init__(self, size: int, allowed: int) -> None:
        self.size, self.allowed = size, allowed
        self.position = self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: memoryview) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        self.position += count
        self.read_so_far += count
        assert self.read_so_far <= self.allowed, f"the app read {self.read_so_far} bytes of the body"
        buffer[:count] = b"a" * count
        return count


def post_body(client: FlaskClient, body: CountedBody):
    return client.post("/sign-in", input_stream=body, content_type="application/x-www-form-urlencoded")


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: FlaskClient) -> None:
    body = CountedBody(200 * MB, allowed=0)
    response = post_body(client, body)
    assert response.status_code == 413
    assert body.read_so_far == 0


def test_the_too_large_page_says_so_in_plain_words(client: FlaskClient) -> None:
    response = post_body(client, CountedBody(2 * MB + 1, allowed=0))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "<h1>That was too large to send</h1>" in page
    assert "Files can be up to 2 MB" in page
    assert 'class="nhsuk-header"' in page and 'class="nhsuk-footer"' in page  # the site's own page


def test_a_form_under_the_limit_is_still_read(client: FlaskClient) -> None:
    """Just under the limit, the sign-in form is read and refused as a form (no CSRF token), not as too large."""
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "p" * (2 * MB - 1000)})
    assert response.status_code == 400
    assert "too large" not in response.get_data(as_text=True)


def test_the_request_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert settings_from_environment(tmp_path)["MAX_CONTENT_LENGTH"] == 2 * MB
    monkeypatch.setenv("WELLAWARE_MAX_CONTENT_LENGTH", "1000")
    assert settings_from_environment(tmp_path)["MAX_CONTENT_LENGTH"] == 1000


# --- JSON imports ------------------------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_refused(app: Flask, path: Path, words: str) -> None:
    before = counts(app)
    result = import_oruk(app, path, "--confirmed-today")
    assert isinstance(result.exception, SystemExit), result.exception  # an answer, not a crash
    assert result.exit_code == 1, result.output
    assert words in result.output, result.output
    assert "Nothing was imported" in result.output
    assert counts(app) == before


def test_json_nested_too_deep_is_refused_in_plain_words(app: Flask, tmp_path: Path) -> None:
    """Python's parser would run out of stack on this and crash with a RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text(nested(100_000), encoding="utf-8")
    assert_refused(app, path, f"nested more than {MAX_JSON_DEPTH} levels deep")


def test_a_json_file_over_the_import_limit_is_refused_unparsed(app: Flask, tmp_path: Path) -> None:
    app.config["IMPORT_MAX_BYTES"] = MB
    path = tmp_path / "large.json"
    path.write_text(json.dumps([example()] * (MB // len(json.dumps(example())) + 1)), encoding="utf-8")
    assert path.stat().st_size > MB
    assert_refused(app, path, "larger than 1 MB")


def test_a_number_too_long_to_read_is_refused_in_plain_words(app: Flask, tmp_path: Path) -> None:
    """``int()`` refuses more than 4,300 digits with a ValueError, which is not a JSONDecodeError."""
    record = example()
    path = tmp_path / "long-number.json"
    path.write_text(json.dumps(record)[:-1] + ', "extra": ' + "9" * 5000 + "}", encoding="utf-8")
    assert_refused(app, path, "a number with more than 4300 digits")


def test_json_as_deep_as_allowed_still_imports(app: Flask, tmp_path: Path) -> None:
    record = example()
    record["extra"] = json.loads(nested(MAX_JSON_DEPTH - 1))  # the record itself is the first level
    result = import_oruk(app, write(tmp_path / "deep-enough.json", record), "--confirmed-today")
    assert result.exit_code == 0, result.output


def test_depth_is_counted_outside_strings_only() -> None:
    assert read_json(json.dumps({"text": "[" * 1000, "quoted": '\\"[[[[' * 100}).encode(), MB)["text"] == "[" * 1000
    assert read_json(nested(MAX_JSON_DEPTH).encode(), MB)
    with pytest.raises(UnreadableJson, match="nested more than"):
        read_json(nested(MAX_JSON_DEPTH + 1).encode(), MB)
    with pytest.raises(UnreadableJson, match="nested more than"):
        read_json(('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)).encode(), MB)
