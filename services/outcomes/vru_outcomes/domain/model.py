"""Outcome records: what was observed of an enrolled young person in one outcome domain.

Every domain but reoffending is measured at a point of the enrolment (baseline, exit or a
follow-up N months after the start) on the day it was observed. A reoffending record is one
proven reoffence; its offence and proof dates place it, so it has no measurement point and
its `observed_on` is the day the offence was proven.

Records are checked against the enrolment's start when the enrolment is known here. One
posted before its enrolment's event arrived is kept as `pending` and checked when the
enrolment arrives; a record that fails then is kept as `invalid`, with the reason, and no
metric counts it.

Only the provider organisation that runs the enrolment's programme may record its outcomes.
A pending record is checked for that too: one posted by any other organisation becomes
`invalid`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from vru_outcomes.domain.projections import CohortMember


class OutcomeDomain(StrEnum):
    ETE = "ete"
    REOFFENDING = "reoffending"
    ACCOMMODATION = "accommodation"
    SUBSTANCE_MISUSE = "substance_misuse"
    WELLBEING = "wellbeing"


class MeasurementPoint(StrEnum):
    BASELINE = "baseline"
    EXIT = "exit"
    FOLLOW_UP = "follow_up"


class EteStatus(StrEnum):
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    TRAINING = "training"
    NEET = "neet"

    @property
    def in_ete(self) -> bool:
        return self is not EteStatus.NEET


class AccommodationStatus(StrEnum):
    SUITABLE = "suitable"
    UNSUITABLE = "unsuitable"
    NO_FIXED_ABODE = "no_fixed_abode"


class SubstanceMisuseStatus(StrEnum):
    NO_USE = "no_use"
    USE_NOT_PROBLEMATIC = "use_not_problematic"
    PROBLEMATIC_USE = "problematic_use"
    IN_TREATMENT = "in_treatment"


class WellbeingScale(StrEnum):
    # The Short Warwick-Edinburgh Mental Wellbeing Scale: 7 items scored 1-5, raw total.
    SWEMWBS = "swemwbs"
    # The full Warwick-Edinburgh scale: 14 items scored 1-5.
    WEMWBS = "wemwbs"


SCORE_RANGES: dict[WellbeingScale, tuple[int, int]] = {
    WellbeingScale.SWEMWBS: (7, 35),
    WellbeingScale.WEMWBS: (14, 70),
}


class Disposal(StrEnum):
    """How a reoffence was proven: the MoJ measure counts court convictions and cautions."""

    CONVICTION = "conviction"
    CAUTION = "caution"


class OffenceCategory(StrEnum):
    """Offence groups of the ONS crime classification, as the referrals service codes custody offences."""

    VIOLENCE_AGAINST_THE_PERSON = "violence_against_the_person"
    ROBBERY = "robbery"
    POSSESSION_OF_WEAPONS = "possession_of_weapons"
    DRUG_OFFENCES = "drug_offences"
    PUBLIC_ORDER_OFFENCES = "public_order_offences"
    THEFT_OFFENCES = "theft_offences"
    CRIMINAL_DAMAGE_AND_ARSON = "criminal_damage_and_arson"
    SEXUAL_OFFENCES = "sexual_offences"
    MISCELLANEOUS_CRIMES_AGAINST_SOCIETY = "miscellaneous_crimes_against_society"
    OTHER = "other"


class Validation(StrEnum):
    PENDING = "pending"
    VALID = "valid"
    INVALID = "invalid"


class InvalidOutcome(ValueError):
    """An outcome record that breaks a rule of the domain; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# A baseline is often taken at the first meeting, shortly before the enrolment formally starts.
BASELINE_LEAD = timedelta(days=31)
# A follow-up booked for N months after the start may be taken up to two weeks early.
FOLLOW_UP_TOLERANCE = timedelta(days=14)
MAX_FOLLOW_UP_MONTHS = 60
# Says no more than a 404 would: the recorder named an enrolment that is not one of its own.
NOT_THE_PROVIDER = "the enrolment is not on a programme that the recording organisation provides"


