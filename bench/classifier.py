"""Whether the learned layer earns its place: accuracy of the rules alone and of the rules
with the classifier behind them, on every labeled set, side by side. The classifier is
trained on conversations/examples.jsonl and the vocabulary, so on examples.jsonl it is
scored on its own training data; the other sets were never trained on.

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


def accuracy(understander, rows: list[dict]) -> float:
    right = 0
    for row in rows:
        heard = understander.understand(row["text"])
        right += heard.intent == row["intent"] or (
            row["intent"] == "crisis" and heard.crisis_kind is not None)
    return right / len(rows)


def main() -> None:
    with_model = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    rules_only = Understander(with_model.vocab, with_model.gazetteer, with_model.crisis_net)
    files = [ROOT / "conversations" / "examples.jsonl",
             *sorted((ROOT / "bench" / "data").glob("messages_*.jsonl"))]
    print(f"{'set':28s} {'rules':>7s} {'+model':>7s}")
    for path in files:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        note = "  (its training set)" if path.name == "examples.jsonl" else ""
        print(f"{path.name:28s} {accuracy(rules_only, rows):7.1%} "
              f"{accuracy(with_model, rows):7.1%}{note}")


if __name__ == "__main__":
    main()
