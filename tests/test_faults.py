"""Faults a production line meets, each against real parts: Twilio timing out, refusing or
failing (the real twilio client against the stand-in), deliveries that arrive together, a
mentor's ACCEPT racing the offer's timeout, forged or replayed webhooks, and Redis going away
under a real worker process. Nothing may be lost, nothing sent twice, no 5xx."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from cpr_bot.config import ROOT
from cpr_bot.outbound.jobs import Jobs, make_queue
from cpr_bot.state import keys
from cpr_bot.state.connection import redis_server_binary
from cpr_bot.state.followups import FollowUps

from .conftest import (
    ACCOUNT,
    BASE_URL,
    MONDAY_MORNING,
    Phone,
    parse_twiml,
    run_due,
    sign,
    worker_env,
)
from .scenes import ANA, BEN, PERSON, Scene

pytestmark = pytest.mark.fault
UNCLEAR_WAIT = 3.2  # the worker's CPR_TWILIO_TIMEOUT (1 s) times 3, and a little


def claim_of(redis_client, key: str) -> str | None:
    value = redis_client.get(keys.sent(key))
    return value.decode() if value else None


# Sends

@pytest.mark.parametrize("twilio_took_it", [True, False], ids=["taken", "not taken"])
def test_a_twilio_timeout_is_looked_up_before_any_resend(world, twilio, redis_client,
                                                         twilio_took_it):
    app, queue, work = world
    Jobs(queue).text(PERSON, "your bed is held until 9pm", "timeout-test")
    twilio.stall_next(2.5, taken=twilio_took_it)
    work()
    assert queue.scheduled_job_registry.count == 1  # retried later, not failed
    time.sleep(UNCLEAR_WAIT)
    run_due(queue)
    work()
    assert twilio.to(PERSON) == ["your bed is held until 9pm"]
    assert twilio.lookups == 1
    assert claim_of(redis_client, "timeout-test") == twilio.messages[-1]["sid"]
    Jobs(queue).text(PERSON, "your bed is held until 9pm", "timeout-test")
    work()
    assert twilio.to(PERSON) == ["your bed is held until 9pm"]


def test_a_refused_connection_is_retried_like_a_5xx(world, twilio, redis_client):
    app, queue, work = world
    twilio.refuse_connections()
    Jobs(queue).text(PERSON, "the pantry opens at 9", "refused-test")
    work()
    assert queue.scheduled_job_registry.count == 1
    assert claim_of(redis_client, "refused-test") is None  # it never left: free to resend
    twilio.accept_connections()
    run_due(queue)
    work()
    assert twilio.to(PERSON) == ["the pantry opens at 9"]
    assert twilio.lookups == 0


def test_429_is_retried_and_sent_once(world, twilio, redis_client):
    app, queue, work = world
    Jobs(queue).text(PERSON, "call 211", "busy-test")
    twilio.fail_next(429, 20429)
    work()
    run_due(queue)
    work()
    assert twilio.to(PERSON) == ["call 211"]


def test_a_coordinator_requeue_after_an_unclear_send_never_texts_twice(world, twilio,
                                                                       redis_client):
    app, queue, work = world
    identifier = Jobs(queue).text(PERSON, "your mentor will text you", "requeue-test")
    job = Job.fetch(identifier, connection=redis_client, serializer=JSONSerializer)
    job.retries_left = 0  # as if every retry had been used
    job.save()
    twilio.delay_next(2.5)
    work()
    assert identifier in FailedJobRegistry(queue=queue).get_job_ids()
    time.sleep(UNCLEAR_WAIT)
    requeue = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "handoffs", "requeue",
                              identifier], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert requeue.returncode == 0, requeue.stderr
    work()
    assert twilio.to(PERSON) == ["your mentor will text you"]


def test_an_offer_that_cannot_be_texted_still_moves_the_handoff_on(world, twilio,
                                                                    redis_client):
    app, queue, work = world
    desk = app.extensions["cpr"].desk
    handoff = desk.request(PERSON, "SM" + "e" * 32, "es", "jobs", "35020", "Bessemer")
    twilio.fail_next(400, 21614)  # Ana's phone cannot get texts
    work()
    assert twilio.to(ANA) == []
    assert desk.records.get(handoff.id).mentor == ANA
    run_due(queue)  # her offer's time runs out
    work()
    assert len(twilio.to(BEN)) == 1 and "ACCEPT" in twilio.to(BEN)[0]


# Deliveries arriving together

def deliver_together(count: int, post) -> list:
    """post(0) ... post(count - 1), all let go at the same moment; their results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def one(n):
        barrier.wait()
        results[n] = post(n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("same_message", [True, False], ids=["one message", "twenty messages"])
def test_a_check_in_answer_delivered_twenty_times_at_once_counts_once(app, redis_client,
                                                                       same_message):
    FollowUps(redis_client).expect_answer(PERSON, "firehouse-shelter")
    responses = deliver_together(20, lambda n: Phone(app.test_client(), PERSON).post(
        "1", sid="SM" + ("f" * 32 if same_message else f"{n:032d}")))
    assert all(r.status_code == 200 for r in responses)
    assert FollowUps(redis_client).report() == {"firehouse-shelter": {"helped": 1}}
    assert any("Thank you" in " ".join(parse_twiml(r.data)) for r in responses)


def test_a_mentor_accept_racing_the_offer_timeout_ends_one_way(world, twilio, redis_client):
    app, queue, work = world
    desk = app.extensions["cpr"].desk
    mentors = {number: Phone(app.test_client(), number) for number in (ANA, BEN)}
    for n in range(8):
        handoff = desk.request(PERSON, f"SM{n:032x}", "en", "jobs", "35203", "downtown")
        work()
        offered = desk.records.get(handoff.id)
        mentor = mentors[offered.mentor]  # one phone each, so every text has its own id

        def side(n, mentor=mentor, offered=offered):
            if n == 0:
                return " ".join(mentor.send(f"ACCEPT {offered.code}"))
            return desk.timed_out(offered.id, 0, 0, MONDAY_MORNING)

        accept_reply, _ = deliver_together(2, side)
        final = desk.records.get(handoff.id)
        if final.status == "accepted":  # the ACCEPT won: the timeout offered nobody else
            assert final.mentor == offered.mentor and final.tried_list == [offered.mentor]
            assert "Connected" in accept_reply
            desk.end(final, by_mentor=True)
        else:  # the timeout won: the next mentor has the offer, and this one is told
            assert final.status == "offered" and len(final.tried_list) == 2
            assert final.mentor != offered.mentor and "not open" in accept_reply
            desk.records.close(final.id, "cancelled")
        work()


# Webhooks

def signed_post(client, path: str, form: dict):
    return client.post(path, data=form, headers={"X-Twilio-Signature": sign(BASE_URL + path,
                                                                            form)})


SMS = {"From": PERSON, "To": "+12055550199", "Body": "food 35204", "AccountSid": ACCOUNT,
       "MessageSid": "SM" + "7" * 32}
BAD_WEBHOOKS = {
    "no MessageSid": ("/sms", {k: v for k, v in SMS.items() if k != "MessageSid"}, 400),
    "a short MessageSid": ("/sms", {**SMS, "MessageSid": "SM123"}, 400),
    "MessageSid folded into another field": (
        "/sms", {**{k: v for k, v in SMS.items() if k != "MessageSid"},
                 "Body": "food 35204MessageSid" + "SM" + "7" * 32}, 400),
    "another account": ("/sms", {**SMS, "AccountSid": "AC" + "2" * 32}, 403),
    "no account": ("/sms", {k: v for k, v in SMS.items() if k != "AccountSid"}, 403),
    "a call without a CallSid": ("/voice", {"From": PERSON, "AccountSid": ACCOUNT}, 400),
    "a malformed CallSid": ("/voice/gather", {"From": PERSON, "AccountSid": ACCOUNT,
                                              "CallSid": "CA1", "Digits": "1"}, 400),
    "a status report without a MessageSid": ("/sms/status", {"AccountSid": ACCOUNT,
                                                             "MessageStatus": "delivered"}, 400),
}


@pytest.mark.parametrize("path,form,status", BAD_WEBHOOKS.values(), ids=BAD_WEBHOOKS)
def test_signed_webhooks_without_twilio_ids_or_from_another_account_are_refused(
        redis_url, redis_client, path, form, status):
    from cpr_bot import create_app

    from .conftest import make_settings

    app = create_app(make_settings(redis_url, twilio_account_sid=ACCOUNT), redis_client)
    assert signed_post(app.test_client(), path, form).status_code == status
    assert redis_client.dbsize() == 0


def test_a_captured_message_replayed_after_its_reply_expired_changes_nothing(app, redis_client):
    client = app.test_client()
    first = signed_post(client, "/sms", {**SMS, "Body": "food"})
    assert "ZIP" in parse_twiml(first.data)[0]
    state = redis_client.get(keys.conversation(PERSON))
    redis_client.delete(keys.message(SMS["MessageSid"]))  # a day later, its reply is gone
    again = signed_post(client, "/sms", {**SMS, "Body": "food"})
    assert again.status_code == 200 and parse_twiml(again.data) == []
    assert redis_client.get(keys.conversation(PERSON)) == state
    assert redis_client.ttl(keys.seen(SMS["MessageSid"])) > 300 * 24 * 3600


# Privacy

def test_no_number_or_text_lingers_in_rq_or_the_logs(world, twilio, redis_client, caplog):
    caplog.set_level("DEBUG")
    app, queue, work = world
    scene = Scene(world, twilio)
    scene.play([("person", "need a job in bessemer", [r"Jobs near Bessemer"], []),
                ("person", "can i get a mentor", [r"Reply YES"], []),
                ("person", "YES", [r"asking a mentor now"], []),
                ("work",),
                ("ana gets", [r"ACCEPT \d{4}"]),
                ("ana", "ACCEPT {code}", [r"Conectado"], []),
                ("person", "my secret story about my kids", None, [])])
    twilio.fail_next(500, 20500)
    work()  # the relay fails once and waits for its retry
    person_digits = PERSON[2:]
    findings = []
    for key in redis_client.scan_iter("rq:*"):
        text = key.decode() + " " + " ".join(str(v) for v in values_of(redis_client, key))
        if person_digits in text or ANA[2:] in text or "secret story" in text:
            findings.append(key.decode())
    assert redis_client.keys("rq:job:*"), "the scene queued no jobs to look at"
    assert findings == []
    assert "secret story" not in caplog.text
    for number in (PERSON, ANA, BEN):
        assert number[2:] not in caplog.text


def values_of(client, key) -> list:
    """Whatever a key holds, whatever its type."""
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key)]
    if kind == "hash":
        return list(client.hgetall(key).values())
    if kind == "list":
        return client.lrange(key, 0, -1)
    if kind == "set":
        return list(client.smembers(key))
    return client.zrange(key, 0, -1) if kind == "zset" else []


