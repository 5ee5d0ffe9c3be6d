"""What a turn asks for beyond its replies; the runner carries these out after saving it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OptOut:
    """The person asked for no more texts."""


@dataclass(frozen=True)
class OptIn:
    """The person asked for texts again."""


@dataclass(frozen=True)
class Unmet:
    """A need found nothing near a place: where the catalog should grow."""

    need: str
    area: str  # a ZIP, or "any"


@dataclass(frozen=True)
class RequestHandoff:
    """The person agreed to be offered to a volunteer mentor."""

    need: str


@dataclass(frozen=True)
class FollowUp:
    """Ask in about two days whether a place helped."""

    resource_id: str
    name: str


@dataclass(frozen=True)
class TextResults:
    """Text the caller what was just read aloud."""

    bodies: tuple[str, ...]


@dataclass(frozen=True)
class Dial:
    """Connect the call: to the crisis line, or to the person on call."""

    who: str  # "crisis" or "person"


@dataclass(frozen=True)
class Hangup:
    """End the call after the replies."""


Effect = OptOut | OptIn | Unmet | RequestHandoff | FollowUp | TextResults | Dial | Hangup
