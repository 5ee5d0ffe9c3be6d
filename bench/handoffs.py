"""Push 1,000 mentor handoffs through real RQ workers to a local Twilio stand-in.

Each handoff is requested, offered to a mentor by text, accepted, and the person is told:
two texts per handoff. Prints the time taken and how many texts arrived (all of them).
Uses REDIS_URL's server (DB 14, flushed) or an embedded Redis.
Usage: python bench/handoffs.py [HANDOFFS] [WORKERS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.conversation.flows import load_flow  # noqa: E402
from cpr_bot.conversation.understanding import Understanding  # noqa: E402
from cpr_bot.state.connection import EmbeddedRedis  # noqa: E402
from cpr_bot.state.mentors import Roster, make_mentor  # noqa: E402
from cpr_bot.wiring import build_desk  # noqa: E402
from tests.twilio_mock import TwilioMock  # noqa: E402


def redis_url(db: int = 14) -> tuple[str, EmbeddedRedis | None]:
    """REDIS_URL's server on its own DB index, else an embedded server (and it, to stop)."""
    if os.environ.get("REDIS_URL"):
        kwargs = redis.Redis.from_url(os.environ["REDIS_URL"]).connection_pool.connection_kwargs
        if "path" in kwargs:
            return f"unix://{kwargs['path']}?db={db}", None
        return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{db}", None
    server = EmbeddedRedis(Path(tempfile.mkdtemp()), persistent=False).start()
    return f"{server.url}?db={db}", server


def run_workers(count: int, env: dict) -> None:
    workers = [subprocess.Popen([sys.executable, "-m", "cpr_bot.cli", "worker", "--burst"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for _ in range(count)]
    for worker in workers:
        worker.wait()


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    worker_count = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    url, server = redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    with TwilioMock() as twilio:
        env = {**os.environ, "REDIS_URL": url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
               "TWILIO_AUTH_TOKEN": "bench", "TWILIO_API_BASE_URL": twilio.url,
               "TWILIO_FROM_NUMBER": "+12055550199", "CPR_MENTOR_ANSWER_SECONDS": "3600",
               "CPR_SPOOL_DIR": tempfile.mkdtemp()}
        settings = Settings.from_env(env)
        roster = Roster(client)
        mentors = [make_mentor(f"Bench Mentor {i}", f"205-555-01{i:02d}", "en,es", "", "",
                               "24/7") for i in range(20)]
        for mentor in mentors:
            roster.save(mentor)
        desk = build_desk(client, load_flow(settings.conversations_dir), settings)
        started = time.perf_counter()
        handoffs = [desk.request(f"+1205556{n:04d}", f"SMbench{n:06d}", "en", "jobs", "35203",
                                 "Birmingham") for n in range(total)]
        queued = time.perf_counter()
        run_workers(worker_count, env)
        offered = time.perf_counter()
        for handoff in handoffs:
            fresh = desk.records.get(handoff.id)
            accept = Understanding("unknown", "en", command="accept", text=f"ACCEPT {fresh.code}")
            desk.from_mentor(fresh.mentor, accept, f"SMaccept{fresh.code}{fresh.id}")
        run_workers(worker_count, env)
        finished = time.perf_counter()
        offers = sum(1 for m in twilio.messages if m["body"].startswith("CPR: someone near"))
        told = sum(1 for m in twilio.messages if "volunteer mentor, will text you" in m["body"])
    client.flushdb()
    if server:
        server.stop()
    print(f"{total} handoffs, {worker_count} workers, local Twilio stand-in")
    print(f"requests recorded and queued in {queued - started:.2f} s")
    print(f"offers sent in {offered - queued:.2f} s: {offers}/{total} arrived")
    print(f"accepted, people told in {finished - offered:.2f} s: {told}/{total} arrived")
    print(f"total {finished - started:.2f} s, {2 * total / (finished - started):.0f} texts/s; "
          f"all arrived: {offers == total and told == total}")


if __name__ == "__main__":
    main()
