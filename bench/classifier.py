"""Whether the learned layer earns its place, on text it was not trained on: for each set in
conversations/examples, the rules and crisis patterns alone, and with models trained on
every other set (and the vocabulary), side by side: intent accuracy, crisis recall, false
alarms. The patterns were tuned on every set, so their recall here is a tuned figure; the
models' share is not. Trains one model set per labeled set (about 15 s each).

Usage: python bench/classifier.py [SET.jsonl ...]   (default: every set but hand_written)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.conversation.classifier import LearnedLayer  # noqa: E402
from cpr_bot.conversation.understanding import Understander  # noqa: E402
from cpr_bot.wiring import load_understander  # noqa: E402

EXAMPLES = ROOT / "conversations" / "examples"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def scores(understander, rows: list[dict]) -> tuple[float, int, int, float]:
    right = found = alarms = 0
    crises = sum(row["intent"] == "crisis" for row in rows)
    for row in rows:
        heard = understander.understand(row["text"])
        flagged = heard.crisis_kind is not None
        right += heard.intent == row["intent"] or (row["intent"] == "crisis" and flagged)
        found += row["intent"] == "crisis" and flagged
        alarms += row["intent"] != "crisis" and flagged
    return right / len(rows), found, crises, alarms / (len(rows) - crises)


def shown(score: tuple[float, int, int, float]) -> str:
    accuracy, found, crises, alarms = score
    return f"{accuracy:6.1%} {found:3d}/{crises:<3d} {alarms:5.1%}"


def main() -> None:
    full = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    rules_only = Understander(full.vocab, full.gazetteer, full.crisis_net)
    sets = {path: load(path) for path in sorted(EXAMPLES.glob("*.jsonl"))}
    chosen = [Path(a).resolve() for a in sys.argv[1:]] or [
        p for p in sets if p.stem != "hand_written"]
    print(f"{'set left out':20s} {'rules and patterns':^22s}   models trained on the rest")
    print(f"{'':20s} {'intent crisis alarms':22s}   {'intent crisis alarms':22s}")
    totals = {"rules": [], "models": []}
    for path in chosen:
        rest = [row for other, rows in sets.items() if other != path for row in rows]
        with tempfile.TemporaryDirectory() as cache:
            layer = LearnedLayer(full.vocab, rest, Path(cache))
        with_models = Understander(full.vocab, full.gazetteer, full.crisis_net, layer)
        rules, models = scores(rules_only, sets[path]), scores(with_models, sets[path])
        totals["rules"].append(rules)
        totals["models"].append(models)
        print(f"{path.stem:20s} {shown(rules):22s}   {shown(models):22s}", flush=True)
    for name, rows in totals.items():
        missed = sum(crises - found for _, found, crises, _ in rows)
        print(f"{name}: mean intent {sum(r[0] for r in rows) / len(rows):.1%}, crises missed "
              f"{missed}, mean false alarms {sum(r[3] for r in rows) / len(rows):.1%}")


if __name__ == "__main__":
    main()
