"""The leaflet bank: the list of built leaflets, from the bank's manifest, and each file."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import abort, current_app, render_template, send_from_directory
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import db, limiter
from app.hubs.models import Hub
from app.leaflets import leaflets
from exports.leaflets.manifest import SAFE_FILE_NAME, read_manifest

# Per address: enough for a surgery to take every leaflet in the bank (a dozen files) at once, not for a loop.
DOWNLOAD_RATE_LIMIT = "20 per minute; 200 per hour"


@dataclass(frozen=True)
class BankItem:
    file: str
    title: str
    format: str
    built_on: date | None
    size: str
    pages: int | None


@dataclass(frozen=True)
class BankGroup:
    heading: str
    intro: str
    items: list[BankItem]


def _folder() -> Path:
    return Path(current_app.config["LEAFLET_DIR"])


def file_size(size: object) -> str:
    number = int(size) if isinstance(size, int | float) else 0
    if number >= 1024 * 1024:
        return f"{number / (1024 * 1024):.1f} MB"
    return f"{max(1, round(number / 1024))} KB"


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


FORMAT_NAMES = {"a5": "A5 booklet", "a4": "A4", "large-print": "Large print (A4)"}


def _groups(manifest: dict[str, dict[str, object]]) -> list[BankGroup]:
    hub_names = {slug: name for slug, name in db.session.execute(select(Hub.slug, Hub.name))}
    hubs: dict[str, list[BankItem]] = {}
    topics: list[BankItem] = []
    professionals: list[BankItem] = []
    for entry in manifest.values():
        item = BankItem(
            file=str(entry["file"]),
            title=str(entry.get("title", entry["file"])),
            format=FORMAT_NAMES.get(str(entry.get("format", "")), str(entry.get("format", ""))),
            built_on=_date(entry.get("built_on")),
            size=file_size(entry.get("size")),
            pages=entry.get("pages") if isinstance(entry.get("pages"), int) else None,
        )
        if entry.get("kind") == "hub":
            hubs.setdefault(str(entry.get("hub", "")), []).append(item)
        elif entry.get("kind") == "flyer":
            professionals.append(item)
        else:
            topics.append(item)
    groups = [
        BankGroup(f"{hub_names.get(slug, slug)} hub", "Every part of the hub, with urgent help on the cover and back.",
                  items)
        for slug, items in sorted(hubs.items(), key=lambda pair: hub_names.get(pair[0], pair[0]))
    ]
    if topics:
        groups.append(BankGroup("Topics across Bath and North East Somerset", "", topics))
    if professionals:
        groups.append(BankGroup("For professionals", "A one-page flyer for GP surgeries, libraries and teams.",
                                professionals))
    return groups


@leaflets.get("")
def bank() -> str:
    return render_template("leaflets/bank.html", groups=_groups(read_manifest(_folder())))


@leaflets.get("/<name>")
@limiter.limit(DOWNLOAD_RATE_LIMIT)
def download(name: str) -> Response:
    """A built leaflet, only when the manifest names it (so never the manifest itself, nor a path).

    Sent with its ETag and date and ``no-cache``: a rebuilt leaflet keeps its name, so a browser asks again
    each time and an unchanged one comes back as 304, without its body."""
    if not SAFE_FILE_NAME.match(name) or name not in read_manifest(_folder()):
        abort(404)
    folder = _folder()
    if not (folder / name).is_file():
        abort(404)
    response = send_from_directory(folder, name, mimetype="application/pdf", download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
