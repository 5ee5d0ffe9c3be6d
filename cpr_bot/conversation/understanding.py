"""Turn a message into an intent, the needs it names, its language, any place it mentions and
any crisis it shows."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field

from ..catalog.model import CATEGORIES, Kind, load_kinds
from ..catalog.places import Gazetteer, Place
from ..text import normalize
from . import language
from .classifier import LearnedLayer
from .crisis import CrisisNet
from .vocabulary import Vocabulary

# When a message fits several, the earlier label wins; needs keep their order in the text.
# "weak" phrases only hint at a need ("my PO", "money") and lose to any plain one.
# A crisis comes from the safety net (crisis.py), before any of these.
PRECEDENCE = (
    "stop", "start", "human", "topic", "need", "language", "weak need", "menu", "help",
    "weak human",
)
NEGATION_REACH = 3
READ_CACHE_SIZE = 4096  # distinct texts remembered per process, the most recent kept
# Wants whose words also name a need ("no ID needed", "no insurance"): used up as wants.
CONSUMED_WANTS = {"no_id_needed", "serves_uninsured"}
# What a person says about themselves ("im a man", "with my 2 kids"): the dialog keeps these
# for the whole conversation, unlike the kind of help asked for in one request.
PERSON_FACTS = frozenset({
    "men_only", "women_only", "families", "veteran", "registry", "pets", "no_id", "no_car",
    "hiv", "abuse_survivors", "disability",
})
# A message of only these (and joining words) asks for nothing new: "no insurance" too.
SELF_FACTS = PERSON_FACTS | {"serves_uninsured"}
# "Stop. I got what I needed": an opt-out keyword set off at the start is an opt-out.
_LEADING_STOP = re.compile(
    r"\s*(stop|stopall|unsubscribe|cancel|basta)\s*([.!,;:]|por favor|porfa|please|pls|ya no)",
    re.I)
# "... dont need these anymore, please stop": one set off at the end is one too.
_TRAILING_STOP = re.compile(r"[.!,;:]\s*(?:please |pls |plz |)(?:stop|unsubscribe)[.! ]*$", re.I)
_I_WOULD = re.compile(r"\b[Ii](?:['\u2019]d|d(?= (?:kill|love|like|rather|appreciate|really|"
                      r"be|do|go|take|give|want)\b))\b")
# "im 19", "19 years old", "tengo 22 anos": an age said about oneself.
_AGE = re.compile(r"\b(?:im|i am|tengo) (\d{2})\b"
                  r"(?! (?:dollars|bucks|cents|minutes|hours|days|dolares|pesos))"
                  r"|\b(\d{2}) (?:years old|yrs old|year old|yo|anos)\b")
# "me and my 2 kids", "con mis tres hijos": children with the person.
_CHILDREN = re.compile(r"\b(?:my|mis|with|con|w|and|y|tengo|have|got) "
                       r"(?:\d|two|three|four|five|dos|tres|cuatro|cinco|little|young|small|"
                       r"peque\w*) ?(?:kids|children|child|sons|daughters|boys|girls|babies|"
                       r"hijos|hijas|ninos|ninas|nenes|chamacos)\b")
# "my son gets out of Limestone in 2 weeks": the one coming home is the son, so the places
# are for a man, not for a family.
_RELATIVE_COMING_HOME = re.compile(
    r"\b(?:my|mi) (son|boy|brother|husband|boyfriend|nephew|dad|father|hijo|hermano|esposo|"
    r"novio|sobrino|papa|daughter|girl|sister|wife|girlfriend|niece|mom|mother|hija|hermana|"
    r"esposa|novia|sobrina|mama)\b(?: \S+){0,3}? (?:getting out|gets out|got out|comes? home|"
    r"coming home|being released|released|paroled|sale|salio|saldra|va a salir)\b")
_MALE_RELATIVES = {"son", "boy", "brother", "husband", "boyfriend", "nephew", "dad", "father",
                   "hijo", "hermano", "esposo", "novio", "sobrino", "papa"}
_CHILD_RELATIVES = {"son", "boy", "daughter", "girl", "hijo", "hija"}
_THIRD_PERSON = {"he", "she", "him", "her", "his", "hes", "shes", "hell", "shell", "el", "ella",
                 "lo", "la", "le", "necesita", "tiene", "needs", "has", "aint"}
_FIRST_PERSON = {"me", "us", "were", "necesito", "necesitamos"}  # the sender asks too
_SEX_WANTS = {"men_only", "women_only"}
_NOT_WITH = {"not", "without", "sin", "nor"}
# "a bed too", "no ID either": adds to what was asked, rather than asking first.
_ADDING = {"too", "also", "tambien", "tampoco", "aswell", "either"}
# Below this, speech is too unsure to act on (except crisis words, which always count).
MIN_SPEECH_CONFIDENCE = 0.4


@dataclass
class Understanding:
    """What a message asks for."""

    intent: str  # a need, a topic label, a special such as stop or crisis, "unknown", "nothing"
    lang: str
    needs: list[str] = field(default_factory=list)
    place: Place | None = None
    choice: int | None = None
    pick: int | None = None  # a place picked from a list by words: 1, 2... or -1 for the last
    language_wanted: str | None = None
    word: str | None = None  # a whole-message dialog word: more, steps, anywhere
    keyword: bool = False  # the whole message is a keyword such as STOP or MENU
    # What the person said about a place or themselves: women_only, families, age:19, and
    # the kind of help asked for (emergency_bed, pantry...).
    wants: list[str] = field(default_factory=list)
    asks_mentor: bool = False  # names a mentor: the bot offers a mentor handoff
    lang_evident: bool = False  # whether the words showed a language at all
    resubscribes: bool = False  # the whole message is a word that lifts an opt-out (YES)
    command: str | None = None  # a chat's first word: accept, pass or bye
    crisis_kind: str | None = None  # what the safety net found: suicide, overdose...
    topic: str | None = None  # an ask with its own answer: voting, expungement, pets...
    guide: str | None = None  # the how-to guide that answers the topic, if one does
    named_need: bool = False  # a need was named outright, not only hinted ("my PO")
    declined: set[str] = field(default_factory=set)  # needs said not to be needed
    about_self: bool = False  # says only who the person is: "im a woman with 2 kids"
    needs_are_facts: bool = False  # every need named is in words about the person: "no ID"
    adds: bool = False  # "either", "too", "also": it adds to what was said before
    follow_up: str | None = None  # a question about places just listed: open_now, hours...
    off_topic: bool = False  # thanks, or an errand this line does not run
    decided_by: str = "rules"  # rules, net (crisis patterns) or classifier: who chose the intent
    text: str = ""
    unplaced: str = ""  # the words without the place name: what the models read

    @property
    def opts_out(self) -> bool:
        return self.intent == "stop"

    def to_dict(self) -> dict:
        return {
            "intent": self.intent,
            "lang": self.lang,
            "needs": self.needs,
            "place": self.place.label if self.place else None,
            "choice": self.choice,
            **({"crisis_kind": self.crisis_kind} if self.crisis_kind else {}),
        }


def nothing() -> Understanding:
    """No input at all, or speech too unsure to act on."""
    return Understanding("nothing", language.DEFAULT)


def _for_relative(text: str, wants: list[str]) -> list[str]:
    """The person's facts when they write for a relative coming home: "my son gets out
    friday, he needs a place" asks for a man; "my husband got out, me and the kids need
    food" still asks for a family."""
    relative = _RELATIVE_COMING_HOME.search(text)
    rest = text[relative.end() :].split() if relative else []
    if not relative or not _THIRD_PERSON & set(rest) or _FIRST_PERSON & set(text.split()) \
            or _CHILDREN.search(text):
        return wants
    said = relative.group(1)
    drop = _SEX_WANTS | ({"families"} if said in _CHILD_RELATIVES else set())
    return [w for w in wants if w not in drop] + [
        "men_only" if said in _MALE_RELATIVES else "women_only"]


