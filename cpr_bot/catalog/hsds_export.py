"""Write the catalog as Open Referral HSDS 3.0 JSON tables (see hsds_tables)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .. import phones
from ..errors import DataError, HoursError
from .hours import is_always, parse_line
from .hsds_import import Importer
from .hsds_tables import (
    ACCESS_TEXT,
    AGE_FIELDS,
    COST_OPTIONS,
    DAY_CODES,
    ELIGIBILITY_RULES,
    ELIGIBILITY_TAXONOMY,
    HSDS_VERSION,
    ID_DOCUMENT,
    LANGUAGE_NAMES,
    NEEDS_TAXONOMY,
    PACKAGE_FORMAT,
    TABLES,
    as_list,
    category_term_id,
    kind_term_id,
    load_kinds,
    plain,
    rule_code,
    rule_term_id,
    table_id,
    taxonomy_id,
)

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


def _put(row: dict, key: str, value) -> None:
    """Set a field only when the catalog has a value for it."""
    if value is not None:
        row[key] = plain(value)


def _check_ids(organizations: list) -> None:
    """Every organization and service has a name and an id no other one has."""
    entries = list(organizations)
    entries += [s for o in organizations if isinstance(o, dict) for s in as_list(o.get("services"))]
    ids = [str(e.get("id")) for e in entries if isinstance(e, dict)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates or any(not isinstance(e, dict) or not e.get("id") or not e.get("name")
                         for e in entries):
        raise DataError("every organization and service needs a name and an id no other one has "
                        f"(duplicates: {duplicates})")


class Exporter:
    """Builds the HSDS tables of one catalog, row by row."""

    def __init__(self, kinds: dict[str, dict[str, dict]]):
        self.kinds = kinds
        self.tables: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.terms: dict[str, dict] = {}
        # (original entry, its organization or service row), for _keep_what_differs.
        self.pairs: list[tuple[dict, dict]] = []
        for spec in (NEEDS_TAXONOMY, ELIGIBILITY_TAXONOMY):
            self.tables["taxonomy"].append({"id": taxonomy_id(spec), **{
                k: v for k, v in spec.items() if k != "id"}})

    def term(self, term_id: str, taxonomy: dict, code: str, name: str, description: str,
             parent_id: str | None = None) -> str:
        """Add a taxonomy term the first time a service uses it (HSDS: no unused terms)."""
        if term_id not in self.terms:
            row = {"id": term_id, "code": code, "name": name, "description": description,
                   "taxonomy": taxonomy["name"], "taxonomy_id": taxonomy_id(taxonomy),
                   "language": "en"}
            if parent_id:
                row["parent_id"] = parent_id
            self.terms[term_id] = row
            self.tables["taxonomy_term"].append(row)
        return term_id

    def link(self, sid: str, service_id: str, term_id: str, link_type: str, *key: str) -> None:
        """An attribute row giving the service a taxonomy term."""
        self.tables["attribute"].append({
            "id": table_id("attribute", sid, *key), "link_id": service_id,
            "taxonomy_term_id": term_id, "link_type": link_type, "link_entity": "service",
        })

    def phone(self, entry: dict, our_id: str, **owner: str) -> None:
        """A phone row for the entry's phone, linked to its owner."""
        if entry.get("phone") is None:
            return
        number, extension = phones.with_extension(entry["phone"])
        row = {"id": table_id("phone", our_id), **owner,
               "number": number or str(entry["phone"]), "type": "voice"}
        if extension:
            row["extension"] = int(extension)
        _put(row, "description", entry.get("phone_note"))
        self.tables["phone"].append(row)

    def location(self, entry: dict, our_id: str, name: str, **owner: str) -> str | None:
        """A location with the entry's street address, if it has one; its id."""
        if all(entry.get(k) is None for k in ("address", "city", "zip")):
            return None
        location_id = table_id("location", our_id)
        self.tables["location"].append({"id": location_id, "location_type": "physical",
                                        **owner, "name": name})
        self.tables["address"].append({
            "id": table_id("address", our_id), "location_id": location_id,
            # address_1, city and postal_code are required by HSDS: "" there means unknown.
            "address_1": str(entry.get("address") or ""), "city": str(entry.get("city") or ""),
            "state_province": "AL", "postal_code": str(entry.get("zip") or ""), "country": "US",
            "address_type": "physical",
        })
        return location_id

    def organization(self, org: dict) -> None:
        """The rows of one organization and of each of its services."""
        oid, name = str(org["id"]), str(org["name"])
        services = as_list(org.get("services"))
        org_id = table_id("organization", oid)
        listed = "; ".join(str(s.get("name")) for s in services)
        row = {"id": org_id, "name": name,
               "description": f"{name}: {listed}" if listed else name}
        _put(row, "alternate_name", org.get("short_name"))
        _put(row, "website", org.get("website"))
        row["x_cpr"] = {"id": oid}
        self.tables["organization"].append(row)
        self.pairs.append((org, row))
        self.phone(org, oid, organization_id=org_id)
        location_id = self.location(org, oid, name, organization_id=org_id)
        for service in services:
            self.service(service, org, org_id, location_id)

    def service(self, service: dict, org: dict, org_id: str, org_location: str | None) -> None:
        """The rows of one service: given at its own address, else at the organization's."""
        sid = str(service["id"])
        service_id = table_id("service", sid)
        row = {"id": service_id, "organization_id": org_id, "name": str(service["name"]),
               "status": "active"}
        _put(row, "description", service.get("summary"))
        _put(row, "eligibility_description", service.get("eligibility_text"))
        _put(row, "application_process", ACCESS_TEXT.get(str(service.get("access"))))
        eligibility = service.get("eligibility")
        eligibility = eligibility if isinstance(eligibility, dict) else {}
        for ours, theirs in AGE_FIELDS.items():
            age = eligibility.get(ours)
            if isinstance(age, int) and not isinstance(age, bool):
                row[theirs] = age
        _put(row, "assured_date", org.get("last_verified"))
        row["x_cpr"] = {"id": sid}
        self.tables["service"].append(row)
        self.pairs.append((service, row))
        self.phone(service, sid, service_id=service_id)

        location_id = self.location(service, sid, row["name"])
        if location_id is None and service.get("area") is None:
            location_id = org_location
        if location_id:
            self.tables["service_at_location"].append({
                "id": table_id("service_at_location", sid), "service_id": service_id,
                "location_id": location_id})
        self.schedules(service, sid, service_id)
        for index, place in enumerate(as_list(service.get("serves"))):
            self.tables["service_area"].append({
                "id": table_id("service_area", sid, str(index)), "service_id": service_id,
                "name": str(place), "description": f"Only for people living in {place}"})
        if service.get("area") is not None:
            area = str(service["area"])
            self.tables["service_area"].append({
                "id": table_id("service_area", sid, "area"), "service_id": service_id,
                "name": area, "description": f"In or serving {area} (no street address)"})
        for code in dict.fromkeys(as_list(org.get("languages"))):
            self.tables["language"].append({
                "id": table_id("language", sid, str(code)), "service_id": service_id,
                "code": str(code), "name": LANGUAGE_NAMES.get(str(code), str(code))})
        self.needs(service, sid, service_id)
        self.eligibility(eligibility, sid, service_id)

    def schedules(self, service: dict, sid: str, service_id: str) -> None:
        """Schedule rows for the service's hours and hours_note."""
        note = service.get("hours_note")
        rows = _schedule_rows(as_list(service.get("hours")))
        for index, (days, opens, closes, text) in enumerate(rows):
            schedule = {
                "id": table_id("schedule", sid, str(index)), "service_id": service_id,
                "freq": "WEEKLY", "interval": 1, "byday": ",".join(DAY_CODES[d] for d in days),
                "opens_at": opens, "closes_at": closes, "description": text,
            }
            _put(schedule, "notes", note)
            self.tables["schedule"].append(schedule)
        if note is not None and not rows:  # hours in words only
            self.tables["schedule"].append({"id": table_id("schedule", sid, "note"),
                                            "service_id": service_id, "description": str(note)})

    def needs(self, service: dict, sid: str, service_id: str) -> None:
        """Link the service to its category's term and its kind's term."""
        category, kind = service.get("category"), service.get("kind")
        parent = None
        if category is not None:
            label = str(category).replace("_", " ")
            parent = self.term(category_term_id(str(category)), NEEDS_TAXONOMY, str(category),
                               label, f"Need category: {label}")
            self.link(sid, service_id, parent, "service", "category", str(category))
        if kind is not None:
            known = self.kinds.get(str(category), {}).get(str(kind)) or {}
            label = str(known.get("en") or str(kind).replace("_", " "))
            where = f"{str(category).replace('_', ' ')}: " if parent else ""
            term = self.term(kind_term_id(str(category), str(kind)), NEEDS_TAXONOMY, str(kind),
                             label, f"Kind of service, {where}{label}", parent)
            self.link(sid, service_id, term, "service", "kind", str(kind))

    def eligibility(self, eligibility: dict, sid: str, service_id: str) -> None:
        """Eligibility terms, and the required_document and cost_option rows they imply."""
        for key, value in eligibility.items():
            if key in AGE_FIELDS:
                continue  # minimum_age and maximum_age carry them
            key = str(key)
            rule = ELIGIBILITY_RULES.get(key, key.replace("_", " "))
            parent = self.term(rule_term_id(key), ELIGIBILITY_TAXONOMY, key,
                               key.replace("_", " "), rule)
            for item in as_list(value):
                code = rule_code(key, item)
                term = self.term(rule_term_id(code), ELIGIBILITY_TAXONOMY, code,
                                 code.replace("_", " ").replace(":", ": "), f"{rule}: {item}",
                                 parent)
                self.link(sid, service_id, term, "eligibility", "eligibility", code)
        if eligibility.get("id_required") is True:
            self.tables["required_document"].append({
                "id": table_id("required_document", sid), "service_id": service_id,
                "document": ID_DOCUMENT})
        if eligibility.get("cost") is not None:
            cost = str(eligibility["cost"])
            option = {"id": table_id("cost_option", sid), "service_id": service_id,
                      "option": COST_OPTIONS.get(cost, cost)}
            if cost == "free":
                option.update(currency="USD", amount=0)
            self.tables["cost_option"].append(option)


