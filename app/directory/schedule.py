"""Opening times: parsing the written form, formatting it back, and questions about it.

The written form (design §7) is a ``;``-separated list of rules:

- ``24/7``
- ``Mon-Fri 09:00-17:00``, ``Sat 10:00-13:00``, ``Mon,Wed 18:00-20:00``: every week
- ``1st Mon 19:00-21:00``, ``last Fri 10:00-12:00``: monthly
- ``Fortnightly Tue 13:30-15:30``
- ``10:00-15:00``: the times of a one-off event, on the listing's event date

A closing time earlier than the opening time is the next morning: ``Fri 22:00-02:00`` is open from 10pm on
Friday until 2am on Saturday (``Fri 22:00-00:00`` closes at midnight). Such a rule belongs to the days it
opens on: it is an evening rule, and a weekend one only if it opens on a Saturday or Sunday, so a Friday
night that runs into Saturday's small hours is not "open at the weekend" (``Sun 22:00-02:00`` is). Asked
about an hour of the week (``OpeningRule.open_between``), the small hours count on the day they fall on.
Opening and closing at the same time is refused: for all day and night, write ``24/7``.

Any rule may end with a note in brackets, at most 200 characters and without ``;`` (which separates rules):
``Mon-Fri 09:00-17:00 (term time only)``, ``24/7 (answerphone at night)``. The note is kept with the rule
and shown after its times.
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
MAX_NOTE = 200

_TIMES = r"(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_WEEKLY = re.compile(rf"^(?P<days>{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*)\s+{_TIMES}$", re.IGNORECASE)
_MONTHLY = re.compile(rf"^(?P<nth>1st|2nd|3rd|4th|last)\s+(?P<day>{_DAY})\s+{_TIMES}$", re.IGNORECASE)
_FORTNIGHTLY = re.compile(rf"^fortnightly\s+(?P<day>{_DAY})\s+{_TIMES}$", re.IGNORECASE)
_EVENT = re.compile(rf"^{_TIMES}$")
# A note is whatever is in brackets at the end; it may hold brackets of its own.
_NOTE = re.compile(r"^(?P<rule>[^(]*?)\s*\((?P<note>.*)\)$")
_COMMA_NOTE = re.compile(rf"^(?P<rule>.*?{_TIMES}|24/7)\s*,\s*(?P<note>.+)$", re.IGNORECASE)


class ScheduleError(ValueError):
    """A written opening time that cannot be read; the message says why in plain words."""


@dataclass(frozen=True)
class OpeningRule:
    frequency: str  # weekly, fortnightly, monthly, always, event
    days: tuple[str, ...] = field(default=())
    week_of_month: int | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    note: str = ""

    @property
    def is_overnight(self) -> bool:
        """Whether it closes the next morning (or at midnight)."""
        return self.opens_at is not None and self.closes_at is not None and self.closes_at < self.opens_at

    @property
    def is_evening(self) -> bool:
        return self.frequency == "always" or self.is_overnight or (
            self.closes_at is not None and self.closes_at > EVENING_STARTS)

    @property
    def is_weekend(self) -> bool:
        return self.frequency == "always" or bool({"Sat", "Sun"} & set(self.days))

    def open_between(self, day: str | None, start: time, end: time, *, days: tuple[str, ...] | None = None) -> bool:
        """Whether its hours overlap ``start`` to ``end`` on ``day`` (on some day when None), hours that only
        touch the window (closing at its start, opening at its end) not counting. ``days`` stands in for the
        rule's own days (an event's are its date's). Weekly, fortnightly and monthly rules count on every
        week: some weeks will do. An overnight rule's small hours are on the day after each of its days."""
        if self.frequency == "always":
            return True
        on = self.days if days is None else days
        if self.opens_at is None or self.closes_at is None:
            return False
        if not self.is_overnight:
            return (day is None or day in on) and self.opens_at < end and self.closes_at > start
        mornings = {DAYS[(DAYS.index(d) + 1) % len(DAYS)] for d in on}
        until_midnight = (day is None or day in on) and self.opens_at < end
        small_hours = (day is None or day in mornings) and start < self.closes_at
        return until_midnight or small_hours

    def written(self) -> str:
        """The canonical written form, as imported and exported."""
        base = self._written_rule()
        return f"{base} ({self.note})" if self.note else base

    def _written_rule(self) -> str:
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
        """Plain English for people: 'Monday to Friday, 9am to 5pm (term time only)', 'Friday, 10pm to 2am
        the next morning'."""
        base = self._spoken_rule()
        return f"{base} ({self.note})" if self.note else base

    def _spoken_rule(self) -> str:
        if self.frequency == "always":
            return "24 hours a day, every day"
        times = f"{_clock(self.opens_at)} to {_clock(self.closes_at)}"
        if self.closes_at == time(0, 0):
            times = f"{_clock(self.opens_at)} to midnight"
        elif self.is_overnight:
            times += " the next morning"
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
    if closes == opens:
        raise ScheduleError(f"'{entry}' closes when it opens; for all day and night write '24/7'")
    return opens, closes


