"""The catalog: data/resources.yaml read and checked entry by entry, then queried by need."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .. import phones
from ..errors import CatalogError, HoursError
from ..text import fold_to_gsm7, is_gsm7
from .hours import WeeklyHours
from .model import ATTRIBUTES, RESOURCE_CATEGORIES, Guide, Resource
from .places import Gazetteer, Place
from .ranking import CategoryIndex

RESOURCE_KEYS = {
    "id", "name", "categories", "summary", "summary_es", "phone", "phone_note", "address",
    "city", "zip", "hours", "hours_note", "website", "eligibility", "eligibility_es",
    "attributes", "languages",
    "guides", "serves", "source", "source_date", "last_verified", "confidence", "confirm_first",
    "notes",
}
CONFIDENCE = {"high", "medium", "low"}
LANGUAGE_CODES = re.compile(r"^[a-z]{2,3}$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")
GUIDE_KEYS = {"id", "title", "title_es", "categories", "steps", "steps_es", "source",
              "last_verified", "notes"}
TEXT_FIELDS = ("name", "summary", "phone_note", "address", "city", "hours_note", "eligibility")


def as_list(value) -> list[str]:
    """A YAML value that may be one item or a list, as a list of strings."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class Catalog:
    """All resources and guides, checked at load and indexed by category."""

    def __init__(self, resources: list[Resource], guides: dict[str, Guide]):
        self.resources = {r.id: r for r in resources}
        self.guides = guides
        self.indexes = {
            category: CategoryIndex(r for r in resources if category in r.categories)
            for category in RESOURCE_CATEGORIES
        }

    def nearest(
        self, category: str, near: Place | None, now: dt.datetime, limit: int = 3,
        skip: int = 0, wants: tuple[str, ...] = (),
    ) -> list[Resource]:
        """Resources of a category ranked by distance, open now, and what the person wants."""
        index = self.indexes.get(category)
        return index.rank(near, now, limit, skip, wants) if index else []

    def guides_for(self, resource: Resource) -> list[Guide]:
        """Guides a resource links to."""
        return [self.guides[g] for g in resource.guides if g in self.guides]

    def guides_for_category(self, category: str) -> list[Guide]:
        """Guides that belong to a need category."""
        return [g for g in self.guides.values() if category in g.categories]


def load_catalog(path: Path, gazetteer: Gazetteer) -> Catalog:
    """Read and check the catalog; raise CatalogError listing every problem found."""
    path = Path(path)
    problems: list[tuple[str, str, str]] = []
    try:
        # libyaml's parser when present: a 211-sized catalog loads in seconds, not a minute.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(path, [("(file)", "-", f"cannot read: {exc}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise CatalogError(path, [("(file)", "resources", "must be a list of entries")])
    guides = _load_guides(data.get("guides") or [], problems)
    resources: list[Resource] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["resources"]):
        resource = _load_resource(index, entry, seen, guides, gazetteer, problems)
        if resource:
            resources.append(resource)
    if problems:
        raise CatalogError(path, problems)
    return Catalog(resources, guides)


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


def _load_resource(index, entry, seen, guides, gazetteer, problems) -> Resource | None:
    if not isinstance(entry, dict):
        problems.append((f"resource #{index + 1}", "-", "must be a mapping"))
        return None
    rid = str(entry.get("id") or f"resource #{index + 1}")
    before = len(problems)
    for key in sorted(set(entry) - RESOURCE_KEYS):
        problems.append((rid, key, "unknown field"))
    for key in ("id", "name", "categories", "source", "last_verified"):
        if not entry.get(key):
            problems.append((rid, key, "required"))
    if rid in seen:
        problems.append((rid, "id", "duplicate id"))
    seen.add(rid)
    categories = as_list(entry.get("categories"))
    for category in categories:
        if category not in RESOURCE_CATEGORIES:
            problems.append((rid, "categories", f"unknown category {category!r}"))
    for attribute in as_list(entry.get("attributes")):
        if attribute not in ATTRIBUTES:
            problems.append((rid, "attributes", f"unknown attribute {attribute!r}"))
    for gid in as_list(entry.get("guides")):
        if gid not in guides:
            problems.append((rid, "guides", f"no guide with id {gid!r}"))
    for url in as_list(entry.get("source")) + as_list(entry.get("website")):
        if not URL.match(url):
            problems.append((rid, "source" if url in as_list(entry.get("source")) else "website",
                             f"not a web address (http...): {url!r}"))
    if entry.get("confidence") and entry["confidence"] not in CONFIDENCE:
        problems.append((rid, "confidence", "must be high, medium or low"))
    for code in as_list(entry.get("languages")):
        if not LANGUAGE_CODES.match(code):
            problems.append((rid, "languages", f"use language codes like en, es: {code!r}"))
    for area in as_list(entry.get("serves")):
        if area.isdigit() and gazetteer.locate_zip(area) is None:
            problems.append((rid, "serves", f"not an Alabama ZIP code: {area!r}"))
        elif not area.isdigit() and gazetteer.locate_name(area) is None:
            problems.append((rid, "serves", f"unknown place {area!r}: use a ZIP or town"))
    phone = ""
    if entry.get("phone"):
        phone, extension = phones.with_extension(str(entry["phone"]))
        if not phone:
            problems.append((rid, "phone", f"not a valid US phone number: {entry['phone']!r}"))
        elif extension:
            problems.append((rid, "phone", f"put the extension in phone_note: {entry['phone']!r}"))
    zip_code = str(entry.get("zip") or "")
    location = None
    if zip_code:
        location = gazetteer.locate_zip(zip_code)
        if location is None:
            problems.append((rid, "zip", f"not an Alabama ZIP code: {zip_code!r}"))
    elif entry.get("city"):
        location = gazetteer.locate_name(str(entry["city"]))
    hours = None
    if entry.get("hours"):
        try:
            hours = WeeklyHours(as_list(entry["hours"]))
        except HoursError as exc:
            problems.append((rid, "hours", str(exc)))
    verified = entry.get("last_verified")
    if verified and not isinstance(verified, dt.date):
        try:
            verified = dt.date.fromisoformat(str(verified))
        except ValueError:
            problems.append((rid, "last_verified", f"not a date (YYYY-MM-DD): {verified!r}"))
    texts = {key: fold_to_gsm7(str(entry.get(key) or "")).strip() for key in TEXT_FIELDS}
    for key, text in texts.items():
        if not is_gsm7(text):
            problems.append((rid, key, "has characters SMS cannot send cheaply (emoji?)"))
    if len(problems) > before:
        return None
    return Resource(
        id=rid,
        categories=categories,
        source=as_list(entry.get("source")),
        last_verified=verified,
        summary_es=str(entry.get("summary_es") or ""),
        eligibility_es=str(entry.get("eligibility_es") or ""),
        phone=phone,
        zip=zip_code,
        hours=hours,
        website=str(entry.get("website") or ""),
        attributes=as_list(entry.get("attributes")),
        languages=as_list(entry.get("languages")),
        guides=as_list(entry.get("guides")),
        confirm_first=bool(entry.get("confirm_first")),
        serves=frozenset(a.lower() for a in as_list(entry.get("serves"))),
        location=location,
        **texts,
    )
