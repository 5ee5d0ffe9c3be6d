"""WSGI entry point for gunicorn: `gunicorn app:app`."""

from cpr_bot import create_app

app = create_app()
