"""Fixtures: a real Redis (REDIS_URL's server on its own DB index, or an embedded one), the app
built by the factory, and helpers that sign requests and read TwiML like Twilio would."""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from twilio.request_validator import RequestValidator

from cpr_bot import create_app
from cpr_bot.config import Settings
from cpr_bot.state.connection import EmbeddedRedis

TOKEN = "test-auth-token"
BASE_URL = "https://bot.example.org"
TEST_DB = int(os.environ.get("CPR_TEST_REDIS_DB", "15"))
CHICAGO = ZoneInfo("America/Chicago")
# A Monday mid-morning, when weekday offices are open.
MONDAY_MORNING = dt.datetime(2026, 11, 30, 10, 30, tzinfo=CHICAGO)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL's server with the tests' own DB index, else an embedded server."""
    if os.environ.get("REDIS_URL"):
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        kwargs = client.connection_pool.connection_kwargs
        if "path" in kwargs:
            yield f"unix://{kwargs['path']}?db={TEST_DB}"
        else:
            yield f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{TEST_DB}"
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False).start()
    yield f"{server.url}?db={TEST_DB}"
    server.stop()


@pytest.fixture
def redis_client(redis_url):
    """A client on the tests' DB, flushed before and after each test (that DB only)."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


def make_settings(redis_url: str, **overrides) -> Settings:
    values = {
        "env": "production",
        "redis_url": redis_url,
        "twilio_auth_token": TOKEN,
        "public_base_url": BASE_URL,
        "spool_dir": Path(os.environ["CPR_SPOOL_DIR"]),
    }
    values.update(overrides)
    return Settings.from_env({}, **values)


@pytest.fixture(autouse=True)
def spool_dir(tmp_path, monkeypatch):
    """Each test gets its own empty opt-out spool folder; workers it starts use it too."""
    monkeypatch.setenv("CPR_SPOOL_DIR", str(tmp_path / "spool"))
    return tmp_path / "spool"


@pytest.fixture
def settings(redis_url, redis_client):
    return make_settings(redis_url)


@pytest.fixture
def app(settings, redis_client):
    return create_app(settings, redis_client, now=lambda: MONDAY_MORNING)


def opted_out(app, number: str) -> bool:
    """Whether the app would refuse to text this number."""
    return app.extensions["cpr"].opt_outs.is_opted_out(number)


@pytest.fixture
def client(app):
    return app.test_client()


def sign(url: str, params: dict) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and form."""
    return RequestValidator(TOKEN).compute_signature(url, params)


def parse_twiml(data: bytes) -> list[str]:
    """The texts of a Messaging TwiML reply; fails if it is not <Response>."""
    root = ET.fromstring(data)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


class Phone:
    """A person texting the bot through the signed webhook, one message at a time."""

    def __init__(self, client, number: str = "+12055550100"):
        self.client = client
        self.number = number
        self.count = 0

    def post(self, body: str, sid: str | None = None, **extra):
        self.count += 1
        form = {
            "From": self.number, "To": "+12055550199", "Body": body,
            "MessageSid": sid or f"SM{self.number[-4:]}{self.count:028d}",
            "AccountSid": ACCOUNT, "NumMedia": "0", **extra,
        }
        url = f"{BASE_URL}/sms"
        return self.client.post("/sms", data=form, headers={"X-Twilio-Signature": sign(url, form)})

    def send(self, body: str, **extra) -> list[str]:
        """Text the bot and return its reply texts."""
        response = self.post(body, **extra)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        return parse_twiml(response.data)

    def reply(self, body: str) -> str:
        """All reply texts joined, for checking what the person reads."""
        return "\n".join(self.send(body))


def check_turn(reply_texts: list[str] | None, expected, forbidden, body: str) -> None:
    """Replies must match every expected pattern and no forbidden one; None means no reply."""
    if expected is None:
        assert reply_texts == [], f"{body!r} must get no reply, got {reply_texts}"
        return
    reply = "\n".join(reply_texts)
    assert reply_texts, f"{body!r} got no reply"
    for pattern in expected:
        assert re.search(pattern, reply, re.M), f"{body!r}: {pattern!r} not in:\n{reply}"
    for pattern in forbidden:
        assert not re.search(pattern, reply, re.M), f"{body!r}: {pattern!r} in:\n{reply}"


@pytest.fixture
def phone(client):
    return Phone(client)


ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def twilio():
    """A local stand-in for Twilio's REST API; the real twilio client talks to it."""
    from .twilio_mock import TwilioMock

    with TwilioMock() as mock:
        yield mock


def run_due(queue) -> None:
    """Every job scheduled for later (a retry, an offer's timeout, a check-in) is due now."""
    from rq.job import Job

    scheduled = queue.scheduled_job_registry
    for job_id in scheduled.get_job_ids():
        job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        scheduled.remove(job)
        queue.enqueue_job(job)


def worker_env(redis_url: str, twilio_url: str, **extra) -> dict[str, str]:
    """The environment a worker process (or the app) runs with against the stand-in."""
    return {"REDIS_URL": redis_url, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_BASE_URL": twilio_url, "TWILIO_FROM_NUMBER": "+12055550199",
            "CPR_COORDINATOR_PHONE": "+12055550109", "CPR_MENTOR_ANSWER_SECONDS": "600",
            "CPR_ENV": "production", "PUBLIC_BASE_URL": BASE_URL, "CPR_TWILIO_TIMEOUT": "1",
            **extra}


@pytest.fixture
def world(twilio, redis_url, redis_client, monkeypatch):
    """The app, its queue, and a way to run a real RQ worker, all wired to the stand-in, with
    two mentors on the roster: Ana (Spanish first, Bessemer, jobs) and Ben (downtown)."""
    from rq.serializers import JSONSerializer

    from cpr_bot.outbound.jobs import make_queue
    from cpr_bot.state.mentors import Roster, make_mentor
    from cpr_bot.worker import tasks
    from cpr_bot.worker.run import LineWorker

    for key, value in worker_env(redis_url, twilio.url).items():
        monkeypatch.setenv(key, value)
    settings = make_settings(redis_url, twilio_account_sid=ACCOUNT, twilio_timeout=1,
                             coordinator_phone="+12055550109", twilio_api_base_url=twilio.url,
                             mentor_answer_seconds=600)
    app = create_app(settings, redis_client, now=lambda: MONDAY_MORNING)
    roster = Roster(redis_client)
    roster.save(make_mentor("Ana Lopez", "+12055550101", "es,en", "Bessemer,35020", "jobs",
                            "24/7"))
    roster.save(make_mentor("Ben Carter", "+12055550102", "en,es", "35203", "", "24/7"))
    queue = make_queue(redis_client)

    def work():
        """Run the line's own RQ worker until the queue is empty (due scheduled jobs too)."""
        tasks.context.cache_clear()
        LineWorker([queue], connection=redis_client, serializer=JSONSerializer).work(
            burst=True, with_scheduler=True)

    return app, queue, work
