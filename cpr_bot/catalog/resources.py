"""The catalog: data/resources.yaml read and checked entry by entry, then queried by need.

The file lists organizations, each with the services it gives (docs/catalog.md). A person is
offered services, never organizations: each service has one category, one kind from the
closed list in data/kinds.yaml, its own way in and who it is for.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .. import phones
from ..errors import CatalogError, HoursError
from ..text import fold_to_gsm7, is_gsm7
from .hours import WeeklyHours
from .model import (
    ACCESS,
    RESOURCE_CATEGORIES,
    Eligibility,
    Guide,
    Kind,
    Organization,
    Service,
    load_kinds,
)
from .places import Gazetteer, Place
from .ranking import CategoryIndex, Match, Seeker

ORGANIZATION_KEYS = {
    "id", "name", "short_name", "phone", "phone_note", "address", "city", "zip", "website",
    "languages", "source", "source_date", "last_verified", "confidence", "confirm_first",
    "notes", "services",
}
SERVICE_KEYS = {
    "id", "name", "name_es", "category", "kind", "summary", "summary_es", "access", "phone",
    "phone_note", "hours", "hours_note", "hours_note_es", "address", "city", "zip", "area",
    "serves", "eligibility", "eligibility_text", "eligibility_text_es", "guides", "source",
    "notes",
}
# Each structured eligibility key and the values it may take (a type, or a closed set).
ELIGIBILITY_VALUES = {
    "sex": {"men", "women"}, "min_age": int, "max_age": int,
    "families": {"only", "welcome", "no"}, "veterans_only": bool, "records_ok": bool,
    "registry": {"accepted", "refused"}, "sober_required": bool, "id_required": bool,
    "insurance": {"medicaid", "medicare", "private", "va", "none"},
    "cost": {"free", "sliding_scale", "fee", "private_pay"}, "pets": {"allowed", "not_allowed"},
    "only_for": {"hiv", "abuse_survivors", "disability", "seniors_or_disability"},
}
CONFIDENCE = {"high", "medium", "low"}
SHORT_NAME_MAX = 24
MAX_KIND_INDEXES = 256  # distinct kind requests kept indexed; requests name one or two kinds
LANGUAGE_CODES = re.compile(r"^[a-z]{2,3}$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")
# A source without a web address is a citation: where it was printed and when.
CITATION = re.compile(r"^(?=.*[A-Za-z]{3}).{12,}$")
# A source's date may be as exact as the source: 2025, 2025-11 or 2025-11-03.
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PO_BOX = re.compile(r"\bp\.?\s*o\.?\s*box\b", re.IGNORECASE)
GUIDE_KEYS = {"id", "title", "title_es", "categories", "steps", "steps_es", "source",
              "last_verified", "notes"}
# English text that goes out by SMS, checked to stay in the cheap GSM-7 alphabet.
ORGANIZATION_TEXT = ("name", "short_name", "phone_note", "address", "city")
SERVICE_TEXT = ("name", "summary", "phone_note", "address", "city", "area", "hours_note",
                "eligibility_text")


def as_list(value) -> list[str]:
    """A YAML value that may be one item or a list, as a list of strings."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class Catalog:
    """All organizations, services and guides, checked at load and indexed by category."""

    def __init__(self, organizations: list[Organization], services: list[Service],
                 guides: dict[str, Guide], kinds: dict[str, Kind]):
        self.organizations = {o.id: o for o in organizations}
        self.services = {s.id: s for s in services}
        self.guides = guides
        self.kinds = kinds
        self._listed = [s for s in services if kinds[s.kind].public]
        self.indexes = {
            category: CategoryIndex((s for s in self._listed if s.category == category), kinds,
                                    category)
            for category in RESOURCE_CATEGORIES
        }
        # Indexes of the kinds one request can list ("detox": detox and what stands in),
        # built on first use: ranking then never walks the rest of the category.
        self._kind_indexes: dict[frozenset[str], CategoryIndex] = {}

    def nearest(self, category: str, near: Place | None, now: dt.datetime, limit: int = 3,
                skip: int = 0, seeker: Seeker | None = None) -> list[Match]:
        """The page of a category's services that best fit the person, nearest first."""
        index = self.indexes.get(category)
        if index is None:
            return []
        seeker = seeker or Seeker()
        asked = seeker.kinds & index.kind_ids
        if asked:
            index = self._kind_index(category, asked)
        return index.rank(near, now, limit, skip, seeker)

    def _kind_index(self, category: str, asked: frozenset[str]) -> CategoryIndex:
        if asked not in self._kind_indexes:
            listable = asked | {n for a in asked for n in self.kinds[a].near}
            if len(self._kind_indexes) >= MAX_KIND_INDEXES:
                self._kind_indexes.clear()
            self._kind_indexes[asked] = CategoryIndex(
                (s for s in self._listed if s.kind in listable), self.kinds, category)
        return self._kind_indexes[asked]

    def guides_for(self, service: Service) -> list[Guide]:
        """Guides a service links to."""
        return [self.guides[g] for g in service.guides if g in self.guides]

    def guides_for_category(self, category: str) -> list[Guide]:
        """Guides that belong to a need category."""
        return [g for g in self.guides.values() if category in g.categories]


