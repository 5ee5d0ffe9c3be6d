"""Every error this package raises on purpose, under one base class.

    CprError
    ├── ConfigError            a setting is missing or wrong; the message says how to fix it
    ├── DataError              a file or entry a coordinator edits is wrong (also a ValueError)
    │   ├── CatalogError       data/resources.yaml: .problems lists (entry, field, what is wrong)
    │   ├── FlowError          conversations/flow.yaml or messages.*.yaml: names file and step
    │   ├── VocabularyError    conversations/vocabulary.yaml: names the section
    │   ├── PlacesError        data/places.yaml: names the entry
    │   ├── HoursError         an opening-hours line: shows the form to use
    │   ├── PhoneError         a phone number that cannot be used
    │   └── RosterError        a mentor's details
    └── SendError              a text that was not sent
        └── RetryableSendError    not sent, or not known to be: a later try (which first
            │                     asks Twilio about an unclear one) is safe
            └── OptOutUnknownError    opt-outs could not be read, so nothing is sent
"""

from __future__ import annotations

from pathlib import Path


class CprError(Exception):
    """Base of every error raised on purpose by the CPR reentry line."""


class ConfigError(CprError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class DataError(CprError, ValueError):
    """A file or entry a coordinator edits is wrong; the message says where."""


class CatalogError(DataError):
    """The catalog has problems; .problems lists (entry id, field, what is wrong)."""

    def __init__(self, path: Path, problems: list[tuple[str, str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{entry}: {field}: {what}" for entry, field, what in problems]
        super().__init__(f"{path} has {len(problems)} problem(s):\n  " + "\n  ".join(lines))


class FlowError(DataError):
    """A conversation file is wrong; the message names the file and the step."""


class VocabularyError(DataError):
    """The vocabulary file is wrong; the message names the section."""


class PlacesError(DataError):
    """The places file is wrong; the message names the entry."""


class HoursError(DataError):
    """An opening-hours line cannot be read; the message shows the expected form."""


class PhoneError(DataError):
    """A phone number that cannot be used; the message says why."""


class RosterError(DataError):
    """A mentor's details are wrong; the message says which."""


class SendError(CprError):
    """A text was not sent."""


class RetryableSendError(SendError):
    """Not sent (Twilio busy, down or unreachable) or not known to be: try again later."""


class OptOutUnknownError(RetryableSendError):
    """Opt-outs could not be read (Redis or the spool is unreachable): fail closed, send nothing."""
