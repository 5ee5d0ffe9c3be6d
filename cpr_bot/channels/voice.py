"""The Twilio voice webhooks: keypad and speech in one <Gather>, the same runner as SMS, and
what it decides read aloud, dialed or hung up."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request, url_for
from twilio.twiml.voice_response import Gather, VoiceResponse

from ..conversation.dialog import Turn
from ..conversation.effects import Dial, Hangup
from ..conversation.runner import Message
from .webhooks import answer_anyway, from_twilio, services

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _speaker(lang: str) -> dict:
    """The <Say> voice and language for a language, from the messages file."""
    return dict(services().flow.sentences[lang]["voice"]["say_voice"])


def _say_all(target, texts: list[str], lang: str) -> None:
    speaker = _speaker(lang)
    for text in texts:
        target.say(text, **speaker)


def _gather(texts: list[str], lang: str, step: str, keypad_only: bool) -> Response:
    """Ask and listen at once: the caller can press a key or speak over the prompt."""
    response = VoiceResponse()
    gather = Gather(
        input="dtmf" if keypad_only else "dtmf speech",
        action=url_for("voice.gather"),
        method="POST",
        language=_speaker(lang)["language"],
        hints=services().speech_hints[lang],
        timeout=5,
        speech_timeout="auto",
        num_digits=5 if step == "ask_place" else 1,
        finish_on_key="#",
        action_on_empty_result=True,
    )
    _say_all(gather, texts, lang)
    response.append(gather)
    return _xml(response)


def _render(turn: Turn) -> Response:
    """Say the replies, then dial, hang up or listen for the next key or words."""
    response = VoiceResponse()
    _say_all(response, turn.replies, turn.lang)
    for effect in turn.effects:
        if isinstance(effect, Dial):
            settings = services().settings
            number = settings.crisis_dial if effect.who == "crisis" else settings.on_call_number
            response.dial(number, timeout=30)
            _say_all(response, [services().flow.sentence(turn.lang, "goodbye", "voice")],
                     turn.lang)
            response.hangup()
            return _xml(response)
        if isinstance(effect, Hangup):
            response.hangup()
            return _xml(response)
    return _gather(turn.replies, turn.lang, turn.state.get("step", "menu"),
                   bool(turn.state.get("keypad_only")))


def _message() -> Message:
    form = request.form
    try:
        confidence = float(form.get("Confidence") or 1.0)
    except ValueError:
        confidence = 0.0
    return Message("voice", form.get("From") or "", (form.get("SpeechResult") or "").strip(),
                   keys=(form.get("Digits") or "").strip(), confidence=confidence,
                   call=form.get("CallSid") or "")


@bp.post("/voice")
@from_twilio("CallSid")
def incoming_call() -> Response:
    """Greet the caller, offer Spanish and the crisis key, and listen."""
    flow, name = services().flow, services().settings.program_name
    response = VoiceResponse()
    gather = Gather(input="dtmf speech", action=url_for("voice.gather"), method="POST",
                    language="en-US", hints=services().speech_hints["en"], timeout=3,
                    speech_timeout="auto", num_digits=1, action_on_empty_result=True)
    _say_all(gather, [flow.sentence("en", "greeting", "voice", program=name),
                      flow.sentence("en", "crisis_key", "voice")], "en")
    _say_all(gather, [flow.sentence("es", "spanish_offer", "voice")], "es")
    response.append(gather)
    return _xml(response)


@bp.post("/voice/gather")
@from_twilio("CallSid")
def gather() -> Response:
    """Act on a key press, speech or silence, and say what comes next."""
    return _render(services().runner.run(_message()))


def _apology() -> Response:
    response = VoiceResponse()
    response.say(services().flow.sentence("en", "error", "voice"))
    response.hangup()
    return _xml(response)


answer_anyway(bp, _message, _render, _apology)
