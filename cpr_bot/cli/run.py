"""Commands that run the bot: web, worker and Redis together; the worker alone; and trying
the real app from a terminal, by text or by phone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

from ..config import ROOT
from .context import settings


def cmd_chat(args) -> int:
    """Talk to the real app in a terminal, as if texting it."""
    from .. import create_app

    app = create_app(settings(env="development", twilio_auth_token=None))
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
    from .. import create_app

    app = create_app(settings(env="development", twilio_auth_token=None))
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
    from ..worker.run import run_worker

    return 0 if run_worker(settings(), burst=args.burst) else 1


def cmd_up(args) -> int:
    """Run web, worker and (when REDIS_URL is unset) an embedded Redis, until Ctrl-C."""
    from ..state.connection import EmbeddedRedis, refuse_embedded_in_production
    from ..wiring import load_understander

    config = settings()
    load_understander(config)  # trains the classifier once here, not in every web worker
    env = dict(os.environ)
    server = None
    refuse_embedded_in_production(config)
    if not config.redis_url:
        server = EmbeddedRedis(config.redis_data_dir).start()
        env["REDIS_URL"] = server.url
        print(f"cpr-bot: embedded Redis at {server.url} (data in {config.redis_data_dir})")
    bind = f"{args.host}:{args.port}"
    web = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(args.workers),
           "--threads", "4", "--timeout", "20", "--preload", "--chdir", str(ROOT),
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


def register(sub) -> None:
    """Add these commands to the cpr-bot parser."""
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
