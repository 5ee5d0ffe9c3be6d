"""Build what the web app, the worker and the CLI need, once each, from settings; every data
file is checked on the way, so bad data stops start-up with a message that names it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import redis

from .catalog.hours import WeeklyHours
from .catalog.places import Gazetteer
from .catalog.resources import Catalog, load_catalog
from .config import Settings
from .conversation.classifier import LearnedLayer, load_examples
from .conversation.crisis import CrisisNet
from .conversation.dialog import Dialog
from .conversation.flows import Flow, load_flow
from .conversation.handoffs import HandoffDesk
from .conversation.runner import TurnRunner
from .conversation.understanding import Understander
from .conversation.vocabulary import Vocabulary
from .errors import FlowError
from .outbound.jobs import Jobs, make_queue
from .outbound.sender import Sender
from .state.connection import connect, url_for
from .state.conversations import Conversations
from .state.deliveries import Deliveries
from .state.followups import FollowUps
from .state.handoffs import Handoffs
from .state.mentors import Roster
from .state.optouts import OptOuts
from .state.unmet import UnmetNeeds


@dataclass
class Services:
    """What one web process shares between requests."""

    settings: Settings
    redis: redis.Redis
    catalog: Catalog
    flow: Flow
    runner: TurnRunner
    desk: HandoffDesk
    opt_outs: OptOuts
    deliveries: Deliveries
    speech_hints: dict[str, str]


@dataclass
class WorkerServices:
    """What the worker's jobs need, built once per worker process."""

    settings: Settings
    flow: Flow
    sender: Sender
    desk: HandoffDesk
    jobs: Jobs
    follow_ups: FollowUps
    opt_outs: OptOuts

    def now(self) -> dt.datetime:
        return dt.datetime.now(ZoneInfo(self.settings.timezone))


def load_understander(settings: Settings) -> Understander:
    """The vocabulary and place names, without touching Redis."""
    vocabulary = Vocabulary(settings.conversations_dir / "vocabulary.yaml")
    crisis_net = CrisisNet(settings.conversations_dir / "crisis.yaml")
    examples = load_examples(settings.conversations_dir / "examples")
    return Understander(vocabulary, Gazetteer(settings.places_path), crisis_net,
                        LearnedLayer(vocabulary, examples, settings.model_dir))


def connect_redis(settings: Settings, **options) -> redis.Redis:
    """A client for REDIS_URL, or for an embedded server when it is unset."""
    return connect(url_for(settings), **options)


def build_desk(client: redis.Redis, flow: Flow, settings: Settings) -> HandoffDesk:
    """The handoff desk, the same for web, worker and coordinators' commands."""
    return HandoffDesk(Handoffs(client), Roster(client), OptOuts(client, settings.spool_dir),
                       Jobs(make_queue(client)), flow, settings.coordinator_phone,
                       settings.mentor_answer_seconds)


def build_web(settings: Settings, client: redis.Redis | None = None,
              now: Callable[[], dt.datetime] | None = None) -> Services:
    """Load and check the catalog and conversations, connect to Redis, build the runner."""
    understander = load_understander(settings)
    catalog = load_catalog(settings.catalog_path, understander.gazetteer, understander.kinds)
    flow = load_flow(settings.conversations_dir)
    _check_topics(understander, catalog, flow)
    client = client or connect_redis(settings)
    on_call = WeeklyHours(settings.on_call_hours.split(";")) if (
        settings.on_call_number and settings.on_call_hours) else None
    dialog = Dialog(flow, catalog, settings.program_name, on_call)
    desk = build_desk(client, flow, settings)
    opt_outs = desk.opt_outs
    runner = TurnRunner(understander, dialog, flow,
                        Conversations(client, settings.conversation_ttl, opt_outs,
                                      settings.replay_window), opt_outs,
                        desk, FollowUps(client), UnmetNeeds(client), desk.jobs,
                        settings.timezone, settings.opt_out_confirmation == "twilio", now)
    hints = {lang: speech_hints(understander, lang) for lang in ("en", "es")}
    return Services(settings, client, catalog, flow, runner, desk, opt_outs,
                    Deliveries(client), hints)


def build_worker(settings: Settings) -> WorkerServices:
    """Connect with the worker's patient timeouts and build what jobs use."""
    client = connect_redis(settings, socket_timeout=5, socket_connect_timeout=5)
    flow = load_flow(settings.conversations_dir)
    desk = build_desk(client, flow, settings)
    sender = Sender(settings, desk.opt_outs, Deliveries(client))
    return WorkerServices(settings, flow, sender, desk, desk.jobs, FollowUps(client),
                          desk.opt_outs)


def _check_topics(understander: Understander, catalog: Catalog, flow: Flow) -> None:
    """Every topic in the vocabulary has its guide in the catalog or its own sentence."""
    where = understander.vocab.path
    for topic, guide in understander.vocab.topic_guides.items():
        if guide and guide not in catalog.guides:
            raise FlowError(f"{where}: topic {topic}: guide {guide!r} is not in the catalog")
        for lang in flow.sentences:
            if not guide and f"topic_{topic}" not in flow.sentences[lang]:
                raise FlowError(f"{where}: topic {topic} has no guide and messages.{lang}.yaml "
                                f"has no topic_{topic} sentence")


def speech_hints(understander: Understander, lang: str) -> str:
    """Words the voice line expects: needs from the vocabulary and the county's places."""
    places = [p.label for p in understander.gazetteer.places() if not p.label.isdigit()]
    return ", ".join(dict.fromkeys([*understander.vocab.speech_hints[lang], *places]))
