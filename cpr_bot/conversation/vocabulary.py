"""Every word the bot understands, from conversations/vocabulary.yaml, indexed for matching
and for correcting typos."""

from __future__ import annotations

from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, Levenshtein

from ..catalog.model import CATEGORIES
from ..errors import VocabularyError
from ..text import normalize

# Labels a message can have beyond the catalog's needs: asks with their own answer (topics
# in the vocabulary), then the conversation's own.
TOPIC_LABELS = ("phone", "voting", "pets")
SPECIALS = ("crisis", "human", "help", "stop", "start", "menu", "language", "unknown")
INTENTS = (*CATEGORIES, *TOPIC_LABELS, *SPECIALS)
PHRASE_INTENTS = ("stop", "start", "human", *CATEGORIES, "language", "menu", "help")
FOLLOW_UPS = ("open_now", "hours", "directions", "details", "records_ok")
CHAT_COMMANDS = ("accept", "pass", "bye")


def _allowed_edits(length: int) -> int:
    """How many inserted or dropped letters a word of this length may have and still match."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    return 2


def _closest(word: str, candidates: list[str], scorer, cutoff: int) -> tuple[str, int] | None:
    """The candidate nearest to word, or None; ties go to the fewest letters changed, then
    to the alphabet, so every process reads a typo the same way."""
    found = process.extract(word, candidates, scorer=scorer, score_cutoff=cutoff, limit=None)
    if not found:
        return None
    cost, _, best = min((score, Levenshtein.distance(word, c), c) for c, score, _ in found)
    return best, cost


def _words(values) -> set[str]:
    return {normalize(str(v)) for v in values}


class Vocabulary:
    """The phrase lists from conversations/vocabulary.yaml, indexed for matching."""

    def __init__(self, path: Path):
        self.path = path
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise VocabularyError(f"{path}: cannot read: {exc}") from None
        try:
            self.keywords = {
                intent: {normalize(str(k)) or str(k) for k in words}
                for intent, words in data["keywords"].items()
            }
            intents = data["intents"]
            self.negators = [normalize(w).split() for w in data["negators"]]
            self.need_negations = [normalize(w).split() for w in data["need_negations"]]
            self.need_negations_after = [normalize(w).split()
                                         for w in data["need_negations_after"]]
            self.bare_negators = _words(data["bare_negators"])
            self.negation_skips = _words(data["negation_skips"])
            self.negation_breaks = [normalize(str(w)) for w in data["negation_breaks"]]
            markers = data["language_markers"]
            common = _words(data["common_words"])
            self.fillers = _words(data["fillers"])
            self.self_words = _words(data["self_words"])
            self.wants: dict[tuple[str, ...], list[str]] = {}
            for section in ("wants", "kinds"):
                for label, phrases in data[section].items():
                    for phrase in phrases:
                        key = tuple(normalize(str(phrase)).split())
                        self.wants.setdefault(key, []).append(label)
            self.mentor_words = _words(data["mentor_words"])
            self.yielding = {tuple(normalize(str(p)).split()) for p in data["yielding"]}
            self.off_topic = [normalize(str(p)).split() for p in data["off_topic"]]
            self.thanks = [normalize(str(p)).split() for p in data["thanks"]]
            self.asking = _words(data["asking"])
            self.speech_hints = {lang: [str(h) for h in hints]
                                 for lang, hints in data["speech_hints"].items()}
            self.stop_words = _words(data["opt_out"]["stop_words"])
            self.message_words = _words(data["opt_out"]["message_words"])
            self.resubscribe_words = _words(data["opt_out"]["resubscribe_words"])
            self.dialog_words = {name: _words(words)
                                 for name, words in data["dialog_words"].items()}
            self.chat_words = {word: command for command in CHAT_COMMANDS
                               for word in _words(data["chat_words"][command])}
            self.language_names = {lang: _words(data["language_names"][lang])
                                   for lang in ("en", "es")}
            self.language_refusals = _words(data["language_refusals"])
            self.emoji = {str(symbol): f" {word} " for symbol, word in data["emoji"].items()}
            topics = data["topics"]
            self.topic_labels = {name: str(t["label"]) for name, t in topics.items()}
            self.topic_guides = {name: t.get("guide") for name, t in topics.items()}
            self.topic_kinds = {name: t["kind"] for name, t in topics.items() if t.get("kind")}
            self.follow_ups = {tuple(normalize(str(p)).split()): kind
                               for kind, phrases in data["follow_ups"].items() for p in phrases}
            self.ordinals = {word: key for key, words in data["ordinals"].items()
                             for word in _words(words)}
        except (KeyError, TypeError, AttributeError) as exc:
            raise VocabularyError(f"{path}: missing or malformed section {exc}") from None
        for intent in list(self.keywords) + list(intents):
            if intent not in INTENTS or intent in TOPIC_LABELS:
                raise VocabularyError(f"{path}: unknown intent {intent!r}")
        for name, label in self.topic_labels.items():
            if label not in (*CATEGORIES, *TOPIC_LABELS):
                raise VocabularyError(f"{path}: topic {name}: unknown label {label!r}")
        unknown_follow_ups = set(self.follow_ups.values()) - set(FOLLOW_UPS)
        if unknown_follow_ups:
            raise VocabularyError(f"{path}: follow_ups: unknown kinds {sorted(unknown_follow_ups)}")
        # A chat word that is also an opt-out keyword would end a chat instead of opting out.
        clashes = sorted(set(self.chat_words) & self.keywords.get("stop", set()))
        if clashes:
            raise VocabularyError(f"{path}: chat_words: {clashes} are opt-out keywords; "
                                  "an opt-out word must always opt out")
        self.phrases: dict[tuple[str, ...], tuple[str, bool]] = {}
        # Which languages list a phrase: "doctor" in both says nothing about the language.
        self.phrase_langs: dict[tuple[str, ...], set[str]] = {}
        # Topics first: "clear my record" is the expungement topic, not any legal help.
        sources = [(f"topic:{name}", t) for name, t in topics.items()]
        sources += [(intent, intents.get(intent) or {}) for intent in PHRASE_INTENTS]
        for intent, lists in sources:
            lists = {k: v for k, v in lists.items() if k in ("en", "es", "weak")} \
                if intent.startswith("topic:") else lists
            unknown_keys = set(lists) - {"en", "es", "weak"}
            if unknown_keys:
                raise VocabularyError(f"{path}: {intent}: unknown lists {sorted(unknown_keys)}")
            for lang in ("en", "es", "weak"):
                for phrase in lists.get(lang) or []:
                    words = tuple(normalize(str(phrase)).split())
                    if not words:
                        continue
                    self.phrases.setdefault(words, (intent, lang == "weak"))
                    if lang != "weak":
                        self.phrase_langs.setdefault(words, set()).add(lang)
        self.longest_phrase = max(len(p) for p in self.phrases)
        self.markers = {
            lang: {tuple(normalize(str(w)).split()) for w in markers.get(lang, [])}
            for lang in ("en", "es")
        }
        lexicon = {w for phrase in self.phrases for w in phrase}
        keyword_words = {w for words in self.keywords.values() for k in words for w in k.split()}
        self.known_words = lexicon | common | keyword_words | self.fillers | {
            w for lang in self.markers.values() for m in lang for w in m
        } | {w for phrase in self.follow_ups for w in phrase} | set(self.ordinals) | {
            w for phrases in (self.negators, self.need_negations, self.need_negations_after)
            for phrase in phrases for w in phrase
        }
        # Words that carry no need or crisis of their own: fillers and language markers.
        self.small_words = self.fillers | {w for lang in self.markers.values() for m in lang
                                           for w in m}
        self._lexicon_by_length: dict[int, list[str]] = {}
        for word in lexicon:
            self._lexicon_by_length.setdefault(len(word), []).append(word)
        self._corrections: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """The vocabulary word a typo most likely meant, or the word itself."""
        if word in self.known_words or not word.isalpha() or len(word) < 3:
            return word
        if word.endswith("s") and word[:-1] in self.known_words:
            return word[:-1]  # a plural of a known word ("coats") is that word, not "cats"
        if word in self._corrections:
            return self._corrections[word]
        best, best_cost = word, None
        for length in range(max(1, len(word) - 2), len(word) + 3):
            candidates = self._lexicon_by_length.get(length)
            if not candidates:
                continue
            found = _closest(word, candidates, Indel.distance, _allowed_edits(len(word)))
            if found and (best_cost is None or found[1] < best_cost):
                best, best_cost = found
            # Two swapped letters ("jbo") count as one slip even in short words.
            if length == len(word) and len(word) >= 3 and best_cost is None:
                swapped = _closest(word, candidates, OSA.distance, 1)
                if swapped and sorted(swapped[0]) == sorted(word):
                    best, best_cost = swapped[0], 1
        if len(self._corrections) < 50_000:
            self._corrections[word] = best
        return best
