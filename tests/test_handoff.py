"""Mentor handoff end to end: the signed webhook, real RQ workers, the real twilio client
talking to a local stand-in for Twilio's REST API, and a real Redis. Most are scenes: tables
of steps by the person, the mentors, the worker and the clock (see scenes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from cpr_bot.config import ROOT
from cpr_bot.outbound.jobs import Jobs
from cpr_bot.state.deliveries import Deliveries
from cpr_bot.state.followups import FollowUps
from cpr_bot.state.mentors import Roster

from .conftest import ACCOUNT, BASE_URL, opted_out, run_due, sign
from .scenes import ANA, BEN, PERSON, Scene

OFFER_ES = r"^CPR: alguien cerca de Bessemer necesita ayuda con trabajo \(EN\)\. " \
           r"Responda ACCEPT \d{4}"
SCENES = {
    "consent, offer, ACCEPT, texts relayed both ways, BYE": [
        ("person", "need a job in bessemer", [r"Jobs near Bessemer"], []),
        ("person", "can i get a mentor",
         [r"They see your need, your area and your texts, not your phone number"], []),
        ("person", "YES", [r"asking a mentor now"], []),
        ("person", "can i get a mentor", [r"already asked"], []),  # one request at a time
        ("work",),
        ("ana gets", [OFFER_ES]),  # Ana reads Spanish first: her texts come in Spanish
        ("ben gets", None),
        ("ana", "ACCEPT {code}", [r"^Conectado con la solicitud {code}", r"ADIOS"], []),
        ("work",),
        ("person gets", [r"^Ana, a volunteer mentor, will text you here", r"Reply BYE"]),
        ("person", "hi, i got out tuesday and need work", None, []),
        ("work",),
        ("ana gets", [r"^{code}: hi, i got out tuesday and need work$"]),
        ("ana", "Hi! Call me at the center tomorrow at 10?", None, []),
        ("work",),
        ("person gets", [r"^Ana: Hi! Call me at the center tomorrow at 10\?$"]),
        ("person", "BYE", [r"chat with the mentor has ended"], [r"unsubscribed"]),
        ("work",),
        ("ana gets", [r"^El chat {code} termin"]),
        ("person", "food 35020", [r"^Food near 35020"], []),  # back to the bot
        ("ana", "are you still there?", [r"ACCEPT o PASS"], []),  # no chat to relay to
        ("work",),
        ("person gets", None),
    ],
    "PASS, then silence, move to the next mentor; then nobody, told honestly": [
        ("person", "i want to talk to a mentor", [r"Reply YES"], []),
        ("person", "yes", [r"asking a mentor now"], []),
        ("work",),
        ("ana gets", [r"^CPR: alguien cerca de .* Responda ACCEPT \d{4}"]),
        ("ana", "PASS {code}", [r"otra persona"], []),
        ("work",),
        ("ben gets", [r"^CPR: someone near .* Reply ACCEPT {code} or PASS {code}"]),
        ("time passes",),  # Ben lets the offer time out
        ("person gets", [r"no mentor is free right now", r"coordinator at \+12055550109"]),
        ("coordinator gets", [r"^CPR: request {code}"]),
        ("ben", "ACCEPT {code}", [r"not open"], []),
    ],
    "a person opted out some other way is never texted, and the chat ends": [
        ("person", "mentor", [r"Reply YES"], []),
        ("person", "yes", [r"asking a mentor now"], []),
        ("work",),
        ("ana gets", [r"ACCEPT"]),
        ("ana", "ACCEPT {code}", [r"Conectado"], []),
        ("person opts out elsewhere",),  # Twilio's list, say: found when we next text them
        ("work",),
        ("ana gets", [r"^El chat {code} termin"]),
        ("ana", "are you there?", [r"ACCEPT o PASS"], []),
        ("work",),
        ("person gets", None),
    ],
    "a mentor with two chats names the one she means": [
        ("ben", "STOP", [r"unsubscribed"], []),  # Ben leaves: both chats go to Ana
        ("person", "mentor", [], []),
        ("person", "yes", [], []),
        ("work",),
        ("ana gets", [r"ACCEPT"]),
        ("ana", "ACCEPT {code}", [r"Conectado"], []),
        ("second", "mentor", [], []),
        ("second", "yes", [], []),
        ("work",),
        ("ana gets", [r"ACCEPT"]),
        ("ana", "ACCEPT {code}", [r"Conectado"], []),
        ("ana", "hola, como estas?", [r"Empiece su mensaje con el c"], []),
        ("ana", "{code} hola, te veo a las 10", None, []),
        ("work",),
        ("second gets", [r"^Ana: hola, te veo a las 10$"]),
        ("person gets", [r"will text you here"]),  # only the news of the chat, not Ana's text
    ],
    "a mentor who texts STOP is opted out, paused and never offered": [
        ("ana", "STOP", [r"unsubscribed"], []),
        ("person", "mentor", [], []),
        ("person", "yes", [], []),
        ("work",),
        ("ana gets", None),
        ("ben gets", [r"^CPR: someone near"]),
        ("ana", "ACCEPT {code}", None, []),  # opted out: not even an answer
    ],
}


@pytest.mark.parametrize("steps", SCENES.values(), ids=SCENES)
def test_scene(world, twilio, steps):
    app, _, work = world
    Scene(world, twilio).play(steps)


def test_no_mentors_means_211_not_a_promise(world, twilio, redis_client):
    app, _, work = world
    Roster(redis_client).remove(ANA)
    Roster(redis_client).remove(BEN)
    Scene(world, twilio).play([("person", "talk to a person", [r"call 211"], [])])


def test_twilio_500_is_retried_and_sent_once(world, twilio, redis_client):
    app, queue, work = world
    Jobs(queue).text(PERSON, "hello once", "retry-test")
    twilio.fail_next(500, 20500)
    work()
    assert twilio.to(PERSON) == []
    scheduled = queue.scheduled_job_registry
    ids = scheduled.get_job_ids()
    assert len(ids) == 1  # RQ scheduled the retry
    run_due(queue)
    work()
    assert twilio.to(PERSON) == ["hello once"]
    Jobs(queue).text(PERSON, "hello once", "retry-test")
    work()
    assert twilio.to(PERSON) == ["hello once"]


def test_21610_marks_the_person_opted_out_and_is_not_retried(world, twilio):
    app, queue, work = world
    Jobs(queue).text(PERSON, "hi", "optout-test")
    twilio.fail_next(400, 21610)
    work()
    assert opted_out(app, PERSON)
    assert queue.scheduled_job_registry.count == 0
    assert FailedJobRegistry(queue=queue).count == 0


def test_bad_number_is_recorded_not_retried(world, twilio, redis_client):
    app, queue, work = world
    Jobs(queue).text("+12055550177", "hi", "bad-number-test")
    twilio.fail_next(400, 21614)
    work()
    assert Deliveries(redis_client).bad_number_code("+12055550177") == "21614"
    assert queue.scheduled_job_registry.count == 0


@pytest.mark.parametrize("twilio_took_it", [True, False], ids=["taken", "not taken"])
def test_a_worker_killed_mid_send_neither_loses_nor_repeats_the_text(world, twilio, redis_client,
                                                                     twilio_took_it):
    app, queue, work = world
    Jobs(queue).text(PERSON, "your mentor will text you", "killed-test")
    twilio.stall_next(30, taken=twilio_took_it)
    # This worker waits on Twilio longer than the test waits to kill it.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CPR_TWILIO_TIMEOUT": "40"}
    worker = subprocess.Popen([sys.executable, "-m", "cpr_bot.cli", "worker"], cwd=ROOT,
                              env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while twilio.requests == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert twilio.requests == 1, "the worker never reached Twilio"
    # The worker and its work horse, mid-request. RQ starts the horse in a session of its
    # own, so killing the worker's group would leave it to finish during a later test.
    for pid in [*descendants(worker.pid), worker.pid]:
        os.kill(pid, signal.SIGKILL)
    worker.wait()
    started = StartedJobRegistry(queue=queue)
    assert started.count == 1
    started.cleanup(timestamp=time.time() + 3600)  # what the next worker's upkeep does
    # The job is not silently gone: it is retried, and the retry first asks Twilio.
    job_id = "job-text-killed-test"
    assert job_id in queue.scheduled_job_registry.get_job_ids()
    time.sleep(3.5)  # an unclear try is looked up only once Twilio has had time to finish it
    run_due(queue)
    work()
    assert twilio.lookups == 1
    assert twilio.to(PERSON) == ["your mentor will text you"]
    assert Job.fetch(job_id, connection=redis_client,
                     serializer=JSONSerializer).get_status() == "finished"
    sid = Deliveries(redis_client).claim("killed-test")
    assert sid == twilio.messages[-1]["sid"]  # the text's Message SID, found or returned


def descendants(pid: int) -> list[int]:
    """The process ids started by pid and by its children, read from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def run_due_follow_up(queue, redis_client) -> Job:
    """Move the check-in scheduled for 48 hours from now to the queue, as if time went by."""
    scheduled = queue.scheduled_job_registry
    ids = scheduled.get_job_ids()
    assert len(ids) == 1 and ids[0].startswith("job-followup-")
    assert PERSON[1:] not in ids[0]  # job ids are visible to operators: no phone numbers
    job = Job.fetch(ids[0], connection=redis_client, serializer=JSONSerializer)
    scheduled.remove(job)
    queue.enqueue_job(job)
    return job


