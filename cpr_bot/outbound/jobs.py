"""The only module that queues work for the RQ worker: one method per kind of job. Job ids are
deterministic, so a repeated request never makes a second job.

RQ logs a job's arguments and keeps them in its job hash (for a week if the job fails), so a
job that texts someone carries only its own id: the number and the text wait in a short-lived
Redis record that the job reads, and that is deleted once the job is done.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from .. import phones
from ..state import keys

TEXT_RETRY = Retry(max=3, interval=[10, 30, 60])
JOB_TIMEOUT = 25  # well under a platform's 30 s shutdown grace
KEEP_FAILED = 7 * 24 * 3600  # a failed job (and the text it holds) waits a week for a coordinator
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

    def text(self, to: str, body: str, key: str, valid_for: int | None = None) -> str:
        """Text body to a number; the same key queued again is the same job (and text).

        valid_for (seconds) lets Twilio drop a text it could not deliver in time, such as an
        offer to a mentor that another mentor will get anyway.
        """
        private = {"to": to, "body": body, "key": key, "valid_for": valid_for}
        return self._enqueue("send_text", key=f"text-{key}", private=private)

    def offer(self, handoff_id: str, attempt: int, tag: str = "") -> str:
        """Offer a handoff to its next mentor (attempt 0 is the first) now."""
        return self._enqueue("offer_handoff", handoff_id, attempt,
                             key=f"{handoff_id}-offer-{attempt}{tag}")

    def offer_timeout(self, handoff_id: str, rounds: int, attempt: int,
                      after: dt.timedelta) -> str:
        """Move on to the next mentor if this attempt's mentor has not answered in time."""
        return self._enqueue("handoff_timeout", handoff_id, rounds, attempt,
                             key=f"{handoff_id}-{rounds}-timeout-{attempt}", delay=after)

    def follow_up(self, person: str, resource_id: str, name: str, lang: str,
                  handoff_id: str | None = None) -> str:
        """Ask a person, in about two days, whether a place (or their mentor) helped."""
        about = handoff_id or f"{phones.token(person)}-{resource_id}"
        private = {"person": person, "resource_id": resource_id, "name": name, "lang": lang}
        return self._enqueue("follow_up", key=f"followup-{about}", delay=FOLLOW_UP_AFTER,
                             recipient=person, private=private)

    def private(self, identifier: str) -> dict | None:
        """What a job keeps out of RQ (a number, a text); None once it has expired."""
        raw = self.redis.get(keys.job_data(identifier))
        return json.loads(raw) if raw else None

    def done(self, identifier: str) -> None:
        """Forget a finished job's private data."""
        self.redis.delete(keys.job_data(identifier))

    def cancel_for(self, phone: str) -> int:
        """Cancel every job scheduled to text a number (it opted out); return how many."""
        index = keys.scheduled_jobs(phones.token(phone))
        cancelled = 0
        for raw in self.redis.smembers(index):
            identifier = raw.decode()
            try:
                Job.fetch(identifier, connection=self.redis, serializer=JSONSerializer).delete()
                cancelled += 1
            except NoSuchJobError:
                pass  # already ran or expired
            self.done(identifier)
        self.redis.delete(index)
        return cancelled

    def _enqueue(self, task: str, *args, key: str, delay: dt.timedelta | None = None,
                 recipient: str | None = None, private: dict | None = None) -> str:
        identifier = job_id("job", key)
        waits = int(delay.total_seconds()) if delay else 0
        # The job's private data and its opt-out index go first, in one round trip, so the
        # job never runs without them.
        with self.redis.pipeline(transaction=False) as pipe:
            if private is not None:
                pipe.set(keys.job_data(identifier), json.dumps(private), ex=waits + KEEP_FAILED)
                args = (identifier,)
            if recipient:
                index = keys.scheduled_jobs(phones.token(recipient))
                pipe.sadd(index, identifier)
                pipe.expire(index, waits + 24 * 3600)
            pipe.execute()
        function = f"{TASKS}.{task}"
        try:
            if delay is None:
                self.queue.enqueue(function, *args, job_id=identifier, unique=True,
                                   retry=TEXT_RETRY, job_timeout=JOB_TIMEOUT,
                                   failure_ttl=KEEP_FAILED)
            else:
                job = self.queue.create_job(function, args=args, job_id=identifier,
                                            status=JobStatus.SCHEDULED, retry=TEXT_RETRY,
                                            timeout=JOB_TIMEOUT, failure_ttl=KEEP_FAILED)
                # One atomic step that refuses a job id already scheduled.
                self.queue.schedule_job(job, dt.datetime.now(dt.timezone.utc) + delay,
                                        unique=True)
        except DuplicateJobError:
            # Queued again after it ran: the text it holds must not linger for a week.
            try:
                finished = Job.fetch(identifier, connection=self.redis,
                                     serializer=JSONSerializer).is_finished
            except NoSuchJobError:
                finished = True  # gone since: it ran
            if private is not None and finished:
                self.done(identifier)
        return identifier
