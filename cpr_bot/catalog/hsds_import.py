"""Read Open Referral HSDS 3.0 JSON tables (ours, or a 211's export) into catalog entries."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import phones
from .hours import format_lines, week, week_of
from .hsds_tables import DAY_CODES, LANGUAGE_NAMES, TABLES, table_id
from .model import ATTRIBUTES, RESOURCE_CATEGORIES
from .resources import as_list

_LANGUAGE_CODES = {
    **{name.lower(): code for code, name in LANGUAGE_NAMES.items()},
    "eng": "en", "spa": "es", "spanish; castilian": "es", "sign language": "asl",
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$")

# Foreign taxonomy term names (normalized: lower case, words joined by "_") that mean a category.
_CATEGORY_SYNONYMS = {
    "food": ["food_pantry", "food_pantries", "meal", "meals", "free_meals", "soup_kitchen",
             "soup_kitchens", "groceries", "emergency_food", "food_assistance", "food_bank"],
    "clothing": ["clothes", "clothing_closet", "clothing_closets"],
    "shelter": ["shelters", "housing", "emergency_shelter", "homeless_shelter",
                "homeless_shelters", "transitional_housing", "housing_shelter"],
    "id": ["identification", "id_documents", "identification_documents",
           "identification_cards", "vital_records", "id_cards"],
    "mentoring": ["mentorship", "mentors", "mentor"],
    "medical": ["medical_care", "health_care", "healthcare", "primary_care", "medical_clinic",
                "medical_clinics"],
    "dental": ["dental_care", "dentist", "dentists"],
    "substance_use": ["substance_abuse", "substance_use_disorder", "substance_use_treatment",
                      "addiction", "addiction_recovery", "drug_treatment", "detox",
                      "detoxification", "alcohol_and_drug", "recovery"],
    "mental_health": ["mental_health_care", "counseling", "behavioral_health"],
    "jobs": ["job", "employment", "job_training", "job_search", "workforce_development",
             "job_placement"],
    "education": ["ged", "adult_education", "literacy", "ged_hse"],
    "family": ["family_support", "parenting", "family_reunification"],
    "legal": ["legal_aid", "legal_assistance", "expungement"],
    "transportation": ["transit", "bus_passes", "rides"],
    "crisis": ["crisis_intervention", "crisis_hotline", "crisis_hotlines", "crisis_line",
               "suicide_prevention"],
}
_ATTRIBUTE_SYNONYMS = {
    "records_ok": ["criminal_records_ok", "criminal_record_ok", "ex_offenders", "ex_offender",
                   "formerly_incarcerated", "justice_involved"],
    "no_id_needed": ["no_id_required", "id_not_required"],
    "walk_in": ["walk_ins", "walk_in_welcome", "walk_ins_welcome", "no_appointment_needed"],
    "free": ["no_cost", "free_of_charge"],
    "women_only": ["women", "women_only_service"],
    "men_only": ["men", "men_only_service"],
    "sober_required": ["sobriety_required"],
    "appointment_needed": ["appointment_required", "by_appointment", "appointment_only",
                           "appointments_required"],
}
_DROP_SUFFIXES = ("services", "service", "programs", "program", "assistance", "help", "support")


def _hhmm(text: str) -> str | None:
    """An HSDS time of day ("09:00", "09:00:00", "09:00Z") as HH:MM, or None."""
    match = _TIME.match(str(text).strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}"


_FILE_NAMES = {
    "organization": ["organizations"], "service": ["services"], "location": ["locations"],
    "address": ["addresses"], "phone": ["phones"], "schedule": ["schedules"],
    "service_at_location": ["service_at_locations", "services_at_location",
                            "services_at_locations"],
    "taxonomy": ["taxonomies"], "taxonomy_term": ["taxonomy_terms"], "attribute": ["attributes"],
    "language": ["languages"], "service_area": ["service_areas"],
}


def _read_table(directory: Path, name: str) -> list[dict]:
    for stem in [name, *_FILE_NAMES.get(name, [])]:
        path = directory / f"{stem}.json"
        if path.exists():
            rows = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(rows, dict):  # {"contents": [...]} as some APIs page results
                rows = rows.get("contents") or rows.get("data") or []
            return [row for row in rows if isinstance(row, dict)]
    return []


def _flatten(tables: dict[str, list[dict]]) -> None:
    """Move objects nested the HSDS API way (service.phones...) into their own tables."""
    def add(table: str, row: dict, **links: str) -> None:
        if not isinstance(row, dict):
            return
        for key, value in links.items():
            if value and not row.get(key):
                row[key] = value
        tables[table].append(row)
        rid = row.get("id")
        nested = {"phones": "phone", "schedules": "schedule", "languages": "language",
                  "service_areas": "service_area", "addresses": "address",
                  "attributes": "attribute", "service_at_locations": "service_at_location"}
        owner = {"service": "service_id", "location": "location_id",
                 "service_at_location": "service_at_location_id"}.get(table)
        for key, child_table in nested.items():
            for child in row.pop(key, None) or []:
                if child_table == "attribute":
                    term = child.pop("taxonomy_term", None) if isinstance(child, dict) else None
                    if isinstance(term, dict):
                        taxonomy = term.pop("taxonomy_detail", None)
                        if isinstance(taxonomy, dict):
                            add("taxonomy", taxonomy)
                        add("taxonomy_term", term)
                    add("attribute", child, link_id=rid, link_entity=table,
                        taxonomy_term_id=(term or {}).get("id"))
                elif owner:
                    add(child_table, child, **{owner: rid})
                else:
                    add(child_table, child)
        if table == "service" and isinstance(row.get("organization"), dict):
            organization = row.pop("organization")
            add("organization", organization)
            row.setdefault("organization_id", organization.get("id"))
        if table == "service_at_location" and isinstance(row.get("location"), dict):
            location = row.pop("location")
            add("location", location)
            row.setdefault("location_id", location.get("id"))

    for table in ("service", "location", "service_at_location", "organization"):
        rows, tables[table] = tables[table], []
        for row in rows:
            add(table, row)
    for table in tables:  # the same row may now be there twice: keep the first
        seen: set = set()
        unique = []
        for row in tables[table]:
            key = row.get("id") or id(row)
            if key not in seen:
                seen.add(key)
                unique.append(row)
        tables[table] = unique


def _norm(text) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").lower()).strip("_")


def _lookup(vocabulary: list[str], synonyms: dict[str, list[str]]) -> dict[str, str]:
    table = {value: value for value in vocabulary}
    for value, words in synonyms.items():
        table.update({word: value for word in words})
    return table


_CATEGORY_WORDS = _lookup(list(RESOURCE_CATEGORIES), _CATEGORY_SYNONYMS)
_ATTRIBUTE_WORDS = _lookup(list(ATTRIBUTES), _ATTRIBUTE_SYNONYMS)


def _match(words: dict[str, str], *texts) -> str | None:
    for text in texts:
        key = _norm(text)
        candidates = [key]
        parts = key.split("_")
        while len(parts) > 1 and parts[-1] in _DROP_SUFFIXES:
            parts = parts[:-1]
            candidates.append("_".join(parts))
        candidates += [c[:-1] for c in candidates if c.endswith("s")]
        for candidate in candidates:
            if candidate in words:
                return words[candidate]
    return None


def _text(row: dict | None, key: str) -> str | None:
    value = (row or {}).get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _date(value) -> str | None:
    match = re.match(r"^\d{4}-\d{2}-\d{2}", str(value or "").strip())
    return match[0] if match else None


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug or "service"


class Importer:
    """Reads one directory of HSDS tables into our resource dicts."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = {name: list(tables.get(name) or []) for name in TABLES}
        _flatten(self.tables)
        self.by_id = {name: {r.get("id"): r for r in rows if r.get("id")}
                      for name, rows in self.tables.items()}
        self.own_taxonomies = {table_id("taxonomy", "category"): "categories",
                               table_id("taxonomy", "attribute"): "attributes"}
        self.report: dict = {"services": 0, "imported": 0, "skipped": [], "dropped_terms": [],
                             "warnings": []}
        self.used_ids: set[str] = set()
        self.index: dict[tuple[str, str], dict] = {}

    def rows(self, table: str, key: str, values) -> list[dict]:
        """Rows of a table whose key is one of values, in file order."""
        if (table, key) not in self.index:
            found: dict = {}
            for position, row in enumerate(self.tables[table]):
                if isinstance(row.get(key), str | int):
                    found.setdefault(row[key], []).append((position, row))
            self.index[(table, key)] = found
        found = self.index[(table, key)]
        hits = [hit for value in dict.fromkeys(v for v in values if v) for hit in
                found.get(value, [])]
        return [row for _, row in sorted(hits, key=lambda hit: hit[0])]

    def warn(self, name: str, text: str) -> None:
        self.report["warnings"].append(f"{name}: {text}")

    def terms(self, service: dict) -> tuple[list[str], list[str], list[str]]:
        """(categories, attributes, unrecognised term names) from the service's attributes."""
        categories: list[str] = []
        attributes: list[str] = []
        unknown: list[str] = []
        links = [row for row in self.rows("attribute", "link_id", [service.get("id")])
                 if row.get("link_entity") in (None, "", "service")]
        for link in links:
            term = self.by_id["taxonomy_term"].get(link.get("taxonomy_term_id"))
            if term is None:
                continue
            own = self.own_taxonomies.get(term.get("taxonomy_id"))
            if own == "categories" and _text(term, "code"):
                categories.append(term["code"])
                continue
            if own == "attributes" and _text(term, "code"):
                attributes.append(term["code"])
                continue
            category = attribute = None
            seen: set = set()
            node = term
            while node is not None and node.get("id") not in seen and not (category or attribute):
                seen.add(node.get("id"))
                category = _match(_CATEGORY_WORDS, node.get("name"), node.get("code"))
                attribute = _match(_ATTRIBUTE_WORDS, node.get("name"), node.get("code"))
                node = self.by_id["taxonomy_term"].get(node.get("parent_id"))
            if category:
                categories.append(category)
            if attribute:
                attributes.append(attribute)
            if not (category or attribute):
                unknown.append(str(term.get("name") or term.get("code") or term.get("id")))
        return list(dict.fromkeys(categories)), list(dict.fromkeys(attributes)), unknown

    def locations(self, service: dict) -> tuple[list[dict], list[dict]]:
        links = self.rows("service_at_location", "service_id", [service.get("id")])
        locations = [self.by_id["location"][link["location_id"]] for link in links
                     if link.get("location_id") in self.by_id["location"]]
        return links, locations

    def address(self, locations: list[dict]) -> dict | None:
        candidates = self.rows("address", "location_id", [loc.get("id") for loc in locations])
        candidates.sort(key=lambda a: {"physical": 0, None: 1}.get(a.get("address_type"), 2))
        return candidates[0] if candidates else None

    def phone(self, service: dict, links: list[dict], locations: list[dict]):
        groups = [
            self.rows("phone", "service_id", [service.get("id")]),
            self.rows("phone", "service_at_location_id", [link.get("id") for link in links]),
            self.rows("phone", "location_id", [loc.get("id") for loc in locations]),
            self.rows("phone", "organization_id", [service.get("organization_id")]),
        ]
        for group in groups:
            group = sorted(group, key=lambda p: 0 if p.get("type") in (None, "", "voice") else 1)
            for phone in group:
                number, extension = phones.with_extension(phone.get("number"))
                if number is None:
                    self.warn(str(service.get("name")), f"unusable phone {phone.get('number')!r}")
                    continue
                if phone.get("extension") not in (None, ""):
                    extension = str(phone["extension"]).removesuffix(".0")
                return number, extension, _text(phone, "description")
        return None, None, None

    def hours(self, service: dict, links: list[dict], locations: list[dict]):
        """(hours lines, free text about hours that could not be turned into lines)."""
        groups = [
            self.rows("schedule", "service_id", [service.get("id")]),
            self.rows("schedule", "service_at_location_id", [link.get("id") for link in links]),
            self.rows("schedule", "location_id", [loc.get("id") for loc in locations]),
        ]
        schedules = next((group for group in groups if group), [])
        rows: list[tuple[list[int], str, str]] = []
        texts: list[str] = []
        for schedule in schedules:
            parsed = self.schedule(schedule)
            if parsed:
                rows.append(parsed)
            else:
                text = _text(schedule, "description") or _text(schedule, "notes")
                if text:
                    texts.append(text)
        return (format_lines(week_of(rows)) if rows else None), texts

    @staticmethod
    def schedule(row: dict) -> tuple[list[int], str, str] | None:
        freq = str(row.get("freq") or "WEEKLY").upper()
        if freq != "WEEKLY" or str(row.get("interval") or 1) not in ("1", "1.0"):
            return None
        codes = [c.strip().upper() for c in str(row.get("byday") or "").split(",") if c.strip()]
        if not codes or any(c not in DAY_CODES for c in codes):
            return None
        days = sorted({DAY_CODES.index(c) for c in codes})
        opens, closes = _hhmm(row.get("opens_at") or ""), _hhmm(row.get("closes_at") or "")
        if (opens is None or closes is None) and len(days) == 7:
            text = f"{row.get('description') or ''} {row.get('notes') or ''}".lower()
            if re.search(r"24\s*(hours|hrs|/\s*7)", text):
                return days, "00:00", "23:59"
        if opens is None or closes is None:
            return None
        return days, opens, closes

    def resource(self, service: dict) -> dict | None:
        name = _text(service, "name")
        label = name or str(service.get("id"))
        status = str(service.get("status") or "active").lower()
        if not name:
            return self.skip(service, label, "no name")
        if status in ("inactive", "defunct"):
            return self.skip(service, label, f"status {status}")
        extension = service.get("x_cpr") if isinstance(service.get("x_cpr"), dict) else None
        categories, attributes, unknown = self.terms(service)
        if extension is None:
            self.report["dropped_terms"].extend(unknown)
            if not categories:
                why = f"no recognised category (terms: {', '.join(unknown) or 'none'})"
                return self.skip(service, label, why)
        org = self.by_id["organization"].get(service.get("organization_id"))
        entry: dict = {"name": name, "categories": categories}
        put = {"summary": _text(service, "description") or _text(org, "description"),
               "website": _text(service, "url") or _text(org, "website"),
               "eligibility": _text(service, "eligibility_description"),
               "last_verified": _date(service.get("assured_date"))}
        links, locations = self.locations(service)
        address = self.address(locations)
        if address:
            street = ", ".join(filter(None, (_text(address, "address_1"),
                                             _text(address, "address_2"))))
            zip_match = re.match(r"^\d{5}(?:-\d{4})?", _text(address, "postal_code") or "")
            put.update(address=street or None, city=_text(address, "city"),
                       zip=zip_match[0] if zip_match else None)
        number, ext, note = self.phone(service, links, locations)
        if ext:
            note = f"{note}; ext. {ext}" if note else f"ext. {ext}"
        put.update(phone=number, phone_note=note)
        hours, hour_texts = self.hours(service, links, locations)
        put["hours"] = hours
        if attributes:
            put["attributes"] = attributes
        codes = []
        for row in self.rows("language", "service_id", [service.get("id")]):
            code = _text(row, "code") or _LANGUAGE_CODES.get(str(row.get("name") or "").lower())
            if code:
                codes.append(code.lower() if extension is None else code)
        put["languages"] = list(dict.fromkeys(codes)) or None
        areas = [_text(row, "name") for row in
                 self.rows("service_area", "service_id", [service.get("id")])]
        if extension is None:
            areas = [a for a in areas if a and not re.search(r"(?i)county|state|nation", a)]
        put["serves"] = [a for a in areas if a] or None
        entry.update({k: v for k, v in put.items() if v is not None})
        if extension is not None:
            return self.own(entry, extension)
        if hour_texts:
            entry["hours_note"] = "; ".join(dict.fromkeys(hour_texts))
        org_name = _text(org, "name")
        if org_name and org_name.lower() not in name.lower():
            entry["notes"] = f"Provided by {org_name}."
        if status == "temporarily closed":
            entry["notes"] = f"{entry.get('notes', '')} Marked temporarily closed.".strip()
        entry["id"] = self.new_id(name)
        return entry

    def own(self, entry: dict, extension: dict) -> dict:
        """Our own export: x_cpr restores what HSDS has no field for, and our spelling."""
        extension = dict(extension)
        ours = extension.get("phone")
        if ours and phones.with_extension(ours)[0] == entry.get("phone"):
            entry["phone"] = extension.pop("phone")
        extension.pop("phone", None)
        if "hours" in extension:
            lines = as_list(extension.pop("hours"))
            if week(lines) == week(entry.get("hours", [])):
                entry["hours"] = lines
        for key in ("categories", "attributes", "languages", "serves"):
            if key in extension and set(as_list(extension[key])) == set(entry.get(key, [])):
                entry[key] = extension[key]
            extension.pop(key, None)
        for key in ("name", "summary", "website", "eligibility", "address", "city", "zip",
                    "phone_note", "last_verified"):
            if key in extension and (key not in entry  # HSDS had nowhere to put it
                                     or str(extension[key]).strip() == entry[key]):
                entry[key] = extension[key]
            extension.pop(key, None)
        for key in extension.pop("_absent", []):
            entry.pop(key, None)
        entry.update(extension)
        self.used_ids.add(str(entry["id"]))
        return entry

    def new_id(self, name: str) -> str:
        base = _slug(name)
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate, number = f"{base}-{number}", number + 1
        self.used_ids.add(candidate)
        return candidate

    def skip(self, service: dict, label: str, reason: str) -> None:
        self.report["skipped"].append({"id": service.get("id"), "name": label, "reason": reason})
        return None

    def run(self, directory: Path, source: str | None) -> dict:
        """Import every service; add the catalog extras kept in datapackage.json."""
        services = self.tables["service"]
        self.report["services"] = len(services)
        for service in services:  # reserve our own ids first so new slugs never collide
            extension = service.get("x_cpr")
            if isinstance(extension, dict) and extension.get("id"):
                self.used_ids.add(str(extension["id"]))
        resources = []
        for service in services:
            entry = self.resource(service)
            if entry is None:
                continue
            if source and "source" not in entry:
                entry["source"] = source
            resources.append(entry)
        self.report["imported"] = len(resources)
        self.report["dropped_terms"] = sorted(set(self.report["dropped_terms"]))
        result: dict = {}
        package_path = directory / "datapackage.json"
        if package_path.exists():
            package = json.loads(package_path.read_text(encoding="utf-8"))
            extension = package.get("x_cpr") if isinstance(package, dict) else None
            if isinstance(extension, dict) and isinstance(extension.get("catalog"), dict):
                result.update(extension["catalog"])
            elif not source and isinstance(package, dict):
                paths = [s.get("path") for s in package.get("sources") or []
                         if isinstance(s, dict) and s.get("path")]
                for entry in resources:
                    if paths and "source" not in entry:
                        entry["source"] = paths[0] if len(paths) == 1 else paths
        result["resources"] = resources
        result["import_report"] = self.report
        return result


def import_hsds(directory: Path, source: str | None = None) -> dict:
    """Read HSDS 3.0 JSON tables into our catalog dict; "import_report" lists what was skipped."""
    directory = Path(directory)
    tables = {name: _read_table(directory, name) for name in TABLES}
    return Importer(tables).run(directory, source)
