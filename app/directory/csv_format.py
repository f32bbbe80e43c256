"""The listings CSV of design §7: reading a row into ``ListingData`` and writing one back.

A column left out of a file's header leaves that field as it is on the listings the file updates (the
public export has no cluster columns, and re-importing it must not take the clusters away); an empty cell
in a column that is there clears the field. Every cell goes through ``app.csv_safety`` on the way out and
back in, so no cell we write is a spreadsheet formula.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from app.csv_safety import neutralise, restore
from app.directory.listing_data import (
    ListingData,
    LocationData,
    canonical_opening_hours,
    normalise_postcode,
    parse_cost_option,
)
from app.directory.phones import tidy_phone
from app.text import removed_note, storable
from app.timeutil import today

COLUMNS = (
    "external_id", "organisation", "kind", "name", "summary", "description", "categories", "audiences",
    "clusters_main", "clusters_also", "all_clusters", "min_age", "max_age", "cost", "cost_detail", "referral",
    "access", "accessibility", "areas", "address", "postcode", "phone", "email", "website", "opening_hours",
    "event_date", "assured_at",
)
CLUSTER_COLUMNS = ("clusters_main", "clusters_also", "all_clusters")
PUBLIC_COLUMNS = tuple(column for column in COLUMNS if column not in CLUSTER_COLUMNS)
# The columns that say which listing a row is; a file without them cannot be read.
REQUIRED = ("organisation", "name")
# The fields of ``ListingData`` each column fills, where they are not the column's own name.
FIELDS = {"external_id": (), "address": ("locations",), "postcode": ("locations",), "cost_detail": ("cost_options",)}
# An empty cell here takes a value away from a listing; an empty assured_at means "confirmed today" instead.
CLEARABLE = tuple(column for column in COLUMNS if column not in ("external_id", *REQUIRED, "assured_at"))
SEPARATOR = ";"
MAX_EXTERNAL_ID = 100


@dataclass
class CsvRow:
    line: int
    external_id: str
    data: ListingData | None
    problems: list[str]
    notes: list[str] = field(default_factory=list)  # what was changed on reading, in plain words
    blank: frozenset[str] = frozenset()  # the columns whose cell is empty


@dataclass
class CsvFile:
    rows: list[CsvRow]
    missing: list[str]  # the columns of COLUMNS the header does not have
    problems: list[str]  # with the file as a whole


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def _age(value: str, column: str, problems: list[str]) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(f"{column}: '{value}' is not a whole number of years")
        return None


def _date(value: str, column: str, problems: list[str]) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    problems.append(f"{column}: '{value}' is not a date written YYYY-MM-DD")
    return None


def _clusters(value: str, column: str, problems: list[str]) -> list[int]:
    codes: list[int] = []
    for part in _split(value):
        try:
            codes.append(int(part))
        except ValueError:
            problems.append(f"{column}: '{part}' is not a cluster number")
    return codes


def _yes_no(value: str, column: str, problems: list[str]) -> bool:
    word = value.strip().lower()
    if word in {"yes", "y", "true", "1"}:
        return True
    if word in {"", "no", "n", "false", "0"}:
        return False
    problems.append(f"{column}: '{value}' should be yes or no")
    return False


def _locations(address: str, postcode: str, problems: list[str]) -> list[LocationData]:
    addresses, postcodes = _split(address), _split(postcode)
    if len(postcodes) > len(addresses):
        problems.append("postcode: there is a postcode without an address")
        return []
    locations = []
    for index, line in enumerate(addresses):
        raw = postcodes[index] if index < len(postcodes) else ""
        tidy = normalise_postcode(raw) if raw else ""
        if tidy is None:
            problems.append(f"postcode: '{raw}' is not a UK postcode like 'BA1 3AB'")
            tidy = raw
        locations.append(LocationData(line, tidy))
    return locations


def parse_row(written: dict[str, str], line: int) -> CsvRow:
    """One CSV record as listing data, or the plain reasons it cannot be read."""
    problems: list[str] = []
    cells = {column: restore(value or "") for column, value in written.items()}
    notes = [note for column, value in cells.items() if (note := removed_note(column, value))]
    row = {column: storable(value) for column, value in cells.items()}

    def get(column: str) -> str:
        return (row.get(column) or "").strip()

    cost_options = []
    for text in _split(get("cost_detail")):
        try:
            cost_options.append(parse_cost_option(text))
        except ValueError as error:
            problems.append(f"cost_detail: {error}")
    data = ListingData(
        organisation=get("organisation"),
        name=get("name"),
        kind=get("kind") or "service",
        summary=get("summary"),
        description=(row.get("description") or "").strip(),
        categories=_split(get("categories")),
        audiences=_split(get("audiences")),
        clusters_main=_clusters(get("clusters_main"), "clusters_main", problems),
        clusters_also=_clusters(get("clusters_also"), "clusters_also", problems),
        all_clusters=_yes_no(get("all_clusters"), "all_clusters", problems),
        min_age=_age(get("min_age"), "min_age", problems),
        max_age=_age(get("max_age"), "max_age", problems),
        cost=get("cost") or "free",
        cost_options=cost_options,
        referral=_split(get("referral")),
        access=_split(get("access")),
        accessibility=_split(get("accessibility")),
        areas=_split(get("areas")),
        locations=_locations(get("address"), get("postcode"), problems),
        phone=tidy_phone(get("phone")),
        email=get("email"),
        website=get("website"),
        opening_hours=canonical_opening_hours(get("opening_hours"), is_event=get("kind") == "event"),
        event_date=_date(get("event_date"), "event_date", problems),
        # Left blank, the listing counts as confirmed by whoever imports it, on the day they do.
        assured_at=_date(get("assured_at"), "assured_at", problems) if get("assured_at") else today(),
    )
    if len(get("external_id")) > MAX_EXTERNAL_ID:
        problems.append(f"external_id: keep it under {MAX_EXTERNAL_ID} characters")
    blank = frozenset(column for column in row if not get(column))
    return CsvRow(line, get("external_id"), data, problems, notes, blank)


def read_rows(text: str) -> CsvFile:
    """Every record of a CSV file with the line it starts on, and what the header leaves out."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    file_problems = []
    if required := [column for column in REQUIRED if column in missing]:
        file_problems.append(f"line 1: the header has no {', '.join(required)} column")
    if unknown:
        file_problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    # Each postcode belongs to the address beside it, so one cannot be kept while the other is replaced.
    for present, absent in (("address", "postcode"), ("postcode", "address")):
        if present in header and absent not in header:
            file_problems.append(f"line 1: the header has {present} but no {absent} column; give both or neither")
    if file_problems:
        return CsvFile([], missing, file_problems)
    rows = []
    start = reader.line_num + 1
    for record in reader:
        if None in record:
            rows.append(CsvRow(start, "", None, ["the row has more fields than the header"]))
        else:
            rows.append(parse_row(record, start))
        start = reader.line_num + 1
    return CsvFile(rows, missing, [])


