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
from app.hubs.models import Hub, HubSection
from app.timeutil import today, utcnow
from exports.leaflets.content import (
    Directory,
    Leaflet,
    categories_with_listings,
    category_leaflet,
    hub_leaflet,
    referrers_flyer,
    section_leaflet,
)
from exports.leaflets.manifest import MANIFEST_NAME, MANIFEST_VERSION, SAFE_FILE_NAME, read_manifest
from exports.leaflets.render import FORMATS, render_document, template_version

HUB_FORMATS = ("a5", "a4", "large-print")  # the whole-hub booklets, for staff
SECTION_FORMATS = {"a5": "a5", "large-print": "a5-large-print"}  # file name's ending → format
SECTION_MAX_PAGES = 8  # a rack leaflet, not a booklet
CATEGORY_FORMAT = "a4"
FLYER_FILE = "referrers-flyer.pdf"


@dataclass(frozen=True)
class Job:
    """One leaflet of the bank, with the content it would be built from.

    ``choices`` is the content at most pages; a leaflet with a page limit has, after it, the same content
    with fewer listings, each tried in turn until one fits."""

    file_name: str
    title: str
    kind: str
    hub: str
    format: str
    choices: tuple[Leaflet, ...]
    content_hash: str
    section: str = ""
    max_pages: int | None = None

    @property
    def leaflet(self) -> Leaflet:
        return self.choices[0]


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


def _job_hash(fields: dict[str, object], version: str) -> str:
    """Covers every choice, so a listing changed anywhere in a section is rebuilt even where it was left out
    (a shorter entry elsewhere may let it fit)."""
    choices = fields["choices"]
    assert isinstance(choices, tuple)
    limit = str(fields.get("max_pages"))
    return content_hash(choices[0], f"{fields['format']}/{limit}/{len(choices)}",
                        version + "".join(choice.fingerprint() for choice in choices[1:]))


def hub_file_name(hub_slug: str, format_slug: str) -> str:
    return f"hub-{hub_slug}-{format_slug}.pdf"


def section_file_name(hub_slug: str, section_slug: str, print_name: str) -> str:
    return f"hub-{hub_slug}-{section_slug}-{print_name}.pdf"


def section_choices(directory: Directory, hub: Hub, section: HubSection, format_slug: str) -> tuple[Leaflet, ...]:
    """The section's leaflet with as many listings as the format has room for, then one fewer each time, down
    to one: ``render_fitting`` prints the first that fits."""
    page_format = FORMATS[format_slug]
    rooms = list(range(page_format.section_room, 0, -1)) or [1]
    return tuple(section_leaflet(hub, section, directory, rooms_left, page_format.large_print) for rooms_left in rooms)


def _jobs(site_url: str, hub_slug: str | None) -> Iterator[dict[str, object]]:
    """Every leaflet of the bank, or of one hub, as the fields of its ``Job`` but the hash."""
    directory = Directory.load(site_url)
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    for hub in hubs:
        if (hub_slug is not None and hub.slug != hub_slug) or not SAFE_FILE_NAME.match(f"{hub.slug}.pdf"):
            continue
        for section in hub.sections:
            if not SAFE_FILE_NAME.match(f"{section.slug}.pdf"):
                continue
            for print_name, format_slug in SECTION_FORMATS.items():
                yield {"file_name": section_file_name(hub.slug, section.slug, print_name),
                       "title": f"{section.title}: {FORMATS[format_slug].name}", "kind": "section",
                       "hub": hub.slug, "section": section.slug, "format": format_slug,
                       "choices": section_choices(directory, hub, section, format_slug),
                       "max_pages": SECTION_MAX_PAGES}
        booklet = hub_leaflet(hub, directory)
        for format_slug in HUB_FORMATS:
            yield {"file_name": hub_file_name(hub.slug, format_slug),
                   "title": f"Whole-hub booklet: {FORMATS[format_slug].name}", "kind": "hub", "hub": hub.slug,
                   "format": format_slug, "choices": (booklet,)}
        yield {"file_name": f"flyer-{hub.slug}.pdf", "title": f"For professionals in the {hub.name} hub (flyer)",
               "kind": "flyer", "hub": hub.slug, "format": "a4", "choices": (referrers_flyer(site_url, hub),)}
    if hub_slug is not None:
        return
    for category in categories_with_listings(directory):
        leaflet = category_leaflet(category, directory)
        yield {"file_name": f"category-{category}.pdf", "title": leaflet.title, "kind": "category", "hub": "",
               "format": CATEGORY_FORMAT, "choices": (leaflet,)}
    yield {"file_name": FLYER_FILE, "title": "Well Aware for professionals (flyer)", "kind": "flyer", "hub": "",
           "format": "a4", "choices": (referrers_flyer(site_url),)}


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
    jobs = [Job(**fields, content_hash=_job_hash(fields, version)) for fields in _jobs(site_url, hub_slug)]
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


