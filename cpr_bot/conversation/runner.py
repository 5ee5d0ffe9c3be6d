"""The one turn runner for every channel. A message comes in; an opt-out is recorded before
anything else; then the message goes to the handoff desk (a mentor, a chat), to a check-in
answer, or to the conversation, whose turn is saved atomically; then what the turn asks for
(a mentor request, a check-in, a text) is carried out. Channels only parse and render."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..catalog.model import CATEGORIES
from ..outbound.jobs import Jobs
from ..phones import masked
from ..state.conversations import Conversations, Prefetched, Replay
from ..state.followups import ANSWERS, FollowUps
from ..state.optouts import OptOuts
from ..state.unmet import UnmetNeeds
from . import language
from .dialog import Context, Dialog, Turn, crisis_sentence
from .effects import Dial, FollowUp, Hangup, OptIn, OptOut, RequestHandoff, TextResults, Unmet
from .flows import Flow
from .handoffs import HandoffDesk
from .understanding import Understander, Understanding

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One thing a person sent, on any channel."""

    channel: str  # "sms" or "voice"
    sender: str  # their number; "" when a caller hides it
    text: str = ""  # what they texted, or what speech recognition heard
    message_id: str | None = None  # Twilio's MessageSid: a redelivery is a repeat
    twilio_keyword: str = ""  # OptOutType: Twilio itself handled STOP, START or HELP
    keys: str = ""  # keypad presses
    confidence: float | None = None  # how sure speech recognition was; None for typed text
    call: str = ""  # the CallSid of a call

    @property
    def thread(self) -> str:
        """Whose conversation this advances: the call's own, or the number's."""
        return f"call:{self.call}" if self.call else self.sender

    @property
    def reference(self) -> str:
        """An id for what this message starts (a handoff, a relayed text)."""
        return self.message_id or self.call or uuid.uuid4().hex


