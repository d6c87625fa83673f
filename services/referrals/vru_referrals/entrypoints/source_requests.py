"""Request bodies of each source's details: what the referrer knows about the reachable moment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from vru_shared.request_fields import Moment

from vru_referrals.domain.source_details import (
    CommunityDetails,
    CustodyDetails,
    EmergencyDepartmentDetails,
    PrisonDetails,
    ProbationDetails,
    SchoolDetails,
    SelfReferralDetails,
    SourceDetails,
    YouthJusticeDetails,
    normalise_ods_site_code,
)
from vru_referrals.domain.uk_calendar import uk_date
from vru_referrals.entrypoints import documented
from vru_referrals.entrypoints.fields import (
    AssaultLocationType,
    AssaultMethod,
    ExclusionType,
    Name,
    OffenceCategory,
    SelfReferralChannel,
    SnomedConcept,
    Strict,
    text,
)


CustodySuite = text(120, description="Name or code of the custody suite.")


class CustodyDetailsIn(Strict):
    custody_suite: CustodySuite
    arrested_at: Moment = Field(description="When the young person was arrested; equals index_event_at.")
    offence_category: OffenceCategory

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return CustodyDetails.create(**self.model_dump())


class EmergencyDepartmentDetailsIn(Strict):
    site_code: Annotated[str, Field(max_length=10, description="ODS site code of the emergency department.",
                                    examples=["RXX01"], json_schema_extra={"pattern": documented.ODS_SITE_CODE}),
                         AfterValidator(normalise_ods_site_code)]
    arrived_at: Moment = Field(description="Not before assault_at, not after referred_at.")
    assault_at: Moment = Field(description="When the assault happened; equals index_event_at.")
    assault_method: AssaultMethod
    assault_location_type: AssaultLocationType
    injury_intent: SnomedConcept | None = None
    injury_mechanism: SnomedConcept | None = None

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return EmergencyDepartmentDetails.create(**self.model_dump())


class SchoolDetailsIn(Strict):
    school_urn: str = Field(pattern=r"^[0-9]{6}$", description="The school's unique reference number.",
                            examples=["100000"])
    exclusion_type: ExclusionType
    exclusion_reasons: list[Annotated[str, Field(min_length=1, max_length=4, json_schema_extra=documented.enum_of(
        "dfe_exclusion_reasons"))]] = Field(
        min_length=1, max_length=3, json_schema_extra={"uniqueItems": True},
        description="1 to 3 DfE reason codes, from the version of /v1/code-lists/dfe_exclusion_reasons in force "
                    "on the day of index_event_at unless code_list_version names another.",
    )
    code_list_version: str | None = Field(default=None, max_length=20, examples=["2020-21"],
                                          json_schema_extra=documented.versions_of("dfe_exclusion_reasons"))

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return SchoolDetails.create(**self.model_dump(), excluded_on=uk_date(index_event_at))


class CommunityDetailsIn(Strict):
    organisation: Name = Field(description="The referring community organisation.")

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return CommunityDetails.create(**self.model_dump())


class YouthJusticeDetailsIn(Strict):
    youth_justice_service: Name = Field(description="The referring youth justice service.")

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return YouthJusticeDetails.create(**self.model_dump())


class ProbationDetailsIn(Strict):
    probation_delivery_unit: Name = Field(description="The referring probation delivery unit.")

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return ProbationDetails.create(**self.model_dump())


class PrisonDetailsIn(Strict):
    establishment_code: str = Field(pattern=r"^[A-Za-z]{3}$", description="HMPPS establishment code.",
                                    examples=["MDI"])

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return PrisonDetails.create(**self.model_dump())


class SelfReferralDetailsIn(Strict):
    channel: SelfReferralChannel

    def to_domain(self, index_event_at: datetime) -> SourceDetails:
        return SelfReferralDetails.create(**self.model_dump())
