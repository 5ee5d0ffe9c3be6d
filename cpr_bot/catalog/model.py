"""What the catalog is made of: organizations, the services they give, and how-to guides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from ..errors import CatalogError
from .hours import Status, WeeklyHours
from .places import Place

CATEGORIES = (
    "food", "clothing", "shelter", "id", "mentoring", "medical", "dental", "substance_use",
    "mental_health", "jobs", "education", "family", "legal", "transportation",
)
RESOURCE_CATEGORIES = (*CATEGORIES, "crisis")
ACCESS = ("walk_in", "appointment", "referral", "call_first", "court_ordered", "phone_line")
# Ways in that turn away someone who just shows up or calls: listed below those that do not.
CLOSED_ACCESS = ("referral", "court_ordered")
KINDS_PATH = Path(__file__).resolve().parents[2] / "data" / "kinds.yaml"
# What a person may ask a service to have ("no ID needed"), as the conversation names them.
ATTRIBUTES = (
    "records_ok", "no_id_needed", "walk_in", "free", "women_only", "men_only",
    "sober_required", "appointment_needed", "serves_uninsured",
)


@dataclass(frozen=True)
class Kind:
    """One kind of service within a need category, such as an emergency bed or a pantry."""

    id: str
    category: str
    en: str
    es: str
    secondary: bool = False
    waitlist: bool = False
    public: bool = True
    near: tuple[str, ...] = ()  # kinds that may stand in when this one is asked for


def load_kinds(path: Path = KINDS_PATH) -> dict[str, Kind]:
    """The closed taxonomy of service kinds, by kind id; CatalogError names what is wrong."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kinds = {kind: Kind(kind, category, **{**values, "near": tuple(values.get("near", ()))})
                 for category, kinds in data.items() for kind, values in kinds.items()}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError, TypeError) as exc:
        raise CatalogError(path, [("(file)", "-", f"cannot read the kinds: {exc}")]) from None
    problems = [(kind.id, "category", f"unknown category {kind.category!r}")
                for kind in kinds.values() if kind.category not in RESOURCE_CATEGORIES]
    problems += [(kind.id, "near", f"no kind {other!r} in {kind.category}")
                 for kind in kinds.values() for other in kind.near
                 if other not in kinds or kinds[other].category != kind.category]
    if problems:
        raise CatalogError(path, problems)
    return kinds


@dataclass(frozen=True)
class Eligibility:
    """Who a service is for, as its sources state it; None or empty means nobody said."""

    sex: str = ""  # men | women
    min_age: int | None = None
    max_age: int | None = None
    families: str = ""  # only (families with children) | welcome | no
    veterans_only: bool = False
    records_ok: bool | None = None
    registry: str = ""  # accepted | refused (sex-offense registry)
    sober_required: bool | None = None
    id_required: bool | None = None
    insurance: tuple[str, ...] = ()
    cost: str = ""  # free | sliding_scale | fee | private_pay (insurance or self-pay only)
    pets: str = ""  # allowed | not_allowed
    only_for: str = ""  # hiv | abuse_survivors | disability | seniors_or_disability

    def to_dict(self) -> dict:
        """The stated rules only, as the catalog file spells them."""
        stated = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value not in (None, "", (), False):
                stated[item.name] = list(value) if isinstance(value, tuple) else value
        return stated


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
class Organization:
    """An organization as the catalog lists it: its main contact and where it is."""

    id: str
    name: str
    source: list[str]
    last_verified: dt.date
    short_name: str = ""
    phone: str = ""
    phone_note: str = ""
    address: str = ""
    city: str = ""
    zip: str = ""
    website: str = ""
    languages: list[str] = field(default_factory=list)
    confirm_first: bool = False


@dataclass
class Service:
    """One service a person can go to or call; contact details fall back to its organization's."""

    id: str
    organization: Organization
    name: str
    category: str
    kind: str
    access: str
    name_es: str = ""
    summary: str = ""
    summary_es: str = ""
    own_phone: str = ""
    own_phone_note: str = ""
    own_address: str = ""
    own_city: str = ""
    own_zip: str = ""
    area: str = ""
    hours: WeeklyHours | None = None
    hours_note: str = ""
    hours_note_es: str = ""
    eligibility: Eligibility = field(default_factory=Eligibility)
    eligibility_text: str = ""
    eligibility_text_es: str = ""
    guides: list[str] = field(default_factory=list)
    serves: frozenset[str] = frozenset()
    location: Place | None = None
    attributes: frozenset[str] = frozenset()

    def __post_init__(self):
        rules = self.eligibility
        derived = {
            "records_ok": rules.records_ok, "no_id_needed": rules.id_required is False,
            "walk_in": self.access == "walk_in", "free": rules.cost == "free",
            "women_only": rules.sex == "women", "men_only": rules.sex == "men",
            "sober_required": bool(rules.sober_required),
            "appointment_needed": self.access == "appointment",
            "serves_uninsured": "none" in rules.insurance or rules.cost in ("free",
                                                                            "sliding_scale"),
        }
        self.attributes = frozenset(name for name, holds in derived.items() if holds)

    @property
    def label(self) -> str:
        """The organization as a list line names it."""
        return self.organization.short_name or self.organization.name

    @property
    def phone(self) -> str:
        return self.own_phone or self.organization.phone

    @property
    def phone_note(self) -> str:
        return self.own_phone_note if self.own_phone else self.organization.phone_note

    @property
    def elsewhere(self) -> bool:
        """Whether the service is given somewhere other than the organization's address."""
        return bool(self.own_address or self.own_city or self.area)

    @property
    def address(self) -> str:
        return self.own_address if self.elsewhere else self.organization.address

    @property
    def city(self) -> str:
        return self.own_city if self.elsewhere else self.organization.city

    @property
    def zip(self) -> str:
        return self.own_zip if self.elsewhere else self.organization.zip

    @property
    def website(self) -> str:
        return self.organization.website

    @property
    def confirm_first(self) -> bool:
        return self.organization.confirm_first

    @property
    def last_verified(self) -> dt.date:
        return self.organization.last_verified

    def status(self, now: dt.datetime) -> Status | None:
        """Open or closed now, or None when the catalog has no regular hours."""
        return self.hours.status(now) if self.hours else None

    def serves_place(self, place: Place | None) -> bool:
        """Whether someone at place may use this service (its service area, if any)."""
        if not self.serves or place is None:
            return True
        return place.zip in self.serves or place.label.lower() in self.serves