class TurnRunner:
    """Takes one turn for a message, on SMS and voice alike."""

    def __init__(self, understander: Understander, dialog: Dialog, flow: Flow,
                 conversations: Conversations, opt_outs: OptOuts, desk: HandoffDesk,
                 follow_ups: FollowUps, unmet: UnmetNeeds, jobs: Jobs, timezone: str,
                 twilio_confirms_opt_out: bool, now: Callable[[], dt.datetime] | None = None):
        self.understander = understander
        self.dialog = dialog
        self.flow = flow
        self.conversations = conversations
        self.opt_outs = opt_outs
        self.desk = desk
        self.follow_ups = follow_ups
        self.unmet = unmet
        self.jobs = jobs
        self.zone = ZoneInfo(timezone)
        self.twilio_confirms_opt_out = twilio_confirms_opt_out
        self.now = now or (lambda: dt.datetime.now(self.zone))

    def understand(self, message: Message) -> Understanding:
        """What the message means, whether typed, said or pressed."""
        if message.keys:
            return self.understander.keypad(message.keys)
        if message.confidence is not None:
            return self.understander.speech(message.text, message.confidence)
        return self.understander.understand(message.text)

    def run(self, message: Message) -> Turn:
        """Answer one message. Redis errors propagate; the channel then uses fallback()."""
        for phone in self.opt_outs.replay():  # taken during an outage: they count first
            self.desk.opted_out(phone)
        heard = self.understand(message)
        opts_out = self._opts_out(message, heard)
        if opts_out:
            # Before anything else, on every path.
            self.opt_outs.record(message.sender, message_id=message.message_id)
            self.desk.opted_out(message.sender)
        # Read after the opt-out is written, so the turn sees it.
        reads = self.conversations.prefetch(message.thread, message.sender, message.message_id)
        if (message.channel == "sms" and not opts_out
                and not self.opt_outs.is_opted_out(message.sender, reads)):
            # Mentors and chats talk by text; a call always reaches the voice menu.
            turn = self._route(message, heard, reads) or self._converse(message, heard, reads)
        else:
            turn = self._converse(message, heard, reads)
        log.info("%s from %s: intent=%s lang=%s replies=%d duplicate=%s", message.channel,
                 masked(message.sender), heard.intent, turn.lang, len(turn.replies),
                 turn.duplicate)
        return turn

    @staticmethod
    def _opts_out(message: Message, heard: Understanding) -> bool:
        return bool(message.sender) and (heard.opts_out or message.twilio_keyword == "STOP")

    def _route(self, message: Message, heard: Understanding, reads: Prefetched) -> Turn | None:
        """A mentor's text, a text in a mentor chat, or a check-in answer; else None."""
        sender = message.sender
        if self.desk.roster.is_mentor(sender):
            lang = language.of_mentor(self.desk.roster.get(sender))
            return self._once(message, lang, lambda: self.desk.from_mentor(
                sender, heard, message.reference))
        chat = self.desk.records.chat_of(sender, reads)
        if chat is not None:
            if heard.command == "bye" and len(heard.text.split()) == 1:
                return self._once(message, chat.lang,
                                  lambda: [self.desk.end(chat, by_mentor=False)])
            self.desk.from_person(chat, message.text, message.reference)
            if heard.intent != "crisis":
                return Turn([], {}, lang=chat.lang)
            return None  # a crisis is relayed and answered with the crisis lines too
        answer = message.text.strip()
        if answer in ANSWERS and self.follow_ups.pending(sender, reads):
            lang = self.conversations.state(sender, reads).get("lang", language.DEFAULT)

            def record() -> list[str]:
                self.follow_ups.record(sender, answer)
                return [self.flow.sentence(lang, "followup_thanks")]

            return self._once(message, lang, record)
        return None

    def _once(self, message: Message, lang: str, act: Callable[[], list[str]]) -> Turn:
        replies, duplicate = self.conversations.once(message.message_id, act)
        return Turn(replies, {}, lang=lang, channel=message.channel, duplicate=duplicate)

    def _converse(self, message: Message, heard: Understanding, reads: Prefetched) -> Turn:
        """A turn of the conversation, saved with its opt-out and reply in one transaction."""
        sender, keyword, now = message.sender, message.twilio_keyword, self.now()
        mentors = self.desk.mentors_available()
        handoff_open = bool(sender) and self.desk.records.open_for(sender, reads) is not None

        def step(state: dict, opted_out: bool) -> Turn:
            lang = state.get("lang", heard.lang)
            if keyword == "STOP":  # Twilio blocked the number and confirmed it already
                return Turn([], {**state, "step": self.flow.start}, [OptOut()], lang)
            understood = heard
            if keyword == "START" or (opted_out and heard.resubscribes):
                understood = dataclasses.replace(heard, intent="start")
            if opted_out and understood.intent != "start" and message.channel == "sms":
                return Turn([], state, [], lang)  # an opted-out number gets no reply at all
            context = Context(mentors, handoff_open, can_text=bool(sender) and not opted_out)
            turn = self.dialog.advance(state, understood, now, message.channel, context)
            twilio_answered = keyword in ("START", "HELP") or (
                understood.keyword and understood.opts_out and self.twilio_confirms_opt_out)
            if twilio_answered:
                turn.replies = []
            return turn

        def save(pipe, turn: Turn) -> None:
            for effect in turn.effects:
                if isinstance(effect, OptOut) and sender:
                    self.opt_outs.record(sender, pipe, message.message_id)
                elif isinstance(effect, OptIn) and sender:
                    self.opt_outs.lift(sender, pipe)
                elif isinstance(effect, Unmet):
                    self.unmet.count(pipe, effect.need, effect.area)

        result = self.conversations.transact(message.thread, sender, message.message_id, step,
                                             save, reads)
        if isinstance(result, Replay):
            return Turn(result.replies, {}, lang=result.lang, channel=message.channel,
                        duplicate=True)
        self._carry_out(message, result)
        return result

    def _carry_out(self, message: Message, turn: Turn) -> None:
        """What a saved turn asked for: a mentor request, a check-in, a text of the results."""
        if not message.sender:
            return
        for effect in turn.effects:
            if isinstance(effect, RequestHandoff):
                place = turn.state.get("place") or {}
                self.desk.request(message.sender, message.reference, turn.lang, effect.need,
                                  place.get("zip", ""), place.get("label", ""))
            elif isinstance(effect, FollowUp):
                self.jobs.follow_up(message.sender, effect.resource_id, effect.name, turn.lang)
            elif isinstance(effect, TextResults):
                needs = "-".join(n for n in turn.state.get("needs", []) if n in CATEGORIES)
                page = turn.state.get("page", 0)
                for index, body in enumerate(effect.bodies):
                    self.jobs.text(message.sender, body,
                                   f"{message.call}-{needs}-{page}-{index}")

    def fallback(self, message: Message, redis_down: bool) -> Turn:
        """The answer when a turn failed: no opt-out lost, crisis lines for a crisis, else how
        to get help now. Works with Redis down."""
        voice = message.channel == "voice"
        if message.twilio_keyword == "STOP" and message.sender:
            self.opt_outs.record(message.sender)  # Twilio confirmed it: nothing to say
            return Turn([], {}, lang=language.DEFAULT, channel=message.channel)
        heard = self.understand(message)
        lang = self._language_of(message, heard.lang)
        program = {"program": self.dialog.program_name}

        def say(*names: str) -> list[str]:
            return [self.flow.sentence(lang, name, message.channel, **program) for name in names]

        if self._opts_out(message, heard):
            # Spooled when Redis is down: never lost.
            self.opt_outs.record(message.sender, message_id=message.message_id)
            if voice:
                return Turn(say("stop_confirmed", "goodbye"), {}, [Hangup()], lang, "voice")
            silent = heard.keyword and self.twilio_confirms_opt_out
            return Turn([] if silent else say("stop_confirmed"), {}, [], lang)
        if not voice and self.opt_outs.known_opted_out(message.sender):
            return Turn([], {}, [], lang)
        if heard.intent == "crisis":
            return Turn(say(crisis_sentence(heard.crisis_kind)), {},
                        [Dial("crisis")] if voice else [], lang, message.channel)
        if not voice:
            return Turn(say("fallback"), {}, [], lang)
        return Turn(say("fallback" if redis_down else "error"), {}, [Hangup()], lang, "voice")

    def _language_of(self, message: Message, guess: str) -> str:
        """A call's language from its saved state when Redis answers, else the words' own."""
        if not message.call:
            return guess
        try:
            return self.conversations.state(message.thread).get("lang", guess)
        except Exception:  # noqa: BLE001 - the fallback must not fail for want of a language
            return guess
