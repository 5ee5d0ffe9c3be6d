"""Job functions the RQ worker runs: plain functions with JSON-safe arguments."""

from __future__ import annotations

import functools

from rq import get_current_job

from .config import Settings
from .redis_server import connect
from .sender import Sender, UncertainSendError
from .services import redis_url
from .store import Store


@functools.cache
def _sender() -> Sender:
    """One sender per worker process, built from the environment like the web app."""
    settings = Settings.from_env()
    client = connect(redis_url(settings), socket_timeout=5, socket_connect_timeout=5)
    return Sender(settings, Store(client, settings.conversation_ttl))


def send_text(to: str, body: str, key: str) -> str:
    """Text body to a number (once per key); Twilio 429/5xx raise and RQ retries later."""
    try:
        return _sender().send(to, body, key).status
    except UncertainSendError:
        # Retrying could text the person twice: fail now, where a coordinator can requeue.
        job = get_current_job()
        if job is not None:
            job.retries_left = 0
        raise