def _differences(original: dict, back: dict) -> dict:
    """What x_cpr must hold so that the entry read back is the original (services aside)."""
    original = plain(original)
    keep = {key: value for key, value in original.items()
            if key != "services" and (key not in back or back[key] != value)}
    absent = sorted(key for key in back if key not in original)
    if absent:
        keep["_absent"] = absent
    return keep


def _keep_what_differs(pairs: list[tuple[dict, dict]], tables: dict[str, list[dict]]) -> None:
    """Read the tables back; where a value would come back different, keep ours in x_cpr."""
    importer = Importer(copy.deepcopy(tables))
    back: dict[str, dict] = {}
    for row in importer.tables["organization"]:
        organization = importer.organization(row) or {}
        back[row["id"]] = organization
        back.update({table_id("service", str(s["id"])): s
                     for s in organization.get("services") or []})
    for original, row in pairs:
        row["x_cpr"].update(_differences(original, back.get(row["id"], {})))


def export_hsds(data: dict, directory: Path) -> dict[str, int]:
    """Write the catalog as HSDS 3.0 JSON tables (extras in x_cpr); return rows per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    organizations = as_list(data.get("organizations"))
    _check_ids(organizations)
    exporter = Exporter(load_kinds())
    for org in organizations:
        exporter.organization(org)
    tables = exporter.tables
    _keep_what_differs(exporter.pairs, tables)
    for name, rows in tables.items():
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        (directory / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    extra = {k: plain(v) for k, v in data.items() if k != "organizations"}
    package = {
        "name": "cpr-bot-reentry-services",
        "title": "Reentry services, Jefferson County, Alabama (CPR Bot catalog)",
        "profile": "data-package",
        "x_hsds_version": HSDS_VERSION,
        "resources": [{"name": name, "path": f"{name}.json", "format": "json",
                       "mediatype": "application/json"} for name in TABLES],
        "x_cpr": {"format": PACKAGE_FORMAT, "catalog": extra},
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {name: len(rows) for name, rows in tables.items()}
