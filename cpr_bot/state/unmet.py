"""Needs that found nothing, counted by need and ZIP: where the catalog should grow next."""

from __future__ import annotations

import redis

from . import keys

KEEP = 400 * 24 * 3600  # a year of counts, and a little more


class UnmetNeeds:
    """Counts searches that found no place, per need and area."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def count(self, pipe, need: str, area: str) -> None:
        """Add one, as part of the caller's transaction."""
        key = keys.unmet(need, area)
        pipe.incr(key)
        pipe.expire(key, KEEP)

    def report(self) -> dict[tuple[str, str], int]:
        """How often each need went unanswered in each area, for coordinators."""
        counts = {}
        for key in self.redis.scan_iter(keys.UNMET_PATTERN):
            category, area = keys.strip(key, keys.UNMET_PATTERN).split(":", 1)
            counts[(category, area)] = int(self.redis.get(key) or 0)
        return counts
