"""Open Referral HSDS 3.0 as this catalog uses it: the tables, ids, taxonomies and the mapping
both hsds_export and hsds_import follow."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import yaml

# How our catalog (docs/catalog.md) maps onto HSDS 3.0 (field names checked against
# openreferral/specification schema/*.json). Ids: uuid5(NAMESPACE, "<table>:<our id>...");
# organizations and services share one id space, so "location:<our id>" never collides.
#   organization         -> organization (name; short_name -> alternate_name; website;
#                           description, which HSDS requires, lists the services' names)
#   organization phone   -> phone with organization_id (phone_note -> description)
#   organization address -> location (physical, organization_id) + address (AL, US): the
#                           place services without their own address are given at
#   service              -> service (name; summary -> description; eligibility_text ->
#                           eligibility_description; eligibility min_age/max_age ->
#                           minimum_age/maximum_age; access -> application_process in words;
#                           the organization's last_verified -> assured_date; status active)
#   service phone        -> phone with service_id
#   service address      -> its own location (no organization_id) + address
#   where it is given    -> service_at_location: its own location, else the organization's
#                           (none when the service has an area instead of a street)
#   hours / hours_note   -> schedule rows (freq WEEKLY, byday, opens_at/closes_at HH:MM local
#                           time, 24/7 as every day 00:00-23:59); hours_note goes to each row's
#                           notes, or alone into one row's description when no hours are known
#   serves / area        -> service_area rows (an area row has the id "service_area:<id>:area")
#   category / kind      -> "CPR Bot need categories" taxonomy_term rows: categories, and kinds
#                           from data/kinds.yaml as their children (parent_id); a service links
#                           to both by attribute rows (link_entity "service", link_type "service")
#   eligibility          -> "CPR Bot eligibility" terms "<key>:<value>" under one term per key,
#                           linked by attribute rows (link_type "eligibility"); besides,
#                           id_required true -> required_document, cost -> cost_option
#   languages            -> language rows on each of the organization's services
# HSDS has no place for the rest, so every other key (ids, name_es and every other Spanish text,
# access, area, guides, source, source_date, confidence, confirm_first, notes, and any key added
# later) goes verbatim into the extension object "x_cpr" of the organization or service row. The
# export reads its own tables back and keeps in x_cpr whatever would come back different (our
# spelling of a phone or of hours, a phone equal to the organization's), and lists in
# x_cpr["_absent"] what would come back but was never there. Guides (and any other top-level
# catalog keys) go into the "x_cpr" object of datapackage.json. HSDS allows extra properties
# (its conformance page: where its own terms are insufficient); consumers may ignore x_cpr.

NAMESPACE = uuid.UUID("6f0b1f3e-3c1a-5d7e-9a51-c0a7e5b2d1a4")
HSDS_VERSION = "3.0"
PACKAGE_FORMAT = 2  # 1 was the flat resources: list
KINDS_PATH = Path(__file__).resolve().parents[2] / "data" / "kinds.yaml"
TABLES = [
    "organization", "service", "location", "address", "phone", "schedule", "service_at_location",
    "taxonomy", "taxonomy_term", "attribute", "language", "service_area", "required_document",
    "cost_option",
]
NEEDS_TAXONOMY = {
    "id": "category",  # the id part kept from format 1, so the taxonomy keeps its uuid
    "name": "CPR Bot need categories",
    "description": "What a reentry service helps with (category) and what kind of help it is "
                   "(kind, a child of its category), as used by the CPR Bot SMS assistant.",
    "version": "2",
}
ELIGIBILITY_TAXONOMY = {
    "id": "eligibility",
    "name": "CPR Bot eligibility",
    "description": "Who a service is for, as its sources state it: one term per rule, "
                   "coded <rule>:<value>, under one term per rule.",
    "version": "1",
}
# Each eligibility rule of docs/catalog.md, in its order, with the words a consumer reads.
ELIGIBILITY_RULES = {
    "sex": "Only for men or only for women",
    "min_age": "Youngest age served",
    "max_age": "Oldest age served",
    "families": "Families with children: only (families only), welcome, or no",
    "veterans_only": "Only for veterans",
    "records_ok": "A source says people with criminal records are welcome",
    "registry": "People on the sex-offense registry: accepted or refused",
    "sober_required": "Must be sober",
    "id_required": "An ID is needed (false: no ID needed)",
    "insurance": "Insurance taken (none: people without insurance are served)",
    "cost": "Cost: free, sliding_scale, fee or private_pay",
    "pets": "Pets: allowed or not_allowed",
    "only_for": "Only for one group: hiv (people living with HIV), abuse_survivors, disability, "
                "seniors_or_disability",
}
LIST_RULES = {"insurance"}
AGE_FIELDS = {"min_age": "minimum_age", "max_age": "maximum_age"}
COST_OPTIONS = {"free": "Free", "sliding_scale": "Sliding scale fee", "fee": "Fee charged",
                "private_pay": "Insurance or self-pay"}
ID_DOCUMENT = "An ID (identification document)"
ACCESS_TEXT = {
    "walk_in": "Walk in, no appointment needed", "appointment": "By appointment",
    "referral": "By referral only", "call_first": "Call first",
    "court_ordered": "Court-ordered only", "phone_line": "By phone (a hotline)",
}
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "vi": "Vietnamese", "zh": "Chinese",
    "ar": "Arabic", "ko": "Korean", "de": "German", "pt": "Portuguese", "ht": "Haitian Creole",
    "asl": "American Sign Language",
}
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# The keys of docs/catalog.md in its order: imported entries are written in this order.
ORGANIZATION_KEYS = (
    "id", "name", "short_name", "phone", "phone_note", "address", "city", "zip", "website",
    "languages", "source", "source_date", "last_verified", "confidence", "confirm_first", "notes",
    "services",
)
SERVICE_KEYS = (
    "id", "name", "name_es", "category", "kind", "summary", "summary_es", "access", "phone",
    "phone_note", "hours", "hours_note", "hours_note_es", "address", "city", "zip", "area",
    "serves", "eligibility", "eligibility_text", "eligibility_text_es", "guides", "source",
    "notes",
)


def table_id(*parts: str) -> str:
    """A stable HSDS id: uuid5 of "<table>:<our id>..."."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def taxonomy_id(taxonomy: dict) -> str:
    """The HSDS id of one of our taxonomies."""
    return table_id("taxonomy", taxonomy["id"])


