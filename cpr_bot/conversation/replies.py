"""Write service lists, details and how-to steps as short texts that fit the SMS budget."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from .. import phones
from ..catalog.model import Guide, Kind, Service
from ..catalog.ranking import SENIOR_MIN_AGE, YOUTH_MAX_AGE, Match
from ..text import fold_to_gsm7, segment_count
from .flows import Flow

# English must stay within 2 segments; Spanish (accents folded away) within 3.
MAX_SEGMENTS = {"en": 2, "es": 3}
# Ways to shorten a list, gentlest first: (which hours to show, name length, address length).
# 2 shows every status, 1 drops "call for hours", 0 drops all hours.
SHORTENINGS = (
    (2, 45, 40), (1, 45, 40), (1, 34, 26), (1, 30, 20), (0, 34, 26), (0, 28, 20),
    (0, 22, 16), (0, 18, 0),
)
MILD = 5  # the shortenings that keep names and streets readable
TWIN_LABEL = 8  # the least of the organization's name a twin's title keeps beside what it is


def fits(text: str, lang: str) -> bool:
    """Whether text costs no more segments than its language may."""
    return segment_count(fold_to_gsm7(text)) <= MAX_SEGMENTS[lang]


# "(2019)", " (2016-05)" in a note: when a source said it.
SOURCE_YEAR = re.compile(r"\s*\((?:19|20)\d\d(?:-\d\d)?(?:-\d\d)?\)")
# Words a cut name must not end on: "Legal Aid Society of" says less than "Legal Aid Society".
DANGLING = {"of", "and", "the", "for", "in", "at", "to", "a", "&", "de", "del", "la", "el", "y"}


def clip(text: str, limit: int, ellipsis: bool = True) -> str:
    """Cut text at a word boundary so it is at most limit characters."""
    if len(text) <= limit:
        return text
    room = limit - 3 if ellipsis else limit
    if room <= 0:
        return ""
    words = text[: room + 1].rsplit(" ", 1)[0][:room].rstrip(",;:.-( ").split(" ")
    while len(words) > 1 and words[-1].lower() in DANGLING:
        words.pop()
    cut = " ".join(words).rstrip(",;:.-( ")
    return cut + "..." if ellipsis else cut


def clock(moment: dt.datetime) -> str:
    """4pm, 8:30am."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


