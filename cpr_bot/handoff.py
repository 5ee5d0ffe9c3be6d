"""Mentor handoffs: a person asks, mentors are offered in turn, one accepts, texts relay both
ways through our number until either side texts END. Records live in Redis, work runs on RQ.

States: requested -> offered -> accepted -> ended, or -> unanswered when nobody accepts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass

import redis
from rq import Queue

from .flows import Flow
from .jobs import enqueue_job, enqueue_text, job_id
from .mentors import Roster
from .store import PREFIX, Store, mask

log = logging.getLogger(__name__)
RECORD_TTL = 90 * 24 * 3600
FOLLOW_UP_AFTER = dt.timedelta(hours=48)
OPEN = ("requested", "offered", "accepted")
END_COMMANDS = ("END", "FIN", "TERMINAR")


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


class HandoffDesk:
    """Creates, offers, connects and ends handoffs; every outbound text goes through RQ."""

    def __init__(self, client: redis.Redis, flow: Flow, queue: Queue, roster: Roster,
                 coordinator_phone: str | None, answer_seconds: int, program_name: str):
        self.redis = client
        self.flow = flow
        self.queue = queue
        self.roster = roster
        self.coordinator = coordinator_phone
        self.answer_seconds = answer_seconds
        self.program = program_name

    # Keys

    @staticmethod
    def _key(handoff_id: str) -> str:
        return f"{PREFIX}:handoff:{handoff_id}"

    @staticmethod
    def _open_key(person: str) -> str:
        return f"{PREFIX}:handoff:open:{person}"

    @staticmethod
    def _code_key(code: str) -> str:
        return f"{PREFIX}:handoff:code:{code}"

    @staticmethod
    def _session_key(phone: str) -> str:
        return f"{PREFIX}:session:{phone}"

    @staticmethod
    def _chats_key(mentor_phone: str) -> str:
        return f"{PREFIX}:mentor:chats:{mentor_phone}"

    INDEX = f"{PREFIX}:handoffs"

    # Records

    def get(self, handoff_id: str) -> Handoff | None:
        data = self.redis.hgetall(self._key(handoff_id))
        if not data:
            return None
        text = {k.decode(): v.decode() for k, v in data.items()}
        text["created"] = float(text.get("created", 0))
        return Handoff(**text)

    def _save(self, handoff: Handoff, pipe=None) -> None:
        target = pipe or self.redis
        fields = {k: str(v) for k, v in handoff.__dict__.items()}
        target.hset(self._key(handoff.id), mapping=fields)
        target.expire(self._key(handoff.id), RECORD_TTL)

    def by_code(self, code: str) -> Handoff | None:
        handoff_id = self.redis.get(self._code_key(code))
        return self.get(handoff_id.decode()) if handoff_id else None

    def open_for(self, person: str) -> Handoff | None:
        handoff_id = self.redis.get(self._open_key(person))
        handoff = self.get(handoff_id.decode()) if handoff_id else None
        return handoff if handoff and handoff.status in OPEN else None

    def session_of(self, phone: str) -> Handoff | None:
        """The accepted handoff a person is chatting in, if any."""
        handoff_id = self.redis.get(self._session_key(phone))
        handoff = self.get(handoff_id.decode()) if handoff_id else None
        return handoff if handoff and handoff.status == "accepted" else None

    def chats_of(self, mentor_phone: str) -> list[Handoff]:
        """The chats a mentor has open, oldest first."""
        ids = self.redis.smembers(self._chats_key(mentor_phone))
        chats = [h for h in (self.get(i.decode()) for i in ids) if h and h.status == "accepted"]
        return sorted(chats, key=lambda h: h.created)

    def open_chats(self, mentor_phone: str) -> int:
        return len(self.chats_of(mentor_phone))

    def recent(self, limit: int = 50) -> list[Handoff]:
        ids = self.redis.zrevrange(self.INDEX, 0, limit - 1)
        return [h for h in (self.get(i.decode()) for i in ids) if h]

    def mentors_available(self) -> bool:
        return bool(self.redis.scard(f"{PREFIX}:mentors"))

    # The person asks

    def request(self, person: str, request_id: str, lang: str, need: str, zip_code: str,
                area: str) -> Handoff:
        """Record a request once per request id and queue the first offer."""
        handoff_id = job_id("h", request_id)
        existing = self.get(handoff_id)
        if existing:
            return existing
        code = f"{secrets.randbelow(9000) + 1000}"
        while not self.redis.set(self._code_key(code), handoff_id, nx=True, ex=RECORD_TTL):
            code = f"{secrets.randbelow(9000) + 1000}"
        handoff = Handoff(handoff_id, code, person, lang, need or "help", zip_code, area,
                          created=time.time())
        with self.redis.pipeline() as pipe:
            self._save(handoff, pipe)
            pipe.set(self._open_key(person), handoff_id, ex=RECORD_TTL)
            pipe.zadd(self.INDEX, {handoff_id: handoff.created})
            pipe.execute()
        enqueue_job(self.queue, "cpr_bot.tasks.offer_handoff", handoff_id,
                    key=f"{handoff_id}-offer-0")
        log.info("handoff %s requested by %s", handoff_id, mask(person))
        return handoff

    # Offering (runs in the worker)

    def offer_next(self, handoff_id: str, now: dt.datetime, send) -> str:
        """Offer the handoff to the best mentor not yet asked, or give up honestly."""
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status not in ("requested", "offered"):
            return "closed"
        tried = handoff.tried_list
        candidates = [m for m in self.roster.candidates(handoff.lang, handoff.need, handoff.zip,
                                                        handoff.area, now, tried, self.open_chats)
                      if not self.redis.exists(Store.optout_key(m.phone))]
        if not candidates:
            return self._give_up(handoff, send)
        mentor = candidates[0]
        lang = mentor.languages[0]
        need = self.flow.sentences[lang]["needs"].get(handoff.need, handoff.need)
        body = self.flow.sentence(lang, "mentor_offer", area=handoff.area or "Jefferson County",
                                  need=need.lower(), language=handoff.lang.upper(),
                                  code=handoff.code)
        # Sent before saved: if Twilio fails and RQ retries, the same mentor is asked again
        # (and the sender's once-per-key claim stops a double text if the save was lost).
        send(mentor.phone, body, f"{handoff.id}-offer-{len(tried)}", self.answer_seconds)
        handoff.status, handoff.mentor = "offered", mentor.phone
        handoff.tried = ",".join([*tried, mentor.phone])
        self._save(handoff)
        enqueue_job(self.queue, "cpr_bot.tasks.handoff_timeout", handoff.id, mentor.phone,
                    key=f"{handoff.id}-timeout-{len(tried)}",
                    delay=dt.timedelta(seconds=self.answer_seconds))
        return "offered"

    def timed_out(self, handoff_id: str, mentor_phone: str, now: dt.datetime, send) -> str:
        """The offered mentor did not answer in time: offer the next one."""
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status != "offered" or handoff.mentor != mentor_phone:
            return "answered"
        return self.offer_next(handoff_id, now, send)

    def _give_up(self, handoff: Handoff, send) -> str:
        handoff.status, handoff.mentor = "unanswered", ""
        self._save(handoff)
        self.redis.delete(self._open_key(handoff.person))
        told = (self.flow.sentence(handoff.lang, "handoff_none", coordinator=self.coordinator)
                if self.coordinator else self.flow.sentence(handoff.lang, "handoff_none_211"))
        send(handoff.person, told, f"{handoff.id}-none")
        if self.coordinator:
            area = handoff.area or "unknown area"
            send(self.coordinator, self.flow.sentence("en", "coordinator_unanswered",
                                                      code=handoff.code, area=area,
                                                      need=handoff.need),
                 f"{handoff.id}-coordinator")
        log.warning("handoff %s found no mentor", handoff.id)
        return "unanswered"

    # Mentors text in (runs in the webhook; texts to others are queued)

    def from_mentor(self, phone: str, words: list[str], text: str, message_id: str) -> list[str]:
        """A mentor's text: ACCEPT/PASS a code, END a chat, or a message to relay."""
        mentor = self.roster.get(phone)
        lang = mentor.languages[0] if mentor else "en"
        command = words[0].upper() if words else ""
        if command in ("ACCEPT", "PASS", "ACEPTAR", "PASAR") and len(words) > 1:
            handoff = self.by_code(words[1])
            if handoff is None or handoff.status != "offered" or handoff.mentor != phone:
                code = words[1]
                return [self.flow.sentence(lang, "mentor_taken", code=code)]
            if command in ("ACCEPT", "ACEPTAR"):
                return self._accept(handoff, mentor, lang)
            handoff.status = "offered"
            self._save(handoff)
            enqueue_job(self.queue, "cpr_bot.tasks.offer_handoff", handoff.id,
                        key=f"{handoff.id}-offer-after-pass-{len(handoff.tried_list)}")
            return [self.flow.sentence(lang, "mentor_passed", code=handoff.code)]
        chats = self.chats_of(phone)
        if not chats:
            return [self.flow.sentence(lang, "mentor_help")]
        ending = command in END_COMMANDS
        by_code = {h.code: h for h in chats}
        # With several chats open, a text starts with the chat's code ("4821 see you at 10")
        # and END names one ("END 4821").
        code = words[1] if ending and len(words) == 2 else (words[0] if words else "")
        session = by_code.get(code)
        if session is not None and not ending:
            text = text.split(None, 1)[1] if len(words) > 1 else ""
        if session is None:
            if len(chats) > 1:
                codes = ", ".join(by_code)
                return [self.flow.sentence(lang, "mentor_which_chat", codes=codes)]
            session = chats[0]
        if ending and len(words) <= 2:
            return self.end(session, by_mentor=True)
        if not text.strip():
            return []
        body = self.flow.sentence(session.lang, "relay_from_mentor",
                                  mentor=mentor.first_name if mentor else "Mentor", text=text)
        enqueue_text(self.queue, session.person, body, f"relay-{message_id}")
        return []

    def _accept(self, handoff: Handoff, mentor, lang: str) -> list[str]:
        handoff.status = "accepted"
        with self.redis.pipeline() as pipe:
            self._save(handoff, pipe)
            pipe.set(self._session_key(handoff.person), handoff.id, ex=RECORD_TTL)
            pipe.sadd(self._chats_key(mentor.phone), handoff.id)
            pipe.execute()
        told = self.flow.sentence(handoff.lang, "handoff_accepted", mentor=mentor.first_name)
        enqueue_text(self.queue, handoff.person, told, f"{handoff.id}-accepted")
        enqueue_job(self.queue, "cpr_bot.tasks.follow_up", handoff.person, "mentor",
                    mentor.first_name, handoff.lang, key=f"followup-{handoff.id}",
                    delay=FOLLOW_UP_AFTER)
        log.info("handoff %s accepted", handoff.id)
        return [self.flow.sentence(lang, "mentor_connected", code=handoff.code)]

    # The person texts during a chat

    def from_person(self, handoff: Handoff, text: str, message_id: str) -> None:
        """Relay the person's text to the mentor, marked with the request code."""
        mentor = self.roster.get(handoff.mentor)
        lang = mentor.languages[0] if mentor else "en"
        body = self.flow.sentence(lang, "mentor_relay", code=handoff.code, text=text)
        enqueue_text(self.queue, handoff.mentor, body, f"relay-{message_id}")

    def end(self, handoff: Handoff, by_mentor: bool) -> list[str]:
        """Close a chat; both sides are told. Returns the reply to whoever ended it."""
        handoff.status = "ended"
        with self.redis.pipeline() as pipe:
            self._save(handoff, pipe)
            pipe.delete(self._session_key(handoff.person), self._open_key(handoff.person))
            pipe.srem(self._chats_key(handoff.mentor), handoff.id)
            pipe.execute()
        mentor = self.roster.get(handoff.mentor)
        mentor_lang = mentor.languages[0] if mentor else "en"
        to_person = self.flow.sentence(handoff.lang, "handoff_ended")
        to_mentor = self.flow.sentence(mentor_lang, "mentor_ended", code=handoff.code)
        if by_mentor:
            enqueue_text(self.queue, handoff.person, to_person, f"{handoff.id}-ended")
            return [to_mentor]
        enqueue_text(self.queue, handoff.mentor, to_mentor, f"{handoff.id}-ended")
        return [to_person]

    def requeue(self, handoff_id: str) -> bool:
        """Offer a stuck or unanswered handoff again, from the first mentor (coordinators)."""
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status in ("accepted", "ended"):
            return False
        handoff.status, handoff.mentor, handoff.tried = "requested", "", ""
        self._save(handoff)
        self.redis.set(self._open_key(handoff.person), handoff.id, ex=RECORD_TTL)
        enqueue_job(self.queue, "cpr_bot.tasks.offer_handoff", handoff.id,
                    key=f"{handoff.id}-requeue-{int(time.time())}")
        return True