def category_term_id(category: str) -> str:
    """The id of a need category's term."""
    return table_id("taxonomy_term", "category", category)


def kind_term_id(category: str, kind: str) -> str:
    """The id of a kind's term, a child of its category's."""
    return table_id("taxonomy_term", "kind", category, kind)


def rule_term_id(code: str) -> str:
    """The id of an eligibility term: a rule ("cost") or a rule with its value ("cost:free")."""
    return table_id("taxonomy_term", "eligibility", code)


def rule_code(key: str, value) -> str:
    """The term code of one eligibility value: "records_ok:true", "cost:free"."""
    return f"{key}:{str(value).lower() if isinstance(value, bool) else value}"


def load_kinds(path: Path = KINDS_PATH) -> dict[str, dict[str, dict]]:
    """data/kinds.yaml: category -> kind -> {en, es, secondary, waitlist, public}."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def as_list(value) -> list:
    """A YAML value that may be one item or a list, as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def plain(value):
    """Dates to ISO strings (PyYAML turns unquoted dates into date objects), recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def ordered(entry: dict, keys: tuple[str, ...]) -> dict:
    """The entry with its keys in the catalog's order, unknown keys after them."""
    return {**{k: entry[k] for k in keys if k in entry},
            **{k: v for k, v in entry.items() if k not in keys}}
