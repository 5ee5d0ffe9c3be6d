"""Check-ins after a referral or handoff, and what people answer, per resource."""

from __future__ import annotations

import redis

from . import keys

ANSWER_WINDOW = 7 * 24 * 3600
ANSWERS = {"1": "helped", "2": "closed_or_wrong_number", "3": "turned_away_for_record"}
# Take the pending question and count its answer in one step: two answers sent at once (or
# one delivered twice) count once.
_RECORD = """
local resource = redis.call('GET', KEYS[1])
if not resource then return false end
redis.call('DEL', KEYS[1])
redis.call('HINCRBY', ARGV[1] .. resource, ARGV[2], 1)
if ARGV[3] == '1' then redis.call('SADD', KEYS[2], resource) end
return resource
"""


class FollowUps:
    """Remembers who was asked about which resource, and counts the answers."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def expect_answer(self, person: str, resource_id: str) -> None:
        self.redis.set(keys.follow_up(person), resource_id, ex=ANSWER_WINDOW)

    def pending(self, person: str, reader=None) -> str | None:
        value = (reader or self.redis).get(keys.follow_up(person))
        return value.decode() if value else None

    def record(self, person: str, answer: str) -> str | None:
        """Count an answer (1, 2 or 3); a 2 marks the resource for re-verification."""
        if answer not in ANSWERS:
            return None
        resource_id = self.redis.eval(_RECORD, 2, keys.follow_up(person), keys.REVERIFY,
                                      keys.feedback(""), ANSWERS[answer],
                                      "1" if answer == "2" else "0")
        return resource_id.decode() if resource_id else None

    def report(self) -> dict[str, dict[str, int]]:
        """Answers per resource, for coordinators."""
        out = {}
        for key in self.redis.scan_iter(keys.FEEDBACK_PATTERN):
            resource_id = keys.strip(key, keys.FEEDBACK_PATTERN)
            out[resource_id] = {k.decode(): int(v) for k, v in self.redis.hgetall(key).items()}
        return out

    def to_reverify(self) -> list[str]:
        return sorted(m.decode() for m in self.redis.smembers(keys.REVERIFY))
