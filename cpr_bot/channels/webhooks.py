"""What every Twilio webhook shares: the signature check, as one decorator, and the services."""

from __future__ import annotations

import functools
import hmac
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import redis
from flask import Blueprint, Request, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import HTTPException

from ..config import Settings
from ..phones import masked

if TYPE_CHECKING:
    from ..conversation.dialog import Turn
    from ..conversation.runner import Message
    from ..wiring import Services

log = logging.getLogger(__name__)


def services() -> Services:
    """The loaded data and connections this web process shares between requests."""
    return current_app.extensions["cpr"]


def public_url(request: Request, settings: Settings) -> str:
    """The URL Twilio called: PUBLIC_BASE_URL plus path and query, or the request's own URL."""
    if settings.public_base_url:
        query = request.query_string.decode("latin-1")
        return settings.public_base_url + request.path + (f"?{query}" if query else "")
    return request.url


def is_from_twilio(request: Request, settings: Settings) -> bool:
    """Whether the request carries a valid signature (always true when checks are off)."""
    if not settings.checks_signatures:
        return True
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    url = public_url(request, settings)
    # Every form field is signed, including ones Twilio adds later: pass them all. One HMAC
    # for the URL as we see it; twilio's validate (which also tries it with and without a
    # port, three HMACs) only when that fails.
    if hmac.compare_digest(validator.compute_signature(url, request.form), signature):
        return True
    return validator.validate(url, request.form, signature)


# Twilio's ids: two letters and 32 hex digits. MMS messages have MM ids.
SID_FORMS = {"MessageSid": re.compile(r"(SM|MM)[0-9a-fA-F]{32}"),
             "CallSid": re.compile(r"CA[0-9a-fA-F]{32}")}
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")


def from_twilio(sid_field: str):
    """Refuse, with nothing written, a webhook without Twilio's valid signature (403), from
    another account (403), or without a well-formed MessageSid or CallSid (400).

    The id is what de-duplicates a delivery, so a request without one is not Twilio's: a
    signature alone can be kept valid by folding the id into another field's value.
    """

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            settings = services().settings
            if not is_from_twilio(request, settings):
                log.warning("rejected %s with a missing or wrong signature", request.path)
                abort(403)
            if settings.checks_signatures:
                account = request.form.get("AccountSid") or ""
                ours = settings.twilio_account_sid
                if not ACCOUNT_SID.fullmatch(account) or (ours and account != ours):
                    log.warning("rejected %s from another Twilio account", request.path)
                    abort(403)
                if not SID_FORMS[sid_field].fullmatch(request.form.get(sid_field) or ""):
                    abort(400, f"{sid_field} is missing or malformed")
            return view(*args, **kwargs)

        return checked

    return decorate


def answer_anyway(bp: Blueprint, message_of: Callable[[], Message],
                  render: Callable[[Turn], Response], last_resort: Callable[[], Response]):
    """Give a blueprint its one error handler: Twilio never gets a 500. Whatever failed, the
    runner's fallback answers (no opt-out lost, crisis lines for a crisis); if even that
    fails, a fixed apology with a number to call."""

    @bp.errorhandler(Exception)
    def answer(error: Exception):
        if isinstance(error, HTTPException):
            return error  # 400, 403, 405: meant for the caller of the webhook
        message = message_of()
        redis_down = isinstance(error, redis.RedisError)
        log.error("%s at %s from %s", "Redis unavailable" if redis_down else "error",
                  request.path, masked(message.sender), exc_info=error)
        try:
            return render(services().runner.fallback(message, redis_down))
        except Exception:  # noqa: BLE001 - the last resort still answers
            log.exception("the fallback failed too at %s", request.path)
            return last_resort()
