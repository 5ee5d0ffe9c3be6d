"""Who asked for no more texts. Every opt-out is written here and only here, and every text we
send asks here first. Opt-outs never expire; START (or YES) lifts one.

While Redis is down an opt-out is appended to a spool file in CPR_SPOOL_DIR and synced to disk.
The runner replays the spool at every webhook and the worker before every job (ending chats
and cancelling requests for those numbers), and a number still in the spool counts as opted
out meanwhile: the opt-out holds for every process that sees that folder.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import redis

from ..errors import OptOutUnknownError
from ..phones import masked
from . import keys

log = logging.getLogger(__name__)
SPOOL = "opt-outs.jsonl"
CLAIMED = "opt-outs.*.claimed"  # a spool some process is writing to Redis right now


class OptOuts:
    """Records, lifts and answers opt-outs, in Redis or, while Redis is down, in the spool."""

    def __init__(self, client: redis.Redis, spool_dir: Path):
        self.redis = client
        self.spool_dir = Path(spool_dir)
        self.spool = self.spool_dir / SPOOL

    def record(self, phone: str, pipe=None, message_id: str | None = None) -> None:
        """Opt a number out: inside the caller's transaction, or at once and never lost.

        The value kept is the first message that opted out, so that message, delivered
        again, is answered the same, while any later text from the number gets silence.
        """
        value = message_id or "1"
        if pipe is not None:
            pipe.set(keys.opt_out(phone), value, nx=True)
            return
        try:
            self.redis.set(keys.opt_out(phone), value, nx=True)
            log.info("opted out %s", masked(phone))
        except redis.RedisError:
            self._spool([phone])

    def lift(self, phone: str, pipe=None) -> None:
        """Let a number be texted again (it texted START or YES)."""
        (pipe if pipe is not None else self.redis).delete(keys.opt_out(phone))
        log.info("opted in %s", masked(phone))

    def is_opted_out(self, phone: str, reader=None, apart_from: str | None = None) -> bool:
        """Whether a number asked for no more texts (by a message other than apart_from);
        Redis errors propagate."""
        if phone in self._spooled():
            return True
        value = (reader if reader is not None else self.redis).get(keys.opt_out(phone))
        return value is not None and (apart_from is None or value.decode() != apart_from)

    def known_opted_out(self, phone: str) -> bool:
        """Whether a number is opted out as far as can be known; with Redis down, the spool."""
        try:
            return self.is_opted_out(phone)
        except redis.RedisError:
            return phone in self._spooled()

    def may_text(self, phone: str) -> bool:
        """Whether we may text a number now; fails closed when opt-outs cannot be read."""
        try:
            return not self.is_opted_out(phone)
        except (redis.RedisError, OSError) as exc:
            raise OptOutUnknownError(f"cannot read opt-outs ({exc}); sending nothing") from None

    def replay(self) -> list[str]:
        """Write spooled opt-outs to Redis; return the numbers written (none while it is down)."""
        if not self.spool_dir.is_dir() or not self._spooled():
            return []
        try:
            self.redis.ping()
        except redis.RedisError:
            return []  # still down: the spool stays, and still counts
        if self.spool.exists():
            try:
                self.spool.rename(self.spool_dir / CLAIMED.replace("*", uuid.uuid4().hex))
            except FileNotFoundError:
                pass  # another process claimed it first; it is replayed below all the same
        written: list[str] = []
        for claimed in sorted(self.spool_dir.glob(CLAIMED)):
            phones = self._read(claimed)
            try:
                with self.redis.pipeline() as pipe:
                    for phone in phones:
                        pipe.set(keys.opt_out(phone), "1", nx=True)
                    pipe.execute()
            except redis.RedisError:
                return written  # still down: the claimed file stays, and still counts
            claimed.unlink(missing_ok=True)
            written.extend(phones)
        if written:
            log.warning("replayed %d opt-out(s) spooled while Redis was down", len(written))
        return list(dict.fromkeys(written))

    def _spooled(self) -> set[str]:
        """Numbers waiting in the spool (usually none: the folder is empty)."""
        if not self.spool_dir.is_dir():
            return set()
        files = [self.spool, *self.spool_dir.glob(CLAIMED)]
        return {phone for path in files for phone in self._read(path)}

    @staticmethod
    def _read(path: Path) -> list[str]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        phones = []
        for line in filter(str.strip, lines):
            try:
                phones.append(json.loads(line)["phone"])
            except (ValueError, KeyError, TypeError):
                log.error("skipped an unreadable line in %s", path)  # a write cut short
        return phones

    def _spool(self, phones: list[str]) -> None:
        """Append opt-outs to the spool and sync it, so a crash cannot lose them."""
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self.spool.open("a", encoding="utf-8") as spool:
                spool.writelines(json.dumps({"phone": phone}) + "\n" for phone in phones)
                spool.flush()
                os.fsync(spool.fileno())
            log.warning("Redis down: spooled the opt-out of %s to %s",
                        ", ".join(masked(p) for p in phones), self.spool_dir)
        except OSError:
            log.critical("opt-out of %s could NOT be kept: Redis and %s both failed",
                         ", ".join(masked(p) for p in phones), self.spool_dir)
