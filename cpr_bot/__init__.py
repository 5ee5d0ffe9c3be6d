"""CPR Network reentry line: SMS and voice help for people coming home in Jefferson County, AL."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import redis
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Settings, configure_logging

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, redis_client: redis.Redis | None = None,
               now: Callable[[], dt.datetime] | None = None) -> Flask:
    """Build the web app from settings (default: the environment); bad data stops it here."""
    from .channels import health, sms, status, voice
    from .wiring import build_web

    settings = settings or Settings.from_env()
    configure_logging()
    app = Flask(__name__)
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
    if not settings.checks_signatures:
        log.warning("development mode without TWILIO_AUTH_TOKEN: webhook signatures NOT checked")
    app.extensions["cpr"] = build_web(settings, redis_client, now)
    for blueprint in (health.bp, sms.bp, voice.bp, status.bp):
        app.register_blueprint(blueprint)
    return app
