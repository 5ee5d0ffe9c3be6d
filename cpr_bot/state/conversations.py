"""Each conversation's state in Redis (with a TTL), and each message's reply, so a message
Twilio delivers again is answered the same and advances nothing.

A turn reads what it needs in one round trip (prefetch) and writes in one more: a script that
writes only if nothing it read has changed meanwhile."""

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
# A turn's write: only if the conversation and the opt-out are as the turn read them ("~"
# before a value, "-" for none) and the message has no reply yet; then the state, the reply,
# the seen-marker and the turn's other writes (ARGV[8] onwards: a count, then each command).
_COMMIT = """
local function as_read(key, expected)
  local now = redis.call('GET', key)
  if expected == '-' then return now == false end
  return now == string.sub(expected, 2)
end
if KEYS[3] ~= '' and (redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1)
  then return 0 end
if not as_read(KEYS[1], ARGV[1]) then return 0 end
if KEYS[2] ~= '' and not as_read(KEYS[2], ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
if KEYS[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[6])
  redis.call('SET', KEYS[4], 1, 'EX', ARGV[7])
end
local i = 8
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
"""


def _expect(value: bytes | None) -> bytes:
    return b"-" if value is None else b"~" + value


class Prefetched:
    """Values of string keys read in one MGET, answering get() like a Redis client."""

    def __init__(self, client: redis.Redis, names: list[str]):
        self.redis = client
        self.values = dict(zip(names, client.mget(names), strict=True))

    def get(self, name: str) -> bytes | None:
        return self.values[name] if name in self.values else self.redis.get(name)


class Ops:
    """Writes a turn asks for, kept to run inside its compare-and-set; the same calls as a
    Redis pipeline for the commands the owners use."""

    def __init__(self):
        self.commands: list[list] = []

    def _add(self, *command) -> None:
        self.commands.append([str(part) for part in command])

    def set(self, name: str, value, nx: bool = False, ex: int | None = None) -> None:
        self._add("SET", name, value, *(["NX"] if nx else []), *(["EX", ex] if ex else []))

    def delete(self, *names: str) -> None:
        self._add("DEL", *names)

    def incr(self, name: str) -> None:
        self._add("INCR", name)

    def expire(self, name: str, seconds: int) -> None:
        self._add("EXPIRE", name, seconds)

    def flat(self) -> list[str]:
        return [part for command in self.commands for part in (len(command), *command)]


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
        self._commit = client.register_script(_COMMIT)

    def state(self, thread: str, reader=None) -> dict:
        """The saved state of a conversation, or an empty one."""
        raw = (reader or self.redis).get(keys.conversation(thread))
        return json.loads(raw) if raw else {}

    def prefetch(self, thread: str, sender: str, message_id: str | None) -> Prefetched:
        """Everything an ordinary turn reads, in one round trip: the sender's opt-out, chat,
        check-in and open request, the conversation, and the message's earlier reply."""
        names = [keys.conversation(thread)]
        if sender:
            names += [keys.opt_out(sender), keys.chat(sender), keys.follow_up(sender),
                      keys.open_handoff(sender)]
        if message_id:
            names += [keys.message(message_id), keys.seen(message_id)]
        return Prefetched(self.redis, names)

    def transact(self, thread: str, sender: str, message_id: str | None,
                 step: Callable[[dict, bool], T], save: Callable[[Ops, T], None],
                 reads: Prefetched | None = None) -> T | Replay:
        """Run step(state, opted_out) once per message id; save its turn and writes together.

        The state is written only if it, the sender's opt-out and the message's reply are
        still as read (a compare-and-set script), so two deliveries of one message, even at
        once, advance it once, and a turn never overwrites another's. On a conflict the turn
        is read and taken again.
        """
        conv_key = keys.conversation(thread)
        opt_key = keys.opt_out(sender) if sender else ""
        msg_key, seen_key = ((keys.message(message_id), keys.seen(message_id)) if message_id
                             else ("", ""))
        while True:
            reads = reads or self.prefetch(thread, sender, message_id)
            if message_id and (reads.get(msg_key) is not None or reads.get(seen_key)):
                saved = json.loads(reads.get(msg_key) or "{}")
                return Replay(saved.get("replies", []), saved.get("lang", "en"))
            raw = reads.get(conv_key)
            # A STOP is recorded before its turn: it does not silence its own reply.
            opted_out = bool(sender) and self.opt_outs.is_opted_out(
                sender, reads, apart_from=message_id)
            turn = step(json.loads(raw) if raw else {}, opted_out)
            ops = Ops()
            save(ops, turn)
            reply = json.dumps({"replies": turn.replies, "lang": turn.lang})
            expected = [_expect(raw), _expect(reads.get(opt_key) if sender else None)]
            written = self._commit(keys=[conv_key, opt_key, msg_key, seen_key], args=[
                *expected, json.dumps(turn.state), self.ttl, reply, REPLY_TTL,
                self.replay_window, *ops.flat()])
            if written:
                return turn
            reads = None  # someone else wrote first: read again and take the turn again

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
