"""Mentor handoffs written as scenes: tables of steps by several people, the worker and the
clock, checked against the replies each gets and the texts Twilio's stand-in delivers.

A step is one of:
  (who, text, expected, forbidden)  who texts the bot; patterns its reply must (not) contain;
                                    expected None means no reply at all; a fifth item adds
                                    webhook fields, such as {"OptOutType": "STOP"}
  (f"{who} gets", expected)         the texts Twilio delivered to who since the last look;
                                    expected None means none at all
  ("work",)                         a real RQ worker runs until the queue is empty
  ("time passes",)                  every job scheduled for later is due now (an offer's
                                    timeout, a check-in), and a worker runs them
  (f"{who} opts out elsewhere",)    Twilio or a coordinator recorded an opt-out for who
{code} in a text or pattern is the code of the last offer a mentor got.
"""

from __future__ import annotations

import re

from .conftest import Phone, check_turn, run_due

PERSON, SECOND = "+12055550150", "+12055550151"
ANA, BEN = "+12055550101", "+12055550102"
COORDINATOR = "+12055550109"
PEOPLE = {"person": PERSON, "second": SECOND, "ana": ANA, "ben": BEN,
          "coordinator": COORDINATOR}


class Scene:
    """Plays a table of steps against the app, the worker and the Twilio stand-in."""

    def __init__(self, world, twilio):
        self.app, self.queue, self.work = world
        self.twilio = twilio
        self.phones = {name: Phone(self.app.test_client(), number)
                       for name, number in PEOPLE.items()}
        self.seen = dict.fromkeys(PEOPLE, 0)
        self.code = ""

    def play(self, steps) -> None:
        for number, step in enumerate(steps, 1):
            where = f"step {number} {step!r}"
            who = step[0]
            if who == "work":
                self.work()
            elif who == "time passes":
                self._fast_forward()
            elif who.endswith(" opts out elsewhere"):
                self.app.extensions["cpr"].opt_outs.record(PEOPLE[who.split()[0]])
            elif who.endswith(" gets"):
                self._delivered(who.split()[0], step[1], where)
            else:
                text, expected, forbidden, *extra = step[1:]
                replies = self.phones[who].send(self._fill(text), **(extra[0] if extra else {}))
                self._check(replies, expected, forbidden, where)

    def _fast_forward(self) -> None:
        run_due(self.queue)
        self.work()

    def _fill(self, text: str) -> str:
        return text.replace("{code}", self.code)

    def _delivered(self, name: str, expected, where: str) -> None:
        texts = self.twilio.to(PEOPLE[name])
        new, self.seen[name] = texts[self.seen[name]:], len(texts)
        for text in new:
            found = re.search(r"ACCEPT (\d{4})", text)
            if found:
                self.code = found[1]
        self._check(new, expected, [], where)

    def _check(self, texts: list[str], expected, forbidden, where: str) -> None:
        wanted = None if expected is None else [self._fill(p) for p in expected]
        check_turn(texts, wanted, [self._fill(p) for p in forbidden], where)
