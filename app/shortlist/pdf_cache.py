"""Shortlist PDFs kept on disk, so that asking again for the same list costs no rendering.

A PDF of 30 listings takes well over a second of CPU to make. One is kept under
``<instance>/cache/shortlist-pdf/`` named by what it prints: the leaflet's fingerprint (every listing in the
list's order, as the public sees it now, the urgent-help numbers and the site address), the page format,
the template version and the "checked on" date. Any edit to a listing printed in it, a reordering, or a new
day makes a new name, so a kept PDF is never out of date; files older than ``MAX_AGE`` are deleted, then the
oldest until the folder holds at most ``MAX_BYTES``, each time a PDF is added.

A PDF with a referrer's notes is private and is never kept: it is rendered on each request.

Files are written to a temporary name and renamed, so a worker never reads another's half-written file.
"""

import time
from datetime import date, timedelta
from pathlib import Path

from flask import current_app

from exports.leaflets.bank import content_hash, write_atomically
from exports.leaflets.content import Leaflet
from exports.leaflets.render import render_pdf, template_version

PAGE_FORMAT = "a4"
# The printed date changes each day, so a file is never asked for after the day it was made.
MAX_AGE = timedelta(days=1)
MAX_BYTES = 64 * 1024 * 1024
TEMPORARY_PREFIX = "."  # what ``write_atomically`` names a file it is still writing


def cache_folder() -> Path:
    return Path(current_app.instance_path) / "cache" / "shortlist-pdf"


def shortlist_pdf(leaflet: Leaflet, checked_on: date) -> bytes:
    """The shortlist leaflet as a PDF: the kept file when there is one, else rendered (and kept if it has no
    notes)."""
    if leaflet.notes:
        return render_pdf(leaflet, PAGE_FORMAT, checked_on)
    folder = cache_folder()
    path = folder / f"{checked_on:%Y%m%d}-{content_hash(leaflet, PAGE_FORMAT, template_version())}.pdf"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render_pdf(leaflet, PAGE_FORMAT, checked_on)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pdf)
    prune(folder)
    return pdf


def prune(folder: Path, *, max_age: timedelta = MAX_AGE, max_bytes: int = MAX_BYTES,
          now: float | None = None) -> None:
    """Delete files older than ``max_age`` (temporary ones left by a crash too), then the oldest kept PDFs
    until the rest fit in ``max_bytes``. Other workers may be deleting at the same time."""
    now = time.time() if now is None else now
    kept: list[tuple[float, int, Path]] = []
    for path in folder.iterdir():
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if now - status.st_mtime > max_age.total_seconds():
            path.unlink(missing_ok=True)
        elif not path.name.startswith(TEMPORARY_PREFIX):  # one being written now is not counted
            kept.append((status.st_mtime, status.st_size, path))
    total = sum(size for _, size, _ in kept)
    for _, size, path in sorted(kept):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size
