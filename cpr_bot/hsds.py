"""Export the resource catalog as Open Referral HSDS 3.0 JSON tables, and import such tables."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid
from pathlib import Path

from .catalog import ATTRIBUTES, RESOURCE_CATEGORIES

# How our catalog maps onto HSDS 3.0 (field names checked against openreferral/specification
# schema/*.json):
#   resource            -> one organization + one service (ids: uuid5(NAMESPACE, "<table>:<id>"))
#   name/summary        -> service.name / service.description (organization.description too)
#   website             -> service.url and organization.website
#   eligibility         -> service.eligibility_description
#   last_verified       -> service.assured_date
#   address/city/zip    -> location (physical) + address (state_province AL, country US)
#                          linked to the service through service_at_location
#   phone/phone_note    -> phone.number / phone.description, linked by phone.service_id
#   hours               -> schedule rows (freq WEEKLY, byday, opens_at/closes_at HH:MM local time,
#                          24/7 as every day 00:00-23:59); hours_note is copied to schedule.notes
#   categories          -> taxonomy_term rows of the "CPR Bot need categories" taxonomy, linked
#                          to the service by attribute rows (link_entity/link_type "service")
#   attributes          -> the same, in the "CPR Bot reentry attributes" taxonomy
#   languages           -> language rows (code + English name)
#   serves              -> service_area rows (name = the ZIP or town)
# HSDS has no place for the rest, so every other key of a resource (id, summary_es, hours_note,
# guides, source, source_date, confidence, confirm_first, notes, and any key added later) goes
# verbatim into the extension object service["x_cpr"]. x_cpr also keeps our spelling of phone or
# hours when it differs from what the standard fields give back. Guides (and any other top-level
# catalog keys) go into the "x_cpr" object of datapackage.json. HSDS has no formal extension
# mechanism and its schemas do not forbid extra properties; consumers may ignore x_cpr.

CATEGORIES = list(RESOURCE_CATEGORIES)
NAMESPACE = uuid.UUID("6f0b1f3e-3c1a-5d7e-9a51-c0a7e5b2d1a4")
HSDS_VERSION = "3.0"
TABLES = [
    "organization", "service", "location", "address", "phone", "schedule", "service_at_location",
    "taxonomy", "taxonomy_term", "attribute", "language", "service_area",
]
CATEGORY_TAXONOMY = {
    "name": "CPR Bot need categories",
    "description": "What a reentry resource helps with, as used by the CPR Bot SMS assistant.",
    "version": "1",
}
ATTRIBUTE_TAXONOMY = {
    "name": "CPR Bot reentry attributes",
    "description": "Facts that matter to people leaving prison (records OK, walk-in, free...).",
    "version": "1",
}
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "vi": "Vietnamese", "zh": "Chinese",
    "ar": "Arabic", "ko": "Korean", "de": "German", "pt": "Portuguese", "ht": "Haitian Creole",
    "asl": "American Sign Language",
}
_LANGUAGE_CODES = {
    **{name.lower(): code for code, name in LANGUAGE_NAMES.items()},
    "eng": "en", "spa": "es", "spanish; castilian": "es", "sign language": "asl",
}
SHORT_CODES = {"211", "311", "411", "511", "611", "711", "811", "911", "988"}
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ALWAYS_OPEN = "24/7"
ALWAYS_OPEN_TEXT = "Open 24 hours a day, 7 days a week"

# Keys carried by standard HSDS fields; everything else goes to service.x_cpr.
_STANDARD_KEYS = {
    "name", "categories", "summary", "phone", "phone_note", "address", "city", "zip", "hours",
    "website", "eligibility", "attributes", "languages", "serves", "last_verified",
}
_LINE = re.compile(
    r"^(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})$"
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*(\d+)\s*$")

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


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def _plain(value):
    """Dates to ISO strings (PyYAML turns unquoted dates into date objects), recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# ---- hours ----------------------------------------------------------------------------------


