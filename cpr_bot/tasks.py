"""Job functions the RQ worker runs: plain functions with JSON-safe arguments."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rq import get_current_job

from .config import Settings
from .flows import Flow, load_flow
from .followups import FollowUps
from .handoff import HandoffDesk
from .jobs import make_queue
from .mentors import Roster
from .redis_server import connect
from .sender import Sender, UncertainSendError
from .services import redis_url
from .store import Store


@dataclass
class WorkerContext:
    """What jobs need, built once per worker process from the environment."""

    settings: Settings
    flow: Flow
    sender: Sender
    desk: HandoffDesk
    follow_ups: FollowUps

    def now(self) -> dt.datetime:
        return dt.datetime.now(ZoneInfo(self.settings.timezone))


@functools.cache
def context() -> WorkerContext:
    settings = Settings.from_env()
    client = connect(redis_url(settings), socket_timeout=5, socket_connect_timeout=5)
    store = Store(client, settings.conversation_ttl)
    flow = load_flow(settings.conversations_dir)
    queue = make_queue(client)
    desk = HandoffDesk(client, flow, queue, Roster(client), settings.coordinator_phone,
                       settings.mentor_answer_seconds, settings.program_name)
    return WorkerContext(settings, flow, Sender(settings, store), desk, FollowUps(client))


def _send(to: str, body: str, key: str, valid_for: int | None = None) -> str:
    try:
        return context().sender.send(to, body, key, valid_for).status
    except UncertainSendError:
        # Retrying could text the person twice: fail now, where a coordinator can requeue.
        job = get_current_job()
        if job is not None:
            job.retries_left = 0
        raise


def send_text(to: str, body: str, key: str) -> str:
    """Text body to a number (once per key); Twilio 429/5xx raise and RQ retries later."""
    return _send(to, body, key)


def offer_handoff(handoff_id: str) -> str:
    """Offer a handoff to the next mentor, or tell the person and coordinator nobody can."""
    ctx = context()
    return ctx.desk.offer_next(handoff_id, ctx.now(), _send)


def handoff_timeout(handoff_id: str, mentor_phone: str) -> str:
    """A mentor let an offer go unanswered: move on to the next one."""
    ctx = context()
    return ctx.desk.timed_out(handoff_id, mentor_phone, ctx.now(), _send)


def follow_up(person: str, resource_id: str, name: str, lang: str) -> str:
    """The one check-in text, about 48 hours after a referral or a handoff."""
    ctx = context()
    ctx.follow_ups.expect_answer(person, resource_id)
    body = ctx.flow.sentence(lang, "followup", program=ctx.settings.program_name, name=name)
    return _send(person, body, f"followup-{person}-{resource_id}")
