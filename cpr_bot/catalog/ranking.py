"""Rank a category's services for a person: those that can help them now first, then nearest.

Each service gets a score in miles: its distance, plus "penalty miles" (closed now, no phone,
no street address, details to confirm), minus a bonus when it has what the person asked for
or is meant for people like them. Fit comes before distance: a service of another kind than
the one asked for ranks a whole tier lower (or is left out when it cannot stand in), one
closed now two tiers lower, and one that cannot take this person (referral only, a waiting
list, for veterans, families or people with HIV only, no pets, insurance or self-pay for one
who cannot pay) three; both carry the reason. Services for the other sex, or that refuse
people on the registry when the person is on it, are left out.

Each category keeps its services in a grid of about two-mile cells, so a query looks at the
cells near the person and stops as soon as nothing farther out could make the page.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from .model import CLOSED_ACCESS, Kind
from .places import Place, miles_between

if TYPE_CHECKING:
    from .model import Service

# Services with no street location (hotlines, statewide programs) rank as if this far away.
UNLOCATED_MILES = 8.0
# A closed door costs a trip: prefer open places unless much farther away.
CLOSED_PENALTY = 3.0
UNKNOWN_HOURS_PENALTY = 1.5
# Without a phone a person cannot check before going: worth a long bus ride to avoid.
NO_PHONE_PENALTY = 5.0
# A place with what the person asked for ("no ID needed") ranks as if this much closer,
# and so does one meant for people like them (a youth shelter for a 20-year-old).
WANTED_BONUS = 4.0
MADE_FOR_BONUS = 4.0
# Farther than any two places in the county: a lower tier never outranks a higher one.
TIER_MILES = 1000.0
# A kind's stand-ins are listed best first: 24/7 crisis care before a residential program
# for "detox now", by this many miles a place down the list.
STAND_IN_STEP = 10.0
# Ages below and above which a service is for young or older people only, not everyone.
YOUTH_MAX_AGE, SENIOR_MIN_AGE = 30, 50
SENIOR_AGE = 60  # "seniors or people with a disability", as ClasTran and others put it
CELL_DEGREES = 0.03  # about two miles of latitude
MILES_PER_DEGREE = 69.09
SEXES = {"men_only": "men", "women_only": "women"}
CANNOT_PAY = frozenset({"free", "serves_uninsured"})  # "no money", "no insurance", "cheap"
NOT_FOR_THEM = 3  # the tier of a service that cannot take this person, open or not
OPEN_NOW = "open_now"  # asked with the need: "anywhere open tonight?"


@dataclass(frozen=True)
class Seeker:
    """What the person asked for and said about themselves, as far as ranking needs it.

    kinds: service kinds asked for ("bed tonight" is emergency_bed); facts: what they said
    about themselves (men_only, women_only, families, veteran, registry, pets, no_id, hiv,
    abuse_survivors, age:NN); prefer: attributes they want a place to have (walk_in, free,
    records_ok, no_id_needed).
    """

    kinds: frozenset[str] = frozenset()
    facts: frozenset[str] = frozenset()
    prefer: frozenset[str] = frozenset()
    stand_ins: tuple[str, ...] = ()  # kinds that may stand in for those asked, best first

    def within(self, kind_ids: frozenset[str], kinds: dict[str, Kind]) -> Seeker:
        """The request as one need's list sees it: only its kinds, with their stand-ins."""
        asked = self.kinds & kind_ids
        stand_ins = tuple(dict.fromkeys(n for a in sorted(asked) for n in kinds[a].near
                                        if n not in asked))
        return Seeker(asked, self.facts, self.prefer, stand_ins)

    @cached_property
    def sex(self) -> str:
        said = [SEXES[f] for f in self.facts if f in SEXES]
        return said[0] if len(said) == 1 else ""

    @cached_property
    def age(self) -> int | None:
        ages = [int(f[4:]) for f in self.facts if f.startswith("age:")]
        return ages[0] if ages else None


@dataclass(frozen=True)
class Match:
    """A ranked service, why it cannot take this person now (None when it can), its tier
    (0 what was asked, 1 what may stand in, 2 closed now, 3 not for this person) and its
    score in miles."""

    service: Service
    barrier: str | None = None
    tier: int = 0
    score: float = 0.0


def excluded(service: Service, seeker: Seeker, near: Place | None) -> bool:
    """Whether the service must not be offered at all: wrong sex, registry, outside its area."""
    rules = service.eligibility
    if rules.sex and seeker.sex and rules.sex != seeker.sex:
        return True
    if rules.registry == "refused" and "registry" in seeker.facts:
        return True
    return not service.serves_place(near)


