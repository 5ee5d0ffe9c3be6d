"""Rank a category's resources for a person: nearest first, open ones first, wanted ones first.

Each category keeps its resources in a grid of about two-mile cells, so a query looks at the
cells near the person and stops as soon as nothing farther out could make the page. The score
of a resource is its distance in miles plus "penalty miles" (closed now, no phone, no street
address, details to confirm) minus a bonus when it has what the person asked for.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .places import Place, miles_between

if TYPE_CHECKING:
    from .model import Resource

# Services with no street location (hotlines) rank as if this many miles away.
UNLOCATED_MILES = 8.0
# A closed door costs a trip: prefer open places unless much farther away.
CLOSED_PENALTY = 3.0
UNKNOWN_HOURS_PENALTY = 1.5
# A place with what the person asked for ("no ID needed") ranks as if this much closer.
WANTED_BONUS = 4.0
OPPOSITE = {"women_only": "men_only", "men_only": "women_only"}
CELL_DEGREES = 0.03  # about two miles of latitude
MILES_PER_DEGREE = 69.09


def static_penalty(resource: Resource) -> float:
    """Penalty miles known at load: no phone, no street address, details to confirm."""
    penalty = 0.0 if resource.phone else 2.0
    penalty += 0.0 if resource.address else 1.0
    return penalty + (0.5 if resource.confirm_first else 0.0)


def status_penalty(resource: Resource, now: dt.datetime) -> float:
    """Penalty miles for being closed now, or for hours nobody has confirmed."""
    if resource.hours is None:
        return UNKNOWN_HOURS_PENALTY
    return 0.0 if resource.hours.is_open(now) else CLOSED_PENALTY


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEGREES)), int(math.floor(lon / CELL_DEGREES))


Members = list[tuple[float, "Resource"]]  # (static penalty, resource), best first


class CategoryIndex:
    """One category's resources by grid cell, then by location, best static penalty first."""

    def __init__(self, resources: Iterable[Resource]):
        places: dict[tuple[float, float], Members] = defaultdict(list)
        self.everywhere: Members = []  # every resource, for "anywhere in the county"
        self.unlocated: Members = []
        for resource in resources:
            item = (static_penalty(resource), resource)
            self.everywhere.append(item)
            if resource.location is None:
                self.unlocated.append(item)
            else:
                places[(resource.location.lat, resource.location.lon)].append(item)
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
            ring = [(row + dr, col + dc) for dr in range(-radius, radius + 1)
                    for dc in range(-radius, radius + 1) if max(abs(dr), abs(dc)) == radius]
            found = [c for c in ring if c in unvisited]
            unvisited.difference_update(found)
            yield max(0.0, (radius - 1) * cell_miles), found
            radius += 1

    def rank(self, near: Place | None, now: dt.datetime, limit: int, skip: int,
             wants: tuple[str, ...]) -> list[Resource]:
        """The page of resources from rank skip to skip+limit.

        Scores are exact; a place is skipped only when its distance and static penalty
        alone already lose to the page's worst score so far. Ties go to the lower static
        penalty, then the name, which is also the order each list is scanned in.
        """
        excluded = {OPPOSITE[w] for w in wants if w in OPPOSITE}
        bonus_for = [w for w in wants if w not in OPPOSITE]
        bonus = WANTED_BONUS if bonus_for else 0.0
        wanted = skip + limit
        worst_kept: list[float] = []  # max-heap (negated) of the best `wanted` scores
        scored: list[tuple[float, float, str, Resource]] = []

        def cutoff() -> float:
            return -worst_kept[0] if len(worst_kept) >= wanted else math.inf

        def consider(miles: float, members: Members, ties_lose: bool) -> None:
            for static, resource in members:
                base, limit = miles + static - bonus, cutoff()
                if base > limit or (ties_lose and base == limit):
                    break  # sorted by static penalty: the rest can only score worse
                if excluded.intersection(resource.attributes) or not resource.serves_place(near):
                    continue
                score = miles + static + status_penalty(resource, now)
                if bonus and any(w in resource.attributes for w in bonus_for):
                    score -= bonus
                scored.append((score, static, resource.name, resource))
                heapq.heappush(worst_kept, -score)
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
        return [item[3] for item in scored[skip:wanted]]


def _static_order(item: tuple[float, Resource]) -> tuple[float, str]:
    return item[0], item[1].name