def _hhmm(text: str) -> str | None:
    match = _TIME.match(str(text).strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        return None
    return f"{hours:02d}:{minutes:02d}"


def _days(text: str) -> list[int] | None:
    days: list[int] = []
    lower = [d.lower() for d in DAY_NAMES]
    for part in re.split(r"\s*,\s*", text.strip().lower()):
        ends = re.split(r"\s*-\s*", part)
        if any(end not in lower for end in ends) or len(ends) > 2:
            return None
        first, last = lower.index(ends[0]), lower.index(ends[-1])
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return sorted(set(days))


def _parse_line(line: str) -> tuple[list[int], str, str] | None:
    """One hours line as (weekdays, opens, closes); 24/7 is every day 00:00-23:59."""
    text = str(line).strip()
    if text.lower() in {"24/7", "24 hours", "always"}:
        return list(range(7)), "00:00", "23:59"
    match = _LINE.match(text)
    if not match:
        return None
    days, opens, closes = _days(match["days"]), _hhmm(match["open"]), _hhmm(match["close"])
    if days is None or opens is None or closes is None:
        return None
    return days, opens, closes


def _intervals(rows: list[tuple[list[int], str, str]]) -> set[tuple[int, str, str]]:
    """Opening intervals, with every spelling of "always open" made the same."""
    found = set()
    for days, opens, closes in rows:
        closes = "23:59" if closes == "24:00" else closes
        if opens == "00:00" and closes == "00:00":
            closes = "23:59"
        found.update((day, opens, closes) for day in days)
    return found


def _render_days(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ",".join(parts)


def _render_hours(intervals: set[tuple[int, str, str]]) -> list[str]:
    """Our hours lines for a set of (weekday, opens, closes), days with equal times merged."""
    by_time: dict[tuple[str, str], list[int]] = {}
    for day, opens, closes in intervals:
        by_time.setdefault((opens, closes), []).append(day)
    if by_time.get(("00:00", "23:59")) and len(set(by_time[("00:00", "23:59")])) == 7:
        if len(by_time) == 1:
            return [ALWAYS_OPEN]
    lines = sorted((min(days), opens, f"{_render_days(days)} {opens}-{closes}")
                   for (opens, closes), days in by_time.items())
    return [line for _, _, line in lines]


def _schedule_rows(lines: list[str]) -> list[tuple[list[int], str, str, str]]:
    rows = []
    for line in lines:
        parsed = _parse_line(line)
        if parsed is None:
            continue
        days, opens, closes = parsed
        if str(line).strip().lower() in {"24/7", "24 hours", "always"}:
            text = ALWAYS_OPEN_TEXT
        elif closes <= opens:
            text = f"{line} (overnight: closes the next day)"
        else:
            text = str(line).strip()
        rows.append((days, opens, closes, text))
    return rows


# ---- phones ---------------------------------------------------------------------------------


def normalize_phone(raw) -> tuple[str | None, str | None]:
    """A phone as ("205-555-1234" or "211", extension) or (None, None) if not a US number."""
    text = str(raw or "").strip()
    extension = None
    match = _EXTENSION.search(text)
    if match and len(re.sub(r"\D", "", text[: match.start()])) >= 10:
        extension, text = match[1], text[: match.start()]
    if re.search(r"[A-Za-z]", text):
        return None, None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if digits in SHORT_CODES:
        return digits, extension
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None, None
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", extension


# ---- export ---------------------------------------------------------------------------------


def _taxonomy_rows(kind: str, spec: dict, values: list[str], tables: dict) -> str:
    taxonomy_id = _id("taxonomy", kind)
    tables["taxonomy"].append({"id": taxonomy_id, **spec})
    for value in values:
        label = value.replace("_", " ")
        tables["taxonomy_term"].append({
            "id": _id("taxonomy_term", kind, value),
            "code": value,
            "name": label,
            "description": f"{spec['name']}: {label}",
            "taxonomy": spec["name"],
            "taxonomy_id": taxonomy_id,
            "language": "en",
        })
    return taxonomy_id


def _export_resource(entry: dict, tables: dict[str, list[dict]]) -> None:
    rid = str(entry["id"])
    service_id, org_id = _id("service", rid), _id("organization", rid)
    name = str(entry["name"])
    org = {"id": org_id, "name": name, "description": str(entry.get("summary") or name)}
    service = {"id": service_id, "organization_id": org_id, "name": name, "status": "active"}
    if entry.get("summary") is not None:
        service["description"] = entry["summary"]
    if entry.get("website") is not None:
        org["website"] = service["url"] = entry["website"]
    if entry.get("eligibility") is not None:
        service["eligibility_description"] = entry["eligibility"]
    if entry.get("last_verified") is not None:
        service["assured_date"] = _plain(entry["last_verified"])
    extension = {"id": rid}
    extension.update({k: _plain(v) for k, v in entry.items() if k not in _STANDARD_KEYS})
    tables["organization"].append(org)
    tables["service"].append(service)

    if any(entry.get(k) is not None for k in ("address", "city", "zip")):
        location_id = _id("location", rid)
        tables["location"].append({"id": location_id, "location_type": "physical",
                                   "organization_id": org_id, "name": name})
        tables["address"].append({
            "id": _id("address", rid), "location_id": location_id,
            # address_1, city and postal_code are required by HSDS: "" there means unknown.
            "address_1": str(entry.get("address") or ""), "city": str(entry.get("city") or ""),
            "state_province": "AL", "postal_code": str(entry.get("zip") or ""), "country": "US",
            "address_type": "physical",
        })
        tables["service_at_location"].append({"id": _id("service_at_location", rid),
                                              "service_id": service_id,
                                              "location_id": location_id})

    if entry.get("phone") is not None:
        number, _ = normalize_phone(entry["phone"])
        phone = {"id": _id("phone", rid), "service_id": service_id,
                 "number": number or str(entry["phone"]), "type": "voice"}
        if entry.get("phone_note") is not None:
            phone["description"] = entry["phone_note"]
        tables["phone"].append(phone)

    if entry.get("hours") is not None:
        for index, (days, opens, closes, text) in enumerate(_schedule_rows(entry["hours"])):
            schedule = {
                "id": _id("schedule", rid, str(index)), "service_id": service_id,
                "freq": "WEEKLY", "interval": 1, "byday": ",".join(DAY_CODES[d] for d in days),
                "opens_at": opens, "closes_at": closes, "description": text,
            }
            if entry.get("hours_note") is not None:
                schedule["notes"] = entry["hours_note"]
            tables["schedule"].append(schedule)

    for kind, key in (("category", "categories"), ("attribute", "attributes")):
        for value in dict.fromkeys(_as_list(entry.get(key))):
            tables["attribute"].append({
                "id": _id("attribute", rid, kind, value), "link_id": service_id,
                "taxonomy_term_id": _id("taxonomy_term", kind, value),
                "link_type": "service", "link_entity": "service",
            })
    for code in dict.fromkeys(_as_list(entry.get("languages"))):
        tables["language"].append({"id": _id("language", rid, code), "service_id": service_id,
                                   "code": code, "name": LANGUAGE_NAMES.get(code, code)})
    for index, area in enumerate(_as_list(entry.get("serves"))):
        tables["service_area"].append({
            "id": _id("service_area", rid, str(index)), "service_id": service_id,
            "name": area, "description": f"Only for people in {area}",
        })
    service["x_cpr"] = extension


def _keep_what_differs(resources: list[dict], tables: dict[str, list[dict]]) -> None:
    """Read the tables back; where a value would come back different, keep ours in x_cpr."""
    importer = _Importer(copy.deepcopy(tables))
    for entry, service in zip(resources, tables["service"], strict=True):
        original = _plain(entry)
        back = importer.resource(copy.deepcopy(service)) or {}
        extension = service["x_cpr"]
        for key, value in original.items():
            if back.get(key) != value:
                extension[key] = value
        absent = sorted(key for key in back if key not in original)
        if absent:
            extension["_absent"] = absent


def export_hsds(catalog: dict, directory: Path) -> dict[str, int]:
    """Write the catalog as HSDS 3.0 JSON tables (extras in x_cpr); return rows per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    resources = catalog.get("resources") or []
    ids = [str(r.get("id")) for r in resources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates or any(not r.get("id") or not r.get("name") for r in resources):
        raise ValueError(f"every resource needs a name and a unique id (duplicates: {duplicates})")
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    used_categories = [c for r in resources for c in _as_list(r.get("categories"))]
    used_attributes = [a for r in resources for a in _as_list(r.get("attributes"))]
    _taxonomy_rows("category", CATEGORY_TAXONOMY,
                   list(dict.fromkeys(CATEGORIES + used_categories)), tables)
    _taxonomy_rows("attribute", ATTRIBUTE_TAXONOMY,
                   list(dict.fromkeys([*ATTRIBUTES, *used_attributes])), tables)
    for entry in resources:
        _export_resource(entry, tables)
    _keep_what_differs(resources, tables)
    for name, rows in tables.items():
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        (directory / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    extra = {k: _plain(v) for k, v in catalog.items() if k != "resources"}
    package = {
        "name": "cpr-bot-reentry-resources",
        "title": "Reentry resources, Jefferson County, Alabama (CPR Bot catalog)",
        "profile": "data-package",
        "x_hsds_version": HSDS_VERSION,
        "resources": [{"name": name, "path": f"{name}.json", "format": "json",
                       "mediatype": "application/json"} for name in TABLES],
        "x_cpr": {"format": 1, "catalog": extra},
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {name: len(rows) for name, rows in tables.items()}


# ---- import ---------------------------------------------------------------------------------

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


_CATEGORY_WORDS = _lookup(CATEGORIES, _CATEGORY_SYNONYMS)
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


class _Importer:
    """Reads one directory of HSDS tables into our resource dicts."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = {name: list(tables.get(name) or []) for name in TABLES}
        _flatten(self.tables)
        self.by_id = {name: {r.get("id"): r for r in rows if r.get("id")}
                      for name, rows in self.tables.items()}
        self.own_taxonomies = {_id("taxonomy", "category"): "categories",
                               _id("taxonomy", "attribute"): "attributes"}
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
                number, extension = normalize_phone(phone.get("number"))
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
        return (_render_hours(_intervals(rows)) if rows else None), texts

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
        if "phone" in extension and normalize_phone(extension["phone"])[0] == entry.get("phone"):
            entry["phone"] = extension.pop("phone")
        extension.pop("phone", None)
        if "hours" in extension:
            lines = _as_list(extension.pop("hours"))
            parsed = [p for p in (_parse_line(line) for line in lines) if p]
            if _intervals(parsed) == _intervals(
                    [p for p in (_parse_line(x) for x in entry.get("hours", [])) if p]):
                entry["hours"] = lines
        for key in ("categories", "attributes", "languages", "serves"):
            if key in extension and set(_as_list(extension[key])) == set(entry.get(key, [])):
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
    return _Importer(tables).run(directory, source)
