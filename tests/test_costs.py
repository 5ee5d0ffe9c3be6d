"""Every reply the flows can produce, with the longest real catalog entries, fits the budget:
English in GSM-7 and at most 2 segments, Spanish at most 3."""

from __future__ import annotations

import itertools

import pytest

from cpr_bot.catalog.model import CATEGORIES
from cpr_bot.catalog.places import Gazetteer, Place
from cpr_bot.catalog.resources import load_catalog
from cpr_bot.config import ROOT
from cpr_bot.conversation.dialog import Dialog
from cpr_bot.conversation.flows import load_flow
from cpr_bot.conversation.replies import Writer, pack
from cpr_bot.text import is_gsm7, segment_count

from .conftest import MONDAY_MORNING

LIMITS = {"en": 2, "es": 3}
SATURDAY_NIGHT = MONDAY_MORNING.replace(day=28, hour=23)
PLACES = ["35204", "35020", "35215", "35244", "35064"]


@pytest.fixture(scope="module")
def world():
    gazetteer = Gazetteer(ROOT / "data" / "places.yaml")
    catalog = load_catalog(ROOT / "data" / "resources.yaml", gazetteer)
    flow = load_flow(ROOT / "conversations")
    return catalog, flow, gazetteer


def assert_affordable(texts: list[str], lang: str, what: str) -> None:
    for text in pack(texts, lang):
        if lang == "en":
            assert is_gsm7(text), f"{what}: not GSM-7: {text!r}"
        count = segment_count(text)
        assert count <= LIMITS[lang], f"{what}: {count} segments:\n{text}"


def longest(values):
    return max(values, key=len)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_sentence_with_the_longest_values(world, lang):
    catalog, flow, _ = world
    names = flow.sentences[lang]["needs"].values()
    values = {"program": "CPR Reentry Line", "need": longest(names), "place": "Pleasant Grove",
              "first": 1, "last": 6, "guide": longest(g.title_es if lang == "es" else g.title
                                                     for g in catalog.guides.values()),
              "time": "12:30pm", "when": "Wed 12:30pm", "phone": "205-555-0100",
              "website": longest(r.website for r in catalog.services.values()),
              "hours_note": longest(r.hours_note for r in catalog.services.values()),
              "mentor": "Bartholomew", "code": "4821", "area": "Pleasant Grove",
              "coordinator": "205-555-0100", "language": "ES", "codes": "4821, 5531",
              "name": longest(
                  r.name for r in catalog.services.values()),
              # A relayed text is the person's own words; ours is only the prefix.
              "text": "x" * 100}
    for key, text in flow.sentences[lang].items():
        if isinstance(text, str):
            assert_affordable([text.format(**values)], lang, key)
    for a, b in itertools.product(["welcome", "not_understood", "place_remembered",
                                   "language_switched"], ["menu"]):
        assert_affordable([flow.sentence(lang, a, **values), flow.sentence(lang, b)], lang, a)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("now", [MONDAY_MORNING, SATURDAY_NIGHT], ids=["monday", "saturday"])
def test_every_result_list_and_page(world, lang, now):
    catalog, flow, gazetteer = world
    dialog = Dialog(flow, catalog, "CPR Reentry Line")
    for code, first, second, page in itertools.product(
            [*PLACES, None], CATEGORIES, [None, "shelter"], range(4)):
        needs = [first] if second is None or second == first else [first, second]
        place = gazetteer.locate_zip(code) if code else None
        replies = dialog.preview_results(lang, needs, place, page, now)
        assert_affordable(replies, lang, f"{needs} near {code} page {page}")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_resource_details_and_guide_page(world, lang):
    catalog, flow, _ = world
    for now in (MONDAY_MORNING, SATURDAY_NIGHT):
        writer = Writer(flow, lang, now)
        for service in catalog.services.values():
            assert_affordable([writer.details(service)], lang, service.id)
    for guide in catalog.guides.values():
        pages = writer.steps_pages(guide)
        assert pages
        for page in pages:
            assert_affordable([page], lang, guide.id)


def test_spanish_replies_drop_accents_gsm7_lacks(world):
    _, flow, _ = world
    texts = pack([flow.sentence("es", "ask_place", need="Comida")], "es")
    assert is_gsm7(texts[0]) and "codigo" in texts[0]


@pytest.mark.parametrize(("text", "segments"), [
    ("a" * 160, 1), ("a" * 161, 2), ("1" * 307, 3), ("\u00e1" * 70, 1), ("\u00e1" * 71, 2),
    ("1" * 134 + "\U0001f600", 3), ("{" * 80, 1), ("{" * 81, 2), ("\u20ac" * 80, 1),
])
def test_segment_counter(text, segments):
    assert segment_count(text) == segments


def test_place_round_trips_through_state(world):
    _, _, gazetteer = world
    place = gazetteer.locate_name("Bessemer")
    assert Place.from_dict(place.to_dict()) == place