def keep_missing(data: ListingData, current: ListingData, missing: Iterable[str]) -> ListingData:
    """``data`` read from a row, with the listing's ``current`` value for each column the file left out."""
    kept = {name: getattr(current, name) for column in missing for name in FIELDS.get(column, (column,))}
    merged = replace(data, **kept)
    if "kind" in kept:  # the opening hours were read without knowing whether the listing is an event
        merged.opening_hours = canonical_opening_hours(merged.opening_hours, is_event=merged.kind == "event")
    return merged


def cleared_columns(data: ListingData, blank: frozenset[str], current: ListingData) -> list[str]:
    """The columns whose empty cell (one of ``blank``) takes a value away from the listing now ``current``."""
    before, after = (format_row("", listing, with_clusters=True) for listing in (current, data))
    return [column for column in CLEARABLE if column in blank and before[column] != after[column]]


def format_row(external_id: str, data: ListingData, *, with_clusters: bool) -> dict[str, str]:
    join = SEPARATOR.join
    row = {
        "external_id": external_id,
        "organisation": data.organisation,
        "kind": data.kind,
        "name": data.name,
        "summary": data.summary,
        "description": data.description,
        "categories": join(data.categories),
        "audiences": join(data.audiences),
        "clusters_main": join(str(c) for c in data.clusters_main),
        "clusters_also": join(str(c) for c in data.clusters_also),
        "all_clusters": "yes" if data.all_clusters else "no",
        "min_age": "" if data.min_age is None else str(data.min_age),
        "max_age": "" if data.max_age is None else str(data.max_age),
        "cost": data.cost,
        "cost_detail": join(option.written() for option in data.cost_options),
        "referral": join(data.referral),
        "access": join(data.access),
        "accessibility": join(data.accessibility),
        "areas": join(data.areas),
        "address": join(loc.address for loc in data.locations),
        "postcode": join(loc.postcode for loc in data.locations),
        "phone": data.phone,
        "email": data.email,
        "website": data.website,
        "opening_hours": data.opening_hours,
        "event_date": data.event_date.isoformat() if data.event_date else "",
        "assured_at": data.assured_at.isoformat() if data.assured_at else "",
    }
    columns = COLUMNS if with_clusters else PUBLIC_COLUMNS
    return {column: row[column] for column in columns}


def _line(cells: Iterable[str]) -> str:
    """One CSV record, ending "\n".

    The writer quotes a cell holding a character of its line ending; told "\r\n", it quotes a cell with a
    lone carriage return too, which spreadsheets and our own reader would otherwise take as the end of the
    row, and the rest of the cell as the first cell of another.
    """
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().removesuffix("\r\n") + "\n"


def write_rows(rows: Iterator[dict[str, str]], *, with_clusters: bool) -> str:
    """The CSV text, with no cell a spreadsheet would run as a formula."""
    columns = COLUMNS if with_clusters else PUBLIC_COLUMNS
    return _line(columns) + "".join(_line(neutralise(row[column]) for column in columns) for row in rows)
