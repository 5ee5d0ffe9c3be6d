"""Job functions the RQ worker runs: plain functions with JSON-safe arguments and no phone
numbers or texts among them (those wait in the job's private record, see outbound.jobs)."""

from __future__ import annotations

import functools

from .. import phones
from ..config import Settings
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


def _send(ctx: WorkerServices, to: str, body: str, key: str, valid_for: int | None = None
          ) -> str:
    """Send one text; Twilio 429/5xx, refusals and unclear tries raise, and RQ retries."""
    status = ctx.sender.send(to, body, key, valid_for).status
    if status == "opted_out":
        ctx.desk.opted_out(to)  # Twilio may know first (21610): end chats, cancel the rest
    return status


def send_text(job_id: str) -> str:
    """Text a number (once per key) what the job's private record holds."""
    ctx = _services()
    text = ctx.jobs.private(job_id)
    if text is None:
        return "expired"  # kept past its retention: a coordinator was told by its failure
    status = _send(ctx, **text)
    ctx.jobs.done(job_id)
    return status


def offer_handoff(handoff_id: str, attempt: int) -> str:
    """Offer a handoff to its next mentor, or tell the person and coordinator nobody can."""
    ctx = _services()
    return ctx.desk.offer_next(handoff_id, attempt, ctx.now())


def handoff_timeout(handoff_id: str, rounds: int, attempt: int) -> str:
    """A mentor let an offer go unanswered: move on to the next one."""
    ctx = _services()
    return ctx.desk.timed_out(handoff_id, rounds, attempt, ctx.now())


def follow_up(job_id: str) -> str:
    """The one check-in text, about 48 hours after a referral or a handoff."""
    ctx = _services()
    about = ctx.jobs.private(job_id)
    if about is None:
        return "expired"
    person, resource_id = about["person"], about["resource_id"]
    ctx.follow_ups.expect_answer(person, resource_id)
    body = ctx.flow.sentence(about["lang"], "followup", program=ctx.settings.program_name,
                             name=about["name"])
    status = _send(ctx, person, body, f"followup-{phones.token(person)}-{resource_id}")
    ctx.jobs.done(job_id)
    return status
