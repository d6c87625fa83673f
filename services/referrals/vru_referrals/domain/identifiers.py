"""Identifiers of a young person: their checks, their one canonical form, and their keyed pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from vru_referrals.domain.check_digits import (
    UPN_LETTERS,
    nhs_number_check_digit,
    pnc_check_character,
    upn_check_letter,
)
from vru_referrals.domain.capitals import capitals
from vru_referrals.domain.errors import InvalidIdentifier


class IdentifierType(StrEnum):
    NHS_NUMBER = "nhs_number"
    PNC_ID = "pnc_id"
    UPN = "upn"
    LOCAL = "local"


# Patterns use explicit ASCII classes: `\d` would also take other scripts' digits, and one
# person written two ways must not get two pseudonyms.
def _nhs_number(value: str) -> str:
    digits = re.sub(r"[ \t-]", "", value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise InvalidIdentifier("an NHS number has 10 digits")
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidIdentifier("the NHS number's check digit is wrong")
    return digits


def _pnc_id(value: str) -> str:
    text = capitals(re.sub(r"[ \t]", "", value))
    match = re.fullmatch(r"([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])", text)
    if not match:
        raise InvalidIdentifier("a PNC ID looks like YY/NNNNNNNC: year, serial of up to 7 digits, check character")
    year, serial, check = match.groups()
    expected = pnc_check_character(year, serial)
    if check != expected:
        raise InvalidIdentifier(f"the PNC ID's check character is wrong: {year}/{serial} needs {expected}")
    # Two-digit year and seven-digit serial: "2009/1M" and "09/0000001M" are one ID.
    return f"{year[-2:]}/{serial.zfill(7)}{check}"


def _upn(value: str) -> str:
    text = capitals(re.sub(r"[ \t]", "", value))
    if not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", text):
        raise InvalidIdentifier("a UPN has a check letter, 11 digits and a final digit or letter")
    if text[0] not in UPN_LETTERS or text[12] not in "0123456789" + UPN_LETTERS:
        raise InvalidIdentifier("a UPN's letters are never I, O or S")
    expected = upn_check_letter(text[1:])
    if text[0] != expected:
        raise InvalidIdentifier(f"the UPN's check letter is wrong: it should be {expected}")
    return text


def _local(value: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= 64:
        raise InvalidIdentifier("a local id has 1 to 64 characters")
    return text


_NORMALISERS = {
    IdentifierType.NHS_NUMBER: _nhs_number,
    IdentifierType.PNC_ID: _pnc_id,
    IdentifierType.UPN: _upn,
    IdentifierType.LOCAL: _local,
}


def normalise(kind: IdentifierType, value: str) -> str:
    """The canonical form of an identifier, so one person always gets one pseudonym."""
    return _NORMALISERS[kind](value)


def normalise_issuer(issuer: str) -> str:
    return " ".join(issuer.split()).casefold()


@dataclass(frozen=True)
class Identifier:
    """An identifier as the referrer sent it, with its canonical form.

    A local id means something only to the organisation that issued it, so it carries its
    issuer: "12345" from a custody suite and "12345" from a school are different people.
    """

    type: IdentifierType
    value: str
    normalised: str
    issuer: str | None = None

    @classmethod
    def parse(cls, kind: IdentifierType, value: str, issuer: str | None = None) -> Identifier:
        kind = IdentifierType(kind)
        if kind is IdentifierType.LOCAL:
            if issuer is None or not issuer.strip():
                raise InvalidIdentifier("a local id needs its issuer: the organisation that assigned it",
                                        field="issuer")
            if len(issuer.strip()) > 200:
                raise InvalidIdentifier("an issuer has at most 200 characters", field="issuer")
            issuer = " ".join(issuer.split())
        elif issuer is not None:
            raise InvalidIdentifier(f"only a local id has an issuer; a {kind.value} is national", field="issuer")
        try:
            normalised = normalise(kind, value)
        except InvalidIdentifier as exc:
            raise InvalidIdentifier(exc.detail, field="value") from None
        return cls(type=kind, value=value, normalised=normalised, issuer=issuer)

    @property
    def linkage_key(self) -> str:
        """What two referrals of one person share: the canonical value, scoped by issuer for local ids."""
        if self.type is IdentifierType.LOCAL:
            return f"{normalise_issuer(self.issuer or '')}|{self.normalised}"
        return self.normalised


def pseudonym(key: bytes, kind: IdentifierType, normalised: str) -> str:
    """HMAC-SHA256 over the normalised identifier: stable for a key, meaningless without it."""
    return hmac.new(key, f"{kind.value}:{normalised}".encode(), hashlib.sha256).hexdigest()


def identifier_pseudonym(key: bytes, identifier: Identifier) -> str:
    return pseudonym(key, identifier.type, identifier.linkage_key)


def check_one_per_type(identifiers: tuple[Identifier, ...]) -> None:
    """At least one identifier, and one of each national type (a person has one NHS number)."""
    if not identifiers:
        raise InvalidIdentifier("a referral needs at least one identifier", field="identifiers")
    seen: dict[str, int] = {}
    for index, identifier in enumerate(identifiers):
        key = identifier.type.value if identifier.type is not IdentifierType.LOCAL else identifier.linkage_key
        if key in seen:
            what = f"{identifier.type.value}" if identifier.type is not IdentifierType.LOCAL else "local id"
            raise InvalidIdentifier(f"the {what} is given twice (identifiers {seen[key]} and {index})",
                                    field=f"identifiers/{index}")
        seen[key] = index
