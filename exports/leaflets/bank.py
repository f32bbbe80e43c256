"""The leaflet bank: every leaflet built into one folder, with a manifest, rebuilding only what changed.

``manifest.json`` in the folder lists each leaflet: file name, title, kind, hub, format, date and time
built, size, pages and content hash. The content hash covers everything printed in the leaflet (its
listings as the public sees them, the urgent-help numbers, the site address) plus the template version
(templates, CSS, rendering code); a leaflet whose hash matches its manifest entry, and whose file is still
there, is left alone. The printed "checked on" date is the day the leaflet was last rebuilt.

The web site only ever serves files named in the manifest; nothing is rendered on a web request except a
visitor's own shortlist.
"""

import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.hubs.models import Hub
from app.timeutil import today, utcnow
from exports.leaflets.content import (
    CATEGORY_LEAFLETS,
    Directory,
    Leaflet,
    category_leaflet,
    hub_leaflet,
    referrers_flyer,
)
from exports.leaflets.manifest import MANIFEST_NAME, MANIFEST_VERSION, SAFE_FILE_NAME, read_manifest
from exports.leaflets.render import FORMATS, render_document, template_version

HUB_FORMATS = ("a5", "a4", "large-print")
CATEGORY_FORMAT = "a4"
FLYER_FILE = "referrers-flyer.pdf"


@dataclass(frozen=True)
class Job:
    """One leaflet of the bank, with the content it would be built from."""

    file_name: str
    title: str
    kind: str
    hub: str
    format: str
    leaflet: Leaflet
    content_hash: str


@dataclass
class BankPlan:
    out_dir: Path
    jobs: list[Job]
    changed: list[Job]
    unchanged: list[Job]
    removed: list[str]  # files in the manifest no longer in the bank (full builds only)
    manifest: dict[str, dict[str, object]]  # file name → entry, as last built


@dataclass
class BuildReport:
    rebuilt: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def content_hash(leaflet: Leaflet, format_slug: str, version: str) -> str:
    digest = hashlib.sha256()
    for part in (leaflet.fingerprint(), format_slug, version):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def hub_file_name(hub_slug: str, format_slug: str) -> str:
    return f"hub-{hub_slug}-{format_slug}.pdf"


def _jobs(site_url: str, hub_slug: str | None) -> Iterator[tuple[str, str, str, str, str, Leaflet]]:
    """(file name, title, kind, hub, format, leaflet) for every leaflet of the bank, or of one hub."""
    directory = Directory.load(site_url)
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    for hub in hubs:
        if (hub_slug is not None and hub.slug != hub_slug) or not SAFE_FILE_NAME.match(f"{hub.slug}.pdf"):
            continue
        leaflet = hub_leaflet(hub, directory)
        for format_slug in HUB_FORMATS:
            title = f"{hub.name}: {FORMATS[format_slug].name}"
            yield hub_file_name(hub.slug, format_slug), title, "hub", hub.slug, format_slug, leaflet
    if hub_slug is not None:
        return
    for spec in CATEGORY_LEAFLETS:
        leaflet = category_leaflet(spec, directory)
        yield f"category-{spec.slug}.pdf", spec.title, "category", "", CATEGORY_FORMAT, leaflet
    yield FLYER_FILE, "Well Aware for professionals (flyer)", "flyer", "", "a4", referrers_flyer(site_url)


def _is_current(job: Job, entry: dict[str, object] | None, out_dir: Path) -> bool:
    if entry is None or entry.get("content_hash") != job.content_hash:
        return False
    path = out_dir / job.file_name
    return path.is_file() and path.stat().st_size == entry.get("size")


