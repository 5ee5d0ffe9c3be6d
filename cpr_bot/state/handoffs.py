"""Handoff records in Redis: each request by id and by its 4-digit code, the one a person has
open, the chat a person is in, and the chats each mentor has open.

States: requested -> offered -> accepted -> ended; or unanswered when nobody accepts, or
cancelled when the person opts out first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import redis

from . import keys

RECORD_TTL = 90 * 24 * 3600
OPEN = ("requested", "offered", "accepted")


@dataclass
class Handoff:
    """One person's request for a mentor."""

    id: str
    code: str
    person: str
    lang: str
    need: str
    zip: str
    area: str
    status: str = "requested"
    mentor: str = ""
    tried: str = ""  # comma-separated mentor numbers already offered
    created: float = 0.0

    @property
    def tried_list(self) -> list[str]:
        return [p for p in self.tried.split(",") if p]


class Handoffs:
    """Reads and writes handoff records; the desk decides what happens to them."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def get(self, handoff_id: str) -> Handoff | None:
        data = self.redis.hgetall(keys.handoff(handoff_id))
        if not data:
            return None
        text = {k.decode(): v.decode() for k, v in data.items()}
        text["created"] = float(text.get("created", 0))
        return Handoff(**text)

    def save(self, handoff: Handoff, pipe=None) -> None:
        target = pipe if pipe is not None else self.redis
        fields = {k: str(v) for k, v in handoff.__dict__.items()}
        target.hset(keys.handoff(handoff.id), mapping=fields)
        target.expire(keys.handoff(handoff.id), RECORD_TTL)

    def _by_pointer(self, key: str) -> Handoff | None:
        handoff_id = self.redis.get(key)
        return self.get(handoff_id.decode()) if handoff_id else None

    def by_code(self, code: str) -> Handoff | None:
        return self._by_pointer(keys.handoff_code(code))

    def open_for(self, person: str) -> Handoff | None:
        """The request a person has not finished yet, if any."""
        handoff = self._by_pointer(keys.open_handoff(person))
        return handoff if handoff and handoff.status in OPEN else None

    def chat_of(self, person: str) -> Handoff | None:
        """The accepted handoff a person is chatting in, if any."""
        handoff = self._by_pointer(keys.chat(person))
        return handoff if handoff and handoff.status == "accepted" else None

    def chats_of(self, mentor_phone: str) -> list[Handoff]:
        """The chats a mentor has open, oldest first."""
        ids = self.redis.smembers(keys.mentor_chats(mentor_phone))
        chats = [h for h in (self.get(i.decode()) for i in ids) if h and h.status == "accepted"]
        return sorted(chats, key=lambda h: h.created)

    def recent(self, limit: int = 50) -> list[Handoff]:
        ids = self.redis.zrevrange(keys.HANDOFFS, 0, limit - 1)
        return [h for h in (self.get(i.decode()) for i in ids) if h]

    def create(self, handoff: Handoff) -> Handoff:
        """Save a new request with a fresh code, as the person's open one."""
        code = f"{secrets.randbelow(9000) + 1000}"
        while not self.redis.set(keys.handoff_code(code), handoff.id, nx=True, ex=RECORD_TTL):
            code = f"{secrets.randbelow(9000) + 1000}"
        handoff.code = code
        with self.redis.pipeline() as pipe:
            self.save(handoff, pipe)
            pipe.set(keys.open_handoff(handoff.person), handoff.id, ex=RECORD_TTL)
            pipe.zadd(keys.HANDOFFS, {handoff.id: handoff.created})
            pipe.execute()
        return handoff

    def connect(self, handoff: Handoff) -> None:
        """Accepted: the person and the mentor are now in a chat."""
        handoff.status = "accepted"
        with self.redis.pipeline() as pipe:
            self.save(handoff, pipe)
            pipe.set(keys.chat(handoff.person), handoff.id, ex=RECORD_TTL)
            pipe.sadd(keys.mentor_chats(handoff.mentor), handoff.id)
            pipe.execute()

    def close(self, handoff: Handoff, status: str) -> None:
        """Ended, unanswered or cancelled: nothing is open for the person any more."""
        handoff.status = status
        with self.redis.pipeline() as pipe:
            self.save(handoff, pipe)
            pipe.delete(keys.chat(handoff.person), keys.open_handoff(handoff.person))
            if handoff.mentor:
                pipe.srem(keys.mentor_chats(handoff.mentor), handoff.id)
            pipe.execute()

    def reopen(self, handoff: Handoff) -> None:
        """Start a request over from the first mentor (a coordinator asked)."""
        handoff.status, handoff.mentor, handoff.tried = "requested", "", ""
        with self.redis.pipeline() as pipe:
            self.save(handoff, pipe)
            pipe.set(keys.open_handoff(handoff.person), handoff.id, ex=RECORD_TTL)
            pipe.execute()
