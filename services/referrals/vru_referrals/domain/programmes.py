"""What this service knows of programmes (from the interventions service's events): whom they take."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from vru_referrals.domain.errors import NotEligible
from vru_referrals.domain.subjects import age_on


@dataclass(eq=False)
class Programme:
    """A projection of a programme, kept to check referrals against it."""

    id: uuid.UUID
    name: str
    provider: str
    tier: str
    accepted_sources: tuple[str, ...]
    min_age: int
    max_age: int
    capacity: int | None
    active_from: date
    active_to: date | None
    updated_at: datetime
    # The provider organisation that runs the programme and decides its referrals; None for a
    # programme projected before organisations were known, which no provider sees until updated.
    provider_organisation_id: uuid.UUID | None = None
    # The revision of the programme's state kept here (0: from an event that did not carry one).
    revision: int = 0

    def run_by(self, organisation_id: uuid.UUID) -> bool:
        return self.provider_organisation_id is not None and self.provider_organisation_id == organisation_id

    def check_eligible(self, *, source: str, date_of_birth: date, on: date) -> None:
        """Refuse a referral the programme does not take, saying exactly why."""
        if source not in self.accepted_sources:
            accepted = ", ".join(self.accepted_sources) or "none"
            raise NotEligible(
                "source-not-accepted",
                f"programme {self.name!r} does not take referrals from {source}; it takes: {accepted}",
                field="source",
            )
        if on < self.active_from or (self.active_to is not None and on > self.active_to):
            until = f" to {self.active_to.isoformat()}" if self.active_to else " onwards"
            raise NotEligible(
                "programme-not-active",
                f"programme {self.name!r} is not active on the referral date {on.isoformat()}; "
                f"it runs from {self.active_from.isoformat()}{until}",
                field="referred_at",
            )
        age = age_on(date_of_birth, on)
        if not self.min_age <= age <= self.max_age:
            raise NotEligible(
                "outside-age-range",
                f"the young person is {age} on the referral date {on.isoformat()}; programme {self.name!r} "
                f"takes ages {self.min_age} to {self.max_age}",
                field="young_person/date_of_birth",
            )
