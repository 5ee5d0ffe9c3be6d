"""Load and check the conversation files: the flow and every sentence in each language."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..catalog.model import ATTRIBUTES, CATEGORIES
from ..errors import FlowError
from .crisis import KINDS as CRISIS_KINDS
from .language import LANGUAGES

CHANNELS = ("sms", "voice")
CONDITIONS = {
    "crisis", "stop", "start", "help", "menu", "language", "human", "need", "topic",
    "follow_up", "place", "choice", "more", "steps", "anywhere", "mentor", "yes", "no",
    "nothing", "other",
}
ACTIONS = {
    "opt_out", "opt_in", "switch_language", "find_resources", "choose_from_menu",
    "show_details", "more_results", "show_steps", "remember_place", "choose_language",
    "repeat", "text_results", "connect_crisis", "connect_person", "offer_handoff",
    "request_handoff", "reprompt", "crisis_reply", "answer_topic", "answer_follow_up",
    "show_menu",
}
RULE_KEYS = {"when", "key", "do", "say", "go"}
MENU_TARGETS = (*CATEGORIES, "human", "repeat")
# Sentences the engine itself uses, beyond those named in `say`.
ENGINE_SENTENCES = {
    "welcome", "menu", "ask_place", "place_not_understood", "place_remembered", "human",
    "pick_from_list", "results_header_near", "results_header_any", "no_phone", "labels",
    "area_of", "few_fit", "none_open", "results_footer", "results_footer_one", "steps_offer",
    "no_results", "no_more",
    "status_open_until", "status_open_24", "status_opens", "status_closed", "status_unknown",
    "today", "tomorrow", "details_call", "details_website", "details_hours_note",
    "details_confirm", "steps_header", "steps_more", "steps_none", "steps_done", "places_offer",
    "steps_more_places",
    "fallback", "needs", "days", "attributes", "menu_labels", "handoff_consent",
    "handoff_requested",
    "handoff_declined", "handoff_already", "handoff_accepted", "handoff_none", "handoff_none_211",
    "handoff_ended",
    "relay_from_mentor", "mentor_offer", "mentor_connected", "mentor_relay", "mentor_ended",
    "mentor_taken", "mentor_passed", "mentor_help", "mentor_which_chat",
    "coordinator_unanswered", "followup",
    "followup_thanks", "records_yes", "records_unknown", "no_address", "directions_bus",
    *(f"crisis_{kind}" for kind in CRISIS_KINDS), *(f"safety_{kind}" for kind in CRISIS_KINDS),
}
# Spoken sentences the voice line needs, under `voice:` in each messages file.
VOICE_SENTENCES = {
    "greeting", "spanish_offer", "crisis_key", "menu", "menu_keypad", "ask_place",
    "place_not_understood", "results_intro", "result", "no_phone", "results_options",
    "texted", "cannot_text", "human_connecting", "human_closed", "crisis", "not_understood",
    "goodbye", "error", "ordinals", "days", "say_voice", "phone_is", "human_closed_mentor",
    "menu_labels", *(f"crisis_{kind}" for kind in CRISIS_KINDS),
}
# Sentences that list the menu: {needs}, {person} and {repeat} are filled from the flow's menu
# numbers and each target's label ("{key} Food", "For food, press {key}.").
MENU_SENTENCES = {"sms": ("menu",), "voice": ("menu", "menu_keypad")}


@dataclass(frozen=True)
class Rule:
    """One line of a step: when the message is X, do Y, say Z, go to W."""

    when: str
    do: str | None = None
    say: tuple[str, ...] = ()
    go: str | None = None
    key: int | None = None  # with `when: choice`, only this number


@dataclass
class Flow:
    """The checked conversation: steps, menu numbers and sentences per language."""

    start: str
    always: list[Rule]
    steps: dict[str, list[Rule]]
    menu: dict[int, str]
    sentences: dict[str, dict] = field(default_factory=dict)
    voice_always: list[Rule] = field(default_factory=list)
    voice_steps: dict[str, list[Rule]] = field(default_factory=dict)
    voice_menu: dict[int, str] = field(default_factory=dict)

    def rules_for(self, step: str, channel: str = "sms") -> list[Rule]:
        """The rules tried for a message at a step: the global ones first.

        The voice line tries its own global rules first and may replace a step's rules.
        """
        own = self.steps.get(step, self.steps[self.start])
        if channel == "voice":
            return self.voice_always + self.always + self.voice_steps.get(step, own)
        return self.always + own

    def menu_for(self, channel: str) -> dict[int, str]:
        return self.voice_menu if channel == "voice" else self.menu

    def sentence(self, lang: str, key: str, channel: str = "sms", **values) -> str:
        """A sentence in a language, filled in; the spoken version on the voice line."""
        spoken = self.sentences[lang]["voice"] if channel == "voice" else {}
        text = spoken[key] if key in spoken else self.sentences[lang][key]
        return text.format(**values) if values else text


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FlowError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise FlowError(f"{path}: not UTF-8 text: {exc}") from None
    except yaml.YAMLError as exc:
        raise FlowError(f"{path}: not valid YAML: {exc}") from None


def _rule(path: Path, where: str, raw, steps: set[str], sentences: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise FlowError(f"{path}: {where}: each rule must be a mapping with 'when'")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise FlowError(
            f"{path}: {where}: unknown key(s) {sorted(unknown)}; use {sorted(RULE_KEYS)}"
        )
    when = raw.get("when")
    if when not in CONDITIONS:
        raise FlowError(f"{path}: {where}: 'when: {when}' is not one of {sorted(CONDITIONS)}")
    key = raw.get("key")
    if key is not None and (when != "choice" or not isinstance(key, int)):
        raise FlowError(f"{path}: {where}: 'key' must be a number and needs 'when: choice'")
    action = raw.get("do")
    if action is not None and action not in ACTIONS:
        raise FlowError(f"{path}: {where}: 'do: {action}' is not one of {sorted(ACTIONS)}")
    say = raw.get("say") or []
    if not isinstance(say, list):
        raise FlowError(f"{path}: {where}: 'say' must be a list of sentence names")
    for sentence in say:
        if sentence not in sentences:
            raise FlowError(f"{path}: {where}: says {sentence!r}, which no messages file defines")
    go = raw.get("go")
    if go is not None and go not in steps:
        raise FlowError(f"{path}: {where}: 'go: {go}' names no step")
    return Rule(when, action, tuple(say), go, key)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _load_sentences(directory: Path) -> dict[str, dict]:
    sentences: dict[str, dict] = {}
    for lang in LANGUAGES:
        path = directory / f"messages.{lang}.yaml"
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise FlowError(f"{path}: must map sentence names to text")
        missing = ENGINE_SENTENCES - set(data)
        if missing:
            raise FlowError(f"{path}: missing sentence(s) {sorted(missing)}")
        missing_needs = set(CATEGORIES) - set(data["needs"] or {})
        if missing_needs:
            raise FlowError(f"{path}: needs: missing name(s) for {sorted(missing_needs)}")
        missing_attributes = set(ATTRIBUTES) - set(data["attributes"] or {})
        if missing_attributes:
            raise FlowError(f"{path}: attributes: missing text for {sorted(missing_attributes)}")
        if len(data["days"] or []) != 7:
            raise FlowError(f"{path}: days: must list 7 day names, Monday first")
        missing_voice = VOICE_SENTENCES - set(data.get("voice") or {})
        if missing_voice:
            raise FlowError(f"{path}: voice: missing spoken sentence(s) {sorted(missing_voice)}")
        sentences[lang] = data
    _same_sentences(directory, sentences["en"], sentences["es"])
    _same_sentences(directory, sentences["en"]["voice"], sentences["es"]["voice"])
    return sentences


def _same_sentences(directory: Path, english: dict, spanish: dict) -> None:
    """Both languages define the same sentences with the same {placeholders}."""
    for key in set(english) | set(spanish):
        if key not in english or key not in spanish:
            lang_missing = "en" if key not in english else "es"
            raise FlowError(f"{directory}/messages.{lang_missing}.yaml: missing sentence {key!r}")
        if isinstance(english[key], str) and _placeholders(english[key]) != _placeholders(
            spanish[key]
        ):
            raise FlowError(
                f"{directory}: sentence {key!r} has different {{placeholders}} in en and es"
            )


def load_flow(directory: Path) -> Flow:
    """Read flow.yaml and messages.*.yaml from directory and check them together."""
    directory = Path(directory)
    sentences = _load_sentences(directory)
    path = directory / "flow.yaml"
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise FlowError(f"{path}: must be a mapping with start, menu, always and steps")
    unknown = set(data) - {"start", "menu", "always", "steps", "voice"}
    if unknown:
        raise FlowError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, dict) or not raw_steps:
        raise FlowError(f"{path}: 'steps' must map step names to lists of rules")
    names = set(raw_steps)
    keys = set(sentences["en"])
    if data.get("start") not in names:
        raise FlowError(f"{path}: 'start: {data.get('start')}' names no step")
    steps = _steps(path, "step", raw_steps, names, keys)
    always = _rules(path, "always", data.get("always") or [], names, keys)
    menu = _menu(path, "menu", data.get("menu"))
    for step in ("ask_place", "results", "menu"):
        if step not in names:
            raise FlowError(f"{path}: the engine needs a step named {step!r}")
    voice = data.get("voice") or {}
    unknown = set(voice) - {"always", "steps", "menu"}
    if unknown:
        raise FlowError(f"{path}: voice: unknown key(s) {sorted(unknown)}")
    spoken = keys | set(sentences["en"]["voice"])
    for name in voice.get("steps") or {}:
        if name not in names:
            raise FlowError(f"{path}: voice: step {name!r} is not a step of the flow")
    voice_steps = _steps(path, "voice step", voice.get("steps") or {}, names, spoken)
    voice_always = _rules(path, "voice always", voice.get("always") or [], names, spoken)
    voice_menu = _menu(path, "voice: menu", voice.get("menu"))
    for lang in LANGUAGES:
        messages = directory / f"messages.{lang}.yaml"
        _write_menus(messages, sentences[lang], menu, MENU_SENTENCES["sms"])
        _write_menus(messages, sentences[lang]["voice"], voice_menu, MENU_SENTENCES["voice"])
    return Flow(data["start"], always, steps, menu, sentences, voice_always, voice_steps,
                voice_menu)


def _write_menus(path: Path, sentences: dict, menu: dict[int, str], keys: tuple[str, ...]):
    """Fill the menu sentences from the menu's numbers, so numbers and words never drift."""
    labels = sentences.get("menu_labels") or {}
    groups: dict[str, list[str]] = {"needs": [], "person": [], "repeat": []}
    for number, target in sorted(menu.items()):
        label = labels.get(target)
        if not isinstance(label, str) or "{key}" not in label:
            raise FlowError(f"{path}: menu_labels: {target!r} needs a label with {{key}}, "
                            f"because the menu offers it as {number}")
        group = {"human": "person", "repeat": "repeat"}.get(target, "needs")
        groups[group].append(label.format(key=number))
    filled = {name: " ".join(parts) for name, parts in groups.items()}
    for key in keys:
        try:
            sentences[key] = sentences[key].format(**filled)
        except (KeyError, IndexError, ValueError) as exc:
            raise FlowError(f"{path}: {key}: use only {{needs}}, {{person}} and {{repeat}} "
                            f"({exc})") from None


def _rules(path: Path, where: str, raw: list, steps: set[str], sentences: set[str]):
    return [_rule(path, f"{where} rule {i + 1}", r, steps, sentences) for i, r in enumerate(raw)]


def _steps(path: Path, kind: str, raw: dict, names: set[str], sentences: set[str]):
    """Each step's rules, checked; a step must end with `when: other` so nothing goes
    unanswered."""
    steps: dict[str, list[Rule]] = {}
    for name, rules in raw.items():
        if not isinstance(rules, list) or not rules:
            raise FlowError(f"{path}: {kind} {name!r}: must be a list of rules")
        steps[name] = _rules(path, f"{kind} {name!r}", rules, names, sentences)
        if steps[name][-1].when != "other":
            raise FlowError(f"{path}: {kind} {name!r}: the last rule must be 'when: other', "
                            "so that every message gets an answer")
    return steps


def _menu(path: Path, where: str, raw) -> dict[int, str]:
    menu = {}
    for number, target in (raw or {}).items():
        if not isinstance(number, int) or target not in MENU_TARGETS:
            raise FlowError(f"{path}: {where}: {number!r}: {target!r} is not a need, "
                            "'human' or 'repeat'")
        menu[number] = target
    return menu
