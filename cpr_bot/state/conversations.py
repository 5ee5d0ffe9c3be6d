"""Each conversation's state in Redis (with a TTL), and each message's reply, so a message
Twilio delivers again is answered the same and advances nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis

from . import keys
from .optouts import OptOuts

REPLY_TTL = 24 * 3600  # Twilio retries a webhook within seconds; a day is ample.
_IN_PROGRESS = b"{}"  # a message claimed by a delivery still at work


class Saveable(Protocol):
    """What a turn must hold for the store to save it."""

    state: dict
    replies: list[str]
    lang: str


T = TypeVar("T", bound=Saveable)


@dataclass(frozen=True)
class Replay:
    """A message delivered again: the replies it got the first time, and nothing else."""

    replies: list[str]
    lang: str


class Conversations:
    """Reads and saves conversation state; one message id is one turn, however often it comes."""

    def __init__(self, client: redis.Redis, ttl: int, opt_outs: OptOuts, replay_window: int):
        self.redis = client
        self.ttl = ttl
        self.opt_outs = opt_outs
        # A signed request carries no date: a message id is remembered this long, so one
        # captured and sent again later changes nothing.
        self.replay_window = replay_window

    def state(self, thread: str) -> dict:
        """The saved state of a conversation, or an empty one."""
        raw = self.redis.get(keys.conversation(thread))
        return json.loads(raw) if raw else {}

    def transact(self, thread: str, sender: str, message_id: str | None,
                 step: Callable[[dict, bool], T], save: Callable[[redis.client.Pipeline, T], None]
                 ) -> T | Replay:
        """Run step(state, opted_out) once per message id; save its turn and writes together.

        The state, the sender's opt-out and the stored reply change together or not at all
        (WATCH/MULTI), so two deliveries of one message, even at once, advance it once.
        """
        conv_key = keys.conversation(thread)
        msg_key = keys.message(message_id) if message_id else None
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*[k for k in (conv_key, msg_key) if k])
                    if sender:
                        self.opt_outs.watch(pipe, sender)
                    if msg_key:
                        earlier, seen = pipe.mget(msg_key, keys.seen(message_id))
                        if earlier is not None or seen is not None:
                            pipe.reset()
                            saved = json.loads(earlier or "{}")
                            return Replay(saved.get("replies", []), saved.get("lang", "en"))
                    raw = pipe.get(conv_key)
                    # A STOP is recorded before its turn: it does not silence its own reply.
                    opted_out = bool(sender) and self.opt_outs.is_opted_out(
                        sender, pipe, apart_from=message_id)
                    turn = step(json.loads(raw) if raw else {}, opted_out)
                    pipe.multi()
                    pipe.set(conv_key, json.dumps(turn.state), ex=self.ttl)
                    save(pipe, turn)
                    if msg_key:
                        record = {"replies": turn.replies, "lang": turn.lang}
                        pipe.set(msg_key, json.dumps(record), ex=REPLY_TTL)
                        pipe.set(keys.seen(message_id), 1, ex=self.replay_window)
                    pipe.execute()
                    return turn
                except redis.WatchError:
                    continue

    def once(self, message_id: str | None, act: Callable[[], list[str]]) -> tuple[list[str], bool]:
        """Do act once per message id outside a conversation (a mentor's ACCEPT, say).

        The message id is claimed before act runs, so deliveries arriving together act once.
        Returns the replies and whether this was a repeat delivery answered from before.
        """
        if not message_id:
            return act(), False
        key = keys.message(message_id)
        if not self.redis.set(keys.seen(message_id), 1, nx=True, ex=self.replay_window):
            return self._replies_of(key), True
        self.redis.set(key, _IN_PROGRESS, ex=REPLY_TTL)
        try:
            replies = act()
        except Exception:
            self.redis.delete(key, keys.seen(message_id))  # Twilio's retry may try again
            raise
        self.redis.set(key, json.dumps({"replies": replies}), ex=REPLY_TTL)
        return replies, False

    def _replies_of(self, key: str) -> list[str]:
        """The replies a message got, waiting briefly while its first delivery is at work."""
        deadline = time.monotonic() + 2
        while True:
            raw = self.redis.get(key)
            if raw and raw != _IN_PROGRESS:
                return json.loads(raw)["replies"]
            if raw is None or time.monotonic() > deadline:
                return []  # the first delivery answers; this one stays silent
            time.sleep(0.05)
