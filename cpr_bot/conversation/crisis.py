"""The crisis safety net: finds suicide, overdose, danger, domestic violence and sexual
assault in any message, on its own patterns from conversations/crisis.yaml, apart from the
need matcher so that no vocabulary change can hide a crisis."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import VocabularyError
from ..text import normalize

KINDS = ("overdose", "medical_emergency", "domestic_violence", "sexual_assault", "suicide",
         "danger")
_GAPS = {" ~~ ": r"(?: \S+){0,8} ", " ~ ": r"(?: \S+){0,4} "}  # words a pattern may skip


@dataclass(frozen=True)
class Crisis:
    """A crisis the net found: its kind, and whether it holds whatever else was said."""

    kind: str
    sure: bool


def _compile(path: Path, where: str, patterns) -> re.Pattern:
    if not patterns:
        return re.compile(r"(?!x)x")  # matches nothing
    try:
        parts = []
        for pattern in map(str, patterns):
            for gap, skip in _GAPS.items():
                pattern = pattern.replace(gap, skip)
            parts.append(pattern)
        return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in parts) + r")\b")
    except re.error as exc:
        raise VocabularyError(f"{path}: {where}: a pattern is not valid: {exc}") from None


class CrisisNet:
    """The patterns of conversations/crisis.yaml, compiled."""

    def __init__(self, path: Path):
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            kinds = data["kinds"]
            unknown = set(kinds) - set(KINDS)
            if unknown:
                raise VocabularyError(f"{path}: unknown crisis kinds {sorted(unknown)}; "
                                      f"use {', '.join(KINDS)}")
            self.patterns = {
                kind: (_compile(path, f"{kind}.sure", kinds[kind].get("sure")),
                       _compile(path, f"{kind}.maybe", kinds[kind].get("maybe")))
                for kind in kinds  # in the file's order: the first kind found decides
            }
            self.not_crisis = _compile(path, "not_crisis", data.get("not_crisis"))
            self.past = _compile(path, "past", data.get("past"))
            negators = sorted((normalize(n) for n in data["negators"]), key=len, reverse=True)
            reach = int(data.get("negation_reach", 2))
            undone = "|".join(normalize(w) for w in data.get("negation_undone_by") or [])
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise VocabularyError(f"{path}: cannot read: {exc}") from None
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise VocabularyError(f"{path}: missing or malformed section {exc}") from None
        # A negator at most `reach` words before the pattern, with no "stop" in between.
        self._negated = re.compile(
            r"\b(?:" + "|".join(map(re.escape, negators)) + r")"
            + (rf"(?: (?!(?:{undone})\b)\S+){{0,{reach}}}" if undone else rf"(?: \S+){{0,{reach}}}")
            + r" $"
        )

    def is_everyday(self, text: str) -> bool:
        """Whether the message holds speech that only sounds like a crisis."""
        return bool(self.not_crisis.search(normalize(text or "")))

    def everyday_removed(self, text: str) -> str:
        """The message normalized, with everyday speech ("dying to see my kids") blanked out
        and word positions kept."""
        return self.not_crisis.sub(lambda m: "_" * len(m.group()), normalize(text or ""))

    def check(self, text: str) -> Crisis | None:
        """The crisis a message shows, if any."""
        norm = self.everyday_removed(text)
        if not norm.strip("_ "):
            return None
        maybe = None
        told_as_past = bool(self.past.search(norm))
        for kind, (sure, possible) in self.patterns.items():
            if any(not self._is_negated(norm, m) for m in sure.finditer(norm)):
                if not told_as_past:
                    return Crisis(kind, True)
                maybe = maybe or Crisis(kind, False)
            if maybe is None and any(not self._is_negated(norm, m)
                                     for m in possible.finditer(norm)):
                maybe = Crisis(kind, False)
        return maybe

    def _is_negated(self, norm: str, match: re.Match) -> bool:
        return bool(self._negated.search(norm[: match.start()]))
