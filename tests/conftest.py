"""Fixtures: a real Redis (REDIS_URL's server on its own DB index, or an embedded one), the app
built by the factory, and helpers that sign requests and read TwiML like Twilio would."""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import redis
from twilio.request_validator import RequestValidator

from cpr_bot import create_app
from cpr_bot.config import Settings
from cpr_bot.redis_server import EmbeddedRedis

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
    }
    values.update(overrides)
    return Settings.from_env({}, **values)


@pytest.fixture
def settings(redis_url, redis_client):
    return make_settings(redis_url)


@pytest.fixture
def app(settings, redis_client):
    app = create_app(settings, redis_client)
    app.extensions["cpr"].bot.now = lambda: MONDAY_MORNING
    return app


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
            "AccountSid": "AC" + "0" * 32, "NumMedia": "0", **extra,
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


@pytest.fixture
def phone(client):
    return Phone(client)
