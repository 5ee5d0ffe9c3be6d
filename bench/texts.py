"""Texts per second through `cpr-bot worker` beside a bare job that only posts to the same
local Twilio stand-in, run by RQ's non-forking worker with one kept-alive HTTP session.

Both queue the same number of texts and drain them with the same number of worker processes
(--burst), in alternating rounds. Prints texts per second for each, their ratio, and how many
connections the stand-in accepted (fewer than texts means connections were reused).
Target (issue 11): ratio >= 0.8.
Usage: python bench/texts.py [TEXTS] [WORKERS] [ROUNDS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from handoffs import redis_url  # noqa: E402  (bench/ is on the path when run as a script)

from cpr_bot.outbound.jobs import Jobs, make_queue  # noqa: E402

ACCOUNT = "AC" + "1" * 32
# The same worker class as cpr-bot worker (RQ's non-forking worker), running a bare job.
BARE_WORKER = """
import sys, redis
from rq.serializers import JSONSerializer
sys.path.insert(0, {bench!r})
import texts
from cpr_bot.worker.run import LineWorker
connection = redis.Redis.from_url({url!r})
LineWorker(["bare"], connection=connection, serializer=JSONSerializer).work(burst=True)
"""
# The stand-in runs in a process of its own, as Twilio would: in the bench's own process its
# threads slowed two kept-alive workers to a few texts a second.
STAND_IN = """
import json, sys
sys.path.insert(0, {root!r})
from tests.twilio_mock import TwilioMock
with TwilioMock() as twilio:
    print(twilio.url, flush=True)
    for _ in sys.stdin:
        print(json.dumps({{"messages": len(twilio.messages),
                          "connections": twilio.connections}}), flush=True)
"""
_session = None


class StandIn:
    """The local Twilio stand-in in its own process; counts() asks it what it has seen."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-c", STAND_IN.format(root=str(ROOT))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def counts(self) -> dict:
        self.process.stdin.write("counts\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def bare_post(base_url: str, to: str, body: str) -> int:
    """The least a text job can do: one POST to the Messages endpoint, on a kept session."""
    global _session
    import requests

    _session = _session or requests.Session()
    response = _session.post(f"{base_url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                             data={"To": to, "From": "+12055550199", "Body": body},
                             auth=(ACCOUNT, "bench"), timeout=10)
    return response.status_code


def drain(commands: list[list[str]], env: dict) -> float:
    """Run the worker commands side by side until they exit; seconds taken."""
    started = time.perf_counter()
    workers = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for c in commands]
    for worker in workers:
        worker.wait()
    return time.perf_counter() - started


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    worker_count = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    url, server = redis_url(db=11)
    client = redis.Redis.from_url(url)
    client.flushdb()
    rates = {"bare": [], "bot": []}
    twilio = StandIn()
    try:
        env = {**os.environ, "REDIS_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT,
               "TWILIO_AUTH_TOKEN": "bench", "TWILIO_API_BASE_URL": twilio.url,
               "TWILIO_FROM_NUMBER": "+12055550199", "CPR_SPOOL_DIR": tempfile.mkdtemp(),
               "PYTHONPATH": str(ROOT)}
        bare_command = [sys.executable, "-c",
                        BARE_WORKER.format(bench=str(ROOT / "bench"), url=url)]
        bot_command = [sys.executable, "-m", "cpr_bot.cli", "worker", "--burst"]
        jobs, bare_queue = Jobs(make_queue(client)), make_queue(client, "bare")
        connections = {}
        for round_number in range(rounds):
            for n in range(total):
                bare_queue.enqueue("texts.bare_post", twilio.url, f"+1205556{n:04d}",
                                   "Your mentor will text you soon.")
            before = twilio.counts()["connections"]
            rates["bare"].append(total / drain([bare_command] * worker_count, env))
            connections["bare"] = twilio.counts()["connections"] - before
            for n in range(total):
                jobs.text(f"+1205556{n:04d}", "Your mentor will text you soon.",
                          f"bench-{round_number}-{n}")
            before = twilio.counts()["connections"]
            rates["bot"].append(total / drain([bot_command] * worker_count, env))
            connections["bot"] = twilio.counts()["connections"] - before
        sent = twilio.counts()["messages"]
    finally:
        twilio.stop()
    client.flushdb()
    if server:
        server.stop()
    bare, bot = statistics.median(rates["bare"]), statistics.median(rates["bot"])
    print(f"{total} texts per round, {worker_count} worker processes, {rounds} rounds "
          f"(medians; worker start-up included)")
    print(f"bare non-forking job     {bare:7.1f} texts/s   connections {connections['bare']}")
    print(f"cpr-bot worker           {bot:7.1f} texts/s   connections {connections['bot']}")
    print(f"ratio: {bot / bare:.2f}   (target >= 0.8); {sent} of {2 * total * rounds} arrived")


if __name__ == "__main__":
    main()
