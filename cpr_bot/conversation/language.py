"""Which language the bot answers in: English or Spanish, from the words a person uses, a
switch they asked for, or the language a mentor reads first."""

from __future__ import annotations

from .vocabulary import Vocabulary

LANGUAGES = ("en", "es")
DEFAULT = "en"
SPANISH_KEY = 2  # the voice greeting says "Para español, oprima 2"


def detect(words: list[str], vocab: Vocabulary) -> tuple[str, bool]:
    """Spanish when Spanish words outnumber English ones, else English; and if any showed."""
    scores = {"en": 0.0, "es": 0.0}
    for lang, markers in vocab.markers.items():
        for i in range(len(words)):
            if (words[i],) in markers:
                scores[lang] += 1
            elif i + 1 < len(words) and (words[i], words[i + 1]) in markers:
                scores[lang] += 1
    taken = [False] * len(words)
    for size in range(min(vocab.longest_phrase, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            langs = vocab.phrase_langs.get(tuple(words[start : start + size]))
            if langs and not any(taken[start : start + size]):
                taken[start : start + size] = [True] * size
                if len(langs) == 1:
                    scores[next(iter(langs))] += 0.5
    return ("es" if scores["es"] > scores["en"] else "en"), any(scores.values())


def wanted(words: list[str], vocab: Vocabulary) -> str:
    """Which language a switch request asks for ("no hablo ingles" asks for Spanish)."""
    if vocab.language_names["es"] & set(words):
        return "es"
    for i, word in enumerate(words):
        if word in vocab.language_names["en"]:
            refused = vocab.language_refusals & set(words[max(0, i - 3) : i])
            return "es" if refused else "en"
    return "es"


def for_turn(state: dict, lang: str, evident: bool) -> str:
    """The language to answer in: a chosen one sticks; otherwise the words' own, if they show."""
    if not state.get("lang_locked") and evident:
        return lang
    return state.get("lang") or lang


def keep(state: dict, lang: str) -> None:
    """Answer in this language from now on, whatever the words look like."""
    state["lang"], state["lang_locked"] = lang, True


def of_greeting_key(key: int | None) -> str:
    """The language a caller picks at the greeting: Spanish on its key, else English."""
    return "es" if key == SPANISH_KEY else DEFAULT


def of_mentor(mentor) -> str:
    """The language a mentor reads first (the roster lists theirs in order)."""
    return mentor.languages[0] if mentor and mentor.languages else DEFAULT
