"""The listings CSV of design §7: reading a row into ``ListingData`` and writing one back."""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from app.directory.listing_data import (
    ListingData,
    LocationData,
    canonical_opening_hours,
    normalise_postcode,
    parse_cost_option,
)
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
SEPARATOR = ";"
MAX_EXTERNAL_ID = 100


@dataclass
class CsvRow:
    line: int
    external_id: str
    data: ListingData | None
    problems: list[str]
    notes: list[str] = field(default_factory=list)  # what was changed on reading, in plain words


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
    notes = [note for column, value in written.items() if (note := removed_note(column, value or ""))]
    row = {column: storable(value or "") for column, value in written.items()}

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
        phone=get("phone"),
        email=get("email"),
        website=get("website"),
        opening_hours=canonical_opening_hours(get("opening_hours"), is_event=get("kind") == "event"),
        event_date=_date(get("event_date"), "event_date", problems),
        # Left blank, the listing counts as confirmed by whoever imports it, on the day they do.
        assured_at=_date(get("assured_at"), "assured_at", problems) if get("assured_at") else today(),
    )
    if len(get("external_id")) > MAX_EXTERNAL_ID:
        problems.append(f"external_id: keep it under {MAX_EXTERNAL_ID} characters")
    return CsvRow(line, get("external_id"), data, problems, notes)


def read_rows(text: str) -> tuple[list[CsvRow], list[str]]:
    """Every record of a CSV file with the line it starts on, and problems with the file as a whole."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in ("organisation", "name") if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    file_problems = []
    if missing:
        file_problems.append(f"line 1: the header has no {', '.join(missing)} column")
    if unknown:
        file_problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
    if file_problems:
        return [], file_problems
    rows = []
    start = reader.line_num + 1
    for record in reader:
        if None in record:
            rows.append(CsvRow(start, "", None, ["the row has more fields than the header"]))
        else:
            rows.append(parse_row(record, start))
        start = reader.line_num + 1
    return rows, []


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


def write_rows(rows: Iterator[dict[str, str]], *, with_clusters: bool) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS if with_clusters else PUBLIC_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
