"""Every Redis key the bot uses, named in one place under one prefix."""

from __future__ import annotations

PREFIX = "cpr"


def conversation(thread: str) -> str:
    """A conversation's state: a number for texts, "call:<CallSid>" for a call."""
    return f"{PREFIX}:conv:{thread}"


def message(message_id: str) -> str:
    """The reply a message got, so a redelivered message gets it again."""
    return f"{PREFIX}:msg:{message_id}"


def seen(message_id: str) -> str:
    """That a message id was answered, kept for the replay window (longer than its reply)."""
    return f"{PREFIX}:seen:{message_id}"


def opt_out(phone: str) -> str:
    return f"{PREFIX}:optout:{phone}"


def mentor(phone: str) -> str:
    return f"{PREFIX}:mentor:{phone}"


ROSTER = f"{PREFIX}:mentors"  # the set of every mentor's number


def handoff(handoff_id: str) -> str:
    return f"{PREFIX}:handoff:{handoff_id}"


def open_handoff(person: str) -> str:
    """The handoff a person has asked for and not yet finished."""
    return f"{PREFIX}:handoff:open:{person}"


def handoff_code(code: str) -> str:
    """The 4-digit code mentors use for a handoff."""
    return f"{PREFIX}:handoff:code:{code}"


def chat(person: str) -> str:
    """The accepted handoff a person is chatting in."""
    return f"{PREFIX}:session:{person}"


def mentor_chats(mentor_phone: str) -> str:
    return f"{PREFIX}:mentor:chats:{mentor_phone}"


HANDOFFS = f"{PREFIX}:handoffs"  # every handoff id by time asked


def follow_up(person: str) -> str:
    """Which resource a person was asked about in a check-in."""
    return f"{PREFIX}:followup:{person}"


def feedback(resource_id: str) -> str:
    return f"{PREFIX}:feedback:{resource_id}"


FEEDBACK_PATTERN = f"{PREFIX}:feedback:*"
REVERIFY = f"{PREFIX}:reverify"  # resources people said were closed or had a wrong number


def unmet(category: str, area: str) -> str:
    return f"{PREFIX}:unmet:{category}:{area}"


UNMET_PATTERN = f"{PREFIX}:unmet:*"


def sent(key: str) -> str:
    """The once-per-key claim of a text we send."""
    return f"{PREFIX}:sent:{key}"


def delivery(message_sid: str) -> str:
    """Who a text went to and how far it got (Twilio's delivery reports)."""
    return f"{PREFIX}:sms:{message_sid}"


OUTBOX = f"{PREFIX}:outbox"  # texts kept locally when Twilio is not set up
BAD_NUMBERS = f"{PREFIX}:bad_numbers"


def scheduled_jobs(phone_token: str) -> str:
    """Jobs scheduled to text a number later (by the number's token), so an opt-out can
    cancel them."""
    return f"{PREFIX}:jobs:to:{phone_token}"


def job_data(job_id: str) -> str:
    """The number and text a queued job uses, kept out of RQ's own records and logs."""
    return f"{PREFIX}:jobdata:{job_id}"


def strip(key: bytes | str, pattern: str) -> str:
    """What follows a pattern's prefix in a key: the resource id of a feedback key, say."""
    text = key.decode() if isinstance(key, bytes) else key
    return text[len(pattern.rstrip("*")):]
