"""Load and fault test of a real Well Aware server on loopback. A script, not a pytest module:

    .venv/bin/python tests/fault/load_and_faults.py [--seconds 60] [--database sqlite|postgres]
        [--approval-seconds 30] [--editors 3] [--approvals-only]

It builds a fresh demo database (an SQLite file in a temporary folder, or a new PostgreSQL database on
127.0.0.1:5432 as user postgres), loads the demo and builds the index with the flask CLI, and starts gunicorn
with two workers on 127.0.0.1. Then:

load    20 searchers (threads, http.client) ask a fixed mix of search addresses for --seconds while two
        editors each publish a change every second: one adds a listing, the other rewrites an existing
        listing's summary, each change carrying a word used nowhere else. The editors run the application's
        own code in this process against the same database (``publish_directly`` and a commit, which also logs
        the change), as another node would; they keep their own (absent) index, so the server's index learns
        of each change only from the change log, as design §8 has it.
approvals  (issue 18) for --approval-seconds, --editors browsers signed in as the demo editors (real HTTP: cookies,
        CSRF tokens and every field read from the forms) keep sending changes to their own listings' descriptions
        for approval, while two administrators (the demo one and a second made with `flask users create`) keep
        opening the queue and approving; every other round both press Approve on the same revision at the same
        moment. When the editors stop, the administrators empty the queue. Then plain SQL counts the revisions the
        administrators approved, their 'change approved' audit events and the listings whose live text is their
        last approved revision's, and compares them with what the administrators were told: "approvals made: N,
        approvals found: N, lost: 0, double approvals: 0, server errors: 0". A race must end with one approval and
        a clear refusal; anything lost, approved twice or answered 5xx fails. --approvals-only runs just this.
faults  each followed by a short load and the same checks:
        - kill -9 a gunicorn worker while it holds the index's write lock (the holder is read from
          /proc/locks, so the kill lands during an index write);
        - delete the index directory;
        - truncate the largest index segment (the app reads index files without mmap and rebuilds a damaged
          index in the background, answering 503 "being rebuilt" meanwhile);
        - stop PostgreSQL for 10 s (only with --database postgres, and only when run as root).
checks  no 5xx and no failed connection in a clean load; during a fault, 503s are counted apart from other
        5xx, and the site must recover by itself within 60 s; every change the editors committed is in the
        database and found by searching for its word over HTTP; `flask search check` exits 0.

Everything it starts is stopped again, also on failure or Ctrl-C. The exit status is 1 when any check fails.
"""

import argparse
import contextlib
import html
import http.client
import itertools
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SEARCHERS = 20
RECOVERY_LIMIT = 60.0
REQUEST_TIMEOUT = 60.0
POSTGRES_OUTAGE = 10.0
# A fixed mix: public searches with and without filters, the ORUK API, places near a postcode.
SEARCH_MIX = (
    "/search?q=counselling",
    "/search?q=carers&area=bath",
    "/search?category=mental-health&age=30",
    "/search?q=dementia+support",
    "/search?q=drink",
    "/search?q=walking&when=evening",
    "/search?postcode=BA2+3AA",
    "/search?q=advice&cost=free",
    "/search?q=housing&page=2",
    "/api/services?search=alcohol&per_page=10",
    "/api/services?minimum_age=16&maximum_age=25",
    "/api/service_at_locations?postcode=BA1+1AA&proximity=5000&per_page=10",
)


# --- output ------------------------------------------------------------------------------------------------------

def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the server ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Site:
    workdir: Path
    database_url: str
    index_dir: Path
    port: int
    env: dict[str, str]
    log_path: Path
    gunicorn: subprocess.Popen | None = None
    postgres_database: str | None = None

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=900)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}): {result.stderr[-2000:]}")
        return result

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:app.serving.gunicorn", "-w", "2", "-b", f"{HOST}:{self.port}",
             "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.gunicorn.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, "/search?q=support", timeout=10)[0] == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer a search within 120 s")

    def workers(self) -> list[int]:
        assert self.gunicorn is not None
        return children_of(self.gunicorn.pid)

    def stop(self) -> None:
        if self.gunicorn is None or self.gunicorn.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.gunicorn.pid, signal.SIGTERM)  # the master stops its workers gracefully
        try:
            self.gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.gunicorn.pid, signal.SIGKILL)
            self.gunicorn.wait(timeout=10)


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


def get(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- databases --------------------------------------------------------------------------------------------------


def postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(host=HOST, port=5432, user="postgres", dbname="postgres", autocommit=True) as connection:
        connection.execute(statement)


def postgres_cluster() -> tuple[str, str]:
    versions = sorted((p.name for p in Path("/etc/postgresql").iterdir() if p.name[0].isdigit()), key=float)
    return versions[-1], "main"


def pg_ctlcluster(action: str) -> None:
    version, cluster = postgres_cluster()
    mode = ["-m", "fast"] if action == "stop" else []
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *mode, version, cluster, action], check=True,
                   capture_output=True, text=True, timeout=120)


# --- the searchers ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    start: float
    end: float
    status: int | None  # None: no answer at all (refused, reset, timed out)
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


class Searchers:
    def __init__(self, port: int, count: int = SEARCHERS) -> None:
        self.port, self.count = port, count
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.count):
            thread = threading.Thread(target=self._run, args=(number,), name=f"searcher-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, number: int) -> None:
        position = number
        while not self._stop.is_set():
            path = SEARCH_MIX[position % len(SEARCH_MIX)]
            position += 1
            started = time.monotonic()
            try:
                status, _ = get(self.port, path)
                sample = Sample(started, time.monotonic(), status)
            except (OSError, http.client.HTTPException) as error:
                sample = Sample(started, time.monotonic(), None, type(error).__name__)
                self._stop.wait(0.05)  # nobody listening: do not spin
            with self._lock:
                self.samples.append(sample)

    def last_failure(self) -> float | None:
        with self._lock:
            return max((s.end for s in self.samples if s.failed), default=None)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)


# --- the editors --------------------------------------------------------------------------------------------------


@dataclass
class Changes:
    created: dict[str, str] = field(default_factory=dict)  # word → uid of the listing it added
    updated: dict[str, str] = field(default_factory=dict)  # uid → the latest word written into its summary
    committed: int = 0
    failed: int = 0
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expected(self) -> list[tuple[str, str]]:
        """(word, uid) for every change that must be searchable now."""
        with self.lock:
            return list(self.created.items()) + [(word, uid) for uid, word in self.updated.items()]


