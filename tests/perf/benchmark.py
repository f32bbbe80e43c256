"""Every benchmark of issue 9 in one run, written up as a Markdown table (a script, not a test).

    bash .ci/bench                                   # installs what it needs, then runs the line below
    .venv/bin/python tests/perf/benchmark.py [--sizes 1000 10000 100000] [--out benchmark.md]

For each size, in a temporary folder, a synthetic directory of published listings (tests/perf/synthetic.py)
in SQLite, then:

- index build: ``flask search reindex`` in its own process, as an operator runs it;
- search layer: ``search.service.search`` over 500 different searches (the uniform mix; 63% with filters),
  each seen for the first time, and over 500 searches drawn from them with Zipf-distributed popularity
  (popular searches repeat, as on a real directory);
- SQLite FTS5 over the same four text fields and doing the same filtering (any of the words; no synonyms,
  crisis phrases, places, facets or spelling), on the uniform mix; the table gives the ratio of the p95s;
- search page: ``GET /search`` through the Flask test client (server time: parsing, search, rendering),
  on 500 other searches of the same kind, then on a Zipf mix of them;
- approval to searchable: an editor's change approved through the revision workflow, timed from the
  approval until a search finds the change's new word (one node);
- gunicorn with 2 workers on loopback under ``wrk`` (20 connections, --seconds each mix): pages per second,
  errors (5xx, non-2xx, socket errors) and wrk's p50/p95; then each worker's peak memory (VmHWM).

Then the demo's leaflets: each hub's three formats rendered on their own, and the whole bank.
Figures are wall-clock on this machine; run it on a quiet machine.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts.operations import create_user  # noqa: E402
from app.directory.listing_data import ListingData  # noqa: E402
from app.directory.models import Service  # noqa: E402
from app.directory.revisions import approve, propose  # noqa: E402
from app.directory.visibility import freshness_cutoff  # noqa: E402
from app.extensions import db  # noqa: E402
from app.public.search_form import parse_search_args  # noqa: E402
from app.timeutil import today  # noqa: E402
from search.service import search  # noqa: E402
from search.sync import search_index  # noqa: E402
from search.vocabulary import default_vocabulary  # noqa: E402
from tests.perf import bench_leaflets  # noqa: E402
from tests.perf.synthetic import build_directory, fts5_search, fts5_table, percentiles, query_mix, zipf_mix  # noqa: E402

QUERIES = 500
SEED = 20261123
CONNECTIONS = 20
APPROVALS = 20
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, '
    .. '"non_2xx_3xx": %d, "socket_errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


@dataclass
class SizeResult:
    listings: int
    build_seconds: float = 0.0
    index_mb: float = 0.0
    latency: dict[str, dict[str, float]] = field(default_factory=dict)  # path → p50/p95/p99
    approval_ms: dict[str, float] = field(default_factory=dict)
    throughput: dict[str, dict[str, float]] = field(default_factory=dict)  # mix → wrk figures
    worker_peak_mb: list[float] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def make_app(workdir: Path):
    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "wellaware.test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'wellaware.sqlite'}",
        "INDEX_DIR": str(workdir / "index"), "MAIL_FOLDER": str(workdir / "mail"),
        "RATELIMIT_ENABLED": False, "SEARCH_RATE_LIMIT": "1000000 per minute",
    })


def server_env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "WELLAWARE_DATABASE_URL": f"sqlite:///{workdir / 'wellaware.sqlite'}",
            "WELLAWARE_INDEX_DIR": str(workdir / "index"), "WELLAWARE_SECRET_KEY": "bench",
            "WELLAWARE_RATELIMIT_ENABLED": "false", "WELLAWARE_MAIL_FOLDER": str(workdir / "mail")}


def search_path(params: dict[str, object]) -> str:
    return "/search?" + urlencode(params)


# --- the measurements ----------------------------------------------------------------------------------------


def time_build(workdir: Path, result: SizeResult) -> None:
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "search", "reindex"], cwd=ROOT, env=server_env(workdir),
                   check=True, capture_output=True)
    result.build_seconds = time.perf_counter() - started
    result.index_mb = sum(f.stat().st_size for f in (workdir / "index").iterdir()) / 1e6


def time_layer(app, mixes: dict[str, list[dict[str, object]]], result: SizeResult) -> None:
    with app.test_request_context():
        index = search_index()
        day = today()
        cutoff = freshness_cutoff(day)
        vocabulary = default_vocabulary()
        index.searcher()  # opened as a running worker has it; nothing searched yet
        for name, mix in mixes.items():
            samples = []
            for params in mix:
                request = parse_search_args(MultiDict(params))
                started = time.perf_counter()
                search(index, request.text, request.filters, today=day, freshness_cutoff=cutoff,
                       vocabulary=vocabulary)
                samples.append((time.perf_counter() - started) * 1000)
            result.latency[f"search layer, {name}"] = percentiles(samples)


def time_fts5(app, mix: list[dict[str, object]], result: SizeResult) -> None:
    connection = fts5_table(app)
    with app.test_request_context():
        day = today()
        cutoff = freshness_cutoff(day)
        requests = [parse_search_args(MultiDict(params)) for params in mix]
    for request in requests[:20]:  # warm SQLite's page cache
        fts5_search(connection, request.text, request.filters, day, cutoff)
    samples = []
    for request in requests:
        started = time.perf_counter()
        fts5_search(connection, request.text, request.filters, day, cutoff)
        samples.append((time.perf_counter() - started) * 1000)
    connection.close()
    result.latency["SQLite FTS5, uniform"] = percentiles(samples)


def time_pages(app, mixes: dict[str, list[dict[str, object]]], result: SizeResult) -> None:
    client = app.test_client()
    for name, mix in mixes.items():
        samples = []
        for params in mix:
            started = time.perf_counter()
            response = client.get(search_path(params))
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (params, response.status_code)
        result.latency[f"search page, {name}"] = percentiles(samples)


def time_approvals(app, result: SizeResult) -> None:
    """An editor proposes a change to a listing with a new word; time from approval to found by search."""
    samples = []
    with app.test_request_context():
        admin = create_user("bench-admin@example.org", "bench password 12345", role="admin")
        services = db.session.scalars(select(Service).order_by(Service.id).limit(APPROVALS)).all()
        index = search_index()
        for number, service in enumerate(services):
            editor = create_user(f"bench-editor-{number}@example.org", "bench password 12345", role="editor",
                                 organisation=service.organisation)
            word = f"benchword{chr(97 + number)}{'xyz'[number % 3]}"
            data = ListingData.from_service(service)
            _, revision = propose(service.organisation, replace(data, summary=f"{data.summary} {word}"), editor,
                                  service)
            db.session.commit()
            started = time.perf_counter()
            approve(revision, admin)
            db.session.commit()
            while service.id not in search(index, word, parse_search_args(MultiDict()).filters, today=today(),
                                           freshness_cutoff=freshness_cutoff(today()),
                                           vocabulary=default_vocabulary()).ids:
                time.sleep(0.001)
                assert time.perf_counter() - started < 30, "the approved change never became searchable"
            samples.append((time.perf_counter() - started) * 1000)
    stats = percentiles(samples)
    result.approval_ms = {"p50": stats["p50"], "max": max(samples)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def time_gunicorn(workdir: Path, mixes: dict[str, list[str]], seconds: float, result: SizeResult) -> None:
    port = free_port()
    script = workdir / "mix.lua"
    script.write_text(WRK_SCRIPT)
    with (workdir / "gunicorn.log").open("w") as server_log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:app.serving.gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--access-logfile", str(workdir / "access.log"), "wsgi:app"],
            cwd=ROOT, env=server_env(workdir), stdout=subprocess.DEVNULL, stderr=server_log)
        try:
            _wait_for(port)
            for name, paths in mixes.items():
                result.throughput[name] = _load(workdir, port, script, name, paths, seconds)
            result.worker_peak_mb = [peak_mb(pid) for pid in worker_pids(server.pid)]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    result.throughput["server tracebacks"] = {"count": (workdir / "gunicorn.log").read_text().count("Traceback")}


def _load(workdir: Path, port: int, script: Path, name: str, paths: list[str], seconds: float) -> dict[str, float]:
    listed = workdir / f"{name}.paths"
    listed.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "BENCH_PATHS": str(listed)}
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", "-s", str(script), f"http://127.0.0.1:{port}"]
    subprocess.run([*command, "-d2s"], env=env, check=True, capture_output=True)  # warm the workers up
    run = subprocess.run([*command, f"-d{seconds:.0f}s"], env=env, check=True, capture_output=True, text=True)
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    figures["per_second"] = figures["requests"] / figures["seconds"]
    return figures


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def run_size(listings: int, seconds: float) -> SizeResult:
    result = SizeResult(listings)
    workdir = Path(tempfile.mkdtemp(prefix=f"wellaware-bench-{listings}-"))
    try:
        app = make_app(workdir)
        upgrade = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        log(f"{listings} listings: making the directory")
        insert_seconds = build_directory(app, listings, SEED)
        log(f"  made in {insert_seconds:.0f} s; building the index")
        time_build(workdir, result)
        log(f"  index built in {result.build_seconds:.1f} s ({result.index_mb:.0f} MB); searching")
        searches = query_mix(2 * QUERIES, SEED)
        layer_mix, page_mix = searches[0::2], searches[1::2]
        time_layer(app, {"uniform": layer_mix, "Zipf": zipf_mix(layer_mix, QUERIES, SEED)}, result)
        time_fts5(app, layer_mix, result)
        time_pages(app, {"uniform": page_mix, "Zipf": zipf_mix(page_mix, QUERIES, SEED)}, result)
        log("  approvals")
        time_approvals(app, result)
        with app.app_context():
            db.engine.dispose()
        search_index(app).close()
        log("  gunicorn under load")
        time_gunicorn(workdir, {"uniform": [search_path(p) for p in page_mix],
                                "Zipf": [search_path(p) for p in zipf_mix(page_mix, 5000, SEED)]}, seconds, result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"  done: {json.dumps(result.latency, default=lambda v: round(v, 2))}")
    return result


def run_leaflets() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wellaware-bench-leaflets-") as temporary:
        root = Path(temporary)
        (root / "demo").mkdir()
        app = bench_leaflets.make_app(root / "demo")
        each = bench_leaflets.time_each_hub_leaflet(app)
        count, seconds = bench_leaflets.time_bank(app, root / "bank", bench_leaflets.default_workers(), each=False)
    slowest = max(each, key=lambda row: row[2])
    return {"leaflets": count, "bank_seconds": seconds, "slowest": slowest[2],
            "slowest_name": f"{slowest[0]} {slowest[1]} ({slowest[3]} pages)",
            "median": sorted(row[2] for row in each)[len(each) // 2]}


# --- the table -------------------------------------------------------------------------------------------------------


def fts5_ratio(result: SizeResult) -> float:
    return result.latency["search layer, uniform"]["p95"] / result.latency["SQLite FTS5, uniform"]["p95"]


def markdown(results: list[SizeResult], leaflets: dict[str, float], seconds: float) -> str:
    sizes = [f"{r.listings:,}" for r in results]
    lines = [
        f"Benchmarks, {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}); latencies in ms as p50 / p95 / p99.",
        "",
        "| | " + " | ".join(f"{size} listings" for size in sizes) + " |",
        "|---|" + "---:|" * len(results),
    ]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def triple(path: str):
        return lambda r: " / ".join(f"{r.latency[path][p]:.1f}" for p in ("p50", "p95", "p99"))

    row("full index build (s)", lambda r: f"{r.build_seconds:.1f}")
    for path in ("search layer, uniform", "search layer, Zipf", "SQLite FTS5, uniform"):
        row(path, triple(path))
    row("search layer p95 ÷ FTS5 p95", lambda r: f"{fts5_ratio(r):.1f}×")
    for path in ("search page, uniform", "search page, Zipf"):
        row(f"{path} (server time)", triple(path))
    row("approval to searchable, p50 / max", lambda r: f"{r.approval_ms['p50']:.0f} / {r.approval_ms['max']:.0f}")
    for mix in ("uniform", "Zipf"):
        row(f"gunicorn 2 workers, {mix}: pages/s", lambda r, m=mix: f"{r.throughput[m]['per_second']:.0f}")
        row(f"gunicorn 2 workers, {mix}: p50 / p95 under load",
            lambda r, m=mix: f"{r.throughput[m]['p50_ms']:.0f} / {r.throughput[m]['p95_ms']:.0f}")
        row(f"gunicorn 2 workers, {mix}: errors",
            lambda r, m=mix: str(int(r.throughput[m]["non_2xx_3xx"] + r.throughput[m]["socket_errors"])))
    row("server tracebacks", lambda r: str(r.throughput["server tracebacks"]["count"]))
    row("peak memory per worker (MB)", lambda r: " / ".join(f"{mb:.0f}" for mb in r.worker_peak_mb))
    lines.append("")
    if leaflets:
        lines.append(f"Leaflets (demo directory): the whole bank of {leaflets['leaflets']:.0f} leaflets in "
                     f"{leaflets['bank_seconds']:.1f} s; one leaflet takes {leaflets['median']:.1f} s at the median, "
                     f"{leaflets['slowest']:.1f} s at most ({leaflets['slowest_name']}).")
    lines.append(f"gunicorn figures are wrk with {CONNECTIONS} connections for {seconds:.0f} s per mix on loopback, "
                 "the rate limit off (the load comes from one address); wrk shares the 2 CPUs with the workers.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seconds", type=float, default=20, help="length of each gunicorn load (default 20)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmark.md")
    parser.add_argument("--skip-leaflets", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run `bash .ci/bench`, which installs it")
    log(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = [run_size(size, args.seconds) for size in args.sizes]
    leaflets: dict[str, float] = {}
    if not args.skip_leaflets:
        log("leaflets")
        leaflets = run_leaflets()
    table = markdown(results, leaflets, args.seconds)
    args.out.write_text(table)
    print()
    print(table)
    log(f"written to {args.out}")


if __name__ == "__main__":
    main()
