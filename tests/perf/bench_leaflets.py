"""Leaflet benchmark (a script, not a test: pytest collects only ``test_*.py``).

    .venv/bin/python tests/perf/bench_leaflets.py [--listings 2000] [--workers N] [--skip-synthetic]

In temporary folders, with the app's own migrations and ``demo load``:

1. the demo (205 listings, three hubs): each section leaflet made as the bank makes it (A5 and large print,
   with as many of the section's listings as fit eight pages: the renders that takes, and their CPU), each
   whole-hub booklet rendered on its own (A5, A4, large print), the whole bank built from scratch with the
   default worker processes, then an unchanged rebuild;
2. a synthetic directory of ``--listings`` listings (the demo's listings copied with new names and spread
   over the local areas, imported through ``import_csv``): the whole bank built one leaflet at a time (so
   each leaflet's own time shows), then an unchanged rebuild.

Times are wall-clock seconds; "cpu" adds this process and its worker processes, which is the fairer figure
on a busy machine.
"""

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import DEMO_AS_OF, _shifted_csv  # noqa: E402
from app.directory.importing import import_csv  # noqa: E402
from app.extensions import db  # noqa: E402
from app.hubs.models import Hub  # noqa: E402
from app.timeutil import today  # noqa: E402
from exports.leaflets.bank import (  # noqa: E402
    HUB_FORMATS,
    SECTION_FORMATS,
    SECTION_MAX_PAGES,
    Job,
    build_bank,
    default_workers,
    render_fitting,
    section_choices,
)
from exports.leaflets.content import Directory, hub_leaflet  # noqa: E402
from exports.leaflets.manifest import read_manifest  # noqa: E402
from exports.leaflets.render import render_document  # noqa: E402

