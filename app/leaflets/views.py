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
from exports.leaflets.building import is_building
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


FORMAT_NAMES = {"a5": "A5", "a4": "A4", "large-print": "Large print (A4)", "a5-large-print": "Large print (A5)"}


def _item(entry: dict[str, object]) -> BankItem:
    return BankItem(
        file=str(entry["file"]),
        title=str(entry.get("title", entry["file"])),
        format=FORMAT_NAMES.get(str(entry.get("format", "")), str(entry.get("format", ""))),
        built_on=_date(entry.get("built_on")),
        size=file_size(entry.get("size")),
        pages=entry.get("pages") if isinstance(entry.get("pages"), int) else None,
    )


def _groups(manifest: dict[str, dict[str, object]]) -> list[BankGroup]:
    """Hub by hub: its parts in the hub's order, then the whole-hub booklets and the hub's flyer; then the
    topics across the area; then the area's flyer. A leaflet whose hub or part is gone is not offered."""
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    entries = list(manifest.values())
    groups = []
    for hub in hubs:
        position = {section.slug: index for index, section in enumerate(hub.sections)}
        parts = sorted((e for e in entries if e.get("kind") == "section" and e.get("hub") == hub.slug
                        and e.get("section") in position),
                       key=lambda e: (position[str(e["section"])], str(e.get("format"))))
        if parts:
            groups.append(BankGroup(f"{hub.name} hub: a leaflet for each part",
                                    "Short leaflets for a rack, each with urgent help on the front and back.",
                                    [_item(e) for e in parts]))
        staff = [e for e in entries if e.get("kind") in {"hub", "flyer"} and e.get("hub") == hub.slug]
        if staff:
            groups.append(BankGroup(f"{hub.name} hub: for staff",
                                    "The whole hub in one booklet, every part and every service, to keep at a "
                                    "desk; and a flyer for professionals.", [_item(e) for e in staff]))
    topics = [e for e in entries if e.get("kind") == "category"]
    if topics:
        groups.append(BankGroup("Topics across Bath and North East Somerset", "", [_item(e) for e in topics]))
    area = [e for e in entries if e.get("kind") == "flyer" and not e.get("hub")]
    if area:
        groups.append(BankGroup("For professionals", "A one-page flyer for GP surgeries, libraries and teams.",
                                [_item(e) for e in area]))
    return groups


@leaflets.get("")
def bank() -> str:
    folder = _folder()
    return render_template("leaflets/bank.html", groups=_groups(read_manifest(folder)),
                           preparing=is_building(folder))


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
