"""HSDS 3.0 export and import: lossless round trip, valid links, and foreign 211-style data."""

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


def _normal(data):
    """Dates as strings, as the catalog checker reads them."""
    return json.loads(json.dumps(data, default=str))


def _load(directory, table):
    return json.loads((directory / f"{table}.json").read_text(encoding="utf-8"))


def _real_catalog() -> dict:
    return yaml.safe_load((ROOT / "data" / "resources.yaml").read_text(encoding="utf-8"))


def test_real_catalog_round_trips(tmp_path):
    catalog = _real_catalog()
    counts = export_hsds(catalog, tmp_path)
    assert counts["service"] == counts["organization"] == len(catalog["resources"])
    assert set(counts) == set(TABLES)
    back = import_hsds(tmp_path)
    assert back["import_report"]["skipped"] == []
    assert back["guides"] == _normal(catalog["guides"])
    expected = {r["id"]: r for r in _normal(catalog["resources"])}
    got = {r["id"]: r for r in back["resources"]}
    assert list(got) == list(expected)
    for rid, resource in expected.items():
        assert got[rid] == resource, rid


def test_odd_spellings_round_trip_and_export_cleanly(tmp_path):
    catalog = {"guides": [], "resources": [
        {"id": "night-shelter", "name": "Night Shelter", "categories": ["shelter", "food"],
         "phone": "(205) 323-5878", "phone_note": "ask for intake", "zip": "35203",
         "hours": ["Mon - Fri 9:00-16:00", "Sat,Sun 10:00-12:00", "Mon-Sun 18:00-07:00"],
         "hours_note": "Doors close at 20:00", "attributes": ["walk_in", "free"],
         "languages": ["en", "es"], "serves": ["35211", "Fairfield"],
         "source": ["https://example.org/a", "https://example.org/b"],
         "last_verified": dt.date(2026, 11, 29), "confidence": "high", "confirm_first": False},
        {"id": "crisis-line", "name": "Crisis Line", "categories": ["crisis"], "phone": "988",
         "hours": ["24/7"], "source": "https://example.org/c", "last_verified": "2026-01-02"},
        {"id": "no-phone", "name": "No Phone", "categories": ["legal"], "phone_note": "none yet",
         "source": "https://example.org/d", "last_verified": "2026-01-03"},
    ]}
    export_hsds(catalog, tmp_path)
    back = import_hsds(tmp_path)
    assert back["resources"] == _normal(catalog["resources"])
    assert back["guides"] == []
    schedules = {s["description"]: s for s in _load(tmp_path, "schedule")}
    weekday = schedules["Mon - Fri 9:00-16:00"]
    assert (weekday["byday"], weekday["opens_at"], weekday["closes_at"]) == (
        "MO,TU,WE,TH,FR", "09:00", "16:00")
    assert weekday["notes"] == "Doors close at 20:00"
    always = next(s for s in schedules.values() if "24 hours" in s["description"])
    assert (always["byday"], always["opens_at"], always["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")
    phones = {p["number"]: p for p in _load(tmp_path, "phone")}
    assert phones["205-323-5878"]["description"] == "ask for intake"
    assert "988" in phones
    assert {a["name"] for a in _load(tmp_path, "service_area")} == {"35211", "Fairfield"}
    assert {lang["code"] for lang in _load(tmp_path, "language")} == {"en", "es"}


def test_export_is_valid_hsds(tmp_path):
    export_hsds(_real_catalog(), tmp_path)
    tables = {name: _load(tmp_path, name) for name in TABLES}
    ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        assert len(ids[name]) == len(rows), f"duplicate ids in {name}"
        for row in rows:
            assert str(uuid.UUID(row["id"])) == row["id"]
            for key, value in row.items():
                if key in REFERENCE_TABLES:
                    assert value in ids[REFERENCE_TABLES[key]], (name, key, value)
            if name == "attribute":
                assert row["link_entity"] == row["link_type"] == "service"
                assert row["link_id"] in ids["service"]
    for service in tables["service"]:
        for key in ("id", "organization_id", "name", "status", "assured_date"):
            assert service.get(key), (service["name"], key)
        assert dt.date.fromisoformat(service["assured_date"])
        assert service["status"] == "active"
    for phone in tables["phone"]:
        assert phone["number"] and phone["service_id"] in ids["service"]
    assert tables["schedule"], "the catalog has opening hours"
    for schedule in tables["schedule"]:
        assert schedule["freq"] == "WEEKLY" and schedule["service_id"] in ids["service"]
        assert all(day in {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
                   for day in schedule["byday"].split(","))
        for key in ("opens_at", "closes_at"):
            assert dt.time.fromisoformat(schedule[key]).strftime("%H:%M") == schedule[key]
    for address in tables["address"]:
        assert (address["state_province"], address["country"], address["address_type"]) == (
            "AL", "US", "physical")
        assert address["location_id"] in ids["location"]
    for term in tables["taxonomy_term"]:
        assert term["name"] and term["description"]
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in package["resources"]} == {f"{name}.json" for name in TABLES}


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
             term(7, "Homeless Shelter")]
    services = [
        {"id": "s1", "organization_id": "o1", "name": "Eastside Food Pantry", "status": "active",
         "description": "Groceries once a week.", "assured_date": "2025-05-01T00:00:00Z",
         "eligibility_description": "Jefferson County residents"},
        {"id": "s2", "organization_id": "o2", "name": "Hope Counseling", "status": "active",
         "url": "https://hope.example.org"},
        {"id": "s3", "organization_id": "o1", "name": "Free Tax Help", "status": "active",
         "assured_date": "2025-02-01"},
        {"id": "s4", "organization_id": "o2", "name": "Old Shelter", "status": "defunct"},
        {"id": "s5", "organization_id": "o1", "name": "Eastside Food Pantry",
         "status": "active"},
    ]
    links = [("s1", 2), ("s1", 3), ("s1", 5), ("s2", 4), ("s3", 3), ("s4", 7), ("s5", 6)]
    days = [{"id": f"d{i}", "service_id": "s1", "freq": "WEEKLY", "byday": code,
             "opens_at": "09:00:00", "closes_at": "17:00:00"}
            for i, code in enumerate(["MO", "TU", "WE", "TH", "FR"])]
    tables = {
        "organization": [
            {"id": "o1", "name": "Eastside Church", "description": "A church."},
            {"id": "o2", "name": "Hope Counseling", "description": "Counseling.",
             "website": "https://hope.example.org"}],
        "service": services,
        "location": [{"id": "l1", "location_type": "physical", "name": "Church hall"},
                     {"id": "l2", "location_type": "physical", "name": "Hope office"}],
        "address": [{"id": "a1", "location_id": "l1", "address_1": "100 Main St",
                     "address_2": "Suite 2", "city": "Birmingham", "state_province": "AL",
                     "postal_code": "35206", "country": "US", "address_type": "physical"}],
        "service_at_location": [{"id": "sl1", "service_id": "s1", "location_id": "l1"},
                                {"id": "sl2", "service_id": "s2", "location_id": "l2"}],
        "phone": [{"id": "p1", "service_id": "s1", "number": "(205) 555-0134"},
                  {"id": "p2", "location_id": "l2", "number": "+1 205 555 0199 ext. 3",
                   "description": "front desk"},
                  {"id": "p3", "service_id": "s5", "number": "call us"}],
        "schedule": days + [
            {"id": "d5", "service_id": "s1", "freq": "WEEKLY", "byday": "SA",
             "opens_at": "10:00", "closes_at": "12:00"},
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
    }
    for name, rows in tables.items():
        (directory / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")


def test_import_foreign_211_export(tmp_path):
    _foreign_export(tmp_path)
    result = import_hsds(tmp_path)
    resources = {r["id"]: r for r in result["resources"]}
    assert list(resources) == ["eastside-food-pantry", "hope-counseling", "eastside-food-pantry-2"]
    assert resources["eastside-food-pantry"] == {
        "id": "eastside-food-pantry", "name": "Eastside Food Pantry", "categories": ["food"],
        "summary": "Groceries once a week.", "eligibility": "Jefferson County residents",
        "last_verified": "2025-05-01", "address": "100 Main St, Suite 2", "city": "Birmingham",
        "zip": "35206", "phone": "205-555-0134",
        "hours": ["Mon-Fri 09:00-17:00", "Sat 10:00-12:00"],
        "hours_note": "Second Saturday produce giveaway", "attributes": ["walk_in"],
        "notes": "Provided by Eastside Church.",
    }
    hope = resources["hope-counseling"]
    assert hope == {
        "id": "hope-counseling", "name": "Hope Counseling", "categories": ["mental_health"],
        "summary": "Counseling.", "website": "https://hope.example.org",
        "phone": "205-555-0199", "phone_note": "front desk; ext. 3",
        "hours": ["Mon-Sun 18:00-07:00"], "languages": ["es"],
    }
    assert "last_verified" not in hope  # the catalog checker must flag it
    assert "phone" not in resources["eastside-food-pantry-2"]
    assert resources["eastside-food-pantry-2"]["categories"] == ["clothing"]
    for resource in resources.values():
        assert all(value not in ("", None, []) for value in resource.values())
    report = result["import_report"]
    assert (report["services"], report["imported"]) == (5, 3)
    skipped = {s["name"]: s["reason"] for s in report["skipped"]}
    assert skipped == {"Free Tax Help": "no recognised category (terms: Tax Preparation)",
                       "Old Shelter": "status defunct"}
    assert report["dropped_terms"] == ["Tax Preparation"]
    assert any("call us" in warning for warning in report["warnings"])


def test_import_nested_api_style_and_source(tmp_path):
    services = [{
        "id": "n1", "name": "Ride Share", "status": "active", "assured_date": "2025-03-03",
        "organization": {"id": "no1", "name": "Ride Share", "description": "Rides."},
        "phones": [{"id": "np1", "number": "205.555.0177"}],
        "schedules": [{"id": "ns1", "freq": "WEEKLY", "byday": "MO,WE",
                       "opens_at": "08:00", "closes_at": "10:00"}],
        "attributes": [{"id": "na1", "link_type": "service", "taxonomy_term": {
            "id": "nt1", "name": "Transportation", "description": "Transportation"}}],
    }]
    (tmp_path / "services.json").write_text(json.dumps(services), encoding="utf-8")
    result = import_hsds(tmp_path, source="https://211.example.org/export")
    assert result["resources"] == [{
        "id": "ride-share", "name": "Ride Share", "categories": ["transportation"],
        "summary": "Rides.", "phone": "205-555-0177", "hours": ["Mon,Wed 08:00-10:00"],
        "last_verified": "2025-03-03", "source": "https://211.example.org/export",
    }]


def test_cli_round_trip_passes_the_catalog_check(tmp_path):
    import subprocess
    import sys

    from cpr_bot.config import ROOT

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "cpr_bot.cli", "catalog", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    assert cli("export", "--hsds", str(tmp_path / "hsds")).returncode == 0
    out = tmp_path / "back.yaml"
    assert cli("import", "--hsds", str(tmp_path / "hsds"), "--out", str(out)).returncode == 0
    checked = cli("check", "--file", str(out))
    assert checked.returncode == 0, checked.stdout
