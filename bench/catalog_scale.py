"""Build a synthetic 211-sized catalog (10,000 services) and time loading and answering.

Prints load time, memory, and p50/p99 time to understand one message and rank the
catalog for it (target: p99 under 2 ms on one core).
Usage: python bench/catalog_scale.py [SERVICES]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
import zipcodes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.catalog.model import load_kinds  # noqa: E402
from cpr_bot.catalog.places import Gazetteer  # noqa: E402
from cpr_bot.catalog.ranking import Seeker  # noqa: E402
from cpr_bot.catalog.resources import load_catalog  # noqa: E402
from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.wiring import load_understander  # noqa: E402

HOURS = [["Mon-Fri 09:00-17:00"], ["Mon-Sun 18:00-07:00"], ["24/7"],
         ["Tue,Thu 10:00-14:00", "Sat 09:00-12:00"], []]


def synthetic_catalog(count: int, rng: random.Random) -> dict:
    """Fictional organizations (555-01xx phones) spread over the county's real ZIP codes,
    with one to three services each, until there are count services."""
    zips = [z["zip_code"] for z in zipcodes.filter_by(state="AL", county="Jefferson County")
            if z["zip_code_type"] == "STANDARD"]
    kinds = [k for k in load_kinds().values() if k.public]
    rules = [{}, {"sex": "men"}, {"sex": "women"}, {"families": "only"}, {"cost": "free"},
             {"records_ok": True}, {"max_age": 24}]
    organizations, made = [], 0
    while made < count:
        n = len(organizations)
        services = []
        for _ in range(min(rng.randint(1, 3), count - made)):
            kind = rng.choice(kinds)
            service = {"id": f"synthetic-{made}", "name": f"Service {made}",
                       "category": kind.category, "kind": kind.id,
                       "summary": "A made-up service for benchmarking.",
                       "access": rng.choice(["walk_in", "call_first", "appointment"]),
                       "eligibility": rng.choice(rules)}
            hours = rng.choice(HOURS)
            if hours:
                service["hours"] = hours
            services.append(service)
            made += 1
        organizations.append({
            "id": f"synthetic-org-{n}", "name": f"Synthetic Organization {n}",
            "phone": f"205-555-01{n % 100:02d}", "address": f"{n} Test Street",
            "city": "Birmingham", "zip": rng.choice(zips),
            "source": "https://example.org/synthetic", "last_verified": "2026-11-01",
            "services": services,
        })
    return {"guides": [], "organizations": organizations}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(7)
    understander = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    gazetteer = understander.gazetteer
    messages = [json.loads(line)["text"] for line in
                (ROOT / "conversations" / "examples" / "dev.jsonl").read_text().splitlines()]
    places = ["35204", "35020", "35215", "35244", "35064", "35211", "35226", "Ensley"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resources.yaml"
        path.write_text(yaml.safe_dump(synthetic_catalog(count, rng)))
        gazetteer = Gazetteer(ROOT / "data" / "places.yaml")
        started = time.perf_counter()
        catalog = load_catalog(path, gazetteer)
        load_seconds = time.perf_counter() - started
        del catalog
        tracemalloc.start()
        catalog = load_catalog(path, gazetteer)
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    now = dt.datetime(2026, 11, 30, 10, 30, tzinfo=ZoneInfo("America/Chicago"))
    timings = []
    for i in range(3000):
        text = f"{rng.choice(messages)} {places[i % len(places)]}"
        started = time.perf_counter()
        message = understander.understand(text)
        place = message.place or gazetteer.locate_zip("35203")
        for need in (message.needs or ["food"])[:2]:
            catalog.nearest(need, place, now, 3, 0, Seeker(
                frozenset(w for w in message.wants if w in catalog.kinds),
                frozenset(message.wants)))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99)]
    print(f"catalog: {len(catalog.services):,} services of "
          f"{len(catalog.organizations):,} organizations")
    print(f"load: {load_seconds:.2f} s; memory: {held / 2**20:.0f} MiB held after loading, "
          f"{peak / 2**20:.0f} MiB at the peak of loading")
    print(f"understand + rank one message: p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
          f"max {timings[-1]:.3f} ms ({len(timings)} messages)")


if __name__ == "__main__":
    main()