def _note(entry: str) -> tuple[str, str]:
    """The rule and its note in brackets, if it has one."""
    if match := _NOTE.match(entry):
        note = match["note"].strip()
        if len(note) > MAX_NOTE:
            raise ScheduleError(f"the note '{note[:40]}…' is too long; keep a note under {MAX_NOTE} characters")
        return match["rule"], note
    if "(" in entry:
        raise ScheduleError(f"'{entry}' has a note that does not end with its closing bracket; put the note "
                            "last, like 'Mon-Fri 09:00-17:00 (term time only)'")
    return entry, ""


def parse_opening_hours(text: str, *, is_event: bool = False) -> list[OpeningRule]:
    """Read the written form; raise ``ScheduleError`` naming the first entry that cannot be read."""
    entries = (" ".join(raw.split()) for raw in text.split(";"))
    rules = [_parse_rule(entry, is_event=is_event) for entry in entries if entry]
    if any(rule.frequency == "always" for rule in rules) and len(rules) > 1:
        raise ScheduleError("'24/7' already covers every hour; remove the other times")
    return rules


def _parse_rule(written: str, *, is_event: bool) -> OpeningRule:
    entry, note = _note(written)
    if entry.lower() == "24/7":
        return OpeningRule("always", note=note)
    if match := _MONTHLY.match(entry):
        opens, closes = _times(match, written)
        return OpeningRule("monthly", (_day(match["day"]),), NTH[match["nth"].lower()], opens, closes, note)
    if match := _FORTNIGHTLY.match(entry):
        opens, closes = _times(match, written)
        return OpeningRule("fortnightly", (_day(match["day"]),), None, opens, closes, note)
    if match := _WEEKLY.match(entry):
        opens, closes = _times(match, written)
        return OpeningRule("weekly", _expand_days(match["days"]), None, opens, closes, note)
    if match := _EVENT.match(entry):
        if not is_event:
            raise ScheduleError(f"'{entry}' needs a day (like 'Mon 10:00-12:00'); times alone are for events")
        opens, closes = _times(match, written)
        return OpeningRule("event", (), None, opens, closes, note)
    if _COMMA_NOTE.match(entry):
        raise ScheduleError(f"'{entry}': put a note in brackets after the times, like "
                            "'Mon-Fri 09:00-17:00 (term time only)'")
    raise ScheduleError(
        f"'{entry}' is not an opening time we can read; write it like 'Mon-Fri 09:00-17:00', "
        "'1st Mon 19:00-21:00', 'Fortnightly Tue 13:30-15:30' or '24/7'"
    )


def written_form(rules: list[OpeningRule]) -> str:
    return "; ".join(rule.written() for rule in rules)
