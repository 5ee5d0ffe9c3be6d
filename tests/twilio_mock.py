"""A local stand-in for Twilio's REST API (Messages only), so the real twilio client code runs.

It records every message create, lists them like Twilio does (newest first), and speaks
HTTP/1.1 keep-alive; tests script failures (HTTP 500, error 21610...), slow answers, and a
server that refuses connections.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


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
        self.lookups = 0
        self.connections = 0
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API does
            # Headers and body go out in two writes: without this, a kept-alive client waits
            # on its delayed ACK (40 ms) for each answer.
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with mock.lock:
                    mock.connections += 1

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body, delay = mock._answer(self.path, form)
                if delay:
                    time.sleep(delay)
                self._reply(status, body)

            def do_GET(self):  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                self._reply(*mock._list(url.path, query))

            def _reply(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, code: int | None = None, delay: float = 0.0) -> None:
        """Answer the next request with an error (and Twilio's error code)."""
        body = {"code": code, "message": "scripted failure", "more_info": "", "status": status}
        self.scripted.append((status, body, delay))

    def delay_next(self, seconds: float) -> None:
        self.scripted.append((201, None, seconds))

    def stall_next(self, seconds: float, taken: bool) -> None:
        """Answer the next request late: having created the message (taken), or with a 500."""
        if taken:
            self.delay_next(seconds)
        else:
            self.fail_next(500, 20500, delay=seconds)

    def _answer(self, path: str, form: dict) -> tuple[int, dict, float]:
        with self.lock:
            self.requests += 1
            status, body, delay = self.scripted.pop(0) if self.scripted else (201, None, 0.0)
            if status >= 300 or not path.endswith("/Messages.json"):
                return (status if status >= 300 else 404), body or {"status": 404}, delay
            sid = "SM" + uuid.uuid4().hex
            message = {"sid": sid, "to": form.get("To"), "from": form.get("From"),
                       "body": form.get("Body"), "status": "queued", "num_segments": "1",
                       "date_created": formatdate(usegmt=True),
                       "account_sid": path.split("/")[3], "api_version": "2010-04-01",
                       "status_callback": form.get("StatusCallback"),
                       "validity_period": form.get("ValidityPeriod")}
            self.messages.append(message)
            return 201, message, delay

    def _list(self, path: str, query: dict) -> tuple[int, dict]:
        """Twilio's Messages list: filtered by To and From, newest first, one page."""
        with self.lock:
            self.lookups += 1
            if not path.endswith("/Messages.json"):
                return 404, {"status": 404}
            found = [m for m in reversed(self.messages)
                     if m["to"] == query.get("To", m["to"])
                     and m["from"] == query.get("From", m["from"])]
            size = int(query.get("PageSize", 50))
            return 200, {"messages": found[:size], "page": 0, "page_size": size, "start": 0,
                         "end": min(size, len(found)), "uri": path, "first_page_uri": path,
                         "next_page_uri": None, "previous_page_uri": None}

    def refuse_connections(self) -> None:
        """Stop listening: connections are refused until accept_connections()."""
        self.server.shutdown()
        self.server.server_close()

    def accept_connections(self) -> None:
        """Listen again on the same port."""
        self.server = _QuietServer(("127.0.0.1", self.port), self.handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, number: str) -> list[str]:
        """Bodies of the texts sent to a number, in order."""
        return [m["body"] for m in self.messages if m["to"] == number]

    def __enter__(self) -> TwilioMock:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
