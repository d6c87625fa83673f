"""The referrals API's request bodies: shapes and single-field checks here, the domain's rules behind them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from vru_shared.request_fields import NON_BLANK, Boolean, Day, Moment

from vru_referrals.domain.errors import InvalidReferral
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.lawful_basis import LawfulBasis, LawfulBasisRecord
from vru_referrals.domain.people import (
    Address,
    ContactDetails,
    Ethnicity,
    EthnicityCoding,
    ParentCarer,
    Sex,
    YoungPerson,
)
from vru_referrals.entrypoints import documented
from vru_referrals.entrypoints.fields import (
    ClosureReason,
    DeclineReason,
    Email,
    Name,
    Note,
    Phone,
    Postcode,
    RiskFactor,
    Strict,
    WithdrawalReason,
    text,
)
from vru_referrals.entrypoints.source_requests import (
    CommunityDetailsIn,
    CustodyDetailsIn,
    EmergencyDepartmentDetailsIn,
    PrisonDetailsIn,
    ProbationDetailsIn,
    SchoolDetailsIn,
    SelfReferralDetailsIn,
    YouthJusticeDetailsIn,
)
from vru_referrals.service_layer.commands import EraseSubject, MakeReferral


def located(prefix: str, make):
    """Run a domain constructor, placing its errors under `prefix` in the body."""
    try:
        return make()
    except InvalidReferral as exc:
        field = f"{prefix}/{exc.field}" if exc.field and not exc.field.startswith(prefix) else exc.field or prefix
        raise type(exc)(exc.detail, field=field) from None


# --- the young person -------------------------------------------------------------------------

AddressLine = text(100)
PersonName = text(100)


class EthnicityIn(Strict):
    model_config = ConfigDict(json_schema_extra=documented.ethnicity_schema)

    coding: EthnicityCoding = Field(description="ons_2021: a code of /v1/code-lists/ethnicities; nhs_2001: a letter "
                                                "of /v1/code-lists/nhs_ethnic_categories_2001.")
    code: str = Field(min_length=1, max_length=40, examples=["white_british", "A"])


class AddressIn(Strict):
    lines: list[AddressLine] = Field(min_length=1, max_length=4)
    town: str | None = Field(default=None, max_length=100, json_schema_extra={"pattern": NON_BLANK})
    postcode: Postcode


class ParentCarerIn(Strict):
    """With a phone number or an email address."""

    model_config = ConfigDict(json_schema_extra=documented.one_of_present("phone", "email"))

    name: Name
    relationship: str | None = Field(default=None, max_length=100, examples=["mother"])
    phone: Phone | None = None
    email: Email | None = None


class ContactIn(Strict):
    """At least one of phone, email and address."""

    model_config = ConfigDict(json_schema_extra=documented.one_of_present("phone", "email", "address"))

    phone: Phone | None = None
    email: Email | None = None
    address: AddressIn | None = None
    parent_carer: ParentCarerIn | None = None


class YoungPersonIn(Strict):
    given_name: PersonName
    family_name: PersonName
    date_of_birth: Day = Field(description="Before the day of the index event.")
    sex: Sex
    ethnicity: EthnicityIn | None = Field(default=None, description="Leave out when not asked; send "
                                                                    "not_stated (or Z) when the person declined.")
    contact: ContactIn

    def to_domain(self) -> YoungPerson:
        contact = self.contact
        address = contact.address
        return YoungPerson.create(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            ethnicity=(Ethnicity.from_code(self.ethnicity.coding, self.ethnicity.code)
                       if self.ethnicity else Ethnicity.not_given()),
            contact=ContactDetails(
                phone=contact.phone,
                email=contact.email,
                address=Address.create(lines=address.lines, town=address.town, postcode=address.postcode)
                if address else None,
                parent_carer=ParentCarer(**contact.parent_carer.model_dump()) if contact.parent_carer else None,
            ),
        )


class IdentifierIn(Strict):
    model_config = ConfigDict(json_schema_extra=documented.identifier_schema)

    type: IdentifierType = Field(description="Which scheme the identifier belongs to.")
    value: str = Field(min_length=1, max_length=64, description="The identifier as the referrer holds it.",
                       examples=["943 476 5919"])
    issuer: str | None = Field(default=None, max_length=200,
                               description="For a local id only: the organisation that assigned it.")


# --- lawful basis -----------------------------------------------------------------------------

RecordedBy = text(200, description="Who recorded the consent.")


class ConsentIn(Strict):
    basis: Literal["consent"]
    given: Boolean = Field(description="Must be true: without consent given, record another lawful basis.",
                           json_schema_extra={"const": True})
    recorded_by: RecordedBy
    recorded_at: Moment = Field(description="Not in the future.")

    def to_domain(self) -> LawfulBasisRecord:
        return LawfulBasisRecord.consent(given=self.given, recorded_by=self.recorded_by,
                                         recorded_at=self.recorded_at)


class OtherLawfulBasisIn(Strict):
    basis: Literal["legal_obligation", "public_task", "vital_interests", "legitimate_interests"]
    justification: str = Field(min_length=10, max_length=1000, json_schema_extra={"pattern": NON_BLANK},
                               description="Why this basis applies: 10 to 1000 characters, a run of whitespace "
                                           "counting as one.")

    def to_domain(self) -> LawfulBasisRecord:
        return LawfulBasisRecord.other(LawfulBasis(self.basis), self.justification)


LawfulBasisIn = Annotated[ConsentIn | OtherLawfulBasisIn, Field(discriminator="basis")]


# --- the referral -----------------------------------------------------------------------------


class _ReferralIn(Strict):
    programme_id: uuid.UUID
    referred_at: Moment = Field(description="When the referral was made; not in the future.")
    index_event_at: Moment = Field(description="The reachable moment: the arrest, assault, exclusion...; not "
                                                "after referred_at.")
    young_person: YoungPersonIn
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=10,
                                            description="At most one of each national type.")
    risk_factors: list[RiskFactor] = Field(default_factory=list, max_length=20)
    lawful_basis: LawfulBasisIn

    def to_command(self) -> MakeReferral:
        """The command, built from the domain's value objects; their refusals name the field."""
        details = located("source_details", lambda: self.source_details.to_domain(self.index_event_at))
        identifiers = tuple(
            located(f"identifiers/{index}", lambda i=i: Identifier.parse(i.type, i.value, i.issuer))
            for index, i in enumerate(self.identifiers)
        )
        return MakeReferral(
            programme_id=self.programme_id,
            details=details,
            referred_at=self.referred_at,
            index_event_at=self.index_event_at,
            young_person=located("young_person", self.young_person.to_domain),
            identifiers=identifiers,
            risk_factors=tuple(self.risk_factors),
            lawful_basis=located("lawful_basis", self.lawful_basis.to_domain),
        )


