"""Write resource lists, details and how-to steps as short texts that fit the SMS budget."""

from __future__ import annotations

import datetime as dt

from .. import phones
from ..catalog.model import Guide, Resource
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


def fits(text: str, lang: str) -> bool:
    """Whether text costs no more segments than its language may."""
    return segment_count(fold_to_gsm7(text)) <= MAX_SEGMENTS[lang]


def clip(text: str, limit: int, ellipsis: bool = True) -> str:
    """Cut text at a word boundary so it is at most limit characters."""
    if len(text) <= limit:
        return text
    room = limit - 3 if ellipsis else limit
    if room <= 0:
        return ""
    cut = text[: room + 1].rsplit(" ", 1)[0][:room].rstrip(",;:.-( ")
    return cut + "..." if ellipsis else cut


def clock(moment: dt.datetime) -> str:
    """4pm, 8:30am."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


class Writer:
    """Renders catalog content in one language with the flow's sentences."""

    def __init__(self, flow: Flow, lang: str, now: dt.datetime, channel: str = "sms"):
        self.flow = flow
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

    def need_name(self, category: str) -> str:
        return self.flow.sentences[self.lang]["needs"][category]

    def status(self, resource: Resource) -> str:
        """Open now until when, or when it opens next, or that hours are unknown."""
        state = resource.status(self.now)
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

    def result_line(self, number: int, resource: Resource, name_max: int, addr_max: int,
                    status_level: int = 2) -> str:
        """One resource in a list: number, name, phone, street, and open or not."""
        name = clip(resource.name, name_max, ellipsis=False)
        phone = resource.phone or self.say("no_phone")
        address = clip(resource.address or resource.city, addr_max, ellipsis=False)
        line = f"{number}) {name}"
        for attribute in ("women_only", "men_only"):
            if attribute in resource.attributes:
                line += f" ({self.say(attribute)})"
        line += f" {phone}" + (f", {address}" if address else "")
        known = resource.hours is not None
        if status_level == 2 or (status_level == 1 and known):
            line += f". {self.status(resource)}"
        return line

    def spoken_results(self, intro: str, resources: list[Resource]) -> str:
        """Resources read aloud: name, street, open or not, phone digit by digit."""
        ordinals = self._words("ordinals")
        parts = [intro]
        for number, resource in enumerate(resources):
            phone = (self.say("phone_is", digits=phones.spoken(resource.phone))
                     if resource.phone else self.say("no_phone"))
            where = resource.address or resource.city
            parts.append(self.say("result", ordinal=ordinals[number % len(ordinals)],
                                  name=resource.name, address=f"{where}. " if where else "",
                                  status=self.status(resource), phone=phone))
        return " ".join(parts)

    def result_list(self, header: str, numbered: list[tuple[int, Resource]], footer: str) -> str:
        """A header, one line per resource and a footer, shortened until it fits."""
        for status_level, name_max, addr_max in SHORTENINGS:
            lines = [self.result_line(n, r, name_max, addr_max, status_level)
                     for n, r in numbered]
            text = "\n".join([header, *lines, footer] if footer else [header, *lines])
            if fits(text, self.lang):
                return text
        return "\n".join([header, *lines])  # last resort: drop the footer

    def details(self, resource: Resource) -> str:
        """Everything a person needs to go or call, most important first."""
        lines = [resource.name]
        where = ", ".join(p for p in (resource.address, resource.city) if p)
        if where:
            lines.append(f"{where} {resource.zip}".strip())
        if resource.phone:
            call = self.say("details_call", phone=resource.phone)
            lines.append(f"{call} ({resource.phone_note})" if resource.phone_note else call)
        status = self.status(resource)
        if resource.hours or not resource.hours_note:
            lines.append(status)
        optional = []
        labels = self.flow.sentences[self.lang]["attributes"]
        if resource.attributes:
            optional.append(" ".join(labels[a] for a in resource.attributes))
        if resource.hours_note:
            optional.append(self.say("details_hours_note", hours_note=resource.hours_note))
        summary = self._local(resource.summary, resource.summary_es)
        if summary:
            optional.append(summary)
        eligibility = self._local(resource.eligibility, resource.eligibility_es)
        if eligibility:
            optional.append(eligibility)
        if resource.confirm_first:
            optional.append(self.say("details_confirm"))
        if not resource.phone and resource.website:
            lines.append(self.say("details_website", website=resource.website))
        # Shorten the free-text parts, longest first, until the whole fits.
        for limit in (200, 140, 100, 70, 45, 0):
            parts = lines + [clip(p, limit) for p in optional if clip(p, limit)]
            text = "\n".join(parts)
            if fits(text, self.lang):
                return text
        return "\n".join(lines)

    def follow_up_line(self, kind: str, number: int, resource: Resource) -> str:
        """One listed place's answer to a follow-up: open now, hours, where, or records."""
        name = clip(resource.name, 40, ellipsis=False)
        if kind in ("open_now", "hours"):
            answer = self.status(resource)
            if kind == "hours" and resource.hours_note:
                answer += f". {clip(resource.hours_note, 80)}"
        elif kind == "directions":
            where = ", ".join(p for p in (resource.address, resource.city) if p)
            answer = f"{where} {resource.zip}".strip() if resource.address else self.say(
                "no_address", phone=resource.phone or self.say("no_phone"))
        elif "records_ok" in resource.attributes:
            answer = self.say("records_yes")
        else:
            answer = self.say("records_unknown", phone=resource.phone or self.say("no_phone"))
        return f"{number}) {name}: {answer}"

    def steps_pages(self, guide: Guide) -> list[str]:
        """A guide's steps packed into as few texts as fit, each with the guide's title."""
        steps = guide.steps_es if self.lang == "es" else guide.steps
        title = guide.title_es if self.lang == "es" else guide.title
        header = self.say("steps_header", guide=title)
        more = self.say("steps_more")
        pages: list[list[str]] = [[]]
        for number, step in enumerate(steps, 1):
            line = f"{number}. {step}"
            candidate = [header, *pages[-1], line, more]
            if pages[-1] and not fits("\n".join(candidate), self.lang):
                pages.append([])
            pages[-1].append(line)
        texts = []
        for index, page in enumerate(pages):
            tail = [more] if index < len(pages) - 1 else []
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
