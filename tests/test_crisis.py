"""The crisis safety net: each kind of crisis, in English and Spanish, gets its own lines at
every step of a conversation, by text and by phone; everyday speech does not."""

from __future__ import annotations

import itertools
import re

import pytest

from cpr_bot.config import Settings

from .conftest import Phone, check_turn
from .test_voice import Call

# (message, kind): written as people in crisis write, not as the patterns are.
CRISES = [
    ("i cant go on, im thinking of ending it tonight", "suicide"),
    ("ya no quiero vivir, me quiero morir", "suicide"),
    ("my friend OD'd and he's turning blue", "overdose"),
    ("mi primo no respira, creo que es sobredosis", "overdose"),
    ("theres a guy outside with a gun saying he gonna kill me", "danger"),
    ("alguien se esta metiendo a mi casa y tiene un cuchillo", "danger"),
    ("my baby daddy hit me and he wont let me leave", "domestic_violence"),
    ("mi esposo me pega todos los dias", "domestic_violence"),
    ("i was raped last night and i dont know what to do", "sexual_assault"),
    ("me violaron y no se a quien llamar", "sexual_assault"),
]

# What each kind's text must carry: 911 first where someone is hurt or in danger.
TEXTED = {
    "suicide": [r"988", r"205-323-7777", r"911"],
    "overdose": [r"911 (now|ya)", r"Narcan"],
    "danger": [r"911 (now|ya)"],
    "domestic_violence": [r"911", r"205-322-4878", r"1-800-650-6522"],
    "sexual_assault": [r"911", r"205-323-7273"],
}
SPOKEN = {
    "suicide": [r"9 8 8", r"9 1 1"],
    "overdose": [r"9 1 1", r"Narcan"],
    "danger": [r"9 1 1"],
    "domestic_violence": [r"9 1 1", r"3 2 2, 4 8 7 8"],
    "sexual_assault": [r"9 1 1", r"Rape Response"],
}

# How to reach each step of the text conversation before the crisis message.
SMS_STEPS = {
    "new": [],
    "menu": ["menu"],
    "ask_place": ["food"],
    "results": ["food 35204"],
    "details": ["food 35204", "1"],
}
# After the greeting's language key; None: the crisis is the caller's first words.
VOICE_STEPS = {
    "greeting": None,
    "menu": [],
    "ask_place": ["press 1"],
    "results": ["press 1", "press 35204"],
}
SPANISH = re.compile(r"\b(mi|me|ya|alguien)\b")
_people = itertools.count(1000)


@pytest.mark.parametrize("step", SMS_STEPS)
@pytest.mark.parametrize(("text", "kind"), CRISES, ids=[k + "-" + t[:12] for t, k in CRISES])
def test_every_crisis_gets_its_lines_by_text_at_every_step(client, step, text, kind):
    phone = Phone(client, f"+120555{next(_people):05d}")
    for before in SMS_STEPS[step]:
        phone.send(before)
    check_turn(phone.send(text), TEXTED[kind], [r"\n1\) ", r"what ZIP"], text)


@pytest.mark.parametrize("step", VOICE_STEPS)
@pytest.mark.parametrize(("text", "kind"), CRISES, ids=[k + "-" + t[:12] for t, k in CRISES])
def test_every_crisis_gets_its_lines_by_phone_at_every_step(client, step, text, kind):
    call = Call(client, sid=f"CA{next(_people):032d}", caller=f"+120556{next(_people):05d}")
    if VOICE_STEPS[step] is not None:
        call.press("2" if SPANISH.search(text) else "1")
        for before in VOICE_STEPS[step]:
            call.act(before)
    call.say(text)
    said = " ".join(s.text or "" for s in call.root.iter("Say"))
    for pattern in SPOKEN[kind]:
        assert re.search(pattern, said), f"{text!r} at {step}: {pattern!r} not in: {said}"
    dial = call.root.find("Dial")
    assert dial is not None and Settings.crisis_dial in "".join(dial.itertext())


@pytest.mark.parametrize("text", [
    "this job search is killing me, need work 35204",
    "im dying to see my kids, custody help 35204",
    "my phone is dying, where can i eat 35204",
    "court ordered me to a domestic violence class, where 35204",
    "breaking into the welding trade, classes 35204",
    "me muero de hambre 35204",
])
def test_everyday_speech_is_not_a_crisis(phone, text):
    reply = phone.reply(text)
    assert re.search(r"\n1\) ", reply), f"{text!r} got no list: {reply}"
    assert "988" not in reply and "911" not in reply, reply
