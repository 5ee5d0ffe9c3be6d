"""Whether a learned layer earns its place behind the rules: a nearest-example classifier
(rapidfuzz token-set similarity over conversations/examples.jsonl, no new dependency) asked
only when the rules find nothing. Prints accuracy without and with it, each set scored with
the other as training data.

Usage: python bench/classifier.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.text import normalize  # noqa: E402
from cpr_bot.wiring import load_understander  # noqa: E402


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def compare(understander, train: list[dict], test: list[dict], cutoff: int) -> str:
    def corrected(text: str) -> str:
        return " ".join(understander.vocab.correct(w) for w in normalize(text).split())

    texts = [corrected(r["text"]) for r in train]
    labels = [r["intent"] for r in train]
    rules = combined = 0
    for row in test:
        heard = understander.understand(row["text"])
        got = heard.intent
        rules += got == row["intent"] or (row["intent"] == "crisis" and bool(heard.crisis_kind))
        if got == "unknown" and not heard.crisis_kind and not heard.keyword:
            found = process.extractOne(corrected(row["text"]), texts,
                                       scorer=fuzz.token_set_ratio, score_cutoff=cutoff)
            if found and labels[found[2]] not in ("stop", "crisis"):
                got = labels[found[2]]
        combined += got == row["intent"] or (
            row["intent"] == "crisis" and bool(heard.crisis_kind))
    n = len(test)
    return f"rules {rules / n:.1%}  rules+classifier {combined / n:.1%}  ({n} messages)"


def main() -> None:
    understander = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    examples = load(ROOT / "conversations" / "examples.jsonl")
    older = [r for f in sorted((ROOT / "bench" / "data").glob("messages_*.jsonl"))
             if "apart" not in f.name for r in load(f)]
    for cutoff in (70, 80, 90):
        print(f"cutoff {cutoff}: trained on examples, scored on older sets: "
              f"{compare(understander, examples, older, cutoff)}")
        print(f"cutoff {cutoff}: trained on older sets, scored on examples: "
              f"{compare(understander, older, examples, cutoff)}")


if __name__ == "__main__":
    main()
