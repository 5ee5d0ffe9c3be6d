"""Phone numbers, one way everywhere: parsed with phonenumbers, kept as E.164, shown as
205-555-1234, read aloud digit by digit, and masked to the last 4 digits in logs."""

from __future__ import annotations

import hashlib
import re

import phonenumbers

from .errors import PhoneError

# Three-digit service numbers people dial as they are; phonenumbers calls them invalid.
SERVICE_NUMBERS = {"211", "311", "411", "511", "611", "711", "811", "911", "988"}
_LETTERS = re.compile(r"[A-Za-z]")
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$")


def _parse_us(raw: str) -> phonenumbers.PhoneNumber | None:
    """A valid US number, or None; letters (vanity spellings, "call us") never count."""
    text = str(raw or "").strip()
    if _LETTERS.search(_EXTENSION.sub("", text)):
        return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 1 or not phonenumbers.is_valid_number(number):
        return None
    return number


def _dashed(number: phonenumbers.PhoneNumber) -> str:
    national = str(number.national_number)
    return f"{national[:3]}-{national[3:6]}-{national[6:]}"


def display(raw: str) -> str | None:
    """205-555-1234 (or a service number such as 211), or None if it is not a US number."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if digits in SERVICE_NUMBERS:
        return digits
    number = _parse_us(raw)
    return _dashed(number) if number else None


def with_extension(raw: str) -> tuple[str | None, str | None]:
    """(205-555-1234, "3") from "205 555 1234 ext. 3"; (None, None) if not a US number."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if digits in SERVICE_NUMBERS:
        return digits, None
    number = _parse_us(raw)
    return (_dashed(number), number.extension or None) if number else (None, None)


def e164(raw: str) -> str:
    """+12055550123 from any spelling of a US number that can get texts, or PhoneError."""
    number = _parse_us(raw)
    if number is None:
        why = "not a US number" if str(raw).strip().startswith("+") else "not a valid US number"
        raise PhoneError(f"{why}: {raw!r}")
    if number.extension:
        raise PhoneError(f"a number with an extension cannot get texts: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def spoken(shown: str) -> str:
    """205-323-5878 read slowly: "2 0 5, 3 2 3, 5 8 7 8"."""
    return ", ".join(" ".join(group) for group in shown.split("-"))


def masked(phone: str) -> str:
    """A phone number safe for logs and screens: only the last 4 digits."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    return f"***{digits[-4:]}" if digits else "***"


def token(phone: str) -> str:
    """A short stand-in for a number where others may read it, such as a job id."""
    return hashlib.sha256(str(phone).encode()).hexdigest()[:16]
