"""What the outcomes service knows of other services' things, kept current by their events only.

Events of different producers arrive in any order, so each projection is built to take them
so: a referral's transitions may arrive before it is received (the row starts as a
placeholder and fills in), and its status is read from the transitions' own timestamps
rather than from the order their events came in.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# Periods are UK calendar months and financial years, so a referral's day is its day in England.
from vru_shared.uk_time import UK, uk_date  # noqa: E402,F401 - re-exported for the metric queries

from vru_outcomes.domain import reoffending, timings


@dataclass(eq=False)
class ProgrammeRecord:
    id: uuid.UUID
    name: str
    provider: str
    tier: str | None = None
    # The provider organisation that runs the programme: the one organisation that sees its
    # enrolments' outcome records and its metrics at the internal audience. None only on rows
    # kept from before programme events carried it, until the programme's next update.
    provider_organisation_id: uuid.UUID | None = None
    # The revision of the programme's state kept here (0: from an event that did not carry one).
    revision: int = 0


ERASED_PREFIX = "erased:"


def subject_digest(pseudonym: str) -> str:
    """What an erasure keeps of the pseudonym: enough to recognise an enrolment of the erased
    subject that arrives after the erasure, and nothing that other data here could be joined on."""
    return hashlib.sha256(pseudonym.encode()).hexdigest()


@dataclass(eq=False)
class Erasure:
    """A subject erased: enrolments of theirs that started before `erased_at` keep no pseudonym here."""

    subject_digest: str
    erased_at: datetime
    reason: str

    def covers(self, member: CohortMember) -> bool:
        # An enrolment that started after the erasure is new processing, of a new referral.
        return member.started_at is None or member.started_at <= self.erased_at


@dataclass(eq=False)
class CohortMember:
    """One enrolment, as the outcomes service knows it: pseudonymous and coarse."""

    enrolment_id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    subject_pseudonym: str
    start_date: date
    started_at: datetime | None = None
    end_date: date | None = None
    exit_reason: str | None = None
    first_contact_at: datetime | None = None
    # The ends of the MoJ follow-up year and waiting period from the start (the index date): kept
    # so the database can apply the measure's window without calendar arithmetic of its own.
    follow_up_end: date | None = None
    waiting_end: date | None = None

    def __post_init__(self) -> None:
        self.follow_up_end = self.follow_up_end or reoffending.follow_up_end(self.start_date)
        self.waiting_end = self.waiting_end or reoffending.waiting_end(self.start_date)

    @property
    def erased(self) -> bool:
        return self.subject_pseudonym.startswith(ERASED_PREFIX)

    def forget_subject(self) -> None:
        """The young person's data was erased: nothing links this enrolment to them any more.

        The marker is the enrolment's own id, so erased members never look like one subject,
        and the coarse facts stay, so aggregates over past periods do not change."""
        self.subject_pseudonym = f"{ERASED_PREFIX}{self.enrolment_id.hex}"

    def ended(self, end_date: date, exit_reason: str) -> None:
        self.end_date = end_date
        self.exit_reason = exit_reason

    def contacted(self, contact_at: datetime) -> None:
        if self.first_contact_at is None or contact_at < self.first_contact_at:
            self.first_contact_at = contact_at


class ReferralStatus(StrEnum):
    # Only transitions have arrived so far; the referral's own event is still on its way.
    AWAITING_RECEIPT = "awaiting_receipt"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ENROLLED = "enrolled"
    CLOSED = "closed"


# Two transitions stamped with the same instant are ordered as the lifecycle orders them.
_LIFECYCLE = [
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.ENROLLED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.CLOSED,
]


@dataclass(eq=False)
class ReferralRecord:
    """A referral's coarse attributes and the moment of each transition it went through."""

    referral_id: uuid.UUID
    programme_id: uuid.UUID
    status: ReferralStatus = ReferralStatus.AWAITING_RECEIPT
    source: str | None = None
    age_band: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    ethnicity_group: str | None = None
    postcode_district: str | None = None
    referred_at: datetime | None = None
    # The UK day of referred_at: the date that puts a referral in a period.
    referred_on: date | None = None
    index_event_at: datetime | None = None
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None
    enrolled_at: datetime | None = None
    enrolment_id: uuid.UUID | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    # Each reachable-moment timing in hours (domain.timings), kept current by retime.
    hours_index_to_referral: float | None = None
    hours_referral_to_decision: float | None = None
    hours_referral_to_first_contact: float | None = None

    def retime(self, first_contact_at: datetime | None) -> None:
        """Work the timings out again from the moments known now; the first contact is the
        earliest on any of the referral's enrolments, which the cohort holds."""
        moments = {
            "index_event_at": self.index_event_at,
            "referred_at": self.referred_at,
            "accepted_at": self.accepted_at,
            "declined_at": self.declined_at,
            "enrolled_at": self.enrolled_at,
            "first_contact_at": first_contact_at,
        }
        self.hours_index_to_referral = timings.hours("index_to_referral", moments)
        self.hours_referral_to_decision = timings.hours("referral_to_decision", moments)
        self.hours_referral_to_first_contact = timings.hours("referral_to_first_contact", moments)

    def received(
        self,
        *,
        source: str,
        age_band: str,
        sex: str,
        ethnicity: str | None,
        ethnicity_group: str,
        postcode_district: str | None,
        referred_at: datetime,
        index_event_at: datetime,
        received_at: datetime,
    ) -> None:
        self.source, self.age_band, self.sex = source, age_band, sex
        self.ethnicity, self.ethnicity_group, self.postcode_district = ethnicity, ethnicity_group, postcode_district
        self.referred_at, self.referred_on = referred_at, uk_date(referred_at)
        self.index_event_at, self.received_at = index_event_at, received_at
        self._refresh_status()

    def accepted(self, at: datetime) -> None:
        self.accepted_at = at
        self._refresh_status()

    def declined(self, at: datetime, reason: str) -> None:
        self.declined_at, self.decline_reason = at, reason
        self._refresh_status()

    def withdrawn(self, at: datetime, reason: str) -> None:
        self.withdrawn_at, self.withdraw_reason = at, reason
        self._refresh_status()

    def enrolled(self, at: datetime, enrolment_id: uuid.UUID) -> None:
        self.enrolled_at, self.enrolment_id = at, enrolment_id
        self._refresh_status()

    def closed(self, at: datetime, reason: str) -> None:
        self.closed_at, self.close_reason = at, reason
        self._refresh_status()

    def _refresh_status(self) -> None:
        stamped = [
            (moment, _LIFECYCLE.index(status), status)
            for status, moment in (
                (ReferralStatus.RECEIVED, self.received_at),
                (ReferralStatus.ACCEPTED, self.accepted_at),
                (ReferralStatus.DECLINED, self.declined_at),
                (ReferralStatus.ENROLLED, self.enrolled_at),
                (ReferralStatus.WITHDRAWN, self.withdrawn_at),
                (ReferralStatus.CLOSED, self.closed_at),
            )
            if moment is not None
        ]
        latest = max(stamped, default=None, key=lambda s: (s[0], s[1]))
        if latest is not None:
            self.status = latest[2]
