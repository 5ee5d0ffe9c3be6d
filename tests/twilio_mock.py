"""A local stand-in for Twilio's REST API (Messages only), so the real twilio client code runs.

It records every message create and answers like Twilio does; tests script failures
(HTTP 500, error 21610...) and slow answers for the next requests.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _QuietServer(ThreadingHTTPServer):
    """Tests kill clients mid-request on purpose; a vanished client is not an error here."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class TwilioMock:
    """Start with `with TwilioMock() as twilio:`; twilio.url goes in TWILIO_API_BASE_URL."""

    def __init__(self):
        self.messages: list[dict] = []
        self.scripted: list[tuple[int, dict | None, float]] = []
        self.requests = 0
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body, delay = mock._answer(self.path, form)
                if delay:
                    time.sleep(delay)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, status: int, code: int | None = None, delay: float = 0.0) -> None:
        """Answer the next request with an error (and Twilio's error code)."""
        body = {"code": code, "message": "scripted failure", "more_info": "", "status": status}
        self.scripted.append((status, body, delay))

    def delay_next(self, seconds: float) -> None:
        self.scripted.append((201, None, seconds))

    def _answer(self, path: str, form: dict) -> tuple[int, dict, float]:
        with self.lock:
            self.requests += 1
            status, body, delay = self.scripted.pop(0) if self.scripted else (201, None, 0.0)
            if status >= 300 or not path.endswith("/Messages.json"):
                return (status if status >= 300 else 404), body or {"status": 404}, delay
            sid = "SM" + uuid.uuid4().hex
            message = {"sid": sid, "to": form.get("To"), "from": form.get("From"),
                       "body": form.get("Body"), "status": "queued", "num_segments": "1",
                       "account_sid": path.split("/")[3], "api_version": "2010-04-01",
                       "status_callback": form.get("StatusCallback"),
                       "validity_period": form.get("ValidityPeriod")}
            self.messages.append(message)
            return 201, message, delay

    def to(self, number: str) -> list[str]:
        """Bodies of the texts sent to a number, in order."""
        return [m["body"] for m in self.messages if m["to"] == number]

    def __enter__(self) -> TwilioMock:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
