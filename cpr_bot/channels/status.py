"""Twilio's delivery reports for texts we sent; a number Twilio says opted out is opted out."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from .webhooks import from_twilio, services

log = logging.getLogger(__name__)
bp = Blueprint("status", __name__)
OPTED_OUT = "21610"


@bp.post("/sms/status")
@from_twilio("MessageSid")
def delivery_report() -> Response:
    """Record a text's progress; it never moves backwards."""
    found = services()
    sid = request.form.get("MessageSid") or ""
    status = (request.form.get("MessageStatus") or "").lower()
    error = request.form.get("ErrorCode") or ""
    if sid and found.deliveries.record_status(sid, status, error) and error == OPTED_OUT:
        to = found.deliveries.recipient(sid)
        if to:
            found.opt_outs.record(to)
            found.desk.opted_out(to)
    return Response(status=204)


@bp.errorhandler(Exception)
def answer_anyway(error: Exception):
    """A report we could not record is logged; Twilio does not retry them, so say 204."""
    if isinstance(error, HTTPException):
        return error
    log.error("could not record a delivery report", exc_info=error)
    return Response(status=204)
