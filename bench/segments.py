"""Print what replies cost: SMS segments of every sentence, result list, detail and guide page.

Usage: python bench/segments.py
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.catalog.model import CATEGORIES  # noqa: E402
from cpr_bot.catalog.places import Gazetteer  # noqa: E402
from cpr_bot.catalog.resources import load_catalog  # noqa: E402
from cpr_bot.conversation.dialog import Dialog  # noqa: E402
from cpr_bot.conversation.flows import load_flow  # noqa: E402
from cpr_bot.conversation.replies import Writer, pack  # noqa: E402
from cpr_bot.text import segment_count  # noqa: E402

NOW = dt.datetime(2026, 11, 30, 10, 30, tzinfo=ZoneInfo("America/Chicago"))


def replies(lang, catalog, flow, gazetteer):
    """Yield (kind, text) for every reply the bot can send, as sent."""
    for text in flow.sentences[lang].values():
        if isinstance(text, str) and "{" not in text:
            yield "sentence", text
    dialog = Dialog(flow, catalog, "CPR Reentry Line")
    for code, need, page in itertools.product(["35204", "35020", "35215", None], CATEGORIES,
                                              range(3)):
        place = gazetteer.locate_zip(code) if code else None
        for text in dialog.preview_results(lang, [need], place, page, NOW):
            yield "result list", text
    writer = Writer(flow, lang, NOW)
    for service in catalog.services.values():
        yield "details", writer.details(service)
    for guide in catalog.guides.values():
        for page in writer.steps_pages(guide):
            yield "guide page", page


def main() -> None:
    gazetteer = Gazetteer(ROOT / "data" / "places.yaml")
    catalog = load_catalog(ROOT / "data" / "resources.yaml", gazetteer)
    flow = load_flow(ROOT / "conversations")
    for lang in ("en", "es"):
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        lengths: dict[str, list[int]] = collections.defaultdict(list)
        for kind, text in replies(lang, catalog, flow, gazetteer):
            for message in pack([text], lang):
                counts[kind][segment_count(message)] += 1
                lengths[kind].append(len(message))
        print(f"\n{lang}: segments per reply (how many replies of each size)")
        for kind in counts:
            sizes = ", ".join(f"{n} seg: {c}" for n, c in sorted(counts[kind].items()))
            average = sum(lengths[kind]) / len(lengths[kind])
            print(f"  {kind:12s} {sizes:40s} longest {max(lengths[kind])} chars, "
                  f"average {average:.0f}")


if __name__ == "__main__":
    main()