def barrier(service: Service, kind: Kind, seeker: Seeker, now: dt.datetime) -> str | None:
    """Why this person cannot use the service now, or None when they can."""
    rules, facts, age = service.eligibility, seeker.facts, seeker.age
    if kind.waitlist and kind.id not in seeker.kinds:
        return "waitlist"
    if service.access in CLOSED_ACCESS:
        return service.access
    if rules.veterans_only and "veteran" not in facts:
        return "veterans"
    if rules.families == "only" and "families" not in facts:
        return "families"
    if rules.families == "no" and "families" in facts:
        return "no_children"
    if rules.max_age is not None and (age is None and rules.max_age < YOUTH_MAX_AGE
                                      or age is not None and age > rules.max_age):
        return "ages"
    if rules.min_age is not None and (age is None and rules.min_age >= SENIOR_MIN_AGE
                                      or age is not None and age < rules.min_age):
        return "ages"
    if rules.only_for and not (rules.only_for in facts or rules.only_for == "seniors_or_disability"
                               and ("disability" in facts or (age or 0) >= SENIOR_AGE)):
        return rules.only_for
    if rules.pets == "not_allowed" and "pets" in facts:
        return "no_pets"
    if rules.id_required and "no_id" in facts:
        return "id_required"
    if rules.cost == "private_pay" and seeker.prefer & CANNOT_PAY:
        return "private_pay"
    if service.hours is not None and not service.hours.is_open(now):
        return "closed"
    return None


def made_for(service: Service, seeker: Seeker) -> bool:
    """Whether the service is meant for someone like this person: a youth shelter for a
    20-year-old, a family shelter for a mother with children, the VA for a veteran."""
    rules, facts, age = service.eligibility, seeker.facts, seeker.age
    young = rules.max_age is not None and rules.max_age < YOUTH_MAX_AGE
    # A men's shelter is made for a man, not for a man with his children beside him.
    with_own_sex = rules.sex == seeker.sex and (
        rules.families in ("only", "welcome") or "families" not in facts)
    return bool(
        (rules.sex and with_own_sex)
        or (rules.families == "only" and "families" in facts)
        or (rules.veterans_only and "veteran" in facts)
        or (young and age is not None and age <= rules.max_age)
        or (rules.only_for and rules.only_for in facts))


def tier(kind: Kind, blocked: str | None, seeker: Seeker, meant: bool = False) -> int | None:
    """0: the kind asked for (or a main kind, or one meant for people like them); 1: a kind
    that may stand in; 2: closed now; 3: not for this person (referral only, veterans only...);
    None: a kind that does not answer what was asked ("a meeting" is no rehab)."""
    if seeker.kinds:
        if kind.id in seeker.kinds:
            wanted = True
        elif kind.id in seeker.stand_ins:
            wanted = False
        else:
            return None
    else:
        wanted = meant or not kind.secondary  # HIV care for a person with HIV
    if blocked:
        return 2 if blocked == "closed" else NOT_FOR_THEM
    return 0 if wanted else 1


def static_penalty(service: Service) -> float:
    """Penalty miles known at load: no phone, no street address, details to confirm."""
    penalty = 0.0 if service.phone else NO_PHONE_PENALTY
    penalty += 0.0 if service.address else 1.0
    return penalty + (0.5 if service.confirm_first else 0.0)


def status_penalty(service: Service, now: dt.datetime, open_asked: bool = False) -> float:
    """Penalty miles for being closed now, or for hours nobody has confirmed (as much as
    closed when the person asked what is open now)."""
    if service.hours is None:
        return CLOSED_PENALTY if open_asked else UNKNOWN_HOURS_PENALTY
    return 0.0 if service.hours.is_open(now) else CLOSED_PENALTY


def score(service: Service, kind: Kind, miles: float, seeker: Seeker, now: dt.datetime,
          static: float | None = None) -> Match | None:
    """A service's score in miles for this person (lower is better), with its tier and
    barrier; None when its kind does not answer what was asked."""
    blocked = barrier(service, kind, seeker, now)
    meant = not blocked and made_for(service, seeker)
    level = tier(kind, blocked, seeker, meant)
    if level is None:
        return None
    static = static_penalty(service) if static is None else static
    total = level * TIER_MILES + miles + static + status_penalty(
        service, now, OPEN_NOW in seeker.prefer)
    if level == 1 and kind.id in seeker.stand_ins:
        total += STAND_IN_STEP * seeker.stand_ins.index(kind.id)
    if seeker.prefer & service.attributes:
        total -= WANTED_BONUS
    # A shelter that takes children beside their parent is not made for families, but fits.
    takes_children = service.eligibility.families == "welcome" and "families" in seeker.facts
    if meant or (takes_children and not blocked):
        total -= MADE_FOR_BONUS
    return Match(service, blocked, level, total)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEGREES)), int(math.floor(lon / CELL_DEGREES))


Members = list[tuple[float, "Service"]]  # (static penalty, service), best first


