"""The demo's dates on whatever day it is loaded (issue 24): events keep their day of the year (a named
day exactly, the rest their weekday) and are never in the past; confirmations stay as many days ago."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from app.demo import DEMO_AS_OF, _shifted_csv
from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db
from app.timeutil import today

SERVICES = Path(__file__).resolve().parent.parent / "data" / "demo" / "services.csv"
DAYS = [date(2026, 3, 1), DEMO_AS_OF, date(2026, 12, 2), date(2027, 6, 30), date(2027, 12, 25), date(2027, 12, 26),
        date(2027, 12, 31)]


def at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime.combine(day, time(12), tzinfo=UTC), tick=False)


def written() -> dict[str, dict[str, str]]:
    with SERVICES.open(encoding="utf-8", newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


def loaded_on(day: date) -> dict[str, dict[str, str]]:
    with at(day):
        text = _shifted_csv(SERVICES, today() - DEMO_AS_OF)
    return {row["name"]: row for row in csv.DictReader(io.StringIO(text))}


def next_on_or_after(day: date, month: int, day_of_month: int) -> date:
    this_year = date(day.year, month, day_of_month)
    return this_year if this_year >= day else this_year.replace(year=day.year + 1)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_christmas_day_lunch_is_on_the_next_christmas_day(day: date) -> None:
    rows = loaded_on(day)
    assert date.fromisoformat(rows["Christmas Day Lunch"]["event_date"]) == next_on_or_after(day, 12, 25)
    assert date.fromisoformat(rows["New Year Wellbeing Walk – Bath"]["event_date"]) == next_on_or_after(day, 1, 1)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_event_is_ahead_on_its_weekday_near_its_day_of_the_year(day: date) -> None:
    """A "Saturday fair" stays on a Saturday, Carers Week's day in early June, all within the coming year;
    loaded on the day the files were written, every event is on the day they give."""
    original = written()
    events = {name: row for name, row in loaded_on(day).items() if row["event_date"]}
    assert len(events) >= 10
    for name, row in events.items():
        moved, was = date.fromisoformat(row["event_date"]), date.fromisoformat(original[name]["event_date"])
        assert day <= moved < day + timedelta(days=366 + 3), name
        if day == DEMO_AS_OF:
            assert moved == was, name
        if (was.month, was.day) not in {(12, 25), (1, 1)}:
            assert moved.weekday() == was.weekday(), name
            years = range(moved.year - 1, moved.year + 2)
            assert min(abs((moved - was.replace(year=year)).days) for year in years) <= 3, name


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_confirmations_stay_as_many_days_ago(day: date) -> None:
    original = written()
    for name, row in loaded_on(day).items():
        was = date.fromisoformat(original[name]["assured_at"])
        assert date.fromisoformat(row["assured_at"]) == was + (day - DEMO_AS_OF) <= day, name


def test_loaded_on_boxing_day_the_lunch_is_next_christmas_and_every_event_is_public(app: Flask) -> None:
    day = date(2027, 12, 26)
    with at(day):
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            lunch = db.session.scalar(select(Service).where(Service.name == "Christmas Day Lunch"))
            assert lunch is not None and lunch.event_date == date(2028, 12, 25)
            events = list(db.session.scalars(select(Service).where(Service.event_date.is_not(None))))
            assert len(events) >= 10
            assert all(is_public(event) for event in events), [e.name for e in events if not is_public(e)]
