"""Liveness and readiness endpoints for the platform's health checks."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify

from .webhooks import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up; depends on nothing."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Redis answers, so messages can be handled."""
    try:
        services().redis.ping()
    except redis.RedisError:
        return jsonify(status="redis unavailable"), 503
    return jsonify(status="ok")
