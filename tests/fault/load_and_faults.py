"""Load and fault test of a real Well Aware server on loopback. A script, not a pytest module:

    .venv/bin/python tests/fault/load_and_faults.py [--seconds 60] [--database sqlite|postgres]

It builds a fresh demo database (an SQLite file in a temporary folder, or a new PostgreSQL database on
127.0.0.1:5432 as user postgres), loads the demo and builds the index with the flask CLI, and starts gunicorn
with two workers on 127.0.0.1. Then:

load    20 searchers (threads, http.client) ask a fixed mix of search addresses for --seconds while two
        editors each publish a change every second: one adds a listing, the other rewrites an existing
        listing's summary, each change carrying a word used nowhere else. The editors run the application's
        own code in this process against the same database (``publish_directly`` and a commit, which also logs
        the change), as another node would; they keep their own (absent) index, so the server's index learns
        of each change only from the change log, as design §8 has it.
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
import http.client
import json
import logging
import os
import random
import re
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

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
    args = parser.parse_args()
    short = max(10.0, args.seconds / 3)
    # The editors' own app logs to this process; only errors are worth showing.
    logging.basicConfig(level=logging.ERROR, format="   editor process: %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))

    reports: list[Report] = []
    postgres_stopped = False
    with built_site(args.database, args.keep) as site:
        say(f"building the demo in {site.workdir} ({args.database})")
        for step in (("db", "upgrade"), ("demo", "load"), ("search", "reindex")):
            site.flask(*step)
        site.start()
        say(f"gunicorn (2 workers) on http://{HOST}:{site.port}/, workers {site.workers()}")
        flask_app = editor_app(site)
        organisation, listings = pick_listings(flask_app)
        editors = Editors(flask_app, organisation, listings, Changes())
        try:
            reports.append(phase(site, editors, "load", args.seconds))
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
