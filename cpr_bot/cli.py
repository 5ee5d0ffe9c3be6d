"""The `cpr-bot` command: run the bot, try it in a terminal, classify text, check the catalog."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from .config import ConfigError, Settings


def _settings(**overrides) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ConfigError as exc:
        sys.exit(f"cpr-bot: {exc}")


def cmd_match(args) -> int:
    """Print the intent and language of each message as JSON."""
    from .services import load_understander

    understander, _ = load_understander(_settings(env="development"))

    def show(text: str) -> str:
        result = understander.understand(text).to_dict()
        if args.json:
            return json.dumps(result, ensure_ascii=False)
        return f"{result['intent']}\t{result['lang']}\t{','.join(result['needs'])}"

    if args.text == ["-"]:
        out = sys.stdout
        for line in sys.stdin:
            out.write(show(line.rstrip("\n")) + "\n")
        out.flush()
    else:
        print(show(" ".join(args.text)))
    return 0


def cmd_chat(args) -> int:
    """Talk to the real app in a terminal, as if texting it."""
    from . import create_app

    app = create_app(_settings(env="development", twilio_auth_token=None))
    client = app.test_client()
    phone = args.phone
    print(f"Texting the bot as {phone}. Type a message; Ctrl-D to quit.")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        form = {"From": phone, "To": "+15550100000", "Body": text,
                "MessageSid": "SM" + uuid.uuid4().hex}
        response = client.post("/sms", data=form)
        if response.status_code != 200:
            print(f"[HTTP {response.status_code}]")
            continue
        messages = [m.text or "" for m in ET.fromstring(response.data).iter("Message")]
        if not messages:
            print("(no reply)")
        for message in messages:
            print("bot> " + message.replace("\n", "\n     ") + "\n")


def cmd_call(args) -> int:
    """Call the real voice line from a terminal: read what it says, type keys or words."""
    import re

    from . import create_app

    app = create_app(_settings(env="development", twilio_auth_token=None))
    client = app.test_client()
    call = {"CallSid": "CA" + uuid.uuid4().hex, "From": args.phone, "To": "+15550100000"}
    response = client.post("/voice", data=call)
    print("Calling the voice line. Type keys (like 1, 35204 or *) or words; Enter alone is "
          "silence; Ctrl-D hangs up.")
    while True:
        root = ET.fromstring(response.data)
        for element in root.iter():
            if element.tag == "Say":
                print(f"bot says ({element.get('language')}): {element.text}")
            elif element.tag == "Dial":
                print(f"[connecting the call to {element.text}]")
        if root.find("Gather") is None:
            print("[call ended]")
            return 0
        listening = root.find("Gather").get("input")
        try:
            heard = input(f"you ({listening})> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        form = dict(call)
        if re.fullmatch(r"[0-9*#]+", heard):
            form["Digits"] = heard.rstrip("#")
        elif heard:
            form.update(SpeechResult=heard, Confidence="0.9")
        response = client.post("/voice/gather", data=form)


def cmd_worker(args) -> int:
    """Run an RQ worker, with the scheduler, on the project's queues."""
    from .worker import run_worker

    settings = _settings()
    return 0 if run_worker(settings, burst=args.burst) else 1


def cmd_up(args) -> int:
    """Run web, worker and (when REDIS_URL is unset) an embedded Redis, until Ctrl-C."""
    from .redis_server import EmbeddedRedis

    settings = _settings()
    env = dict(os.environ)
    server = None
    if not settings.redis_url:
        server = EmbeddedRedis(settings.redis_data_dir).start()
        env["REDIS_URL"] = server.url
        print(f"cpr-bot: embedded Redis at {server.url} (data in {settings.redis_data_dir})")
    bind = f"{args.host}:{args.port}"
    web = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(args.workers),
           "--threads", "4", "--timeout", "20", "--chdir", str(settings.catalog_path.parent.parent),
           "app:app"]
    worker = [sys.executable, "-m", "cpr_bot.cli", "worker"]
    children = [subprocess.Popen(web, env=env), subprocess.Popen(worker, env=env)]
    print(f"cpr-bot: web on http://{bind} (POST /sms), worker running. Ctrl-C stops all.")

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            child.wait(timeout=30)
        if server:
            server.stop()
    failed = [c.returncode for c in children if c.returncode not in (0, -15, None)]
    return 1 if failed else 0


def cmd_catalog_check(args) -> int:
    """Check the catalog; print every problem as entry, field, what is wrong."""
    from .catalog import CatalogError, load_catalog
    from .places import Gazetteer

    settings = _settings(env="development")
    path = args.file or settings.catalog_path
    try:
        catalog = load_catalog(path, Gazetteer(settings.places_path))
    except CatalogError as exc:
        for entry, field, what in exc.problems:
            print(f"{entry}: {field}: {what}")
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    stale = 0
    if args.stale is not None:
        limit = dt.date.today() - dt.timedelta(days=args.stale)
        for resource in catalog.resources.values():
            if resource.last_verified < limit:
                stale += 1
                print(f"{resource.id}: last_verified: {resource.last_verified} "
                      f"(over {args.stale} days ago)")
    print(f"{path}: {len(catalog.resources)} resources, {len(catalog.guides)} guides, OK"
          + (f"; {stale} not verified in {args.stale} days" if args.stale is not None else ""))
    return 0