# Redis going away under a real worker process

class RedisProcess:
    """A real redis-server on its own socket that a test can kill and start again."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process = None

    def start(self) -> None:
        # appendfsync always: a kill loses no acknowledged write (everysec may lose 1 s).
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket),
             "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except (redis.ConnectionError, FileNotFoundError):
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def shut_down(self) -> None:
        """A clean shutdown, as an operator's restart does it."""
        try:
            redis.Redis.from_url(self.url).shutdown()
        except redis.ConnectionError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("outage", ["killed", "shut down"])
def test_the_worker_and_its_scheduler_outlast_a_redis_restart(own_redis, twilio, outage):
    client = redis.Redis.from_url(own_redis.url)
    env = {**os.environ, **worker_env(own_redis.url, twilio.url), "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "cpr_bot.cli", "worker"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        jobs = Jobs(make_queue(client))
        for n in range(10):
            jobs.text(PERSON, f"before {n}", f"before-{n}")
        assert wait_until(lambda: len(twilio.to(PERSON)) == 10, 60), twilio.to(PERSON)
        own_redis.kill() if outage == "killed" else own_redis.shut_down()
        time.sleep(2)
        assert worker.poll() is None, "the worker exited with Redis"
        own_redis.start()
        # The first text after the restart fails once; its retry, due in 10 s, needs the
        # scheduler to be back.
        twilio.fail_next(500, 20500)
        jobs.text(PERSON, "retried", "retry-probe")
        for n in range(10):
            jobs.text(PERSON, f"after {n}", f"after-{n}")
        assert wait_until(lambda: len(twilio.to(PERSON)) == 21, 45), twilio.to(PERSON)
        assert worker.poll() is None
        texts = twilio.to(PERSON)
        assert sorted(texts) == sorted({*texts})  # none twice
    finally:
        worker.terminate()
        worker.wait(timeout=30)
