"""Check that a webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

import logging

from flask import Request
from twilio.request_validator import RequestValidator

from .config import Settings

log = logging.getLogger(__name__)


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
    # Every form field is signed, including ones Twilio adds later: pass them all.
    return validator.validate(public_url(request, settings), request.form, signature)