def test_follow_up_check_in_and_answers(world, twilio, redis_client):
    app, queue, work = world
    scene = Scene(world, twilio)
    scene.play([("person", "ID 35204", [r"ID and papers near 35204"], []),
                ("person", "1", [r"Call "], [])])
    job = run_due_follow_up(queue, redis_client)
    resource_id = Jobs(queue).private(job.id)["resource_id"]
    scene.play([("work",),
                ("person gets", [r"did you get help from", r"2 place closed or wrong number"]),
                ("person", "2", [r"Thank you"], [])])
    assert Jobs(queue).private(job.id) is None  # the number it held is forgotten once sent
    follow_ups = FollowUps(redis_client)
    assert resource_id in follow_ups.to_reverify()
    assert follow_ups.report()[resource_id] == {"closed_or_wrong_number": 1}


def test_without_a_coordinator_the_person_gets_211(world, twilio, redis_client, monkeypatch):
    app, queue, work = world
    desk = app.extensions["cpr"].desk
    monkeypatch.delenv("CPR_COORDINATOR_PHONE")  # the worker's own settings
    for mentor in (ANA, BEN):
        Roster(redis_client).set_active(mentor, False)
    handoff = desk.request(PERSON, "SMnocoordinator", "es", "jobs", "35020", "Bessemer")
    work()
    assert twilio.to(PERSON) == [desk.flow.sentence("es", "handoff_none_211")]
    assert desk.records.get(handoff.id).status == "unanswered"


def test_delivery_reports_never_move_backwards_and_21610_opts_out(world, twilio, redis_client):
    app, queue, work = world
    Scene(world, twilio).play([("person", "mentor", [], []), ("person", "yes", [], []),
                                   ("work",)])
    offer = next(m for m in twilio.messages if m["to"] == ANA)
    assert offer["status_callback"] == f"{BASE_URL}/sms/status"
    assert offer["validity_period"] == "600"  # a mentor offer expires with its answer time
    client = app.test_client()

    def report(sid, status, error=""):
        form = {"MessageSid": sid, "MessageStatus": status, "ErrorCode": error,
                "AccountSid": ACCOUNT}
        return client.post("/sms/status", data=form,
                           headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms/status", form)})

    assert report(offer["sid"], "delivered").status_code == 204
    assert report(offer["sid"], "sent").status_code == 204
    assert Deliveries(redis_client).status(offer["sid"]) == "delivered"
    assert client.post("/sms/status", data={"MessageSid": offer["sid"]}).status_code == 403
    Jobs(queue).text("+12055550160", "hello", "report-test")
    work()
    hello = next(m for m in twilio.messages if m["to"] == "+12055550160")
    report(hello["sid"], "undelivered", "21610")
    assert opted_out(app, "+12055550160")
