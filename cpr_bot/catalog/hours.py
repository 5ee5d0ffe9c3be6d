"""Opening hours, one grammar both ways: lines such as "Mon-Fri 09:00-17:00" or "24/7" are read
into a week of openings (open now? when does that change?) and written back from openings."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ..errors import HoursError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = [d.title() for d in DAYS]
ALWAYS = "24/7"
WEEK = 7 * 24 * 60
_ALWAYS_SPELLINGS = {"24/7", "24 hours", "always"}
_LINE = re.compile(
    r"^(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$"
)
# (weekday, "HH:MM" opens, "HH:MM" closes): the form openings are compared and written in.
Week = set[tuple[int, str, str]]


@dataclass(frozen=True)
class Interval:
    """One opening on one weekday; close <= open means it runs past midnight."""

    day: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Status:
    """Whether a place is open at a moment, and the next change."""

    open_now: bool
    change_at: datetime | None  # closing time when open, next opening when closed
    always_open: bool = False


def is_always(line: str) -> bool:
    """Whether a line says the place never closes ("24/7")."""
    return str(line).strip().lower() in _ALWAYS_SPELLINGS


def _parse_time(text: str, line: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(23, 59)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise HoursError(f"bad time {text!r} in {line!r}")
    return time(hours, minutes)


def _parse_days(text: str, line: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*,\s*", text.lower()):
        ends = re.split(r"\s*-\s*", part)
        if len(ends) > 2:
            raise HoursError(f"unknown day in {line!r}: use Mon Tue Wed Thu Fri Sat Sun")
        try:
            first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        except ValueError:
            raise HoursError(f"unknown day in {line!r}: use Mon Tue Wed Thu Fri Sat Sun") from None
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return sorted(set(days))


def parse_line(line: str) -> tuple[list[int], time, time]:
    """One line other than 24/7 as (weekdays, opens, closes); HoursError if it cannot be read."""
    text = str(line).strip()
    match = _LINE.match(text)
    if not match:
        raise HoursError(f"cannot read hours {text!r}: write e.g. 'Mon-Fri 09:00-17:00' or '24/7'")
    return (_parse_days(match["days"], text), _parse_time(match["open"], text),
            _parse_time(match["close"], text))


def week_of(rows: Iterable[tuple[Iterable[int], str, str]]) -> Week:
    """Openings as a set, with every spelling of "always open" made the same."""
    found: Week = set()
    for days, opens, closes in rows:
        closes = "23:59" if closes == "24:00" else closes
        if opens == "00:00" and closes == "00:00":
            closes = "23:59"
        found.update((day, opens, closes) for day in days)
    return found


def week(lines: Iterable[str]) -> Week:
    """The openings hours lines describe; lines that cannot be read are left out."""
    rows: list[tuple[Iterable[int], str, str]] = []
    for line in lines:
        if is_always(line):
            rows.append((range(7), "00:00", "23:59"))
            continue
        try:
            days, opens, closes = parse_line(line)
        except HoursError:
            continue
        rows.append((days, f"{opens:%H:%M}", f"{closes:%H:%M}"))
    return week_of(rows)


def _day_ranges(days: Iterable[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ",".join(parts)


def format_lines(openings: Week) -> list[str]:
    """Hours lines for a set of openings, days with the same times on one line."""
    by_time: dict[tuple[str, str], list[int]] = {}
    for day, opens, closes in openings:
        by_time.setdefault((opens, closes), []).append(day)
    if list(by_time) == [("00:00", "23:59")] and len(set(by_time[("00:00", "23:59")])) == 7:
        return [ALWAYS]
    lines = sorted((min(days), opens, f"{_day_ranges(days)} {opens}-{closes}")
                   for (opens, closes), days in by_time.items())
    return [line for _, _, line in lines]


class WeeklyHours:
    """A week of openings parsed from lines such as "Mon-Fri 09:00-17:00"."""

    def __init__(self, lines: list[str]):
        self.always_open = False
        self.intervals: list[Interval] = []
        for line in lines:
            if is_always(line):
                self.always_open = True
                continue
            days, opens, closes = parse_line(line)
            self.intervals.extend(Interval(day, opens, closes) for day in days)
        self._starts, self._ends = self._week_minutes()

    def _week_minutes(self) -> tuple[list[int], list[int]]:
        """Openings as sorted, merged minute ranges of the week, for a fast open-now test."""
        ranges = []
        for i in self.intervals:
            start = i.day * 1440 + i.opens.hour * 60 + i.opens.minute
            end = i.day * 1440 + i.closes.hour * 60 + i.closes.minute
            if end <= start:
                end += 1440
            if end > WEEK:  # Sunday night into Monday morning
                ranges += [(start, WEEK), (0, end - WEEK)]
            else:
                ranges.append((start, end))
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [m[0] for m in merged], [m[1] for m in merged]

    def is_open(self, now: datetime) -> bool:
        """Whether the place is open at now; cheap enough to ask of every candidate."""
        if self.always_open:
            return True
        minute = now.weekday() * 1440 + now.hour * 60 + now.minute
        index = bisect.bisect_right(self._starts, minute) - 1
        return index >= 0 and minute < self._ends[index]

    def _spans(self, around: datetime):
        """Yield (start, end) datetimes of openings from yesterday to a week ahead."""
        base = around.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(-1, 8):
            day = base + timedelta(days=offset)
            for interval in self.intervals:
                if interval.day != day.weekday():
                    continue
                start = datetime.combine(day.date(), interval.opens, tzinfo=around.tzinfo)
                end = datetime.combine(day.date(), interval.closes, tzinfo=around.tzinfo)
                if end <= start:
                    end += timedelta(days=1)
                yield start, end

    def status(self, now: datetime) -> Status:
        """Open or closed at now (a timezone-aware local time), with the next change."""
        if self.always_open:
            return Status(True, None, always_open=True)
        spans = sorted(self._spans(now))
        for start, end in spans:
            if start <= now < end:
                # Adjacent spans (e.g. overnight then morning) merge into one opening.
                for next_start, next_end in spans:
                    if next_start <= end < next_end:
                        end = next_end
                return Status(True, end)
        upcoming = [start for start, _ in spans if start > now]
        return Status(False, min(upcoming) if upcoming else None)
