"""Opening hours: open now, closing time, next opening, overnight and 24/7."""

from __future__ import annotations

import datetime as dt

import pytest

from cpr_bot.catalog.hours import WeeklyHours
from cpr_bot.errors import HoursError

from .conftest import CHICAGO


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time `day` days after Monday 2026-11-30."""
    monday = dt.datetime(2026, 11, 30, hour, minute, tzinfo=CHICAGO)
    return monday + dt.timedelta(days=day)


def test_open_in_the_morning_with_its_closing_time():
    status = WeeklyHours(["Mon-Fri 09:00-16:00"]).status(at(0, 10))
    assert status.open_now and status.change_at == at(0, 16)


def test_closed_on_friday_evening_opens_monday():
    status = WeeklyHours(["Mon-Fri 09:00-16:00"]).status(dt.datetime(2026, 12, 4, 17,
                                                                          tzinfo=CHICAGO))
    assert not status.open_now and status.change_at == dt.datetime(2026, 12, 7, 9, tzinfo=CHICAGO)


def test_overnight_shelter_is_open_after_midnight():
    status = WeeklyHours(["Mon-Sun 18:00-07:00"]).status(at(1, 2))
    assert status.open_now and status.change_at == at(1, 7)


def test_always_open():
    assert WeeklyHours(["24/7"]).status(at(0, 3)).always_open


@pytest.mark.parametrize("line", ["Mon-Fri 9am-5pm", "Someday 09:00-10:00", "Mon 25:00-26:00"])
def test_unreadable_hours_say_how_to_write_them(line):
    with pytest.raises(HoursError, match="Mon-Fri 09:00-17:00|bad time|unknown day"):
        WeeklyHours([line])