def plan_bank(out_dir: Path, site_url: str, hub_slug: str | None = None) -> BankPlan:
    """Work out every leaflet's content and which ones need building. Needs an application context."""
    out_dir = Path(out_dir)
    version = template_version()
    manifest = read_manifest(out_dir)
    jobs = [
        Job(name, title, kind, hub, format_slug, leaflet, content_hash(leaflet, format_slug, version))
        for name, title, kind, hub, format_slug, leaflet in _jobs(site_url, hub_slug)
    ]
    current = {job.file_name for job in jobs if _is_current(job, manifest.get(job.file_name), out_dir)}
    changed = [job for job in jobs if job.file_name not in current]
    unchanged = [job for job in jobs if job.file_name in current]
    planned = {job.file_name for job in jobs}
    removed = [] if hub_slug is not None else sorted(name for name in manifest if name not in planned)
    return BankPlan(out_dir, jobs, changed, unchanged, removed, manifest)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` (named with a leading dot) and rename it into place, so no
    reader ever sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _rendered(jobs: Sequence[Job], checked_on: date, workers: int) -> Iterator[tuple[Job, bytes, int]]:
    """Render the jobs, in worker processes when there are several, yielding each as it is finished."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield (job, *render_document(job.leaflet, job.format, checked_on))
        return
    # "spawn": a fresh interpreter that holds none of this process's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(render_document, job.leaflet, job.format, checked_on): job for job in jobs}
        for future in as_completed(futures):
            yield (futures[future], *future.result())


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


KIND_ORDER = {"hub": 0, "category": 1, "flyer": 2}


def _manifest_order(entry: dict[str, object]) -> tuple[int, str, int, str]:
    format_rank = HUB_FORMATS.index(str(entry.get("format"))) if entry.get("format") in HUB_FORMATS else 0
    return (KIND_ORDER.get(str(entry.get("kind")), 9), str(entry.get("hub", "")), format_rank, str(entry["file"]))


def _write_manifest(out_dir: Path, manifest: dict[str, dict[str, object]]) -> None:
    entries = sorted(manifest.values(), key=_manifest_order)
    body = json.dumps({"version": MANIFEST_VERSION, "leaflets": entries}, indent=2, ensure_ascii=False)
    write_atomically(out_dir / MANIFEST_NAME, (body + "\n").encode("utf-8"))


def build_plan(plan: BankPlan, *, on_built: Callable[[Job], None] | None = None, workers: int | None = None,
               checked_on: date | None = None) -> BuildReport:
    """Render the plan's changed leaflets into its folder and write the manifest.

    If a leaflet fails to render, the manifest still records every leaflet finished before it, and the
    error is raised.
    """
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    checked_on = checked_on or today()
    manifest = dict(plan.manifest)
    report = BuildReport(unchanged=[job.file_name for job in plan.unchanged])
    # The biggest first, so parallel workers finish at about the same time.
    ordered = sorted(plan.changed, key=lambda job: -sum(len(s.entries) for s in job.leaflet.sections))
    try:
        for job, pdf, pages in _rendered(ordered, checked_on, workers or default_workers()):
            write_atomically(plan.out_dir / job.file_name, pdf)
            manifest[job.file_name] = {
                "file": job.file_name,
                "title": job.title,
                "kind": job.kind,
                "hub": job.hub,
                "format": job.format,
                "built_on": checked_on.isoformat(),
                "built_at": utcnow().isoformat(timespec="seconds") + "Z",
                "size": len(pdf),
                "pages": pages,
                "content_hash": job.content_hash,
            }
            report.rebuilt.append(job.file_name)
            if on_built is not None:
                on_built(job)
        for name in plan.removed:
            manifest.pop(name, None)
            if SAFE_FILE_NAME.match(name):
                (plan.out_dir / name).unlink(missing_ok=True)
            report.removed.append(name)
    finally:
        _write_manifest(plan.out_dir, manifest)
    order = {job.file_name: index for index, job in enumerate(plan.jobs)}
    report.rebuilt.sort(key=lambda name: order[name])
    return report


def build_bank(out_dir: Path, site_url: str, hub_slug: str | None = None, *,
               on_built: Callable[[Job], None] | None = None, workers: int | None = None,
               checked_on: date | None = None) -> BuildReport:
    """Plan and build in one call."""
    return build_plan(plan_bank(out_dir, site_url, hub_slug), on_built=on_built, workers=workers,
                      checked_on=checked_on)
