"""The Enrolment aggregate: a referred young person's place on a programme, and their contacts.

An enrolment may be posted before the referral it names has reached this service, or before
the provider has accepted it (the referral's events are on their way). It then waits, and
moves on as the referral's events arrive: it starts, joins the programme's waitlist when the
programme is full, or is rejected when the referral turns out not to allow it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from vru_shared.uk_time import uk_date
from vru_shared.contracts.interventions import ContactRecorded, EnrolmentEnded, EnrolmentStarted
from vru_shared.events import IntegrationEvent

from vru_interventions.domain.programmes import Programme
from vru_interventions.domain.referrals import KnownReferral

LONGEST_CONTACT_MINUTES = 600
REASON_LENGTH = 200


class EnrolmentStatus(StrEnum):
    AWAITING_REFERRAL = "awaiting_referral"
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    WAITLISTED = "waitlisted"
    ACTIVE = "active"
    ENDED = "ended"
    REJECTED = "rejected"


WAITING = frozenset({EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.AWAITING_ACCEPTANCE,
                     EnrolmentStatus.WAITLISTED})


class ExitReason(StrEnum):
    COMPLETED = "completed"
    DISENGAGED = "disengaged"
    MOVED_AWAY = "moved_away"
    ENTERED_CUSTODY = "entered_custody"
    DECLINED_SUPPORT = "declined_support"
    OTHER = "other"


# Someone who never started can only have said no, or left for a reason of their own.
NEVER_STARTED_EXITS = frozenset({ExitReason.DECLINED_SUPPORT, ExitReason.OTHER})


class ContactKind(StrEnum):
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    VIDEO = "video"
    MESSAGE = "message"
    GROUP_SESSION = "group_session"
    OTHER = "other"


class IllegalTransition(Exception):
    """The enrolment's current status does not allow this change."""


class InvalidEnrolment(ValueError):
    """An enrolment, ending or contact that breaks a rule of the domain; `term` names the input at fault."""

    def __init__(self, message: str, *, term: str | None = None) -> None:
        super().__init__(message)
        self.term = term


@dataclass(eq=False)
class Contact:
    """One contact between the provider and the young person during an active enrolment."""

    id: uuid.UUID
    enrolment_id: uuid.UUID
    contact_at: datetime
    kind: ContactKind
    duration_minutes: int
    recorded_at: datetime