class Editors:
    """Two editors, each publishing one approved change a second through the application's own code."""

    def __init__(self, flask_app, organisation: str, listings: list[int], changes: Changes) -> None:
        self.app, self.organisation, self.listings, self.changes = flask_app, organisation, listings, changes
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._random = random.Random()
        self._turn = 0

    def start(self) -> None:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._every_second, args=(job,), daemon=True, name=job.__name__)
                         for job in (self._add_listing, self._rewrite_summary)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _word(self) -> str:
        return "zq" + "".join(self._random.choice("abcdefghijklmnopqrstuvwxy") for _ in range(9))

    def _every_second(self, job: Callable[[str], None]) -> None:
        tick = time.monotonic()
        while not self._stop.is_set():
            with self.app.app_context():
                from app.extensions import db

                try:
                    job(self._word())
                except Exception as error:  # the database may be down: not committed, so not approved
                    with contextlib.suppress(Exception):
                        db.session.rollback()
                    with self.changes.lock:
                        self.changes.failed += 1
                        self.changes.last_error = f"{type(error).__name__}: {str(error)[:160]}"
                finally:
                    with contextlib.suppress(Exception):
                        db.session.remove()
            tick += 1.0
            self._stop.wait(max(0.0, tick - time.monotonic()))

    def _add_listing(self, word: str) -> None:
        from app.directory.listing_data import ListingData
        from app.directory.operations import publish_directly
        from app.extensions import db
        from app.timeutil import today

        data = ListingData(organisation=self.organisation, name=f"Fault check {word}",
                           summary=f"Added by the load test: {word}", description=f"Search for {word} to find this.",
                           categories=["wellbeing"], referral=["self"], access=["phone"], areas=["bath"],
                           opening_hours="Mon 10:00-12:00", assured_at=today())
        service, _ = publish_directly(data, source="fault-test")
        db.session.commit()
        with self.changes.lock:
            self.changes.created[word] = service.uid
            self.changes.committed += 1

    def _rewrite_summary(self, word: str) -> None:
        from app.directory.listing_data import ListingData
        from app.directory.models import Service
        from app.directory.operations import publish_directly
        from app.extensions import db

        service = db.session.get(Service, self.listings[self._turn % len(self.listings)])
        self._turn += 1
        data = ListingData.from_service(service)
        data.summary = f"Rewritten by the load test: {word}"
        publish_directly(data, service=service, source="fault-test")
        db.session.commit()
        with self.changes.lock:
            self.changes.updated[service.uid] = word
            self.changes.committed += 1


# --- faults -------------------------------------------------------------------------------------------------------


def write_lock_holder(index_dir: Path) -> int | None:
    """The process holding Whoosh's write lock on ``index_dir`` (an flock), from /proc/locks."""
    try:
        info = (index_dir / "MAIN_WRITELOCK").stat()
    except FileNotFoundError:
        return None
    key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    with open("/proc/locks", encoding="ascii") as locks:
        for line in locks:
            parts = line.split()
            if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == key:  # "->" lines are waiters
                return int(parts[4])
    return None


def kill_a_worker_mid_write(site: Site) -> str:
    deadline = time.monotonic() + 30
    workers, listed = set(site.workers()), time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() - listed > 1.0:  # gunicorn recycles workers now and then
            workers, listed = set(site.workers()), time.monotonic()
        holder = write_lock_holder(site.index_dir)
        if holder is not None and holder in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(holder, signal.SIGKILL)
                return f"killed worker {holder} while it held the index write lock"
        time.sleep(0.002)
    victim = random.choice(site.workers())
    os.kill(victim, signal.SIGKILL)
    return f"no worker was seen writing within 30 s; killed worker {victim} anyway"


def delete_index(site: Site) -> str:
    shutil.rmtree(site.index_dir, ignore_errors=True)
    return f"deleted {site.index_dir}"


