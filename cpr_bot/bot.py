"""The channel-neutral bot: a message from a number in, the texts to answer with out."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import redis

from .dialog import Dialog
from .flows import Flow
from .store import Processed, Store, mask
from .understanding import Understander

log = logging.getLogger(__name__)
OPT_IN_WORDS = {"yes", "si"}  # Twilio also lifts a block on YES


class Bot:
    """Understands a message, advances the conversation in Redis and returns the replies."""

    def __init__(self, understander: Understander, dialog: Dialog, store: Store, flow: Flow,
                 timezone: str, opt_out_confirmation: str, spool_dir: Path):
        self.understander = understander
        self.dialog = dialog
        self.store = store
        self.flow = flow
        self.zone = ZoneInfo(timezone)
        self.twilio_confirms_opt_out = opt_out_confirmation == "twilio"
        self.spool = Path(spool_dir) / "opt-outs.jsonl"

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.zone)

    def receive(self, phone: str, text: str, message_id: str | None = None,
                opt_out_type: str | None = None, now: dt.datetime | None = None) -> Processed:
        """Answer one message. Redis errors propagate; use fallback() for the reply then."""
        message = self.understander.understand(text)
        when = now or self.now()
        twilio_type = (opt_out_type or "").upper()

        def handle(state: dict, opted_out: bool):
            lang = state.get("lang", message.lang)
            if twilio_type == "STOP":
                # Twilio blocked the number and sent its own confirmation already.
                return {**state, "step": self.flow.start}, [], [("opt_out",)], lang
            if twilio_type == "START" or (opted_out and message.text.strip().lower().strip(
                    ".!") in OPT_IN_WORDS):
                message.intent = "start"
            if opted_out and message.intent != "start":
                return state, [], [], lang  # an opted-out number gets no reply at all
            turn = self.dialog.advance(state, message, when)
            replies = turn.replies
            if twilio_type in ("START", "HELP"):
                replies = []  # Twilio answered these itself
            elif message.keyword and message.intent == "stop" and self.twilio_confirms_opt_out:
                replies = []
            return turn.state, replies, turn.effects, turn.lang

        result = self.store.process(phone, message_id, handle)
        self._replay_spool()
        log.info("message from %s: intent=%s lang=%s replies=%d duplicate=%s",
                 mask(phone), message.intent, result.lang, len(result.replies), result.duplicate)
        return result

    def fallback(self, phone: str, text: str) -> list[str]:
        """The reply when Redis is down: how to get help now, and nothing lost for STOP."""
        message = self.understander.understand(text)
        if message.intent == "stop":
            self._spool_opt_out(phone)
            return []
        return [self.flow.sentence(message.lang, "fallback")]

    def _spool_opt_out(self, phone: str) -> None:
        """Keep an opt-out on disk until Redis is back, so it is never lost."""
        try:
            self.spool.parent.mkdir(parents=True, exist_ok=True)
            with self.spool.open("a", encoding="utf-8") as spool:
                spool.write(json.dumps({"phone": phone}) + "\n")
            log.warning("Redis down: spooled opt-out of %s to disk", mask(phone))
        except OSError:
            log.exception("could not spool opt-out of %s", mask(phone))

    def _replay_spool(self) -> None:
        if not self.spool.exists():
            return
        try:
            claimed = self.spool.with_suffix(".replaying")
            self.spool.rename(claimed)
        except OSError:
            return  # another process is replaying it
        for line in claimed.read_text(encoding="utf-8").splitlines():
            phone = json.loads(line)["phone"]
            try:
                self.store.redis.set(self.store.optout_key(phone), "1")
            except redis.RedisError:
                self._spool_opt_out(phone)
        claimed.unlink()
