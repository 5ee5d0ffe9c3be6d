"""Text the same way everywhere: normalized for matching, and folded and counted the way SMS
carriers bill it (GSM-7 or UCS-2 segments)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("\f^{}\\[~]|€")
# Checked by regular expression, not letter by letter: every reply is counted.
_NOT_GSM7 = re.compile("[^" + re.escape("".join(sorted(GSM7_BASIC | GSM7_EXTENDED))) + "]")
_GSM7_EXTENDED = re.compile("[" + re.escape("".join(sorted(GSM7_EXTENDED))) + "]")

# Look-alikes Twilio's Smart Encoding would replace, plus the Spanish vowels GSM-7 lacks.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u200b": "",
        "\u2026": "...", "\u00b4": "'", "`": "'",
        "á": "a", "í": "i", "ó": "o", "ú": "u", "ç": "c",
        "Á": "A", "Í": "I", "Ó": "O", "Ú": "U", "È": "E", "Ê": "E", "ê": "e", "â": "a",
    }
)


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


def is_gsm7(text: str) -> bool:
    """Whether every character fits the GSM-7 alphabet (basic or extension table)."""
    return _NOT_GSM7.search(text) is None


def fold_to_gsm7(text: str) -> str:
    """Replace look-alike punctuation and accents GSM-7 lacks, so a reply stays cheap."""
    return text.translate(_FOLD)


def segment_count(text: str) -> int:
    """How many SMS segments text costs: 160/153 septets in GSM-7, 70/67 units in UCS-2."""
    if not text:
        return 1
    if is_gsm7(text):
        length = len(text) + len(_GSM7_EXTENDED.findall(text))
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if length <= single:
        return 1
    return -(-length // multi)