@dataclass(eq=False)
class OutcomeRecord:
    id: uuid.UUID
    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    observed_on: date
    recorded_at: datetime
    point: MeasurementPoint | None = None
    follow_up_months: int | None = None
    # ETE, accommodation and substance misuse: the status observed (values of that domain's enum).
    status: str | None = None
    scale: WellbeingScale | None = None
    score: int | None = None
    offence_date: date | None = None
    proven_date: date | None = None
    disposal: Disposal | None = None
    offence_category: OffenceCategory | None = None
    validation: Validation = Validation.VALID
    invalid_reason: str | None = None
    # None only on records kept from before the recorder was recorded.
    recorded_by_organisation_id: uuid.UUID | None = None

    @property
    def refused_for_recorder(self) -> bool:
        """Whether the record was refused because its recorder does not provide the programme."""
        return self.validation is Validation.INVALID and self.invalid_reason == NOT_THE_PROVIDER

    @classmethod
    def record_ete(cls, *, status: EteStatus, **measured) -> OutcomeRecord:
        return cls._measured(OutcomeDomain.ETE, status=EteStatus(status), **measured)

    @classmethod
    def record_accommodation(cls, *, status: AccommodationStatus, **measured) -> OutcomeRecord:
        return cls._measured(OutcomeDomain.ACCOMMODATION, status=AccommodationStatus(status), **measured)

    @classmethod
    def record_substance_misuse(cls, *, status: SubstanceMisuseStatus, **measured) -> OutcomeRecord:
        return cls._measured(OutcomeDomain.SUBSTANCE_MISUSE, status=SubstanceMisuseStatus(status), **measured)

    @classmethod
    def record_wellbeing(cls, *, scale: WellbeingScale, score: int, **measured) -> OutcomeRecord:
        low, high = SCORE_RANGES[scale]
        if not low <= score <= high:
            raise InvalidOutcome("score", f"a {scale.value} score is a whole number from {low} to {high}")
        return cls._measured(OutcomeDomain.WELLBEING, scale=scale, score=score, **measured)

    @classmethod
    def _measured(
        cls,
        domain: OutcomeDomain,
        *,
        enrolment_id: uuid.UUID,
        point: MeasurementPoint,
        follow_up_months: int | None,
        observed_on: date,
        member: CohortMember | None,
        recorded_by: uuid.UUID | None = None,
        now: datetime | None = None,
        **values,
    ) -> OutcomeRecord:
        now = now or datetime.now(UTC)
        if observed_on > now.date():
            raise InvalidOutcome("observed_on", "observed_on is in the future")
        if (point is MeasurementPoint.FOLLOW_UP) != (follow_up_months is not None):
            raise InvalidOutcome("follow_up_months", "follow_up_months is given for, and only for, a follow_up point")
        if follow_up_months is not None and not 1 <= follow_up_months <= MAX_FOLLOW_UP_MONTHS:
            raise InvalidOutcome("follow_up_months", f"follow_up_months is from 1 to {MAX_FOLLOW_UP_MONTHS}")
        record = cls(
            id=uuid.uuid4(),
            enrolment_id=enrolment_id,
            domain=domain,
            observed_on=observed_on,
            recorded_at=now,
            point=point,
            follow_up_months=follow_up_months,
            recorded_by_organisation_id=recorded_by,
            **values,
        )
        record._check_or_wait(member)
        return record

    @classmethod
    def record_reoffence(
        cls,
        *,
        enrolment_id: uuid.UUID,
        offence_date: date,
        proven_date: date,
        disposal: Disposal,
        offence_category: OffenceCategory,
        member: CohortMember | None,
        recorded_by: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> OutcomeRecord:
        now = now or datetime.now(UTC)
        if proven_date > now.date():
            raise InvalidOutcome("proven_date", "proven_date is in the future")
        if proven_date < offence_date:
            raise InvalidOutcome("proven_date", "proven_date is before offence_date")
        record = cls(
            id=uuid.uuid4(),
            enrolment_id=enrolment_id,
            domain=OutcomeDomain.REOFFENDING,
            observed_on=proven_date,
            recorded_at=now,
            offence_date=offence_date,
            proven_date=proven_date,
            disposal=Disposal(disposal),
            offence_category=OffenceCategory(offence_category),
            recorded_by_organisation_id=recorded_by,
        )
        record._check_or_wait(member)
        return record

    def _check_or_wait(self, member: CohortMember | None) -> None:
        if member is None:
            self.validation = Validation.PENDING
        else:
            self.check_against(member)

    def check_against(self, member: CohortMember) -> None:
        """Raise InvalidOutcome when the record's dates do not fit the enrolment's start."""
        start = member.start_date
        if self.domain is OutcomeDomain.REOFFENDING:
            # The index date is the enrolment start: an earlier offence is not a reoffence.
            assert self.offence_date is not None
            if self.offence_date < start:
                raise InvalidOutcome(
                    "offence_date", f"offence_date is before the enrolment started ({start}): not a reoffence"
                )
            return
        if self.point is MeasurementPoint.BASELINE:
            earliest, why = start - BASELINE_LEAD, f"more than {BASELINE_LEAD.days} days before the enrolment started"
        elif self.point is MeasurementPoint.FOLLOW_UP:
            assert self.follow_up_months is not None
            due = start + relativedelta(months=self.follow_up_months)
            earliest = due - FOLLOW_UP_TOLERANCE
            why = (
                f"more than {FOLLOW_UP_TOLERANCE.days} days before the {self.follow_up_months}-month "
                f"follow-up was due ({due})"
            )
        else:
            # An exit measure is often taken at the last session, before the recorded end date.
            earliest, why = start, "before the enrolment started"
        if self.observed_on < earliest:
            raise InvalidOutcome("observed_on", f"observed_on is {why} ({start} start)")

    def validate_on_arrival(self, member: CohortMember, *, provider_organisation_id: uuid.UUID) -> None:
        """The enrolment of a pending record and its programme's provider are known: keep the
        record as valid, or as invalid with why."""
        if self.validation is not Validation.PENDING:
            return
        recorder = self.recorded_by_organisation_id
        if recorder is not None and recorder != provider_organisation_id:
            self.validation, self.invalid_reason = Validation.INVALID, NOT_THE_PROVIDER
            return
        try:
            self.check_against(member)
        except InvalidOutcome as exc:
            self.validation, self.invalid_reason = Validation.INVALID, str(exc)
        else:
            self.validation = Validation.VALID
