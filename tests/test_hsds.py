"""HSDS 3.0 export and import: lossless round trip, valid links, what a consumer reads, and
foreign 211-style data."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import yaml

from cpr_bot.catalog.hsds_export import export_hsds
from cpr_bot.catalog.hsds_import import import_hsds
from cpr_bot.catalog.hsds_tables import TABLES
from cpr_bot.config import ROOT

REFERENCE_TABLES = {
    "organization_id": "organization", "service_id": "service", "location_id": "location",
    "service_at_location_id": "service_at_location", "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy", "parent_id": "taxonomy_term", "phone_id": "phone",
}
# What the HSDS 3.0 schemas (schema/<table>.json "required") ask of every row.
REQUIRED = {
    "organization": ("id", "name", "description"), "service": ("id", "name", "status"),
    "location": ("id", "location_type"),
    "address": ("id", "address_1", "city", "state_province", "postal_code", "country",
                "address_type"),
    "phone": ("id", "number"), "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "name", "description"),
}
DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


def _normal(data):
    """Dates as strings, as the catalog checker reads them."""
    return json.loads(json.dumps(data, default=str))


def _load(directory, table):
    return json.loads((directory / f"{table}.json").read_text(encoding="utf-8"))


def _tables(directory) -> dict[str, list[dict]]:
    return {name: _load(directory, name) for name in TABLES}


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    """Rows grouped by one of their fields, as a consumer joins tables."""
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row.get(key), []).append(row)
    return found


def _real_catalog() -> dict:
    return yaml.safe_load((ROOT / "data" / "resources.yaml").read_text(encoding="utf-8"))


def _services(catalog: dict) -> list[tuple[dict, dict]]:
    return [(org, service) for org in catalog["organizations"] for service in org["services"]]


def test_real_catalog_round_trips(tmp_path):
    catalog = _real_catalog()
    counts = export_hsds(catalog, tmp_path)
    assert set(counts) == set(TABLES)
    assert counts["organization"] == len(catalog["organizations"])
    assert counts["service"] == len(_services(catalog))
    back = import_hsds(tmp_path)
    report = back["import_report"]
    assert report["skipped"] == report["incomplete"] == report["warnings"] == []
    assert back["guides"] == _normal(catalog["guides"])
    expected = {o["id"]: o for o in _normal(catalog["organizations"])}
    got = {o["id"]: o for o in back["organizations"]}
    assert list(got) == list(expected)
    for oid, organization in expected.items():
        assert got[oid] == organization, oid


ODD_CATALOG = {"guides": [{"id": "state-id", "title": "Get an ID", "steps": ["Go."]}],
               "organizations": [
    {"id": "night-shelter", "name": "Night Shelter Ministries", "short_name": "Night Shelter",
     "phone": "(205) 323-5878", "phone_note": "ask for intake", "address": "1 Main St ",
     "city": "Birmingham", "zip": "35203", "website": "https://example.org",
     "languages": ["en", "es"], "source": ["https://example.org/a", "https://example.org/b"],
     "source_date": dt.date(2026, 10, 1), "last_verified": dt.date(2026, 11, 29),
     "confidence": "high", "confirm_first": False, "notes": "Two phones seen.",
     "x_later": {"any": ["thing"]},
     "services": [
         {"id": "night-shelter-beds", "name": "Men's beds", "name_es": "Camas para hombres",
          "category": "shelter", "kind": "emergency_bed", "summary": "Beds for men.",
          "summary_es": "Camas para hombres.", "access": "walk_in",
          "phone": "205.323.5878",  # the organization's number, spelled another way
          "hours": ["Mon - Fri 9:00-16:00", "Sat,Sun 10:00-12:00", "Mon-Sun 18:00-07:00"],
          "hours_note": "Doors close at 20:00", "hours_note_es": "Cierran a las 20:00",
          "serves": ["35211", "Fairfield"],
          "eligibility": {"sex": "men", "min_age": 18, "max_age": 24, "families": "no",
                          "veterans_only": True, "records_ok": True, "registry": "refused",
                          "sober_required": True, "id_required": True,
                          "insurance": ["medicaid", "none"], "cost": "sliding_scale",
                          "pets": "allowed", "only_for": "hiv"},
          "eligibility_text": "Men 18 to 24", "eligibility_text_es": "Hombres de 18 a 24",
          "guides": ["state-id"], "source": ["https://example.org/c"], "notes": "Beds vary."},
         {"id": "night-shelter-pantry", "name": "Pantry", "name_es": "Despensa",
          "category": "food", "kind": "pantry", "summary": "Groceries.",
          "summary_es": "Comida.", "access": "call_first", "phone": "205-555-0134 ext. 12",
          "address": "9 Side St", "city": "Bessemer", "hours": ["24/7"],
          "eligibility": {"cost": "free", "id_required": False}},
         {"id": "night-shelter-line", "name": "Help line", "name_es": "Linea de ayuda",
          "category": "crisis", "kind": "crisis_line", "summary": "Call any time.",
          "summary_es": "Llame.", "access": "phone_line", "phone": "1-800-799-7233",
          "area": "Alabama (statewide)", "hours": ["24/7"], "eligibility": {},
          "x_later": 3},
     ]},
    {"id": "small-church", "name": "Small Church", "source": "https://example.org/d",
     "last_verified": "2026-01-03",
     "services": [
         {"id": "small-church-meal", "name": "Supper", "name_es": "Cena", "category": "food",
          "kind": "hot_meal", "summary": "A hot supper.", "summary_es": "Una cena.",
          "access": "walk_in", "hours_note": "Second Tuesday of the month"}]},
]}


def test_odd_spellings_round_trip_and_export_cleanly(tmp_path):
    export_hsds(ODD_CATALOG, tmp_path)
    back = import_hsds(tmp_path)
    assert back["organizations"] == _normal(ODD_CATALOG["organizations"])
    assert back["guides"] == ODD_CATALOG["guides"]
    tables = _tables(tmp_path)
    services = {s["name"]: s for s in tables["service"]}
    beds, pantry, line, supper = (services[n] for n in ("Men's beds", "Pantry", "Help line",
                                                        "Supper"))

    schedules = _by(tables["schedule"], "service_id")
    weekday = next(s for s in schedules[beds["id"]] if s["byday"] == "MO,TU,WE,TH,FR"
                   and s["opens_at"] == "09:00")
    assert (weekday["closes_at"], weekday["notes"]) == ("16:00", "Doors close at 20:00")
    overnight = next(s for s in schedules[beds["id"]] if s["opens_at"] == "18:00")
    assert overnight["closes_at"] == "07:00" and "overnight" in overnight["description"]
    [always] = schedules[pantry["id"]]
    assert (always["byday"], always["opens_at"], always["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")
    assert schedules[supper["id"]] == [{"id": schedules[supper["id"]][0]["id"],
                                        "service_id": supper["id"],
                                        "description": "Second Tuesday of the month"}]

    phones = _by(tables["phone"], "number")
    main, own = phones["205-323-5878"]  # the service repeats the organization's number
    assert main["organization_id"] == beds["organization_id"] and "service_id" not in main
    assert main["description"] == "ask for intake"
    assert own["service_id"] == beds["id"] and beds["x_cpr"]["phone"] == "205.323.5878"
    assert (phones["205-555-0134"][0]["extension"], phones["205-555-0134"][0]["service_id"]) == (
        12, pantry["id"])

    addresses = {a["location_id"]: a for a in tables["address"]}
    where = {link["service_id"]: addresses[link["location_id"]]
             for link in tables["service_at_location"]}
    assert (where[beds["id"]]["address_1"], where[beds["id"]]["postal_code"]) == (
        "1 Main St ", "35203")
    assert (where[pantry["id"]]["address_1"], where[pantry["id"]]["city"]) == (
        "9 Side St", "Bessemer")
    assert line["id"] not in where and supper["id"] not in where
    areas = _by(tables["service_area"], "service_id")
    assert [a["name"] for a in areas[beds["id"]]] == ["35211", "Fairfield"]
    assert [a["name"] for a in areas[line["id"]]] == ["Alabama (statewide)"]
    assert {(g["service_id"], g["code"]) for g in tables["language"]} == {
        (s["id"], code) for s in (beds, pantry, line) for code in ("en", "es")}

    assert (beds["minimum_age"], beds["maximum_age"]) == (18, 24)
    assert beds["eligibility_description"] == "Men 18 to 24"
    assert "minimum_age" not in pantry
    assert [d["service_id"] for d in tables["required_document"]] == [beds["id"]]
    costs = {c["service_id"]: c for c in tables["cost_option"]}
    assert (costs[pantry["id"]]["amount"], costs[beds["id"]]["option"]) == (0, "Sliding scale fee")
    terms = {t["id"]: t for t in tables["taxonomy_term"]}
    codes = {s: [terms[a["taxonomy_term_id"]]["code"] for a in rows]
             for s, rows in _by(tables["attribute"], "link_id").items()}
    assert codes[pantry["id"]] == ["food", "pantry", "cost:free", "id_required:false"]
    assert {"records_ok:true", "insurance:medicaid", "insurance:none", "only_for:hiv"} <= set(
        codes[beds["id"]])
    organization = next(o for o in tables["organization"] if o["name"] == "Small Church")
    assert organization["x_cpr"] == {"id": "small-church", "source": "https://example.org/d"}


def test_export_is_valid_hsds(tmp_path):
    export_hsds(_real_catalog(), tmp_path)
    tables = _tables(tmp_path)
    ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        assert len(ids[name]) == len(rows), f"duplicate ids in {name}"
        for row in rows:
            assert str(uuid.UUID(row["id"])) == row["id"]
            assert all(key in row for key in REQUIRED.get(name, ())), (name, row)
            for key, value in row.items():
                if key in REFERENCE_TABLES:
                    assert value in ids[REFERENCE_TABLES[key]], (name, key, value)
    for link in tables["attribute"]:
        assert link["link_entity"] == "service" and link["link_id"] in ids["service"]
        assert link["link_type"] in ("service", "eligibility")
    for service in tables["service"]:
        for key in ("organization_id", "status", "assured_date", "description"):
            assert service.get(key), (service["name"], key)
        assert dt.date.fromisoformat(service["assured_date"])
        assert service["status"] == "active"
    assert tables["schedule"], "the catalog has opening hours"
    for schedule in tables["schedule"]:
        if "freq" not in schedule:  # hours in words only
            assert set(schedule) == {"id", "service_id", "description"}
            continue
        assert schedule["freq"] == "WEEKLY" and set(schedule["byday"].split(",")) <= DAYS
        for key in ("opens_at", "closes_at"):
            assert dt.time.fromisoformat(schedule[key]).strftime("%H:%M") == schedule[key]
    for address in tables["address"]:
        assert (address["state_province"], address["country"], address["address_type"]) == (
            "AL", "US", "physical")
    terms = {t["id"]: t for t in tables["taxonomy_term"]}
    used = {link["taxonomy_term_id"] for link in tables["attribute"]}
    assert all(t["id"] in used or t["id"] in {u.get("parent_id") for u in terms.values()}
               for t in terms.values()), "HSDS: no unused taxonomy terms"
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in package["resources"]} == {f"{name}.json" for name in TABLES}


def test_a_consumer_reads_each_service_from_the_standard_fields(tmp_path):
    catalog = _real_catalog()
    export_hsds(catalog, tmp_path)
    tables = _tables(tmp_path)
    organizations = {o["id"]: o for o in tables["organization"]}
    terms = {t["id"]: t for t in tables["taxonomy_term"]}
    attributes = _by(tables["attribute"], "link_id")
    schedules = _by(tables["schedule"], "service_id")
    places = {link["service_id"]: link["location_id"] for link in tables["service_at_location"]}
    streets = {a["location_id"]: a["address_1"] for a in tables["address"]}
    phones = _by(tables["phone"], "service_id")
    services = {s["x_cpr"]["id"]: s for s in tables["service"]}
    for org, entry in _services(catalog):
        service = services[entry["id"]]
        eligibility = entry.get("eligibility") or {}
        assert organizations[service["organization_id"]]["name"] == org["name"]
        assert service["name"] == entry["name"]
        assert service.get("description") == entry.get("summary")
        assert service.get("eligibility_description") == entry.get("eligibility_text")
        assert service.get("minimum_age") == eligibility.get("min_age")
        assert service.get("maximum_age") == eligibility.get("max_age")
        assert service["assured_date"] == str(org["last_verified"])
        needs = [terms[a["taxonomy_term_id"]] for a in attributes[service["id"]]
                 if a["link_type"] == "service"]
        assert [t["code"] for t in needs] == [entry["category"], entry["kind"]]
        assert needs[1]["parent_id"] == needs[0]["id"]
        assert bool(schedules.get(service["id"])) == bool(entry.get("hours")
                                                           or entry.get("hours_note"))
        street = entry.get("address") or (None if entry.get("area") else org.get("address"))
        # "" is HSDS's required address_1 where only the city is known
        assert (streets.get(places.get(service["id"])) or None) == street, entry["id"]
        if entry.get("phone"):
            assert phones[service["id"]][0]["number"] in entry["phone"].replace("1-8", "8")
    crisis_care = services["jbs-craig-crisis-care"]
    assert crisis_care["minimum_age"] == 19
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in schedules[crisis_care["id"]]] == [
        ("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")]


FOOD_TAXONOMY = "0b6b3c61-1111-4a4a-8a8a-000000000001"


def _foreign_export(directory) -> None:
    """A tiny 211-style HSDS 3.0 export with standard fields only."""
    def term(key, name, parent=None):
        row = {"id": f"0b6b3c61-2222-4a4a-8a8a-00000000000{key}", "name": name, "code": name,
               "description": name, "taxonomy": "211 taxonomy", "taxonomy_id": FOOD_TAXONOMY}
        if parent:
            row["parent_id"] = parent["id"]
        return row

    food = term(1, "Food")
    terms = [food, term(2, "Emergency Food", food), term(3, "Tax Preparation"),
             term(4, "Mental Health Services"), term(5, "Walk-In"), term(6, "Clothing Closets"),
             term(7, "Homeless Shelter"), term(8, "Criminal Records OK")]
    services = [
        {"id": "s1", "organization_id": "o1", "name": "Eastside Food Pantry", "status": "active",
         "description": "Groceries once a week.", "assured_date": "2025-05-01T00:00:00Z",
         "eligibility_description": "Jefferson County residents", "minimum_age": 18.0},
        {"id": "s2", "organization_id": "o2", "name": "Hope Counseling", "status": "active",
         "url": "https://hope.example.org", "assured_date": "2025-04-01"},
        {"id": "s3", "organization_id": "o1", "name": "Free Tax Help", "status": "active",
         "assured_date": "2025-02-01"},
        {"id": "s4", "organization_id": "o2", "name": "Old Shelter", "status": "defunct"},
        {"id": "s5", "organization_id": "o1", "name": "Eastside Food Pantry",
         "status": "temporarily closed", "assured_date": "2025-06-01"},
        {"id": "s6", "organization_id": "o3", "name": "Old Tax Clinic", "status": "active"},
    ]
    links = [("s1", 2), ("s1", 3), ("s1", 5), ("s1", 8), ("s2", 4), ("s3", 3), ("s4", 7),
             ("s5", 6), ("s6", 3)]
    days = [{"id": f"d{i}", "service_id": "s1", "freq": "WEEKLY", "byday": code,
             "opens_at": "09:00:00", "closes_at": "17:00:00"}
            for i, code in enumerate(["MO", "TU", "WE", "TH", "FR"])]
    tables = {
        "organization": [
            {"id": "o1", "name": "Eastside Church", "description": "A church."},
            {"id": "o2", "name": "Hope Counseling", "description": "Counseling.",
             "website": "https://hope.example.org", "alternate_name": "Hope"},
            {"id": "o3", "name": "Tax Friends", "description": "Taxes."}],
        "service": services,
        "location": [{"id": "l1", "location_type": "physical", "name": "Church hall"},
                     {"id": "l2", "location_type": "physical", "name": "Hope office"},
                     {"id": "l3", "location_type": "physical", "organization_id": "o1"}],
        "address": [{"id": "a1", "location_id": "l1", "address_1": "100 Main St",
                     "address_2": "Suite 2", "city": "Birmingham", "state_province": "AL",
                     "postal_code": "35206", "country": "US", "address_type": "physical"},
                    {"id": "a3", "location_id": "l3", "address_1": "5 Church Rd",
                     "city": "Birmingham", "state_province": "AL", "postal_code": "35206-1234",
                     "country": "US", "address_type": "physical"}],
        "service_at_location": [{"id": "sl1", "service_id": "s1", "location_id": "l1"},
                                {"id": "sl2", "service_id": "s2", "location_id": "l2"},
                                {"id": "sl5", "service_id": "s5", "location_id": "l3"}],
        "phone": [{"id": "p1", "service_id": "s1", "number": "(205) 555-0134"},
                  {"id": "p2", "location_id": "l2", "number": "+1 205 555 0199 ext. 3",
                   "description": "front desk"},
                  {"id": "p3", "service_id": "s5", "number": "call us"},
                  {"id": "p4", "organization_id": "o1", "number": "205-555-0100"}],
        "schedule": days + [
            {"id": "d5", "service_id": "s1", "freq": "WEEKLY", "byday": "SA",
             "opens_at": "10:00", "closes_at": "12:00", "notes": "Closed on holidays"},
            {"id": "d6", "service_id": "s1", "freq": "MONTHLY", "byday": "2SA",
             "description": "Second Saturday produce giveaway"},
            {"id": "d7", "service_at_location_id": "sl2", "freq": "WEEKLY",
             "byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "18:00-06:00",
             "closes_at": "07:00-06:00"}],
        "taxonomy": [{"id": FOOD_TAXONOMY, "name": "211 taxonomy", "description": "Local"}],
        "taxonomy_term": terms,
        "attribute": [{"id": f"at{i}", "link_id": sid, "link_entity": "service",
                       "link_type": "service", "taxonomy_term_id": terms[key - 1]["id"]}
                      for i, (sid, key) in enumerate(links)],
        "language": [{"id": "g1", "service_id": "s2", "name": "Spanish"}],
        "service_area": [{"id": "sa1", "service_id": "s1", "name": "Jefferson County"},
                         {"id": "sa2", "service_id": "s1", "name": "35206"}],
        "cost_option": [{"id": "c1", "service_id": "s1", "option": "No cost", "amount": 0}],
        "required_document": [{"id": "r1", "service_id": "s1",
                               "document": "Photo ID and a piece of mail"}],
    }
    for name, rows in tables.items():
        (directory / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")


def test_import_foreign_211_export(tmp_path):
    _foreign_export(tmp_path)
    result = import_hsds(tmp_path, source="https://211.example.org/export")
    organizations = {o["id"]: o for o in result["organizations"]}
    assert list(organizations) == ["eastside-church", "hope-counseling"]
    assert result["guides"] == []
    eastside = organizations["eastside-church"]
    assert {k: v for k, v in eastside.items() if k != "services"} == {
        "id": "eastside-church", "name": "Eastside Church", "phone": "205-555-0100",
        "address": "5 Church Rd", "city": "Birmingham", "zip": "35206-1234",
        "source": "https://211.example.org/export", "last_verified": "2025-05-01",
    }
    pantry, closet = eastside["services"]
    assert pantry == {
        "id": "eastside-food-pantry", "name": "Eastside Food Pantry", "category": "food",
        "summary": "Groceries once a week.", "access": "walk_in", "phone": "205-555-0134",
        "hours": ["Mon-Fri 09:00-17:00", "Sat 10:00-12:00"],
        "hours_note": "Closed on holidays; Second Saturday produce giveaway",
        "address": "100 Main St, Suite 2", "city": "Birmingham", "zip": "35206",
        "serves": ["35206"],
        "eligibility": {"min_age": 18, "records_ok": True, "id_required": True, "cost": "free"},
        "eligibility_text": "Jefferson County residents",
    }
    assert closet == {  # at the church's own address and with no usable phone of its own
        "id": "eastside-food-pantry-2", "name": "Eastside Food Pantry", "category": "clothing",
        "kind": "clothes_closet", "summary": "A church.",
        "notes": "Marked temporarily closed in the HSDS data.",
    }
    hope = organizations["hope-counseling"]
    assert hope == {
        "id": "hope-counseling", "name": "Hope Counseling", "short_name": "Hope",
        "website": "https://hope.example.org", "languages": ["es"],
        "source": "https://211.example.org/export", "last_verified": "2025-04-01",
        "services": [{
            "id": "hope-counseling-mental-health", "name": "Hope Counseling",
            "category": "mental_health", "summary": "Counseling.", "phone": "205-555-0199",
            "phone_note": "front desk; ext. 3", "hours": ["Mon-Sun 18:00-07:00"]}],
    }
    report = result["import_report"]
    assert (report["organizations"], report["services"]) == (3, 6)
    assert (report["imported_organizations"], report["imported_services"]) == (2, 3)
    skipped = {s["name"]: (s["table"], s["reason"]) for s in report["skipped"]}
    assert skipped == {
        "Free Tax Help": ("service", "no recognised category (terms: Tax Preparation)"),
        "Old Shelter": ("service", "status defunct"),
        "Old Tax Clinic": ("service", "no recognised category (terms: Tax Preparation)"),
        "Tax Friends": ("organization", "none of its services was imported"),
    }
    # The catalog check requires these; the report says what a coordinator must still fill in.
    assert report["incomplete"] == [
        {"id": "eastside-food-pantry", "missing": ["kind"]},
        {"id": "eastside-food-pantry-2", "missing": ["access"]},
        {"id": "hope-counseling-mental-health", "missing": ["kind", "access"]},
    ]
    assert report["dropped_terms"] == ["Tax Preparation"]
    assert any("call us" in warning for warning in report["warnings"])


def test_import_nested_api_style_and_source(tmp_path):
    services = [{
        "id": "n1", "name": "Ride Share", "status": "active", "assured_date": "2025-03-03",
        "organization": {"id": "no1", "name": "Ride Share Inc", "description": "Rides.",
                         "phones": [{"id": "np0", "number": "205.555.0100"}]},
        "phones": [{"id": "np1", "number": "205.555.0177"}],
        "schedules": [{"id": "ns1", "freq": "WEEKLY", "byday": "MO,WE",
                       "opens_at": "08:00", "closes_at": "10:00"}],
        "attributes": [{"id": "na1", "link_type": "service", "taxonomy_term": {
            "id": "nt1", "name": "Rides", "description": "Rides"}}],
        "cost_options": [{"id": "nc1", "option": "Sliding scale", "amount": 5}],
    }, {"id": "n2", "name": "Lonely Pantry", "status": "active", "attributes": [
        {"id": "na2", "taxonomy_term": {"id": "nt2", "name": "Food Pantries", "description": "-"}}],
    }]
    (tmp_path / "services.json").write_text(json.dumps(services), encoding="utf-8")
    result = import_hsds(tmp_path, source="https://211.example.org/export")
    assert result["organizations"] == [{
        "id": "ride-share-inc", "name": "Ride Share Inc", "phone": "205-555-0100",
        "source": "https://211.example.org/export", "last_verified": "2025-03-03",
        "services": [{"id": "ride-share", "name": "Ride Share", "category": "transportation",
                      "kind": "rides", "summary": "Rides.", "phone": "205-555-0177",
                      "hours": ["Mon,Wed 08:00-10:00"],
                      "eligibility": {"cost": "sliding_scale"}}],
    }, {
        "id": "lonely-pantry", "name": "Lonely Pantry",
        "source": "https://211.example.org/export",
        "services": [{"id": "lonely-pantry-food", "name": "Lonely Pantry", "category": "food",
                      "kind": "pantry"}],
    }]
    assert any("Lonely Pantry: no organization" in w for w in
               result["import_report"]["warnings"])


def test_cli_round_trip_passes_the_catalog_check(tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "cpr_bot.cli", "catalog", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    assert cli("export", "--hsds", str(tmp_path / "hsds")).returncode == 0
    out = tmp_path / "back.yaml"
    assert cli("import", "--hsds", str(tmp_path / "hsds"), "--out", str(out)).returncode == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["organizations"] == _normal(
        _real_catalog()["organizations"])
    checked = cli("check", "--file", str(out))
    assert checked.returncode == 0, checked.stdout
