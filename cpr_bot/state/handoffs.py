"""Handoff records in Redis: each request by id and by its 4-digit code, the one a person has
open, the chat a person is in, and the chats each mentor has open.

States: requested -> offered -> accepted -> ended; or unanswered when nobody accepts, or
cancelled when the person opts out first. Every change is a compare-and-set (WATCH/MULTI), so
a mentor's ACCEPT and an offer's timeout, arriving together, cannot undo each other.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import redis

from . import keys

RECORD_TTL = 90 * 24 * 3600
OPEN = ("requested", "offered", "accepted")
OFFERING = ("requested", "offered")


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
    tried: str = ""  # comma-separated mentor numbers offered in this round
    created: float = 0.0
    rounds: int = 0  # times a coordinator started the offers over

    @property
    def tried_list(self) -> list[str]:
        return [p for p in self.tried.split(",") if p]


def _parse(data: dict[bytes, bytes]) -> Handoff | None:
    if not data:
        return None
    text = {k.decode(): v.decode() for k, v in data.items()}
    return Handoff(**{**text, "created": float(text.get("created", 0)),
                      "rounds": int(text.get("rounds", 0))})


class Handoffs:
    """Reads and writes handoff records; the desk decides what happens to them."""

    def __init__(self, client: redis.Redis):
        self.redis = client

    def get(self, handoff_id: str) -> Handoff | None:
        return _parse(self.redis.hgetall(keys.handoff(handoff_id)))

    def _save(self, handoff: Handoff, pipe) -> None:
        fields = {k: str(v) for k, v in handoff.__dict__.items()}
        pipe.hset(keys.handoff(handoff.id), mapping=fields)
        pipe.expire(keys.handoff(handoff.id), RECORD_TTL)

    def update(self, handoff_id: str, allowed: Callable[[Handoff], bool],
               change: Callable[[Handoff], None],
               also: Callable[[redis.client.Pipeline, Handoff], None] | None = None
               ) -> Handoff | None:
        """Change a handoff only while allowed(it) holds; None if it no longer does."""
        key = keys.handoff(handoff_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    handoff = _parse(pipe.hgetall(key))
                    if handoff is None or not allowed(handoff):
                        pipe.reset()
                        return None
                    change(handoff)
                    pipe.multi()
                    self._save(handoff, pipe)
                    if also:
                        also(pipe, handoff)
                    pipe.execute()
                    return handoff
                except redis.WatchError:
                    continue

    def _by_pointer(self, key: str, reader=None) -> Handoff | None:
        handoff_id = (reader or self.redis).get(key)
        return self.get(handoff_id.decode()) if handoff_id else None

    def by_code(self, code: str) -> Handoff | None:
        return self._by_pointer(keys.handoff_code(code))

    def open_for(self, person: str, reader=None) -> Handoff | None:
        """The request a person has not finished yet, if any."""
        handoff = self._by_pointer(keys.open_handoff(person), reader)
        return handoff if handoff and handoff.status in OPEN else None

    def chat_of(self, person: str, reader=None) -> Handoff | None:
        """The accepted handoff a person is chatting in, if any."""
        handoff = self._by_pointer(keys.chat(person), reader)
        return handoff if handoff and handoff.status == "accepted" else None

    def chats_of(self, mentor_phone: str) -> list[Handoff]:
        """The chats a mentor has open, oldest first."""
        ids = self.redis.smembers(keys.mentor_chats(mentor_phone))
        chats = [h for h in (self.get(i.decode()) for i in ids) if h and h.status == "accepted"]
        return sorted(chats, key=lambda h: h.created)

    def recent(self, limit: int = 50) -> list[Handoff]:
        ids = self.redis.zrevrange(keys.HANDOFFS, 0, limit - 1)
        return [h for h in (self.get(i.decode()) for i in ids) if h]

    def create(self, handoff: Handoff) -> Handoff | None:
        """Save a new request with a fresh code, as the person's open one; None if a request
        with this id exists already."""
        code = f"{secrets.randbelow(9000) + 1000}"
        while not self.redis.set(keys.handoff_code(code), handoff.id, nx=True, ex=RECORD_TTL):
            code = f"{secrets.randbelow(9000) + 1000}"
        handoff.code = code
        if not self.redis.hsetnx(keys.handoff(handoff.id), "id", handoff.id):
            self.redis.delete(keys.handoff_code(code))
            return None
        with self.redis.pipeline() as pipe:
            self._save(handoff, pipe)
            pipe.set(keys.open_handoff(handoff.person), handoff.id, ex=RECORD_TTL)
            pipe.zadd(keys.HANDOFFS, {handoff.id: handoff.created})
            pipe.execute()
        return handoff

    def offered(self, handoff_id: str, rounds: int, attempt: int, mentor: str
                ) -> Handoff | None:
        """Offered to mentor as attempt number `attempt`, unless that attempt was made."""

        def change(h: Handoff) -> None:
            h.status, h.mentor, h.tried = "offered", mentor, ",".join([*h.tried_list, mentor])

        return self.update(handoff_id, lambda h: h.status in OFFERING and h.rounds == rounds
                           and len(h.tried_list) == attempt, change)

    def connect(self, handoff_id: str, mentor: str) -> Handoff | None:
        """Accepted: the person and the mentor are in a chat; None if the offer has gone."""

        def also(pipe, h: Handoff) -> None:
            pipe.set(keys.chat(h.person), h.id, ex=RECORD_TTL)
            pipe.sadd(keys.mentor_chats(h.mentor), h.id)

        return self.update(handoff_id, lambda h: h.status == "offered" and h.mentor == mentor,
                           lambda h: setattr(h, "status", "accepted"), also)

    def close(self, handoff_id: str, status: str, from_states: tuple[str, ...] = OPEN
              ) -> Handoff | None:
        """Ended, unanswered or cancelled: nothing is open for the person any more."""

        def also(pipe, h: Handoff) -> None:
            pipe.delete(keys.chat(h.person), keys.open_handoff(h.person))
            if h.mentor:
                pipe.srem(keys.mentor_chats(h.mentor), h.id)

        return self.update(handoff_id, lambda h: h.status in from_states,
                           lambda h: setattr(h, "status", status), also)

    def reopen(self, handoff_id: str) -> Handoff | None:
        """Start a request over from the first mentor, in a new round (a coordinator asked)."""

        def change(h: Handoff) -> None:
            h.status, h.mentor, h.tried, h.rounds = "requested", "", "", h.rounds + 1

        def also(pipe, h: Handoff) -> None:
            pipe.set(keys.open_handoff(h.person), h.id, ex=RECORD_TTL)

        return self.update(handoff_id, lambda h: h.status in ("requested", "offered",
                                                                "unanswered"), change, also)
