"""The one way the bot sends a text outside a webhook reply: opt-outs checked first (failing
closed when they cannot be read), and each text key sent at most once.

With Twilio credentials it uses the real twilio Client (10 s timeout; TWILIO_API_BASE_URL can
point it at a local Twilio-compatible server). Without them (development) texts go to a
Redis outbox that `cpr-bot outbox` and `cpr-bot chat` show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..config import Settings
from ..errors import RetryableSendError, UncertainSendError
from ..phones import masked
from ..state.deliveries import SENDING, Deliveries
from ..state.optouts import OptOuts

log = logging.getLogger(__name__)
OPTED_OUT_CODE = 21610
BAD_NUMBER_CODES = {21211, 21614}


@dataclass
class SendResult:
    """What happened to one text: sent, outbox, opted_out, bad_number, failed or duplicate."""

    status: str
    sid: str | None = None


class Sender:
    """Sends texts from our number, honoring opt-outs and never sending one key twice."""

    def __init__(self, settings: Settings, opt_outs: OptOuts, deliveries: Deliveries):
        self.opt_outs = opt_outs
        self.deliveries = deliveries
        self.from_number = settings.twilio_from_number
        self.status_callback = (f"{settings.public_base_url}/sms/status"
                                if settings.public_base_url else None)
        self.client: Client | None = None
        if settings.twilio_account_sid and settings.twilio_auth_token:
            self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                                 http_client=TwilioHttpClient(timeout=10))
            if settings.twilio_api_base_url:
                self.client.api.base_url = settings.twilio_api_base_url

    def send(self, to: str, body: str, key: str, valid_for: int | None = None) -> SendResult:
        """Send body to a number once per key; raise RetryableSendError when worth retrying.

        valid_for (seconds) lets Twilio drop a text it could not deliver in time, such as an
        offer to a mentor that another mentor will get anyway.
        """
        if not self.opt_outs.may_text(to):  # raises OptOutUnknownError: nothing is sent
            log.info("not texting %s: opted out", masked(to))
            return SendResult("opted_out")
        # Claimed before calling Twilio: a retry after an unclear failure must not double-send.
        earlier = self.deliveries.claim(key)
        if earlier == SENDING:
            raise UncertainSendError(f"an earlier try of {key} stopped mid-send")
        if earlier is not None:
            return SendResult("duplicate")
        if self.client is None:
            self.deliveries.keep_in_outbox(to, body)
            self.deliveries.settle(key, "outbox")
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
            return self._failed(to, key, exc)
        except Exception:
            # A timeout after the request left: Twilio may have sent it. Keep the claim.
            log.exception("texting %s: unclear whether it was sent", masked(to))
            raise
        self.deliveries.settle(key, message.sid or "sent")
        if message.sid:
            self.deliveries.record_sent(message.sid, to, key)
        log.info("texted %s (%s)", masked(to), message.sid)
        return SendResult("sent", message.sid)

    def _failed(self, to: str, key: str, exc: TwilioRestException) -> SendResult:
        if exc.code == OPTED_OUT_CODE:
            self.opt_outs.record(to)
            self.deliveries.settle(key, "opted_out")
            log.info("Twilio says %s opted out; recorded", masked(to))
            return SendResult("opted_out")
        if exc.code in BAD_NUMBER_CODES:
            self.deliveries.settle(key, "bad_number")
            self.deliveries.mark_bad_number(to, exc.code)
            log.warning("cannot text %s: Twilio error %s", masked(to), exc.code)
            return SendResult("bad_number")
        if exc.status == 429 or exc.status >= 500:
            # Twilio did not take the message: free the claim so the retry may send it.
            self.deliveries.release(key)
            raise RetryableSendError(f"Twilio {exc.status} ({exc.code})") from None
        self.deliveries.settle(key, f"failed {exc.code}")
        log.error("texting %s failed: Twilio %s %s", masked(to), exc.status, exc.code)
        return SendResult("failed")
