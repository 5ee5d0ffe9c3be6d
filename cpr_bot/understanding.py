"""Turn a message into an intent, the needs it names, its language and any place it mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from .catalog import CATEGORIES
from .places import Gazetteer, Place
from .textnorm import normalize

SPECIALS = ("crisis", "human", "help", "stop", "start", "menu", "language", "unknown")
INTENTS = (*CATEGORIES, *SPECIALS)
# When a message fits several, the earlier label wins; needs keep their order in the text.
# "weak" phrases only hint at a need ("my PO", "money") and lose to any plain one.
PRECEDENCE = (
    "crisis", "stop", "start", "human", "need", "weak human", "language", "weak need",
    "menu", "help",
)
PHRASE_INTENTS = ("crisis", "stop", "start", "human", *CATEGORIES, "language", "menu", "help")
NEGATION_REACH = 3


class VocabularyError(ValueError):
    """The vocabulary file is broken; the message names the section."""


@dataclass
class Understanding:
    """What a message asks for."""

    intent: str
    lang: str
    needs: list[str] = field(default_factory=list)
    place: Place | None = None
    choice: int | None = None
    language_wanted: str | None = None
    word: str | None = None  # a whole-message dialog word: more, steps, anywhere
    keyword: bool = False  # the whole message is a keyword such as STOP or MENU
    wants: list[str] = field(default_factory=list)  # who a place must be for: women_only...
    asks_mentor: bool = False  # names a mentor: the bot offers a mentor handoff
    lang_evident: bool = False  # whether the words showed a language at all
    text: str = ""

    def to_dict(self) -> dict:
        return {
            "intent": self.intent,
            "lang": self.lang,
            "needs": self.needs,
            "place": self.place.label if self.place else None,
            "choice": self.choice,
        }


@dataclass(frozen=True)
class _Hit:
    intent: str
    weak: bool
    start: int
    end: int


def _allowed_edits(length: int) -> int:
    """How many inserted or dropped letters a word of this length may have and still match."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    return 2


class Vocabulary:
    """The phrase lists from conversations/vocabulary.yaml, indexed for matching."""

    def __init__(self, path: Path):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        self.path = path
        try:
            self.keywords = {
                intent: {normalize(str(k)) or str(k) for k in words}
                for intent, words in data["keywords"].items()
            }
            intents = data["intents"]
            self.negators = [normalize(w).split() for w in data["negators"]]
            self.need_negations = [normalize(w).split() for w in data["need_negations"]]
            markers = data["language_markers"]
            common = {normalize(str(w)) for w in data["common_words"]}
            self.fillers = {normalize(str(w)) for w in data["fillers"]}
            self.wants = {
                tuple(normalize(str(phrase)).split()): attribute
                for attribute, phrases in data["wants"].items() for phrase in phrases
            }
            self.mentor_words = {normalize(w) for w in data["mentor_words"]}
            self.speech_hints = {lang: [str(h) for h in hints]
                                 for lang, hints in data["speech_hints"].items()}
            self.stop_words = {normalize(w) for w in data["opt_out"]["stop_words"]}
            self.message_words = {normalize(w) for w in data["opt_out"]["message_words"]}
            self.dialog_words = {
                name: {normalize(str(w)) for w in words}
                for name, words in data["dialog_words"].items()
            }
        except (KeyError, TypeError, AttributeError) as exc:
            raise VocabularyError(f"{path}: missing or malformed section {exc}") from None
        for intent in list(self.keywords) + list(intents):
            if intent not in INTENTS:
                raise VocabularyError(f"{path}: unknown intent {intent!r}")
        self.phrases: dict[tuple[str, ...], tuple[str, bool]] = {}
        # Which languages list a phrase: "doctor" in both says nothing about the language.
        self.phrase_langs: dict[tuple[str, ...], set[str]] = {}
        for intent in PHRASE_INTENTS:
            lists = intents.get(intent) or {}
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
        }
        self._lexicon_by_length: dict[int, list[str]] = {}
        for word in lexicon:
            self._lexicon_by_length.setdefault(len(word), []).append(word)
        self._corrections: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """The vocabulary word a typo most likely meant, or the word itself."""
        if word in self.known_words or not word.isalpha() or len(word) < 3:
            return word
        if word in self._corrections:
            return self._corrections[word]
        best, best_cost = word, None
        for length in range(max(1, len(word) - 2), len(word) + 3):
            candidates = self._lexicon_by_length.get(length)
            if not candidates:
                continue
            limit = _allowed_edits(len(word))
            found = process.extractOne(word, candidates, scorer=Indel.distance,
                                       score_cutoff=limit)
            if found and (best_cost is None or found[1] < best_cost):
                best, best_cost = found[0], found[1]
            # Two swapped letters ("jbo") count as one slip even in short words.
            if length == len(word) and len(word) >= 3 and best_cost is None:
                swapped = process.extractOne(word, candidates, scorer=OSA.distance,
                                             score_cutoff=1)
                if swapped and sorted(swapped[0]) == sorted(word):
                    best, best_cost = swapped[0], 1
        if len(self._corrections) < 50_000:
            self._corrections[word] = best
        return best


