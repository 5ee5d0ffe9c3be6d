"""The conversation engine: one message and the saved state in, replies and new state out.

It knows nothing of Flask, Redis or Twilio, so it is tested on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..catalog.hours import WeeklyHours
from ..catalog.model import CATEGORIES, Service
from ..catalog.places import Place
from ..catalog.ranking import NOT_FOR_THEM, OPEN_NOW, Seeker
from ..catalog.resources import Catalog
from ..text import normalize
from . import language
from .effects import (
    Dial,
    Effect,
    FollowUp,
    Hangup,
    OptIn,
    OptOut,
    RequestHandoff,
    TextResults,
    Unmet,
)
from .flows import Flow, Rule
from .replies import Writer
from .understanding import PERSON_FACTS, Understanding

# Places per page: three fit a text; two are what a caller can remember.
PAGE_SIZE = {"sms": 3, "voice": 2}
MAX_NEEDS = 2  # more lists than this in one reply costs too much; the rest wait for MORE
# No input or unclear speech on a call: twice "sorry" and the question again, then keypad
# only, then a polite goodbye.
REPROMPTS = 2


@dataclass(frozen=True)
class Context:
    """Facts from outside the conversation that change what the bot offers."""

    mentors_available: bool = False
    handoff_open: bool = False  # the person already asked for a mentor
    can_text: bool = True  # the number may be texted (known, and not opted out)


@dataclass
class Turn:
    """What one message produced: texts to send, the state to save, and what to do next."""

    replies: list[str]
    state: dict
    effects: list[Effect] = field(default_factory=list)
    lang: str = language.DEFAULT
    channel: str = "sms"
    context: Context = field(default_factory=Context)
    duplicate: bool = False  # a redelivered message: the same replies, nothing done again


def _matches(rule: Rule, message: Understanding) -> bool:
    when = rule.when
    if when == "other":
        return True
    if rule.key is not None:
        return message.choice == rule.key
    if when == "need":
        return message.intent in CATEGORIES
    if when == "place":
        return message.place is not None
    if when == "choice":
        return message.choice is not None
    if when in ("more", "steps", "anywhere", "yes", "no"):
        return message.word == when
    if when == "mentor":
        return message.asks_mentor
    if when == "topic":
        return message.topic is not None
    if when == "follow_up":
        return message.follow_up is not None
    return message.intent == when


def request_wants(wants: list[str]) -> list[str]:
    """The kinds of help and features a message asks of a place, without the person's facts."""
    return [w for w in wants if w not in PERSON_FACTS and not w.startswith("age:")]


def remember_facts(state: dict, wants: list[str]) -> None:
    """Add what a message says about the person to the conversation's facts."""
    said = [w for w in wants if w in PERSON_FACTS or w.startswith("age:")]
    if not said:
        return
    facts = set(state.get("facts") or [])
    if {"men_only", "women_only"} & set(said):
        facts -= {"men_only", "women_only"}
    if any(w.startswith("age:") for w in said):
        facts = {f for f in facts if not f.startswith("age:")}
    state["facts"] = sorted(facts | set(said))


def crisis_sentence(kind: str | None) -> str:
    """The crisis answer for what the safety net found; the general one for the star key."""
    return f"crisis_{kind}" if kind else "crisis"


