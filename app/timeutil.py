"""Dates and times as the application reads them: naive UTC, as the databases store them."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to that month's last day)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month_zero = divmod(month_index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month_zero + 1, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)
