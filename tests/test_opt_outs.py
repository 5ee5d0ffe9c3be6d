"""STOP is honored on every path: during a Redis outage, through Twilio's own opt-out
handling, in a mentor chat (where END opts out and BYE only ends the chat), and with a mentor
request pending. Real Redis servers (one is stopped and started again), real RQ workers and
the local Twilio stand-in; each test shows no text reaches the number afterwards."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis

from cpr_bot import create_app
from cpr_bot.config import ROOT, Settings
from cpr_bot.errors import OptOutUnknownError
from cpr_bot.outbound.jobs import Jobs, make_queue
from cpr_bot.outbound.sender import Sender
from cpr_bot.state.connection import EmbeddedRedis
from cpr_bot.state.deliveries import Deliveries
from cpr_bot.state.optouts import OptOuts

from .conftest import Phone, opted_out, worker_env
from .scenes import PERSON, Scene

Y = "+12055550188"


@pytest.fixture
def outage(tmp_path, twilio, spool_dir):
    """A Redis of the test's own that can go down and come back, an app on it, and a real
    worker process that shares the app's spool folder (as on one machine, or a shared volume)."""
    server = EmbeddedRedis(tmp_path / "redis").start()
    env = worker_env(server.url, twilio.url, CPR_SPOOL_DIR=str(spool_dir))
    app = create_app(Settings.from_env(env))

    class Outage:
        phone = Phone(app.test_client(), Y)

        def redis_down(self):
            server.stop()

        def redis_back(self) -> redis.Redis:
            server.start()
            return redis.Redis.from_url(server.url)

        def worker(self):
            done = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "worker", "--burst"],
                                  env={**os.environ, **env}, cwd=ROOT, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]

    yield Outage()
    server.stop()


def test_defect_1_a_stop_during_an_outage_holds_for_the_worker(outage, twilio, spool_dir):
    assert outage.phone.reply("food 35204").startswith("Food near 35204")
    outage.redis_down()
    assert "unsubscribed" in outage.phone.reply("STOP")  # confirmed, and kept on disk
    client = outage.redis_back()
    # Y has not texted again; something queues a text to Y anyway.
    Jobs(make_queue(client)).text(Y, "a text Y must never get", "after-the-outage")
    outage.worker()
    assert twilio.to(Y) == []
    assert OptOuts(client, spool_dir).is_opted_out(Y)
    assert not list(spool_dir.iterdir())  # replayed into Redis, nothing left behind


def test_defect_2_twilio_advanced_opt_out_during_an_outage_is_kept(outage, twilio, spool_dir):
    outage.redis_down()
    # A custom keyword the bot itself does not know; Twilio says it is an opt-out.
    assert outage.phone.send("REMOVEME", OptOutType="STOP") == []
    client = outage.redis_back()
    Jobs(make_queue(client)).text(Y, "a text Y must never get", "after-the-outage")
    outage.worker()
    assert twilio.to(Y) == []
    assert OptOuts(client, spool_dir).is_opted_out(Y)


