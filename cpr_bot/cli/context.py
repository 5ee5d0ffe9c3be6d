"""What every command needs: settings from the environment, and Redis."""

from __future__ import annotations

import sys

import redis

from ..config import Settings
from ..errors import ConfigError


def settings(**overrides) -> Settings:
    """Settings from the environment, or a one-line reason to stop."""
    try:
        return Settings.from_env(**overrides)
    except ConfigError as exc:
        sys.exit(f"cpr-bot: {exc}")


def redis_client() -> redis.Redis:
    """Redis at REDIS_URL, or the embedded one (started if needed)."""
    from ..wiring import connect_redis

    return connect_redis(settings(env="development"), socket_timeout=5)
