"""The only module that queues work for the RQ worker: one method per kind of job. Job ids are
deterministic, so a repeated request never makes a second job."""

from __future__ import annotations

import datetime as dt
import re

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from .. import phones
from ..state import keys

TEXT_RETRY = Retry(max=3, interval=[10, 30, 60])
JOB_TIMEOUT = 25  # well under a platform's 30 s shutdown grace
KEEP_FAILED = 30 * 24 * 3600
FOLLOW_UP_AFTER = dt.timedelta(hours=48)
TASKS = "cpr_bot.worker.tasks"


def make_queue(connection: redis.Redis, name: str = "default") -> Queue:
    """The project's queue, JSON-serialized so jobs never unpickle untrusted data."""
    return Queue(name, connection=connection, serializer=JSONSerializer)


def job_id(kind: str, key: str) -> str:
    """An RQ job id from a kind and a key, using only the characters RQ allows."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


class Jobs:
    """Queues texts, mentor offers and their timeouts, and check-ins; cancels a number's."""

    def __init__(self, queue: Queue):
        self.queue = queue
        self.redis = queue.connection

    def text(self, to: str, body: str, key: str) -> str:
        """Text body to a number; the same key queued again is the same job (and text)."""
        return self._enqueue("send_text", to, body, key, key=f"text-{key}")

    def offer(self, handoff_id: str, attempt: str) -> str:
        """Offer a handoff to the next mentor now."""
        return self._enqueue("offer_handoff", handoff_id, key=f"{handoff_id}-{attempt}")

    def offer_timeout(self, handoff_id: str, mentor_phone: str, attempt: int,
                      after: dt.timedelta) -> str:
        """Move on to the next mentor if this one has not answered in time."""
        return self._enqueue("handoff_timeout", handoff_id, mentor_phone,
                             key=f"{handoff_id}-timeout-{attempt}", delay=after)

    def follow_up(self, person: str, resource_id: str, name: str, lang: str,
                  handoff_id: str | None = None) -> str:
        """Ask a person, in about two days, whether a place (or their mentor) helped."""
        about = handoff_id or f"{phones.token(person)}-{resource_id}"
        return self._enqueue("follow_up", person, resource_id, name, lang,
                             key=f"followup-{about}", delay=FOLLOW_UP_AFTER, recipient=person)

    def cancel_for(self, phone: str) -> int:
        """Cancel every job scheduled to text a number (it opted out); return how many."""
        index = keys.scheduled_jobs(phone)
        cancelled = 0
        for raw in self.redis.smembers(index):
            try:
                Job.fetch(raw.decode(), connection=self.redis, serializer=JSONSerializer).delete()
                cancelled += 1
            except NoSuchJobError:
                pass  # already ran or expired
        self.redis.delete(index)
        return cancelled

    def _enqueue(self, task: str, *args, key: str, delay: dt.timedelta | None = None,
                 recipient: str | None = None) -> str:
        identifier = job_id("job", key)
        options = {"job_id": identifier, "retry": TEXT_RETRY, "job_timeout": JOB_TIMEOUT,
                   "failure_ttl": KEEP_FAILED}
        function = f"{TASKS}.{task}"
        try:
            if delay is None:
                self.queue.enqueue(function, *args, unique=True, **options)
            elif not Job.exists(identifier, connection=self.redis):
                self.queue.enqueue_in(delay, function, *args, **options)
                if recipient:
                    index = keys.scheduled_jobs(recipient)
                    self.redis.sadd(index, identifier)
                    self.redis.expire(index, int(delay.total_seconds()) + 24 * 3600)
        except DuplicateJobError:
            pass
        return identifier

