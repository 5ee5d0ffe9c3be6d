"""The Twilio Messaging webhook: a text in, the runner's replies out as TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from ..conversation.dialog import Turn
from ..conversation.replies import pack
from ..conversation.runner import Message
from .webhooks import answer_anyway, from_twilio, services

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)


def twiml(texts: list[str]) -> Response:
    """A TwiML reply with one <Message> per text (none means no reply)."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


def _message() -> Message:
    form = request.form
    return Message("sms", (form.get("From") or "").strip(), form.get("Body") or "",
                   form.get("MessageSid"),
                   (form.get("OptOutType") or "").strip().upper())


@bp.post("/sms")
@from_twilio("MessageSid")
def incoming_sms() -> Response:
    """Answer one text."""
    message = _message()
    if not message.sender:
        abort(400, "From is required")
    return _reply(services().runner.run(message))


def _reply(turn: Turn) -> Response:
    return twiml(pack(turn.replies, turn.lang))


answer_anyway(bp, _message, _reply, lambda: twiml([services().flow.sentence("en", "fallback")]))
