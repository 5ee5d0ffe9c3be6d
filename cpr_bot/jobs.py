"""The only module that enqueues work for the RQ worker; ids are deterministic, so a repeated
request never makes a second job."""

from __future__ import annotations

import datetime as dt
import re

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.serializers import JSONSerializer

TEXT_RETRY = Retry(max=3, interval=[10, 30, 60])
JOB_TIMEOUT = 25  # well under a platform's 30 s shutdown grace
KEEP_FAILED = 30 * 24 * 3600


def make_queue(connection: redis.Redis, name: str = "default") -> Queue:
    """The project's queue, JSON-serialized so jobs never unpickle untrusted data."""
    return Queue(name, connection=connection, serializer=JSONSerializer)


def job_id(kind: str, key: str) -> str:
    """An RQ job id from a kind and a key, using only the characters RQ allows."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


def enqueue_job(queue: Queue, function: str, *args, key: str,
                delay: dt.timedelta | None = None) -> str:
    """Queue (or schedule) one job; the same key queued again is the same job."""
    identifier = job_id("job", key)
    options = {"job_id": identifier, "retry": TEXT_RETRY, "job_timeout": JOB_TIMEOUT,
               "failure_ttl": KEEP_FAILED}
    try:
        if delay is None:
            queue.enqueue(function, *args, unique=True, **options)
        elif not Job.exists(identifier, connection=queue.connection):
            queue.enqueue_in(delay, function, *args, **options)
    except DuplicateJobError:
        pass
    return identifier


def enqueue_text(queue: Queue, to: str, body: str, key: str) -> str:
    """Queue one text; the same key queued again is the same job (and the same text)."""
    return enqueue_job(queue, "cpr_bot.tasks.send_text", to, body, key, key=f"text-{key}")
