"""The referrals API's response bodies. A single referral shows what the referrer sent; lists do not.

An erased referral keeps its lifecycle, coarse attributes (age band, sex, ethnicity) and the coded
facts of its source; what identified the young person, and where and when the reachable moment
happened, reads as null, or empty.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from vru_referrals.domain.identifiers import IdentifierType
from vru_referrals.domain.model import LawfulBasis, Referral, ReferralSource, ReferralStatus
from vru_referrals.domain.people import ContactDetails, EthnicityCoding, Sex
from vru_referrals.domain.pseudonym_keys import KeyUsage


class CustodyDetailsOut(BaseModel):
    source: Literal["custody"] = "custody"
    custody_suite: str | None = Field(description="Null once the young person's details are erased.")
    arrested_at: datetime | None = Field(description="Null once the young person's details are erased.")
    offence_category: str


class EmergencyDepartmentDetailsOut(BaseModel):
    source: Literal["emergency_department"] = "emergency_department"
    site_code: str | None = Field(description="Null once the young person's details are erased.")
    arrived_at: datetime | None = Field(description="Null once the young person's details are erased.")
    assault_at: datetime | None = Field(description="Null once the young person's details are erased.")
    assault_method: str
    assault_location_type: str
    injury_intent: str | None
    injury_mechanism: str | None


class SchoolDetailsOut(BaseModel):
    source: Literal["school"] = "school"
    school_urn: str | None = Field(description="Null once the young person's details are erased.")
    exclusion_type: str
    exclusion_reasons: list[str]
    code_list_version: str = Field(description="The version of dfe_exclusion_reasons the reasons were checked against.")


class CommunityDetailsOut(BaseModel):
    source: Literal["community"] = "community"
    organisation: str | None = Field(description="Null once the young person's details are erased.")


class YouthJusticeDetailsOut(BaseModel):
    source: Literal["youth_justice"] = "youth_justice"
    youth_justice_service: str | None = Field(description="Null once the young person's details are erased.")


class ProbationDetailsOut(BaseModel):
    source: Literal["probation"] = "probation"
    probation_delivery_unit: str | None = Field(description="Null once the young person's details are erased.")


class PrisonDetailsOut(BaseModel):
    source: Literal["prison"] = "prison"
    establishment_code: str | None = Field(description="Null once the young person's details are erased.")


class SelfReferralDetailsOut(BaseModel):
    source: Literal["self"] = "self"
    channel: str


SourceDetailsOut = Annotated[
    CustodyDetailsOut
    | EmergencyDepartmentDetailsOut
    | SchoolDetailsOut
    | CommunityDetailsOut
    | YouthJusticeDetailsOut
    | ProbationDetailsOut
    | PrisonDetailsOut
    | SelfReferralDetailsOut,
    Field(discriminator="source"),
]


class EthnicityOut(BaseModel):
    coding: EthnicityCoding | None = Field(description="The coding the referrer used; null when none was given.")
    code_given: str | None
    category: str | None = Field(description="ONS 2021 category; null when not stated or not given.")
    group: str


class AddressOut(BaseModel):
    lines: list[str]
    town: str | None
    postcode: str


class ParentCarerOut(BaseModel):
    name: str
    relationship: str | None
    phone: str | None
    email: str | None


class ContactOut(BaseModel):
    phone: str | None
    email: str | None
    address: AddressOut | None
    parent_carer: ParentCarerOut | None


class YoungPersonOut(BaseModel):
    given_name: str | None = Field(description="Null once erased.")
    family_name: str | None = Field(description="Null once erased.")
    date_of_birth: date | None = Field(description="Null once erased; the age band remains.")
    age_band: str
    sex: Sex
    ethnicity: EthnicityOut
    contact: ContactOut | None = Field(description="Null once erased.")
    postcode_district: str | None


class IdentifierOut(BaseModel):
    type: IdentifierType
    value: str = Field(description="As the referrer sent it.")
    normalised: str
    issuer: str | None


class SubjectOut(BaseModel):
    pseudonym: str
    pseudonym_key_version: int


class LawfulBasisOut(BaseModel):
    basis: LawfulBasis
    consent_given: bool
    recorded_by: str | None
    recorded_at: datetime | None
    justification: str | None


class _Lifecycle(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    source: ReferralSource
    status: ReferralStatus
    referred_at: datetime
    index_event_at: datetime
    received_at: datetime
    possible_duplicate_of: uuid.UUID | None = Field(
        description="An earlier open referral of the same young person to the same programme."
    )
    decided_at: datetime | None
    withdrawn_at: datetime | None
    enrolment_id: uuid.UUID | None
    enrolled_at: datetime | None
    closed_at: datetime | None
    erased_at: datetime | None = Field(
        description="When the young person's identifying details were erased, on request or at the end of retention."
    )


class ReferralSummary(_Lifecycle):
    """A referral in a list: pseudonymous, with no name, contact details or identifier."""

    age_band: str
    subject_pseudonym: str | None = Field(description="Null once erased.")

    @classmethod
    def of(cls, r: Referral) -> ReferralSummary:
        return cls(**_lifecycle(r), age_band=r.age_band,
                   subject_pseudonym=None if r.is_erased else r.subject_pseudonym)


class ReferralOut(_Lifecycle):
    source_details: SourceDetailsOut
    young_person: YoungPersonOut
    identifiers: list[IdentifierOut] = Field(description="Empty once erased.")
    subject: SubjectOut | None = Field(description="Null once erased: the other services dropped their links to it.")
    risk_factors: list[str]
    lawful_basis: LawfulBasisOut
    decision_reason: str | None
    decision_note: str | None
    withdrawal_reason: str | None
    withdrawal_note: str | None
    closure_reason: str | None
    closure_note: str | None

    @classmethod
    def of(cls, r: Referral) -> ReferralOut:
        return cls(
            **_lifecycle(r),
            source_details={"source": r.source.value, **dataclasses.asdict(r.source_details)},
            young_person=YoungPersonOut(
                given_name=r.given_name,
                family_name=r.family_name,
                date_of_birth=r.date_of_birth,
                age_band=r.age_band,
                sex=r.sex,
                ethnicity=EthnicityOut(coding=r.ethnicity_coding, code_given=r.ethnicity_code_given,
                                       category=r.ethnicity, group=r.ethnicity_group),
                contact=_contact(r.contact) if r.contact is not None else None,
                postcode_district=r.postcode_district,
            ),
            identifiers=[IdentifierOut(**dataclasses.asdict(i)) for i in r.identifiers],
            subject=None if r.is_erased else SubjectOut(pseudonym=r.subject_pseudonym,
                                                        pseudonym_key_version=r.pseudonym_key_version),
            risk_factors=list(r.risk_factors),
            lawful_basis=LawfulBasisOut(
                basis=r.lawful_basis,
                consent_given=r.lawful_basis is LawfulBasis.CONSENT,
                recorded_by=r.consent_recorded_by,
                recorded_at=r.consent_recorded_at,
                justification=r.lawful_basis_justification,
            ),
            decision_reason=r.decision_reason,
            decision_note=r.decision_note,
            withdrawal_reason=r.withdrawal_reason,
            withdrawal_note=r.withdrawal_note,
            closure_reason=r.closure_reason,
            closure_note=r.closure_note,
        )


def _contact(contact: ContactDetails) -> ContactOut:
    return ContactOut(
        phone=contact.phone,
        email=contact.email,
        address=AddressOut(**dataclasses.asdict(contact.address)) if contact.address else None,
        parent_carer=ParentCarerOut(**dataclasses.asdict(contact.parent_carer)) if contact.parent_carer else None,
    )


def _lifecycle(r: Referral) -> dict:
    return dict(
        id=r.id,
        programme_id=r.programme_id,
        source=r.source,
        status=r.status,
        referred_at=r.referred_at,
        index_event_at=r.index_event_at,
        received_at=r.received_at,
        possible_duplicate_of=r.possible_duplicate_of,
        decided_at=r.decided_at,
        withdrawn_at=r.withdrawn_at,
        enrolment_id=r.enrolment_id,
        enrolled_at=r.enrolled_at,
        closed_at=r.closed_at,
        erased_at=r.erased_at,
    )


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    limit: int
    offset: int


class SubjectErasureOut(BaseModel):
    referrals_erased: int = Field(description="Referrals whose identifying details this request erased.")
    erased_at: datetime


class PseudonymKeysOut(BaseModel):
    current_version: int = Field(description="The key version new identifier pseudonyms are made with.")
    links: dict[int, int] = Field(description="Identifier links by the key version they are under: every key "
                                              "held and every version still in use.")
    removable: list[int] = Field(description="Retired key versions no link uses any more: they may be dropped "
                                             "from VRU_PSEUDONYM_RETIRED_KEYS.")
    missing: list[int] = Field(description="Key versions links still use whose key this service does not hold: "
                                           "the young people linked under them are not recognised when referred "
                                           "again. Restore the key to VRU_PSEUDONYM_RETIRED_KEYS.")

    @classmethod
    def of(cls, usage: KeyUsage) -> PseudonymKeysOut:
        return cls(current_version=usage.current_version, links=dict(usage.links), removable=list(usage.removable),
                   missing=list(usage.missing))


class RekeyingOut(PseudonymKeysOut):
    rekeyed: int = Field(description="Identifier links this request moved onto the current key.")
