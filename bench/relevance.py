"""Print whether the places the bot lists are ones a reentry case manager would give, on the
cases in bench/data/relevance_cases.yaml (written apart, from the researched facts only):
relevant places in the top 3, lists with a harmful entry, places with a phone and with known
hours, reply segments, and guide-first answers.

Each case is a real conversation with the bot (the same runner as the SMS webhook, on an
embedded Redis, at the case's day and hour): its texts, then its place if the bot asks.
Cases name organizations as the facts files do; each is matched to catalog organizations by
the facts' catalog_id, a shared source page, or a near-identical name, and a listed service
counts for its organization. A restricted place the bot
labels ("(women)") is not counted harmful when the person never said who they are.

Usage: python bench/relevance.py [--cases] [CASES.yaml]   (--cases prints every case's list;
  default cases: bench/data/relevance_cases.yaml)
"best possible" is the mean of min(3, accepted services of the case's need in the catalog):
what a perfect ranking of this catalog would score.
These cases were written before the service-level catalog and then tuned on (a tuned set).
Before it (2026-12-02, with directory pages no longer matching every organization they list):
relevant of top 3 0.59, lists with a harmful entry 24/154, phone 94%, known hours 33%,
guide-first 6/19. After: 1.29 (best possible with the catalog 2.38), 4/143, 86%, 26%, 18/19.
2026-12-03, with the situation told before an ask read as a fact ("no car, need food"), a
kind asked after the story first, places only for others not padding a list: 1.54, 6/143
(two of them the housing authorities, now named by area), 83%, 21%, 18/19.
bench/data/relevance_cases_apart2.yaml (64 cases, written apart 2026-12-03 by a helper that
saw only the facts files and bench/guides/relevance.md), scored once before any miss was
read: 1.19 of top 3 (best possible 2.39), harmful 4/59, phone 85%, hours 21%, guide-first
5/7, segments max 3 (the code before that day: 1.15, 5/59). Tuned on since: 1.31, 4/59;
later that day (private pay, stand-ins in order, shelters that take children): 1.53, 0/58.
bench/data/relevance_cases_apart3.yaml (64 cases, written apart 2026-12-03 the same way),
scored once before any miss was read: 1.29 of top 3 (best possible 2.57; 1.38 crediting the
lines a crisis or topic answer gives), harmful 6/58, phone 86%, hours 24%, guide-first 6/7
(the code of that morning: 1.19, 8/58). Tuned on since: 1.57, 5/58 (the fifth a van
that ends at 9 pm for a 10 pm shift: the time a ride is needed is not read yet).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.catalog.hours import DAYS  # noqa: E402
from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.conversation.replies import pack  # noqa: E402
from cpr_bot.conversation.runner import Message  # noqa: E402
from cpr_bot.state.connection import EmbeddedRedis  # noqa: E402
from cpr_bot.text import normalize, segment_count  # noqa: E402
from cpr_bot.wiring import build_web  # noqa: E402

FACTS = ROOT.parent / "shared" / "data"
CASES = ROOT / "bench" / "data" / "relevance_cases.yaml"
ZONE = ZoneInfo("America/Chicago")
MONDAY = dt.date(2026, 11, 30)
# A guide's page: its title, then numbered steps ("Get an ID:\n1. ...").
GUIDE_PAGE = re.compile(r":\n1\. ")
# Words in a listed line that say whom a place is for.
LABELS = {"female": ("(men", "(hombres"), "male": ("(women", "(mujeres")}


def organizations() -> list[dict]:
    """Every organization in the researched facts files."""
    found = []
    for path in sorted(FACTS.glob("facts-part-*.yaml")):
        found += yaml.safe_load(path.read_text()).get("organizations") or []
    return found


def catalog_ids(facts: list[dict], catalog) -> dict[str, set[str]]:
    """Facts name -> the catalog organizations it is, by catalog_id, a shared source or name."""
    by_name: dict[str, set[str]] = {}
    organizations = list(catalog.organizations.values())
    names = {o.id: normalize(o.name) for o in organizations}
    for org in facts:
        ids = set()
        if org.get("catalog_id") in catalog.organizations:
            ids.add(org["catalog_id"])
        source = str(org.get("source") or "")
        sharing = {o.id for o in organizations if source and source in o.source}
        ids |= sharing if len(sharing) == 1 else set()  # a directory page names many
        name = normalize(org["name"])
        ids |= {oid for oid, other in names.items() if fuzz.token_set_ratio(name, other) >= 92}
        by_name.setdefault(org["name"], set()).update(ids)
    return by_name


def when(text: str) -> dt.datetime:
    day, clock = text.split()
    hour, minute = (int(x) for x in clock.split(":"))
    date = MONDAY + dt.timedelta(days=DAYS.index(day[:3].lower()))
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZONE)


def converse(services, clock: list, case: dict, number: int):
    """The case's conversation; the last turn's state and every reply sent."""
    phone = f"+1555030{number:04d}"
    clock[0] = when(case["when"])
    replies = []

    def send(text: str):
        turn = services.runner.run(Message("sms", phone, text, f"SMrel{number}-{len(replies)}"))
        replies.extend(turn.replies)
        return turn

    for text in case["messages"]:
        turn = send(text)
    if turn.state.get("step") == "ask_place" and case.get("place"):
        turn = send(str(case["place"]))  # the place, when the bot asks for it
    return turn.state, replies


def lines_given(catalog, accept: set[str], said: str) -> set[str]:
    """Accepted organizations whose phone a reply gives (988, a DV line...)."""
    given = set()
    for oid in accept:
        phones = {catalog.organizations[oid].phone} | {
            s.phone for s in catalog.services.values() if s.organization.id == oid}
        if any(p and re.search(rf"(?<![\d-]){re.escape(p)}(?![\d-])", said) for p in phones):
            given.add(oid)
    return given


def main() -> None:
    show = "--cases" in sys.argv
    files = [Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    clock = [dt.datetime.now(ZONE)]
    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedRedis(Path(folder), persistent=False).start()  # fresh conversations
        try:
            settings = Settings.from_env({"CPR_ENV": "development", "REDIS_URL": server.url})
            report(build_web(settings, now=lambda: clock[0]), clock, show,
                   files[0] if files else CASES)
        finally:
            server.stop()


def report(services, clock: list, show: bool, path: Path) -> None:
    catalog = services.catalog
    names = catalog_ids(organizations(), catalog)
    cases = yaml.safe_load(path.read_text())["cases"]
    relevant, best, harmful_lists, listed, with_phone, with_hours = [], [], 0, 0, 0, 0
    with_lines = []  # relevant, crediting the phone lines a crisis or topic answer gives
    segments, guide_cases, guide_first, lists = [], 0, 0, 0
    unmatched = sorted({n for c in cases for n in c["accept"] if not names.get(n)})
    for number, case in enumerate(cases):
        state, replies = converse(services, clock, case, number)
        shown = [catalog.services[s] for s in (state.get("shown") or [])[:3]
                 if s in catalog.services]
        said = " ".join(replies).lower()
        # Counted as sent: Spanish loses the accents SMS's cheap alphabet lacks.
        segments += [segment_count(m) for r in replies for m in pack([r], state["lang"])]
        accept = set().union(*(names.get(n, set()) for n in case["accept"]))
        harm = {}
        for entry in case["harmful"]:
            for rid in names.get(entry["name"], set()) - accept:
                harm[rid] = entry["why"]
        sex = (case.get("facts") or {}).get("sex")
        stated = sex and any(w in normalize(" ".join(case["messages"])).split()
                             for w in ("man", "woman", "male", "female", "hombre", "mujer",
                                       "men", "women", "guy", "lady", "dad", "mom", "father",
                                       "mother"))
        bad = [r for r in shown if r.organization.id in harm and not (
            not stated and any(label in said for label in LABELS.get(sex, ())))]
        if case.get("guide_first"):
            guide_cases += 1
            guide_first += bool(state.get("guide")) or any(GUIDE_PAGE.search(r) for r in replies)
        if not case.get("guide_first") or shown:
            lists += 1
            relevant.append(sum(r.organization.id in accept for r in shown))
            with_lines.append(relevant[-1] if shown else min(3, len(lines_given(catalog, accept,
                                                                                 said))))
            best.append(min(3, sum(s.organization.id in accept and s.category == case["category"]
                                   and catalog.kinds[s.kind].public
                                   for s in catalog.services.values())))
            harmful_lists += bool(bad)
            listed += len(shown)
            with_phone += sum(bool(r.phone) for r in shown)
            with_hours += sum(r.hours is not None for r in shown)
        if show:
            marks = ["+" if r.organization.id in accept else ("!" if r in bad else " ")
                     for r in shown]
            print(f"{case['id']} {case['category']:14s} {' '.join(case['messages'])[:50]!r:54s}"
                  + " | ".join(f"{m}{r.label[:16]}:{r.name[:14]}"
                               for m, r in zip(marks, shown, strict=True)))
    print(f"{len(cases)} cases, {lists} answered with a list, {guide_cases} guide-first")
    print(f"relevant of top 3:     {statistics.mean(relevant):.2f}   (target >= 2.5; best "
          f"possible with this catalog {statistics.mean(best):.2f})")
    print(f"  the same, crediting the accepted lines a crisis or topic answer gives instead of "
          f"a list: {statistics.mean(with_lines):.2f}")
    print(f"lists with a harmful entry: {harmful_lists}/{lists} ({harmful_lists / lists:.0%})"
          "   (target 0)")
    print(f"listed places with a phone: {with_phone}/{listed} ({with_phone / max(listed, 1):.0%})"
          f"; with known hours: {with_hours}/{listed} ({with_hours / max(listed, 1):.0%})")
    print(f"guide-first cases answered with the steps first: {guide_first}/{guide_cases}")
    print(f"segments per text sent: median {statistics.median(segments)}, max {max(segments)}")
    print(f"accepted organizations with no catalog entry: {len(unmatched)}")


if __name__ == "__main__":
    main()
