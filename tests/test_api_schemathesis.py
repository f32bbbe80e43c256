"""Schemathesis against the ORUK API's own OpenAPI description, on a live local server (issue 7).

A copy of the demo directory is served by werkzeug's real HTTP server on a free loopback port, in a
background thread. The ``schemathesis`` command reads ``/api/openapi.json`` from it over HTTP and sends
generated requests - valid ones and deliberately invalid ones (``--mode all``), through its coverage and
fuzzing phases - to every operation. No request may end in a server error, and every answer must have a
documented status, content type and body shape.

Why the command line rather than ``schemathesis.pytest.from_fixture(...).parametrize()``: with pytest 9.2
that loader fails before running anything (``AttributeError: 'Function' object has no attribute
'_nodeid'`` in ``schemathesis/pytest/lazy.py``; pytest 9 no longer has ``Node._nodeid``), and a schema
loaded at import time could not come from a server started by a fixture. The command runs the same
engine; its report is attached to the failure.

The number of examples per operation is bounded and generation is deterministic, so a run takes well
under a minute and a failure can be reproduced exactly. A warning fails the run too: "schema validation
mismatch", for one, means every request the description calls valid was refused, so the filters behind
the parameters were never reached (the description lists the identifiers and postcodes it takes for that).
"""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

MAX_EXAMPLES = 30
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without a log line for each of the hundreds of generated requests."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` served over real HTTP on 127.0.0.1 in a background thread; yields its base URL."""
    # An exception must reach the client as the app's own 500 answer, as in production, rather than be
    # re-raised into the server thread (TESTING turns propagation on).
    app.config["PROPAGATE_EXCEPTIONS"] = False
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_api(demo_app: Flask) -> Iterator[str]:
    with served(demo_app) as url:
        yield url


def run_schemathesis(base_url: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``schemathesis run`` against the live description; its working directory (where it may keep a
    cache) is a temporary one, so no configuration file or cache of the project is read or written."""
    assert SCHEMATHESIS.exists(), f"schemathesis is not installed beside {sys.executable}; pip install -e '.[test]'"
    command = [
        str(SCHEMATHESIS), "run", f"{base_url}/api/openapi.json",
        "--checks", ",".join(CHECKS),
        "--mode", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--request-timeout", "10",
        "--no-color",
        *extra,
    ]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SCHEMATHESIS_")}
    return subprocess.run(command, cwd=workdir, env=environment | {"NO_COLOR": "1"}, capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_live_server_serves_the_description(live_api: str) -> None:
    response = requests.get(f"{live_api}/api/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    paths = response.json()["paths"]
    assert {"/services", "/services/{id}", "/service_at_locations"} <= set(paths)
    for path in ("/services", "/service_at_locations"):  # so the run below sends the ORUK filters (issue 24)
        assert {"taxonomy_id", "postcode", "proximity", "day", "start_time", "end_time"} <= {
            parameter["name"] for parameter in paths[path]["get"]["parameters"]}


def test_schemathesis_finds_no_server_errors(live_api: str, tmp_path: Path) -> None:
    result = run_schemathesis(live_api, tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "9 selected / 9 total" in report, report  # every operation of the description was exercised
    assert "No issues found" in report, report


def _broken_view(*args: object, **kwargs: object) -> object:
    raise RuntimeError("a deliberate failure, to show that the schemathesis run catches server errors")


def test_the_run_fails_when_the_api_answers_with_a_server_error(demo_app: Flask, tmp_path: Path) -> None:
    """The harness itself: the same run, against a copy whose /api/taxonomies view raises, must fail and
    name the server error. (Only that operation is run, to keep this short.)"""
    demo_app.view_functions["api.taxonomies"] = _broken_view
    with served(demo_app) as url:
        assert requests.get(f"{url}/api/taxonomies", timeout=10).status_code == 500
        result = run_schemathesis(url, tmp_path, "--include-path", "/taxonomies")
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    assert "Server error" in report, report