class CategoryIndex:
    """One category's services by grid cell, then by location, best static penalty first."""

    def __init__(self, services: Iterable[Service], kinds: dict[str, Kind], category: str):
        self.kinds = kinds
        self.kind_ids = frozenset(k.id for k in kinds.values() if k.category == category)
        places: dict[tuple[float, float], Members] = defaultdict(list)
        self.everywhere: Members = []  # every service, for "anywhere in the county"
        self.unlocated: Members = []
        for service in services:
            item = (static_penalty(service), service)
            self.everywhere.append(item)
            if service.location is None:
                self.unlocated.append(item)
            else:
                places[(service.location.lat, service.location.lon)].append(item)
        self.cells: dict[tuple[int, int], list[tuple[float, float, Members]]] = defaultdict(list)
        for (lat, lon), members in places.items():
            members.sort(key=_static_order)
            self.cells[_cell(lat, lon)].append((lat, lon, members))
        self.everywhere.sort(key=_static_order)
        self.unlocated.sort(key=_static_order)

    def _rings(self, near: Place):
        """Occupied cells around near, ring by ring, with the least distance into each ring."""
        row, col = _cell(near.lat, near.lon)
        cell_miles = CELL_DEGREES * MILES_PER_DEGREE * math.cos(math.radians(near.lat))
        unvisited = set(self.cells)
        radius = 0
        while unvisited:
            found = [c for c in _ring(row, col, radius) if c in unvisited]
            unvisited.difference_update(found)
            yield max(0.0, (radius - 1) * cell_miles), found
            radius += 1

    def rank(self, near: Place | None, now: dt.datetime, limit: int, skip: int,
             seeker: Seeker) -> list[Match]:
        """The page of services from rank skip to skip+limit.

        When the person has not said their sex and the first page would hold only services
        for one sex, the best service for anyone else takes its last place, so a woman asking
        for a bed tonight is not shown only men's shelters.
        """
        # Kinds asked for in another need ("a ride to the pantry") do not narrow this one.
        seeker = seeker.within(self.kind_ids, self.kinds)
        ranked = self._best(near, now, skip + limit + 1, seeker)
        page_sexes = {m.service.eligibility.sex for m in ranked[:limit]}
        if not seeker.sex and len(page_sexes) == 1 and "" not in page_sexes:
            other = "women_only" if page_sexes == {"men"} else "men_only"
            for_others = Seeker(seeker.kinds, seeker.facts | {other}, seeker.prefer,
                                seeker.stand_ins)
            best_other = self._best(near, now, 1, for_others)
            if best_other and best_other[0] not in ranked[:limit]:
                rest = [m for m in ranked[limit - 1:] if m.service is not best_other[0].service]
                ranked = [*ranked[:limit - 1], best_other[0], *rest]
        return ranked[skip:skip + limit]

    def _best(self, near: Place | None, now: dt.datetime, wanted: int, seeker: Seeker
              ) -> list[Match]:
        """The best `wanted` services, scored exactly.

        A place is skipped only when its distance and static penalty alone already lose to
        the page's worst score so far. Ties go to the lower static penalty, then the name,
        which is also the order each list is scanned in.
        """
        bonus = (WANTED_BONUS if seeker.prefer else 0.0) + (MADE_FOR_BONUS if seeker.facts else 0.0)
        worst_kept: list[float] = []  # max-heap (negated) of the best `wanted` scores
        scored: list[tuple[float, float, str, Match]] = []

        def cutoff() -> float:
            return -worst_kept[0] if len(worst_kept) >= wanted else math.inf

        def consider(miles: float, members: Members, ties_lose: bool) -> None:
            for static, service in members:
                base, limit = miles + static - bonus, cutoff()
                if base > limit or (ties_lose and base == limit):
                    break  # sorted by static penalty: the rest can only score worse
                match = None if excluded(service, seeker, near) else score(
                    service, self.kinds[service.kind], miles, seeker, now, static)
                if match is None:
                    continue
                scored.append((match.score, static, service.name, match))
                heapq.heappush(worst_kept, -match.score)
                if len(worst_kept) > wanted:
                    heapq.heappop(worst_kept)

        if near is None:
            # One list, scanned in tie-break order: an equal score later on cannot win.
            consider(0.0, self.everywhere, ties_lose=True)
        else:
            consider(UNLOCATED_MILES, self.unlocated, ties_lose=False)
            for least, cells in self._rings(near):
                if least - bonus > cutoff():
                    break
                for cell in cells:
                    for lat, lon, members in self.cells[cell]:
                        miles = miles_between(near.lat, near.lon, lat, lon)
                        consider(miles, members, ties_lose=False)
        scored.sort(key=lambda item: item[:3])
        return [match for *_, match in scored[:wanted]]


def _static_order(item: tuple[float, Service]) -> tuple[float, str]:
    return item[0], item[1].name


def _ring(row: int, col: int, radius: int) -> list[tuple[int, int]]:
    """The cells exactly radius steps (in rows or columns) from (row, col)."""
    if radius == 0:
        return [(row, col)]
    span = range(-radius, radius + 1)
    return ([(row - radius, col + d) for d in span] + [(row + radius, col + d) for d in span]
            + [(row + d, col - radius) for d in span[1:-1]]
            + [(row + d, col + radius) for d in span[1:-1]])
