"""The Referral aggregate: what was referred, about whom, on what lawful basis, and its lifecycle.

received -> accepted | declined | withdrawn
accepted -> enrolled (the enrolment started) | withdrawn | closed
enrolled -> closed (the enrolment ended)

Erasure (on the young person's request, or when the retention period ends) removes what
identifies the young person and keeps the lifecycle's facts; it is not a status, so a referral
that was open when it was erased still follows its enrolment to its end.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)
from vru_shared.events import IntegrationEvent

from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.errors import (
    EnrolmentNotYetSeen,
    IllegalTransition,
    InvalidIdentifier,
    InvalidReferral,
)
from vru_referrals.domain.identifiers import Identifier, check_one_per_type
from vru_referrals.domain.lawful_basis import LawfulBasis, LawfulBasisRecord
from vru_referrals.domain.people import ContactDetails, Ethnicity, EthnicityCoding, Sex, YoungPerson
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.source_details import ReferralSource, SourceDetails
from vru_referrals.domain.subjects import Subject, age_band
from vru_referrals.domain.uk_calendar import uk_date

__all__ = [
    "IllegalTransition", "InvalidIdentifier", "InvalidReferral", "LawfulBasis", "LawfulBasisRecord", "Referral",
    "ReferralSource", "ReferralStatus",
]

ENROLMENT_ENDED = "enrolment_ended"
NOTE_LIMIT = 1000


class ReferralStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ENROLLED = "enrolled"
    CLOSED = "closed"


OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED, ReferralStatus.ENROLLED)
FINISHED_STATUSES = (ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.CLOSED)


def _note(note: str | None, reason: str) -> str | None:
    text = " ".join(note.split()) if note else None
    if reason == "other" and not text:
        raise InvalidReferral("a note is needed when the reason is other", field="note")
    if text and len(text) > NOTE_LIMIT:
        raise InvalidReferral(f"a note has at most {NOTE_LIMIT} characters", field="note")
    return text


@dataclass(eq=False)
class Referral:
    id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    source_details: SourceDetails
    referred_at: datetime
    index_event_at: datetime
    received_at: datetime
    # The young person, as the referrer sent them; none of this leaves the service, and the
    # identifying parts (None once erased) do not outlive an erasure.
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: Sex
    ethnicity_coding: EthnicityCoding | None
    ethnicity_code_given: str | None
    ethnicity: str | None
    ethnicity_group: str
    contact: ContactDetails | None
    postcode_district: str | None
    identifiers: tuple[Identifier, ...]
    subject_id: uuid.UUID
    subject_pseudonym: str
    pseudonym_key_version: int
    risk_factors: tuple[str, ...]
    lawful_basis: LawfulBasis
    consent_recorded_by: str | None
    consent_recorded_at: datetime | None
    lawful_basis_justification: str | None
    status: ReferralStatus
    possible_duplicate_of: uuid.UUID | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    decision_note: str | None = None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    withdrawal_note: str | None = None
    enrolment_id: uuid.UUID | None = None
    enrolled_at: datetime | None = None
    closed_at: datetime | None = None
    closure_reason: str | None = None
    closure_note: str | None = None
    # Who made the referral: the organisation sees it as its own, and the API client that sent it.
    referring_organisation_id: uuid.UUID | None = None
    referring_client_id: str | None = None
    erased_at: datetime | None = None
    # The age band at referral, kept when the date of birth is erased.
    retained_age_band: str | None = None
    events: list[IntegrationEvent] = field(default_factory=list, repr=False)

    @classmethod
    def receive(
        cls,
        *,
        referral_id: uuid.UUID,
        programme: Programme,
        details: SourceDetails,
        referred_at: datetime,
        index_event_at: datetime,
        young_person: YoungPerson,
        identifiers: tuple[Identifier, ...],
        subject: Subject,
        risk_factors: tuple[str, ...] | list[str],
        lawful_basis: LawfulBasisRecord,
        possible_duplicate_of: uuid.UUID | None = None,
        referring_organisation_id: uuid.UUID | None = None,
        referring_client_id: str | None = None,
        now: datetime | None = None,
    ) -> Referral:
        now = now or datetime.now(UTC)
        for name, moment in (("referred_at", referred_at), ("index_event_at", index_event_at)):
            if moment.tzinfo is None:
                raise InvalidReferral(f"{name} needs a time zone", field=name)
        if referred_at > now:
            raise InvalidReferral("referred_at is in the future", field="referred_at")
        if index_event_at > referred_at:
            raise InvalidReferral("index_event_at is after referred_at: the referral follows its index event",
                                  field="index_event_at")
        details.check_against(index_event_at=index_event_at, referred_at=referred_at)
        if young_person.date_of_birth >= uk_date(index_event_at):
            raise InvalidReferral("date_of_birth must be before the day of the index event",
                                  field="young_person/date_of_birth")
        if lawful_basis.consent_recorded_at is not None and lawful_basis.consent_recorded_at > now:
            raise InvalidReferral("consent recorded_at is in the future", field="lawful_basis/recorded_at")
        check_one_per_type(identifiers)
        factors = _risk_factors(risk_factors)
        referral_day = uk_date(referred_at)
        programme.check_eligible(source=details.source.value, date_of_birth=young_person.date_of_birth,
                                 on=referral_day)
        person = young_person
        referral = cls(
            id=referral_id,
            programme_id=programme.id,
            source=details.source,
            source_details=details,
            referred_at=referred_at,
            index_event_at=index_event_at,
            received_at=now,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            ethnicity_coding=person.ethnicity.coding,
            ethnicity_code_given=person.ethnicity.code_given,
            ethnicity=person.ethnicity.category,
            ethnicity_group=person.ethnicity.group,
            contact=person.contact,
            postcode_district=person.postcode_district,
            identifiers=tuple(identifiers),
            subject_id=subject.id,
            subject_pseudonym=subject.pseudonym,
            pseudonym_key_version=subject.pseudonym_key_version,
            risk_factors=factors,
            lawful_basis=lawful_basis.basis,
            consent_recorded_by=lawful_basis.consent_recorded_by,
            consent_recorded_at=lawful_basis.consent_recorded_at,
            lawful_basis_justification=lawful_basis.justification,
            status=ReferralStatus.RECEIVED,
            possible_duplicate_of=possible_duplicate_of,
            referring_organisation_id=referring_organisation_id,
            referring_client_id=referring_client_id,
        )
        referral.events.append(
            ReferralReceived(
                referral_id=referral.id,
                programme_id=referral.programme_id,
                source=referral.source.value,
                subject_pseudonym=referral.subject_pseudonym,
                pseudonym_key_version=referral.pseudonym_key_version,
                age_band=referral.age_band,
                sex=referral.sex.value,
                ethnicity=referral.ethnicity,
                ethnicity_group=referral.ethnicity_group,
                postcode_district=referral.postcode_district,
                referred_at=referred_at,
                index_event_at=index_event_at,
                received_at=now,
                risk_factors=list(factors),
                lawful_basis=referral.lawful_basis.value,
                possible_duplicate_of=possible_duplicate_of,
            )
        )
        return referral

    @property
    def referral_date(self) -> date:
        return uk_date(self.referred_at)

    @property
    def age_band(self) -> str:
        if self.date_of_birth is None:
            return self.retained_age_band or "not known"
        return age_band(self.date_of_birth, self.referral_date)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def finished_at(self) -> datetime | None:
        """When the referral reached its end (declined, withdrawn or closed); None while it is open."""
        return {
            ReferralStatus.DECLINED: self.decided_at,
            ReferralStatus.WITHDRAWN: self.withdrawn_at,
            ReferralStatus.CLOSED: self.closed_at,
        }.get(self.status)

    def made_by(self, organisation_id: uuid.UUID) -> bool:
        return self.referring_organisation_id is not None and self.referring_organisation_id == organisation_id

    @property
    def young_person(self) -> YoungPerson | None:
        """The young person as the referrer sent them; None once erased."""
        if self.is_erased or self.given_name is None or self.family_name is None or self.date_of_birth is None \
                or self.contact is None:
            return None
        return YoungPerson(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            ethnicity=Ethnicity(self.ethnicity_coding, self.ethnicity_code_given, self.ethnicity,
                                self.ethnicity_group),
            contact=self.contact,
        )

    # --- decisions by the provider --------------------------------------------------------------

    def _require(self, allowed: tuple[ReferralStatus, ...], doing: str) -> None:
        if self.status not in allowed:
            which = " or ".join(s.value for s in allowed)
            raise IllegalTransition(
                f"the referral is {self.status.value}; only a {which} referral can be {doing}",
                status=self.status.value,
            )

    def _kept_note(self, note: str | None, reason: str) -> str | None:
        text = _note(note, reason)
        # Free text may name the young person: an erased referral takes no more of it.
        return None if self.is_erased else text

    def accept(self, *, now: datetime | None = None) -> None:
        self._require((ReferralStatus.RECEIVED,), "accepted")
        if self.is_erased:
            raise IllegalTransition("the young person's details were erased: the referral can be declined or "
                                    "withdrawn, not accepted", status=self.status.value)
        self._accept(now or datetime.now(UTC))

    def _accept(self, when: datetime) -> None:
        self.status = ReferralStatus.ACCEPTED
        self.decided_at = when
        self.events.append(ReferralAccepted(referral_id=self.id, programme_id=self.programme_id, decided_at=when))

    def decline(self, *, reason: str, note: str | None = None, now: datetime | None = None) -> None:
        self._require((ReferralStatus.RECEIVED,), "declined")
        catalogue()["decline_reasons"].require(reason, field="reason")
        self.decision_note = self._kept_note(note, reason)
        self.status = ReferralStatus.DECLINED
        self.decided_at = now or datetime.now(UTC)
        self.decision_reason = reason
        self.events.append(ReferralDeclined(referral_id=self.id, programme_id=self.programme_id,
                                            decided_at=self.decided_at, reason=reason))

    def withdraw(self, *, reason: str, note: str | None = None, now: datetime | None = None) -> None:
        self._require((ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED), "withdrawn")
        catalogue()["withdrawal_reasons"].require(reason, field="reason")
        self.withdrawal_note = self._kept_note(note, reason)
        self.status = ReferralStatus.WITHDRAWN
        self.withdrawn_at = now or datetime.now(UTC)
        self.withdrawal_reason = reason
        self.events.append(ReferralWithdrawn(referral_id=self.id, programme_id=self.programme_id,
                                             withdrawn_at=self.withdrawn_at, reason=reason))

    def close(self, *, reason: str, note: str | None = None, now: datetime | None = None) -> None:
        """Close an accepted referral that will not become an enrolment."""
        if self.status is ReferralStatus.ENROLLED:
            raise IllegalTransition(
                "the referral is enrolled; it closes when its enrolment ends in the interventions service",
                status=self.status.value,
            )
        self._require((ReferralStatus.ACCEPTED,), "closed")
        entry = catalogue()["closure_reasons"].require(reason, field="reason")
        if not entry.attributes.get("provider_may_choose", True):
            raise InvalidReferral(f"{reason} is set by the platform, not given by a provider", field="reason")
        self.closure_note = self._kept_note(note, reason)
        self._close(reason, now or datetime.now(UTC))

    def _close(self, reason: str, when: datetime) -> None:
        self.status = ReferralStatus.CLOSED
        self.closed_at = when
        self.closure_reason = reason
        self.events.append(ReferralClosed(referral_id=self.id, programme_id=self.programme_id,
                                          closed_at=when, reason=reason))

    # --- facts from the interventions service ---------------------------------------------------

    def mark_enrolled(self, enrolment_id: uuid.UUID, enrolled_at: datetime) -> None:
        """The provider started an enrolment from this referral; a repeat of the same start changes nothing."""
        if self.enrolment_id == enrolment_id and self.status in (ReferralStatus.ENROLLED, ReferralStatus.CLOSED):
            return
        if self.status is ReferralStatus.ENROLLED:
            raise IllegalTransition(f"the referral is already enrolled in {self.enrolment_id}",
                                    status=self.status.value)
        self._require((ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED), "enrolled")
        if self.status is ReferralStatus.RECEIVED:
            # Enrolling is the provider's acceptance, whether or not it was recorded first.
            self._accept(enrolled_at)
        self.status = ReferralStatus.ENROLLED
        self.enrolment_id = enrolment_id
        self.enrolled_at = enrolled_at
        self.events.append(ReferralEnrolled(referral_id=self.id, programme_id=self.programme_id,
                                            enrolment_id=enrolment_id, enrolled_at=enrolled_at))

    def enrolment_ended(self, enrolment_id: uuid.UUID, *, now: datetime | None = None) -> None:
        """The enrolment from this referral ended: the referral closes."""
        if self.status is ReferralStatus.CLOSED and self.enrolment_id == enrolment_id:
            return
        if self.status in (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED):
            raise EnrolmentNotYetSeen(
                f"enrolment {enrolment_id} of referral {self.id} ended before its start reached this service"
            )
        if self.status is ReferralStatus.ENROLLED and self.enrolment_id != enrolment_id:
            raise IllegalTransition(
                f"the referral is enrolled in {self.enrolment_id}, not in {enrolment_id}", status=self.status.value
            )
        self._require((ReferralStatus.ENROLLED,), "closed by its enrolment ending")
        self._close(ENROLMENT_ENDED, now or datetime.now(UTC))


    # --- erasure ---------------------------------------------------------------------------------

    def erase(self, *, now: datetime) -> bool:
        """Remove what identifies the young person, keeping the lifecycle; False if it was erased already."""
        if self.is_erased:
            return False
        self.retained_age_band = self.age_band
        self.given_name = self.family_name = None
        self.date_of_birth = None
        self.contact = None
        # The district with the exact moments, source details and coarse attributes kept here
        # narrows a young person down too far; metrics keep their own copy downstream.
        self.postcode_district = None
        # Where and when the reachable moment happened, which police, hospital or school records
        # would tie to a name; its coded facts stay.
        self.source_details = self.source_details.erased()
        self.identifiers = ()
        self.decision_note = self.withdrawal_note = self.closure_note = None
        # Free text too: who recorded consent, and why another lawful basis applied.
        self.consent_recorded_by = None
        self.lawful_basis_justification = None
        self.erased_at = now
        return True


def _risk_factors(codes: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    known = catalogue()["risk_factors"]
    for index, code in enumerate(codes):
        known.require(code, field=f"risk_factors/{index}")
    # A factor named twice is still one factor.
    return tuple(dict.fromkeys(codes))
