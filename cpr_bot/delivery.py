"""Twilio's delivery reports for texts we sent: kept per message, never moving backwards."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, abort, current_app, request

from .security import is_from_twilio
from .store import PREFIX

log = logging.getLogger(__name__)
bp = Blueprint("delivery", __name__)
KEEP = 7 * 24 * 3600
# Later stages outrank earlier ones; a late "sent" never overwrites "delivered".
RANK = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2, "failed": 3,
        "undelivered": 3, "delivered": 4, "read": 5}
OPTED_OUT = "21610"
# Compare-and-set in one step, so two reports arriving together cannot undo each other.
_UPDATE = """
local old = redis.call('HGET', KEYS[1], 'rank')
if old and tonumber(old) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2], 'error', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


def record_sent(client: redis.Redis, sid: str, to: str, key: str) -> None:
    """Remember who a message went to, so its delivery report can be acted on."""
    name = f"{PREFIX}:sms:{sid}"
    client.hset(name, mapping={"to": to, "key": key, "status": "queued", "rank": 0})
    client.expire(name, KEEP)


def record_status(client: redis.Redis, sid: str, status: str, error: str) -> bool:
    """Store a delivery status unless a later one is already known."""
    rank = RANK.get(status)
    if rank is None:
        return False
    return bool(client.eval(_UPDATE, 1, f"{PREFIX}:sms:{sid}", status, rank, error, KEEP))


@bp.post("/sms/status")
def status_callback() -> Response:
    """Twilio reports a text's progress; an opted-out recipient is remembered as such."""
    services = current_app.extensions["cpr"]
    if not is_from_twilio(request, services.settings):
        abort(403)
    sid = request.form.get("MessageSid") or ""
    status = (request.form.get("MessageStatus") or "").lower()
    error = request.form.get("ErrorCode") or ""
    try:
        if sid and record_status(services.redis, sid, status, error) and error == OPTED_OUT:
            to = services.redis.hget(f"{PREFIX}:sms:{sid}", "to")
            if to:
                services.redis.set(services.store.optout_key(to.decode()), "1")
    except redis.RedisError:
        log.exception("could not record a delivery report")  # Twilio will not retry; fine
    return Response(status=204)