def truncate_segment(site: Site) -> str:
    segments = sorted(site.index_dir.glob("*.seg"), key=lambda p: p.stat().st_size)
    if not segments:
        return "no segment file to truncate"
    largest = segments[-1]
    size = largest.stat().st_size
    os.truncate(largest, size // 2)
    return f"truncated {largest.name} from {size} to {size // 2} bytes"


# --- a phase: load, perhaps a fault, recovery, checks ---------------------------------------------------------------


@dataclass
class Report:
    name: str
    note: str = ""
    requests: int = 0
    ok: int = 0
    status_503: int = 0
    other_5xx: int = 0
    no_answer: int = 0
    p50: float = 0.0
    p95: float = 0.0
    per_second: float = 0.0
    recovery: float | None = None  # seconds from the fault (or the database's return) to the last failure
    clean_failures: int = 0  # failures after recovery, in the short clean load
    changes_committed: int = 0
    changes_failed: int = 0
    missing_in_db: list[str] = field(default_factory=list)
    not_searchable: list[str] = field(default_factory=list)
    searchable_after: float = 0.0
    search_check: str = ""
    problems: list[str] = field(default_factory=list)

    def print(self) -> None:
        say(f"== {self.name}: {'PASS' if not self.problems else 'FAIL'}")
        if self.note:
            say(f"   fault: {self.note}")
        say(f"   requests {self.requests} ({self.per_second:.1f}/s): {self.ok} answered 2xx/3xx/4xx, "
            f"{self.status_503} × 503, {self.other_5xx} other 5xx, {self.no_answer} without an answer")
        say(f"   latency p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms")
        if self.recovery is not None:
            say(f"   recovered by itself {self.recovery:.1f} s after the fault; "
                f"{self.clean_failures} failure(s) in the clean load after it")
        if self.not_searchable:
            found = f"{len(self.not_searchable)} NOT found by searching: {self.not_searchable[:5]}"
        else:
            found = f"every one found by searching for its word (after {self.searchable_after:.1f} s)"
        say(f"   editors: {self.changes_committed} change(s) committed so far, {self.changes_failed} failed; {found}")
        if self.missing_in_db:
            say(f"   LOST from the database: {self.missing_in_db[:5]}")
        say(f"   search check: {self.search_check}")
        for problem in self.problems:
            say(f"   problem: {problem}")


def summarise(report: Report, samples: list[Sample]) -> None:
    report.requests = len(samples)
    report.ok = sum(1 for s in samples if s.status is not None and s.status < 500)
    report.status_503 = sum(1 for s in samples if s.status == 503)
    report.other_5xx = sum(1 for s in samples if s.status is not None and s.status >= 500 and s.status != 503)
    report.no_answer = sum(1 for s in samples if s.status is None)
    answered = sorted(s.end - s.start for s in samples if s.status is not None)
    if answered:
        report.p50 = statistics.median(answered)
        report.p95 = answered[min(len(answered) - 1, int(0.95 * len(answered)))]
    if samples:
        span = max(s.end for s in samples) - min(s.start for s in samples)
        report.per_second = len(samples) / span if span > 0 else 0.0


def run_load(site: Site, editors: Editors, seconds: float, fault: Callable[[], str] | None = None,
             fault_at: float = 3.0, clean_after: float = 10.0, recovered_from: Callable[[], float] | None = None
             ) -> tuple[list[Sample], str, float | None, float | None]:
    """Load for ``seconds``; with a fault, inject it after ``fault_at`` seconds and keep loading until the site
    has answered without failure for ``clean_after`` seconds (at most RECOVERY_LIMIT after the fault).
    Returns the samples, the fault's note, when the fault began and the moment recovery is timed from (the
    fault's end, or ``recovered_from()`` for a fault that lasts), as monotonic times."""
    searchers = Searchers(site.port)
    searchers.start()
    editors.start()
    started = time.monotonic()
    note, fault_started, fault_time = "", None, None
    try:
        if fault is not None:
            time.sleep(fault_at)
            fault_started = time.monotonic()
            note = fault()
            fault_time = recovered_from() if recovered_from else time.monotonic()
            say(f"   {note}")
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            if now - started < seconds:
                continue
            if fault_time is None:
                break
            since = max(fault_time, searchers.last_failure() or 0.0)
            if now - since >= clean_after or now - fault_time >= RECOVERY_LIMIT + clean_after:
                break
    finally:
        editors.stop()
        searchers.stop()
    return searchers.samples, note, fault_started, fault_time


def check_changes(site: Site, editors: Editors, report: Report) -> None:
    from sqlalchemy import select

    from app.directory.models import Service
    from app.extensions import db

    changes = editors.changes
    report.changes_committed, report.changes_failed = changes.committed, changes.failed
    expected = changes.expected()
    with editors.app.app_context():
        for word, uid in expected:
            service = db.session.scalar(select(Service).where(Service.uid == uid))
            if service is None or (word not in service.name and word not in service.summary):
                report.missing_in_db.append(word)
        db.session.remove()
    if report.missing_in_db:
        report.problems.append(f"{len(report.missing_in_db)} committed change(s) are not in the database")

    def found(pair: tuple[str, str]) -> bool:
        word, uid = pair
        try:
            status, body = get(site.port, f"/api/services?search={quote(word)}&per_page=20", timeout=30)
        except (OSError, http.client.HTTPException):
            return False
        return status == 200 and uid in {item["id"] for item in json.loads(body)["contents"]}

    started = time.monotonic()
    waiting = expected
    with ThreadPoolExecutor(max_workers=4) as pool:
        while waiting and time.monotonic() - started < RECOVERY_LIMIT:
            results = list(pool.map(found, waiting))
            waiting = [pair for pair, ok in zip(waiting, results, strict=True) if not ok]
            if waiting:
                time.sleep(1.0)
    report.searchable_after = time.monotonic() - started
    report.not_searchable = [word for word, _ in waiting]
    if waiting:
        report.problems.append(f"{len(waiting)} committed change(s) not found by searching for their word")
    result = site.flask("search", "check", check=False)
    report.search_check = "exit 0" if result.returncode == 0 else (
        f"exit {result.returncode}: {(result.stderr or result.stdout).strip().splitlines()[-1][:200]}")
    if result.returncode != 0:
        report.problems.append("`flask search check` failed")


def phase(site: Site, editors: Editors, name: str, seconds: float, fault: Callable[[], str] | None = None,
          *, fault_at: float = 3.0, clean_after: float = 10.0, allowed_in_recovery: str = "503",
          recovered_from: Callable[[], float] | None = None) -> Report:
    say(f"-- {name}: {seconds:.0f} s of load" + (" with a fault" if fault else ""))
    report = Report(name)
    samples, report.note, fault_started, fault_time = run_load(site, editors, seconds, fault, fault_at, clean_after,
                                                               recovered_from)
    summarise(report, samples)
    if fault_started is None or fault_time is None:
        if report.other_5xx or report.status_503 or report.no_answer:
            report.problems.append("failures in a load without a fault")
    else:
        early = [s for s in samples if s.failed and s.end < fault_started]
        if early:
            report.problems.append(f"{len(early)} failure(s) before the fault")
        failures = [s for s in samples if s.failed and s.end >= fault_started]
        last = max((s.end for s in failures), default=fault_time)
        report.recovery = max(0.0, last - fault_time)
        clean = [s for s in samples if s.start > last]
        report.clean_failures = sum(1 for s in clean if s.failed)
        if report.recovery > RECOVERY_LIMIT:
            report.problems.append(f"no recovery within {RECOVERY_LIMIT:.0f} s")
        if not clean or max(s.end for s in clean) - min(s.start for s in clean) < clean_after / 2:
            report.problems.append("the site did not answer cleanly after the fault")
        if allowed_in_recovery in ("503", "in-flight"):
            # An index fault may only ever be answered "being rebuilt"; a killed worker may also drop the
            # request it had in hand (no answer), and nothing else.
            wrong = [s for s in failures if s.status is not None and s.status != 503]
            if wrong:
                report.problems.append(f"{len(wrong)} 5xx other than 503 after the fault "
                                       f"(statuses {sorted({s.status for s in wrong})})")
            dropped = sum(1 for s in failures if s.status is None)
            if dropped > (2 if allowed_in_recovery == "in-flight" else 0):
                report.problems.append(f"{dropped} request(s) got no answer at all")
    check_changes(site, editors, report)
    report.print()
    return report


# --- approvals under load: editors and administrators in browsers ----------------------------------------------------
#
# Editors (demo editor accounts, each on listings of its own organisation) keep sending changes for approval through
# the edit form, while two administrators keep opening the queue and approving what waits, every other round both
# the same revision at the same moment. Everything goes over HTTP as a browser would send it: cookies, the CSRF token
# and every field read from the page's form. Afterwards the database is counted with plain SQL and compared with
# what the administrators were told.

DEMO_ADMIN = "admin@wellaware.example"
SECOND_ADMIN = "admin2@wellaware.example"
EDITOR_LISTINGS = 2  # listings each editor keeps changing: few, so new changes and approvals meet
EDITOR_PAUSE = 0.3  # mean pause between one editor's changes, in seconds
DRAIN_LIMIT = 30.0  # after the editors stop, how long the administrators get to empty the queue
DUEL_WAIT = 10.0  # how long one administrator waits for the other, to approve one revision together
MARKER = "Approval load test"


class ScenarioError(Exception):
    """A client could not go on (could not sign in, found no form): the scenario itself failed."""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def value(self, name: str) -> str:
        return next((value for field_name, value in self.fields if field_name == name), "")

    def filled(self, changes: dict[str, str]) -> list[tuple[str, str]]:
        """The fields as the browser sends them, with ``changes`` typed over (or added)."""
        fields = [(name, changes.get(name, value)) for name, value in self.fields]
        return fields + [(name, value) for name, value in changes.items() if name not in self.names()]


class FormReader(HTMLParser):
    """A page's forms as a browser would submit them: ticked boxes, chosen options, text areas, hidden tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: list[str] | None = None  # [name, text]
        self._select: tuple[str, bool, list[list]] | None = None  # name, multiple, [[value, selected, text]]
        self._option: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._form = Form(attributes.get("action") or "", (attributes.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        name = attributes.get("name")
        if self._form is None or "disabled" in attributes:
            return
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form.fields.append((name, attributes.get("value") or "on"))
                return
            self._form.fields.append((name, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = (name, "multiple" in attributes, [])
        elif tag == "option" and self._select is not None:
            self._option = [attributes.get("value"), "selected" in attributes, ""]
            self._select[2].append(self._option)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            # A newline straight after <textarea> is not part of the value (HTML's parsing rules).
            self._form.fields.append((name, text[2:] if text.startswith("\r\n") else text.removeprefix("\n")))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options = self._select
            chosen = [option for option in options if option[1]] or ([] if multiple else options[:1])
            self._form.fields.extend((name, value if value is not None else text.strip())
                                     for value, _, text in chosen)
            self._select, self._option = None, None
        elif tag == "form":
            self._form = None


def forms_of(page: str) -> list[Form]:
    reader = FormReader()
    reader.feed(page)
    reader.close()
    return reader.forms


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page_title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    return plain(found.group(1)) if found else ""


def flash_text(page: str) -> str:
    """The confirmation at the top of the page (``wa-flash``), as words."""
    found = re.search(r'<div class="[^"]*\bwa-flash\b[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return plain(found.group(1)).removeprefix("Information:").strip() if found else ""


def error_messages(page: str) -> list[str]:
    return [plain(text) for text in re.findall(r'class="nhsuk-error-message"[^>]*>(.*?)</p>', page, re.S)]


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer at all
    location: str = ""  # a redirect's target, as a path (and query)
    page: str = ""
    error: str = ""


def as_path(location: str) -> str:
    if not location:
        return ""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Traffic:
    """Every request the browsers made, and each one answered 5xx or not at all."""

    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    no_answer: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, who: str, method: str, path: str, answer: Answer) -> None:
        line = f"{time.strftime('%H:%M:%S')} {who}: {method} {path} → "
        with self.lock:
            self.requests += 1
            if answer.status is None:
                self.no_answer.append(line + answer.error)
            elif answer.status >= 500:
                self.server_errors.append(line + f"{answer.status} {page_title(answer.page)!r}")


class Browser:
    """One person's browser: its own cookies, and forms read from the pages and sent back as they were filled."""

    def __init__(self, port: int, who: str, traffic: Traffic) -> None:
        self.port, self.who, self.traffic = port, who, traffic
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, fields: list[tuple[str, str]] | None = None) -> Answer:
        body = urlencode(fields).encode() if fields is not None else None
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            answer = Answer(response.status, as_path(response.headers.get("Location", "")), page)
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(None, error=f"{type(error).__name__}: {error}")
        finally:
            connection.close()
        self.traffic.record(self.who, method, path, answer)
        return answer

    def _keep(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Answer:
        return self.send("GET", path)

    def submit(self, path: str, form: Form, changes: dict[str, str] | None = None) -> Answer:
        """Send ``form``, found on the page at ``path``, as a browser would."""
        return self.send(form.method.upper(), urljoin(path, form.action) if form.action else path,
                         form.filled(changes or {}))

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/sign-in")
        form = next((f for f in forms_of(page.page) if "password" in f.names()), None)
        if page.status != 200 or form is None or "csrf_token" not in form.names():
            raise ScenarioError(f"{self.who}: no sign-in form with a CSRF token (status {page.status})")
        answer = self.submit("/sign-in", form, {"email": email, "password": password})
        if answer.status != 302:
            raise ScenarioError(f"{self.who} could not sign in: {answer.status} "
                                f"{error_messages(answer.page) or page_title(answer.page)}")


@dataclass(frozen=True)
class ApproveAnswer:
    revision: int
    admin: str
    status: int | None
    approved: bool  # the administrator was told it is approved
    said: str  # what the page said (the confirmation, or the error page's title)
    duel: bool


class ApprovalRun:
    """Editors sending changes and two administrators approving them, all at once, over HTTP."""

    def __init__(self, port: int, editors: list[tuple[str, str]], admins: list[tuple[str, str]]) -> None:
        self.port, self.editor_accounts, self.admin_accounts = port, editors, admins
        self.traffic = Traffic()
        self.lock = threading.Lock()
        self.stop_editing, self.draining, self.drained, self.stop_all = (threading.Event() for _ in range(4))
        self.duel = threading.Barrier(2, timeout=DUEL_WAIT)
        self.answers: list[ApproveAnswer] = []
        self.sent: dict[int, list[str]] = {}  # listing id → descriptions the site accepted, in order
        self.refused_forms: list[str] = []
        self.failures: list[str] = []
        self.decided_when_opened = 0  # review pages opened after someone else decided: no approve button
        self.drain_time: float | None = None

    def run(self, seconds: float) -> None:
        accounts = Counter(email for email, _ in self.editor_accounts)
        share: Counter[str] = Counter()
        editors = []
        for number, (email, password) in enumerate(self.editor_accounts):
            # Clients signed in as the same editor split its listings, so each listing has one writer.
            editors.append(threading.Thread(target=self._editor, daemon=True, name=f"editor-{number}",
                                            args=(number, email, password, share[email], accounts[email])))
            share[email] += 1
        admins = [threading.Thread(target=self._admin, args=(number, email, password), daemon=True,
                                   name=f"admin-{number}")
                  for number, (email, password) in enumerate(self.admin_accounts)]
        for thread in editors + admins:
            thread.start()
        try:
            self.stop_editing.wait(seconds)
        finally:
            self.stop_editing.set()
            for thread in editors:
                thread.join(timeout=REQUEST_TIMEOUT + 5)
            stopped = time.monotonic()
            self.draining.set()
            if self.drained.wait(DRAIN_LIMIT):
                self.drain_time = time.monotonic() - stopped
            self.stop_all.set()
            self.duel.abort()
            for thread in admins:
                thread.join(timeout=REQUEST_TIMEOUT + 5)

    def _fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    # The editors ----------------------------------------------------------------------------------------------------

    def _editor(self, number: int, email: str, password: str, share: int, shares: int) -> None:
        browser = Browser(self.port, f"editor {number + 1} ({email})", self.traffic)
        try:
            browser.sign_in(email, password)
            dashboard = browser.get("/manage/")
            listed = dict.fromkeys(int(found) for found in re.findall(r'href="/manage/services/(\d+)/edit"',
                                                                      dashboard.page))
            mine = list(listed)[share::shares][:EDITOR_LISTINGS]
            if not mine:
                raise ScenarioError(f"{browser.who} found no listing to edit on /manage/ ({dashboard.status})")
            originals: dict[int, str] = {}
            pause = random.Random(number)
            for count in itertools.count(1):
                if self.stop_editing.is_set() or not mine:
                    break
                self._change(browser, mine, mine[count % len(mine)], count, originals)
                self.stop_editing.wait(pause.uniform(0, 2 * EDITOR_PAUSE))
            if not mine:
                raise ScenarioError(f"{browser.who}: the form refused every listing")
        except ScenarioError as error:
            self._fail(str(error))
        except Exception as error:  # a bug in this script, or a page it cannot read: the run must fail, visibly
            self._fail(f"{browser.who} stopped: {type(error).__name__}: {error}")

    def _change(self, browser: Browser, mine: list[int], service_id: int, count: int,
                originals: dict[int, str]) -> None:
        path = f"/manage/services/{service_id}/edit"
        page = browser.get(path)
        form = next((f for f in forms_of(page.page) if f.method == "post" and "description" in f.names()), None)
        if page.status != 200 or form is None:
            if page.status is not None and page.status < 500:
                raise ScenarioError(f"{browser.who}: no listing form at {path} ({page.status} {page_title(page.page)})")
            return  # a server error, already counted
        # The form shows the change waiting for approval, if any: start again from the listing's own words.
        original = originals.setdefault(service_id, form.value("description").split(f"\n\n{MARKER}")[0])
        text = f"{original}\n\n{MARKER}: {browser.who.split(' (')[0]} change {count} to listing {service_id}."
        answer = browser.submit(path, form, {"description": text})
        if answer.status == 302:
            with self.lock:
                self.sent.setdefault(service_id, []).append(text)
            browser.get(answer.location or "/manage/")
        elif answer.status is not None and answer.status < 500:
            reasons = "; ".join(error_messages(answer.page)) or page_title(answer.page)
            with self.lock:
                self.refused_forms.append(f"{browser.who}, listing {service_id}: {answer.status} {reasons}")
            mine.remove(service_id)

    # The administrators --------------------------------------------------------------------------------------------

    def _admin(self, number: int, email: str, password: str) -> None:
        browser = Browser(self.port, f"administrator {number + 1} ({email})", self.traffic)
        try:
            browser.sign_in(email, password)
            queue = browser.get("/admin/queue")
            for round_number in itertools.count():
                if self.stop_all.is_set():
                    break
                # Every other round both administrators take the oldest change and press Approve together.
                duel = round_number % 2 == 0 and not self.duel.broken
                queue = self._approve_one(browser, number, queue, duel)
        except ScenarioError as error:
            self._fail(str(error))
        except Exception as error:  # a bug in this script, or a page it cannot read: the run must fail, visibly
            self._fail(f"{browser.who} stopped: {type(error).__name__}: {error}")
        finally:
            self.duel.abort()  # the other administrator must not wait for this one any more

    def _together(self) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            self.duel.wait()

    def _approve_one(self, browser: Browser, number: int, queue: Answer, duel: bool) -> Answer:
        """One round: choose a waiting change from the queue page, open it, approve it. Returns the next queue page.
        In a duel round the administrators meet just before pressing Approve (or where they would have)."""
        met = False
        try:
            if queue.status != 200:
                if queue.status is not None and queue.status < 500:
                    raise ScenarioError(f"{browser.who}: the queue answered {queue.status} {page_title(queue.page)}")
                return browser.get("/admin/queue")
            waiting = list(dict.fromkeys(int(found) for found in re.findall(r'href="/admin/revisions/(\d+)"',
                                                                            queue.page)))
            if not waiting:
                if self.draining.is_set():
                    self.drained.set()
                self.stop_all.wait(0.1)
                return browser.get("/admin/queue")
            chosen = waiting[0] if duel else waiting[number % len(waiting)]
            review = browser.get(f"/admin/revisions/{chosen}")
            action = f"/admin/revisions/{chosen}/approve"
            form = next((f for f in forms_of(review.page) if f.action == action), None)
            if form is None:  # decided since the queue was shown (or a server error, counted already)
                with self.lock:
                    self.decided_when_opened += 1
                return browser.get("/admin/queue")
            if "csrf_token" not in form.names():
                raise ScenarioError(f"{browser.who}: the approve form of revision {chosen} has no CSRF token")
            if duel:
                met = True
                self._together()
            answer = browser.submit(f"/admin/revisions/{chosen}", form)
            after = browser.get(answer.location) if answer.status in (301, 302, 303) and answer.location else None
            said = flash_text(after.page) if after is not None else page_title(answer.page) or answer.error
            approved = answer.status == 302 and answer.location == "/admin/queue" and said.startswith("Approved")
            with self.lock:
                self.answers.append(ApproveAnswer(chosen, browser.who, answer.status, approved, said, duel))
            if after is not None and answer.location == "/admin/queue":
                return after
            return browser.get("/admin/queue")
        finally:
            if duel and not met:
                self._together()


@dataclass
class DatabaseCount:
    """What the database holds after the run, counted with plain SQL."""

    admin_ids: dict[int, str] = field(default_factory=dict)
    approved: set[int] = field(default_factory=set)  # revisions approved by the administrators (status)
    statuses: Counter = field(default_factory=Counter)  # status → revisions of the edited listings since the run began
    final_status: dict[int, str] = field(default_factory=dict)  # revision → status
    audited: Counter = field(default_factory=Counter)  # revision → 'change approved' audit events
    live: dict[int, dict[str, object]] = field(default_factory=dict)  # listing → its live version, in outline
    last_approved: dict[int, tuple[int, dict[str, object]]] = field(default_factory=dict)  # (revision, outline)
    before: dict[int, dict[str, object]] = field(default_factory=dict)  # listing → its outline before the run


# What is compared between a live listing and a revision: its words, and how many rows each list became.
CHILD_ROWS = {"location": "locations", "cost_option": "cost_options", "opening_time": "opening_times",
              "service_cluster": "clusters"}


def outline_of(data: dict[str, object]) -> dict[str, object]:
    """A revision's data in the shape of ``live_outlines``: its texts and the number of rows each list makes."""
    hours = str(data.get("opening_hours") or "")
    return {"name": data.get("name"), "summary": data.get("summary"), "description": data.get("description"),
            "locations": len(data.get("locations") or []), "cost_options": len(data.get("cost_options") or []),
            "opening_times": len(hours.split("; ")) if hours else 0,  # one row per rule, written '; '-separated
            "clusters": len(data.get("clusters_main") or []) + len(data.get("clusters_also") or [])}


def outline_differences(live: dict[str, object] | None, approved: dict[str, object]) -> list[str]:
    if live is None:
        return ["no live listing"]
    return [f"{name} {live.get(name)!r:.40} ≠ {value!r:.40}" for name, value in approved.items()
            if live.get(name) != value]


def count_in_database(url: str, admin_emails: list[str], listings: set[int], since_revision: int) -> DatabaseCount:
    from sqlalchemy import bindparam, create_engine, text

    count = DatabaseCount()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            def rows(sql: str, **values: object) -> list:
                statement = text(sql)
                for name, value in values.items():
                    if isinstance(value, list | set | tuple):
                        statement = statement.bindparams(bindparam(name, expanding=True))
                return list(connection.execute(statement, {k: list(v) if isinstance(v, set | tuple) else v
                                                           for k, v in values.items()}))

            count.admin_ids = {row.id: row.email for row in rows(
                'SELECT id, email FROM "user" WHERE email IN :emails', emails=admin_emails)}
            admins = list(count.admin_ids) or [-1]
            count.approved = {row.id for row in rows(
                "SELECT id FROM revision WHERE status = 'approved' AND decided_by_id IN :admins", admins=admins)}
            for row in rows("SELECT detail FROM audit_event WHERE action = 'change approved' AND actor_id IN :admins",
                            admins=admins):
                if found := re.match(r"revision (\d+)", row.detail or ""):
                    count.audited[int(found.group(1))] += 1
            listings = set(listings) | {row.service_id for row in rows(
                "SELECT service_id FROM revision WHERE id IN :ids", ids=list(count.approved) or [-1])}
            ids = list(listings) or [-1]
            for row in rows("SELECT id, status FROM revision WHERE service_id IN :ids AND id > :since", ids=ids,
                            since=since_revision):
                count.statuses[row.status] += 1
                count.final_status[row.id] = row.status
            count.live = {row.id: {"name": row.name, "summary": row.summary, "description": row.description}
                          | dict.fromkeys(CHILD_ROWS.values(), 0)
                          for row in rows("SELECT id, name, summary, description FROM service WHERE id IN :ids",
                                          ids=ids)}
            for table, name in CHILD_ROWS.items():
                for row in rows(f"SELECT service_id, count(*) AS n FROM {table} WHERE service_id IN :ids "
                                "GROUP BY service_id", ids=ids):
                    count.live[row.service_id][name] = row.n
            for row in rows("SELECT id, service_id, data FROM revision WHERE service_id IN :ids AND status = 'approved'"
                            " ORDER BY decided_at, id", ids=ids):
                data = json.loads(row.data) if isinstance(row.data, str) else row.data
                count.last_approved[row.service_id] = (row.id, outline_of(data))  # the last one stays
                if row.id <= since_revision:
                    count.before[row.service_id] = outline_of(data)
    finally:
        engine.dispose()
    return count


def latest_revision(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT coalesce(max(id), 0) FROM revision")).scalar_one())
    finally:
        engine.dispose()


@dataclass
class ApprovalReport:
    name: str
    requests: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def print(self) -> None:
        say(f"== {self.name}: {'PASS' if not self.problems else 'FAIL'}")
        for line in self.lines:
            say(f"   {line}")
        for problem in self.problems:
            say(f"   problem: {problem}")


def same_text(one: str, other: str) -> bool:
    return one == other or " ".join(one.split()) == " ".join(other.split())


def judge_approvals(run: ApprovalRun, count: DatabaseCount, seconds: float) -> ApprovalReport:
    report = ApprovalReport(f"approvals under load ({len(run.editor_accounts)} editors, "
                            f"{len(run.admin_accounts)} administrators)")
    traffic = run.traffic
    report.requests = traffic.requests
    elapsed = time.monotonic() - traffic.started
    told = Counter(answer.revision for answer in run.answers if answer.approved)
    refused = [answer for answer in run.answers if not answer.approved and answer.status is not None
               and answer.status < 500]
    by_revision: dict[int, list[ApproveAnswer]] = {}
    for answer in run.answers:
        by_revision.setdefault(answer.revision, []).append(answer)
    raced = {revision: answers for revision, answers in by_revision.items()
             if len({answer.admin for answer in answers}) > 1}
    # How each race ended: both told approved, or what the one not told so was told instead.
    endings = Counter("both told 'Approved'" if all(a.approved for a in answers) else
                      "the other told " + ", ".join(f"{a.status} {a.said!r}" for a in answers if not a.approved)
                      for answers in raced.values())
    sent = sum(len(texts) for texts in run.sent.values())

    report.lines.append(f"editors: {sent} change(s) sent and accepted for {len(run.sent)} listing(s), "
                        f"{len(run.refused_forms)} refused by the form")
    told_no = Counter(f"{answer.status} {answer.said!r}" for answer in refused)
    report.lines.append(f"administrators: {len(run.answers)} Approve pressed: {sum(told.values())} told approved, "
                        f"{len(refused)} told no "
                        f"({', '.join(f'{n} × {s}' for s, n in told_no.most_common(3)) or 'none'}); "
                        f"{run.decided_when_opened} review page(s) already decided when opened")
    report.lines.append(f"races: both administrators pressed Approve on {len(raced)} revision(s) "
                        f"({sum(1 for a in run.answers if a.duel)} presses in step): "
                        f"{'; '.join(f'{n} × {s}' for s, n in endings.most_common(4)) or 'none'}")
    listings = sorted(set(run.sent) | set(count.live))
    showing = [service for service in listings if service in count.last_approved
               and not outline_differences(count.live.get(service), count.last_approved[service][1])]
    report.lines.append(f"database: {len(count.approved)} revision(s) approved by the administrators, "
                        f"{sum(count.audited.values())} 'change approved' audit event(s); revisions of the edited "
                        f"listings since the start: {dict(sorted(count.statuses.items()))}; "
                        f"{len(showing)} of {len(listings)} listing(s) show their last approved revision (its "
                        "words, and as many locations, prices, opening times and clusters)")

    lost_revisions = sorted((set(told) - count.approved) | (set(told) - set(count.audited)))
    stale = [service for service in listings if service not in showing]
    # An approval is lost from a listing when its words are not live; other differences spoil it without losing it.
    text_lost = [service for service in stale if any(
        difference.split()[0] in ("name", "summary", "description", "no")
        for difference in outline_differences(count.live.get(service), count.last_approved.get(service, (0, {}))[1])
    ) or service not in count.last_approved]
    # The editors change only descriptions: anything else that differs from before the run was done to them.
    spoilt = {service: [d for d in outline_differences(count.live.get(service), count.before[service])
                        if not d.startswith("description ")]
              for service in sorted(run.sent) if service in count.before}
    spoilt = {service: differences for service, differences in spoilt.items() if differences}
    report.lines.append(f"{len(run.sent) - len(spoilt)} of {len(run.sent)} edited listing(s) unchanged beside their "
                        "description, as the editors left them")
    unexplained = sorted(count.approved - set(told))
    doubled = sorted({revision for revision, times in told.items() if times > 1}
                     | {revision for revision, times in count.audited.items() if times > 1})
    errors = len(traffic.server_errors) + len(traffic.no_answer)
    if run.drain_time is not None:
        not_last = [service for service, texts in run.sent.items()
                    if not same_text(str((count.live.get(service) or {}).get("description", "")), texts[-1])]
        report.lines.append(f"queue emptied {run.drain_time:.1f} s after the editors stopped; "
                            f"{len(run.sent) - len(not_last)} of {len(run.sent)} listing(s) show their editor's "
                            "last change")
    else:
        not_last = []
        report.problems.append(f"the administrators did not empty the queue within {DRAIN_LIMIT:.0f} s "
                               "of the editors stopping")
    report.lines.append(f"requests {traffic.requests} ({traffic.requests / max(elapsed, 0.001):.1f}/s over "
                        f"{elapsed:.0f} s, {seconds:.0f} s of editing), {len(traffic.server_errors)} 5xx, "
                        f"{len(traffic.no_answer)} without an answer")
    lost = len(lost_revisions) + len(text_lost)
    report.lines.append(f"approvals made: {len(told)}, approvals found: {len(count.approved)}, lost: {lost}, "
                        f"double approvals: {len(doubled)}, server errors: {errors}")

    for revision in lost_revisions:
        report.problems.append(f"revision {revision}: the administrator was told it is approved, but its status is "
                               f"{count.final_status.get(revision, '?')!r} and it has "
                               f"{count.audited.get(revision, 0)} approval audit event(s)")
    for service in stale:
        revision, approved = count.last_approved.get(service, (None, {}))
        report.problems.append(f"listing {service} is not its last approved revision ({revision}): live ≠ approved: "
                               + "; ".join(outline_differences(count.live.get(service), approved)))
    for service, differences in spoilt.items():
        report.problems.append(f"listing {service} changed beyond its description (live ≠ before the run): "
                               + "; ".join(differences))
    for service in not_last:
        live = str((count.live.get(service) or {}).get("description", ""))
        report.problems.append(f"listing {service}: its editor's last change is not live after the queue emptied "
                               f"(live: {live[-70:]!r})")
    for revision in doubled[:5]:
        who = ", ".join(a.admin.split(" (")[0] for a in by_revision.get(revision, []) if a.approved)
        report.problems.append(f"revision {revision} approved twice: told approved {told.get(revision, 0)} time(s) "
                               f"({who}), {count.audited.get(revision, 0)} approval audit event(s)")
    if len(doubled) > 5:
        report.problems.append(f"… and {len(doubled) - 5} more revision(s) approved twice: {doubled[5:20]}")
    if unexplained:
        report.problems.append(f"{len(unexplained)} revision(s) approved without an administrator being told so: "
                               f"{unexplained[:10]}")
    # The same failure, by the same person at the same address, once, with how often and from when.
    alike: dict[str, list[str]] = {}
    for line in traffic.server_errors + traffic.no_answer:
        at, _, what = line.partition(" ")
        alike.setdefault(what, []).append(at)
    for what, times in list(alike.items())[:10]:
        report.problems.append(f"server error: {what}" + (f" ({len(times)} times, {times[0]}–{times[-1]})"
                                                          if len(times) > 1 else f" (at {times[0]})"))
    if len(alike) > 10:
        report.problems.append(f"… {len(alike) - 10} more kind(s) of server error")
    for failure in run.failures:
        report.problems.append(f"client: {failure}")
    for refusal in run.refused_forms[:5]:
        report.problems.append(f"form refused a change: {refusal}")
    if not sent or not told:
        report.problems.append("the scenario made no change or no approval at all")
    return report


def approvals_phase(site: Site, passwords: dict[str, str], seconds: float, editor_count: int) -> ApprovalReport:
    editors = sorted(email for email in passwords if re.fullmatch(r"editor\d+@wellaware\.example", email))
    if not editors or DEMO_ADMIN not in passwords or SECOND_ADMIN not in passwords:
        report = ApprovalReport("approvals under load")
        report.problems.append(f"demo accounts missing from `flask demo load`'s output: {sorted(passwords)}")
        report.print()
        return report
    chosen = [editors[number % len(editors)] for number in range(editor_count)]
    say(f"-- approvals under load: {seconds:.0f} s, {len(chosen)} editors ({', '.join(sorted(set(chosen)))}) "
        f"sending changes, {DEMO_ADMIN} and {SECOND_ADMIN} approving")
    since = latest_revision(site.database_url)
    run = ApprovalRun(site.port, [(email, passwords[email]) for email in chosen],
                      [(email, passwords[email]) for email in (DEMO_ADMIN, SECOND_ADMIN)])
    run.run(seconds)
    count = count_in_database(site.database_url, [DEMO_ADMIN, SECOND_ADMIN], set(run.sent), since)
    report = judge_approvals(run, count, seconds)
    if run.traffic.server_errors and (traceback := first_traceback(site)):
        report.lines.append("first traceback in the server log:\n" + traceback)
    report.print()
    return report


def first_traceback(site: Site) -> str:
    try:
        text = site.log_path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    found = re.search(r"Traceback \(most recent call last\):\n(?:[ \t].*\n)+.*", text)
    return "\n".join(f"      {line}" for line in found.group(0).splitlines()[-30:]) if found else ""


def demo_passwords(output: str) -> dict[str, str]:
    """The accounts `flask demo load` prints, with the passwords it has just set."""
    return dict(re.findall(r"^\s+(\S+@\S+)\s+(\S+)\s*$", output, re.M))


# --- the whole run --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def built_site(database: str, keep: bool) -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="wellaware-faults-"))
    postgres_database = None
    if database == "postgres":
        postgres_database = f"wa_faults_{uuid.uuid4().hex[:12]}"
        postgres_admin(f'CREATE DATABASE "{postgres_database}"')
        url = f"postgresql+psycopg://postgres@{HOST}:5432/{postgres_database}"
    else:
        url = f"sqlite:///{workdir / 'wellaware.sqlite'}"
    index_dir = workdir / "index"
    env = {**os.environ, "WELLAWARE_DATABASE_URL": url, "WELLAWARE_INDEX_DIR": str(index_dir),
           "WELLAWARE_SECRET_KEY": uuid.uuid4().hex, "WELLAWARE_SEARCH_RATE_LIMIT": "1000000 per minute",
           "WELLAWARE_MAIL_FOLDER": str(workdir / "mail"), "WELLAWARE_LEAFLET_DIR": str(workdir / "leaflets"),
           "PYTHONUNBUFFERED": "1"}
    site = Site(workdir, url, index_dir, free_port(), env, workdir / "gunicorn.log",
                postgres_database=postgres_database)
    try:
        yield site
    finally:
        site.stop()
        if postgres_database:
            with contextlib.suppress(Exception):
                postgres_admin(f'DROP DATABASE IF EXISTS "{postgres_database}" WITH (FORCE)')
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def editor_app(site: Site):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": site.database_url, "SECRET_KEY": site.env["WELLAWARE_SECRET_KEY"],
                       "INDEX_DIR": str(site.workdir / "editor-index"), "MAIL_FOLDER": str(site.workdir / "mail")})


