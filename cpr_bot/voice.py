"""The voice line: Twilio voice webhooks, keypad and speech in one <Gather>, same dialog as SMS."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, abort, current_app, request, url_for
from twilio.twiml.voice_response import Gather, VoiceResponse

from .catalog import CATEGORIES
from .dialog import Turn
from .jobs import enqueue_text
from .security import is_from_twilio
from .store import mask
from .understanding import Understanding

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)

# Below this, speech is too unsure to act on (except crisis words, which always count).
MIN_CONFIDENCE = 0.4
# No input or unclear speech: twice "sorry" and the question again, then keypad only, then bye.
REPROMPTS = 2
NEW_CALL = {"step": "new", "lang": "en"}


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _speaker(lang: str) -> dict:
    """The <Say> voice and language for a language, from the messages file."""
    flow = current_app.extensions["cpr"].flow
    return dict(flow.sentences[lang]["voice"]["say_voice"])


def _say_all(target, texts: list[str], lang: str) -> None:
    speaker = _speaker(lang)
    for text in texts:
        target.say(text, **speaker)


def _goodbye(texts: list[str], lang: str) -> Response:
    response = VoiceResponse()
    _say_all(response, texts, lang)
    response.hangup()
    return _xml(response)


def _gather(response: VoiceResponse, texts: list[str], lang: str, step: str,
            keypad_only: bool) -> None:
    """Ask and listen at once: the caller can press a key or speak over the prompt."""
    services = current_app.extensions["cpr"]
    gather = Gather(
        input="dtmf" if keypad_only else "dtmf speech",
        action=url_for("voice.gather"),
        method="POST",
        language=_speaker(lang)["language"],
        hints=services.speech_hints[lang],
        timeout=5,
        speech_timeout="auto",
        num_digits=5 if step == "ask_place" else 1,
        finish_on_key="#",
        action_on_empty_result=True,
    )
    _say_all(gather, texts, lang)
    response.append(gather)


def _check_signature() -> None:
    if not is_from_twilio(request, current_app.extensions["cpr"].settings):
        log.warning("rejected %s with a missing or wrong signature", request.path)
        abort(403)


@bp.post("/voice")
def incoming_call() -> Response:
    """Greet the caller, offer Spanish and the crisis key, and listen."""
    _check_signature()
    services = current_app.extensions["cpr"]
    call = request.form.get("CallSid") or ""
    try:
        flow, name = services.flow, services.settings.program_name
        english = [flow.sentence("en", "greeting", "voice", program=name),
                   flow.sentence("en", "crisis_key", "voice")]
        spanish = [flow.sentence("es", "spanish_offer", "voice")]
        services.store.process(f"call:{call}", None,
                               lambda state, _: (NEW_CALL, [], [], "en"))
        response = VoiceResponse()
        gather = Gather(input="dtmf speech", action=url_for("voice.gather"), method="POST",
                        language="en-US", hints=services.speech_hints["en"], timeout=3,
                        speech_timeout="auto", num_digits=1, action_on_empty_result=True)
        _say_all(gather, english, "en")
        _say_all(gather, spanish, "es")
        response.append(gather)
        return _xml(response)
    except redis.RedisError:
        log.exception("Redis unavailable at the start of a call")
        return _goodbye([services.flow.sentence("en", "fallback", "voice")], "en")
    except Exception:  # noqa: BLE001 - a caller must never hear "an application error"
        log.exception("error answering a call")
        return _goodbye([services.flow.sentence("en", "error", "voice")], "en")


def _heard(services, step: str) -> Understanding | None:
    """What the caller pressed or said, or None when nothing usable came through."""
    digits = (request.form.get("Digits") or "").strip()
    speech = (request.form.get("SpeechResult") or "").strip()
    if digits == "*":
        return Understanding("crisis", "en", text="*")
    if digits.isdigit():
        if step == "ask_place" and len(digits) == 5:
            place = services.understander.gazetteer.locate_zip(digits)
            return Understanding("unknown", "en", place=place, text=digits) if place else None
        return Understanding("unknown", "en", choice=int(digits[0]), text=digits)
    if not speech:
        return None
    message = services.understander.understand(speech)
    try:
        confidence = float(request.form.get("Confidence") or 1.0)
    except ValueError:
        confidence = 0.0
    if message.intent != "crisis" and confidence < MIN_CONFIDENCE:
        return None
    return message


@bp.post("/voice/gather")
def gather() -> Response:
    """Act on a key press, speech or silence, and say what comes next."""
    _check_signature()
    services = current_app.extensions["cpr"]
    call = request.form.get("CallSid") or ""
    caller = request.form.get("From") or ""
    lang = "en"
    outcome: dict = {}
    try:
        def handle(state: dict, _opted_out: bool):
            nonlocal lang
            state = state or dict(NEW_CALL)
            lang = state.get("lang", "en")
            message = _heard(services, state.get("step", "new"))
            if message is None and state.get("step") == "new":
                # Silence at the greeting: go on in English.
                message = Understanding("unknown", "en", choice=1)
            if message is None:
                outcome["state"] = state
                return _missed(services, state, outcome)
            state["misses"] = 0
            state.pop("keypad_only", None)
            context = {"mentors": services.desk.mentors_available(),
                       "handoff_open": services.desk.open_for(caller) is not None}
            turn = services.dialog.advance(state, message, services.bot.now(), "voice", context)
            lang = turn.lang
            outcome["turn"], outcome["state"] = turn, turn.state
            return turn.state, turn.replies, turn.effects, turn.lang

        result = services.store.process(f"call:{call}", None, handle)
        turn: Turn | None = outcome.get("turn")
        texts = list(result.replies)
        if turn is not None:
            texts = _act(services, turn, caller, call, texts)
            for kind, *args in turn.effects:
                if kind == "dial":
                    return _dial(services, texts, lang, args[0])
        if outcome.get("hangup"):
            return _goodbye(texts, lang)
        response = VoiceResponse()
        state = outcome["state"]  # what the transaction just saved
        _gather(response, texts, lang, state.get("step", "menu"), bool(state.get("keypad_only")))
        return _xml(response)
    except redis.RedisError:
        log.exception("Redis unavailable during call from %s", mask(caller))
        return _goodbye([services.flow.sentence(lang, "fallback", "voice")], lang)
    except Exception:  # noqa: BLE001 - a caller must never hear "an application error"
        log.exception("error during call from %s", mask(caller))
        return _goodbye([services.flow.sentence(lang, "error", "voice")], lang)


def _missed(services, state: dict, outcome: dict):
    """No input or unclear speech: reprompt, then keypad only, then a polite goodbye."""
    lang = state.get("lang", "en")
    flow = services.flow
    misses = state.get("misses", 0) + 1
    state["misses"] = misses
    sorry = flow.sentence(lang, "not_understood", "voice")
    if misses <= REPROMPTS:
        again = state.get("last_said") or [flow.sentence(lang, "menu", "voice")]
        return state, [sorry, *again], [], lang
    if misses == REPROMPTS + 1:
        state["keypad_only"] = True
        state["step"] = "menu"
        keypad = flow.sentence(lang, "menu_keypad", "voice")
        state["last_said"] = [keypad]
        return state, [sorry, keypad], [], lang
    outcome["hangup"] = True
    return state, [flow.sentence(lang, "goodbye", "voice")], [], lang


def _act(services, turn: Turn, caller: str, call: str, texts: list[str]) -> list[str]:
    """Carry out what the turn asked beyond speaking: texts, a mentor request."""
    for kind, *args in turn.effects:
        if kind == "handoff" and caller:
            place = turn.state.get("place") or {}
            services.desk.request(caller, call, turn.lang, args[0], place.get("zip", ""),
                                  place.get("label", ""))
        if kind != "text":
            continue
        if not caller or services.store.is_opted_out(caller):
            said = services.flow.sentence(turn.lang, "texted", "voice")
            cannot = services.flow.sentence(turn.lang, "cannot_text", "voice")
            texts = [cannot if t == said else t for t in texts]
            continue
        page = turn.state.get("page", 0)
        needs = "-".join(n for n in turn.state.get("needs", []) if n in CATEGORIES)
        for index, body in enumerate(args[0]):
            enqueue_text(services.queue, caller, body, f"{call}-{needs}-{page}-{index}")
    return texts


def _dial(services, texts: list[str], lang: str, who: str) -> Response:
    """Connect the caller: to the crisis line, or to the person on call."""
    settings = services.settings
    number = settings.crisis_dial if who == "crisis" else settings.on_call_number
    response = VoiceResponse()
    _say_all(response, texts, lang)
    response.dial(number, timeout=30)
    _say_all(response, [services.flow.sentence(lang, "goodbye", "voice")], lang)
    response.hangup()
    return _xml(response)
