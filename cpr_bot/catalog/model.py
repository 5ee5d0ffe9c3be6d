"""What the catalog is made of: need categories, attributes, resources and how-to guides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .hours import Status, WeeklyHours
from .places import Place

CATEGORIES = (
    "food", "clothing", "shelter", "id", "mentoring", "medical", "dental", "substance_use",
    "mental_health", "jobs", "education", "family", "legal", "transportation",
)
RESOURCE_CATEGORIES = (*CATEGORIES, "crisis")
ATTRIBUTES = (
    "records_ok", "no_id_needed", "walk_in", "free", "women_only", "men_only",
    "sober_required", "appointment_needed",
)


@dataclass
class Guide:
    """Steps for a task such as getting a state ID, in English and Spanish."""

    id: str
    title: str
    title_es: str
    categories: list[str]
    steps: list[str]
    steps_es: list[str]
    source: list[str]


@dataclass
class Resource:
    """One place or service a person can go to or call."""

    id: str
    name: str
    categories: list[str]
    source: list[str]
    last_verified: dt.date
    summary: str = ""
    summary_es: str = ""
    phone: str = ""
    phone_note: str = ""
    address: str = ""
    city: str = ""
    zip: str = ""
    hours: WeeklyHours | None = None
    hours_note: str = ""
    website: str = ""
    eligibility: str = ""
    eligibility_es: str = ""
    attributes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    guides: list[str] = field(default_factory=list)
    confirm_first: bool = False
    serves: frozenset[str] = frozenset()
    location: Place | None = None

    def status(self, now: dt.datetime) -> Status | None:
        """Open or closed now, or None when the catalog has no regular hours."""
        return self.hours.status(now) if self.hours else None

    def serves_place(self, place: Place | None) -> bool:
        """Whether someone at place may use this service (its service area, if any)."""
        if not self.serves or place is None:
            return True
        return place.zip in self.serves or place.label.lower() in self.serves
