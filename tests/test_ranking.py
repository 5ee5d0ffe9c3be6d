"""Ranking: fit before distance, restricted services labeled and below, both sexes offered when
the person has not said, service areas kept, and the fast index gives exactly what scoring
every service would."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cpr_bot.catalog.hours import WeeklyHours
from cpr_bot.catalog.model import CATEGORIES, Eligibility, Organization, Service, load_kinds
from cpr_bot.catalog.places import Gazetteer, miles_between
from cpr_bot.catalog.ranking import (
    UNLOCATED_MILES,
    CategoryIndex,
    Seeker,
    excluded,
    score,
    static_penalty,
)
from cpr_bot.catalog.resources import load_catalog
from cpr_bot.config import ROOT

from .conftest import CHICAGO, MONDAY_MORNING

KINDS = load_kinds()
TUESDAY_NIGHT = dt.datetime(2026, 12, 1, 21, 30, tzinfo=CHICAGO)


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(ROOT / "data" / "places.yaml")


@pytest.fixture(scope="module")
def catalog(gazetteer):
    return load_catalog(ROOT / "data" / "resources.yaml", gazetteer)


def brute_force(services, near, now, limit, skip, seeker):
    """Score every service the slow, obvious way."""
    seeker = seeker.within(frozenset(k for k in KINDS if KINDS[k].category == "food"), KINDS)
    scored = []
    for s in services:
        if excluded(s, seeker, near):
            continue
        if near is None:
            miles = 0.0
        elif s.location is None:
            miles = UNLOCATED_MILES
        else:
            miles = miles_between(near.lat, near.lon, s.location.lat, s.location.lon)
        match = score(s, KINDS[s.kind], miles, seeker, now)
        if match:
            scored.append((match.score, static_penalty(s), s.name, s))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[skip : skip + limit]]


def service(sid, location, kind="pantry", category="food", phone="205-555-0100",
            address="1 Main St", hours=None, access="walk_in", **rules):
    organization = Organization(id=f"org-{sid}", name=f"Org {sid}", source=["https://x.org"],
                                last_verified=dt.date(2026, 11, 1), phone=phone,
                                address=address)
    return Service(id=sid, organization=organization, name=f"Place {sid}", category=category,
                   kind=kind, access=access, hours=WeeklyHours(hours) if hours else None,
                   eligibility=Eligibility(**rules), location=location)


def synthetic(n, gazetteer, rng):
    zips = ["35203", "35204", "35020", "35215", "35244", "35064", "35211", "35218", "35217"]
    hours = [None, ["24/7"], ["Mon-Fri 09:00-17:00"], ["Mon-Sun 18:00-07:00"], ["Sat 10:00-12:00"]]
    rules = [{}, {"sex": "men"}, {"sex": "women"}, {"families": "only"}, {"cost": "free"},
             {"id_required": False}, {"veterans_only": True}, {"max_age": 24},
             {"cost": "private_pay"}, {"sex": "men", "families": "welcome"}]
    out = []
    for i in range(n):
        made = service(
            f"{i:04d}", None if rng.random() < 0.1 else gazetteer.locate_zip(rng.choice(zips)),
            kind=rng.choice(["pantry", "hot_meal", "snap_benefits"]),
            phone=rng.choice(["", "205-555-0100"]), address=rng.choice(["", "1 Main St"]),
            hours=rng.choice(hours), access=rng.choice(["walk_in", "call_first", "referral"]),
            **rng.choice(rules))
        if rng.random() < 0.05:
            made.serves = frozenset(["35211"])
        out.append(made)
    return out


def test_index_matches_brute_force(gazetteer):
    rng = random.Random(3)
    services = synthetic(600, gazetteer, rng)
    index = CategoryIndex(services, KINDS, "food")
    places = [None, *(gazetteer.locate_zip(z) for z in ("35204", "35020", "35211", "35244"))]
    seekers = [Seeker(facts=frozenset({"men_only"})),
               Seeker(frozenset({"hot_meal"}), frozenset({"women_only", "families"})),
               Seeker(facts=frozenset({"men_only", "veteran"}), prefer=frozenset({"free"})),
               Seeker(frozenset({"pantry"}), frozenset({"women_only", "no_id"}),
                      frozenset({"no_id_needed"})),
               Seeker(frozenset({"hot_meal"}), frozenset({"men_only", "families"}),
                      frozenset({"serves_uninsured"}))]
    for _ in range(300):
        near = rng.choice(places)
        now = MONDAY_MORNING + dt.timedelta(minutes=rng.randrange(7 * 1440))
        seeker, skip = rng.choice(seekers), rng.choice([0, 3, 6])
        fast = index.rank(near, now, 3, skip, seeker)
        slow = brute_force(services, near, now, 3, skip, seeker)
        assert [m.service.id for m in fast] == [s.id for s in slow]


def test_a_bed_tonight_downtown_offers_mens_and_womens_beds_and_no_waiting_list(catalog,
                                                                                gazetteer):
    found = catalog.nearest("shelter", gazetteer.locate_zip("35203"), TUESDAY_NIGHT, 3, 0,
                            Seeker(frozenset({"emergency_bed"})))
    assert {m.service.kind for m in found} == {"emergency_bed"}
    assert {m.service.eligibility.sex for m in found} >= {"men", "women"}
    assert all(m.barrier is None for m in found)


def test_a_man_is_never_offered_a_womens_service(catalog, gazetteer):
    man = Seeker(frozenset({"emergency_bed"}), frozenset({"men_only"}))
    for category in CATEGORIES:
        found = catalog.nearest(category, gazetteer.locate_zip("35204"), TUESDAY_NIGHT, 50, 0,
                                man)
        assert not [m.service.id for m in found if m.service.eligibility.sex == "women"]


def test_waiting_lists_and_referrals_rank_below_help_and_say_why(catalog, gazetteer):
    found = catalog.nearest("shelter", gazetteer.locate_zip("35203"), MONDAY_MORNING, 50, 0,
                            Seeker(facts=frozenset({"men_only"})))
    barriers = [m.barrier for m in found]
    first_blocked = next(i for i, b in enumerate(barriers) if b)
    assert all(barriers[first_blocked:])
    waitlists = [m for m in found if m.service.kind == "public_housing_waitlist"]
    assert waitlists and all(m.barrier == "waitlist" for m in waitlists)
    assert all(m.barrier == "referral" for m in found if m.service.access == "referral")


def test_a_family_shelter_waits_for_someone_with_children(catalog, gazetteer):
    near = gazetteer.locate_zip("35205")
    alone = catalog.nearest("shelter", near, TUESDAY_NIGHT, 50, 0,
                            Seeker(frozenset({"emergency_bed"}), frozenset({"men_only"})))
    family = {m.service.id: m for m in alone}["family-promise-family-shelter"]
    assert family.barrier == "families"
    mother = catalog.nearest("shelter", near, TUESDAY_NIGHT, 3, 0,
                             Seeker(frozenset({"emergency_bed"}),
                                    frozenset({"women_only", "families"})))
    assert "family-promise-family-shelter" in [m.service.id for m in mother]


def test_detox_for_one_who_cannot_pay_puts_the_free_24_7_center_first(catalog, gazetteer):
    near = gazetteer.locate_zip("35203")
    detox = frozenset({"detox"})
    anyone = catalog.nearest("substance_use", near, TUESDAY_NIGHT, 3, 0, Seeker(detox))
    assert anyone[0].service.id == "bradford-detox" and anyone[0].barrier is None
    broke = catalog.nearest("substance_use", near, TUESDAY_NIGHT, 50, 0,
                            Seeker(detox, prefer=frozenset({"serves_uninsured"})))
    # The first stand-in the kinds file names (24/7 crisis care) before residential programs.
    assert broke[0].service.id == "jbs-craig-drug-crisis-care"
    private = [m for m in broke if m.service.eligibility.cost == "private_pay"]
    assert private and all(m.barrier == "private_pay" for m in private)
    assert broke.index(private[0]) > max(i for i, m in enumerate(broke) if not m.barrier)


def test_a_father_with_his_children_gets_shelters_that_take_children_first(catalog,
                                                                          gazetteer):
    found = catalog.nearest("shelter", gazetteer.locate_zip("35203"), MONDAY_MORNING, 3, 0,
                            Seeker(frozenset({"emergency_bed"}),
                                   frozenset({"men_only", "families"})))
    assert all(m.service.eligibility.families in ("only", "welcome") for m in found)


def test_suppliers_that_serve_no_walk_ins_are_never_listed(catalog):
    listed = {s.id for _, s in catalog.indexes["food"].everywhere}
    suppliers = {s.id for s in catalog.services.values() if s.kind == "supplier_not_public"}
    assert suppliers and not suppliers & listed


@pytest.mark.parametrize("town", ["Bessemer", "Fairfield", "Center Point"])
def test_food_near_a_town_lists_a_pantry_in_that_town(catalog, gazetteer, town):
    found = catalog.nearest("food", gazetteer.locate_name(town), MONDAY_MORNING, 3)
    assert any(m.service.kind == "pantry" and m.service.city == town for m in found)


def test_a_person_in_bessemer_gets_bessemer_first(catalog, gazetteer):
    bessemer = gazetteer.locate_name("Bessemer")
    for category in CATEGORIES:
        found = catalog.nearest(category, bessemer, MONDAY_MORNING, 3)
        fitting = [s for _, s in catalog.indexes[category].everywhere
                   if s.city == "Bessemer" and s.phone and s.address and s.location
                   and miles_between(bessemer.lat, bessemer.lon, s.location.lat,
                                     s.location.lon) < 2
                   and score(s, KINDS[s.kind], 0.0, Seeker(), MONDAY_MORNING).score < 10]
        if fitting:
            assert found[0].service.city == "Bessemer", category


def test_open_now_beats_closed_nearby(gazetteer):
    here = gazetteer.locate_zip("35204")
    day = service("day", here, kind="day_center", category="shelter",
                  hours=["Mon-Fri 07:00-15:00"])
    night = service("night", gazetteer.locate_zip("35211"), kind="emergency_bed",
                    category="shelter", hours=["Mon-Sun 18:00-07:00"])
    ranked = CategoryIndex([day, night], KINDS, "shelter").rank(here, TUESDAY_NIGHT, 2, 0, Seeker())
    assert [(m.service.id, m.barrier) for m in ranked] == [("night", None), ("day", "closed")]


def test_a_service_with_only_an_area_is_placed_in_its_area(catalog, gazetteer):
    fold = catalog.services["shepherds-fold-transitional"]
    assert fold.location == gazetteer.locate_name("West End") and not fold.address


def test_service_area_is_respected(catalog, gazetteer):
    outside = catalog.nearest("food", gazetteer.locate_zip("35215"), MONDAY_MORNING, 50)
    assert "greater-st-john-pantry" not in [m.service.id for m in outside]
    inside = catalog.nearest("food", gazetteer.locate_zip("35211"), MONDAY_MORNING, 50)
    assert "greater-st-john-pantry" in [m.service.id for m in inside]
