"""The Twilio Messaging webhook: validate, hand the text to the bot, answer with TwiML."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from .replies import pack
from .security import is_from_twilio
from .store import mask

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)


def twiml(texts: list[str]) -> Response:
    """A TwiML reply with one <Message> per text (none means no reply)."""
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


@bp.post("/sms")
def incoming_sms() -> Response:
    services = current_app.extensions["cpr"]
    if not is_from_twilio(request, services.settings):
        log.warning("rejected /sms request with a missing or wrong signature")
        abort(403)
    phone = (request.form.get("From") or "").strip()
    if not phone:
        abort(400, "From is required")
    text = request.form.get("Body") or ""
    message_id = request.form.get("MessageSid") or request.form.get("SmsSid")
    bot = services.bot
    try:
        result = bot.receive(phone, text, message_id, request.form.get("OptOutType"))
        texts, lang = result.replies, result.lang
    except redis.RedisError:
        log.exception("Redis unavailable while answering %s", mask(phone))
        texts = bot.fallback(phone, text)
        lang = bot.understander.understand(text).lang
    except Exception:  # noqa: BLE001 - Twilio must never see a 500
        log.exception("error while answering %s", mask(phone))
        texts = bot.fallback(phone, text)
        lang = "en"
    return twiml(pack(texts, lang))
