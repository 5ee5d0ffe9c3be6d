"""Check-ins after a referral or handoff, and what people answer, per resource."""

from __future__ import annotations

import redis

from . import keys

ANSWER_WINDOW = 7 * 24 * 3600
ANSWERS = {"1": "helped", "2": "closed_or_wrong_number", "3": "turned_away_for_record"}


class FollowUps:
    """Remembers who was asked about which resource, and counts the answers."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def expect_answer(self, person: str, resource_id: str) -> None:
        self.redis.set(keys.follow_up(person), resource_id, ex=ANSWER_WINDOW)

    def pending(self, person: str) -> str | None:
        value = self.redis.get(keys.follow_up(person))
        return value.decode() if value else None

    def record(self, person: str, answer: str) -> str | None:
        """Count an answer (1, 2 or 3); a 2 marks the resource for re-verification."""
        resource_id = self.pending(person)
        if resource_id is None or answer not in ANSWERS:
            return None
        with self.redis.pipeline() as pipe:
            pipe.hincrby(keys.feedback(resource_id), ANSWERS[answer], 1)
            if answer == "2":
                pipe.sadd(keys.REVERIFY, resource_id)
            pipe.delete(keys.follow_up(person))
            pipe.execute()
        return resource_id

    def report(self) -> dict[str, dict[str, int]]:
        """Answers per resource, for coordinators."""
        out = {}
        for key in self.redis.scan_iter(keys.FEEDBACK_PATTERN):
            resource_id = keys.strip(key, keys.FEEDBACK_PATTERN)
            out[resource_id] = {k.decode(): int(v) for k, v in self.redis.hgetall(key).items()}
        return out

    def to_reverify(self) -> list[str]:
        return sorted(m.decode() for m in self.redis.smembers(keys.REVERIFY))
