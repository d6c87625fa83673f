"""What each referral source knows about the reachable moment, checked as value objects.

Custody and A&E details follow their data sets (Home Office offence groups; the ISTV minimum
data set, with ECDS's SNOMED CT codes for injury intent and mechanism); a school exclusion's
reasons are checked against the version of the DfE list in force when it happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from vru_referrals.domain.check_digits import verhoeff_is_valid
from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.capitals import capitals
from vru_referrals.domain.errors import InvalidReferral


class ReferralSource(StrEnum):
    CUSTODY = "custody"
    EMERGENCY_DEPARTMENT = "emergency_department"
    SCHOOL = "school"
    COMMUNITY = "community"
    YOUTH_JUSTICE = "youth_justice"
    PROBATION = "probation"
    PRISON = "prison"
    SELF = "self"


FIELD = "source_details"


def _name(value: str, what: str, attribute: str, limit: int = 200) -> str:
    tidy = " ".join(value.split())
    if not tidy:
        raise InvalidReferral(f"{what} is empty", field=f"{FIELD}/{attribute}")
    if len(tidy) > limit:
        raise InvalidReferral(f"{what} has more than {limit} characters", field=f"{FIELD}/{attribute}")
    return tidy


def _aware(moment: datetime, attribute: str) -> None:
    if moment.tzinfo is None:
        raise InvalidReferral(f"{attribute} needs a time zone", field=f"{FIELD}/{attribute}")


def _coded(list_name: str, code: str, attribute: str) -> None:
    catalogue()[list_name].require(code, field=f"{FIELD}/{attribute}")


def check_snomed_concept_id(value: str) -> str:
    """A SNOMED CT concept id: 6-18 digits, no leading zero, partition 00 or 10, Verhoeff check digit."""
    text = value.strip()
    if not re.fullmatch(r"[1-9][0-9]{5,17}", text):
        raise InvalidReferral(f"{value!r} is not a SNOMED CT identifier: 6 to 18 digits, not starting with 0")
    partition = text[-3:-1]
    if partition not in ("00", "10"):
        raise InvalidReferral(f"{text} is not a SNOMED CT concept id: its partition identifier is {partition}, "
                              "a concept's is 00 or 10")
    if not verhoeff_is_valid(text):
        raise InvalidReferral(f"{text} is not a SNOMED CT identifier: its Verhoeff check digit is wrong")
    return text


def normalise_ods_site_code(value: str) -> str:
    """An NHS ODS site code: the three-character trust code and two more characters, e.g. "RXX01"."""
    text = capitals(value.strip())
    if not re.fullmatch(r"[A-Z][A-Z0-9]{4}", text):
        raise InvalidReferral(f"{value!r} is not an ODS site code: five letters or digits, starting with a letter")
    return text


def normalise_prison_code(value: str) -> str:
    """An HM Prison and Probation Service establishment code: three letters, e.g. "MDI"."""
    text = capitals(value.strip())
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise InvalidReferral(f"{value!r} is not a prison establishment code: three letters")
    return text


class SourceDetails:
    """Base of every source's details.

    `create` checks and normalises what a referrer sent; the plain constructor is for details
    already checked (loaded from the database), so a code list that changes later does not make
    old referrals unreadable.
    """

    source: ClassVar[ReferralSource]
    # What names the place or the moment of the reachable moment: with police, hospital or school
    # records beside it, enough to find the young person. Null once their details are erased.
    IDENTIFYING: ClassVar[tuple[str, ...]] = ()

    def check_against(self, *, index_event_at: datetime, referred_at: datetime) -> None:
        """Refuse details that contradict the referral's own moments."""

    def erased(self) -> SourceDetails:
        """The details without what identifies; the coded facts (offence group, injury, exclusion
        reasons, channel) stay, as the referral's lifecycle does."""
        return replace(self, **dict.fromkeys(self.IDENTIFYING))  # type: ignore[type-var]


def _located(check, value: str, attribute: str) -> str:
    try:
        return check(value)
    except InvalidReferral as exc:
        raise type(exc)(exc.detail, field=f"{FIELD}/{attribute}") from None


@dataclass(frozen=True)
class CustodyDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.CUSTODY
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("custody_suite", "arrested_at")
    custody_suite: str | None
    arrested_at: datetime | None
    offence_category: str

    @classmethod
    def create(cls, *, custody_suite: str, arrested_at: datetime, offence_category: str) -> CustodyDetails:
        _aware(arrested_at, "arrested_at")
        _coded("offence_categories", offence_category, "offence_category")
        return cls(custody_suite=_name(custody_suite, "custody_suite", "custody_suite", 120),
                   arrested_at=arrested_at, offence_category=offence_category)

    def check_against(self, *, index_event_at: datetime, referred_at: datetime) -> None:
        # The arrest is the reachable moment of a custody referral: two values would be two truths.
        if self.arrested_at != index_event_at:
            raise InvalidReferral("arrested_at must equal index_event_at: the arrest is the index event of a "
                                  "custody referral", field=f"{FIELD}/arrested_at")