def cmd_catalog_export(args) -> int:
    """Write the catalog as Open Referral HSDS 3.0 JSON tables."""
    import yaml

    from .hsds import export_hsds

    settings = _settings(env="development")
    data = yaml.safe_load(settings.catalog_path.read_text(encoding="utf-8"))
    counts = export_hsds(data, Path(args.hsds))
    print(", ".join(f"{table}: {count}" for table, count in counts.items()))
    return 0


def cmd_catalog_import(args) -> int:
    """Read HSDS 3.0 JSON tables (ours or a 211 export) into our catalog format."""
    import yaml

    from .hsds import import_hsds

    data = import_hsds(Path(args.hsds), source=args.source)
    report = data.pop("import_report", {})
    Path(args.out).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                              encoding="utf-8")
    for key, value in report.items():
        print(f"{key}: {value if not isinstance(value, list) else len(value)}")
    print(f"wrote {args.out}; run `cpr-bot catalog check --file {args.out}` before using it")
    return 0


def _redis():
    from .redis_server import connect
    from .services import redis_url

    return connect(redis_url(_settings(env="development")), socket_timeout=5)


def cmd_mentors(args) -> int:
    """Add, list, pause, resume, remove or load mentors."""
    import yaml

    from .mentors import Roster, RosterError, e164, make_mentor

    roster = Roster(_redis())
    try:
        if args.mentors_command == "add":
            mentor = make_mentor(args.name, args.phone, args.languages, args.areas,
                                 args.specialties, args.hours)
            roster.save(mentor)
            print(f"added {mentor.name} (***{mentor.phone[-4:]})")
        elif args.mentors_command == "load":
            data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}
            for entry in data.get("mentors") or []:
                roster.save(make_mentor(**{k: str(v) for k, v in entry.items()}))
            print(f"loaded {len(data.get('mentors') or [])} mentors")
        elif args.mentors_command == "list":
            for m in roster.all():
                state = "active" if m.active else "paused"
                print(f"{m.name:28s} ***{m.phone[-4:]}  {state:6s} {','.join(m.languages):6s} "
                      f"areas={','.join(m.areas) or 'any'} needs={','.join(m.specialties) or 'any'}"
                      f" hours={m.hours}")
        elif args.mentors_command in ("pause", "resume"):
            if not roster.set_active(e164(args.phone), args.mentors_command == "resume"):
                sys.exit("cpr-bot: no mentor with that number")
            print(f"{args.mentors_command}d")
        elif args.mentors_command == "remove":
            if not roster.remove(e164(args.phone)):
                sys.exit("cpr-bot: no mentor with that number")
            print("removed")
    except RosterError as exc:
        sys.exit(f"cpr-bot: {exc}")
    return 0


def cmd_handoffs(args) -> int:
    """List handoffs and failed jobs, or offer one again."""
    from rq.registry import FailedJobRegistry

    from .flows import load_flow
    from .handoff import HandoffDesk
    from .jobs import make_queue
    from .mentors import Roster
    from .sender import forget_sent

    client = _redis()
    settings = _settings(env="development")
    queue = make_queue(client)
    desk = HandoffDesk(client, load_flow(settings.conversations_dir), queue, Roster(client),
                       settings.coordinator_phone, settings.mentor_answer_seconds,
                       settings.program_name)
    failed = FailedJobRegistry(queue=queue)
    if args.handoffs_command == "list":
        for h in desk.recent(args.limit):
            when = dt.datetime.fromtimestamp(h.created).strftime("%Y-%m-%d %H:%M")
            print(f"{h.id:24s} {when}  {h.status:11s} code {h.code}  {h.need:14s} "
                  f"{h.area or '-':14s} tried {len(h.tried_list)}")
        jobs = failed.get_job_ids()
        print(f"{len(jobs)} failed job(s)" + (": " + ", ".join(jobs) if jobs else ""))
        return 0
    if args.handoffs_command == "requeue":
        if args.target in failed.get_job_ids():
            job = queue.fetch_job(args.target)
            if job is not None and job.func_name.endswith("send_text"):
                # A person chose to resend: allow the text even if a try may have gone out.
                forget_sent(client, job.args[2])
            failed.requeue(args.target)
            print(f"requeued job {args.target}")
            return 0
        if desk.requeue(args.target):
            print(f"offering handoff {args.target} again")
            return 0
        sys.exit("cpr-bot: no failed job or open handoff with that id")
    return 0


def cmd_outbox(args) -> int:
    """Show texts the development outbox holds (sent when there are no Twilio credentials)."""
    from .sender import read_outbox

    for text in read_outbox(_redis(), -args.last):
        print(f"to ***{text['to'][-4:]} at {text['at']}:\n  " + text["body"].replace("\n", "\n  "))
    return 0


