"""Broken data stops the app at start-up with a message a coordinator can act on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from cpr_bot import create_app
from cpr_bot.config import ROOT
from cpr_bot.conversation.flows import load_flow
from cpr_bot.errors import CatalogError, FlowError

from .conftest import make_settings


@pytest.fixture
def conversations(tmp_path):
    target = tmp_path / "conversations"
    shutil.copytree(ROOT / "conversations", target)
    return target


def edit_flow(directory, change):
    path = directory / "flow.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


FLOW_MISTAKES = {
    "unknown condition": (lambda d: d["steps"]["menu"].insert(0, {"when": "wishes"}),
                          r"flow.yaml: step 'menu' rule 1: 'when: wishes'"),
    "unknown action": (lambda d: d["steps"]["results"][0].update(do="import_os"),
                       r"step 'results' rule 1: 'do: import_os'"),
    "missing sentence": (lambda d: d["always"][0].update(say=["crisis_typo"]),
                         r"always rule 1: says 'crisis_typo'"),
    "go to no step": (lambda d: d["steps"]["new"][0].update(go="nowhere"),
                      r"step 'new' rule 1: 'go: nowhere' names no step"),
    "unknown key": (lambda d: d["steps"]["menu"][0].update(python="os.system"),
                    r"step 'menu' rule 1: unknown key"),
    "menu number to nothing": (lambda d: d["menu"].update({15: "pizza"}), r"menu: 15"),
    "a menu number with no words for it": (
        lambda d: d["voice"]["menu"].update({7: "dental"}),
        r"messages.en.yaml: menu_labels: 'dental' needs a label"),
    "a step that can leave a message unanswered": (
        lambda d: d["steps"]["results"].pop(), r"step 'results': the last rule must be"),
}


@pytest.mark.parametrize(("change", "message"), FLOW_MISTAKES.values(), ids=FLOW_MISTAKES)
def test_a_broken_flow_names_file_and_step(conversations, change, message):
    edit_flow(conversations, change)
    with pytest.raises(FlowError, match=message):
        load_flow(conversations)


def test_a_missing_spanish_sentence_is_named(conversations):
    path = conversations / "messages.es.yaml"
    path.write_text(path.read_text().replace("not_understood:", "no_entendido:"))
    with pytest.raises(FlowError, match=r"messages.es.yaml: missing sentence"):
        load_flow(conversations)


def test_mismatched_placeholders_are_named(conversations):
    path = conversations / "messages.es.yaml"
    path.write_text(path.read_text().replace("Entendido, {place}.", "Entendido, {lugar}."))
    with pytest.raises(FlowError, match=r"'place_remembered' has different"):
        load_flow(conversations)


def test_the_app_refuses_to_start_on_a_broken_flow(conversations, redis_url, redis_client):
    edit_flow(conversations, FLOW_MISTAKES["unknown action"][0])
    with pytest.raises(FlowError):
        create_app(make_settings(redis_url, conversations_dir=conversations), redis_client)


BROKEN_CATALOG = """
organizations:
  - id: good-place
    name: Good Place
    source: https://example.org/a
    last_verified: "2026-11-01"
    services:
      - {id: good-place-pantry, name: Pantry, category: food, kind: pantry, access: walk_in}
  - id: good-place
    name: Twin
    phone: "555-1234"
    zip: "90210"
    address: "P.O. Box 12"
    source: https://example.org/b
    last_verified: "2026-11-01"
    services:
      - id: twin-meals
        name: Meals
        category: food
        kind: emergency_bed
        access: sometimes
        hours: ["Mon-Fri 9am-5pm"]
        eligibility: {sex: anyone, min_age: "eighteen", shoe_size: 9}
  - id: no-source
    name: Nowhere
    last_verified: "someday"
    services: []
"""


def test_a_broken_catalog_lists_every_problem(tmp_path, redis_url, redis_client):
    path = tmp_path / "resources.yaml"
    path.write_text(BROKEN_CATALOG)
    with pytest.raises(CatalogError) as caught:
        create_app(make_settings(redis_url, catalog_path=path), redis_client)
    problems = {(entry, field) for entry, field, _ in caught.value.problems}
    assert {("good-place", "id"), ("good-place", "phone"), ("good-place", "zip"),
            ("good-place", "address"), ("twin-meals", "kind"), ("twin-meals", "access"),
            ("twin-meals", "hours"), ("twin-meals", "eligibility.sex"),
            ("twin-meals", "eligibility.min_age"), ("twin-meals", "eligibility.shoe_size"),
            ("no-source", "source"), ("no-source", "last_verified"),
            ("no-source", "services")} <= problems


def test_a_broken_kinds_file_names_the_kind_and_what_is_wrong(tmp_path):
    from cpr_bot.catalog.model import load_kinds

    path = tmp_path / "kinds.yaml"
    path.write_text("food:\n  pantry: {en: pantry, es: despensa, near: [bed]}\n"
                    "pizza:\n  slice: {en: slice, es: rebanada}\n")
    with pytest.raises(CatalogError) as caught:
        load_kinds(path)
    assert {(kind, field) for kind, field, _ in caught.value.problems} == {
        ("pantry", "near"), ("slice", "category")}
    path.write_text("food: [not, a, mapping]\n")
    with pytest.raises(CatalogError, match="cannot read the kinds"):
        load_kinds(path)


def test_catalog_check_command(tmp_path):
    good = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "catalog", "check"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"\d+ organizations, \d+ services, \d+ guides, OK", good.stdout)
    path = tmp_path / "resources.yaml"
    path.write_text(BROKEN_CATALOG)
    bad = subprocess.run([sys.executable, "-m", "cpr_bot.cli", "catalog", "check", "--file",
                          str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1
    assert "good-place: phone: not a valid US phone number: '555-1234'" in bad.stdout
    assert "twin-meals: hours: cannot read hours 'Mon-Fri 9am-5pm'" in bad.stdout
    assert "twin-meals: kind: 'emergency_bed' is not a kind of food (one of: hot_meal" in bad.stdout


def test_every_organization_and_service_keeps_its_source_and_verification_date():
    data = yaml.safe_load((ROOT / "data" / "resources.yaml").read_text())
    assert len(data["organizations"]) >= 100
    for organization in data["organizations"]:
        assert organization["source"] and organization["last_verified"], organization["id"]
        assert organization["services"], organization["id"]


def test_the_menu_text_follows_the_menu_numbers(conversations):
    edit_flow(conversations, lambda d: d["menu"].update({15: "dental", 9: "legal"}))
    menu = load_flow(conversations).sentence("en", "menu")
    assert "9 Legal" in menu and "15 Dentist" in menu and "9 Dentist" not in menu
