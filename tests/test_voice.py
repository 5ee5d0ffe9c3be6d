"""Whole calls to the voice line, written as tables of turns, posting Twilio's voice
parameters and reading the TwiML back.

Each turn is (what the caller does, patterns the line must say, patterns it must not, what it
does next). The caller can "press 1", "say some words" (or "say words @0.12" for unsure speech)
or stay silent. Next is one of: listen, listen zip (for 5 keys), keypad (keys only),
listen es (a Spanish voice and recognizer), crisis (dials the crisis line), hang up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from rq import SimpleWorker

from cpr_bot import create_app
from cpr_bot.config import Settings
from cpr_bot.outbound.jobs import make_queue
from cpr_bot.state.deliveries import Deliveries
from cpr_bot.state.mentors import Roster, make_mentor
from cpr_bot.worker import tasks

from .conftest import ACCOUNT, BASE_URL, CHICAGO, MONDAY_MORNING, make_settings, sign

CALLER = "+12055550142"


class Call:
    """One phone call: what the line says, and what it listens for next."""

    def __init__(self, client, sid: str = "CA" + "1" * 32, caller: str = CALLER):
        self.client = client
        self.form = {"CallSid": sid, "From": caller, "To": "+12055550199",
                     "AccountSid": ACCOUNT, "CallStatus": "in-progress"}
        self.root = None
        self._post("/voice", {})

    def _post(self, path: str, extra: dict) -> None:
        form = {**self.form, **extra}
        response = self.client.post(path, data=form,
                                    headers={"X-Twilio-Signature": sign(BASE_URL + path, form)})
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        self.root = ET.fromstring(response.data)
        assert self.root.tag == "Response"

    def press(self, digits: str) -> Call:
        self._post("/voice/gather", {"Digits": digits})
        return self

    def say(self, words: str, confidence: str = "0.92") -> Call:
        self._post("/voice/gather", {"SpeechResult": words, "Confidence": confidence})
        return self

    def silence(self) -> Call:
        self._post("/voice/gather", {})
        return self

    def act(self, action: str) -> Call:
        """Do what a table turn says: "press 1", "say words", "say words @0.2", "silence"."""
        verb, _, rest = action.partition(" ")
        if verb == "press":
            return self.press(rest)
        if verb == "say":
            words, _, confidence = rest.partition(" @")
            return self.say(words, confidence or "0.92")
        assert action == "silence", action
        return self.silence()

    @property
    def said(self) -> str:
        return " ".join(e.text or "" for e in self.root.iter("Say"))

    @property
    def listening(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def dialed(self) -> str | None:
        dial = self.root.find("Dial")
        return dial.text.strip() if dial is not None else None

    @property
    def hung_up(self) -> bool:
        return self.root.find("Hangup") is not None

    def next_step(self) -> str:
        """What the line does after speaking, in the words the tables use."""
        if self.dialed:
            return "dials " + self.dialed
        if self.hung_up:
            return "hang up"
        gather = self.listening
        assert gather is not None, "the line neither listens, dials nor hangs up"
        if gather.get("input") == "dtmf":
            return "keypad"
        if gather.get("language") == "es-US":
            assert all(s.get("language") == "es-US" for s in self.root.iter("Say"))
            return "listen es"
        return "listen zip" if gather.get("numDigits") == "5" else "listen"


SETTINGS_CRISIS = Settings.crisis_dial
MENU = r"For food, press 1\. For a place to sleep, press 2\..* To hear this again, press 9\."
CALLS = {
    "the keypad path reads the nearest places with phone digits": [
        ("press 1", [MENU], [], "listen"),
        ("press 1", [r"Food\. What is your ZIP code"], [], "listen zip"),
        ("press 35204", [r"Here are the nearest places for food, near 35204", r"First:",
                         r"Second:", r"Phone number: 2 0 5,", r"To hear this again, press 1"],
         [r"Third:"], "listen"),
    ],
    "1 repeats, and the place is remembered for the call": [
        ("press 1", [], [], "listen"),
        ("press 1", [], [], "listen zip"),
        ("press 35204", [r"nearest places for food, near 35204"], [], "listen"),
        ("press 1", [r"nearest places for food, near 35204"], [], "listen"),
        ("press 9", [MENU], [], "listen"),
        ("press 2", [r"nearest places for shelter, near 35204"], [r"ZIP code"], "listen"),
    ],
    "speech works like keys": [
        ("say um yeah I need uh a place to sleep tonight", [r"Shelter\. What is your ZIP"], [],
         "listen zip"),
        ("say Ensley", [r"nearest places for shelter, near Ensley"], [], "listen"),
    ],
    "2 at the greeting is Spanish, with a Spanish voice and recognizer": [
        ("press 2", [r"Para comida, oprima 1"], [], "listen es"),
        ("say necesito comida", [r"código postal"], [], "listen es"),
        ("press 35211", [r"Estos son los lugares más cercanos para comida, cerca de 35211"], [],
         "listen es"),
    ],
    "star connects to the crisis line at once": [
        ("press 1", [], [], "listen"),
        ("press 1", [], [], "listen zip"),
        ("press *", [r"call 9 1 1"], [], "dials " + SETTINGS_CRISIS),
    ],
    "star at the greeting too": [
        ("press *", [r"call 9 1 1"], [], "dials " + SETTINGS_CRISIS),
    ],
    "crisis words connect at once": [
        ("press 1", [], [], "listen"),
        ("say i want to kill myself", [r"call 9 1 1"], [r"ZIP"], "dials " + SETTINGS_CRISIS),
    ],
    "Spanish crisis words count even when speech is unsure": [
        ("press 1", [], [], "listen"),
        ("say me quiero matar @0.2", [r"9 1 1"], [], "dials " + SETTINGS_CRISIS),
    ],
    "a ZIP said digit by digit is the ZIP": [
        ("press 1", [], [], "listen"),
        ("press 1", [], [], "listen zip"),
        ("say three five two zero four", [r"nearest places for food, near 35204"], [],
         "listen"),
    ],
    "no input: asked again twice, then keypad only, then a polite goodbye": [
        ("silence", [MENU], [r"Sorry"], "listen"),  # silence at the greeting means English
        ("silence", [r"Sorry, I did not get that", MENU], [], "listen"),
        ("silence", [r"Sorry, I did not get that", MENU], [], "listen"),
        ("silence", [r"Please use your keypad", r"To talk to a person, press 0"],
         [r"press 9"], "keypad"),
        ("silence", [r"call 2 1 1 any time"], [], "hang up"),
    ],
    "a key after a miss starts the count over": [
        ("silence", [], [], "listen"),
        ("silence", [r"Sorry"], [], "listen"),
        ("silence", [r"Sorry"], [], "listen"),
        ("silence", [r"Please use your keypad"], [], "keypad"),
        ("press 1", [r"What is your ZIP code"], [], "listen zip"),
        ("silence", [r"Sorry, I did not get that", r"What is your ZIP code"], [], "listen zip"),
    ],
    "unsure speech is asked again, not guessed": [
        ("press 1", [], [], "listen"),
        ("say food @0.12", [r"Sorry, I did not get that"], [r"ZIP code"], "listen"),
    ],
    "outside on-call hours, with nobody set up, a person means 211": [
        ("press 1", [], [], "listen"),
        ("press 0", [r"2 1 1"], [], "listen"),
    ],
    "a caller who says stop texting me is never texted from the call": [
        ("press 1", [], [], "listen"),
        ("say please stop texting me", [r"We will not send you any text messages"], [],
         "listen"),
        ("press 1", [], [], "listen"),
        ("press 1", [], [], "listen zip"),
        ("press 35204", [r"nearest places for food"], [], "listen"),
        ("press 2", [r"asked us not to send text messages"], [r"sending this to you"],
         "listen"),
    ],
    "odd input still gets an answer": [
        ("press abc", [r"\w"], [], "listen"),
        ("press #", [r"\w"], [], "listen"),
        ("say \x00\x07", [r"\w"], [], "listen"),
        ("press 99999999999", [r"\w"], [], "listen"),
    ],
}


def check_turn(call: Call, action: str, said: list[str], not_said: list[str], then: str):
    text = call.said
    for pattern in said:
        assert re.search(pattern, text), f"{action!r}: {pattern!r} not in: {text}"
    for pattern in not_said:
        assert not re.search(pattern, text), f"{action!r}: {pattern!r} in: {text}"
    assert call.next_step() == then, f"{action!r}: {call.next_step()} instead of {then}"


@pytest.mark.parametrize("turns", CALLS.values(), ids=CALLS)
def test_call(client, app, redis_client, turns):
    call = Call(client)
    for action, said, not_said, then in turns:
        check_turn(call.act(action), action, said, not_said, then)
    # Nothing in a call ever queues a text to a caller who asked for none.
    if "stop texting me" in str(turns):
        assert make_queue(redis_client).count == 0


def test_greeting_offers_spanish_the_crisis_key_and_listens_to_keys_and_speech(call):
    assert "Welcome to the CPR Reentry Line" in call.said
    assert "press star" in call.said
    spanish = [e for e in call.root.iter("Say") if e.get("language") == "es-US"]
    assert spanish and "oprima 2" in spanish[0].text
    gather = call.listening
    assert gather.get("input") == "dtmf speech" and gather.get("actionOnEmptyResult") == "true"
    assert gather.get("action").endswith("/voice/gather")


@pytest.fixture
def call(client):
    return Call(client)


def test_text_me_this_queues_a_text_that_a_worker_sends(call, redis_url, redis_client,
                                                         monkeypatch):
    call.press("1").press("1").press("35204").press("2")
    assert "sending this to you by text" in call.said
    queue = make_queue(redis_client)
    assert queue.count == 1
    call.press("2")  # pressed twice: still one job
    assert queue.count == 1
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CPR_ENV", "development")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    tasks.context.cache_clear()
    SimpleWorker([queue], connection=redis_client, serializer=queue.serializer).work(burst=True)
    tasks.context.cache_clear()
    sent = Deliveries(redis_client).outbox()
    assert len(sent) == 1 and sent[0]["to"] == CALLER
    assert sent[0]["body"].startswith("Food near 35204:\n1) ")


def test_an_opted_out_caller_is_not_texted(app, call, redis_client):
    app.extensions["cpr"].opt_outs.record(CALLER)  # texted STOP some other day
    call.press("1").press("1").press("35204").press("2")
    assert "asked us not to send text messages" in call.said
    assert make_queue(redis_client).count == 0


def test_talk_to_a_person_rings_the_on_call_line_in_its_hours(redis_url, redis_client):
    settings = make_settings(redis_url, on_call_number="+12055550123",
                             on_call_hours="Mon-Fri 09:00-17:00")
    app = create_app(settings, redis_client, now=lambda: MONDAY_MORNING)
    call = Call(app.test_client()).press("1").press("0")
    assert call.dialed == "+12055550123" and "Connecting you to a person" in call.said
    sunday_night = create_app(settings, redis_client,
                              now=lambda: dt.datetime(2026, 11, 29, 22, tzinfo=CHICAGO))
    call = Call(sunday_night.test_client(), sid="CA" + "2" * 32).press("1").say(
        "talk to a person")
    assert call.dialed is None and "call 2 1 1 any time" in call.said
    assert call.listening is not None


def test_voice_webhooks_need_a_signature(client, redis_client):
    assert client.post("/voice", data={"CallSid": "CA1"}).status_code == 403
    assert client.post("/voice/gather", data={"CallSid": "CA1"}).status_code == 403
    assert redis_client.dbsize() == 0


def test_a_call_we_never_greeted_still_works(client):
    form = {"CallSid": "CA" + "9" * 32, "From": CALLER, "Digits": "1", "AccountSid": ACCOUNT}
    response = client.post("/voice/gather", data=form,
                           headers={"X-Twilio-Signature": sign(BASE_URL + "/voice/gather", form)})
    assert response.status_code == 200 and b"<Say" in response.data


def test_an_error_still_answers_and_hangs_up_politely(call, app, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(app.extensions["cpr"].runner.dialog, "advance", explode)
    call.press("1")
    assert call.hung_up and "2 1 1" in call.said


def test_with_redis_down_a_caller_in_crisis_is_still_connected(redis_url):
    from cpr_bot.state.connection import connect

    app = create_app(make_settings(redis_url), connect("redis://127.0.0.1:1/0"))
    call = Call(app.test_client())
    call.press("*")
    assert call.dialed == SETTINGS_CRISIS
    call = Call(app.test_client(), sid="CA" + "3" * 32).press("1")
    assert call.hung_up and "call or text 9 8 8" in call.said


def test_names_with_ampersands_are_spoken_safely(app):
    from twilio.twiml.voice_response import VoiceResponse

    from cpr_bot.catalog.ranking import Match
    from cpr_bot.conversation.replies import Writer

    services = app.extensions["cpr"]
    service = dataclasses.replace(next(iter(services.catalog.services.values())),
                                  name='Food & Friends <"Pantry">')
    text = Writer(services.flow, "en", MONDAY_MORNING, "voice").spoken_results(
        "Here:", [Match(service)])
    response = VoiceResponse()
    response.say(text)
    assert 'Food & Friends <"Pantry">' in ET.fromstring(str(response)).find("Say").text


def test_outside_hours_a_caller_can_ask_a_mentor_to_text_back(call, app, redis_client):
    Roster(redis_client).save(make_mentor("Ana Lopez", "+12055550101", "en", "", "", "24/7"))
    call.press("1").press("0")
    assert "To have a volunteer mentor text you back, press 1" in call.said
    call.press("1")
    assert "They will text you at this number" in call.said
    handoff = app.extensions["cpr"].desk.records.open_for(CALLER)
    assert handoff is not None and handoff.status == "requested"
    assert make_queue(redis_client).count == 1  # the offer to a mentor is queued