class Dialog:
    """Runs a flow over the catalog."""

    def __init__(self, flow: Flow, catalog: Catalog, program_name: str,
                 on_call: WeeklyHours | None = None):
        self.flow = flow
        self.catalog = catalog
        self.program_name = program_name
        self.on_call = on_call  # when a person answers the voice line's "talk to a person"

    def advance(self, state: dict, message: Understanding, now: dt.datetime,
                channel: str = "sms", context: Context | None = None) -> Turn:
        """Answer one message given the conversation so far."""
        state = dict(state or {})
        state.setdefault("step", self.flow.start)
        state["lang"] = language.for_turn(state, message.lang, message.lang_evident)
        if channel == "voice" and message.intent != "nothing":
            state["misses"] = 0
            state.pop("keypad_only", None)
        remember_facts(state, message.wants)
        turn = Turn([], state, channel=channel, context=context or Context())
        rules = self.flow.rules_for(state["step"], channel)
        rule = next(r for r in rules if _matches(r, message))
        next_step = None
        if rule.do:
            next_step = getattr(self, f"_{rule.do}")(turn, message, now)
        writer = self._writer(turn, now)
        turn.replies.extend(writer.say(key, program=self.program_name) for key in rule.say)
        if message.crisis_kind and message.intent != "crisis":
            # A sign of crisis beside a need: the answer, with one line of help on top.
            turn.replies.insert(0, writer.say(f"safety_{message.crisis_kind}"))
        state["step"] = next_step or rule.go or state["step"]
        if channel == "voice" and rule.do not in ("repeat", "text_results", "reprompt"):
            state["last_said"] = turn.replies  # what 1 / "repeat" says again
        turn.lang = state["lang"]
        return turn

    def _writer(self, turn: Turn, now: dt.datetime) -> Writer:
        return Writer(self.flow, turn.state["lang"], now, turn.channel, self.catalog.kinds)

    # Actions: each may add replies and effects, and may return the next step.

    def _opt_out(self, turn: Turn, message: Understanding, now) -> None:
        turn.effects.append(OptOut())
        for key in ("needs", "pending", "shown", "guide", "facts", "asked"):
            turn.state.pop(key, None)

    def _opt_in(self, turn: Turn, message: Understanding, now) -> None:
        turn.effects.append(OptIn())

    def _switch_language(self, turn: Turn, message: Understanding, now) -> None:
        language.keep(turn.state, message.language_wanted or message.lang)

    def _remember_place(self, turn: Turn, message: Understanding, now) -> None:
        turn.state["place"] = message.place.to_dict()
        turn.state.pop("anywhere", None)
        writer = self._writer(turn, now)
        turn.replies.append(writer.say("place_remembered", place=message.place.label))

    def _choose_from_menu(self, turn: Turn, message: Understanding, now) -> str | None:
        target = self.flow.menu_for(turn.channel).get(message.choice)
        writer = self._writer(turn, now)
        if target is None:
            turn.replies.append(writer.say("pick_from_list"))
            return None
        if target == "repeat":
            return self._repeat(turn, message, now)
        if target == "human":
            return self._offer_handoff(turn, message, now)
        turn.state.pop("asked", None)
        return self._search(turn, [target], None, False, now)

    def _search_again(self, turn: Turn, message: Understanding, now) -> str:
        """The last search again with what the message adds about the person or the place."""
        state = turn.state
        state["asked"] = list(dict.fromkeys([*(state.get("asked") or []),
                                             *request_wants(message.wants)]))
        return self._search(turn, state["needs"], None, False, now)

    def _find_resources(self, turn: Turn, message: Understanding, now) -> str | None:
        state = turn.state
        if state["step"] == "results" and state.get("needs") and message.wants and (
                message.about_self or message.decided_by == "classifier"
                or message.needs_are_facts and message.adds):
            # "im a woman with 2 kids" after a list says who they are, not a new need; so
            # does "no insurance" when only the models guessed a need in it, and "i dont
            # got no id either" after a list of beds ("lost my id" may ask for one).
            return self._search_again(turn, message, now)
        shown = self._shown(state)
        named = self._named(shown, message) if message.decided_by == "classifier" else []
        if named:  # a place from the list, said by name, outranks a guessed need
            return self._show_details(turn, dataclasses.replace(message, choice=named[0]), now)
        if state["step"] == "ask_place" and state.get("pending") and not message.place:
            writer = self._writer(turn, now)
            if message.decided_by == "rules" and not message.named_need \
                    and message.word != "anywhere":
                # Only a hint ("me and my girl") is who comes along, not a new need.
                turn.replies.append(writer.say("place_not_understood"))
                return "ask_place"
            if message.needs_are_facts:  # "i dont got no id either" at the place question
                turn.replies.append(writer.say("ask_place", need=writer.need_name(
                    state["pending"][0])))
                return "ask_place"
        if state["step"] == "ask_place" and message.place and state.get("pending"):
            # The answer to "what part of town?": "fairfield near the church" is a place, and
            # "downtown by the greyhound" keeps the detox asked for, not a bus.
            needs = state["pending"]
            state["asked"] = list(dict.fromkeys([*(state.get("asked") or []),
                                                 *request_wants(message.wants)]))
        elif message.intent in CATEGORIES:
            needs = message.needs or [message.intent]
            state["asked"] = request_wants(message.wants)
        else:
            needs = state.get("pending") or state.get("needs") or []
        if message.follow_up == OPEN_NOW and OPEN_NOW not in state.get("asked", []):
            state["asked"] = [*state.get("asked", []), OPEN_NOW]  # "anywhere open tonight?"
        if not needs:
            self._remember_place(turn, message, now)
            turn.replies.append(self._writer(turn, now).say("menu"))
            return "menu"
        return self._search(turn, needs, message.place, message.word == "anywhere", now)

    def _search(self, turn: Turn, needs: list[str], place: Place | None, anywhere: bool,
                now: dt.datetime) -> str:
        state = turn.state
        if place is not None:
            state["place"] = place.to_dict()
            state.pop("anywhere", None)
        elif anywhere:
            state["anywhere"] = True
            state.pop("place", None)
        if not state.get("place") and not state.get("anywhere"):
            state["pending"] = needs
            writer = self._writer(turn, now)
            turn.replies.append(writer.say("ask_place", need=writer.need_name(needs[0])))
            return "ask_place"
        state.pop("pending", None)
        if needs != state.get("needs"):
            state.pop("guide", None)  # a guide read for the same need goes on
        state["needs"] = needs
        state["page"] = 0
        state["shown"] = []
        self._render_results(turn, now)
        return "results"

    def preview_results(self, lang: str, needs: list[str], place: Place | None, page: int,
                        now: dt.datetime) -> list[str]:
        """The result lists a person would get, without a conversation (for cost checks)."""
        state = {"lang": lang, "needs": needs, "page": page, "step": "results"}
        if place:
            state["place"] = place.to_dict()
        else:
            state["anywhere"] = True
        turn = Turn([], state)
        self._render_results(turn, now)
        return turn.replies

    def _offer_handoff(self, turn: Turn, message: Understanding, now) -> str | None:
        """Ask consent for a mentor handoff, or point to 211 when no mentor can be asked."""
        writer = self._writer(turn, now)
        if turn.channel == "voice":
            return self._connect_person(turn, message, now)
        if turn.context.handoff_open:
            turn.replies.append(writer.say("handoff_already"))
            return None
        if not turn.context.mentors_available:
            turn.replies.append(writer.say("human"))
            if message.asks_mentor:  # no volunteer free: the programs that mentor, meanwhile
                turn.state["asked"] = []
                return self._search(turn, ["mentoring"], message.place, False, now)
            return None
        turn.replies.append(writer.say("handoff_consent"))
        return "consent"

    def _request_handoff(self, turn: Turn, message: Understanding, now) -> None:
        needs = turn.state.get("needs") or turn.state.get("pending") or ["mentoring"]
        turn.effects.append(RequestHandoff(needs[0]))
        turn.replies.append(self._writer(turn, now).say("handoff_requested"))

    def _choose_language(self, turn: Turn, message: Understanding, now) -> None:
        """At the voice greeting: the Spanish key, or English for anything else."""
        language.keep(turn.state, language.of_greeting_key(message.choice))

    def _repeat(self, turn: Turn, message: Understanding, now) -> None:
        turn.replies.extend(turn.state.get("last_said") or [self._writer(turn, now).say("menu")])

    def _show_menu(self, turn: Turn, message: Understanding, now) -> None:
        writer = self._writer(turn, now)
        if turn.state["step"] == self.flow.start and turn.channel == "sms":
            turn.replies.append(writer.say("welcome", program=self.program_name))
        turn.replies.append(writer.say("menu"))

    def _crisis_reply(self, turn: Turn, message: Understanding, now) -> str | None:
        turn.replies.append(self._writer(turn, now).say(crisis_sentence(message.crisis_kind)))
        if message.crisis_kind == "domestic_violence" and turn.channel == "sms":
            # The lines end asking where they are: a place sent next finds a safe shelter.
            turn.state.update(pending=["shelter"], asked=["dv_shelter"])
            return "ask_place"
        return None

    def _connect_crisis(self, turn: Turn, message: Understanding, now) -> None:
        """Say 911 first where someone is hurt or in danger, then ring the crisis line."""
        self._crisis_reply(turn, message, now)
        turn.effects.append(Dial("crisis"))

    def _answer_topic(self, turn: Turn, message: Understanding, now) -> str | None:
        """An ask with its own answer: a how-to guide, or what we know and 211."""
        guide = message.guide
        if guide and guide in self.catalog.guides:
            state = turn.state
            state["guide"], state["guide_page"] = guide, 0
            if message.intent in CATEGORIES and turn.channel == "sms":  # places on MORE
                state.update(needs=[message.intent], asked=request_wants(message.wants),
                             page=-1, shown=[])
                if message.place:
                    state["place"] = message.place.to_dict()
            return self._show_steps(turn, message, now)
        place = turn.state.get("place") or {}
        turn.replies.append(self._writer(turn, now).say(f"topic_{message.topic}"))
        turn.effects.append(Unmet(message.topic, place.get("zip") or "any"))
        return None

    def _answer_follow_up(self, turn: Turn, message: Understanding, now) -> str | None:
        """Open now, hours, how to get there, details or records, for the places just listed."""
        state = turn.state
        shown = self._shown(state)
        if not shown or (message.named_need and message.intent not in state.get("needs", [])):
            if message.intent in CATEGORIES:
                return self._find_resources(turn, message, now)
            writer = self._writer(turn, now)
            turn.replies.extend([writer.say("not_understood"), writer.say("menu")])
            return "menu"
        if message.follow_up is None:  # at a list, otherwise not understood
            named = self._named(shown, message)
            if named:  # one of the places by name: "jimmie hale", "firehouse"
                return self._show_details(turn, dataclasses.replace(message, choice=named[0]),
                                          now)
            if message.wants and state.get("needs"):  # "im a woman": the same need, for her
                return self._search_again(turn, message, now)
            writer = self._writer(turn, now)
            turn.replies.extend([writer.say("not_understood"), writer.say("menu")])
            return "menu"
        picked = self._picked(shown, message)
        if message.follow_up == "details":
            if len(picked) != 1:
                turn.replies.append(self._writer(turn, now).say("pick_from_list"))
                return None
            number = picked[0][0]
            return self._show_details(turn, dataclasses.replace(message, choice=number), now)
        writer = self._writer(turn, now)
        lines = [writer.follow_up_line(message.follow_up, n, r) for n, r in picked]
        if message.follow_up == "directions":
            lines.append(writer.say("directions_bus"))
        turn.replies.append("\n".join(lines))
        return None

    def _shown(self, state: dict) -> list[Service]:
        """The places of the list last sent, in its order."""
        return [self.catalog.services[r] for r in state.get("shown") or []
                if r in self.catalog.services]

    @classmethod
    def _picked(cls, shown: list[Service], message: Understanding) -> list[tuple[int, Service]]:
        """The places a follow-up is about: one picked by number or name, else all listed."""
        numbered = list(enumerate(shown, 1))
        pick = message.pick or message.choice
        if pick == -1:
            return numbered[-1:]
        if pick and 1 <= pick <= len(shown):
            return [numbered[pick - 1]]
        named = cls._named(shown, message)
        return [numbered[named[0] - 1]] if named else numbered

    @staticmethod
    def _named(shown: list[Service], message: Understanding) -> list[int]:
        """The numbers of listed places the message names ("jimmie hale", "the firehouse")."""
        text = normalize(message.text)
        words = set(text.split())
        named = []
        for number, service in enumerate(shown, 1):
            name = normalize(service.organization.name).split()
            # Its first word ("firehouse"), two of its words ("urban league"), or nearly all
            # of it with a typo.
            shared = {w for w in name if len(w) >= 4} & words
            if (name and len(name[0]) >= 5 and name[0] in words) or len(shared) >= 2 or (
                    fuzz.partial_ratio(" ".join(name), text) >= 90
                    and len(text) >= 0.5 * len(" ".join(name))):
                named.append(number)
        return named

    def _connect_person(self, turn: Turn, message: Understanding, now) -> str | None:
        writer = self._writer(turn, now)
        if self.on_call is not None and self.on_call.is_open(now):
            turn.replies.append(writer.say("human_connecting"))
            turn.effects.append(Dial("person"))
        elif turn.context.mentors_available and not turn.context.handoff_open:
            turn.replies.append(writer.say("human_closed_mentor"))
            return "consent"
        else:
            turn.replies.append(writer.say("human_closed"))
        return None

    def _text_results(self, turn: Turn, message: Understanding, now) -> None:
        """Text the places just read aloud, unless this number may not be texted."""
        writer = self._writer(turn, now)
        if not turn.context.can_text:
            turn.replies.extend([writer.say("cannot_text"), writer.say("results_options")])
            return
        sms = Turn([], dict(turn.state), channel="sms")
        self._render_results(sms, now)
        turn.effects.append(TextResults(tuple(sms.replies)))
        turn.replies.extend([writer.say("texted"), writer.say("results_options")])

    def _reprompt(self, turn: Turn, message: Understanding, now) -> str | None:
        """Nothing usable was heard: ask again, then keypad only, then a polite goodbye."""
        state, writer = turn.state, self._writer(turn, now)
        state["misses"] = state.get("misses", 0) + 1
        sorry = writer.say("not_understood")
        if state["misses"] <= REPROMPTS:
            turn.replies.extend([sorry, *(state.get("last_said") or [writer.say("menu")])])
            return None
        if state["misses"] == REPROMPTS + 1:
            keypad = writer.say("menu_keypad")
            state["keypad_only"], state["last_said"] = True, [keypad]
            turn.replies.extend([sorry, keypad])
            return "menu"
        turn.replies.append(writer.say("goodbye"))
        turn.effects.append(Hangup())
        return None

    def _more_results(self, turn: Turn, message: Understanding, now) -> str:
        if turn.state.get("page", 0) < 0:  # places after a guide's steps
            return self._search(turn, turn.state["needs"], None, False, now)
        turn.state["page"] = turn.state.get("page", 0) + 1
        self._render_results(turn, now)
        return "results"

    def _seeker(self, state: dict) -> Seeker:
        """What ranking needs to know: the kinds and features asked for, the person's facts."""
        asked = state.get("asked") or []
        return Seeker(frozenset(a for a in asked if a in self.catalog.kinds),
                      frozenset(state.get("facts") or []),
                      frozenset(a for a in asked if a not in self.catalog.kinds))

    def _render_results(self, turn: Turn, now: dt.datetime) -> None:
        state = turn.state
        writer = self._writer(turn, now)
        place = Place.from_dict(state["place"]) if state.get("place") else None
        needs = state["needs"][:MAX_NEEDS]
        seeker = self._seeker(state)
        # Numbers go on across pages, so any number shown can still be picked after MORE.
        shown: list[str] = list(state.get("shown") or []) if state["page"] else []
        lists: list[tuple[str, list]] = []
        fitting = 0
        for need in needs:
            size = PAGE_SIZE[turn.channel]
            found = self.catalog.nearest(need, place, now, size, state["page"] * size, seeker)
            # A place that cannot take the person only pads a first page that has one that
            # can: the list says few fit and gives 211 instead.
            if not state["page"] and any(m.tier < NOT_FOR_THEM for m in found):
                found = [m for m in found if m.tier < NOT_FOR_THEM]
            if not found:
                key = "no_more" if state["page"] else "no_results"
                turn.replies.append(writer.say(key, need=writer.need_name(need).lower()))
                if not state["page"]:
                    turn.effects.append(Unmet(need, place.zip if place else "any"))
                continue
            numbered = [(len(shown) + i + 1, m) for i, m in enumerate(found)]
            shown.extend(m.service.id for m in found)
            lists.append((need, numbered))
            fitting += sum(m.barrier is None and m.tier == 0 for m in found)
        first_number = len(state.get("shown") or []) + 1 if state["page"] else 1
        state["shown"] = shown
        few = not state["page"] and lists and fitting < PAGE_SIZE[turn.channel] * len(lists)
        # "anywhere open tonight?" and none listed is known to be: say so, not only few fit.
        closing = "none_open" if OPEN_NOW in seeker.prefer and not any(
            m.service.hours and m.service.hours.is_open(now)
            for _, numbered in lists for _, m in numbered) else "few_fit"
        few = few or closing == "none_open"
        if turn.channel == "voice":
            for need, numbered in lists:
                label = place.label if place else "Jefferson County"
                intro = writer.say("results_intro", need=writer.need_name(need).lower(),
                                   place=label)
                turn.replies.append(writer.spoken_results(intro, [m for _, m in numbered]))
            if few:
                turn.replies.append(writer.say(closing))
            turn.replies.append(writer.say("results_options"))
            return
        for index, (need, numbered) in enumerate(lists):
            name = writer.need_name(need)
            header = (writer.say("results_header_near", need=name, place=place.label)
                      if place else writer.say("results_header_any", need=name))
            footer = []
            if index == len(lists) - 1:
                last = len(shown)
                key = "results_footer_one" if first_number == last else "results_footer"
                footer = [writer.say(key, first=first_number, last=last)]
                if few:  # worth more than the steps offer when a text has room for one
                    footer.append(writer.say(closing))
                guides = self.catalog.guides_for_category(needs[0])
                if guides and not state.get("guide"):
                    title = guides[0].title_es if state["lang"] == "es" else guides[0].title
                    footer.append(writer.say("steps_offer", guide=title))
            turn.replies.append(writer.result_list(header, numbered, footer))

    def _show_details(self, turn: Turn, message: Understanding, now) -> str:
        state = turn.state
        writer = self._writer(turn, now)
        shown = state.get("shown") or []
        if not 1 <= message.choice <= len(shown) or shown[message.choice - 1] not in (
            self.catalog.services
        ):
            turn.replies.append(writer.say("pick_from_list"))
            return "results"
        service = self.catalog.services[shown[message.choice - 1]]
        turn.replies.append(writer.details(service))
        turn.effects.append(FollowUp(service.id, service.label))
        guides = self.catalog.guides_for(service)
        if guides:
            state["guide"], state["guide_page"] = guides[0].id, 0
            self._show_steps(turn, message, now)
        return "results"

    def _show_steps(self, turn: Turn, message: Understanding, now) -> str:
        state = turn.state
        writer = self._writer(turn, now)
        guide = self.catalog.guides.get(state.get("guide", ""))
        if guide is None:
            needs = state.get("needs") or state.get("pending") or []
            guides = [g for n in needs for g in self.catalog.guides_for_category(n)]
            guide = guides[0] if guides else None
            state["guide_page"] = 0
        if guide is None:
            turn.replies.append(writer.say("steps_none"))
            return None
        pages = writer.steps_pages(guide, places=state.get("page", 0) < 0)
        page = state.get("guide_page", 0)
        if page >= len(pages):  # asked again after the last page: say so, then start over
            turn.replies.append(writer.say("steps_done"))
            state["guide_page"] = 0
            return None
        turn.replies.append(pages[page])
        state["guide"], state["guide_page"] = guide.id, page + 1
        return None if state["step"] == "ask_place" else "results"
