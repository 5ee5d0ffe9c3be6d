"""Read Open Referral HSDS 3.0 JSON tables (ours, or a 211's export) into catalog organizations,
each with its services (see hsds_tables)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import phones
from .hours import format_lines, week, week_of
from .hsds_tables import (
    AGE_FIELDS,
    DAY_CODES,
    ELIGIBILITY_RULES,
    ELIGIBILITY_TAXONOMY,
    LANGUAGE_NAMES,
    LIST_RULES,
    NEEDS_TAXONOMY,
    ORGANIZATION_KEYS,
    SERVICE_KEYS,
    TABLES,
    as_list,
    load_kinds,
    ordered,
    table_id,
    taxonomy_id,
)

_LANGUAGE_CODES = {
    **{name.lower(): code for code, name in LANGUAGE_NAMES.items()},
    "eng": "en", "spa": "es", "spanish; castilian": "es", "sign language": "asl",
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
# What the catalog check requires and foreign data may not give: the import report lists them.
_REQUIRED = {"organization": ("id", "name", "source", "last_verified"),
             "service": ("id", "name", "category", "kind", "access")}

# Foreign taxonomy term names (normalized: lower case, words joined by "_") that name one of our
# kinds, besides the kind's id and English label; a kind gives its category.
_KIND_SYNONYMS = {
    "pantry": ["food_pantry", "food_pantries", "pantries"],
    "hot_meal": ["meal", "meals", "hot_meals", "free_meals", "soup_kitchen", "soup_kitchens"],
    "clothes_closet": ["clothes_closets", "clothing_closet", "clothing_closets"],
    "emergency_bed": ["emergency_shelter", "homeless_shelter", "homeless_shelters"],
    "transitional": ["transitional_housing"],
    "detox": ["detoxification"],
    "adult_ed_ged": ["ged", "ged_hse", "adult_education"],
    "legal_aid": ["legal_assistance"],
    "expungement_help": ["expungement"],
    "bus_pass_help": ["bus_passes"],
    "crisis_line": ["crisis_hotline", "crisis_hotlines", "suicide_prevention"],
}
# The same for a need category, when no kind is named.
_CATEGORY_SYNONYMS = {
    "food": ["groceries", "emergency_food", "food_assistance", "food_bank"],
    "clothing": ["clothes"],
    "shelter": ["shelters", "housing", "housing_shelter"],
    "id": ["identification", "id_documents", "identification_documents",
           "identification_cards", "vital_records", "id_cards"],
    "mentoring": ["mentorship", "mentors", "mentor"],
    "medical": ["medical_care", "health_care", "healthcare", "primary_care", "medical_clinic",
                "medical_clinics"],
    "dental": ["dental_care", "dentist", "dentists"],
    "substance_use": ["substance_abuse", "substance_use_disorder", "substance_use_treatment",
                      "addiction", "addiction_recovery", "drug_treatment", "alcohol_and_drug",
                      "recovery"],
    "mental_health": ["mental_health_care", "behavioral_health"],
    "jobs": ["job", "employment", "job_search", "workforce_development", "job_placement"],
    "education": ["literacy"],
    "family": ["family_support", "family_reunification"],
    "crisis": ["crisis_intervention"],
}
# Foreign term names that state how to get in or who a service is for: (key, value).
_FACT_SYNONYMS = {
    ("access", "walk_in"): ["walk_in", "walk_ins", "walk_in_welcome", "walk_ins_welcome",
                            "no_appointment_needed"],
    ("access", "appointment"): ["appointment_needed", "appointment_required", "by_appointment",
                                "appointment_only", "appointments_required"],
    ("records_ok", True): ["records_ok", "criminal_records_ok", "criminal_record_ok",
                           "ex_offenders", "ex_offender", "formerly_incarcerated",
                           "justice_involved"],
    ("id_required", False): ["no_id_needed", "no_id_required", "id_not_required"],
    ("cost", "free"): ["free", "no_cost", "free_of_charge"],
    ("sex", "women"): ["women", "women_only", "women_only_service"],
    ("sex", "men"): ["men", "men_only", "men_only_service"],
    ("sober_required", True): ["sober_required", "sobriety_required"],
}
_FACT_WORDS = {word: fact for fact, words in _FACT_SYNONYMS.items() for word in words}
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
    "required_document": ["required_documents"], "cost_option": ["cost_options"],
}
# Objects the HSDS API nests in a row, and the table each belongs in.
_NESTED = {
    "phones": "phone", "schedules": "schedule", "languages": "language",
    "service_areas": "service_area", "addresses": "address", "attributes": "attribute",
    "service_at_locations": "service_at_location", "locations": "location",
    "required_documents": "required_document", "cost_options": "cost_option",
}
_OWNER_KEYS = {"service": "service_id", "location": "location_id",
               "service_at_location": "service_at_location_id", "organization": "organization_id"}


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
        owner = _OWNER_KEYS.get(table)
        for key, child_table in _NESTED.items():
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
    """A term name as a lookup key: "Walk-In" -> "walk_in"."""
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").lower()).strip("_")


def _vocabularies(kinds: dict[str, dict[str, dict]]) -> tuple[dict, dict]:
    """Normalized words -> (category, kind), and words -> category."""
    kind_words: dict[str, tuple[str, str]] = {}
    for category, entries in kinds.items():
        for kind, labels in (entries or {}).items():
            for word in [kind, (labels or {}).get("en"), *_KIND_SYNONYMS.get(kind, [])]:
                if _norm(word):
                    kind_words.setdefault(_norm(word), (category, kind))
    category_words = {category: category for category in kinds}
    for category, words in _CATEGORY_SYNONYMS.items():
        category_words.update({word: category for word in words})
    return kind_words, category_words


def _match(words: dict, *texts):
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
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:60].strip("-") or "entry"


def _value(text: str):
    """An eligibility term's value as the catalog spells it: true, 18, "men"."""
    if text in ("true", "false"):
        return text == "true"
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _number(value):
    """18 from 18, 18.0 or "18"; None if it is not a whole number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _cost(row: dict) -> str | None:
    """free, sliding_scale, fee or private_pay from a cost_option row, or None if it does not
    say."""
    text = f"{row.get('option') or ''} {row.get('amount_description') or ''}".lower()
    amount = _number(row.get("amount"))
    if "sliding" in text:
        return "sliding_scale"
    if re.search(r"\bself[- ]pay\b|\bprivate pay\b", text):
        return "private_pay"
    if amount == 0 or re.search(r"\bfree\b|\bno (cost|charge|fee)", text):
        return "free"
    if amount or re.search(r"\bfees?\b|\bcharged?\b", text):
        return "fee"
    return None


def _extension(row: dict) -> dict | None:
    """Our x_cpr object, if the row is from our own export."""
    extension = row.get("x_cpr")
    return extension if isinstance(extension, dict) and extension.get("id") else None


def _agrees(key: str, ours, theirs) -> bool:
    """Whether our spelling kept in x_cpr says what the standard fields say (else they were
    edited after the export, and the edit wins)."""
    if key == "phone":
        return phones.with_extension(ours)[0] == theirs or str(ours).strip() == theirs
    if key == "hours":
        return week(as_list(ours)) == week(as_list(theirs))
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return set(ours) >= set(theirs) and all(_agrees(k, v, theirs[k])
                                                for k, v in ours.items() if k in theirs)
    if isinstance(ours, list) or isinstance(theirs, list):  # one item or a list of it
        return set(map(str, as_list(ours))) == set(map(str, as_list(theirs)))
    return str(ours).strip() == str(theirs).strip()


class Importer:
    """Reads one directory of HSDS tables into our organizations and services."""

    def __init__(self, tables: dict[str, list[dict]], kinds: dict | None = None):
        self.tables = {name: list(tables.get(name) or []) for name in TABLES}
        _flatten(self.tables)
        self.by_id = {name: {r.get("id"): r for r in rows if r.get("id")}
                      for name, rows in self.tables.items()}
        self.kinds = load_kinds() if kinds is None else kinds
        self.kind_words, self.category_words = _vocabularies(self.kinds)
        self.needs_taxonomy = taxonomy_id(NEEDS_TAXONOMY)
        self.rules_taxonomy = taxonomy_id(ELIGIBILITY_TAXONOMY)
        self.report: dict = {
            "organizations": 0, "services": 0, "imported_organizations": 0,
            "imported_services": 0, "skipped": [], "incomplete": [], "dropped_terms": [],
            "warnings": [],
        }
        self.source = None
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

    def foreign_term(self, term: dict) -> tuple[tuple | None, tuple | None]:
        """((category, kind or None), fact) a foreign term or its nearest parent names."""
        seen: set = set()
        node = term
        while node is not None and node.get("id") not in seen:
            seen.add(node.get("id"))
            texts = (node.get("name"), node.get("code"))
            need = _match(self.kind_words, *texts)
            if need is None and (category := _match(self.category_words, *texts)):
                need = (category, None)
            fact = _match(_FACT_WORDS, *texts)
            if need or fact:
                return need, fact
            node = self.by_id["taxonomy_term"].get(node.get("parent_id"))
        return None, None

    def terms(self, service: dict) -> tuple[list[tuple], list[tuple], list[str]]:
        """What the service's taxonomy terms say: [(category, kind or None)], [(key, value)]
        for access and eligibility, and the names of terms that say nothing we know."""
        needs: list[tuple] = []
        facts: list[tuple] = []
        unknown: list[str] = []
        links = [row for row in self.rows("attribute", "link_id", [service.get("id")])
                 if row.get("link_entity") in (None, "", "service")]
        for link in links:
            term = self.by_id["taxonomy_term"].get(link.get("taxonomy_term_id"))
            if term is None:
                continue
            code = _text(term, "code") or ""
            if term.get("taxonomy_id") == self.rules_taxonomy and ":" in code:
                key, value = code.split(":", 1)
                facts.append((key, _value(value)))
            elif term.get("taxonomy_id") == self.needs_taxonomy and code:
                parent = self.by_id["taxonomy_term"].get(term.get("parent_id"))
                needs.append((parent["code"], code) if parent else (code, None))
            else:
                need, fact = self.foreign_term(term)
                needs += [need] if need else []
                facts += [fact] if fact else []
                if not (need or fact):
                    unknown.append(str(term.get("name") or term.get("code") or term.get("id")))
        return needs, facts, unknown

    def locations(self, service: dict) -> tuple[list[dict], list[dict]]:
        """The service's service_at_location rows and the locations they name."""
        links = self.rows("service_at_location", "service_id", [service.get("id")])
        locations = [self.by_id["location"][link["location_id"]] for link in links
                     if link.get("location_id") in self.by_id["location"]]
        return links, locations

    def address(self, locations: list[dict]) -> dict:
        """address, city and zip of the first physical address of these locations."""
        candidates = self.rows("address", "location_id", [loc.get("id") for loc in locations])
        candidates.sort(key=lambda a: {"physical": 0, None: 1}.get(a.get("address_type"), 2))
        if not candidates:
            return {}
        found = candidates[0]
        street = ", ".join(filter(None, (_text(found, "address_1"), _text(found, "address_2"))))
        zip_match = re.match(r"^\d{5}(?:-\d{4})?", _text(found, "postal_code") or "")
        return {"address": street or None, "city": _text(found, "city"),
                "zip": zip_match[0] if zip_match else None}

    def phone(self, label: str, groups: list[list[dict]]) -> dict:
        """phone and phone_note from the first usable number of the first group that has one."""
        for group in groups:
            group = sorted(group, key=lambda p: 0 if p.get("type") in (None, "", "voice") else 1)
            for phone in group:
                number, extension = phones.with_extension(phone.get("number"))
                if number is None:
                    self.warn(label, f"unusable phone {phone.get('number')!r}")
                    continue
                if phone.get("extension") not in (None, ""):
                    extension = str(phone["extension"]).removesuffix(".0")
                note = _text(phone, "description")
                if extension:
                    note = f"{note}; ext. {extension}" if note else f"ext. {extension}"
                return {"phone": number, "phone_note": note}
        return {}

    def hours(self, service: dict, links: list[dict], locations: list[dict]) -> dict:
        """hours lines, and hours_note from schedule notes and schedules no line can hold."""
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
                texts += [_text(schedule, "notes")]
            else:
                texts += [_text(schedule, "description") or _text(schedule, "notes")]
        notes = list(dict.fromkeys(text for text in texts if text))
        return {"hours": format_lines(week_of(rows)) if rows else None,
                "hours_note": "; ".join(notes) or None}

    @staticmethod
    def schedule(row: dict) -> tuple[list[int], str, str] | None:
        """(weekdays, opens, closes) of a weekly schedule row, or None if it is not one."""
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

    def eligibility(self, service: dict, facts: list[tuple]) -> dict:
        """The structured eligibility: terms first, then what standard fields say."""
        stated: dict = {}
        for key, value in facts:
            if key in LIST_RULES:
                stated.setdefault(key, [])
                stated[key] += [] if value in stated[key] else [value]
            elif key != "access":
                stated.setdefault(key, value)
        for ours, theirs in AGE_FIELDS.items():
            age = _number(service.get(theirs))
            if age is not None:
                stated.setdefault(ours, age)
        costs = {_cost(row) for row in self.rows("cost_option", "service_id", [service["id"]])}
        costs.discard(None)
        if len(costs) == 1:  # several costs (free for some, a fee for others): say nothing
            stated.setdefault("cost", costs.pop())
        documents = self.rows("required_document", "service_id", [service["id"]])
        if any(re.search(r"(?i)\bid\b|identification", str(d.get("document"))) for d in documents):
            stated.setdefault("id_required", True)
        return ordered(stated, tuple(ELIGIBILITY_RULES))

    def service(self, row: dict, org: dict, org_row: dict) -> dict | None:
        """One service of org (read so far) from its HSDS row; None if skipped."""
        name = _text(row, "name")
        label = name or str(row.get("id"))
        status = str(row.get("status") or "active").lower()
        if not name:
            return self.skip("service", row, label, "no name")
        if status in ("inactive", "defunct"):
            return self.skip("service", row, label, f"status {status}")
        extension = _extension(row)
        needs, facts, unknown = self.terms(row)
        if extension is None:
            self.report["dropped_terms"].extend(unknown)
            if not needs:
                why = f"no recognised category (terms: {', '.join(unknown) or 'none'})"
                return self.skip("service", row, label, why)
        entry: dict = {"name": name}
        if needs:
            category = needs[0][0]
            entry["category"] = category
            entry["kind"] = next((k for c, k in needs if c == category and k), None)
            others = [c for c, _ in needs if c != category]
            if others:
                self.warn(label, f"also tagged {', '.join(dict.fromkeys(others))}; "
                          f"kept {category} (a service has one category)")
        entry["access"] = next((value for key, value in facts if key == "access"), None)
        entry["summary"] = _text(row, "description") or (
            None if extension else _text(org_row, "description"))
        links, locations = self.locations(row)
        phone = self.phone(label, [
            self.rows("phone", "service_id", [row.get("id")]),
            self.rows("phone", "service_at_location_id", [link.get("id") for link in links]),
            self.rows("phone", "location_id", [loc.get("id") for loc in locations]),
        ])
        if phone.get("phone") != org.get("phone") or phone.get("phone_note") not in (
                None, org.get("phone_note")):  # else the organization's phone says it
            entry.update(phone)
        entry.update(self.hours(row, links, locations))
        address = self.address(locations)
        if any(address.get(k) != org.get(k) for k in ("address", "city", "zip")):
            entry.update(address)
        area_id = table_id("service_area", extension["id"], "area") if extension else None
        areas = [_text(area, "name") for area in
                 self.rows("service_area", "service_id", [row.get("id")])
                 if area.get("id") != area_id]
        if extension is None:  # a 211 lists its whole region; we keep only real limits
            areas = [a for a in areas if a and not re.search(r"(?i)county|state|nation", a)]
        entry["serves"] = [a for a in areas if a] or None
        entry["eligibility"] = self.eligibility(row, facts) or None
        entry["eligibility_text"] = _text(row, "eligibility_description")
        entry = {k: v for k, v in entry.items() if v is not None}
        if extension is not None:
            return self.own(entry, extension, SERVICE_KEYS)
        notes = []
        if status == "temporarily closed":
            notes.append("Marked temporarily closed in the HSDS data.")
        url = _text(row, "url")
        if url and url != org.get("website"):
            notes.append(f"Web page: {url}")
        if notes:
            entry["notes"] = " ".join(notes)
        base = _slug(name)
        if base == org.get("id"):
            base = f"{base}-{_slug(entry['category'])}"
        entry["id"] = self.new_id(base)
        return self.foreign("service", entry, SERVICE_KEYS)

    def organization(self, row: dict, services: list[dict] | None = None) -> dict | None:
        """One organization with its services from its HSDS row; None if skipped."""
        name = _text(row, "name")
        if services is None:
            services = self.rows("service", "organization_id", [row.get("id")])
        if not name:
            for service in services:
                self.skip("service", service, _text(service, "name") or str(service.get("id")),
                          "its organization has no name")
            return self.skip("organization", row, str(row.get("id")), "no name")
        extension = _extension(row)
        entry: dict = {"name": name, "short_name": _text(row, "alternate_name")}
        entry.update(self.phone(name, [
            [p for p in self.rows("phone", "organization_id", [row.get("id")])
             if not any(p.get(k) for k in ("service_id", "location_id", "service_at_location_id",
                                           "contact_id"))]]))
        entry.update(self.address(self.rows("location", "organization_id", [row.get("id")])))
        entry["website"] = _text(row, "website")
        if extension is None:
            entry["id"] = self.new_id(_slug(name))
        entry = {k: v for k, v in entry.items() if v is not None}
        read = [(service, self.service(service, entry, row)) for service in services]
        read = [(service, found) for service, found in read if found is not None]
        codes = []
        for service, _ in read:
            for language in self.rows("language", "service_id", [service.get("id")]):
                code = _text(language, "code") or _LANGUAGE_CODES.get(
                    str(language.get("name") or "").lower())
                codes += [code.lower() if extension is None else code] if code else []
        if codes:
            entry["languages"] = list(dict.fromkeys(codes))
        dates = sorted(filter(None, (_date(service.get("assured_date")) for service, _ in read)))
        if dates:  # the oldest: the organization is only as fresh as its stalest service
            entry["last_verified"] = dates[0]
        entry["services"] = [found for _, found in read]
        if extension is not None:
            return self.own(entry, extension, ORGANIZATION_KEYS)
        if not read:
            self.used_ids.discard(entry["id"])
            return self.skip("organization", row, name, "none of its services was imported")
        if self.source:
            entry["source"] = self.source
        return self.foreign("organization", entry, ORGANIZATION_KEYS)

    def own(self, entry: dict, extension: dict, keys: tuple[str, ...]) -> dict:
        """Our own export: x_cpr restores what HSDS has no field for, and our spelling."""
        extension = dict(extension)
        for key in extension.pop("_absent", []):
            entry.pop(key, None)
        for key, ours in extension.items():
            if key not in entry or _agrees(key, ours, entry[key]):
                entry[key] = ours
        return ordered(entry, keys)

    def foreign(self, table: str, entry: dict, keys: tuple[str, ...]) -> dict:
        """A foreign entry, listed in the report with what a coordinator must still fill in."""
        missing = [key for key in _REQUIRED[table] if key not in entry]
        if missing:
            self.report["incomplete"].append({"id": entry["id"], "missing": missing})
        return ordered(entry, keys)

    def new_id(self, base: str) -> str:
        """base, or base-2, base-3... whichever no organization or service has yet."""
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate, number = f"{base}-{number}", number + 1
        self.used_ids.add(candidate)
        return candidate

    def skip(self, table: str, row: dict, label: str, reason: str) -> None:
        """Note in the report why a row was not imported."""
        self.report["skipped"].append({"table": table, "id": row.get("id"), "name": label,
                                       "reason": reason})
        return None

    def run(self, directory: Path, source: str | None) -> dict:
        """Import every organization with its services; add the catalog extras kept in
        datapackage.json."""
        result: dict = {"guides": []}
        self.source = source
        package_path = directory / "datapackage.json"
        package = json.loads(package_path.read_text(encoding="utf-8")) if (
            package_path.exists()) else {}
        package = package if isinstance(package, dict) else {}
        extension = package.get("x_cpr")
        if isinstance(extension, dict) and isinstance(extension.get("catalog"), dict):
            result.update(extension["catalog"])
        elif not source:
            paths = [s.get("path") for s in package.get("sources") or []
                     if isinstance(s, dict) and s.get("path")]
            self.source = (paths[0] if len(paths) == 1 else paths) or None
        for table in ("organization", "service"):  # reserve our own ids so new ones never clash
            self.used_ids.update(str(_extension(row)["id"]) for row in self.tables[table]
                                 if _extension(row))
        organizations = [self.organization(row) for row in self.tables["organization"]]
        for service in self.tables["service"]:
            if service.get("organization_id") not in self.by_id["organization"]:
                label = _text(service, "name") or str(service.get("id"))
                self.warn(label, "no organization in the data: listed under its own name")
                organizations.append(self.organization({"name": _text(service, "name")},
                                                       [service]))
        organizations = [org for org in organizations if org is not None]
        self.report.update(
            organizations=len(self.tables["organization"]), services=len(self.tables["service"]),
            imported_organizations=len(organizations),
            imported_services=sum(len(org.get("services") or []) for org in organizations),
            dropped_terms=sorted(set(self.report["dropped_terms"])))
        result["organizations"] = organizations
        result["import_report"] = self.report
        return result


def import_hsds(directory: Path, source: str | None = None) -> dict:
    """Read HSDS 3.0 JSON tables into our catalog dict ({"guides", "organizations"});
    "import_report" lists what was skipped and what a coordinator must still fill in."""
    directory = Path(directory)
    tables = {name: _read_table(directory, name) for name in TABLES}
    return Importer(tables).run(directory, source)
