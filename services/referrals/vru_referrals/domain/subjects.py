"""The young person behind a referral: identifier checks, the keyed pseudonym and age bands."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from enum import StrEnum


class IdentifierType(StrEnum):
    NHS_NUMBER = "nhs_number"
    PNC_ID = "pnc_id"
    UPN = "upn"
    LOCAL = "local"


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check digit."""


def _nhs_number(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise InvalidIdentifier("an NHS number has 10 digits")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise InvalidIdentifier("the NHS number's check digit is wrong")
    return digits


def _pnc_id(value: str) -> str:
    text = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[0-9]{2,4}/[0-9]{1,7}[A-Z]", text):
        raise InvalidIdentifier("a PNC ID looks like YY/NNNNNNNA")
    return text


def _upn(value: str) -> str:
    text = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", text):
        raise InvalidIdentifier("a UPN has a check letter, 11 digits and a final digit or letter")
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


def pseudonym(key: bytes, kind: IdentifierType, normalised: str) -> str:
    """HMAC-SHA256 over the normalised identifier: stable for a key, meaningless without it."""
    return hmac.new(key, f"{kind.value}:{normalised}".encode(), hashlib.sha256).hexdigest()


AGE_BANDS = ((0, 9, "under 10"), (10, 14, "10-14"), (15, 17, "15-17"), (18, 20, "18-20"), (21, 24, "21-24"))


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def age_band(date_of_birth: date, day: date) -> str:
    age = age_on(date_of_birth, day)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "25 and over"
