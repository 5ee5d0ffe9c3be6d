"""Normalize free text the same way everywhere: lower case, no accents, no punctuation."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def strip_accents(text: str) -> str:
    """Remove diacritics: "información" becomes "informacion"; ñ becomes n."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces; "Fooood!!" becomes "food"."""
    text = strip_accents(text.lower()).replace("'", "").replace("\u2019", "")
    text = _NON_WORD.sub(" ", text)
    # Texters stretch words ("pleeease"); keep at most two of a letter.
    text = _REPEATS.sub(r"\1\1", text)
    return text.strip()