def _has(words: list[str], phrases: list[list[str]]) -> bool:
    """Whether any of the phrases appears in the words."""
    said = f" {' '.join(words)} "
    return any(f" {' '.join(p)} " in said for p in phrases)


@dataclass(frozen=True)
class _Hit:
    intent: str
    weak: bool
    start: int
    end: int


class Understander:
    """Reads messages with a vocabulary and a gazetteer."""

    def __init__(self, vocabulary: Vocabulary, gazetteer: Gazetteer, crisis_net: CrisisNet,
                 learned: LearnedLayer | None = None, kinds: dict[str, Kind] | None = None):
        self.vocab = vocabulary
        self.gazetteer = gazetteer
        self.crisis_net = crisis_net
        self.learned = learned
        self.kinds = kinds or load_kinds()
        self.kind_categories = {k.id: k.category for k in self.kinds.values()}
        # Most texts are short replies many people send ("1", a ZIP, "more"): each is read
        # once per process. Held in memory only, never written anywhere.
        self._read_before = functools.lru_cache(maxsize=READ_CACHE_SIZE)(self._understand)

    def understand(self, text: str, fresh: bool = False) -> Understanding:
        """Classify one typed message (a copy the caller may change); fresh skips the
        memory of texts read before, as a timing bench must."""
        known = (self._understand if fresh else self._read_before)(text or "")
        return dataclasses.replace(known, needs=list(known.needs), wants=list(known.wants),
                                   declined=set(known.declined))

    def _understand(self, text: str) -> Understanding:
        """Classify one typed message: the rules, the classifier where they found no plain
        need, and the crisis net over both."""
        result = self._rules(text)
        # The net reads emoji as their words too: "💊💊 took all of them".
        crisis, found_by = self.crisis_net.check(result.text), "net"
        # A place name is no evidence of a need or a crisis; a crisis already found leaves the
        # models nothing to add.
        reading = self.learned.read(result.unplaced) if self.learned and crisis is None \
            else None
        # The models never overrule an opt-out, an opt-in or a keyword, nor speech the
        # patterns know as everyday ("got killed at spades").
        if crisis is None and reading and self._says_enough(result) and not (
                self.crisis_net.is_everyday(result.text) or
                result.keyword or result.word or result.opts_out or result.intent == "start"
                or result.off_topic):
            crisis, found_by = reading.crisis, "classifier"  # wording the patterns miss
        if not crisis and reading and self._open_to_guess(result):
            guess = reading.guess
            # "staying at the shelter", "dont need clothes": the words said no to that need.
            if guess and guess != result.intent and guess not in result.declined:
                result.intent, result.decided_by = guess, "classifier"
                result.needs = [guess] if guess in CATEGORIES else []
                result.keyword = False
        if crisis:
            result.crisis_kind = crisis.kind
            # An unsure sign beside anything asked for gets that answer with a safety line on
            # top; alone, it gets the crisis lines.
            if crisis.sure or result.intent == "unknown":
                result.intent, result.decided_by, result.keyword = "crisis", found_by, False
        return result

    def _rules(self, text: str) -> Understanding:
        """Classify a message by the vocabulary's phrases, places and keywords."""
        # "I'd" is "I would", never an ID: normalizing would make them the same word.
        text = _I_WOULD.sub("i would", text)
        for symbol, word in self.vocab.emoji.items():
            if symbol in text:
                text = text.replace(symbol, word)
        norm = normalize(text)
        raw_words = norm.split()
        command = self.vocab.chat_words.get(raw_words[0]) if raw_words else None
        # Place names are read first and set aside: "Bush Hills" is not a bus, "Tarrant" no
        # warrant.
        span = self.gazetteer.find_span(raw_words) if norm else None
        if span and self._is_need_word(raw_words, span):
            span = None
        in_place = set(range(span[1], span[2])) if span else set()
        unplaced = " ".join(w for i, w in enumerate(raw_words) if i not in in_place)
        words = [w if i in in_place else self.vocab.correct(w) for i, w in enumerate(raw_words)]
        corrected = {i for i, (a, b) in enumerate(zip(raw_words, words, strict=False)) if a != b}
        lang, evident = language.detect(words, self.vocab)
        result = Understanding("unknown", lang, place=span[0] if span else None, text=text,
                               lang_evident=evident,
                               resubscribes=norm in self.vocab.resubscribe_words,
                               command=command, unplaced=unplaced)
        if norm.isdigit() and len(norm) <= 2:
            result.choice = int(norm)
            return result
        result.follow_up = self._follow_up(words)
        result.pick = self._ordinal(words)
        result.asks_mentor = bool(self.vocab.mentor_words & set(words))
        core = " ".join(w for w in norm.split() if w not in self.vocab.fillers) or norm
        for name, options in self.vocab.dialog_words.items():
            if norm in options or core in options:
                result.word = name
                return result
        keyword = self._keyword(norm.split(), words)
        result.wants, taken, said_of_self, result.about_self = self._wants(words)
        result.wants = _for_relative(" ".join(raw_words), result.wants)
        for i in in_place:
            taken[i] = True
        hits, result.declined = self._phrase_hits(words, taken)
        # A weak hint spelled only by a guess ("monkey" read as "money") is no evidence.
        hits = [h for h in hits if not (h.weak and corrected & set(range(h.start, h.end)))]
        # "so jobs can call me back" asks for a job: a yielding person phrase is no ask for
        # a person when a need is named.
        if any(h.intent in CATEGORIES and not h.weak for h in hits):
            hits = [h for h in hits if not (h.intent == "human" and
                                            tuple(words[h.start : h.end]) in self.vocab.yielding)]
        strong = [h.intent for h in hits if not h.weak]
        if "start" not in strong and (self._asks_no_more_messages(raw_words)
                                      or _LEADING_STOP.match(text)
                                      or _TRAILING_STOP.search(text)):
            strong.append("stop")
        weak = [h.intent for h in hits if h.weak]
        # The person's situation told before an ask is a fact, not a need: "no car, need food"
        # asks for food only ("no car to get to work" asks for a ride).
        named = [h for h in hits if h.intent in CATEGORIES and not h.weak and not (
            all(said_of_self[h.start : h.end]) and self._asks_after(words, h, hits))]
        # Words that say who helps or why ("a church", "a felony") come after the need itself.
        named.sort(key=lambda h: tuple(words[h.start : h.end]) in self.vocab.yielding)
        result.needs_are_facts = bool(named) and all(all(said_of_self[h.start : h.end])
                                                     for h in named)
        result.adds = bool(_ADDING & set(words))
        needs = list(dict.fromkeys([h.intent for h in named]
                                   or [i for i in weak if i in CATEGORIES]))
        if "help" in strong and all(tuple(words[h.start : h.end]) in self.vocab.yielding
                                    for h in named):
            # "my case manager gave me this number, what can yall help with"
            needs, strong = [], [i for i in strong if i not in CATEGORIES]
        asked = self._asked_kind(words, [h for h in named if h.intent == (needs or [""])[0]])
        if asked in needs[1:]:  # "they dropped me at the greyhound. i need a bed tonight"
            needs.remove(asked)
            needs.insert(0, asked)
        result.needs = needs
        topics = [i.split(":", 1)[1] for i in strong if i.startswith("topic:")]
        result.topic = topics[0] if topics else None
        result.guide = self.vocab.topic_guides.get(result.topic)
        found = {
            "topic": bool(topics),
            "need": any(i in CATEGORIES for i in strong),
            "weak need": bool(result.needs),
            "weak human": "human" in weak,
        }
        label = next((label for label in PRECEDENCE
                      if keyword == label or label in strong or found.get(label)), None)
        if label == "topic":
            result.intent = self.vocab.topic_labels[result.topic]
            kind = self.vocab.topic_kinds.get(result.topic)
            if kind and kind not in result.wants:
                result.wants.append(kind)  # the places offered after the steps
        else:
            result.topic = result.guide = None  # a stop or a person outranks the topic
            if label:
                result.intent = result.needs[0] if "need" in label else label.split()[-1]
        result.named_need = found["need"]
        # Thanks that ask for nothing, or an errand this line does not run, is no need.
        result.off_topic = (_has(words, self.vocab.off_topic) and not found["need"]) or (
            _has(words, self.vocab.thanks) and not self.vocab.asking & set(words))
        if result.off_topic and (result.intent in CATEGORIES or result.intent == "human"
                                 or result.topic):
            result.intent, result.needs, result.topic, result.guide = "unknown", [], None, None
        if result.intent == "unknown" and result.pick and not (result.follow_up or result.place):
            result.follow_up = "details"  # "the first one", "el segundo"
        result.keyword = keyword is not None and keyword == result.intent
        if result.intent == "language":
            result.language_wanted = language.wanted(words, self.vocab)
            if result.language_wanted == "es":
                result.lang = "es"
        return result

    def speech(self, text: str, confidence: float) -> Understanding:
        """Classify what a caller said; unsure speech counts only for crisis words."""
        if not (text or "").strip():
            return nothing()
        heard = self.understand(text)
        if heard.crisis_kind is None and confidence < MIN_SPEECH_CONFIDENCE:
            return nothing()
        return heard

    def keypad(self, keys: str) -> Understanding:
        """Classify key presses: star is the crisis key, five digits a ZIP, else a menu number."""
        keys = keys.strip()
        if keys == "*":
            return Understanding("crisis", language.DEFAULT, text=keys)
        if not keys.isdigit():
            return nothing()
        if len(keys) == 5:
            place = self.gazetteer.locate_zip(keys)
            return Understanding("unknown", language.DEFAULT, place=place, text=keys) \
                if place else nothing()
        return Understanding("unknown", language.DEFAULT, choice=int(keys[0]), text=keys)

    def _says_enough(self, result: Understanding) -> bool:
        """Two words beyond a place and small words ("en bessemer" is only a place): the
        crisis model guesses from what is said, so a bare answer gives it nothing."""
        return len(set(result.unplaced.split()) - self.vocab.small_words) >= 2

    def _open_to_guess(self, result: Understanding) -> bool:
        """Nothing the rules are sure of (no keyword, place, number, follow-up or plain need),
        in words at all: "jjjkkk" is nobody's need."""
        if not self.vocab.known_words & set(result.unplaced.split()):
            return False
        if result.keyword or result.word or result.choice is not None or result.place \
                or result.follow_up or result.topic or result.off_topic:
            return False
        return result.intent == "unknown" or (result.intent in CATEGORIES
                                              and not result.named_need)

    def _is_need_word(self, words: list[str], span: tuple[Place, int, int]) -> bool:
        """One word only guessed as a place that names a need ("shelter" is not Shelby)."""
        _, start, end = span
        word = words[start]
        return end - start == 1 and (word,) in self.vocab.phrases \
            and not self.gazetteer.is_name(word)

    def _follow_up(self, words: list[str]) -> str | None:
        """What a question about places just listed asks: open_now, hours, directions..."""
        for size in range(min(5, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                kind = self.vocab.follow_ups.get(tuple(words[start : start + size]))
                if kind:
                    return kind
        return None

    def _ordinal(self, words: list[str]) -> int | None:
        """The place a short message picks from a list: "the first one", "#2", "ultimo"."""
        if len(words) > 8:
            return None
        for word in words:
            key = self.vocab.ordinals.get(word)
            if key is None and word.isdigit() and len(word) == 1:
                key = int(word)
            if key is not None:
                return -1 if key == "last" else int(key)
        return None

    def _asks_no_more_messages(self, words: list[str]) -> bool:
        """A stop word plus a word for messages: "STOP mandandome textos", "quit the texts"."""
        if not self.vocab.message_words & set(words):
            return False
        for i, word in enumerate(words):
            if word in self.vocab.stop_words:
                if not self._negated(words, _Hit("stop", False, i, i + 1)):
                    return True
        return False

    def _keyword(self, raw_words: list[str], corrected: list[str]) -> str | None:
        """The keyword a whole message is, if it is one (STOP, MENU, ESPANOL...)."""
        for words in (raw_words, corrected):
            # "STOP please" and "menu pls" are still the keyword.
            core = [w for w in words if w not in self.vocab.fillers] or words
            for candidate in (" ".join(words), " ".join(core)):
                for intent, keywords in self.vocab.keywords.items():
                    if candidate in keywords:
                        return intent
        return None

    def _wants(self, words: list[str]) -> tuple[list[str], list[bool], list[bool], bool]:
        """What the person wants of a place or says of themselves, the words used up, the
        words about themselves, and whether the message says nothing else ("im a woman with
        2 kids").

        Phrases that name a need word ("no ID needed") are used up here, so "ID" in them is
        not read as asking for an ID.
        """
        wants: list[str] = []
        taken = [False] * len(words)
        about_self = [False] * len(words)  # words that say who the person is
        for size in (4, 3, 2, 1):
            for start in range(len(words) - size + 1):
                labels = self.vocab.wants.get(tuple(words[start : start + size]), ())
                if _SEX_WANTS.intersection(labels) and (
                        _NOT_WITH & set(words[max(0, start - 4) : start])
                        or words[start - 1 : start] == ["no"]):
                    continue  # "not a shelter with men" says who the place must not mix in
                if labels and not any(taken[start : start + size]):
                    wants.extend(label for label in labels if label not in wants)
                    if CONSUMED_WANTS.intersection(labels):
                        taken[start : start + size] = [True] * size
                    if SELF_FACTS.intersection(labels):
                        about_self[start : start + size] = [True] * size
        text = " ".join(words)
        children = _CHILDREN.search(text)
        if children and "families" not in wants:
            wants.append("families")
        age = _AGE.search(text)
        if age and 16 <= int(age.group(1) or age.group(2)) <= 99:
            wants.append(f"age:{int(age.group(1) or age.group(2))}")
        for match in (children, age):
            if match:  # the words of the match, by where they start in the text
                first = text[: match.start()].count(" ")
                about_self[first : first + match.group(0).count(" ") + 1] = [True] * (
                    match.group(0).count(" ") + 1)
        only_about_self = any(about_self) and all(
            covered or word in self.vocab.self_words or word.isdigit()
            for covered, word in zip(about_self, words, strict=True))
        return wants, taken, about_self, only_about_self

    def _phrase_hits(self, words: list[str], taken: list[bool]) -> tuple[list[_Hit], set[str]]:
        """Vocabulary phrases in the message, longest first, minus negated ones; and the
        needs negated."""
        taken = list(taken)
        hits: list[_Hit] = []
        declined: set[str] = set()
        for size in range(min(self.vocab.longest_phrase, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start : start + size]):
                    continue
                found = self.vocab.phrases.get(tuple(words[start : start + size]))
                if not found:
                    continue
                hit = _Hit(found[0], found[1], start, start + size)
                for i in range(start, start + size):
                    taken[i] = True
                negation = self._negated(words, hit)
                if not negation:
                    hits.append(hit)
                elif hit.intent in CATEGORIES and negation == "said":
                    declined.add(hit.intent)  # "not a shelter with men" may still want one
        return sorted(hits, key=lambda h: h.start), declined

    def _asked_kind(self, words: list[str], first: list[_Hit]) -> str | None:
        """The need of a kind of help asked for right after an asking word ("i need a bed
        tonight"), when the first need named was told before that ask, not asked itself
        ("como saco un ID? ... busco donde quedarme" asks for the ID first)."""
        told_at = min((h.start for h in first), default=0)
        if self.vocab.asking & set(words[:told_at]):
            return None
        told_end = max((h.end for h in first), default=0)
        ask = next((i for i, w in enumerate(words) if i >= told_end and w in self.vocab.asking),
                   None)
        # Only the first ask after the story counts: "...do outpatient, where is one that's
        # cheap, and i need a ride" asks where the outpatient is.
        if ask is None or _ADDING & set(words[max(0, ask - 2) : ask]):
            return None
        for start in range(ask + 1, min(ask + 4, len(words))):
            for size in (4, 3, 2, 1):
                labels = self.vocab.wants.get(tuple(words[start : start + size]), ())
                found = [self.kind_categories[k] for k in labels if k in self.kind_categories]
                if found:
                    after = set(words[start + size : start + size + 2])
                    return None if after & _ADDING else found[0]
        return None

    def _asks_after(self, words: list[str], hit: _Hit, hits: list[_Hit]) -> bool:
        """Whether an asking word comes between a hit and the next need: "no car, need
        food" asks after its fact; "no car to get to work" does not."""
        later = [h.start for h in hits if h.start >= hit.end and h.intent in CATEGORIES]
        return bool(self.vocab.asking & set(words[hit.end : min(later, default=hit.end)]))

    def _negated(self, words: list[str], hit: _Hit) -> str | None:
        """Whether words just before a phrase cancel it ("not suicidal", "dont need a job"):
        "bare" for a bare "not" right before it, "said" for a negating phrase, else None."""
        reach = NEGATION_REACH + (1 if hit.intent in CATEGORIES else 0)
        before = words[max(0, hit.start - reach) : hit.start]
        if hit.intent in ("stop", "start", "human"):
            patterns = self.vocab.negators
        elif hit.intent in CATEGORIES or hit.intent.startswith("topic:"):
            patterns = self.vocab.need_negations
            # A bare "not" only cancels the need right after it: "not homeless", "not a job".
            nearest = [w for w in before if w not in self.vocab.negation_skips]
            if nearest and nearest[-1] in self.vocab.bare_negators:
                return "bare"
            after = words[hit.end : hit.end + 3]
            if any(after[: len(p)] == p for p in self.vocab.need_negations_after):
                return "said"
        else:
            return None
        # A "but" or a need word after the negation ends its reach: "dont need clothes, need
        # food" asks for food, and so does "no necesito comida, necesito trabajar".
        asks_anew = words[hit.start] in self.vocab.negation_breaks
        for pattern in patterns:
            size = len(pattern)
            for i in range(len(before) - size + 1):
                between = before[i + size :]
                if before[i : i + size] == pattern and not (asks_anew and between) and not any(
                        w in self.vocab.negation_breaks for w in between):
                    return "said"
        return None
