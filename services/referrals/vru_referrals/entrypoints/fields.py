"""Field types of the request bodies, each with its check: coded values, phone numbers, postcodes..."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.people import normalise_email, normalise_phone, normalise_postcode
from vru_referrals.domain.source_details import check_snomed_concept_id


def coded(list_name: str, example: str | None = None) -> object:
    """A string that must be a code of the named list (its current version)."""

    def check(code: str) -> str:
        catalogue()[list_name].require(code)
        return code

    return Annotated[
        str,
        Field(min_length=1, max_length=40, description=f"A code of /v1/code-lists/{list_name}.",
              examples=[example] if example else None),
        AfterValidator(check),
    ]


Name = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(max_length=30, examples=["07700 900123"]), AfterValidator(normalise_phone)]
Email = Annotated[str, Field(max_length=254, examples=["alex@example.org"]), AfterValidator(normalise_email)]
Postcode = Annotated[str, Field(max_length=10, examples=["SW1A 2AA"]), AfterValidator(normalise_postcode)]
SnomedConcept = Annotated[
    str,
    Field(max_length=18, description="A SNOMED CT concept id (ECDS codes injuries in SNOMED CT)."),
    AfterValidator(check_snomed_concept_id),
]

OffenceCategory = coded("offence_categories", "possession_of_weapons")
AssaultMethod = coded("assault_methods", "knife_or_sharp_object")
AssaultLocationType = coded("assault_location_types", "street_or_public_place")
ExclusionType = coded("exclusion_types", "suspension")
SelfReferralChannel = coded("self_referral_channels", "phone")
RiskFactor = coded("risk_factors", "weapon_carrying")
DeclineReason = coded("decline_reasons", "no_capacity")
WithdrawalReason = coded("withdrawal_reasons", "moved_away")
ClosureReason = coded("closure_reasons", "no_engagement")
Note = Annotated[str | None, Field(max_length=1000, description="Needed when the reason is other.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
