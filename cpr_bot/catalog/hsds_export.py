"""Write the resource catalog as Open Referral HSDS 3.0 JSON tables (see hsds_tables)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .. import phones
from ..errors import DataError, HoursError
from .hours import is_always, parse_line
from .hsds_import import Importer
from .hsds_tables import (
    ATTRIBUTE_TAXONOMY,
    CATEGORY_TAXONOMY,
    DAY_CODES,
    HSDS_VERSION,
    LANGUAGE_NAMES,
    STANDARD_KEYS,
    TABLES,
    plain,
    table_id,
)
from .model import ATTRIBUTES, RESOURCE_CATEGORIES
from .resources import as_list

ALWAYS_OPEN_TEXT = "Open 24 hours a day, 7 days a week"


def _schedule_rows(lines: list[str]) -> list[tuple[list[int], str, str, str]]:
    """(weekdays, opens, closes, description) per readable hours line."""
    rows = []
    for line in lines:
        if is_always(line):
            rows.append((list(range(7)), "00:00", "23:59", ALWAYS_OPEN_TEXT))
            continue
        try:
            days, opens, closes = parse_line(line)
        except HoursError:
            continue
        start, end = f"{opens:%H:%M}", f"{closes:%H:%M}"
        text = str(line).strip()
        rows.append((days, start, end,
                     f"{text} (overnight: closes the next day)" if end <= start else text))
    return rows


def _taxonomy_rows(kind: str, spec: dict, values: list[str], tables: dict) -> str:
    taxonomy_id = table_id("taxonomy", kind)
    tables["taxonomy"].append({"id": taxonomy_id, **spec})
    for value in values:
        label = value.replace("_", " ")
        tables["taxonomy_term"].append({
            "id": table_id("taxonomy_term", kind, value),
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
    service_id, org_id = table_id("service", rid), table_id("organization", rid)
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
        service["assured_date"] = plain(entry["last_verified"])
    extension = {"id": rid}
    extension.update({k: plain(v) for k, v in entry.items() if k not in STANDARD_KEYS})
    tables["organization"].append(org)
    tables["service"].append(service)

    if any(entry.get(k) is not None for k in ("address", "city", "zip")):
        location_id = table_id("location", rid)
        tables["location"].append({"id": location_id, "location_type": "physical",
                                   "organization_id": org_id, "name": name})
        tables["address"].append({
            "id": table_id("address", rid), "location_id": location_id,
            # address_1, city and postal_code are required by HSDS: "" there means unknown.
            "address_1": str(entry.get("address") or ""), "city": str(entry.get("city") or ""),
            "state_province": "AL", "postal_code": str(entry.get("zip") or ""), "country": "US",
            "address_type": "physical",
        })
        tables["service_at_location"].append({"id": table_id("service_at_location", rid),
                                              "service_id": service_id,
                                              "location_id": location_id})

    if entry.get("phone") is not None:
        number, _ = phones.with_extension(entry["phone"])
        phone = {"id": table_id("phone", rid), "service_id": service_id,
                 "number": number or str(entry["phone"]), "type": "voice"}
        if entry.get("phone_note") is not None:
            phone["description"] = entry["phone_note"]
        tables["phone"].append(phone)

    if entry.get("hours") is not None:
        for index, (days, opens, closes, text) in enumerate(_schedule_rows(entry["hours"])):
            schedule = {
                "id": table_id("schedule", rid, str(index)), "service_id": service_id,
                "freq": "WEEKLY", "interval": 1, "byday": ",".join(DAY_CODES[d] for d in days),
                "opens_at": opens, "closes_at": closes, "description": text,
            }
            if entry.get("hours_note") is not None:
                schedule["notes"] = entry["hours_note"]
            tables["schedule"].append(schedule)

    for kind, key in (("category", "categories"), ("attribute", "attributes")):
        for value in dict.fromkeys(as_list(entry.get(key))):
            tables["attribute"].append({
                "id": table_id("attribute", rid, kind, value), "link_id": service_id,
                "taxonomy_term_id": table_id("taxonomy_term", kind, value),
                "link_type": "service", "link_entity": "service",
            })
    for code in dict.fromkeys(as_list(entry.get("languages"))):
        tables["language"].append({"id": table_id("language", rid, code), "service_id": service_id,
                                   "code": code, "name": LANGUAGE_NAMES.get(code, code)})
    for index, area in enumerate(as_list(entry.get("serves"))):
        tables["service_area"].append({
            "id": table_id("service_area", rid, str(index)), "service_id": service_id,
            "name": area, "description": f"Only for people in {area}",
        })
    service["x_cpr"] = extension


def _keep_what_differs(resources: list[dict], tables: dict[str, list[dict]]) -> None:
    """Read the tables back; where a value would come back different, keep ours in x_cpr."""
    importer = Importer(copy.deepcopy(tables))
    for entry, service in zip(resources, tables["service"], strict=True):
        original = plain(entry)
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
        raise DataError(f"every resource needs a name and a unique id (duplicates: {duplicates})")
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    used_categories = [c for r in resources for c in as_list(r.get("categories"))]
    used_attributes = [a for r in resources for a in as_list(r.get("attributes"))]
    _taxonomy_rows("category", CATEGORY_TAXONOMY,
                   list(dict.fromkeys(list(RESOURCE_CATEGORIES) + used_categories)), tables)
    _taxonomy_rows("attribute", ATTRIBUTE_TAXONOMY,
                   list(dict.fromkeys([*ATTRIBUTES, *used_attributes])), tables)
    for entry in resources:
        _export_resource(entry, tables)
    _keep_what_differs(resources, tables)
    for name, rows in tables.items():
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        (directory / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    extra = {k: plain(v) for k, v in catalog.items() if k != "resources"}
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
