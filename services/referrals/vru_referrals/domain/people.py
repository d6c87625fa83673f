"""The young person: name, sex, ethnicity, and how the provider can reach them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.capitals import capitals
from vru_referrals.domain.errors import InvalidReferral


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NOT_KNOWN = "not_known"
    NOT_SPECIFIED = "not_specified"


class EthnicityCoding(StrEnum):
    ONS_2021 = "ons_2021"
    NHS_2001 = "nhs_2001"


NOT_STATED = "not_stated"


@dataclass(frozen=True)
class Ethnicity:
    """An ethnicity in ONS 2021 terms, with the coding and code the referrer actually gave.

    `coding` None means the referrer gave nothing, which differs from a stated "not stated":
    the VRU measures how often ethnicity is recorded at all.
    """

    coding: EthnicityCoding | None
    code_given: str | None
    category: str | None
    group: str

    @classmethod
    def not_given(cls) -> Ethnicity:
        return cls(coding=None, code_given=None, category=None, group=NOT_STATED)

    @classmethod
    def from_code(cls, coding: EthnicityCoding, code: str, *, field: str = "young_person/ethnicity/code") -> Ethnicity:
        coding = EthnicityCoding(coding)
        if coding is EthnicityCoding.ONS_2021:
            entry = catalogue()["ethnicities"].require(code, field=field)
            category, group = entry.code, entry.attributes["group"]
        else:
            entry = catalogue()["nhs_ethnic_categories_2001"].require(capitals(code.strip()), field=field)
            category, group = entry.attributes["ons_2021_category"], entry.attributes["ons_2021_group"]
            code = entry.code
        return cls(coding=coding, code_given=code, category=None if category == NOT_STATED else category,
                   group=group)


# The UK government data standard's postcode shape: outward code (area, district, sub-district)
# and inward code (sector digit and two unit letters that are never C, I, K, M, O or V).
_OUTWARD = r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"(?:({_OUTWARD})({_INWARD})|(GIR)(0AA))")


def normalise_postcode(text: str) -> str:
    """A UK postcode in capitals with one space before the inward code: "sw1a2aa" -> "SW1A 2AA"."""
    compact = capitals(re.sub(r"[ \t]", "", text))
    match = _POSTCODE.fullmatch(compact)
    if not match:
        raise InvalidReferral(f"{text!r} is not a UK postcode")
    outward = match.group(1) or match.group(3)
    inward = match.group(2) or match.group(4)
    return f"{outward} {inward}"


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode: its district ("SW1A 2AA" -> "SW1A")."""
    return postcode.split(" ", 1)[0]


def normalise_phone(text: str) -> str:
    """A phone number in international form: "07700 900123" -> "+447700900123"."""
    compact = re.sub(r"[ \t().-]", "", text)
    if re.fullmatch(r"0[1-9][0-9]{8,9}", compact):
        return "+44" + compact[1:]
    if re.fullmatch(r"\+44[1-9][0-9]{8,9}", compact) or re.fullmatch(r"\+(?!44)[1-9][0-9]{6,14}", compact):
        return compact
    raise InvalidReferral(f"{text!r} is not a phone number: give a UK number (07700 900123) or +country code")


def normalise_email(text: str) -> str:
    address = text.strip()
    if len(address) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise InvalidReferral(f"{text!r} is not an email address")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def _text(value: str, what: str, limit: int, field: str) -> str:
    tidy = " ".join(value.split())
    if not tidy:
        raise InvalidReferral(f"{what} is empty", field=field)
    if len(tidy) > limit:
        raise InvalidReferral(f"{what} has more than {limit} characters", field=field)
    return tidy


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]
    postcode: str
    town: str | None = None

    @classmethod
    def create(cls, *, lines: list[str], postcode: str, town: str | None = None,
               field: str = "young_person/contact/address") -> Address:
        if not 1 <= len(lines) <= 4:
            raise InvalidReferral("an address has 1 to 4 lines", field=f"{field}/lines")
        tidy = tuple(_text(line, "an address line", 100, f"{field}/lines/{i}") for i, line in enumerate(lines))
        try:
            normalised = normalise_postcode(postcode)
        except InvalidReferral as exc:
            raise type(exc)(exc.detail, field=f"{field}/postcode") from None
        return cls(lines=tidy, postcode=normalised,
                   town=_text(town, "the town", 100, f"{field}/town") if town is not None else None)


@dataclass(frozen=True)
class ParentCarer:
    name: str
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if self.phone is None and self.email is None:
            raise InvalidReferral("a parent or carer needs a phone number or an email address",
                                  field="young_person/contact/parent_carer")


@dataclass(frozen=True)
class ContactDetails:
    """How the provider reaches the young person: at least one of phone, email or address."""

    phone: str | None = None
    email: str | None = None
    address: Address | None = None
    parent_carer: ParentCarer | None = None

    def __post_init__(self) -> None:
        if self.phone is None and self.email is None and self.address is None:
            raise InvalidReferral("the provider needs a phone number, an email address or an address to "
                                  "contact the young person", field="young_person/contact")


@dataclass(frozen=True)
class YoungPerson:
    given_name: str
    family_name: str
    date_of_birth: date
    sex: Sex
    ethnicity: Ethnicity
    contact: ContactDetails

    @classmethod
    def create(cls, *, given_name: str, family_name: str, date_of_birth: date, sex: Sex,
               ethnicity: Ethnicity, contact: ContactDetails) -> YoungPerson:
        return cls(
            given_name=_text(given_name, "given_name", 100, "young_person/given_name"),
            family_name=_text(family_name, "family_name", 100, "young_person/family_name"),
            date_of_birth=date_of_birth,
            sex=Sex(sex),
            ethnicity=ethnicity,
            contact=contact,
        )

    @property
    def postcode_district(self) -> str | None:
        address = self.contact.address
        return postcode_district(address.postcode) if address is not None else None
