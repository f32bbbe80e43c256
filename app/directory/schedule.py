"""Opening times: parsing the written form, formatting it back, and questions about it.

The written form (design §7) is a ``;``-separated list of rules:

- ``24/7``
- ``Mon-Fri 09:00-17:00``, ``Sat 10:00-13:00``, ``Mon,Wed 18:00-20:00``: every week
- ``1st Mon 19:00-21:00``, ``last Fri 10:00-12:00``: monthly
- ``Fortnightly Tue 13:30-15:30``
- ``10:00-15:00``: the times of a one-off event, on the listing's event date
"""

import re
from dataclasses import dataclass, field
from datetime import time

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                     strict=True))
NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": -1}
NTH_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
EVENING_STARTS = time(18, 0)

_TIMES = r"(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_WEEKLY = re.compile(rf"^(?P<days>{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*)\s+{_TIMES}$", re.IGNORECASE)
_MONTHLY = re.compile(rf"^(?P<nth>1st|2nd|3rd|4th|last)\s+(?P<day>{_DAY})\s+{_TIMES}$", re.IGNORECASE)
_FORTNIGHTLY = re.compile(rf"^fortnightly\s+(?P<day>{_DAY})\s+{_TIMES}$", re.IGNORECASE)
_EVENT = re.compile(rf"^{_TIMES}$")


class ScheduleError(ValueError):
    """A written opening time that cannot be read; the message says why in plain words."""


@dataclass(frozen=True)
class OpeningRule:
    frequency: str  # weekly, fortnightly, monthly, always, event
    days: tuple[str, ...] = field(default=())
    week_of_month: int | None = None
    opens_at: time | None = None
    closes_at: time | None = None

    @property
    def is_evening(self) -> bool:
        return self.frequency == "always" or (self.closes_at is not None and self.closes_at > EVENING_STARTS)

    @property
    def is_weekend(self) -> bool:
        return self.frequency == "always" or bool({"Sat", "Sun"} & set(self.days))

    def written(self) -> str:
        """The canonical written form, as imported and exported."""
        if self.frequency == "always":
            return "24/7"
        times = f"{self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
        if self.frequency == "event":
            return times
        if self.frequency == "monthly":
            nth = next(word for word, number in NTH.items() if number == self.week_of_month)
            return f"{nth} {self.days[0]} {times}"
        if self.frequency == "fortnightly":
            return f"Fortnightly {self.days[0]} {times}"
        return f"{_compress_days(self.days)} {times}"

    def spoken(self) -> str:
        """Plain English for people: 'Monday to Friday, 9am to 5pm'."""
        if self.frequency == "always":
            return "24 hours a day, every day"
        times = f"{_clock(self.opens_at)} to {_clock(self.closes_at)}"
        if self.frequency == "event":
            return times
        if self.frequency == "monthly":
            return f"{NTH_WORDS[self.week_of_month or 1].capitalize()} {DAY_NAMES[self.days[0]]} of the month, {times}"
        if self.frequency == "fortnightly":
            return f"Every other {DAY_NAMES[self.days[0]]}, {times}"
        return f"{_spoken_days(self.days)}, {times}"


def _clock(moment: time | None) -> str:
    if moment is None:
        return ""
    if moment == time(12, 0):
        return "midday"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def _day(token: str) -> str:
    return token[:1].upper() + token[1:3].lower()


def _expand_days(text: str) -> tuple[str, ...]:
    chosen: list[str] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (DAYS.index(_day(t)) for t in part.split("-"))
            if last < first:
                raise ScheduleError(f"'{part}' runs backwards; write the earlier day first")
            chosen.extend(DAYS[first : last + 1])
        else:
            chosen.append(_day(part))
    return tuple(day for day in DAYS if day in chosen)


def _runs(days: tuple[str, ...]) -> list[list[str]]:
    runs: list[list[str]] = []
    for day in days:
        if runs and DAYS.index(day) == DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _compress_days(days: tuple[str, ...]) -> str:
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(run) for run in _runs(days))


def _spoken_days(days: tuple[str, ...]) -> str:
    parts = [
        f"{DAY_NAMES[run[0]]} to {DAY_NAMES[run[-1]]}" if len(run) > 2 else " and ".join(DAY_NAMES[d] for d in run)
        for run in _runs(days)
    ]
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _times(match: re.Match[str], entry: str) -> tuple[time, time]:
    try:
        opens = time.fromisoformat(match["opens"].zfill(5))
        closes = time.fromisoformat(match["closes"].zfill(5))
    except ValueError as error:
        raise ScheduleError(f"'{entry}' has a time that does not exist (use 24-hour times like 09:30)") from error
    if closes <= opens:
        raise ScheduleError(f"'{entry}' closes before it opens")
    return opens, closes


def parse_opening_hours(text: str, *, is_event: bool = False) -> list[OpeningRule]:
    """Read the written form; raise ``ScheduleError`` naming the first entry that cannot be read."""
    rules: list[OpeningRule] = []
    for raw in text.split(";"):
        entry = " ".join(raw.split())
        if not entry:
            continue
        if entry.lower() == "24/7":
            rules.append(OpeningRule("always"))
        elif match := _MONTHLY.match(entry):
            opens, closes = _times(match, entry)
            rules.append(OpeningRule("monthly", (_day(match["day"]),), NTH[match["nth"].lower()], opens, closes))
        elif match := _FORTNIGHTLY.match(entry):
            opens, closes = _times(match, entry)
            rules.append(OpeningRule("fortnightly", (_day(match["day"]),), None, opens, closes))
        elif match := _WEEKLY.match(entry):
            opens, closes = _times(match, entry)
            rules.append(OpeningRule("weekly", _expand_days(match["days"]), None, opens, closes))
        elif match := _EVENT.match(entry):
            if not is_event:
                raise ScheduleError(f"'{entry}' needs a day (like 'Mon 10:00-12:00'); times alone are for events")
            opens, closes = _times(match, entry)
            rules.append(OpeningRule("event", (), None, opens, closes))
        else:
            raise ScheduleError(
                f"'{entry}' is not an opening time we can read; write it like 'Mon-Fri 09:00-17:00', "
                "'1st Mon 19:00-21:00', 'Fortnightly Tue 13:30-15:30' or '24/7'"
            )
    if any(rule.frequency == "always" for rule in rules) and len(rules) > 1:
        raise ScheduleError("'24/7' already covers every hour; remove the other times")
    return rules


def written_form(rules: list[OpeningRule]) -> str:
    return "; ".join(rule.written() for rule in rules)
