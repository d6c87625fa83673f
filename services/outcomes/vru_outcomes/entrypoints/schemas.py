"""The outcomes API's request and response bodies: one request shape per outcome domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from vru_shared.request_fields import Day, whole_number

from vru_outcomes.domain.model import (
    SCORE_RANGES,
    AccommodationStatus,
    Disposal,
    EteStatus,
    MeasurementPoint,
    OffenceCategory,
    OutcomeDomain,
    OutcomeRecord,
    SubstanceMisuseStatus,
    Validation,
    WellbeingScale,
)

FollowUpMonths = whole_number(ge=1, le=60)
Score = whole_number()


def _follow_up_months_for_follow_up_alone(schema: dict) -> None:
    """The document's part of the rule the domain checks too: follow_up_months with a follow_up point alone."""
    schema["anyOf"] = [
        {"required": ["point", "follow_up_months"],
         "properties": {"point": {"const": MeasurementPoint.FOLLOW_UP.value}, "follow_up_months": {"type": "integer"}}},
        {"properties": {"point": {"not": {"const": MeasurementPoint.FOLLOW_UP.value}},
                        "follow_up_months": {"type": "null"}}},
    ]


def _score_within_its_scale(schema: dict) -> None:
    """Each scale's range of raw totals (SCORE_RANGES), as the domain checks it."""
    _follow_up_months_for_follow_up_alone(schema)  # the config below replaces _Measured's
    schema["oneOf"] = [
        {"properties": {"scale": {"const": scale.value}, "score": {"minimum": low, "maximum": high}}}
        for scale, (low, high) in SCORE_RANGES.items()
    ]


class _Measured(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_follow_up_months_for_follow_up_alone)

    enrolment_id: uuid.UUID
    point: MeasurementPoint = Field(
        description="baseline (up to 31 days before the start), exit, or follow_up (with follow_up_months)."
    )
    follow_up_months: FollowUpMonths | None = Field(
        default=None, description="Months after the enrolment start; for, and only for, a follow_up."
    )
    observed_on: Day = Field(description="The day the status was observed; not in the future.")


class EteOutcomeIn(_Measured):
    """Education, employment or training, or NEET."""

    domain: Literal["ete"]
    status: EteStatus


class AccommodationOutcomeIn(_Measured):
    """Whether the young person's accommodation is suitable."""

    domain: Literal["accommodation"]
    status: AccommodationStatus


class SubstanceMisuseOutcomeIn(_Measured):
    """Substance use and whether it is problematic or treated."""

    domain: Literal["substance_misuse"]
    status: SubstanceMisuseStatus


class WellbeingOutcomeIn(_Measured):
    """A wellbeing score on a named scale (SWEMWBS raw total 7-35; WEMWBS 14-70)."""

    model_config = ConfigDict(json_schema_extra=_score_within_its_scale)

    domain: Literal["wellbeing"]
    scale: WellbeingScale
    score: Score = Field(description="The raw total: a whole number within the scale's range.")


class ReoffendingOutcomeIn(BaseModel):
    """One proven reoffence: an offence on or after the enrolment start, proven by conviction or caution.

    It has no measurement point: whether it counts in the proven reoffending measure follows
    from its dates and the enrolment start."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: uuid.UUID
    domain: Literal["reoffending"]
    offence_date: Day = Field(description="When the offence was committed; not before the enrolment start.")
    proven_date: Day = Field(description="When it was proven (conviction or caution); not before offence_date.")
    disposal: Disposal
    offence_category: OffenceCategory


OutcomeIn = Annotated[
    EteOutcomeIn | AccommodationOutcomeIn | SubstanceMisuseOutcomeIn | WellbeingOutcomeIn | ReoffendingOutcomeIn,
    Field(discriminator="domain"),
]
DOMAIN_TAGS = frozenset(d.value for d in OutcomeDomain)


class OutcomeOut(BaseModel):
    id: uuid.UUID
    enrolment_id: uuid.UUID
    domain: OutcomeDomain
    point: MeasurementPoint | None
    follow_up_months: int | None
    observed_on: date = Field(description="For a reoffence, the day it was proven.")
    status: str | None = Field(description="ETE, accommodation and substance misuse records.")
    scale: WellbeingScale | None
    score: int | None
    offence_date: date | None
    proven_date: date | None
    disposal: Disposal | None
    offence_category: OffenceCategory | None
    recorded_at: datetime
    enrolment_known: bool = Field(description="False while the enrolment's event is still on its way here.")
    validation: Validation = Field(
        description="pending until the enrolment and its programme are known here, the recorder checked to be "
        "the programme's provider and the dates checked against the start; invalid records are kept with the "
        "reason and counted by no metric."
    )
    invalid_reason: str | None
    recorded_by_organisation_id: uuid.UUID | None = Field(
        description="The organisation that recorded it; null on records made before recorders were kept."
    )

    @classmethod
    def of(cls, r: OutcomeRecord, enrolment_known: bool) -> OutcomeOut:
        return cls(
            id=r.id,
            enrolment_id=r.enrolment_id,
            domain=r.domain,
            point=r.point,
            follow_up_months=r.follow_up_months,
            observed_on=r.observed_on,
            status=r.status,
            scale=r.scale,
            score=r.score,
            offence_date=r.offence_date,
            proven_date=r.proven_date,
            disposal=r.disposal,
            offence_category=r.offence_category,
            recorded_at=r.recorded_at,
            enrolment_known=enrolment_known,
            validation=r.validation,
            invalid_reason=r.invalid_reason,
            recorded_by_organisation_id=r.recorded_by_organisation_id,
        )


class OutcomePage(BaseModel):
    items: list[OutcomeOut]
    limit: int
    offset: int
