"""Parse weekly opening hours ("Mon-Fri 09:00-17:00", "24/7") and say whether a place is open."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEK = 7 * 24 * 60
_RULE = re.compile(
    r"^(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$"
)


class HoursError(ValueError):
    """An hours line that cannot be read; the message shows the expected form."""


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
        try:
            first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        except ValueError:
            raise HoursError(f"unknown day in {line!r}: use Mon Tue Wed Thu Fri Sat Sun") from None
        span = (last - first) % 7
        days.extend((first + i) % 7 for i in range(span + 1))
    return days


class WeeklyHours:
    """A week of openings parsed from lines such as "Mon-Fri 09:00-17:00"."""

    def __init__(self, lines: list[str]):
        self.always_open = False
        self.intervals: list[Interval] = []
        for raw in lines:
            line = str(raw).strip()
            if line.lower() in {"24/7", "24 hours", "always"}:
                self.always_open = True
                continue
            match = _RULE.match(line)
            if not match:
                raise HoursError(
                    f"cannot read hours {line!r}: write e.g. 'Mon-Fri 09:00-17:00' or '24/7'"
                )
            opens = _parse_time(match["open"], line)
            closes = _parse_time(match["close"], line)
            for day in _parse_days(match["days"], line):
                self.intervals.append(Interval(day, opens, closes))
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
