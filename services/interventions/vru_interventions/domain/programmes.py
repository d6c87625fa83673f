"""Programmes: commissioned interventions, whom they accept, when they run and how many they take."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, get_args

from vru_shared.contracts.interventions import ProgrammeCreated, ProgrammeUpdated
from vru_shared.contracts.referrals import ReferralSource
from vru_shared.events import IntegrationEvent

from vru_interventions.domain.organisations import Organisation

# The order of the contract, so a programme's sources always read the same way.
REFERRAL_SOURCES: tuple[str, ...] = get_args(ReferralSource)
YOUNGEST, OLDEST = 8, 30
NAME_LENGTH = 200
# Far above any commissioned programme, and well inside the 32-bit column that holds it.
LARGEST_CAPACITY = 100_000

# A programme's state as published; the rest (id, times) is the programme's own.
TERMS = ("name", "provider_organisation_id", "provider", "tier", "accepted_sources", "min_age", "max_age",
         "capacity", "active_from", "active_to")
# What a revision may change directly: the provider changes only as a whole organisation.
REVISABLE = tuple(term for term in TERMS if term not in ("provider_organisation_id", "provider"))


class PreventionTier(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class InvalidProgramme(ValueError):
    """Terms that break a rule of the domain, by the term each rule names."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{term}: {why}" for term, why in problems.items()))
        self.problems = problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must not be empty"
    if len(value.strip()) > NAME_LENGTH:
        return f"has more than {NAME_LENGTH} characters"
    return None


def _normalised(
    terms: dict[str, Any], changed: frozenset[str] = frozenset(TERMS), provider: Organisation | None = None
) -> dict[str, Any]:
    """The terms checked as a whole; raises with every problem found, so one answer names them all.

    A rule between two terms is laid at the one the caller `changed`, the later one if both.
    `provider`, when given, is the organisation the caller names to run the programme.
    """
    problems: dict[str, str] = {}
    if why := _text_problem(terms["name"]):
        problems["name"] = why
    if provider is not None:
        if why := provider.why_it_cannot_run_programmes():
            problems["provider_organisation_id"] = why
        else:
            terms = {**terms, "provider_organisation_id": provider.id, "provider": provider.name}
    elif terms["provider_organisation_id"] is None:
        # Only a programme made before providers were organisations lacks one.
        problems["provider_organisation_id"] = "must name the provider organisation that runs the programme"
    try:
        tier = PreventionTier(terms["tier"])
    except ValueError:
        problems["tier"] = "must be one of " + ", ".join(PreventionTier)
        tier = None
    sources = terms["accepted_sources"]
    unknown = [s for s in sources if s not in REFERRAL_SOURCES] if isinstance(sources, list | tuple) else None
    if unknown is None or not sources:
        problems["accepted_sources"] = "must name at least one referral source"
    elif unknown:
        problems["accepted_sources"] = f"unknown referral source {unknown[0]!r}"
    min_age, max_age = terms["min_age"], terms["max_age"]
    for name, age in (("min_age", min_age), ("max_age", max_age)):
        if not _is_int(age) or not YOUNGEST <= age <= OLDEST:
            problems[name] = f"must be a whole number of years from {YOUNGEST} to {OLDEST}"
    if "min_age" not in problems and "max_age" not in problems and min_age > max_age:
        if "max_age" in changed:
            problems["max_age"] = "must not be below min_age"
        else:
            problems["min_age"] = "must not be above max_age"
    capacity = terms["capacity"]
    if capacity is not None and (not _is_int(capacity) or capacity < 1):
        problems["capacity"] = "must be a positive whole number, or null for no limit"
    elif capacity is not None and capacity > LARGEST_CAPACITY:
        problems["capacity"] = f"must be at most {LARGEST_CAPACITY}, or null for no limit"
    active_from, active_to = terms["active_from"], terms["active_to"]
    if not isinstance(active_from, date):
        problems["active_from"] = "must be a date"
    elif active_to is not None and active_to < active_from:
        if "active_to" in changed:
            problems["active_to"] = "must not be before active_from"
        else:
            problems["active_from"] = "must not be after active_to"
    if problems:
        raise InvalidProgramme(problems)
    return {
        **terms,
        "name": terms["name"].strip(),
        "tier": tier,
        "accepted_sources": [s for s in REFERRAL_SOURCES if s in sources],
    }


@dataclass(eq=False)
class Programme:
    id: uuid.UUID
    name: str
    # The provider organisation that runs it, which alone sees its enrolments; None only for a
    # programme made before providers were organisations, until an administrator names one.
    provider_organisation_id: uuid.UUID | None
    # The organisation's name, as the identity service registered it.
    provider: str
    tier: PreventionTier
    accepted_sources: list[str]
    min_age: int
    max_age: int
    capacity: int | None
    active_from: date
    active_to: date | None
    created_at: datetime
    updated_at: datetime | None = None
    # Counts the states the programme has had (1 at creation); its events carry it, so that
    # consumers can tell an older state arriving late from the newest.
    revision: int = 1
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        name: str,
        provider: Organisation,
        tier: PreventionTier | str,
        accepted_sources: list[str],
        min_age: int,
        max_age: int,
        active_from: date,
        capacity: int | None = None,
        active_to: date | None = None,
        now: datetime | None = None,
    ) -> Programme:
        terms = _normalised({
            "name": name, "provider_organisation_id": None, "provider": None, "tier": tier,
            "accepted_sources": accepted_sources, "min_age": min_age, "max_age": max_age, "capacity": capacity,
            "active_from": active_from, "active_to": active_to,
        }, provider=provider)
        programme = cls(id=uuid.uuid4(), created_at=now or datetime.now(UTC), **terms)
        programme.events.append(ProgrammeCreated(programme_id=programme.id, revision=programme.revision,
                                                 **programme.terms()))
        return programme

    def terms(self) -> dict[str, Any]:
        return {term: getattr(self, term) for term in TERMS}

    def revise(
        self, changes: dict[str, Any], *, provider: Organisation | None = None, now: datetime | None = None
    ) -> bool:
        """Apply a partial change checked against the whole, `provider` the organisation to run it from
        now on if that changes too; True when anything changed."""
        unknown = set(changes) - set(REVISABLE)
        if unknown:
            raise TypeError(f"not a revisable term of a programme: {', '.join(sorted(unknown))}")
        changed = frozenset(changes) | ({"provider_organisation_id"} if provider is not None else set())
        revised = _normalised({**self.terms(), **changes}, changed, provider)
        if revised == self.terms():
            return False
        for term, value in revised.items():
            setattr(self, term, value)
        self.updated_at = now or datetime.now(UTC)
        self.revision += 1
        self.events.append(ProgrammeUpdated(programme_id=self.id, revision=self.revision, **self.terms()))
        return True

    def is_run_by(self, organisation_id: uuid.UUID) -> bool:
        """Whether this organisation runs the programme, and so may see and change its enrolments."""
        return self.provider_organisation_id is not None and self.provider_organisation_id == organisation_id

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)

    def has_place(self, active_enrolments: int) -> bool:
        return self.capacity is None or active_enrolments < self.capacity
