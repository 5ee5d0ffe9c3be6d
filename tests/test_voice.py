"""Whole calls to the voice line, posting Twilio's voice parameters and reading the TwiML."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from rq import SimpleWorker

from cpr_bot import create_app, tasks
from cpr_bot.jobs import make_queue
from cpr_bot.sender import read_outbox

from .conftest import BASE_URL, CHICAGO, MONDAY_MORNING, make_settings, sign

CALLER = "+12055550142"


class Call:
    """One phone call: what the line says, and what it listens for next."""

    def __init__(self, client, sid: str = "CA" + "1" * 32, caller: str = CALLER):
        self.client = client
        self.form = {"CallSid": sid, "From": caller, "To": "+12055550199",
                     "AccountSid": "AC" + "0" * 32, "CallStatus": "in-progress"}
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


@pytest.fixture
def call(client):
    return Call(client)


def test_greeting_offers_spanish_the_crisis_key_and_listens_to_keys_and_speech(call):
    assert "Welcome to the CPR Reentry Line" in call.said
    assert "press star" in call.said
    spanish = [e for e in call.root.iter("Say") if e.get("language") == "es-US"]
    assert spanish and "oprima 2" in spanish[0].text
    gather = call.listening
    assert gather.get("input") == "dtmf speech" and gather.get("actionOnEmptyResult") == "true"
    assert gather.get("action").endswith("/voice/gather")


def test_keypad_path_reads_the_nearest_places_with_phone_digits(call):
    call.press("1").press("1")
    assert "What is your ZIP code" in call.said
    assert call.listening.get("numDigits") == "5"
    call.press("35204")
    said = call.said
    assert "Here are the nearest places for food, near 35204" in said
    assert "First:" in said and "Second:" in said and "Third:" not in said
    assert "Phone number: 2 0 5," in said
    assert "To hear this again, press 1" in said
    assert call.listening is not None


def test_press_1_repeats_and_the_place_is_remembered_for_the_call(call):
    call.press("1").press("1").press("35204")
    first = call.said
    assert call.press("1").said == first
    call.press("9").press("2")  # main menu, then shelter: no second question about the place
    assert "nearest places for shelter, near 35204" in call.said


def test_speech_path(call):
    call.say("um yeah I need uh a place to sleep tonight")
    assert "Shelter. What is your ZIP code" in call.said
    call.say("Ensley")
    assert "nearest places for shelter, near Ensley" in call.said


def test_spanish_path_uses_a_spanish_voice_and_recognition(call):
    call.press("2")
    says = list(call.root.iter("Say"))
    assert all(s.get("language") == "es-US" for s in says)
    assert "Para comida, oprima 1" in call.said
    assert call.listening.get("language") == "es-US"
    call.say("necesito comida").press("35211")
    assert "Estos son los lugares más cercanos para comida, cerca de 35211" in call.said


@pytest.mark.parametrize("how", ["star", "speech", "spanish speech", "at the greeting"])
def test_crisis_connects_at_once(call, app, how):
    if how != "at the greeting":
        call.press("1").press("1")
    if how == "star":
        call.press("*")
    elif how == "speech":
        call.say("i want to kill myself")
    elif how == "spanish speech":
        call.say("me quiero matar", confidence="0.2")
    else:
        call.press("*")
    assert call.dialed == app.extensions["cpr"].settings.crisis_dial
    assert "9 1 1" in call.said


def test_no_input_reprompts_twice_then_keypad_then_goodbye(call):
    call.silence()  # at the greeting, silence means English
    assert "For food, press 1" in call.said
    for _ in range(2):
        call.silence()
        assert "Sorry, I did not get that" in call.said and "For food, press 1" in call.said
        assert call.listening.get("input") == "dtmf speech"
    call.silence()
    assert "Please use your keypad" in call.said
    assert call.listening.get("input") == "dtmf"
    call.silence()
    assert call.hung_up and "call 2 1 1 any time" in call.said


def test_unsure_speech_is_asked_again_not_guessed(call):
    call.press("1").say("food", confidence="0.12")
    assert "Sorry, I did not get that" in call.said
    assert "ZIP code" not in call.said


def test_text_me_this_queues_a_text_that_a_worker_sends(call, app, redis_url, redis_client,
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
    sent = read_outbox(redis_client)
    assert len(sent) == 1 and sent[0]["to"] == CALLER
    assert sent[0]["body"].startswith("Food near 35204:\n1) ")


def test_an_opted_out_caller_is_not_texted(call, redis_client):
    redis_client.set(f"cpr:optout:{CALLER}", "1")
    call.press("1").press("1").press("35204").press("2")
    assert "asked us not to send text messages" in call.said
    assert make_queue(redis_client).count == 0


def test_talk_to_a_person_rings_the_on_call_line_in_its_hours(redis_url, redis_client):
    settings = make_settings(redis_url, on_call_number="+12055550123",
                             on_call_hours="Mon-Fri 09:00-17:00")
    app = create_app(settings, redis_client)
    app.extensions["cpr"].bot.now = lambda: MONDAY_MORNING
    call = Call(app.test_client()).press("1").press("0")
    assert call.dialed == "+12055550123" and "Connecting you to a person" in call.said
    app.extensions["cpr"].bot.now = lambda: dt.datetime(2026, 11, 29, 22, tzinfo=CHICAGO)
    call = Call(app.test_client(), sid="CA" + "2" * 32).press("1").say("talk to a person")
    assert call.dialed is None and "call 2 1 1 any time" in call.said
    assert call.listening is not None


def test_outside_on_call_hours_without_configuration_gives_211(call):
    call.press("1").press("0")
    assert call.dialed is None and "2 1 1" in call.said


def test_voice_webhooks_need_a_signature(client, redis_client):
    assert client.post("/voice", data={"CallSid": "CA1"}).status_code == 403
    assert client.post("/voice/gather", data={"CallSid": "CA1"}).status_code == 403
    assert redis_client.dbsize() == 0


@pytest.mark.parametrize("fields", [{"Digits": "abc"}, {"Digits": "#"},
                                    {"SpeechResult": "\x00\x07"}, {"Confidence": "high"},
                                    {"Digits": "99999999999"}])
def test_odd_input_still_gets_valid_twiml(call, fields):
    call._post("/voice/gather", fields)
    assert call.said


def test_a_call_we_never_greeted_still_works(client):
    form = {"CallSid": "CA" + "9" * 32, "From": CALLER, "Digits": "1"}
    response = client.post("/voice/gather", data=form,
                           headers={"X-Twilio-Signature": sign(BASE_URL + "/voice/gather", form)})
    assert response.status_code == 200 and b"<Say" in response.data


def test_an_error_still_answers_and_hangs_up_politely(call, app, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(app.extensions["cpr"].dialog, "advance", explode)
    call.press("1")
    assert call.hung_up and "2 1 1" in call.said


def test_names_with_ampersands_are_spoken_safely(app):
    from twilio.twiml.voice_response import VoiceResponse

    from cpr_bot.replies import Writer

    services = app.extensions["cpr"]
    resource = next(iter(services.catalog.resources.values()))
    resource.name = 'Food & Friends <"Pantry">'
    text = Writer(services.flow, "en", MONDAY_MORNING, "voice").spoken_results("Here:", [resource])
    response = VoiceResponse()
    response.say(text)
    assert 'Food & Friends <"Pantry">' in ET.fromstring(str(response)).find("Say").text


def test_outside_hours_a_caller_can_ask_a_mentor_to_text_back(call, app, redis_client):
    from cpr_bot.mentors import Roster, make_mentor

    Roster(redis_client).save(make_mentor("Ana Lopez", "+12055550101", "en", "", "", "24/7"))
    call.press("1").press("0")
    assert "To have a volunteer mentor text you back, press 1" in call.said
    call.press("1")
    assert "They will text you at this number" in call.said
    handoff = app.extensions["cpr"].desk.open_for(CALLER)
    assert handoff is not None and handoff.status == "requested"
    assert make_queue(redis_client).count == 1  # the offer to a mentor is queued
