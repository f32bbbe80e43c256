"""Reading the ONS Postcode Directory (ONSPD) CSV, the file a council downloads from the ONS, into ``postcode``.

The columns used are named in the ONSPD user guide: ``pcds`` (the postcode written with one space; older
or other forms ``pcd``, ``pcd2``, ``pcd7``, ``pcd8`` are read when it is missing), ``doterm`` (the month a
postcode was terminated; empty while it is live), ``lat`` and ``long`` (WGS84; a postcode without a grid
reference has ``lat`` 99.999999) and ``oslaua`` (the local authority; ``ladNNcd`` in some releases).
Headers are read whatever their case. The file is streamed: only these columns are kept from each row,
and rows are inserted in batches.

The whole table is replaced in the caller's transaction: if anything fails, the caller rolls back and
the directory loaded before is as it was.
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from app.geography.models import Postcode
from app.geography.shape import normalise_postcode

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "pcd7", "pcd8")  # the first present is read
LOCAL_AUTHORITY = re.compile(r"oslaua|lad[0-9]{2}cd")
UNPLACED_LATITUDE = 99.0  # ONSPD writes 99.999999 for a postcode with no grid reference
BATCH = 10_000


class UnreadableDirectory(ValueError):
    """The file is not an ONSPD CSV we can read; the message says what is missing."""


@dataclass
class LoadCounts:
    kept: int = 0
    terminated: int = 0
    unplaced: int = 0  # live, but without a grid reference
    unreadable: int = 0  # a postcode or coordinates we cannot read


@dataclass(frozen=True)
class Columns:
    postcode: int
    doterm: int
    latitude: int
    longitude: int
    local_authority: int | None


def find_columns(header: list[str]) -> Columns:
    """Where the columns we read are in ``header``, or an error naming those missing."""
    names = {name.strip().lower(): index for index, name in enumerate(header)}
    postcode = next((names[name] for name in POSTCODE_COLUMNS if name in names), None)
    missing = [name for name, index in (("pcds", postcode), ("doterm", names.get("doterm")),
                                        ("lat", names.get("lat")), ("long", names.get("long"))) if index is None]
    if missing:
        raise UnreadableDirectory(
            f"the file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}; give the ONS Postcode "
            "Directory's CSV (the ONSPD_…_UK.csv file in its Data folder), with its header row")
    authority = next((index for name, index in names.items() if LOCAL_AUTHORITY.fullmatch(name)), None)
    return Columns(postcode, names["doterm"], names["lat"], names["long"], authority)  # type: ignore[arg-type]


def live_postcodes(rows: Iterable[list[str]], columns: Columns, counts: LoadCounts) -> Iterator[dict[str, object]]:
    """The live postcodes with a grid reference, as rows of ``postcode``; the others are counted."""
    widest = max(i for i in (columns.postcode, columns.doterm, columns.latitude, columns.longitude,
                             columns.local_authority) if i is not None)
    for row in rows:
        if len(row) <= widest:
            if any(cell.strip() for cell in row):
                counts.unreadable += 1
            continue
        if row[columns.doterm].strip():
            counts.terminated += 1
            continue
        postcode = normalise_postcode(row[columns.postcode])
        try:
            latitude, longitude = float(row[columns.latitude]), float(row[columns.longitude])
        except ValueError:
            latitude = longitude = None
        if latitude is not None and latitude > UNPLACED_LATITUDE:
            counts.unplaced += 1
            continue
        if postcode is None or latitude is None or longitude is None:
            counts.unreadable += 1
            continue
        counts.kept += 1
        yield {"postcode": postcode, "district": postcode.split(" ")[0], "latitude": latitude,
               "longitude": longitude,
               "local_authority": row[columns.local_authority].strip()[:9] if columns.local_authority is not None
               else ""}


def replace_directory(session: Session, handle: TextIO, *,
                      progress: Callable[[], None] | None = None) -> LoadCounts:
    """Empty ``postcode`` and fill it from the ONSPD CSV ``handle``, in the session's transaction (the
    caller commits, or rolls back on an error). ``progress`` is called after each batch."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise UnreadableDirectory("the file is empty")
    columns = find_columns(header)
    counts = LoadCounts()
    connection = session.connection()
    connection.execute(delete(Postcode.__table__))
    batch: list[dict[str, object]] = []
    for row in live_postcodes(reader, columns, counts):
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(Postcode.__table__), batch)
            batch = []
            if progress is not None:
                progress()
    if batch:
        connection.execute(insert(Postcode.__table__), batch)
    if progress is not None:
        progress()
    if not counts.kept:
        raise UnreadableDirectory("the file holds no live postcode with a grid reference")
    return counts
