"""Conversation state, opt-outs and webhook de-duplication in Redis, under one key prefix."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

PREFIX = "cpr"
REPLY_TTL = 24 * 3600  # Twilio retries a webhook within seconds; a day is ample.
UNMET_TTL = 400 * 24 * 3600
# Effects the store applies inside its transaction; the rest are for the caller to carry out.
STORE_EFFECTS = {"opt_out", "opt_in", "unmet"}


def mask(phone: str) -> str:
    """A phone number safe for logs: only the last 4 digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"***{digits[-4:]}" if digits else "***"


@dataclass
class Processed:
    """The outcome of one message: its replies, and whether it was a repeat delivery."""

    replies: list[str]
    duplicate: bool
    lang: str = "en"


class Store:
    """Owns every Redis key the bot writes."""

    def __init__(self, client: redis.Redis, conversation_ttl: int):
        self.redis = client
        self.ttl = conversation_ttl

    @staticmethod
    def conversation_key(phone: str) -> str:
        return f"{PREFIX}:conv:{phone}"

    @staticmethod
    def optout_key(phone: str) -> str:
        return f"{PREFIX}:optout:{phone}"

    @staticmethod
    def message_key(sid: str) -> str:
        return f"{PREFIX}:msg:{sid}"

    def is_opted_out(self, phone: str) -> bool:
        """Whether this number asked for no more messages."""
        return bool(self.redis.exists(self.optout_key(phone)))

    def conversation(self, phone: str) -> dict:
        """The saved conversation state for a number, or an empty one."""
        raw = self.redis.get(self.conversation_key(phone))
        return json.loads(raw) if raw else {}

    def process(
        self,
        phone: str,
        message_id: str | None,
        handle: Callable[[dict, bool], tuple[dict, list[str], list[tuple], str]],
    ) -> Processed:
        """Run handle(state, opted_out) once per message id and save what it returns.

        The state, the opt-out flag and the stored reply change together or not at all
        (WATCH/MULTI), so two deliveries of one message, even at once, advance it once.
        """
        conv_key, optout_key = self.conversation_key(phone), self.optout_key(phone)
        msg_key = self.message_key(message_id) if message_id else None
        watched = [k for k in (conv_key, optout_key, msg_key) if k]
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*watched)
                    if msg_key:
                        earlier = pipe.get(msg_key)
                        if earlier is not None:
                            pipe.reset()
                            saved = json.loads(earlier)
                            return Processed(saved["replies"], True, saved.get("lang", "en"))
                    raw = pipe.get(conv_key)
                    state = json.loads(raw) if raw else {}
                    opted_out = bool(pipe.exists(optout_key))
                    new_state, replies, effects, lang = handle(state, opted_out)
                    pipe.multi()
                    pipe.set(conv_key, json.dumps(new_state), ex=self.ttl)
                    for effect in effects:
                        if effect[0] in STORE_EFFECTS:
                            self._queue_effect(pipe, phone, effect)
                    if msg_key:
                        record = {"replies": replies, "lang": lang}
                        pipe.set(msg_key, json.dumps(record), ex=REPLY_TTL)
                    pipe.execute()
                    return Processed(replies, False, lang)
                except redis.WatchError:
                    continue

    def _queue_effect(self, pipe, phone: str, effect: tuple) -> None:
        kind = effect[0]
        if kind == "opt_out":
            # No TTL: an opt-out lasts until the person texts START.
            pipe.set(self.optout_key(phone), "1")
            log.info("opted out %s", mask(phone))
        elif kind == "opt_in":
            pipe.delete(self.optout_key(phone))
            log.info("opted in %s", mask(phone))
        elif kind == "unmet":
            _, category, area = effect
            key = f"{PREFIX}:unmet:{category}:{area}"
            pipe.incr(key)
            pipe.expire(key, UNMET_TTL)
        else:
            raise ValueError(f"unknown effect {kind!r}")

    def earlier_reply(self, message_id: str | None) -> list[str] | None:
        """The reply already given to this message id, if it was delivered before."""
        raw = self.redis.get(self.message_key(message_id)) if message_id else None
        return json.loads(raw)["replies"] if raw else None

    def remember_reply(self, message_id: str | None, replies: list[str], lang: str) -> None:
        if message_id:
            record = json.dumps({"replies": replies, "lang": lang})
            self.redis.set(self.message_key(message_id), record, ex=REPLY_TTL)

    def unmet_needs(self) -> dict[tuple[str, str], int]:
        """How often each need went unanswered in each ZIP, for coordinators."""
        counts = {}
        for key in self.redis.scan_iter(f"{PREFIX}:unmet:*"):
            _, _, category, area = key.decode().split(":", 3)
            counts[(category, area)] = int(self.redis.get(key) or 0)
        return counts
