"""Importing listings from the CSV of design §7: check every row first, write all or nothing."""

from dataclasses import dataclass, field

from sqlalchemy import select

from app.accounts.models import User
from app.directory.csv_format import CsvRow, read_rows
from app.directory.listing_data import validate
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
    # What happens to each row: (line, listing name, "created" | "updated" | "unchanged")
    outcomes: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_csv(text: str) -> tuple[ImportReport, list[CsvRow]]:
    """Read and validate every row; nothing is written."""
    report = ImportReport()
    rows, file_problems = read_rows(text)
    report.problems.extend(file_problems)
    report.rows = len(rows)
    seen: dict[str, int] = {}
    for row in rows:
        problems = list(row.problems)
        report.notes.extend(f"line {row.line}: {note}" for note in row.notes)
        if row.data is not None:
            unreadable = any(problem.startswith("event_date:") for problem in problems)
            problems.extend(validate(row.data, event_date_unreadable=unreadable))
        if row.external_id:
            if row.external_id in seen:
                problems.append(f"external_id: '{row.external_id}' is also on line {seen[row.external_id]}")
            seen.setdefault(row.external_id, row.line)
        report.problems.extend(f"line {row.line}: {problem}" for problem in problems)
    if not rows and not file_problems:
        report.problems.append("the file has no rows after the header")
    return report, rows


def import_csv(text: str, *, dry_run: bool = False, author: User | None = None, source: str = "import") -> ImportReport:
    """Import listings; on any bad row nothing is written and every problem is reported."""
    report, rows = check_csv(text)
    if not report.ok:
        return report
    wanted = [r.external_id for r in rows if r.external_id]
    existing: dict[str, Service] = {}
    # Our own exports write a listing's published id when it has no external id of its own.
    for service in db.session.scalars(select(Service).where(Service.uid.in_(wanted))):
        existing[service.uid] = service
    for service in db.session.scalars(select(Service).where(Service.external_id.in_(wanted))):
        existing[service.external_id] = service
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