class Writer:
    """Renders catalog content in one language with the flow's sentences."""

    def __init__(self, flow: Flow, lang: str, now: dt.datetime, channel: str = "sms",
                 kinds: dict[str, Kind] | None = None):
        self.flow = flow
        self.kinds = kinds or {}
        self.lang = lang
        self.now = now
        self.channel = channel

    def say(self, key: str, **values) -> str:
        return self.flow.sentence(self.lang, key, self.channel, **values)

    def _words(self, key: str) -> list[str]:
        """A list of words (days, ordinals) for this channel."""
        if self.channel == "voice" and key in self.flow.sentences[self.lang]["voice"]:
            return self.flow.sentences[self.lang]["voice"][key]
        return self.flow.sentences[self.lang][key]

    def _local(self, english: str, spanish: str) -> str:
        """Catalog text in the person's language when the catalog has it."""
        return spanish if self.lang == "es" and spanish else english

    def _only_local(self, english: str, spanish: str) -> str:
        """Catalog text in the person's language, or nothing: no English notes in Spanish.

        The source years coordinators keep in notes ("(2019)") are left out: to a person
        they only say the note is old, which "call first" says better.
        """
        return SOURCE_YEAR.sub("", spanish if self.lang == "es" else english).strip()

    def need_name(self, category: str) -> str:
        return self.flow.sentences[self.lang]["needs"][category]

    def status(self, service: Service) -> str:
        """Open now until when, or when it opens next, or that hours are unknown."""
        state = service.status(self.now)
        if state is None:
            return self.say("status_unknown")
        if state.always_open:
            return self.say("status_open_24")
        if state.open_now:
            return self.say("status_open_until", time=clock(state.change_at))
        if state.change_at is None:
            return self.say("status_closed")
        days = (state.change_at.date() - self.now.date()).days
        if days == 0:
            day = self.say("today")
        elif days == 1:
            day = self.say("tomorrow")
        else:
            day = self._words("days")[state.change_at.weekday()]
        return self.say("status_opens", when=f"{day} {clock(state.change_at)}")

    def service_name(self, service: Service) -> str:
        """What the service is, in the person's language."""
        return self._local(service.name, service.name_es)

    def title(self, service: Service, room: int, twin: bool = False) -> str:
        """The organization and what the service is, or the organization alone if room is
        short; a twin (another service of the same organization in the list) keeps what it
        is, so the two are told apart."""
        label, what = service.label, self.service_name(service)
        if len(label) + len(what) + 2 <= room:
            return f"{label}: {what}"
        if not twin:
            return clip(label, room, ellipsis=False)
        if room - len(what) - 2 >= TWIN_LABEL:  # "Cooper Green: Urgent care"
            return f"{clip(label, room - len(what) - 2, ellipsis=False)}: {what}"
        return clip(what, room, ellipsis=False)

    def tags(self, match: Match) -> list[str]:
        """Who a service is for and why it may not take this person: men, waiting list..."""
        service, rules = match.service, match.service.eligibility
        labels = self.flow.sentences[self.lang]["labels"]
        tags = [labels[rules.sex]] if rules.sex else []
        if rules.families == "only":
            tags.append(labels["families"])
        if rules.veterans_only:
            tags.append(labels["veterans"])
        young = rules.max_age is not None and rules.max_age < YOUTH_MAX_AGE
        old = rules.min_age is not None and rules.min_age >= SENIOR_MIN_AGE
        if young or old or match.barrier == "ages":
            ages = (f"{rules.min_age or 0}-{rules.max_age}" if rules.max_age is not None
                    else f"{rules.min_age}+")
            tags.append(labels["ages"].format(ages=ages))
        if rules.cost == "private_pay":  # not for someone with no money or insurance
            tags.append(labels["private_pay"])
        kind = self.kinds.get(service.kind)
        if match.barrier in labels and match.barrier != "private_pay":
            tags.append(labels[match.barrier])
        elif kind and kind.waitlist:
            tags.append(labels["waitlist"])
        elif kind and match.tier and not match.barrier:
            tags.append(kind.es if self.lang == "es" else kind.en)
        return tags

    def where(self, service: Service, room: int) -> str:
        """The street, else the area or town it is in or serves."""
        if service.address:
            return clip(service.address, room, ellipsis=False)
        place = service.area or service.city
        if not place or not room:
            return ""
        return clip(self.say("area_of", place=place), room, ellipsis=False)

    def result_line(self, number: int, match: Match, name_max: int, addr_max: int,
                    status_level: int = 2, twin: bool = False) -> str:
        """One service in a list: number, name, who for, phone, street, and open or not."""
        service = match.service
        line = f"{number}) {self.title(service, name_max, twin)}"
        tags = self.tags(match)
        if tags:
            line += f" ({', '.join(tags)})"
        line += f" {service.phone or self.say('no_phone')}"
        where = self.where(service, addr_max)
        line += f", {where}" if where else ""
        known = service.hours is not None
        if status_level == 2 or (status_level == 1 and known):
            line += f". {self.status(service)}"
        return line

    def spoken_results(self, intro: str, matches: list[Match]) -> str:
        """Services read aloud: name, who for, street, open or not, phone digit by digit."""
        ordinals = self._words("ordinals")
        parts = [intro]
        for number, match in enumerate(matches):
            service = match.service
            phone = (self.say("phone_is", digits=phones.spoken(service.phone))
                     if service.phone else self.say("no_phone"))
            where = self.where(service, 60)
            tags = self.tags(match)
            name = self.title(service, 60) + (f", {', '.join(tags)}" if tags else "")
            parts.append(self.say("result", ordinal=ordinals[number % len(ordinals)],
                                  name=name, address=f"{where}. " if where else "",
                                  status=self.status(service), phone=phone))
        return " ".join(parts)

    def result_list(self, header: str, numbered: list[tuple[int, Match]],
                    footer: list[str]) -> str:
        """A header, one line per service and a footer, shortened until it fits.

        The footer's parts are wanted most first; the last ones go before a line is cut.
        """
        labels = Counter(m.service.label for _, m in numbered)
        for kept in range(len(footer), -1, -1):
            # The whole footer is worth a shorter address; the extras are not worth more.
            for status_level, name_max, addr_max in SHORTENINGS[:MILD] if kept > 1 else SHORTENINGS:
                lines = [self.result_line(n, m, name_max, addr_max, status_level,
                                          labels[m.service.label] > 1)
                         for n, m in numbered]
                text = "\n".join([header, *lines, *([" ".join(footer[:kept])] if kept else [])])
                if fits(text, self.lang):
                    return text
        return text  # last resort: the shortest lines, no footer

    def details(self, service: Service) -> str:
        """Everything a person needs to go or call, most important first."""
        lines = [self.title(service, 80)]
        where = ", ".join(p for p in (service.address, service.city) if p)
        if service.address:
            lines.append(f"{where} {service.zip}".strip())
        elif service.area or service.city:
            lines.append(self.say("area_of", place=service.area or service.city))
        if service.phone:
            call = self.say("details_call", phone=service.phone)
            note = self._only_local(service.phone_note, "")
            lines.append(f"{call} ({note})" if note else call)
        status = self.status(service)
        hours_note = self._only_local(service.hours_note, service.hours_note_es)
        if service.hours or not hours_note:
            lines.append(status)
        optional = []
        labels = self.flow.sentences[self.lang]["attributes"]
        if service.attributes:
            optional.append(" ".join(labels[a] for a in service.attributes))
        if hours_note:
            optional.append(self.say("details_hours_note", hours_note=hours_note))
        summary = self._local(service.summary, service.summary_es)
        if summary:
            optional.append(summary)
        eligibility = self._only_local(service.eligibility_text, service.eligibility_text_es)
        if eligibility:
            optional.append(eligibility)
        if service.confirm_first:
            optional.append(self.say("details_confirm"))
        if not service.phone and service.website:
            lines.append(self.say("details_website", website=service.website))
        # Shorten the free-text parts, longest first, until the whole fits.
        for limit in (200, 140, 100, 70, 45, 0):
            parts = lines + [clip(p, limit) for p in optional if clip(p, limit)]
            text = "\n".join(parts)
            if fits(text, self.lang):
                return text
        return "\n".join(lines)

    def follow_up_line(self, kind: str, number: int, service: Service) -> str:
        """One listed place's answer to a follow-up: open now, hours, where, or records."""
        name = clip(service.label, 40, ellipsis=False)
        if kind in ("open_now", "hours"):
            answer = self.status(service)
            hours_note = self._only_local(service.hours_note, service.hours_note_es)
            if kind == "hours" and hours_note:
                answer += f". {clip(hours_note, 80)}"
        elif kind == "directions":
            where = ", ".join(p for p in (service.address, service.city) if p)
            answer = f"{where} {service.zip}".strip() if service.address else self.say(
                "no_address", phone=service.phone or self.say("no_phone"))
        elif "records_ok" in service.attributes:
            answer = self.say("records_yes")
        else:
            answer = self.say("records_unknown", phone=service.phone or self.say("no_phone"))
        return f"{number}) {name}: {answer}"

    def steps_pages(self, guide: Guide, places: bool = False) -> list[str]:
        """A guide's steps packed into as few texts as fit, each with the guide's title.

        places: the person may ask for places after the steps, and each page says how.
        """
        steps = guide.steps_es if self.lang == "es" else guide.steps
        title = guide.title_es if self.lang == "es" else guide.title
        header = self.say("steps_header", guide=title)
        more = self.say("steps_more_places" if places else "steps_more")
        pages: list[list[str]] = [[]]
        for number, step in enumerate(steps, 1):
            line = f"{number}. {step}"
            candidate = [header, *pages[-1], line, more]
            if pages[-1] and not fits("\n".join(candidate), self.lang):
                pages.append([])
            pages[-1].append(line)
        texts = []
        last = [self.say("places_offer")] if places else []
        for index, page in enumerate(pages):
            tail = [more] if index < len(pages) - 1 else last
            lines = [header, *page, *tail]
            # A single step longer than a page is clipped rather than sent over budget.
            while not fits("\n".join(lines), self.lang) and len(lines[-1 - len(tail)]) > 20:
                lines[-1 - len(tail)] = clip(lines[-1 - len(tail)], len(lines[-1 - len(tail)]) - 20)
            texts.append("\n".join(lines))
        return texts


def pack(parts: list[str], lang: str) -> list[str]:
    """Join reply parts into as few texts as fit the budget; Spanish loses its accents."""
    messages: list[str] = []
    for part in parts:
        part = fold_to_gsm7(part) if lang == "es" else part
        if messages and fits(messages[-1] + "\n" + part, lang):
            messages[-1] += "\n" + part
        else:
            messages.append(part)
    return messages
