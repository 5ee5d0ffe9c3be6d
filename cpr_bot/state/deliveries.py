"""Texts we send: one claim per text key so none goes out twice, Twilio's delivery reports
(never moving backwards), numbers that cannot get texts, and the development outbox."""

from __future__ import annotations

import datetime as dt
import json
import time

import redis

from . import keys

SENT_TTL = 7 * 24 * 3600
REPORT_TTL = 7 * 24 * 3600
# Later stages outrank earlier ones; a late "sent" never overwrites "delivered".
RANK = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2, "failed": 3,
        "undelivered": 3, "delivered": 4, "read": 5}
SENDING = "sending"
# Compare-and-set in one step, so two reports arriving together cannot undo each other.
_UPDATE = """
local old = redis.call('HGET', KEYS[1], 'rank')
if old and tonumber(old) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2], 'error', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class Deliveries:
    """What became of each text we sent or tried to send."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def claim(self, key: str) -> str | None:
        """Claim a text key before sending; the earlier outcome if it was claimed already.

        A claim still "sending" (its try stopped mid-send) reads as SENDING; sending_since
        tells when that try began.
        """
        if self.redis.set(keys.sent(key), f"{SENDING} {time.time():.3f}", nx=True, ex=SENT_TTL):
            return None
        earlier = self.redis.get(keys.sent(key))
        outcome = earlier.decode() if earlier else SENDING
        return SENDING if outcome.startswith(SENDING) else outcome

    def sending_since(self, key: str) -> float:
        """When the unfinished try of a text key began (0 if unknown)."""
        value = (self.redis.get(keys.sent(key)) or b"").decode().split()
        return float(value[1]) if len(value) == 2 and value[0] == SENDING else 0.0

    def retry_claim(self, key: str) -> None:
        """Start a new try of a text key an earlier try did not finish."""
        self.redis.set(keys.sent(key), f"{SENDING} {time.time():.3f}", ex=SENT_TTL)

    def settle(self, key: str, outcome: str) -> None:
        """Record how a claimed text ended: a message sid, outbox, opted_out, bad_number..."""
        self.redis.set(keys.sent(key), outcome, ex=SENT_TTL)

    def release(self, key: str) -> None:
        """Let a text key be sent again: Twilio did not take it, or a coordinator chose to."""
        self.redis.delete(keys.sent(key))

    def record_sent(self, sid: str, to: str, key: str) -> None:
        """Remember who a message went to, so its delivery report can be acted on."""
        name = keys.delivery(sid)
        self.redis.hset(name, mapping={"to": to, "key": key, "status": "queued", "rank": 0})
        self.redis.expire(name, REPORT_TTL)

    def record_status(self, sid: str, status: str, error: str) -> bool:
        """Store a delivery status unless a later one is already known."""
        rank = RANK.get(status)
        if rank is None:
            return False
        return bool(self.redis.eval(_UPDATE, 1, keys.delivery(sid), status, rank, error,
                                    REPORT_TTL))

    def status(self, sid: str) -> str | None:
        value = self.redis.hget(keys.delivery(sid), "status")
        return value.decode() if value else None

    def recipient(self, sid: str) -> str | None:
        """The number a message we sent went to."""
        value = self.redis.hget(keys.delivery(sid), "to")
        return value.decode() if value else None

    def mark_bad_number(self, to: str, code: int) -> None:
        self.redis.hset(keys.BAD_NUMBERS, to, code)

    def bad_number_code(self, to: str) -> str | None:
        """Twilio's error code for a number that cannot get texts, if it gave one."""
        value = self.redis.hget(keys.BAD_NUMBERS, to)
        return value.decode() if value else None

    def keep_in_outbox(self, to: str, body: str) -> None:
        record = {"to": to, "body": body, "at": dt.datetime.now(dt.timezone.utc).isoformat()}
        self.redis.rpush(keys.OUTBOX, json.dumps(record))

    def outbox(self, start: int = 0) -> list[dict]:
        """Texts kept in the development outbox, oldest first."""
        return [json.loads(raw) for raw in self.redis.lrange(keys.OUTBOX, start, -1)]
