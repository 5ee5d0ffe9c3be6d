"""Run an RQ worker on the project's queue, with its serializer and a scheduler, under a
supervisor that outlasts Redis: RQ's worker quits on a lost connection, and its scheduler
process dies on one and is restarted only in RQ's 10-minute upkeep."""

from __future__ import annotations

import logging
import signal
import threading

import redis
from rq import SimpleWorker
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer

from ..config import Settings, configure_logging
from ..outbound.jobs import make_queue
from ..state.connection import url_for

log = logging.getLogger(__name__)
RESTART_WAIT = (0.5, 10.0)  # seconds between tries to reach Redis again: first, most


class SchedulerThread(threading.Thread):
    """RQ's scheduler in a thread of the worker that survives Redis outages: every second it
    moves due jobs (retries, mentor timeouts, check-ins) to the queue. Several workers share
    the work through RQ's lock; another takes over within a minute if this one dies."""

    def __init__(self, connection: redis.Redis, queue_name: str):
        super().__init__(name="cpr-scheduler", daemon=True)
        self.scheduler = RQScheduler([queue_name], connection=connection,
                                     serializer=JSONSerializer, interval=1)
        self.stopping = threading.Event()

    def run(self) -> None:
        failing = False
        while not self.stopping.is_set():
            try:
                if self.scheduler.acquired_locks:
                    self.scheduler.heartbeat()
                else:
                    self.scheduler.acquire_locks()
                if self.scheduler.acquired_locks:
                    self.scheduler.enqueue_scheduled_jobs()
                if failing:
                    log.info("scheduler: Redis is back")
                failing = False
            except redis.RedisError as exc:
                if not failing:
                    log.warning("scheduler: Redis unavailable (%s); trying every second",
                                type(exc).__name__)
                failing = True
            self.stopping.wait(self.scheduler.interval)
        try:
            self.scheduler.release_locks()
        except redis.RedisError:
            pass  # the lock expires on its own within a minute


class LineWorker(SimpleWorker):
    """RQ's non-forking worker: jobs run in this process, reusing its Twilio connection and
    loaded flows. Its command channel waits on Redis a second at a time, not RQ's 60: a
    stop (SIGTERM, or the end of a burst) otherwise waits up to a minute for that thread."""

    def subscribe(self):
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler)


def _redis_answers(connection: redis.Redis) -> bool:
    try:
        return bool(connection.ping())
    except redis.RedisError:
        return False


def run_worker(settings: Settings, burst: bool = False) -> bool:
    """Work the queue (and scheduled jobs) until stopped, or until empty with burst; if
    Redis goes away, wait for it and start again."""
    configure_logging()
    from . import tasks

    # Build the jobs' context (flows, Twilio client) once, before the first job.
    tasks.context()
    connection = redis.Redis.from_url(url_for(settings))
    queue = make_queue(connection)
    scheduler = None
    if not burst:
        scheduler = SchedulerThread(connection, queue.name)
        scheduler.start()
    worked = False
    stop = threading.Event()
    try:
        while True:
            # Upkeep every minute, not ten: a job whose worker died is retried sooner.
            worker = LineWorker([queue], connection=connection, serializer=JSONSerializer,
                                maintenance_interval=60)
            try:
                worked = worker.work(burst=burst, with_scheduler=burst) or worked
            except redis.RedisError as exc:  # RQ's own teardown can fail the same way
                log.warning("worker: Redis failed during shutdown (%s)", type(exc).__name__)
            # RQ notes the time of a SIGTERM or SIGINT; without one, it quit on an error.
            if worker._shutdown_requested_date or (burst and _redis_answers(connection)):
                return worked
            log.warning("worker: stopped unexpectedly; starting again once Redis answers")
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            wait = RESTART_WAIT[0]
            while not _redis_answers(connection):
                if stop.wait(wait):
                    return worked
                wait = min(wait * 2, RESTART_WAIT[1])
            if stop.is_set():
                return worked
    finally:
        if scheduler is not None:
            scheduler.stopping.set()
            scheduler.join(timeout=5)
