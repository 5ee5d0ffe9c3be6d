"""The mentor roster in Redis: who volunteers, in which languages, areas, needs and hours."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import redis

from .. import phones
from ..catalog.hours import WeeklyHours
from ..catalog.model import CATEGORIES
from ..errors import HoursError, PhoneError, RosterError
from . import keys

# Volunteers are not texted in the middle of the night unless they say so.
DEFAULT_HOURS = "Mon-Sun 08:00-21:00"


@dataclass
class Mentor:
    """One volunteer who can be offered a person to text with."""

    name: str
    phone: str
    languages: list[str] = field(default_factory=lambda: ["en"])
    areas: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    hours: str = DEFAULT_HOURS
    active: bool = True

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def on_duty(self, now: dt.datetime) -> bool:
        return self.active and WeeklyHours(self.hours.split(";")).is_open(now)

    def to_hash(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "languages": ",".join(self.languages),
                "areas": ",".join(self.areas), "specialties": ",".join(self.specialties),
                "hours": self.hours, "active": "1" if self.active else "0"}

    @classmethod
    def from_hash(cls, data: dict[bytes, bytes]) -> Mentor:
        text = {k.decode(): v.decode() for k, v in data.items()}

        def split(key: str) -> list[str]:
            return [p for p in text.get(key, "").split(",") if p]

        return cls(text["name"], text["phone"], split("languages"), split("areas"),
                   split("specialties"), text.get("hours") or DEFAULT_HOURS,
                   text.get("active") == "1")


def make_mentor(name: str, phone: str, languages: str = "en", areas: str = "",
                specialties: str = "", hours: str = DEFAULT_HOURS) -> Mentor:
    """A checked Mentor from command-line style text."""
    if not name.strip():
        raise RosterError("a mentor needs a name")
    langs = [p.strip().lower() for p in languages.split(",") if p.strip()]
    if not langs or any(lang not in ("en", "es") for lang in langs):
        raise RosterError(f"languages must be en and/or es: {languages!r}")
    needs = [p.strip() for p in specialties.split(",") if p.strip()]
    unknown = [n for n in needs if n not in CATEGORIES]
    if unknown:
        raise RosterError(f"unknown specialties {unknown}: use {', '.join(CATEGORIES)}")
    try:
        WeeklyHours(hours.split(";"))
    except HoursError as exc:
        raise RosterError(str(exc)) from None
    areas_list = [p.strip() for p in areas.split(",") if p.strip()]
    try:
        number = phones.e164(phone)
    except PhoneError as exc:
        raise RosterError(f"{exc}: a mentor needs a US number that can get texts") from None
    return Mentor(name.strip(), number, langs, areas_list, needs, hours)


# Every text asks whether its sender is a mentor: the numbers are kept this long in each
# process. A change made in this process is seen at once; one made elsewhere within this.
ROSTER_CACHE_SECONDS = 2.0
_changes = [0]  # roster changes made in this process


class Roster:
    """Mentors stored in Redis, one hash each, plus the set of their numbers."""

    def __init__(self, client: redis.Redis):
        self.redis = client
        self._numbers: set[str] = set()
        self._fresh_until = 0.0
        self._seen_change = -1

    def _roster_numbers(self) -> set[str]:
        if time.monotonic() >= self._fresh_until or _changes[0] != self._seen_change:
            self._seen_change = _changes[0]
            self._numbers = {p.decode() for p in self.redis.smembers(keys.ROSTER)}
            self._fresh_until = time.monotonic() + ROSTER_CACHE_SECONDS
        return self._numbers

    def save(self, mentor: Mentor) -> None:
        with self.redis.pipeline() as pipe:
            pipe.hset(keys.mentor(mentor.phone), mapping=mentor.to_hash())
            pipe.sadd(keys.ROSTER, mentor.phone)
            pipe.execute()
        _changes[0] += 1

    def get(self, phone: str) -> Mentor | None:
        data = self.redis.hgetall(keys.mentor(phone))
        return Mentor.from_hash(data) if data else None

    def all(self) -> list[Mentor]:
        mentors = [self.get(p.decode()) for p in self.redis.smembers(keys.ROSTER)]
        return sorted((m for m in mentors if m), key=lambda m: m.name)

    def set_active(self, phone: str, active: bool) -> bool:
        if not self.redis.sismember(keys.ROSTER, phone):
            return False
        self.redis.hset(keys.mentor(phone), "active", "1" if active else "0")
        return True

    def remove(self, phone: str) -> bool:
        with self.redis.pipeline() as pipe:
            pipe.delete(keys.mentor(phone))
            pipe.srem(keys.ROSTER, phone)
            removed = bool(pipe.execute()[1])
        _changes[0] += 1
        return removed

    def is_mentor(self, phone: str) -> bool:
        return phone in self._roster_numbers()

    def has_mentors(self) -> bool:
        """Whether anyone is on the roster at all."""
        return bool(self._roster_numbers())

    def candidates(self, lang: str, need: str, zip_code: str, area: str, now: dt.datetime,
                   tried: list[str], open_chats=lambda phone: 0) -> list[Mentor]:
        """On-duty mentors who speak the person's language, best match first: their area,
        then their specialty, then whoever has the fewest chats open."""

        def rank(mentor: Mentor) -> tuple[int, int, int, str]:
            places = {a.lower() for a in mentor.areas}
            near = not places or zip_code in places or area.lower() in places
            return (0 if near else 1, 0 if need in mentor.specialties else 1,
                    open_chats(mentor.phone), mentor.name)

        fit = [m for m in self.all() if m.phone not in tried and lang in m.languages
               and m.on_duty(now)]
        return sorted(fit, key=rank)
