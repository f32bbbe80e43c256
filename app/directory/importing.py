"""Importing listings from the CSV of design §7: check every row first, write all or nothing.

A column the file leaves out keeps each existing listing's value (new listings get the default); the
report names those columns, and counts the listings an empty cell would take a value from.
"""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from app.accounts.models import User
from app.directory.csv_format import COLUMNS, CsvRow, cleared_columns, keep_missing, read_rows
from app.directory.listing_data import ListingData, validate
from app.directory.models import Service
from app.directory.operations import publish_directly
from app.extensions import db


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)  # "line N: reason", one per bad row and reason
    notes: list[str] = field(default_factory=list)  # "line N: what was changed", e.g. a NUL removed
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    bad_rows: int = 0  # rows with at least one problem (a row may have several)
    # What happens to each row: (line, listing name, "created" | "updated" | "unchanged")
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # columns not in the file, kept on the existing listings
    cleared: Counter[str] = field(default_factory=Counter)  # column → existing listings an empty cell clears

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_count(self) -> str:
        """E.g. "9 problems in 7 of 11 rows": how much of the file needs fixing, not only how many lines."""
        count = len(self.problems)
        text = f"{count} problem{'' if count == 1 else 's'}"
        if self.bad_rows:
            text += f" in {self.bad_rows} of {self.rows} row{'' if self.rows == 1 else 's'}"
        return text

    def column_notes(self, *, dry_run: bool) -> list[str]:
        """What the file does to fields as a whole, e.g. "phone: 3 listings would lose their value"."""
        notes = [f"{column}: not in this file, kept" for column in self.kept]
        for column in sorted(self.cleared, key=COLUMNS.index):
            count = self.cleared[column]
            lose = ("would lose" if dry_run else "lost") + (" its" if count == 1 else " their")
            notes.append(f"{column}: {count} listing{'' if count == 1 else 's'} {lose} value")
        return notes


def _existing(rows: list[CsvRow]) -> dict[str, Service]:
    """The listings the rows update, by the external id the rows give."""
    wanted = [r.external_id for r in rows if r.external_id]
    existing: dict[str, Service] = {}
    # Our own exports write a listing's published id when it has no external id of its own.
    for service in db.session.scalars(select(Service).where(Service.uid.in_(wanted))):
        existing[service.uid] = service
    for service in db.session.scalars(select(Service).where(Service.external_id.in_(wanted))):
        existing[service.external_id] = service
    return existing


def check_csv(text: str) -> tuple[ImportReport, list[CsvRow], dict[str, Service]]:
    """Read and validate every row, and find the listings they update; nothing is written."""
    report = ImportReport()
    csv_file = read_rows(text)
    rows = csv_file.rows
    report.problems.extend(csv_file.problems)
    report.rows = len(rows)
    existing = _existing(rows)
    seen: dict[str, int] = {}
    for row in rows:
        problems = list(row.problems)
        report.notes.extend(f"line {row.line}: {note}" for note in row.notes)
        current = existing.get(row.external_id) if row.external_id else None
        if row.data is not None:
            if current is not None:
                now = ListingData.from_service(current)
                row.data = keep_missing(row.data, now, csv_file.missing)
                report.cleared.update(cleared_columns(row.data, row.blank, now))
            unreadable = any(problem.startswith("event_date:") for problem in problems)
            problems.extend(validate(row.data, event_date_unreadable=unreadable))
        if row.external_id:
            if row.external_id in seen:
                problems.append(f"external_id: '{row.external_id}' is also on line {seen[row.external_id]}")
            seen.setdefault(row.external_id, row.line)
        report.problems.extend(f"line {row.line}: {problem}" for problem in problems)
        report.bad_rows += bool(problems)
    if any(row.external_id in existing for row in rows if row.external_id):
        report.kept = csv_file.missing
    if not rows and not csv_file.problems:
        report.problems.append("the file has no rows after the header")
    return report, rows, existing


def import_csv(text: str, *, dry_run: bool = False, author: User | None = None, source: str = "import") -> ImportReport:
    """Import listings; on any bad row nothing is written and every problem is reported."""
    report, rows, existing = check_csv(text)
    if not report.ok:
        return report
    try:
        for row in rows:
            current = existing.get(row.external_id) if row.external_id else None
            _, changed = publish_directly(row.data, service=current, external_id=row.external_id,
                                          author=author, source=source)
            outcome = "created" if current is None else "updated" if changed else "unchanged"
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.outcomes.append((row.line, row.data.name, outcome))
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
