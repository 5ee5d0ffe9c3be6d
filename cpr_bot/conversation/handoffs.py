"""The mentor side of a handoff: a person asks, mentors are offered the request in turn, one
accepts, and texts relay both ways through our number until either side texts BYE. Records
live in Redis (state.handoffs); every text to someone else goes through a job."""

from __future__ import annotations

import datetime as dt
import logging
import time

from ..outbound.jobs import Jobs, job_id
from ..phones import masked
from ..state.handoffs import OFFERING, Handoff, Handoffs
from ..state.mentors import Mentor, Roster
from ..state.optouts import OptOuts
from . import language
from .flows import Flow
from .understanding import Understanding

log = logging.getLogger(__name__)


class HandoffDesk:
    """Creates, offers, connects and ends handoffs."""

    def __init__(self, records: Handoffs, roster: Roster, opt_outs: OptOuts, jobs: Jobs,
                 flow: Flow, coordinator_phone: str | None, answer_seconds: int):
        self.records = records
        self.roster = roster
        self.opt_outs = opt_outs
        self.jobs = jobs
        self.flow = flow
        self.coordinator = coordinator_phone
        self.answer_seconds = answer_seconds

    def mentors_available(self) -> bool:
        return self.roster.has_mentors()

    # The person asks

    def request(self, person: str, request_id: str, lang: str, need: str, zip_code: str,
                area: str) -> Handoff:
        """Record a request once per request id and queue the first offer."""
        handoff_id = job_id("h", request_id)
        handoff = self.records.create(Handoff(handoff_id, "", person, lang, need or "help",
                                              zip_code, area, created=time.time()))
        if handoff is None:
            return self.records.get(handoff_id)
        self.jobs.offer(handoff_id, 0)
        log.info("handoff %s requested by %s", handoff_id, masked(person))
        return handoff

    # Offering (runs in the worker)

    def offer_next(self, handoff_id: str, attempt: int, now: dt.datetime) -> str:
        """Make offer number `attempt` (0 the first) to the best mentor not yet asked, or give
        up honestly. A retry of a job redoes only what is missing: the texts and the timeout
        are queued by key, so nobody is texted twice."""
        handoff = self.records.get(handoff_id)
        if handoff is None or handoff.status not in OFFERING:
            return "closed"
        if self.opt_outs.is_opted_out(handoff.person):
            self.records.close(handoff.id, "cancelled")
            return "cancelled"
        if len(handoff.tried_list) <= attempt:
            tried = handoff.tried_list
            candidates = [m for m in self.roster.candidates(
                handoff.lang, handoff.need, handoff.zip, handoff.area, now, tried,
                lambda phone: len(self.records.chats_of(phone)))
                if not self.opt_outs.is_opted_out(m.phone)]
            if not candidates:
                return self._give_up(handoff)
            offered = self.records.offered(handoff.id, handoff.rounds, attempt,
                                           candidates[0].phone)
            if offered is None:
                return "moved on"  # accepted, passed or offered meanwhile
            handoff = offered
        # The timeout comes first: even if the offer cannot be texted, the request moves on.
        self.jobs.offer_timeout(handoff.id, handoff.rounds, attempt,
                                dt.timedelta(seconds=self.answer_seconds))
        mentor_phone = handoff.tried_list[attempt]
        lang = language.of_mentor(self.roster.get(mentor_phone))
        need = self.flow.sentences[lang]["needs"].get(handoff.need, handoff.need)
        body = self.flow.sentence(lang, "mentor_offer", area=handoff.area or "Jefferson County",
                                  need=need.lower(), language=handoff.lang.upper(),
                                  code=handoff.code)
        self.jobs.text(mentor_phone, body, f"{handoff.id}-{handoff.rounds}-offer-{attempt}",
                       self.answer_seconds)
        return "offered"

    def timed_out(self, handoff_id: str, rounds: int, attempt: int, now: dt.datetime) -> str:
        """The mentor of this attempt did not answer in time: offer the next one."""
        handoff = self.records.get(handoff_id)
        if (handoff is None or handoff.status != "offered" or handoff.rounds != rounds
                or len(handoff.tried_list) != attempt + 1):
            return "answered"
        return self.offer_next(handoff_id, attempt + 1, now)

    def _give_up(self, handoff: Handoff) -> str:
        if self.records.close(handoff.id, "unanswered", OFFERING) is None:
            return "closed"
        told = (self.flow.sentence(handoff.lang, "handoff_none", coordinator=self.coordinator)
                if self.coordinator else self.flow.sentence(handoff.lang, "handoff_none_211"))
        self.jobs.text(handoff.person, told, f"{handoff.id}-{handoff.rounds}-none")
        if self.coordinator:
            self.jobs.text(self.coordinator, self.flow.sentence(
                "en", "coordinator_unanswered", code=handoff.code,
                area=handoff.area or "unknown area", need=handoff.need),
                f"{handoff.id}-{handoff.rounds}-coordinator")
        log.warning("handoff %s found no mentor", handoff.id)
        return "unanswered"

    # Mentors text in (runs in the webhook; texts to others are queued)

    def from_mentor(self, phone: str, heard: Understanding, message_id: str) -> list[str]:
        """A mentor's text: ACCEPT/PASS a code, BYE to a chat, or a message to relay."""
        mentor = self.roster.get(phone)
        lang = language.of_mentor(mentor)
        words = heard.text.split()
        if heard.command in ("accept", "pass") and len(words) > 1:
            handoff = self.records.by_code(words[1])
            if handoff is None or handoff.status != "offered" or handoff.mentor != phone:
                return [self.flow.sentence(lang, "mentor_taken", code=words[1])]
            if heard.command == "accept":
                return self._accept(handoff, mentor, lang)
            # Tagged: the timeout of this offer may queue the same attempt; one of them wins.
            self.jobs.offer(handoff.id, len(handoff.tried_list), tag=f"-{handoff.rounds}-pass")
            return [self.flow.sentence(lang, "mentor_passed", code=handoff.code)]
        chats = self.records.chats_of(phone)
        if not chats:
            return [self.flow.sentence(lang, "mentor_help")]
        ending = heard.command == "bye" and len(words) <= 2
        by_code = {h.code: h for h in chats}
        # With several chats open, a text starts with the chat's code ("4821 see you at 10")
        # and BYE names one ("BYE 4821").
        code = words[1] if ending and len(words) == 2 else (words[0] if words else "")
        chat = by_code.get(code)
        text = heard.text
        if chat is not None and not ending:
            text = text.split(None, 1)[1] if len(words) > 1 else ""
        if chat is None:
            if len(chats) > 1:
                return [self.flow.sentence(lang, "mentor_which_chat", codes=", ".join(by_code))]
            chat = chats[0]
        if ending:
            return [self.end(chat, by_mentor=True)]
        if text.strip():
            body = self.flow.sentence(chat.lang, "relay_from_mentor",
                                      mentor=mentor.first_name if mentor else "Mentor", text=text)
            self.jobs.text(chat.person, body, f"relay-{message_id}")
        return []

    def _accept(self, handoff: Handoff, mentor: Mentor, lang: str) -> list[str]:
        if self.opt_outs.is_opted_out(handoff.person):
            self.records.close(handoff.id, "cancelled")
            return [self.flow.sentence(lang, "mentor_taken", code=handoff.code)]
        if self.records.connect(handoff.id, mentor.phone) is None:
            # The offer timed out, or the person cancelled, a moment before.
            return [self.flow.sentence(lang, "mentor_taken", code=handoff.code)]
        told = self.flow.sentence(handoff.lang, "handoff_accepted", mentor=mentor.first_name)
        self.jobs.text(handoff.person, told, f"{handoff.id}-accepted")
        self.jobs.follow_up(handoff.person, "mentor", mentor.first_name, handoff.lang,
                            handoff_id=handoff.id)
        log.info("handoff %s accepted", handoff.id)
        return [self.flow.sentence(lang, "mentor_connected", code=handoff.code)]

    # The person texts during a chat

    def from_person(self, chat: Handoff, text: str, message_id: str) -> None:
        """Relay the person's text to the mentor, marked with the request code."""
        lang = language.of_mentor(self.roster.get(chat.mentor))
        body = self.flow.sentence(lang, "mentor_relay", code=chat.code, text=text)
        self.jobs.text(chat.mentor, body, f"relay-{message_id}")

    def end(self, chat: Handoff, by_mentor: bool) -> str:
        """Close a chat; the other side is told. Returns the reply to whoever ended it."""
        self.records.close(chat.id, "ended", ("accepted",))
        mentor_lang = language.of_mentor(self.roster.get(chat.mentor))
        to_person = self.flow.sentence(chat.lang, "handoff_ended")
        to_mentor = self.flow.sentence(mentor_lang, "mentor_ended", code=chat.code)
        if by_mentor:
            self.jobs.text(chat.person, to_person, f"{chat.id}-ended")
            return to_mentor
        self.jobs.text(chat.mentor, to_mentor, f"{chat.id}-ended")
        return to_person

    # Opt-outs and coordinators

    def opted_out(self, phone: str) -> None:
        """A number opted out: its chat ends, its request is cancelled, its check-ins are
        cancelled, and a mentor who opts out is paused and leaves their chats."""
        chat = self.records.chat_of(phone)
        if chat is not None:
            self.end(chat, by_mentor=False)
        pending = self.records.open_for(phone)
        if pending is not None:
            self.records.close(pending.id, "cancelled")
            log.info("handoff %s cancelled: the person opted out", pending.id)
        if self.roster.is_mentor(phone):
            self.roster.set_active(phone, False)
            for mentor_chat in self.records.chats_of(phone):
                self.end(mentor_chat, by_mentor=True)
        self.jobs.cancel_for(phone)

    def requeue(self, handoff_id: str) -> bool:
        """Offer a stuck or unanswered handoff again, from the first mentor (coordinators)."""
        handoff = self.records.get(handoff_id)
        if handoff is None or handoff.status in ("accepted", "ended", "cancelled"):
            return False
        if self.opt_outs.is_opted_out(handoff.person):
            return False
        reopened = self.records.reopen(handoff.id)
        if reopened is None:
            return False
        self.jobs.offer(handoff.id, 0, tag=f"-round-{reopened.rounds}")
        return True