def load_catalog(path: Path, gazetteer: Gazetteer, kinds: dict[str, Kind] | None = None
                 ) -> Catalog:
    """Read and check the catalog; raise CatalogError listing every problem found."""
    path = Path(path)
    kinds = kinds or load_kinds()
    problems: list[tuple[str, str, str]] = []
    try:
        # libyaml's parser when present: a 211-sized catalog loads in seconds, not a minute.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(path, [("(file)", "-", f"cannot read: {exc}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("organizations"), list):
        raise CatalogError(path, [("(file)", "organizations",
                                   "must be a list of organizations, each with services")])
    guides = _load_guides(data.get("guides") or [], problems)
    reader = _Reader(guides, kinds, gazetteer, problems)
    for index, entry in enumerate(data["organizations"]):
        reader.organization(index, entry)
    if problems:
        raise CatalogError(path, problems)
    return Catalog(reader.organizations, reader.services, guides, kinds)


def _load_guides(entries: list, problems: list) -> dict[str, Guide]:
    guides: dict[str, Guide] = {}
    for index, entry in enumerate(entries):
        gid = str(entry.get("id") or f"guide #{index + 1}") if isinstance(entry, dict) else "?"
        if not isinstance(entry, dict):
            problems.append((f"guide #{index + 1}", "-", "must be a mapping"))
            continue
        for key in sorted(set(entry) - GUIDE_KEYS):
            problems.append((gid, key, "unknown field"))
        steps, steps_es = as_list(entry.get("steps")), as_list(entry.get("steps_es"))
        for key in ("id", "title", "steps", "source"):
            if not entry.get(key):
                problems.append((gid, key, "required"))
        if steps_es and len(steps_es) != len(steps):
            problems.append((gid, "steps_es", "must have as many steps as steps"))
        if gid in guides:
            problems.append((gid, "id", "duplicate id"))
        for category in as_list(entry.get("categories")):
            if category not in RESOURCE_CATEGORIES:
                problems.append((gid, "categories", f"unknown category {category!r}"))
        guides[gid] = Guide(
            gid,
            fold_to_gsm7(str(entry.get("title", ""))),
            str(entry.get("title_es") or entry.get("title", "")),
            as_list(entry.get("categories")),
            [fold_to_gsm7(s) for s in steps],
            steps_es or steps,
            as_list(entry.get("source")),
        )
    return guides


