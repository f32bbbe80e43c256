"""What is out of date (design §1): every published listing by days since it was last confirmed.

States, for a listing of an approved organisation (another's is not in the directory at all):

- ``fresh``: confirmed within REMINDER_MONTHS;
- ``due``: the reminder point has passed, by less than REMINDER_FOLLOW_UP_DAYS;
- ``overdue``: it passed longer ago (the follow-up is due), and the listing is still shown;
- ``hidden``: not confirmed within FRESHNESS_MONTHS (or never), so the public no longer sees it.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.directory.models import Organisation, OrganisationStatus, Service, ServiceStatus
from app.directory.visibility import freshness_cutoff
from app.extensions import db
from app.freshness.editors import active_editors
from app.problems.operations import open_report_counts
from app.timeutil import months_before, today


class Freshness(enum.StrEnum):
    FRESH = "fresh"
    DUE = "due"
    OVERDUE = "overdue"
    HIDDEN = "hidden"


STATE_NAMES = {Freshness.FRESH: "Fresh", Freshness.DUE: "Due", Freshness.OVERDUE: "Overdue",
               Freshness.HIDDEN: "Hidden"}


@dataclass(frozen=True)
class FreshnessRow:
    service_id: int
    name: str
    organisation: str
    areas: tuple[str, ...]
    confirmed_on: date | None
    days_since: int | None
    state: Freshness
    open_reports: int
    active_editors: int


@dataclass(frozen=True)
class FreshnessReport:
    day: date
    rows: list[FreshnessRow]

    def count(self, state: Freshness) -> int:
        return sum(1 for row in self.rows if row.state == state)

    @property
    def open_reports(self) -> int:
        return sum(row.open_reports for row in self.rows)

    @property
    def nobody_to_confirm(self) -> int:
        return sum(1 for row in self.rows if row.active_editors == 0)


def state_of(confirmed_on: date | None, day: date) -> Freshness:
    config = current_app.config
    if confirmed_on is None or confirmed_on < freshness_cutoff(day):
        return Freshness.HIDDEN
    due_from = months_before(day, int(config["REMINDER_MONTHS"]))
    if confirmed_on > due_from:
        return Freshness.FRESH
    if confirmed_on > due_from - timedelta(days=int(config["REMINDER_FOLLOW_UP_DAYS"])):
        return Freshness.DUE
    return Freshness.OVERDUE


def freshness_report(*, organisation_id: int | None = None, area: str | None = None,
                     day: date | None = None) -> FreshnessReport:
    """Published listings, longest unconfirmed first; narrowed to one organisation, or to listings tagged
    with one area."""
    day = day or today()
    query = (select(Service).join(Service.organisation)
             .where(Service.status == ServiceStatus.PUBLISHED, Organisation.status == OrganisationStatus.APPROVED)
             .options(selectinload(Service.organisation)))
    if organisation_id is not None:
        query = query.where(Service.organisation_id == organisation_id)
    services = [s for s in db.session.scalars(query) if area is None or area in s.areas]
    reports = open_report_counts([s.id for s in services])
    editors = {o.id: len(active_editors(o)) for o in {s.organisation for s in services}}
    rows = [FreshnessRow(service_id=s.id, name=s.name, organisation=s.organisation.name, areas=tuple(s.areas),
                         confirmed_on=s.assured_at, days_since=(day - s.assured_at).days if s.assured_at else None,
                         state=state_of(s.assured_at, day), open_reports=reports.get(s.id, 0),
                         active_editors=editors[s.organisation_id])
            for s in services]
    # Never confirmed first, then the longest since confirmation.
    rows.sort(key=lambda row: (row.days_since is not None, -(row.days_since or 0), row.name))
    return FreshnessReport(day, rows)