class Understander:
    """Reads messages with a vocabulary and a gazetteer."""

    def __init__(self, vocabulary: Vocabulary, gazetteer: Gazetteer):
        self.vocab = vocabulary
        self.gazetteer = gazetteer

    def understand(self, text: str) -> Understanding:
        """Classify one message."""
        text = text or ""
        norm = normalize(text)
        raw_words = norm.split()
        words = [self.vocab.correct(w) for w in raw_words]
        corrected = {i for i, (a, b) in enumerate(zip(raw_words, words, strict=False)) if a != b}
        lang, evident = self._language(words)
        place = self.gazetteer.find_in(text) if norm else None
        result = Understanding("unknown", lang, place=place, text=text, lang_evident=evident)
        if norm.isdigit() and len(norm) <= 2:
            result.choice = int(norm)
            return result
        result.asks_mentor = bool(self.vocab.mentor_words & set(words))
        core = " ".join(w for w in norm.split() if w not in self.vocab.fillers) or norm
        for name, options in self.vocab.dialog_words.items():
            if norm in options or core in options:
                result.word = name
                return result
        keyword = self._keyword(norm.split(), words)
        result.wants, taken = self._wants(words)
        # A weak hint spelled only by a guess ("monkey" read as "money") is no evidence.
        hits = [h for h in self._phrase_hits(words, taken)
                if not (h.weak and corrected & set(range(h.start, h.end)))]
        strong = [h.intent for h in hits if not h.weak]
        if self._asks_no_more_messages(raw_words):
            strong.append("stop")
        weak = [h.intent for h in hits if h.weak]
        needs = [i for i in strong if i in CATEGORIES] or [i for i in weak if i in CATEGORIES]
        result.needs = list(dict.fromkeys(needs))
        found = {
            "need": any(i in CATEGORIES for i in strong),
            "weak need": bool(result.needs),
            "weak human": "human" in weak,
        }
        for label in PRECEDENCE:
            if keyword == label or label in strong or found.get(label):
                result.intent = result.needs[0] if "need" in label else label.split()[-1]
                break
        result.keyword = keyword is not None and keyword == result.intent
        if result.intent == "language":
            result.language_wanted = self._language_wanted(words)
            if result.language_wanted == "es":
                result.lang = "es"
        return result

    def _asks_no_more_messages(self, words: list[str]) -> bool:
        """A stop word plus a word for messages: "STOP mandandome textos", "quit the texts"."""
        if not self.vocab.message_words & set(words):
            return False
        for i, word in enumerate(words):
            if word in self.vocab.stop_words:
                if not self._negated(words, _Hit("stop", False, i, i + 1)):
                    return True
        return False

    @staticmethod
    def _language_wanted(words: list[str]) -> str:
        """Which language a switch request asks for ("no hablo ingles" asks for Spanish)."""
        if "spanish" in words or "espanol" in words:
            return "es"
        for i, word in enumerate(words):
            if word in ("english", "ingles"):
                return "es" if {"no", "dont", "cant"} & set(words[max(0, i - 3) : i]) else "en"
        return "es"

    def _keyword(self, raw_words: list[str], corrected: list[str]) -> str | None:
        """The keyword a whole message is, if it is one (STOP, MENU, ESPANOL...)."""
        for words in (raw_words, corrected):
            # "STOP please" and "menu pls" are still the keyword.
            core = [w for w in words if w not in self.vocab.fillers] or words
            for candidate in (" ".join(words), " ".join(core)):
                for intent, keywords in self.vocab.keywords.items():
                    if candidate in keywords:
                        return intent
        return None

    def _wants(self, words: list[str]) -> tuple[list[str], list[bool]]:
        """Who the person needs a place to be for, and the words that said so.

        Phrases that name a need word ("no ID needed") are used up here, so "ID" in them is
        not read as asking for an ID.
        """
        wants: list[str] = []
        taken = [False] * len(words)
        for size in (4, 3, 2, 1):
            for start in range(len(words) - size + 1):
                attribute = self.vocab.wants.get(tuple(words[start : start + size]))
                if attribute and not any(taken[start : start + size]):
                    if attribute not in wants:
                        wants.append(attribute)
                    if attribute == "no_id_needed":
                        taken[start : start + size] = [True] * size
        return wants, taken

    def _phrase_hits(self, words: list[str], taken: list[bool]) -> list[_Hit]:
        """Vocabulary phrases in the message, longest first, minus negated ones."""
        taken = list(taken)
        hits: list[_Hit] = []
        for size in range(min(self.vocab.longest_phrase, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start : start + size]):
                    continue
                found = self.vocab.phrases.get(tuple(words[start : start + size]))
                if not found:
                    continue
                hit = _Hit(found[0], found[1], start, start + size)
                for i in range(start, start + size):
                    taken[i] = True
                if not self._negated(words, hit):
                    hits.append(hit)
        return sorted(hits, key=lambda h: h.start)

    def _negated(self, words: list[str], hit: _Hit) -> bool:
        """Whether words just before a phrase cancel it ("not suicidal", "dont need a job")."""
        reach = NEGATION_REACH + (1 if hit.intent in CATEGORIES else 0)
        before = words[max(0, hit.start - reach) : hit.start]
        if hit.intent in ("crisis", "stop", "start", "human"):
            patterns = self.vocab.negators
        elif hit.intent in CATEGORIES:
            patterns = self.vocab.need_negations
            # A bare "not" only cancels the need right after it: "not homeless", "not a job".
            nearest = [w for w in before if w not in ("a", "an", "the", "for", "in", "into")]
            if nearest and nearest[-1] in ("not", "nor"):
                return True
        else:
            return False
        # A "but" or a need word between the negation and the phrase ends its reach.
        for cut in ("but", "pero", "just", "only", "need", "necesito"):
            if cut in before:
                before = before[len(before) - before[::-1].index(cut) :]
        for pattern in patterns:
            size = len(pattern)
            for i in range(len(before) - size + 1):
                if before[i : i + size] == pattern:
                    return True
        return False

    def _language(self, words: list[str]) -> tuple[str, bool]:
        """Spanish when Spanish words outnumber English ones, else English; and if any showed."""
        scores = {"en": 0.0, "es": 0.0}
        for lang, markers in self.vocab.markers.items():
            for i in range(len(words)):
                if (words[i],) in markers:
                    scores[lang] += 1
                elif i + 1 < len(words) and (words[i], words[i + 1]) in markers:
                    scores[lang] += 1
        taken = [False] * len(words)
        for size in range(min(self.vocab.longest_phrase, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                langs = self.vocab.phrase_langs.get(tuple(words[start : start + size]))
                if langs and not any(taken[start : start + size]):
                    taken[start : start + size] = [True] * size
                    if len(langs) == 1:
                        scores[next(iter(langs))] += 0.5
        return ("es" if scores["es"] > scores["en"] else "en"), any(scores.values())
