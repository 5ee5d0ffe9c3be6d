"""Run an RQ worker on the project's queue, with its serializer and the scheduler."""

from __future__ import annotations

import redis
from rq import Worker
from rq.serializers import JSONSerializer

from ..config import Settings, configure_logging
from ..outbound.jobs import make_queue
from ..state.connection import url_for


def run_worker(settings: Settings, burst: bool = False) -> bool:
    """Work the queue (and scheduled retries) until stopped, or until empty with burst."""
    configure_logging()
    from . import tasks

    # Build the jobs' context (flows, Twilio client) once: each job's forked process inherits it.
    tasks.context()
    connection = redis.Redis.from_url(url_for(settings))
    worker = Worker([make_queue(connection)], connection=connection, serializer=JSONSerializer)
    return worker.work(burst=burst, with_scheduler=True)