class _Reader:
    """Checks organizations and their services one by one, collecting every problem."""

    def __init__(self, guides, kinds, gazetteer: Gazetteer, problems: list):
        self.guides, self.kinds, self.gazetteer, self.problems = guides, kinds, gazetteer, problems
        self.organizations: list[Organization] = []
        self.services: list[Service] = []
        self.seen: set[str] = set()

    def problem(self, entry: str, key: str, what: str) -> None:
        self.problems.append((entry, key, what))

    def organization(self, index: int, entry) -> None:
        if not isinstance(entry, dict):
            self.problem(f"organization #{index + 1}", "-", "must be a mapping")
            return
        oid = str(entry.get("id") or f"organization #{index + 1}")
        self._common(oid, entry, ORGANIZATION_KEYS, ("id", "name", "source", "last_verified"))
        self._sources(oid, entry)
        for url in as_list(entry.get("website")):
            if not URL.match(url):
                self.problem(oid, "website", f"not a web address (http...): {url!r}")
        if entry.get("confidence") and entry["confidence"] not in CONFIDENCE:
            self.problem(oid, "confidence", "must be high, medium or low")
        for code in as_list(entry.get("languages")):
            if not LANGUAGE_CODES.match(code):
                self.problem(oid, "languages", f"use language codes like en, es: {code!r}")
        if len(str(entry.get("short_name") or "")) > SHORT_NAME_MAX:
            self.problem(oid, "short_name", f"longer than {SHORT_NAME_MAX} characters")
        verified = self._date(oid, entry.get("last_verified"))
        if entry.get("source_date") and not PARTIAL_DATE.match(str(entry["source_date"])):
            self.problem(oid, "source_date", f"not a date (2025, 2025-11 or 2025-11-03): "
                                             f"{entry['source_date']!r}")
        services = entry.get("services")
        if not isinstance(services, list) or not services:
            self.problem(oid, "services", "must list at least one service")
            services = []
        phone, _ = self._phone(oid, entry)
        self._zip(oid, entry)
        texts = self._texts(oid, entry, ORGANIZATION_TEXT)
        # Its services are checked even when it has problems, so every problem is listed.
        organization = Organization(
            id=oid, source=as_list(entry.get("source")), last_verified=verified,
            phone=phone, zip=str(entry.get("zip") or ""), website=str(entry.get("website") or ""),
            languages=as_list(entry.get("languages")),
            confirm_first=bool(entry.get("confirm_first")), **texts,
        )
        self.organizations.append(organization)
        for number, service in enumerate(services):
            self.service(organization, number, service)

    def service(self, organization: Organization, index: int, entry) -> None:
        if not isinstance(entry, dict):
            self.problem(f"{organization.id} service #{index + 1}", "-", "must be a mapping")
            return
        sid = str(entry.get("id") or f"{organization.id} service #{index + 1}")
        before = len(self.problems)
        self._common(sid, entry, SERVICE_KEYS, ("id", "name", "category", "kind", "access"))
        category, kind = entry.get("category"), entry.get("kind")
        if category and category not in RESOURCE_CATEGORIES:
            self.problem(sid, "category", f"unknown category {category!r}")
        elif kind and (kind not in self.kinds or self.kinds[kind].category != category):
            known = ", ".join(k.id for k in self.kinds.values() if k.category == category)
            self.problem(sid, "kind", f"{kind!r} is not a kind of {category} (one of: {known})")
        if entry.get("access") and entry["access"] not in ACCESS:
            self.problem(sid, "access", f"must be one of {', '.join(ACCESS)}")
        for gid in as_list(entry.get("guides")):
            if gid not in self.guides:
                self.problem(sid, "guides", f"no guide with id {gid!r}")
        self._sources(sid, entry)
        for area in as_list(entry.get("serves")):
            if area.isdigit() and self.gazetteer.locate_zip(area) is None:
                self.problem(sid, "serves", f"not an Alabama ZIP code: {area!r}")
            elif not area.isdigit() and self.gazetteer.locate_name(area) is None:
                self.problem(sid, "serves", f"unknown place {area!r}: use a ZIP or town")
        phone, _ = self._phone(sid, entry)
        if not phone and not organization.phone and entry.get("access") == "phone_line":
            self.problem(sid, "phone", "a phone line needs a phone number")
        hours = None
        if entry.get("hours"):
            try:
                hours = WeeklyHours(as_list(entry["hours"]))
            except HoursError as exc:
                self.problem(sid, "hours", str(exc))
        eligibility = self._eligibility(sid, entry.get("eligibility"))
        zip_location = self._zip(sid, entry)
        texts = self._texts(sid, entry, SERVICE_TEXT)
        if len(self.problems) > before:
            return
        service = Service(
            id=sid, organization=organization, name=texts["name"], category=category,
            kind=kind, access=entry["access"], name_es=str(entry.get("name_es") or ""),
            summary=texts["summary"], summary_es=str(entry.get("summary_es") or ""),
            own_phone=phone, own_phone_note=texts["phone_note"], own_address=texts["address"],
            own_city=texts["city"], own_zip=str(entry.get("zip") or ""), area=texts["area"],
            hours=hours, hours_note=texts["hours_note"],
            hours_note_es=str(entry.get("hours_note_es") or ""), eligibility=eligibility,
            eligibility_text=texts["eligibility_text"],
            eligibility_text_es=str(entry.get("eligibility_text_es") or ""),
            guides=as_list(entry.get("guides")),
            serves=frozenset(a.lower() for a in as_list(entry.get("serves"))),
        )
        service.location = zip_location or self._locate(service)
        self.services.append(service)

    def _common(self, eid: str, entry: dict, keys: set[str], required: tuple[str, ...]) -> None:
        """Unknown keys, missing required keys, duplicate ids, P.O. boxes as streets."""
        for key in sorted(set(entry) - keys):
            self.problem(eid, key, "unknown field")
        for key in required:
            if not entry.get(key):
                self.problem(eid, key, "required")
        if eid in self.seen:
            self.problem(eid, "id", "duplicate id (organizations and services share ids)")
        self.seen.add(eid)
        if PO_BOX.search(str(entry.get("address") or "")):
            self.problem(eid, "address", "a P.O. box is not a street: leave it out, set area")

    def _sources(self, eid: str, entry: dict) -> None:
        for source in as_list(entry.get("source")):
            if not (URL.match(source) or CITATION.match(source) and "://" not in source):
                self.problem(eid, "source", f"neither a web address (http...) nor a citation "
                                            f"(publication and date): {source!r}")

    def _phone(self, eid: str, entry: dict) -> tuple[str, str]:
        if not entry.get("phone"):
            return "", ""
        phone, extension = phones.with_extension(str(entry["phone"]))
        if not phone:
            self.problem(eid, "phone", f"not a valid US phone number: {entry['phone']!r}")
        elif extension:
            self.problem(eid, "phone", f"put the extension in phone_note: {entry['phone']!r}")
        return phone, extension

    def _zip(self, eid: str, entry: dict) -> Place | None:
        zip_code = str(entry.get("zip") or "")
        if not zip_code:
            return None
        location = self.gazetteer.locate_zip(zip_code)
        if location is None:
            self.problem(eid, "zip", f"not an Alabama ZIP code: {zip_code!r}")
        return location

    def _date(self, eid: str, value) -> dt.date | None:
        if not value or isinstance(value, dt.date):
            return value or None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(eid, "last_verified", f"not a date (YYYY-MM-DD): {value!r}")
            return None

    def _texts(self, eid: str, entry: dict, keys: tuple[str, ...]) -> dict[str, str]:
        texts = {key: fold_to_gsm7(str(entry.get(key) or "")).strip() for key in keys}
        for key, text in texts.items():
            if not is_gsm7(text):
                self.problem(eid, key, "has characters SMS cannot send cheaply (emoji?)")
        return texts

    def _eligibility(self, sid: str, rules) -> Eligibility:
        if rules is None:
            return Eligibility()
        if not isinstance(rules, dict):
            self.problem(sid, "eligibility", "must be a mapping such as {sex: men}")
            return Eligibility()
        stated = {}
        for key, value in rules.items():
            allowed = ELIGIBILITY_VALUES.get(key)
            if allowed is None:
                self.problem(sid, f"eligibility.{key}", "unknown rule (see docs/catalog.md)")
            elif isinstance(allowed, set):
                values = value if key == "insurance" else [value]
                if not isinstance(values, list) or any(v not in allowed for v in values):
                    self.problem(sid, f"eligibility.{key}",
                                 f"must be {' or '.join(sorted(allowed))}: {value!r}")
                else:
                    stated[key] = tuple(values) if key == "insurance" else value
            elif type(value) is not allowed:
                self.problem(sid, f"eligibility.{key}", f"must be a {allowed.__name__}: {value!r}")
            else:
                stated[key] = value
        return Eligibility(**stated)

    def _locate(self, service: Service) -> Place | None:
        """Where a service without a ZIP is: its area, else its city; None for statewide."""
        if service.area:
            # "West End (Tuscaloosa Avenue), Birmingham": the first part a place is known by.
            parts = re.split(r"[,/()]", service.area)
            for name in (service.area, *parts, *(p.replace("Downtown", "") for p in parts)):
                place = self.gazetteer.locate_name(name.strip()) if name.strip() else None
                if place:
                    return place
            return None
        if service.zip:
            return self.gazetteer.locate_zip(service.zip)
        return self.gazetteer.locate_name(service.city) if service.city else None
