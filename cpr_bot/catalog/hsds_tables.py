"""Open Referral HSDS 3.0 as this catalog uses it: the tables, ids, taxonomies and the mapping
both hsds_export and hsds_import follow."""

from __future__ import annotations

import datetime as dt
import uuid

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
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# Keys carried by standard HSDS fields; everything else goes to service.x_cpr.
STANDARD_KEYS = {
    "name", "categories", "summary", "phone", "phone_note", "address", "city", "zip", "hours",
    "website", "eligibility", "attributes", "languages", "serves", "last_verified",
}


def table_id(*parts: str) -> str:
    """A stable HSDS id: uuid5 of "<table>:<our id>..."."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def plain(value):
    """Dates to ISO strings (PyYAML turns unquoted dates into date objects), recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
