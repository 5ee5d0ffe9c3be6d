"""The /sms webhook beside a bare Flask endpoint that returns constant TwiML, both under the
Procfile's gunicorn settings (2 workers, 4 threads, --preload), driven by the same 16
keep-alive clients in alternating rounds of one run.

Prints requests per second, p50 and p99 for each, their ratio, and Redis round trips per
message (counted at the client connection, with the app in this process).
Targets (issue 11): ratio >= 0.5, p99 <= 50 ms, <= 3 round trips per message.
Uses REDIS_URL's server (DB 13, flushed) or an embedded Redis.
Usage: python bench/webhook.py [SECONDS] [CLIENTS] [ROUNDS]
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from handoffs import redis_url  # noqa: E402  (bench/ is on the path when run as a script)
from twilio.request_validator import RequestValidator  # noqa: E402

TOKEN = "bench-auth-token"
ACCOUNT = "AC" + "b" * 32
BASE = "https://bench.example.org"
# Traffic like the line's: a person asks in their own words (the labeled examples, opt-outs
# left out so every person keeps texting), answers the place question, then picks or pages.
PLACES = ["35204", "bessemer", "35211", "ensley", "35020", "downtown", "hoover", "35215"]
PICKS = ["1", "MORE", "2", "yes", "menu"]
BARE_APP = '''
from flask import Flask, Response
app = Flask(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>hi</Message></Response>'

@app.post("/sms")
def sms():
    return Response(TWIML, mimetype="text/xml")
'''


_NEXT = itertools.count()  # shared, so no run replays another's message ids


def asks() -> list[str]:
    rows = [json.loads(line) for path in sorted((ROOT / "conversations" / "examples")
                                                 .glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r["intent"] not in ("stop", "start")]


def forms():
    """Signed webhook forms: 200 people, each asking, giving a place, then picking."""
    validator = RequestValidator(TOKEN)
    texts = asks()
    for n in _NEXT:
        person, turn = n % 200, n // 200
        body = (texts[(person * 7919 + turn) % len(texts)] if turn % 3 == 0 else
                PLACES[(person + turn) % len(PLACES)] if turn % 3 == 1 else
                PICKS[(person + turn) % len(PICKS)])
        form = {"From": f"+1205556{person:04d}", "To": "+12055550199", "Body": body,
                "AccountSid": ACCOUNT, "MessageSid": f"SM{n:032x}", "NumMedia": "0"}
        yield urlencode(form), validator.compute_signature(f"{BASE}/sms", form)


def drive(port: int, seconds: float, clients: int) -> tuple[float, list[float]]:
    """Requests per second and each request's latency (s) from `clients` keep-alive clients."""
    source, lock, latencies, errors = forms(), threading.Lock(), [], []
    stop_at = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                body, signature = next(source)
            started = time.perf_counter()
            conn.request("POST", "/sms", body, {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature})
            response = conn.getresponse()
            response.read()
            took = time.perf_counter() - started
            with lock:
                (latencies if response.status == 200 else errors).append(took)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} requests failed")
    return len(latencies) / (time.monotonic() - began), latencies


def serve(app: str, port: int, env: dict, folder: Path) -> subprocess.Popen:
    """gunicorn as the Procfile runs it, answering on port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--timeout", "20", "--preload",
         "--chdir", str(folder)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("POST", "/sms", "", {"Content-Type": "application/x-www-form-urlencoded"})
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start")


def round_trips_per_message(url: str, messages: int = 600) -> float:
    """Redis round trips per /sms request, counted at the client's connection."""
    from redis.connection import AbstractConnection

    from cpr_bot import create_app
    from cpr_bot.config import Settings

    app = create_app(Settings.from_env({}, redis_url=url, twilio_auth_token=TOKEN,
                                       twilio_account_sid=ACCOUNT, public_base_url=BASE))
    client = app.test_client()
    count = [0]
    send = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        count[0] += 1
        return send(self, command, check_health)

    source = forms()  # 600 messages: each of the 200 people's next three turns
    AbstractConnection.send_packed_command = counted
    try:
        for _ in range(messages):
            body, signature = next(source)
            client.post("/sms", data=body, headers={"X-Twilio-Signature": signature,
                        "Content-Type": "application/x-www-form-urlencoded"})
    finally:
        AbstractConnection.send_packed_command = send
    return count[0] / messages


def summary(name: str, rates: list[float], latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"{name:28s} {statistics.median(rates):8.1f} req/s   p50 {cuts[49] * 1000:6.1f} ms" \
           f"   p99 {cuts[98] * 1000:6.1f} ms"


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    url, server = redis_url(db=13)
    redis.Redis.from_url(url).flushdb()
    folder = Path(tempfile.mkdtemp())
    (folder / "bare.py").write_text(BARE_APP)
    env = {**os.environ, "REDIS_URL": url, "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_ACCOUNT_SID": ACCOUNT, "PUBLIC_BASE_URL": BASE, "CPR_ENV": "production",
           "PYTHONPATH": str(ROOT)}
    servers = []
    results = {"bare": ([], []), "sms": ([], [])}
    try:
        servers = [serve("bare:app", 5601, env, folder), serve("app:app", 5602, env, ROOT)]
        drive(5602, 3, clients)  # warm up: conversations under way, like live traffic
        # Rounds alternate, so a slow moment of the machine falls on both alike.
        for _ in range(rounds):
            for name, port in (("bare", 5601), ("sms", 5602)):
                rate, latencies = drive(port, seconds, clients)
                results[name][0].append(rate)
                results[name][1].extend(latencies)
        trips = round_trips_per_message(url)
    finally:
        for process in servers:
            process.terminate()
            process.wait()
        if server:
            server.stop()
    bare_rates, sms_rates = results["bare"][0], results["sms"][0]
    print(f"{clients} clients, {rounds} alternating rounds of {seconds:.0f} s, "
          "gunicorn 2 workers x 4 threads --preload; medians of the rounds")
    print(summary("bare constant TwiML", *results["bare"]))
    print(summary("/sms (the bot)", *results["sms"]))
    ratios = [s / b for s, b in zip(sms_rates, bare_rates, strict=True)]
    print(f"ratio /sms to bare: {statistics.median(ratios):.2f} "
          f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})   (target >= 0.5)")
    print(f"Redis round trips per message: {trips:.1f}   (target <= 3)")


if __name__ == "__main__":
    main()
