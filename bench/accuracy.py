"""Print how well messages are understood: accuracy per label and language, and speed.

Usage: python bench/accuracy.py [FILE.jsonl ...]   (default: every file in bench/data)
Sets: messages_dev (tuned on), messages_holdout (looked at once, then tuned on),
messages_blind (written apart and never tuned on: the honest number).
"""

from __future__ import annotations

import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpr_bot.config import Settings  # noqa: E402
from cpr_bot.wiring import load_understander  # noqa: E402


def evaluate(understander, path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    total, right = collections.Counter(), collections.Counter()
    lang_right = 0
    misses = collections.Counter()
    started = time.perf_counter()
    for row in rows:
        result = understander.understand(row["text"])
        total[row["intent"]] += 1
        if result.intent == row["intent"]:
            right[row["intent"]] += 1
        else:
            misses[(row["intent"], result.intent)] += 1
        lang_right += result.lang == row["lang"]
    elapsed = time.perf_counter() - started
    n = len(rows)
    print(f"\n{path.name}: {n} messages, intent accuracy {sum(right.values()) / n:.1%}, "
          f"language accuracy {lang_right / n:.1%}, {n / elapsed:,.0f} messages/s")
    for label in sorted(total):
        share = right[label] / total[label]
        print(f"  {label:15s} {right[label]:4d}/{total[label]:<4d} {share:6.1%}")
    if misses:
        common = ", ".join(f"{a}->{b} x{c}" for (a, b), c in misses.most_common(6))
        print(f"  most common confusions: {common}")


def main() -> None:
    understander = load_understander(Settings.from_env({"CPR_ENV": "development"}))
    files = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "bench" / "data").glob("*.jsonl"))
    for path in files:
        evaluate(understander, path)


if __name__ == "__main__":
    main()
