"""The demo's five programmes, the provider organisations that run them, and which programme each
referral source's referrals go to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ProgrammeSpec:
    """A demo programme's terms, and the outcomes its participants tend to reach."""

    name: str
    # The made-up charity that runs it: a provider organisation of that name.
    provider: str
    tier: str
    sources: tuple[str, ...]
    min_age: int
    max_age: int
    capacity: int | None
    years_running: int
    accept_rate: float
    ete_at_baseline: float
    ete_gain: float
    wellbeing_gain: float
    reoffence_rate: float
    completion: int

    def body(self, today: date, provider_organisation_id: str) -> dict[str, Any]:
        # 1 April, at least three years back: every programme has run for well over two years.
        return {"name": self.name, "provider_organisation_id": provider_organisation_id, "tier": self.tier,
                "accepted_sources": list(self.sources), "min_age": self.min_age, "max_age": self.max_age,
                "capacity": self.capacity, "active_from": date(today.year - self.years_running, 4, 1).isoformat(),
                "active_to": None}


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec("Custody Mentoring", "Larkfield Youth Trust", "tertiary", ("custody", "youth_justice"), 12, 24,
                  None, 4, 0.82, 0.25, 0.38, 3.0, 0.20, 66),
    ProgrammeSpec("A&E Youth Navigators", "Amberline Navigators CIC", "secondary", ("emergency_department",), 10, 24,
                  None, 5, 0.74, 0.40, 0.18, 2.5, 0.12, 55),
    ProgrammeSpec("Targeted Youth Outreach", "Kestrel Street Outreach", "secondary", ("community", "school", "self"),
                  10, 21, 12, 3, 0.70, 0.35, 0.12, 1.5, 0.15, 48),
    ProgrammeSpec("Through the Gate Prison Mentoring", "Ironbridge Resettlement Partnership", "tertiary",
                  ("prison", "probation"), 18, 25, 8, 4, 0.86, 0.10, 0.26, 2.0, 0.45, 44),
    ProgrammeSpec("School Inclusion Mentoring", "Willowmere Learning Mentors", "primary", ("school",), 10, 16,
                  None, 6, 0.86, 0.55, 0.25, 2.0, 0.03, 72),
)
BY_NAME = {p.name: p for p in PROGRAMMES}

# Which programme a source's referrals go to, by weight.
ROUTES: dict[str, tuple[tuple[str, float], ...]] = {
    "custody": (("Custody Mentoring", 1),),
    "youth_justice": (("Custody Mentoring", 1),),
    "emergency_department": (("A&E Youth Navigators", 1),),
    "school": (("School Inclusion Mentoring", 6), ("Targeted Youth Outreach", 4)),
    "community": (("Targeted Youth Outreach", 1),),
    "self": (("Targeted Youth Outreach", 1),),
    "prison": (("Through the Gate Prison Mentoring", 1),),
    "probation": (("Through the Gate Prison Mentoring", 1),),
}
# Days from referral to the enrolment's start: navigators and custody mentors meet the young person
# while the moment lasts; the others book them in.
START_DELAYS = {"A&E Youth Navigators": (0, 0, 0, 1, 1, 2, 3), "Custody Mentoring": (0, 0, 1, 1, 2, 3, 5, 7)}
BOOKED_START_DELAYS = (0, 1, 2, 3, 5, 7, 10, 14, 21)
