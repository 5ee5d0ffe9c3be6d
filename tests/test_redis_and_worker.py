"""The embedded Redis a fresh machine uses, and the RQ worker command."""

from __future__ import annotations

import subprocess
import sys

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from cpr_bot.config import ROOT
from cpr_bot.state.connection import EmbeddedRedis
from cpr_bot.state.optouts import OptOuts


def test_embedded_redis_is_a_real_server_that_keeps_opt_outs_across_restarts(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis").start()
    client = redis.Redis.from_url(server.url)
    OptOuts(client, tmp_path / "spool").record("+12055550100")
    assert client.info("server")["redis_version"]
    server.stop()
    again = EmbeddedRedis(tmp_path / "redis").start()
    assert OptOuts(redis.Redis.from_url(again.url), tmp_path / "spool").is_opted_out(
        "+12055550100")
    again.stop()


def test_worker_command_runs_jobs_from_the_queue(redis_url, redis_client):
    queue = Queue("default", connection=redis_client, serializer=JSONSerializer)
    job = queue.enqueue("cpr_bot.text.segment_count", "hello")
    done = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "worker", "--burst"],
                          env={"REDIS_URL": redis_url, "CPR_ENV": "development",
                               "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == 1