class CustodyReferralIn(_ReferralIn):
    """A referral from a police custody suite."""

    source: Literal["custody"]
    source_details: CustodyDetailsIn


class EmergencyDepartmentReferralIn(_ReferralIn):
    """A referral from a hospital emergency department after an assault."""

    source: Literal["emergency_department"]
    source_details: EmergencyDepartmentDetailsIn


class SchoolReferralIn(_ReferralIn):
    """A referral from a school, at an exclusion or the risk of one."""

    source: Literal["school"]
    source_details: SchoolDetailsIn


class CommunityReferralIn(_ReferralIn):
    source: Literal["community"]
    source_details: CommunityDetailsIn


class YouthJusticeReferralIn(_ReferralIn):
    source: Literal["youth_justice"]
    source_details: YouthJusticeDetailsIn


class ProbationReferralIn(_ReferralIn):
    source: Literal["probation"]
    source_details: ProbationDetailsIn


class PrisonReferralIn(_ReferralIn):
    source: Literal["prison"]
    source_details: PrisonDetailsIn


class SelfReferralIn(_ReferralIn):
    source: Literal["self"]
    source_details: SelfReferralDetailsIn


ReferralIn = Annotated[
    CustodyReferralIn
    | EmergencyDepartmentReferralIn
    | SchoolReferralIn
    | CommunityReferralIn
    | YouthJusticeReferralIn
    | ProbationReferralIn
    | PrisonReferralIn
    | SelfReferralIn,
    Field(discriminator="source"),
]


# --- decisions --------------------------------------------------------------------------------


class DeclineIn(Strict):
    model_config = ConfigDict(json_schema_extra=documented.note_when_other)

    reason: DeclineReason
    note: Note = None


class WithdrawIn(Strict):
    model_config = ConfigDict(json_schema_extra=documented.note_when_other)

    reason: WithdrawalReason
    note: Note = None


class CloseIn(Strict):
    model_config = ConfigDict(json_schema_extra=documented.note_when_other)

    reason: ClosureReason
    note: Note = None


# --- erasure ----------------------------------------------------------------------------------


class SubjectErasureIn(Strict):
    """Erase the young person an identifier belongs to, with every referral of theirs."""

    identifier: IdentifierIn

    def to_command(self) -> EraseSubject:
        i = self.identifier
        return EraseSubject(located("identifier", lambda: Identifier.parse(i.type, i.value, i.issuer)))
