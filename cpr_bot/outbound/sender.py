"""The one way the bot sends a text outside a webhook reply: opt-outs checked first (failing
closed when they cannot be read), and each text key sent at most once.

RQ runs a job at least once, so a send can stop halfway. A request that never reached Twilio
(refused, DNS, connect timeout) is retried like a 5xx. After an unclear one (a read timeout),
the next try first asks Twilio's Messages list whether the text went out, and resends only if
it did not.

With Twilio credentials it uses the real twilio Client (CPR_TWILIO_TIMEOUT, 10 s by default;
TWILIO_API_BASE_URL can point it at a local Twilio-compatible server). Without them
(development) texts go to a Redis outbox that `cpr-bot outbox` and `cpr-bot chat` show.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from ..config import Settings
from ..errors import RetryableSendError
from ..phones import masked
from ..state.deliveries import SENDING, Deliveries
from ..state.optouts import OptOuts

log = logging.getLogger(__name__)
OPTED_OUT_CODE = 21610
BAD_NUMBER_CODES = {21211, 21614}
CLOCK_SKEW = 120  # seconds our clock and Twilio's may disagree by


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
        # Twilio may still be creating a text whose answer we missed: look only after this.
        self.unclear_wait = 3 * settings.twilio_timeout
        self.client: Client | None = None
        if settings.twilio_account_sid and settings.twilio_auth_token:
            self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                                 http_client=TwilioHttpClient(timeout=settings.twilio_timeout))
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
            found = self._sent_earlier(to, body, key)
            if found:
                return found
            self.deliveries.retry_claim(key)
        elif earlier is not None:
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
        except requests.RequestException as exc:
            # "from None": the exception's own text names the URL, and a list URL the number.
            if never_left(exc):
                self.deliveries.release(key)
                raise RetryableSendError(f"Twilio unreachable ({type(exc).__name__})") from None
            # Twilio may have sent it: keep the claim, and let the retry ask Twilio first.
            log.warning("texting %s: unclear whether it was sent (%s)", masked(to),
                        type(exc).__name__)
            raise RetryableSendError(f"unclear send ({type(exc).__name__})") from None
        return self._sent(to, key, message.sid)

    def _sent(self, to: str, key: str, sid: str | None) -> SendResult:
        self.deliveries.settle(key, sid or "sent")
        if sid:
            self.deliveries.record_sent(sid, to, key)
        log.info("texted %s (%s)", masked(to), sid)
        return SendResult("sent", sid)

    def _sent_earlier(self, to: str, body: str, key: str) -> SendResult | None:
        """Whether an unfinished earlier try of key reached Twilio: its text, found in
        Twilio's list of recent messages to this number, settles the key."""
        if self.client is None:
            return None  # the development outbox: resending to it harms no one
        started = self.deliveries.sending_since(key)
        if time.time() - started < self.unclear_wait:
            raise RetryableSendError("an unclear try is too recent to look up")
        try:
            recent = self.client.messages.list(to=to, from_=self.from_number, limit=50)
        except (TwilioRestException, requests.RequestException) as exc:
            raise RetryableSendError(f"cannot look up an unclear try ({type(exc).__name__})"
                                     ) from None
        for message in recent:
            created = message.date_created.timestamp() if message.date_created else time.time()
            if created >= started - CLOCK_SKEW and _same_text(message.body, body):
                log.info("an unclear try to %s had gone out: not sending again", masked(to))
                return self._sent(to, key, message.sid)
        return None

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


def never_left(exc: requests.RequestException) -> bool:
    """Whether a request failed before Twilio could read it: refused, DNS, connect timeout."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _same_text(sent: str | None, ours: str) -> bool:
    """Whether Twilio's copy of a text is ours (its spacing may differ)."""
    return " ".join((sent or "").split()) == " ".join(ours.split())