@dataclass(frozen=True)
class EmergencyDepartmentDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.EMERGENCY_DEPARTMENT
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("site_code", "arrived_at", "assault_at")
    site_code: str | None
    arrived_at: datetime | None
    assault_at: datetime | None
    assault_method: str
    assault_location_type: str
    injury_intent: str | None = None
    injury_mechanism: str | None = None

    @classmethod
    def create(cls, *, site_code: str, arrived_at: datetime, assault_at: datetime, assault_method: str,
               assault_location_type: str, injury_intent: str | None = None,
               injury_mechanism: str | None = None) -> EmergencyDepartmentDetails:
        _aware(arrived_at, "arrived_at")
        _aware(assault_at, "assault_at")
        _coded("assault_methods", assault_method, "assault_method")
        _coded("assault_location_types", assault_location_type, "assault_location_type")
        if arrived_at < assault_at:
            raise InvalidReferral("arrived_at is before assault_at: the young person arrives after the assault",
                                  field=f"{FIELD}/arrived_at")
        return cls(
            site_code=_located(normalise_ods_site_code, site_code, "site_code"),
            arrived_at=arrived_at,
            assault_at=assault_at,
            assault_method=assault_method,
            assault_location_type=assault_location_type,
            injury_intent=_located(check_snomed_concept_id, injury_intent, "injury_intent") if injury_intent else None,
            injury_mechanism=(_located(check_snomed_concept_id, injury_mechanism, "injury_mechanism")
                              if injury_mechanism else None),
        )

    def check_against(self, *, index_event_at: datetime, referred_at: datetime) -> None:
        if self.assault_at != index_event_at:
            raise InvalidReferral("assault_at must equal index_event_at: the assault is the index event of an "
                                  "emergency department referral", field=f"{FIELD}/assault_at")
        if self.arrived_at > referred_at:
            raise InvalidReferral("arrived_at is after referred_at: the referral is made from the visit",
                                  field=f"{FIELD}/arrived_at")


@dataclass(frozen=True)
class SchoolDetails(SourceDetails):
    """A school referral; `code_list_version` is the DfE list version its reasons were checked against."""

    source: ClassVar[ReferralSource] = ReferralSource.SCHOOL
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("school_urn",)
    school_urn: str | None
    exclusion_type: str
    exclusion_reasons: tuple[str, ...]
    code_list_version: str

    @classmethod
    def create(cls, *, school_urn: str, exclusion_type: str, exclusion_reasons: list[str] | tuple[str, ...],
               excluded_on: date, code_list_version: str | None = None) -> SchoolDetails:
        """Check the reasons against the version named, or else the one in force on the exclusion date."""
        if not re.fullmatch(r"[0-9]{6}", school_urn.strip()):
            raise InvalidReferral("a school URN has exactly 6 digits", field=f"{FIELD}/school_urn")
        _coded("exclusion_types", exclusion_type, "exclusion_type")
        reasons = catalogue()["dfe_exclusion_reasons"]
        try:
            version = reasons.version(code_list_version) if code_list_version else reasons.version_on(excluded_on)
        except InvalidReferral as exc:
            where = "code_list_version" if code_list_version else "exclusion_reasons"
            raise type(exc)(exc.detail, field=f"{FIELD}/{where}") from None
        codes = tuple(capitals(code.strip()) for code in exclusion_reasons)
        if not 1 <= len(codes) <= 3:
            raise InvalidReferral("an exclusion has 1 to 3 reasons", field=f"{FIELD}/exclusion_reasons")
        for index, code in enumerate(codes):
            reasons.require(code, version=version, field=f"{FIELD}/exclusion_reasons/{index}")
            if code in codes[:index]:
                raise InvalidReferral(f"the reason {code} is given twice", field=f"{FIELD}/exclusion_reasons/{index}")
        return cls(school_urn=school_urn.strip(), exclusion_type=exclusion_type, exclusion_reasons=codes,
                   code_list_version=str(version.version))


@dataclass(frozen=True)
class CommunityDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.COMMUNITY
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("organisation",)
    organisation: str | None

    @classmethod
    def create(cls, *, organisation: str) -> CommunityDetails:
        return cls(organisation=_name(organisation, "organisation", "organisation"))


@dataclass(frozen=True)
class YouthJusticeDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.YOUTH_JUSTICE
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("youth_justice_service",)
    youth_justice_service: str | None

    @classmethod
    def create(cls, *, youth_justice_service: str) -> YouthJusticeDetails:
        return cls(youth_justice_service=_name(youth_justice_service, "youth_justice_service",
                                               "youth_justice_service"))


@dataclass(frozen=True)
class ProbationDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.PROBATION
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("probation_delivery_unit",)
    probation_delivery_unit: str | None

    @classmethod
    def create(cls, *, probation_delivery_unit: str) -> ProbationDetails:
        return cls(probation_delivery_unit=_name(probation_delivery_unit, "probation_delivery_unit",
                                                 "probation_delivery_unit"))


@dataclass(frozen=True)
class PrisonDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.PRISON
    IDENTIFYING: ClassVar[tuple[str, ...]] = ("establishment_code",)
    establishment_code: str | None

    @classmethod
    def create(cls, *, establishment_code: str) -> PrisonDetails:
        return cls(establishment_code=_located(normalise_prison_code, establishment_code, "establishment_code"))


@dataclass(frozen=True)
class SelfReferralDetails(SourceDetails):
    source: ClassVar[ReferralSource] = ReferralSource.SELF
    channel: str

    @classmethod
    def create(cls, *, channel: str) -> SelfReferralDetails:
        _coded("self_referral_channels", channel, "channel")
        return cls(channel=channel)


DETAILS_BY_SOURCE: dict[ReferralSource, type[SourceDetails]] = {
    cls.source: cls
    for cls in (CustodyDetails, EmergencyDepartmentDetails, SchoolDetails, CommunityDetails, YouthJusticeDetails,
                ProbationDetails, PrisonDetails, SelfReferralDetails)
}
