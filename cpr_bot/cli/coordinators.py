"""Coordinators' commands for people: the mentor roster, handoffs and failed jobs, the
development outbox, check-in answers, and needs that found nothing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import yaml

from .. import phones
from ..errors import DataError
from ..phones import masked
from .context import redis_client, settings


def cmd_mentors(args) -> int:
    """Add, list, pause, resume, remove or load mentors."""
    from ..state.mentors import Roster, make_mentor

    roster = Roster(redis_client())
    try:
        if args.mentors_command == "add":
            mentor = make_mentor(args.name, args.phone, args.languages, args.areas,
                                 args.specialties, args.hours)
            roster.save(mentor)
            print(f"added {mentor.name} ({masked(mentor.phone)})")
        elif args.mentors_command == "load":
            data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}
            for entry in data.get("mentors") or []:
                roster.save(make_mentor(**{k: str(v) for k, v in entry.items()}))
            print(f"loaded {len(data.get('mentors') or [])} mentors")
        elif args.mentors_command == "list":
            for m in roster.all():
                state = "active" if m.active else "paused"
                print(f"{m.name:28s} {masked(m.phone)}  {state:6s} {','.join(m.languages):6s} "
                      f"areas={','.join(m.areas) or 'any'} needs={','.join(m.specialties) or 'any'}"
                      f" hours={m.hours}")
        elif args.mentors_command in ("pause", "resume"):
            if not roster.set_active(phones.e164(args.phone), args.mentors_command == "resume"):
                sys.exit("cpr-bot: no mentor with that number")
            print(f"{args.mentors_command}d")
        elif args.mentors_command == "remove":
            if not roster.remove(phones.e164(args.phone)):
                sys.exit("cpr-bot: no mentor with that number")
            print("removed")
    except DataError as exc:
        sys.exit(f"cpr-bot: {exc}")
    return 0


def cmd_handoffs(args) -> int:
    """List handoffs and failed jobs, or offer one again."""
    from rq.registry import FailedJobRegistry

    from ..conversation.flows import load_flow
    from ..wiring import build_desk

    client = redis_client()
    config = settings(env="development")
    desk = build_desk(client, load_flow(config.conversations_dir), config)
    queue = desk.jobs.queue
    failed = FailedJobRegistry(queue=queue)
    if args.handoffs_command == "list":
        for h in desk.records.recent(args.limit):
            when = dt.datetime.fromtimestamp(h.created).strftime("%Y-%m-%d %H:%M")
            print(f"{h.id:24s} {when}  {h.status:11s} code {h.code}  {h.need:14s} "
                  f"{h.area or '-':14s} tried {len(h.tried_list)}")
        jobs = failed.get_job_ids()
        print(f"{len(jobs)} failed job(s)" + (": " + ", ".join(jobs) if jobs else ""))
        return 0
    if args.target in failed.get_job_ids():
        # Safe to repeat: a text whose last try was unclear is first looked up at Twilio.
        failed.requeue(args.target)
        print(f"requeued job {args.target}")
        return 0
    if desk.requeue(args.target):
        print(f"offering handoff {args.target} again")
        return 0
    sys.exit("cpr-bot: no failed job or open handoff with that id")


def cmd_outbox(args) -> int:
    """Show texts the development outbox holds (sent when there are no Twilio credentials)."""
    from ..state.deliveries import Deliveries

    for text in Deliveries(redis_client()).outbox(-args.last):
        print(f"to {masked(text['to'])} at {text['at']}:\n  " + text["body"].replace("\n", "\n  "))
    return 0


def cmd_feedback(args) -> int:
    """What people answered to check-ins, per resource, and what needs re-verifying."""
    from ..state.followups import FollowUps

    follow_ups = FollowUps(redis_client())
    for resource_id, answers in sorted(follow_ups.report().items()):
        print(f"{resource_id:40s} " + ", ".join(f"{k} {v}" for k, v in sorted(answers.items())))
    print("re-verify: " + (", ".join(follow_ups.to_reverify()) or "nothing"))
    return 0


def cmd_unmet(args) -> int:
    """Show which needs found nothing, where: what the catalog should grow next."""
    from ..state.unmet import UnmetNeeds

    counts = sorted(UnmetNeeds(redis_client()).report().items(), key=lambda item: -item[1])
    if not counts:
        print("No unmet needs recorded.")
    for (category, area), count in counts:
        print(f"{count:6d}  {category:15s} {area}")
    return 0


def cmd_optout(args) -> int:
    """Opt a number out by hand (it asked by phone or in person): chats end, nothing is sent."""
    from ..conversation.flows import load_flow
    from ..wiring import build_desk

    try:
        number = phones.e164(args.phone)
    except DataError as exc:
        sys.exit(f"cpr-bot: {exc}")
    client = redis_client()
    config = settings(env="development")
    desk = build_desk(client, load_flow(config.conversations_dir), config)
    desk.opt_outs.record(number)
    desk.opted_out(number)
    print(f"opted out {masked(number)}; they can text START to come back")
    return 0


def register(sub) -> None:
    """Add these commands to the cpr-bot parser."""
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

    optout = sub.add_parser("optout", help="opt a number out by hand")
    optout.add_argument("phone")
    optout.set_defaults(func=cmd_optout)

    unmet = sub.add_parser("unmet", help="needs that found no resource, by ZIP")
    unmet.set_defaults(func=cmd_unmet)
