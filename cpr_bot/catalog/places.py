"""Turn a ZIP code or a Jefferson County place name into coordinates, offline."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
import zipcodes
from rapidfuzz import fuzz, process

from ..errors import PlacesError
from ..text import normalize

_ZIP = re.compile(r"(?<!\d)(3[56]\d{3})(?!\d)")


@dataclass(frozen=True)
class Place:
    """A located place: what the person said, its ZIP and the ZIP's centroid."""

    label: str
    zip: str
    lat: float
    lon: float

    def to_dict(self) -> dict:
        return {"label": self.label, "zip": self.zip, "lat": self.lat, "lon": self.lon}

    @classmethod
    def from_dict(cls, data: dict) -> Place:
        return cls(data["label"], data["zip"], float(data["lat"]), float(data["lon"]))


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))


_DIGIT_WORDS = {
    word: str(digit) for digit, words in enumerate([
        ("zero", "oh", "cero"), ("one", "uno"), ("two", "dos"), ("three", "tres"),
        ("four", "cuatro"), ("five", "cinco"), ("six", "seis"), ("seven", "siete"),
        ("eight", "ocho"), ("nine", "nueve")]) for word in words
}
_ALABAMA_ZIPS: dict[str, dict] = {}


def _zip_record(code: str) -> dict | None:
    """The zipcodes record of an Alabama ZIP (the package's own lookup scans every ZIP)."""
    if not _ALABAMA_ZIPS:
        _ALABAMA_ZIPS.update((z["zip_code"], z) for z in zipcodes.filter_by(state="AL"))
    match = re.fullmatch(r"(\d{5})(-\d{4})?", code.strip())
    return _ALABAMA_ZIPS.get(match.group(1)) if match else None


class Gazetteer:
    """Alabama ZIPs plus the county's city and neighborhood names, located by ZIP centroid."""

    def __init__(self, places_file: Path):
        self._by_name: dict[str, Place] = {}
        for record in zipcodes.filter_by(state="AL", county="Jefferson County"):
            if record["zip_code_type"] != "STANDARD" or not record["active"]:
                continue
            for name in [record["city"], *record["acceptable_cities"]]:
                key = normalize(name)
                if key not in self._by_name and name != "Birmingham":
                    self._by_name[key] = self._place(name, record)
        data = yaml.safe_load(Path(places_file).read_text()) or {}
        for name, code in (data.get("places") or {}).items():
            record = _zip_record(str(code))
            if record is None:
                raise PlacesError(f"{places_file}: place {name!r} has unknown ZIP {code!r}")
            self._by_name[normalize(name)] = self._place(name, record)
        self._names = list(self._by_name)
        self.longest_name = max(len(n.split()) for n in self._names)

    @staticmethod
    def _place(label: str, record: dict) -> Place:
        return Place(label, record["zip_code"], float(record["lat"]), float(record["long"]))

    def places(self) -> list[Place]:
        """Every named place, once."""
        return list({p.label: p for p in self._by_name.values()}.values())

    def is_name(self, word: str) -> bool:
        """Whether a word is exactly the name of a place."""
        return normalize(word) in self._by_name

    def locate_zip(self, code: str) -> Place | None:
        """The centroid of an Alabama ZIP code, or None."""
        record = _zip_record(code)
        return self._place(code, record) if record else None

    def locate_name(self, name: str) -> Place | None:
        """A place by its name, tolerating small typos."""
        key = normalize(name)
        if key in self._by_name:
            return self._by_name[key]
        if len(key) < 5:
            return None
        found = process.extractOne(key, self._names, scorer=fuzz.ratio, score_cutoff=88)
        return self._by_name[found[0]] if found else None

    def find_span(self, words: list[str]) -> tuple[Place, int, int] | None:
        """The first ZIP or place name in normalized words, with where it starts and ends."""
        for index, word in enumerate(words):
            if len(word) == 5 and word.isdigit():
                place = self.locate_zip(word)
                if place:
                    return place, index, index + 1
            # A ZIP said digit by digit, as speech recognition writes it: "three five two".
            digits = "".join(_DIGIT_WORDS.get(w, w if len(w) == 1 and w.isdigit() else "?")
                             for w in words[index : index + 5])
            if len(digits) == 5 and digits.isdigit():
                place = self.locate_zip(digits)
                if place:
                    return place, index, index + 5
        # Exact names before guesses, longest first: "west end" beats "end", and "in five
        # points south" is Five Points South, not a guess at "Five Points".
        for exact in (True, False):
            for size in range(self.longest_name, 0, -1):
                for start in range(len(words) - size + 1):
                    candidate = " ".join(words[start : start + size])
                    if exact:
                        place = self._by_name.get(candidate)
                    elif size == 1 and len(candidate) < 5:
                        continue
                    else:
                        place = self.locate_name(candidate)
                    if place:
                        return place, start, start + size
        return None
