"""Ranking: nearest first, open first, wanted first, service areas kept, and the fast index
gives exactly what scoring every resource would."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cpr_bot.catalog.hours import WeeklyHours
from cpr_bot.catalog.model import ATTRIBUTES, CATEGORIES, Resource
from cpr_bot.catalog.places import Gazetteer
from cpr_bot.catalog.ranking import (
    OPPOSITE,
    WANTED_BONUS,
    CategoryIndex,
    static_penalty,
    status_penalty,
)
from cpr_bot.catalog.resources import load_catalog
from cpr_bot.config import ROOT

from .conftest import CHICAGO, MONDAY_MORNING


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(ROOT / "data" / "places.yaml")


def brute_force(resources, near, now, limit, skip, wants):
    """Score every resource the slow, obvious way."""
    excluded = {OPPOSITE[w] for w in wants if w in OPPOSITE}
    bonus_for = [w for w in wants if w not in OPPOSITE]
    scored = []
    for r in resources:
        if excluded & set(r.attributes) or not r.serves_place(near):
            continue
        if near is None:
            miles = 0.0
        elif r.location is None:
            miles = 8.0
        else:
            from cpr_bot.catalog.places import miles_between

            miles = miles_between(near.lat, near.lon, r.location.lat, r.location.lon)
        score = miles + static_penalty(r) + status_penalty(r, now)
        if bonus_for and any(w in r.attributes for w in bonus_for):
            score -= WANTED_BONUS
        scored.append((score, static_penalty(r), r.name, r))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[skip : skip + limit]]


def synthetic(n, gazetteer, rng):
    zips = ["35203", "35204", "35020", "35215", "35244", "35064", "35211", "35218", "35217"]
    hours = [None, ["24/7"], ["Mon-Fri 09:00-17:00"], ["Mon-Sun 18:00-07:00"], ["Sat 10:00-12:00"]]
    out = []
    for i in range(n):
        line = rng.choice(hours)
        out.append(Resource(
            id=f"r{i}", name=f"Place {i:04d}", categories=["food"], source=["https://x.org"],
            last_verified=dt.date(2026, 11, 1), phone=rng.choice(["", "205-555-0100"]),
            address=rng.choice(["", "1 Main St"]), hours=WeeklyHours(line) if line else None,
            attributes=rng.sample(sorted(ATTRIBUTES), rng.randint(0, 2)),
            confirm_first=rng.random() < 0.3,
            serves=frozenset(["35211"]) if rng.random() < 0.05 else frozenset(),
            location=None if rng.random() < 0.1 else gazetteer.locate_zip(rng.choice(zips)),
        ))
    return out


def test_index_matches_brute_force(gazetteer):
    rng = random.Random(3)
    resources = synthetic(600, gazetteer, rng)
    index = CategoryIndex(resources)
    places = [None, *(gazetteer.locate_zip(z) for z in ("35204", "35020", "35211", "35244"))]
    wants_options = [(), ("women_only",), ("no_id_needed",), ("records_ok", "men_only")]
    for _ in range(300):
        near = rng.choice(places)
        now = MONDAY_MORNING + dt.timedelta(minutes=rng.randrange(7 * 1440))
        wants, skip = rng.choice(wants_options), rng.choice([0, 3, 6])
        fast = index.rank(near, now, 3, skip, wants)
        slow = brute_force(resources, near, now, 3, skip, wants)
        assert [r.id for r in fast] == [r.id for r in slow]


def test_a_person_in_bessemer_gets_bessemer_first(gazetteer):
    catalog = load_catalog(ROOT / "data" / "resources.yaml", gazetteer)
    bessemer = gazetteer.locate_name("Bessemer")
    for category in CATEGORIES:
        found = catalog.nearest(category, bessemer, MONDAY_MORNING, 3)
        in_bessemer = [r for r in catalog.indexes[category].everywhere
                       if r[1].city == "Bessemer" and r[1].phone]
        if in_bessemer and found:
            assert found[0].city == "Bessemer", category


def test_open_now_beats_closed_nearby(gazetteer):
    here = gazetteer.locate_zip("35204")
    night = dt.datetime(2026, 11, 30, 21, 0, tzinfo=CHICAGO)
    day_shelter = Resource(id="day", name="Day Center", categories=["shelter"],
                           source=["https://x.org"], last_verified=dt.date(2026, 11, 1),
                           phone="205-555-0101", address="1 A St",
                           hours=WeeklyHours(["Mon-Fri 07:00-15:00"]), location=here)
    night_shelter = Resource(id="night", name="Night Shelter", categories=["shelter"],
                             source=["https://x.org"], last_verified=dt.date(2026, 11, 1),
                             phone="205-555-0102", address="2 B St",
                             hours=WeeklyHours(["Mon-Sun 18:00-07:00"]),
                             location=gazetteer.locate_zip("35211"))
    ranked = CategoryIndex([day_shelter, night_shelter]).rank(here, night, 2, 0, ())
    assert [r.id for r in ranked] == ["night", "day"]


def test_service_area_and_sex_are_respected(gazetteer):
    catalog = load_catalog(ROOT / "data" / "resources.yaml", gazetteer)
    outside = catalog.nearest("food", gazetteer.locate_zip("35215"), MONDAY_MORNING, 50)
    assert "greater-st-john-food-pantry" not in [r.id for r in outside]
    inside = catalog.nearest("food", gazetteer.locate_zip("35211"), MONDAY_MORNING, 50)
    assert "greater-st-john-food-pantry" in [r.id for r in inside]
    for_men = catalog.nearest("shelter", gazetteer.locate_zip("35204"), MONDAY_MORNING, 50,
                              wants=("men_only",))
    assert not any("women_only" in r.attributes for r in for_men)
