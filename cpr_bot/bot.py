"""The channel-neutral SMS bot: a message from a number in, the texts to answer with out.

Mentors and people in a mentor chat are routed to the handoff desk; everyone else talks to
the conversation engine, with state, opt-outs and de-duplication kept in Redis.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import redis

from .dialog import Dialog, Turn
from .flows import Flow
from .followups import FollowUps
from .handoff import FOLLOW_UP_AFTER, HandoffDesk
from .jobs import enqueue_job
from .places import Place
from .store import Processed, Store, mask
from .textnorm import normalize
from .understanding import Understander, Understanding

log = logging.getLogger(__name__)
OPT_IN_WORDS = {"yes", "si"}  # Twilio also lifts a block on YES
END_WORDS = {"end", "fin", "terminar"}


class Bot:
    """Understands a message, advances the conversation in Redis and returns the replies."""

    def __init__(self, understander: Understander, dialog: Dialog, store: Store, flow: Flow,
                 desk: HandoffDesk, follow_ups: FollowUps, timezone: str,
                 opt_out_confirmation: str, spool_dir: Path):
        self.understander = understander
        self.dialog = dialog
        self.store = store
        self.flow = flow
        self.desk = desk
        self.follow_ups = follow_ups
        self.zone = ZoneInfo(timezone)
        self.twilio_confirms_opt_out = opt_out_confirmation == "twilio"
        self.spool = Path(spool_dir) / "opt-outs.jsonl"

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.zone)

    def receive(self, phone: str, text: str, message_id: str | None = None,
                opt_out_type: str | None = None, now: dt.datetime | None = None) -> Processed:
        """Answer one message. Redis errors propagate; use fallback() for the reply then."""
        message = self.understander.understand(text)
        twilio_type = (opt_out_type or "").upper()
        if self.desk.roster.is_mentor(phone):
            if message.intent != "stop" and twilio_type != "STOP":
                return self._once(message_id, message.lang, lambda: self.desk.from_mentor(
                    phone, text.split(), text, message_id or uuid.uuid4().hex))
            self.desk.roster.set_active(phone, False)  # a mentor who opts out gets no offers
        session = self.desk.session_of(phone)
        if session is not None:
            words = normalize(text).split()
            if words and words[0] in END_WORDS and len(words) == 1 and twilio_type != "STOP":
                return self._once(message_id, session.lang,
                                  lambda: self.desk.end(session, by_mentor=False))
            if message.intent == "stop":
                self.desk.end(session, by_mentor=False)  # and the opt-out below confirms it
            else:
                self.desk.from_person(session, text, message_id or uuid.uuid4().hex)
                if message.intent != "crisis":
                    return Processed([], False, session.lang)
                # A crisis is relayed to the mentor and answered with the crisis lines too.
        if self.follow_ups.pending(phone) and text.strip() in ("1", "2", "3"):
            lang = self.store.conversation(phone).get("lang", "en")
            return self._once(message_id, lang, lambda: self._answer_follow_up(phone, text, lang))
        return self._converse(phone, message, message_id, twilio_type, now or self.now())

    def _answer_follow_up(self, phone: str, text: str, lang: str) -> list[str]:
        self.follow_ups.record(phone, text.strip())
        return [self.flow.sentence(lang, "followup_thanks")]

    def _once(self, message_id: str | None, lang: str, act) -> Processed:
        """Do act once per message id; a repeat delivery gets the same reply."""
        earlier = self.store.earlier_reply(message_id)
        if earlier is not None:
            return Processed(earlier, True, lang)
        replies = act()
        self.store.remember_reply(message_id, replies, lang)
        return Processed(replies, False, lang)

    def _converse(self, phone: str, message: Understanding, message_id: str | None,
                  twilio_type: str, when: dt.datetime) -> Processed:
        context = {"mentors": self.desk.mentors_available(),
                   "handoff_open": self.desk.open_for(phone) is not None}
        done: dict[str, Turn] = {}

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
            turn = self.dialog.advance(state, message, when, "sms", context)
            done["turn"] = turn
            replies = turn.replies
            if twilio_type in ("START", "HELP"):
                replies = []  # Twilio answered these itself
            elif message.keyword and message.intent == "stop" and self.twilio_confirms_opt_out:
                replies = []
            return turn.state, replies, turn.effects, turn.lang

        result = self.store.process(phone, message_id, handle)
        if not result.duplicate and "turn" in done:
            self._carry_out(phone, message_id, done["turn"])
        self._replay_spool()
        log.info("message from %s: intent=%s lang=%s replies=%d duplicate=%s",
                 mask(phone), message.intent, result.lang, len(result.replies), result.duplicate)
        return result

    def _carry_out(self, phone: str, message_id: str | None, turn: Turn) -> None:
        """Side effects of a saved turn: a handoff request, a follow-up check-in."""
        for kind, *args in turn.effects:
            if kind == "handoff":
                place = Place.from_dict(turn.state["place"]) if turn.state.get("place") else None
                self.desk.request(phone, message_id or uuid.uuid4().hex, turn.lang, args[0],
                                  place.zip if place else "", place.label if place else "")
            elif kind == "follow_up":
                resource_id, name = args
                enqueue_job(self.desk.queue, "cpr_bot.tasks.follow_up", phone, resource_id,
                            name, turn.lang, key=f"followup-{phone}-{resource_id}",
                            delay=FOLLOW_UP_AFTER)

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
