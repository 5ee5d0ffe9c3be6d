"""The one way the bot sends a text outside a webhook reply: opt-outs checked, sent at most once.

With Twilio credentials it uses the real twilio Client (10 s timeout; TWILIO_API_BASE_URL can
point it at a local Twilio-compatible server). Without them (development) texts go to a
Redis outbox that `cpr-bot outbox` and `cpr-bot chat` show.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

import redis
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .config import Settings
from .delivery import record_sent
from .store import PREFIX, Store, mask

log = logging.getLogger(__name__)
OUTBOX = f"{PREFIX}:outbox"
SENT_TTL = 7 * 24 * 3600
OPTED_OUT_CODE = 21610
BAD_NUMBER_CODES = {21211, 21614}


class RetryableSendError(Exception):
    """Twilio was busy or failed (429 or 5xx) before taking the message: try again later."""


class UncertainSendError(Exception):
    """An earlier try stopped mid-send: it may have gone out. A person must decide to resend."""


@dataclass
class SendResult:
    """What happened to one text: sent, outbox, opted_out, bad_number or duplicate."""

    status: str
    sid: str | None = None


class Sender:
    """Sends texts from our number, honoring opt-outs and never sending one key twice."""

    def __init__(self, settings: Settings, store: Store, from_number: str | None = None):
        self.store = store
        self.from_number = from_number or settings.twilio_from_number
        self.status_callback = (f"{settings.public_base_url}/sms/status"
                                if settings.public_base_url else None)
        self.client: Client | None = None
        if settings.twilio_account_sid and settings.twilio_auth_token:
            self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                                 http_client=TwilioHttpClient(timeout=10))
            if settings.twilio_api_base_url:
                self.client.api.base_url = settings.twilio_api_base_url

    def _sent_key(self, key: str) -> str:
        return sent_key(key)

    def send(self, to: str, body: str, key: str, valid_for: int | None = None) -> SendResult:
        """Send body to a number once per key; raise RetryableSendError when worth retrying.

        valid_for (seconds) lets Twilio drop a text it could not deliver in time, such as an
        offer to a mentor that another mentor will get anyway.
        """
        if self.store.is_opted_out(to):
            log.info("not texting %s: opted out", mask(to))
            return SendResult("opted_out")
        claim = self._sent_key(key)
        # Claimed before calling Twilio: a retry after an unclear failure must not double-send.
        if not self.store.redis.set(claim, "sending", nx=True, ex=SENT_TTL):
            if self.store.redis.get(claim) == b"sending":
                raise UncertainSendError(f"an earlier try of {key} stopped mid-send")
            return SendResult("duplicate")
        if self.client is None:
            record = {"to": to, "body": body, "at": dt.datetime.now(dt.timezone.utc).isoformat()}
            self.store.redis.rpush(OUTBOX, json.dumps(record))
            self.store.redis.set(claim, "outbox", ex=SENT_TTL)
            return SendResult("outbox")
        options = {}
        if self.status_callback:
            options["status_callback"] = self.status_callback
        if valid_for:
            options["validity_period"] = max(1, min(valid_for, 36000))
        try:
            message = self.client.messages.create(to=to, from_=self.from_number, body=body,
                                                  **options)
        except TwilioRestException as exc:
            return self._failed(to, claim, exc)
        except Exception:
            # A timeout after the request left: Twilio may have sent it. Keep the claim.
            log.exception("texting %s: unclear whether it was sent", mask(to))
            raise
        self.store.redis.set(claim, message.sid or "sent", ex=SENT_TTL)
        if message.sid:
            record_sent(self.store.redis, message.sid, to, key)
        log.info("texted %s (%s)", mask(to), message.sid)
        return SendResult("sent", message.sid)

    def _failed(self, to: str, claim: str, exc: TwilioRestException) -> SendResult:
        if exc.code == OPTED_OUT_CODE:
            self.store.redis.set(self.store.optout_key(to), "1")
            self.store.redis.set(claim, "opted_out", ex=SENT_TTL)
            log.info("Twilio says %s opted out; recorded", mask(to))
            return SendResult("opted_out")
        if exc.code in BAD_NUMBER_CODES:
            self.store.redis.set(claim, "bad_number", ex=SENT_TTL)
            self.store.redis.hset(f"{PREFIX}:bad_numbers", to, exc.code)
            log.warning("cannot text %s: Twilio error %s", mask(to), exc.code)
            return SendResult("bad_number")
        if exc.status == 429 or exc.status >= 500:
            # Twilio did not take the message: free the claim so the retry may send it.
            self.store.redis.delete(claim)
            raise RetryableSendError(f"Twilio {exc.status} ({exc.code})") from None
        self.store.redis.set(claim, f"failed {exc.code}", ex=SENT_TTL)
        log.error("texting %s failed: Twilio %s %s", mask(to), exc.status, exc.code)
        return SendResult("failed")


def sent_key(key: str) -> str:
    """Where the once-per-key claim of a text lives."""
    return f"{PREFIX}:sent:{key}"


def forget_sent(client: redis.Redis, key: str) -> None:
    """Allow a text to be sent again (a coordinator chose to resend after an unclear try)."""
    client.delete(sent_key(key))


def read_outbox(client: redis.Redis, start: int = 0) -> list[dict]:
    """Texts kept in the development outbox, oldest first."""
    return [json.loads(raw) for raw in client.lrange(OUTBOX, start, -1)]