def cmd_feedback(args) -> int:
    """What people answered to check-ins, per resource, and what needs re-verifying."""
    from .followups import FollowUps

    follow_ups = FollowUps(_redis())
    for resource_id, answers in sorted(follow_ups.report().items()):
        print(f"{resource_id:40s} " + ", ".join(f"{k} {v}" for k, v in sorted(answers.items())))
    print("re-verify: " + (", ".join(follow_ups.to_reverify()) or "nothing"))
    return 0


def cmd_unmet(args) -> int:
    """Show which needs found nothing, where: what the catalog should grow next."""
    from .redis_server import connect
    from .services import redis_url
    from .store import Store

    settings = _settings(env="development")
    store = Store(connect(redis_url(settings)), settings.conversation_ttl)
    counts = sorted(store.unmet_needs().items(), key=lambda item: -item[1])
    if not counts:
        print("No unmet needs recorded.")
    for (category, area), count in counts:
        print(f"{count:6d}  {category:15s} {area}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpr-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    match = sub.add_parser("match", help="classify messages (use - to read lines from stdin)")
    match.add_argument("--json", action="store_true", help="print one JSON object per message")
    match.add_argument("text", nargs="+")
    match.set_defaults(func=cmd_match)

    chat = sub.add_parser("chat", help="text the bot from this terminal")
    chat.add_argument("--phone", default="+15550100001", help="the number you text from")
    chat.set_defaults(func=cmd_chat)

    call = sub.add_parser("call", help="call the voice line from this terminal")
    call.add_argument("--phone", default="+15550100001", help="the number you call from")
    call.set_defaults(func=cmd_call)

    worker = sub.add_parser("worker", help="run an RQ worker with the scheduler")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.set_defaults(func=cmd_worker)

    up = sub.add_parser("up", help="run web, worker and Redis together")
    up.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    up.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    up.add_argument("--workers", type=int, default=2)
    up.set_defaults(func=cmd_up)

    catalog = sub.add_parser("catalog", help="coordinator tools for data/resources.yaml")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    check = catalog_sub.add_parser("check", help="check the catalog and list every problem")
    check.add_argument("--file", help="a catalog file other than the configured one")
    check.add_argument("--stale", type=int, metavar="DAYS",
                       help="also list entries not verified for this many days")
    check.set_defaults(func=cmd_catalog_check)

    export = catalog_sub.add_parser("export", help="write the catalog as HSDS 3.0 JSON")
    export.add_argument("--hsds", required=True, metavar="DIR", help="folder to write into")
    export.set_defaults(func=cmd_catalog_export)
    importer = catalog_sub.add_parser("import", help="read HSDS 3.0 JSON into our format")
    importer.add_argument("--hsds", required=True, metavar="DIR", help="folder to read")
    importer.add_argument("--out", required=True, help="catalog YAML file to write")
    importer.add_argument("--source", help="URL to record as each entry's source")
    importer.set_defaults(func=cmd_catalog_import)

    mentors = sub.add_parser("mentors", help="the mentor roster")
    mentors_sub = mentors.add_subparsers(dest="mentors_command", required=True)
    add = mentors_sub.add_parser("add", help="add or update a mentor")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--languages", default="en", help="en, es or en,es")
    add.add_argument("--areas", default="", help="ZIPs or towns, e.g. 35203,Bessemer")
    add.add_argument("--specialties", default="", help="needs, e.g. jobs,family")
    add.add_argument("--hours", default="Mon-Sun 08:00-21:00",
                     help="when to offer them requests, e.g. 'Mon-Fri 09:00-17:00'")
    mentors_sub.add_parser("list", help="list mentors")
    for verb in ("pause", "resume", "remove"):
        mentors_sub.add_parser(verb, help=f"{verb} a mentor").add_argument("phone")
    mentors_sub.add_parser("load", help="add mentors from a YAML file").add_argument("file")
    mentors.set_defaults(func=cmd_mentors)

    handoffs = sub.add_parser("handoffs", help="mentor handoffs, for coordinators")
    handoffs_sub = handoffs.add_subparsers(dest="handoffs_command", required=True)
    listing = handoffs_sub.add_parser("list", help="recent handoffs and failed jobs")
    listing.add_argument("--limit", type=int, default=50)
    handoffs_sub.add_parser("requeue", help="retry a failed job or re-offer a handoff") \
        .add_argument("target", help="a failed job id or a handoff id")
    handoffs.set_defaults(func=cmd_handoffs)

    outbox = sub.add_parser("outbox", help="texts kept locally when Twilio is not set up")
    outbox.add_argument("--last", type=int, default=20)
    outbox.set_defaults(func=cmd_outbox)

    feedback = sub.add_parser("feedback", help="check-in answers per resource")
    feedback.set_defaults(func=cmd_feedback)

    unmet = sub.add_parser("unmet", help="needs that found no resource, by ZIP")
    unmet.set_defaults(func=cmd_unmet)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