def pick_listings(flask_app) -> tuple[str, list[int]]:
    """An organisation for new listings, and public listings (of other organisations) to rewrite."""
    from sqlalchemy import select

    from app.directory.models import Organisation, Service
    from app.directory.visibility import is_public
    from app.extensions import db

    with flask_app.app_context():
        organisation = db.session.scalars(select(Organisation).order_by(Organisation.name)).first()
        listings = [s.id for s in db.session.scalars(select(Service).order_by(Service.id))
                    if is_public(s) and s.organisation_id != organisation.id][:8]
        name = organisation.name
        db.session.remove()
    return name, listings


def logged_errors(site: Site) -> str:
    try:
        text = site.log_path.read_text(errors="replace")
    except FileNotFoundError:
        return "no log"
    counts = {label: len(re.findall(pattern, text)) for label, pattern in (
        ("tracebacks", r"Traceback \(most recent call last\)"), ("worker timeouts", r"WORKER TIMEOUT"),
        ("index rebuilds", r"search index rebuilt"), ("index failures", r"search index failed"),
        ("index update failures", r"could not update the search index"))}
    return ", ".join(f"{count} {label}" for label, count in counts.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the main load (default 60)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, index, log)")
    parser.add_argument("--approval-seconds", type=float, default=30.0,
                        help="how long editors send changes while two administrators approve them (default 30; "
                             "0 leaves the approvals out)")
    parser.add_argument("--editors", type=int, default=3,
                        help="editor browsers in the approvals, signed in as the demo editors in turn (default 3)")
    parser.add_argument("--approvals-only", action="store_true",
                        help="run only the approvals: no search load and no faults")
    args = parser.parse_args()
    short = max(10.0, args.seconds / 3)
    # The editors' own app logs to this process; only errors are worth showing.
    logging.basicConfig(level=logging.ERROR, format="   editor process: %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))

    reports: list[Report] = []
    postgres_stopped = False
    with built_site(args.database, args.keep) as site:
        say(f"building the demo in {site.workdir} ({args.database})")
        passwords: dict[str, str] = {}
        for step in (("db", "upgrade"), ("demo", "load"), ("search", "reindex")):
            output = site.flask(*step).stdout
            if step[0] == "demo":
                passwords = demo_passwords(output)
        passwords[SECOND_ADMIN] = secrets.token_urlsafe(12)
        site.flask("users", "create", "--email", SECOND_ADMIN, "--role", "admin", "--name", "Second administrator",
                   "--password", passwords[SECOND_ADMIN])
        site.start()
        say(f"gunicorn (2 workers) on http://{HOST}:{site.port}/, workers {site.workers()}")
        flask_app = editor_app(site)
        organisation, listings = pick_listings(flask_app)
        editors = Editors(flask_app, organisation, listings, Changes())
        try:
            if not args.approvals_only:
                reports.append(phase(site, editors, "load", args.seconds))
            if args.approval_seconds > 0:
                reports.append(approvals_phase(site, passwords, args.approval_seconds, args.editors))
            if not args.approvals_only:
                reports.append(phase(site, editors, "kill -9 a worker during an index write", short,
                                     lambda: kill_a_worker_mid_write(site), fault_at=1.0,
                                     allowed_in_recovery="in-flight"))
                reports.append(phase(site, editors, "delete the index directory", short, lambda: delete_index(site)))
                reports.append(phase(site, editors, "truncate an index segment", short, lambda: truncate_segment(site)))
                if args.database != "postgres":
                    say("-- PostgreSQL outage: skipped (run with --database postgres)")
                elif os.geteuid() != 0:
                    say("-- PostgreSQL outage: skipped (stopping PostgreSQL needs root)")
                else:
                    restarted: list[float] = []

                    def outage() -> str:
                        nonlocal postgres_stopped
                        pg_ctlcluster("stop")
                        postgres_stopped = True
                        time.sleep(POSTGRES_OUTAGE)
                        pg_ctlcluster("start")
                        postgres_stopped = False
                        restarted.append(time.monotonic())
                        return f"PostgreSQL {'/'.join(postgres_cluster())} stopped for {POSTGRES_OUTAGE:.0f} s"

                    reports.append(phase(site, editors, "stop PostgreSQL for 10 s", short + POSTGRES_OUTAGE, outage,
                                         allowed_in_recovery="any", recovered_from=lambda: restarted[-1]))
        finally:
            if postgres_stopped:
                with contextlib.suppress(Exception):
                    pg_ctlcluster("start")
            editors.stop()
            with flask_app.app_context():
                from app.extensions import db

                db.session.remove()
                db.engine.dispose()
            say(f"server log: {logged_errors(site)}")
            if editors.changes.last_error:
                say(f"last failed editor change: {editors.changes.last_error}")
    failed = [report.name for report in reports if report.problems]
    total = sum(report.requests for report in reports)
    outcome = f"FAILED: {', '.join(failed)}" if failed else "all passed"
    say(f"== {len(reports)} phase(s), {total} requests; {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("interrupted; everything started was stopped")
        sys.exit(130)
