"""Mentor handoff end to end: the signed webhook, real RQ workers, the real twilio client
talking to a local stand-in for Twilio's REST API, and a real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from rq import Worker
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from cpr_bot import create_app, tasks
from cpr_bot.config import ROOT
from cpr_bot.jobs import enqueue_text, make_queue
from cpr_bot.mentors import Roster, make_mentor

from .conftest import BASE_URL, TOKEN, Phone, make_settings, sign
from .conftest import MONDAY_MORNING as MONDAY
from .twilio_mock import TwilioMock

PERSON = "+12055550150"
ANA, BEN = "+12055550101", "+12055550102"
COORDINATOR = "+12055550109"
ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def twilio():
    with TwilioMock() as mock:
        yield mock


@pytest.fixture
def world(twilio, redis_url, redis_client, monkeypatch):
    """The app, its queue, and a way to run the worker, all wired to the Twilio stand-in."""
    env = {"REDIS_URL": redis_url, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_API_BASE_URL": twilio.url, "TWILIO_FROM_NUMBER": "+12055550199",
           "CPR_COORDINATOR_PHONE": COORDINATOR, "CPR_MENTOR_ANSWER_SECONDS": "1",
           "CPR_ENV": "production", "PUBLIC_BASE_URL": BASE_URL}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = make_settings(redis_url, twilio_account_sid=ACCOUNT, coordinator_phone=COORDINATOR,
                             twilio_api_base_url=twilio.url, mentor_answer_seconds=1)
    app = create_app(settings, redis_client)
    roster = Roster(redis_client)
    roster.save(make_mentor("Ana Lopez", ANA, "es,en", "Bessemer,35020", "jobs", "24/7"))
    roster.save(make_mentor("Ben Carter", BEN, "en,es", "35203", "", "24/7"))
    queue = make_queue(redis_client)

    def work():
        """Run a real RQ worker until the queue is empty (scheduled jobs that are due too)."""
        tasks.context.cache_clear()
        Worker([queue], connection=redis_client, serializer=JSONSerializer).work(
            burst=True, with_scheduler=True)

    return app, queue, work


def texts(app, number):
    return Phone(app.test_client(), number)


def code_in(text: str) -> str:
    return text.rsplit(" ", 1)[-1].rstrip(".")


def test_ask_consent_accept_relay_both_ways_and_end(world, twilio):
    app, queue, work = world
    person, ana = texts(app, PERSON), texts(app, ANA)
    assert "food near bessemer" not in person.reply("need a job in bessemer").lower()
    consent = person.reply("can i get a mentor")
    assert "They see your need, your area and your texts, not your phone number" in consent
    assert "asking a mentor now" in person.reply("YES")
    assert "already asked" in person.reply("can i get a mentor")  # one request at a time
    work()
    offer = twilio.to(ANA)[-1]  # Ana reads Spanish first: her texts come in Spanish
    assert offer.startswith("CPR: alguien cerca de Bessemer necesita ayuda con trabajo (EN)")
    assert len(twilio.to(ANA)) == 1 and twilio.to(BEN) == []
    code = code_in(offer)
    assert ana.reply(f"ACCEPT {code}").startswith(f"Conectado con la solicitud {code}")
    work()
    assert twilio.to(PERSON)[-1].startswith("Ana, a volunteer mentor, will text you here")
    assert person.send("hi, i got out tuesday and need work") == []
    work()
    assert twilio.to(ANA)[-1] == f"{code}: hi, i got out tuesday and need work"
    assert ana.send("Hi! Call me at the center tomorrow at 10?") == []
    work()
    assert twilio.to(PERSON)[-1] == "Ana: Hi! Call me at the center tomorrow at 10?"
    assert PERSON not in " ".join(twilio.to(ANA)) and ANA not in " ".join(twilio.to(PERSON))
    assert "chat with the mentor has ended" in person.reply("END")
    work()
    assert twilio.to(ANA)[-1].startswith(f"El chat {code} termin")
    assert person.reply("food 35020").startswith("Food near 35020")  # back to the bot


def test_pass_and_silence_move_to_the_next_mentor_then_nobody_is_honest(world, twilio):
    app, queue, work = world
    person, ana = texts(app, PERSON), texts(app, ANA)
    person.send("i want to talk to a mentor")
    person.send("yes")
    work()
    code = code_in(twilio.to(ANA)[-1])
    assert "otra persona" in ana.reply(f"PASS {code}")
    work()
    assert twilio.to(BEN)[-1].startswith("CPR: someone near")
    assert code_in(twilio.to(BEN)[-1]) == code
    time.sleep(1.2)  # Ben lets the offer time out
    work()
    assert "no mentor is free right now" in twilio.to(PERSON)[-1]
    assert "coordinator at +12055550109" in twilio.to(PERSON)[-1]
    assert twilio.to(COORDINATOR)[-1].startswith(f"CPR: request {code}")
    assert "not open" in texts(app, BEN).reply(f"ACCEPT {code}")


def test_no_mentors_means_211_not_a_promise(world, twilio, redis_client):
    app, _, work = world
    Roster(redis_client).remove(ANA)
    Roster(redis_client).remove(BEN)
    assert "call 211" in texts(app, PERSON).reply("talk to a person")


def test_an_opted_out_person_is_never_texted_by_any_part(world, twilio, redis_client):
    app, queue, work = world
    person, ana = texts(app, PERSON), texts(app, ANA)
    person.send("mentor")
    person.send("yes")
    work()
    ana.send(f"ACCEPT {code_in(twilio.to(ANA)[-1])}")
    redis_client.set(f"cpr:optout:{PERSON}", "1")
    work()
    ana.send("are you there?")
    work()
    assert twilio.to(PERSON) == []


def test_twilio_500_is_retried_and_sent_once(world, twilio, redis_client):
    app, queue, work = world
    enqueue_text(queue, PERSON, "hello once", "retry-test")
    twilio.fail_next(500, 20500)
    work()
    assert twilio.to(PERSON) == []
    scheduled = queue.scheduled_job_registry
    ids = scheduled.get_job_ids()
    assert len(ids) == 1  # RQ scheduled the retry
    job = Job.fetch(ids[0], connection=redis_client, serializer=JSONSerializer)
    scheduled.remove(job)
    queue.enqueue_job(job)  # the retry is due now
    work()
    assert twilio.to(PERSON) == ["hello once"]
    enqueue_text(queue, PERSON, "hello once", "retry-test")
    work()
    assert twilio.to(PERSON) == ["hello once"]


def test_21610_marks_the_person_opted_out_and_is_not_retried(world, twilio, redis_client):
    app, queue, work = world
    enqueue_text(queue, PERSON, "hi", "optout-test")
    twilio.fail_next(400, 21610)
    work()
    assert redis_client.exists(f"cpr:optout:{PERSON}")
    assert queue.scheduled_job_registry.count == 0
    assert FailedJobRegistry(queue=queue).count == 0


def test_bad_number_is_recorded_not_retried(world, twilio, redis_client):
    app, queue, work = world
    enqueue_text(queue, "+12055550177", "hi", "bad-number-test")
    twilio.fail_next(400, 21614)
    work()
    assert redis_client.hget("cpr:bad_numbers", "+12055550177") == b"21614"
    assert queue.scheduled_job_registry.count == 0


def test_a_worker_killed_mid_send_loses_nothing(world, twilio, redis_url, redis_client):
    app, queue, work = world
    enqueue_text(queue, PERSON, "your mentor will text you", "killed-test")
    twilio.delay_next(30)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "cpr_bot.cli", "worker"], cwd=ROOT,
                              env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while twilio.requests == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert twilio.requests == 1, "the worker never reached Twilio"
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-request
    worker.wait()
    started = StartedJobRegistry(queue=queue)
    assert started.count == 1
    started.cleanup(timestamp=time.time() + 3600)  # what the next worker's upkeep does
    # The job is not silently gone: it is retried or failed, never lost.
    job_id = "job-text-killed-test"
    scheduled = queue.scheduled_job_registry.get_job_ids()
    failed = FailedJobRegistry(queue=queue).get_job_ids()
    assert job_id in scheduled + failed + queue.get_job_ids()
    # Twilio may have sent it, so a retry must not text twice: it fails where people look.
    for jid in scheduled:
        job = Job.fetch(jid, connection=redis_client, serializer=JSONSerializer)
        queue.scheduled_job_registry.remove(job)
        queue.enqueue_job(job)
    work()
    assert job_id in FailedJobRegistry(queue=queue).get_job_ids()
    listing = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "handoffs", "list"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert job_id in listing.stdout
    requeue = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "handoffs", "requeue",
                              job_id], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert requeue.returncode == 0, requeue.stderr
    work()
    assert twilio.to(PERSON)[-1] == "your mentor will text you"


def test_follow_up_check_in_and_answers(world, twilio, redis_client):
    app, queue, work = world
    person = texts(app, PERSON)
    person.send("ID 35204")
    person.send("1")
    scheduled = queue.scheduled_job_registry
    ids = scheduled.get_job_ids()
    assert len(ids) == 1 and ids[0].startswith("job-followup-")
    job = Job.fetch(ids[0], connection=redis_client, serializer=JSONSerializer)
    scheduled.remove(job)
    queue.enqueue_job(job)  # as if 48 hours went by
    work()
    check_in = twilio.to(PERSON)[-1]
    assert "did you get help from" in check_in and "2 place closed or wrong number" in check_in
    assert "Thank you" in person.reply("2")
    resource_id = job.args[1]
    assert redis_client.sismember("cpr:reverify", resource_id)
    assert redis_client.hget(f"cpr:feedback:{resource_id}", "closed_or_wrong_number") == b"1"


def test_without_a_coordinator_the_person_gets_211(world, twilio, redis_client):
    app, queue, work = world
    desk = app.extensions["cpr"].desk
    desk.coordinator = None
    for mentor in (ANA, BEN):
        Roster(redis_client).set_active(mentor, False)
    handoff = desk.request(PERSON, "SMnocoordinator", "es", "jobs", "35020", "Bessemer")
    tasks.context.cache_clear()
    texts_sent = []
    desk.offer_next(handoff.id, MONDAY, lambda to, body, key: texts_sent.append((to, body)))
    assert texts_sent == [(PERSON, desk.flow.sentence("es", "handoff_none_211"))]
    assert desk.get(handoff.id).status == "unanswered"


def test_a_mentor_with_two_chats_names_the_one_she_means(world, twilio, redis_client):
    app, queue, work = world
    Roster(redis_client).set_active(BEN, False)
    first, second = texts(app, PERSON), texts(app, "+12055550151")
    ana = texts(app, ANA)
    codes = []
    for person in (first, second):
        person.send("mentor")
        person.send("yes")
        work()
        codes.append(code_in(twilio.to(ANA)[-1]))
        ana.send(f"ACCEPT {codes[-1]}")
    assert codes[0] != codes[1]
    assert "Empiece su mensaje con el c" in ana.reply("hola, como estas?")
    assert ana.send(f"{codes[1]} hola, te veo a las 10") == []
    work()
    assert twilio.to("+12055550151")[-1] == "Ana: hola, te veo a las 10"
    assert all("te veo" not in body for body in twilio.to(PERSON))
    ana.send(f"END {codes[0]}")
    work()
    assert "chat with the mentor has ended" in twilio.to(PERSON)[-1]
    assert ana.send("solo queda uno") == []  # one chat left: no code needed
    work()
    assert twilio.to("+12055550151")[-1] == "Ana: solo queda uno"


def test_delivery_reports_never_move_backwards_and_21610_opts_out(world, twilio, redis_client):
    app, queue, work = world
    person = texts(app, PERSON)
    person.send("mentor")
    person.send("yes")
    work()
    offer = twilio.messages[-1]
    assert offer["status_callback"] == f"{BASE_URL}/sms/status"
    assert offer["validity_period"] == "1"  # a mentor offer expires with its answer time
    client = app.test_client()

    def report(sid, status, error=""):
        form = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": error,
                "AccountSid": ACCOUNT}
        return client.post("/sms/status", data=form,
                           headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms/status", form)})

    assert report(offer["sid"], "delivered").status_code == 204
    assert report(offer["sid"], "sent").status_code == 204
    assert redis_client.hget(f"cpr:sms:{offer['sid']}", "status") == b"delivered"
    assert client.post("/sms/status", data={"MessageSid": offer["sid"]}).status_code == 403
    enqueue_text(queue, "+12055550160", "hello", "report-test")
    work()
    report(twilio.messages[-1]["sid"], "undelivered", "21610")
    assert redis_client.exists("cpr:optout:+12055550160")


def test_a_mentor_who_texts_stop_is_opted_out_and_gets_no_offers(world, twilio, redis_client):
    app, queue, work = world
    assert "unsubscribed" in texts(app, ANA).reply("STOP")
    assert redis_client.exists(f"cpr:optout:{ANA}")
    assert not Roster(redis_client).get(ANA).active
    person = texts(app, PERSON)
    person.send("mentor")
    person.send("yes")
    work()
    assert twilio.to(ANA) == [] and len(twilio.to(BEN)) == 1
