"""Whether the learned layer earns its place: intent accuracy, crisis recall and false
alarms of the rules and crisis patterns alone, and with the learned models behind them, on
every labeled set, side by side. The models are trained on conversations/examples.jsonl and
the vocabulary, so on examples.jsonl they are scored on their own training data; the other
sets were never trained on.

Usage: python bench/classifier.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.conversation.understanding import Understander  # noqa: E402
from cpr_bot.wiring import load_understander  # noqa: E402


def scores(understander, rows: list[dict]) -> str:
    right = found = alarms = 0
    crises = sum(row["intent"] == "crisis" for row in rows)
    for row in rows:
        heard = understander.understand(row["text"])
        flagged = heard.crisis_kind is not None
        right += heard.intent == row["intent"] or (row["intent"] == "crisis" and flagged)
        found += row["intent"] == "crisis" and flagged
        alarms += row["intent"] != "crisis" and flagged
    return (f"{right / len(rows):6.1%} {found:3d}/{crises:<3d} "
            f"{alarms / (len(rows) - crises):5.1%}")


def main() -> None:
    with_model = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    rules_only = Understander(with_model.vocab, with_model.gazetteer, with_model.crisis_net)
    files = [ROOT / "conversations" / "examples.jsonl",
             *sorted((ROOT / "bench" / "data").glob("messages_*.jsonl"))]
    print(f"{'':28s} {'rules and patterns':^22s}   {'with the models':^22s}")
    print(f"{'set':28s} {'intent crisis alarms':22s}   {'intent crisis alarms':22s}")
    for path in files:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        note = "  (their training set)" if path.name == "examples.jsonl" else ""
        print(f"{path.name:28s} {scores(rules_only, rows):22s}   "
              f"{scores(with_model, rows):22s}{note}")


if __name__ == "__main__":
    main()