LOCAL_AREAS = ["bath", "keynsham", "saltford", "midsomer-norton", "radstock", "paulton", "peasedown-st-john",
               "timsbury", "chew-valley", "whitchurch"]


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def make_app(workdir: Path) -> Flask:
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'wellaware.sqlite'}",
        "INDEX_DIR": str(workdir / "index"), "MAIL_FOLDER": str(workdir / "mail"),
        "LEAFLET_DIR": str(workdir / "leaflets"), "SITE_URL": "https://wellaware.example",
    })
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["demo", "load"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{result.output}")
    return app


def add_synthetic_listings(app: Flask, total: int, seed: int = 7) -> int:
    """Copies of the demo listings, renamed and spread over the local areas, up to ``total`` listings."""
    rng = random.Random(seed)
    with app.app_context():
        text = _shifted_csv(PROJECT_ROOT / "data/demo/services.csv", today() - DEMO_AS_OF)
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = list(rows[0])
    extra = []
    for number in range(max(0, total - len(rows))):
        row = dict(rng.choice(rows))
        row["external_id"] = f"bench-{number:05d}"
        row["name"] = f"{row['name']} ({number + 1})"
        if row["areas"] not in {"national", "bnes-wide"}:
            row["areas"] = ";".join(sorted(rng.sample(LOCAL_AREAS, rng.randint(1, 3))))
        extra.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(extra)
    with app.app_context():
        report = import_csv(out.getvalue(), source="bench")
        if not report.ok:
            raise SystemExit("\n".join(str(problem) for problem in report.problems[:10]))
        db.session.commit()
    return len(rows) + len(extra)


def time_each_section_leaflet(app: Flask) -> None:
    """Makes each section leaflet as the bank does, and prints its CPU, renders, pages and listings, then the
    slowest and the median per print."""
    cpu_seconds: dict[str, list[float]] = {print_name: [] for print_name in SECTION_FORMATS}
    with app.app_context():
        directory = Directory.load(app.config["SITE_URL"])
        for hub in db.session.scalars(select(Hub).order_by(Hub.name)):
            for section in hub.sections:
                for print_name, format_slug in SECTION_FORMATS.items():
                    choices = section_choices(directory, hub, section, format_slug)
                    started = cpu()
                    _, pages, index = render_fitting(choices, format_slug, today(), SECTION_MAX_PAGES)
                    spent = cpu() - started
                    cpu_seconds[print_name].append(spent)
                    printed = choices[index]
                    print(f"  {hub.slug:22} {section.slug:38} {print_name:12} cpu {spent:4.2f}s  {index + 1} "
                          f"render(s)  {pages} pages  {printed.shown:2d} of {printed.total or printed.shown}",
                          flush=True)
    for print_name, spent in cpu_seconds.items():
        spent.sort()
        print(f"  {print_name}: slowest {spent[-1]:.2f}s, median {spent[len(spent) // 2]:.2f}s cpu "
              f"over {len(spent)} section leaflets", flush=True)


def time_each_hub_leaflet(app: Flask) -> list[tuple[str, str, float, int]]:
    """Renders each hub leaflet in each format; returns (hub, format, seconds, pages) for each."""
    timings = []
    with app.app_context():
        directory = Directory.load(app.config["SITE_URL"])
        for hub in db.session.scalars(select(Hub).order_by(Hub.name)):
            leaflet = hub_leaflet(hub, directory)
            entries = sum(len(section.entries) for section in leaflet.sections)
            for format_slug in HUB_FORMATS:
                started, started_cpu = time.perf_counter(), cpu()
                pdf, pages = render_document(leaflet, format_slug, today())
                timings.append((hub.slug, format_slug, time.perf_counter() - started, pages))
                print(f"  {hub.slug:22} {format_slug:12} {time.perf_counter() - started:6.1f}s "
                      f"(cpu {cpu() - started_cpu:5.1f}s)  {pages:4d} pages  {len(leaflet.listing_ids):4d} listings "
                      f"({entries} entries)  {len(pdf) // 1024:5d} KB", flush=True)
    return timings


def time_bank(app: Flask, folder: Path, workers: int, *, each: bool) -> tuple[int, float]:
    """Builds the whole bank from scratch, then again unchanged; returns (leaflets, seconds) of the first."""
    with app.app_context():
        site = app.config["SITE_URL"]
        last = [time.perf_counter()]

        def built(job: Job) -> None:
            now = time.perf_counter()
            if each:
                print(f"  {job.file_name:42} {now - last[0]:6.1f}s", flush=True)
            last[0] = now

        started, started_cpu = time.perf_counter(), cpu()
        report = build_bank(folder, site, workers=workers, on_built=built)
        seconds = time.perf_counter() - started
        print(f"  whole bank: {len(report.rebuilt)} leaflets in {seconds:.1f}s "
              f"(cpu {cpu() - started_cpu:.1f}s, {workers} worker(s))", flush=True)
        manifest = read_manifest(folder)
        print("  pages: " + ", ".join(f"{name} {entry['pages']}" for name, entry in manifest.items()), flush=True)
        started = time.perf_counter()
        again = build_bank(folder, site, workers=workers)
        print(f"  unchanged rebuild: {len(again.rebuilt)} rebuilt, {len(again.unchanged)} unchanged in "
              f"{time.perf_counter() - started:.2f}s", flush=True)
        return len(report.rebuilt), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=2000, help="size of the synthetic directory")
    parser.add_argument("--workers", type=int, default=default_workers(), help="worker processes for the bank")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s); load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-leaflets-") as temporary:
        root = Path(temporary)
        (root / "demo").mkdir()
        app = make_app(root / "demo")
        print("Demo directory: each section leaflet, as the bank makes it", flush=True)
        time_each_section_leaflet(app)
        print("Demo directory: each whole-hub booklet on its own", flush=True)
        time_each_hub_leaflet(app)
        print("Demo directory: the whole bank", flush=True)
        time_bank(app, root / "demo-bank", args.workers, each=False)
        if args.skip_synthetic:
            return
        (root / "synthetic").mkdir()
        app = make_app(root / "synthetic")
        started = time.perf_counter()
        count = add_synthetic_listings(app, args.listings)
        print(f"Synthetic directory: {count} listings (made in {time.perf_counter() - started:.0f}s); "
              "the whole bank, one leaflet at a time", flush=True)
        time_bank(app, root / "synthetic-bank", 1, each=True)
        print(f"load average now {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
