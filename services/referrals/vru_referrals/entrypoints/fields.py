"""Field types of the request bodies, each with its check: coded values, phone numbers, postcodes..."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from vru_shared.request_fields import NON_BLANK

from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.people import normalise_email, normalise_phone, normalise_postcode
from vru_referrals.domain.source_details import check_snomed_concept_id
from vru_referrals.entrypoints import documented


def coded(list_name: str, example: str | None = None, *, chosen_by_provider: bool = False) -> object:
    """A string that must be a code of the named list (its current version); `chosen_by_provider`
    when the platform keeps some of its codes for itself."""

    def check(code: str) -> str:
        catalogue()[list_name].require(code)
        return code

    return Annotated[
        str,
        Field(min_length=1, max_length=40, description=f"A code of /v1/code-lists/{list_name}.",
              examples=[example] if example else None,
              json_schema_extra=documented.enum_of(list_name, chosen_by_provider=chosen_by_provider)),
        AfterValidator(check),
    ]


def text(max_length: int, **field: Any) -> Any:
    """Free text the domain tidies (whitespace runs as one space) and refuses when nothing is left."""
    return Annotated[str, Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": NON_BLANK},
                                **field)]


Name = text(200)
Phone = Annotated[str, Field(max_length=30, examples=["07700 900123"],
                             json_schema_extra={"pattern": documented.PHONE}), AfterValidator(normalise_phone)]
Email = Annotated[str, Field(max_length=254, examples=["alex@example.org"],
                             json_schema_extra={"pattern": documented.EMAIL}), AfterValidator(normalise_email)]
Postcode = Annotated[str, Field(max_length=10, examples=["SW1A 2AA"],
                                json_schema_extra={"pattern": documented.POSTCODE}), AfterValidator(normalise_postcode)]
SnomedConcept = Annotated[
    str,
    Field(max_length=18, description="A SNOMED CT concept id (ECDS codes injuries in SNOMED CT): 6 to 18 digits "
                                     "with partition 00 or 10 and a Verhoeff check digit.",
          json_schema_extra={"pattern": documented.SNOMED_CONCEPT, "format": "snomed-ct-concept-id"}),
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
ClosureReason = coded("closure_reasons", "no_engagement", chosen_by_provider=True)
Note = Annotated[str | None, Field(max_length=1000, description="Needed when the reason is other.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