def render_fitting(choices: Sequence[Leaflet], format_slug: str, checked_on: date,
                   max_pages: int | None) -> tuple[bytes, int, int]:
    """The first of ``choices`` that fits in ``max_pages`` (the last one whatever its length): PDF, pages and
    which choice it is."""
    for index, leaflet in enumerate(choices):
        pdf, pages = render_document(leaflet, format_slug, checked_on)
        if max_pages is None or pages <= max_pages or index == len(choices) - 1:
            return pdf, pages, index
    raise ValueError("a leaflet needs at least one choice of content")


Rendered = tuple[Job, bytes, int, Leaflet]  # the job, its PDF, pages, and the content printed


def _rendered(jobs: Sequence[Job], checked_on: date, workers: int) -> Iterator[Rendered]:
    """Render the jobs, in worker processes when there are several, yielding each as it is finished."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            pdf, pages, index = render_fitting(job.choices, job.format, checked_on, job.max_pages)
            yield job, pdf, pages, job.choices[index]
        return
    # "spawn": a fresh interpreter that holds none of this process's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(render_fitting, job.choices, job.format, checked_on, job.max_pages): job
                   for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            pdf, pages, index = future.result()
            yield job, pdf, pages, job.choices[index]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


KIND_ORDER = {"section": 0, "hub": 1, "category": 2, "flyer": 3}
FORMAT_ORDER = (*HUB_FORMATS, *SECTION_FORMATS.values())


def _manifest_order(entry: dict[str, object]) -> tuple[str, int, int, str]:
    """Hub by hub, each hub's parts then its booklets and flyer; then the topics; then the area's flyer."""
    format_rank = FORMAT_ORDER.index(str(entry.get("format"))) if entry.get("format") in FORMAT_ORDER else 0
    hub = str(entry.get("hub", "")) or "~"  # the area-wide ones after every hub
    return (hub, KIND_ORDER.get(str(entry.get("kind")), 9), format_rank, str(entry["file"]))


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
    # The rack leaflets first, so a new bank has something to offer within seconds; the long booklets last,
    # and within each kind the biggest first, so parallel workers finish at about the same time.
    ordered = sorted(plan.changed, key=lambda job: (job.kind == "hub", -job.leaflet.shown))
    try:
        for job, pdf, pages, printed in _rendered(ordered, checked_on, workers or default_workers()):
            write_atomically(plan.out_dir / job.file_name, pdf)
            manifest[job.file_name] = {
                "file": job.file_name,
                "title": job.title,
                "kind": job.kind,
                "hub": job.hub,
                "section": job.section,
                "format": job.format,
                "built_on": checked_on.isoformat(),
                "built_at": utcnow().isoformat(timespec="seconds") + "Z",
                "size": len(pdf),
                "pages": pages,
                "content_hash": job.content_hash,
                "listings": sorted(printed.listing_ids),  # which listings it prints, to say what a change touches
                "listings_online": printed.total or len(printed.listing_ids),
            }
            # Written after every leaflet, so the bank page fills as the build goes and a stopped build
            # keeps what it finished.
            _write_manifest(plan.out_dir, manifest)
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
