"""Settings read from the environment; the README's configuration table mirrors this file."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def configure_logging() -> None:
    """One log format for web and worker; never log message text or full numbers."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # twilio's client logs each request's query (a phone number, in a Messages lookup) at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def _whole_number(env, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _seconds(env, name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start, with safe defaults only where safety allows."""

    env: str = "production"
    redis_url: str | None = None
    redis_data_dir: Path = ROOT / "var" / "redis"
    # Where a STOP waits while Redis is down; every web and worker process replays it.
    spool_dir: Path = ROOT / "var" / "spool"
    # The message classifier, trained from conversations/ once per version of its text.
    model_dir: Path = ROOT / "var" / "model"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    twilio_from_number: str | None = None
    twilio_timeout: float = 10.0  # seconds a request to Twilio's REST API may take
    public_base_url: str | None = None
    trusted_proxies: int = 0
    catalog_path: Path = ROOT / "data" / "resources.yaml"
    places_path: Path = ROOT / "data" / "places.yaml"
    conversations_dir: Path = ROOT / "conversations"
    timezone: str = "America/Chicago"
    program_name: str = "CPR Reentry Line"
    opt_out_confirmation: str = "app"
    conversation_ttl: int = 7 * 24 * 3600
    # How long a webhook's MessageSid or CallSid is remembered against replays.
    replay_window: int = 400 * 24 * 3600
    # Voice: who "talk to a person" rings, when, and the crisis line a crisis key rings.
    on_call_number: str | None = None
    on_call_hours: str | None = None
    crisis_dial: str = "+12053237777"  # Crisis Center Birmingham, 24/7; it answers 988 too
    # Mentor handoff: who hears when nobody accepts, and how long a mentor has to answer.
    coordinator_phone: str | None = None
    mentor_answer_seconds: int = 15 * 60

    @property
    def development(self) -> bool:
        return self.env == "development"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Read settings from environment variables, then apply keyword overrides."""
        env = os.environ if environ is None else environ
        values: dict = {
            "env": env.get("CPR_ENV", "production").strip().lower(),
            "redis_url": env.get("REDIS_URL") or None,
            "twilio_account_sid": env.get("TWILIO_ACCOUNT_SID") or None,
            "twilio_auth_token": env.get("TWILIO_AUTH_TOKEN") or None,
            "twilio_api_base_url": env.get("TWILIO_API_BASE_URL") or None,
            "twilio_from_number": env.get("TWILIO_FROM_NUMBER") or None,
            "twilio_timeout": _seconds(env, "CPR_TWILIO_TIMEOUT", cls.twilio_timeout),
            "public_base_url": (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            "trusted_proxies": _whole_number(env, "TRUSTED_PROXIES", 0),
            "program_name": env.get("CPR_PROGRAM_NAME", cls.program_name),
            "opt_out_confirmation": env.get("CPR_OPT_OUT_CONFIRMATION", "app").strip().lower(),
            "timezone": env.get("CPR_TIMEZONE", cls.timezone),
            "on_call_number": env.get("CPR_ON_CALL_NUMBER") or None,
            "on_call_hours": env.get("CPR_ON_CALL_HOURS") or None,
            "crisis_dial": env.get("CPR_CRISIS_DIAL", cls.crisis_dial),
            "coordinator_phone": env.get("CPR_COORDINATOR_PHONE") or None,
            "mentor_answer_seconds": _whole_number(env, "CPR_MENTOR_ANSWER_SECONDS", 900),
        }
        for name, path_field in (
            ("CPR_CATALOG", "catalog_path"),
            ("CPR_PLACES", "places_path"),
            ("CPR_CONVERSATIONS_DIR", "conversations_dir"),
            ("CPR_REDIS_DATA_DIR", "redis_data_dir"),
            ("CPR_SPOOL_DIR", "spool_dir"),
            ("CPR_MODEL_DIR", "model_dir"),
        ):
            if env.get(name):
                values[path_field] = Path(env[name])
        values["conversation_ttl"] = _whole_number(env, "CPR_CONVERSATION_TTL",
                                                   cls.conversation_ttl)
        values["replay_window"] = 24 * 3600 * _whole_number(
            env, "CPR_REPLAY_WINDOW_DAYS", cls.replay_window // (24 * 3600))
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that would let forged webhooks in or confuse the opt-out flow."""
        if self.env not in {"production", "development"}:
            raise ConfigError("CPR_ENV must be 'production' or 'development'")
        if self.opt_out_confirmation not in {"app", "twilio"}:
            raise ConfigError("CPR_OPT_OUT_CONFIRMATION must be 'app' or 'twilio'")
        if not self.twilio_auth_token and not self.development:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN is required in production: without it forged webhooks "
                "cannot be told from Twilio's. Set it, or set CPR_ENV=development to try the bot."
            )

    @property
    def checks_signatures(self) -> bool:
        """Whether webhooks must carry a valid X-Twilio-Signature."""
        # Only an explicit development mode without a token skips the check.
        return bool(self.twilio_auth_token)