CHAT = [
    ("person", "mentor", [r"Reply YES"], []),
    ("person", "yes", [r"asking a mentor now"], []),
    ("work",),
    ("ana gets", [r"ACCEPT \d{4}"]),
    ("ana", "ACCEPT {code}", [r"Conectado"], []),
    ("work",),
    ("person gets", [r"will text you here", r"Reply BYE to end the chat"]),
]
AFTERWARDS = [  # the mentor writes again; nothing reaches the person
    ("ana", "are you there?", [r"ACCEPT o PASS"], []),
    ("work",),
    ("person gets", None),
]
SCENES = {
    "defect 2: Twilio's opt-out in a chat is not relayed, and ends the chat": [
        *CHAT,
        ("person", "REMOVEME", None, [], {"OptOutType": "STOP"}),
        ("work",),
        ("ana gets", [r"^El chat {code} termin"]),  # told it ended; never the word itself
        *AFTERWARDS,
    ],
    "defect 3: END in a chat opts out everywhere": [
        *CHAT,
        ("person", "END", [r"unsubscribed"], [r"chat with the mentor has ended"]),
        ("work",),
        ("ana gets", [r"^El chat {code} termin"]),
        *AFTERWARDS,
        ("person", "food 35204", None, []),
    ],
    "BYE ends only the chat": [
        *CHAT,
        ("person", "BYE", [r"chat with the mentor has ended"], [r"unsubscribed"]),
        ("work",),
        ("ana gets", [r"^El chat {code} termin"]),
        ("person", "food 35204", [r"^Food near 35204"], []),
    ],
    "a mentor's BYE and code ends that chat": [
        *CHAT,
        ("ana", "BYE {code}", [r"El chat {code} termin"], []),
        ("work",),
        ("person gets", [r"chat with the mentor has ended"]),
    ],
    "defect 4: STOP cancels a request a mentor was offered": [
        ("person", "mentor", [r"Reply YES"], []),
        ("person", "yes", [r"asking a mentor now"], []),
        ("work",),
        ("ana gets", [r"ACCEPT \d{4}"]),
        ("person", "STOP", [r"unsubscribed"], []),
        ("ana", "ACCEPT {code}", [r"ya no est"], [r"Conectado"]),
        ("work",),
        ("person gets", None),
        ("time passes",),  # the offer's timeout comes and goes: nobody else is asked
        ("ben gets", None),
        ("person gets", None),
    ],
    "STOP before any mentor is asked: nobody is": [
        ("person", "mentor", [r"Reply YES"], []),
        ("person", "yes", [r"asking a mentor now"], []),
        ("person", "stop texting me", [r"unsubscribed"], []),
        ("work",),
        ("ana gets", None),
        ("ben gets", None),
        ("person gets", None),
    ],
    "a mentor's STOP ends her chats and the person is told": [
        *CHAT,
        ("ana", "STOP", [r"unsubscribed"], []),
        ("work",),
        ("person gets", [r"chat with the mentor has ended"]),
        ("ana gets", None),
        ("person", "hello?", [r"1 Food"], []),  # back to the bot, not to Ana
        ("work",),
        ("ana gets", None),
    ],
}


@pytest.mark.parametrize("steps", SCENES.values(), ids=SCENES)
def test_stop_in_and_around_a_mentor_chat(world, twilio, steps):
    app, _, work = world
    Scene(world, twilio).play(steps)
    if any(step[0] == "person" and step[1] in ("END", "STOP", "REMOVEME") for step in steps):
        assert opted_out(app, PERSON)


def test_stop_cancels_the_check_in_scheduled_for_two_days_later(world, twilio):
    app, queue, work = world
    scene = Scene(world, twilio)
    scene.play([("person", "ID 35204", [r"ID and papers near 35204"], []),
                ("person", "1", [r"Call "], [])])
    assert queue.scheduled_job_registry.count == 1
    scene.play([("person", "STOP", [r"unsubscribed"], [])])
    assert queue.scheduled_job_registry.count == 0


def test_the_sender_fails_closed_when_opt_outs_cannot_be_read(tmp_path, twilio, spool_dir):
    from cpr_bot.state.connection import connect

    dead = connect("redis://127.0.0.1:1/0")
    settings = Settings.from_env(worker_env("redis://127.0.0.1:1/0", twilio.url))
    sender = Sender(settings, OptOuts(dead, spool_dir), Deliveries(dead))
    with pytest.raises(OptOutUnknownError):
        sender.send(Y, "hello", "fail-closed")
    assert twilio.requests == 0


def test_a_number_in_the_spool_counts_while_redis_refuses_writes(tmp_path, twilio, spool_dir):
    server = EmbeddedRedis(tmp_path / "redis", persistent=False).start()
    client = redis.Redis.from_url(server.url)
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0")
    OptOuts(dead, spool_dir).record(Y)  # spooled: Redis was unreachable
    client.config_set("maxmemory", 1)  # now Redis reads but refuses every write
    settings = Settings.from_env(worker_env(server.url, twilio.url))
    sender = Sender(settings, OptOuts(client, spool_dir), Deliveries(client))
    assert sender.send(Y, "hello", "spooled").status == "opted_out"
    assert twilio.requests == 0
    client.config_set("maxmemory", 0)
    assert OptOuts(client, spool_dir).replay() == [Y]
    server.stop()


def test_a_coordinator_can_opt_a_number_out_by_hand(world, twilio):
    app, queue, work = world
    done = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "optout", "(205) 555-0150"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert PERSON not in done.stdout and "***0150" in done.stdout
    Jobs(queue).text(PERSON, "hello", "by-hand")
    work()
    assert twilio.to(PERSON) == []
    bad = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "optout", "+44 20 7946 0958"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not a US number" in bad.stderr
