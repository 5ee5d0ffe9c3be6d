"""Job functions the RQ worker runs: plain functions with JSON-safe arguments."""

from __future__ import annotations

import functools

from rq import get_current_job

from ..config import Settings
from ..errors import UncertainSendError
from ..wiring import WorkerServices, build_worker


@functools.cache
def context() -> WorkerServices:
    """What jobs use, built once per worker process from the environment."""
    return build_worker(Settings.from_env())


def _services() -> WorkerServices:
    """The context, after applying opt-outs spooled during an outage: they come first."""
    ctx = context()
    for phone in ctx.opt_outs.replay():
        ctx.desk.opted_out(phone)
    return ctx


def _send(to: str, body: str, key: str, valid_for: int | None = None) -> str:
    ctx = context()
    try:
        status = ctx.sender.send(to, body, key, valid_for).status
    except UncertainSendError:
        # Retrying could text the person twice: fail now, where a coordinator can requeue.
        job = get_current_job()
        if job is not None:
            job.retries_left = 0
        raise
    if status == "opted_out":
        ctx.desk.opted_out(to)  # Twilio may know first (21610): end chats, cancel the rest
    return status


def send_text(to: str, body: str, key: str) -> str:
    """Text body to a number (once per key); Twilio 429/5xx raise and RQ retries later."""
    _services()
    return _send(to, body, key)


def offer_handoff(handoff_id: str) -> str:
    """Offer a handoff to the next mentor, or tell the person and coordinator nobody can."""
    ctx = _services()
    return ctx.desk.offer_next(handoff_id, ctx.now(), _send)


def handoff_timeout(handoff_id: str, mentor_phone: str) -> str:
    """A mentor let an offer go unanswered: move on to the next one."""
    ctx = _services()
    return ctx.desk.timed_out(handoff_id, mentor_phone, ctx.now(), _send)


def follow_up(person: str, resource_id: str, name: str, lang: str) -> str:
    """The one check-in text, about 48 hours after a referral or a handoff."""
    ctx = _services()
    ctx.follow_ups.expect_answer(person, resource_id)
    body = ctx.flow.sentence(lang, "followup", program=ctx.settings.program_name, name=name)
    return _send(person, body, f"followup-{person}-{resource_id}")
