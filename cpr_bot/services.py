"""Build everything the bot needs from settings, checking every data file on the way."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from rq import Queue

from . import redis_server
from .bot import Bot
from .catalog import Catalog, load_catalog
from .config import ROOT, Settings
from .dialog import Dialog
from .flows import Flow, load_flow
from .followups import FollowUps
from .handoff import HandoffDesk
from .hours import WeeklyHours
from .jobs import make_queue
from .mentors import Roster
from .places import Gazetteer
from .store import Store
from .understanding import Understander, Vocabulary

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The loaded data and connections one process shares between requests."""

    settings: Settings
    redis: redis.Redis
    catalog: Catalog
    flow: Flow
    understander: Understander
    store: Store
    bot: Bot
    dialog: Dialog
    queue: Queue
    speech_hints: dict[str, str]
    desk: HandoffDesk


def load_understander(settings: Settings) -> tuple[Understander, Gazetteer]:
    """The vocabulary and place names, without touching Redis."""
    gazetteer = Gazetteer(settings.places_path)
    vocabulary = Vocabulary(settings.conversations_dir / "vocabulary.yaml")
    return Understander(vocabulary, gazetteer), gazetteer


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the URL of an embedded server started for this process."""
    if settings.redis_url:
        return settings.redis_url
    server = redis_server.EmbeddedRedis(settings.redis_data_dir).start()
    log.warning("REDIS_URL is not set: using the embedded Redis at %s", server.url)
    return server.url


def build_services(settings: Settings, client: redis.Redis | None = None) -> Services:
    """Load and check the catalog and conversations, and connect to Redis."""
    understander, gazetteer = load_understander(settings)
    catalog = load_catalog(settings.catalog_path, gazetteer)
    flow = load_flow(settings.conversations_dir)
    client = client or redis_server.connect(redis_url(settings))
    store = Store(client, settings.conversation_ttl)
    on_call = WeeklyHours(settings.on_call_hours.split(";")) if (
        settings.on_call_number and settings.on_call_hours) else None
    dialog = Dialog(flow, catalog, settings.program_name, on_call)
    queue = make_queue(client)
    desk = HandoffDesk(client, flow, queue, Roster(client), settings.coordinator_phone,
                       settings.mentor_answer_seconds, settings.program_name)
    bot = Bot(understander, dialog, store, flow, desk, FollowUps(client), settings.timezone,
              settings.opt_out_confirmation, ROOT / "var")
    hints = {lang: speech_hints(understander, gazetteer, lang) for lang in ("en", "es")}
    return Services(settings, client, catalog, flow, understander, store, bot, dialog, queue,
                    hints, desk)


def speech_hints(understander: Understander, gazetteer: Gazetteer, lang: str) -> str:
    """Words the voice line expects: needs from the vocabulary and the county's places."""
    places = [p.label for p in gazetteer.places() if not p.label.isdigit()]
    return ", ".join(dict.fromkeys([*understander.vocab.speech_hints[lang], *places]))