@dataclass(eq=False)
class Enrolment:
    id: uuid.UUID
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    # The day asked for while it waits; the day it began once active (a waitlisted one begins on
    # the day a place frees up).
    start_date: date
    status: EnrolmentStatus
    requested_at: datetime
    waitlisted_at: datetime | None = None
    started_at: datetime | None = None
    end_date: date | None = None
    exit_reason: ExitReason | None = None
    note: str | None = None
    rejection_reason: str | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def request(
        cls,
        *,
        programme: Programme,
        referral_id: uuid.UUID,
        start_date: date,
        referral: KnownReferral | None,
        place_free: bool,
        now: datetime | None = None,
    ) -> Enrolment:
        """Ask for a place; `place_free` says whether the programme could start one more today."""
        now = now or datetime.now(UTC)
        if start_date > uk_date(now):
            raise InvalidEnrolment("start_date is in the future", term="start_date")
        if start_date < programme.active_from:
            raise InvalidEnrolment(f"start_date is before the programme begins on {programme.active_from}",
                                   term="start_date")
        if not programme.is_active_on(start_date):
            raise InvalidEnrolment(f"start_date is after the programme ended on {programme.active_to}",
                                   term="start_date")
        enrolment = cls(
            id=uuid.uuid4(),
            referral_id=referral_id,
            programme_id=programme.id,
            start_date=start_date,
            status=EnrolmentStatus.AWAITING_REFERRAL,
            requested_at=now,
        )
        if referral is not None:
            # Known now, so a misfit is the caller's to correct, not a record to keep.
            problem = enrolment._ruled_out_by(referral)
            if problem:
                raise InvalidEnrolment(problem, term="referral_id")
            enrolment.referral_changed(referral, programme=programme, place_free=place_free, now=now)
        return enrolment

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING

    def _ruled_out_by(self, referral: KnownReferral) -> str | None:
        if referral.is_erased:
            return "the young person's data was erased"
        if referral.programme_id != self.programme_id:
            return "the referral is to another programme"
        if referral.has_stopped:
            return referral.why_stopped()
        if referral.referred_at is not None and self.start_date < uk_date(referral.referred_at):
            return "start_date is before the referral was made"
        return None

    def referral_changed(
        self, referral: KnownReferral, *, programme: Programme, place_free: bool, now: datetime | None = None
    ) -> None:
        """Move on as far as what is now known of the referral allows."""
        if not self.is_waiting:
            return
        now = now or datetime.now(UTC)
        problem = self._ruled_out_by(referral)
        if problem:
            # Answered already with 202 or 201; the caller sees the refusal on the enrolment itself.
            self._reject(problem)
            return
        if self.status is EnrolmentStatus.WAITLISTED:
            return
        if not referral.is_detailed:
            self.status = EnrolmentStatus.AWAITING_REFERRAL
        elif not referral.is_accepted:
            self.status = EnrolmentStatus.AWAITING_ACCEPTANCE
        elif not programme.is_active_on(self.start_date):
            # The programme's dates were revised while this enrolment waited.
            self._reject("the programme is not active on start_date")
        elif place_free:
            self._start(referral, on=self.start_date, now=now)
        else:
            self.status = EnrolmentStatus.WAITLISTED
            self.waitlisted_at = now

    def take_free_place(self, referral: KnownReferral, *, now: datetime | None = None) -> None:
        """A place on the programme is free and this enrolment is first in line: it starts today."""
        if self.status is not EnrolmentStatus.WAITLISTED:
            raise IllegalTransition(f"a {self.status} enrolment is not on the waitlist")
        now = now or datetime.now(UTC)
        self._start(referral, on=uk_date(now), now=now)

    def subject_erased(self) -> None:
        """The young person's data was erased: the free-text note goes, and one still waiting never
        starts (it would publish a start for no one); dates, status and exit reason stay for the aggregates."""
        self.note = None
        if self.is_waiting:
            self._reject("the young person's data was erased")

    def _start(self, referral: KnownReferral, *, on: date, now: datetime) -> None:
        assert referral.subject_pseudonym is not None, "an enrolment starts only once its referral is known"
        assert not referral.is_erased, "no enrolment starts for a young person whose data was erased"
        self.status = EnrolmentStatus.ACTIVE
        self.start_date = on
        self.started_at = now
        self.events.append(
            EnrolmentStarted(
                enrolment_id=self.id,
                referral_id=self.referral_id,
                programme_id=self.programme_id,
                subject_pseudonym=referral.subject_pseudonym,
                start_date=on,
                started_at=now,
            )
        )

    def _reject(self, reason: str) -> None:
        self.status = EnrolmentStatus.REJECTED
        self.rejection_reason = reason[:REASON_LENGTH]

    def end(
        self, *, end_date: date, exit_reason: ExitReason, note: str | None = None, now: datetime | None = None
    ) -> None:
        """End an active enrolment, or take a waitlisted one off the list before it ever started.

        Only an active one records EnrolmentEnded: the others never published a start, so no
        other service knows of them.
        """
        now = now or datetime.now(UTC)
        if self.status not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED):
            raise IllegalTransition(f"a {self.status} enrolment cannot be ended")
        if self.status is EnrolmentStatus.WAITLISTED and exit_reason not in NEVER_STARTED_EXITS:
            raise InvalidEnrolment(
                "a waitlisted enrolment never started, so it ends only with declined_support or other",
                term="exit_reason",
            )
        if end_date < self.start_date:
            raise InvalidEnrolment("end_date is before start_date", term="end_date")
        if end_date > uk_date(now):
            raise InvalidEnrolment("end_date is in the future", term="end_date")
        started = self.status is EnrolmentStatus.ACTIVE
        self.status = EnrolmentStatus.ENDED
        self.end_date = end_date
        self.exit_reason = exit_reason
        self.note = note
        if started:
            self.events.append(
                EnrolmentEnded(
                    enrolment_id=self.id,
                    referral_id=self.referral_id,
                    programme_id=self.programme_id,
                    end_date=end_date,
                    exit_reason=exit_reason.value,
                )
            )

    def record_contact(
        self, *, contact_at: datetime, kind: ContactKind, duration_minutes: int, now: datetime | None = None
    ) -> Contact:
        now = now or datetime.now(UTC)
        if self.status is not EnrolmentStatus.ACTIVE:
            raise IllegalTransition(f"contacts are recorded for active enrolments, and this one is {self.status}")
        if contact_at.tzinfo is None or contact_at.utcoffset() is None:
            raise InvalidEnrolment("contact_at needs a time zone", term="contact_at")
        if uk_date(contact_at) < self.start_date:
            raise InvalidEnrolment("contact_at is before start_date", term="contact_at")
        if contact_at > now:
            raise InvalidEnrolment("contact_at is in the future", term="contact_at")
        if not 1 <= duration_minutes <= LONGEST_CONTACT_MINUTES:
            raise InvalidEnrolment(f"duration_minutes must be from 1 to {LONGEST_CONTACT_MINUTES}",
                                   term="duration_minutes")
        contact_at = contact_at.astimezone(UTC)
        contact = Contact(id=uuid.uuid4(), enrolment_id=self.id, contact_at=contact_at, kind=kind,
                          duration_minutes=duration_minutes, recorded_at=now)
        self.events.append(
            ContactRecorded(
                contact_id=contact.id,
                enrolment_id=self.id,
                referral_id=self.referral_id,
                programme_id=self.programme_id,
                contact_at=contact_at,
                kind=kind.value,
                duration_minutes=duration_minutes,
            )
        )
        return contact
