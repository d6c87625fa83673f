"""Generators for the formats the document names beyond JSON Schema's: values whose validity rests on a
check digit, which no pattern can state. Schemathesis draws these formats from here (a format it has no
generator for is only an annotation), each value also matching the pattern beside it in the document."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from vru_referrals.domain.check_digits import (
    PNC_CHECK_CHARACTERS,
    UPN_LETTERS,
    nhs_number_check_digit,
    upn_check_letter,
    verhoeff_check_digit,
)

_DIGIT = st.sampled_from("0123456789")


def _digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.lists(_DIGIT, min_size=low, max_size=high).map("".join)


def _nhs_number() -> st.SearchStrategy[str]:
    first_nine = _digits(9, 9).filter(lambda d: nhs_number_check_digit(d) is not None)
    number = first_nine.map(lambda d: d + str(nhs_number_check_digit(d)))
    # As written on letters ("943 476 5919") or run together.
    return st.one_of(number, number.map(lambda n: f"{n[:3]} {n[3:6]} {n[6:]}"))


def _pnc_id() -> st.SearchStrategy[str]:
    def written(year: str, serial: str) -> str:
        return f"{year}/{serial}{PNC_CHECK_CHARACTERS[int(year[-2:] + serial.zfill(7)) % 23]}"

    return st.builds(written, st.one_of(_digits(2, 2), _digits(4, 4)), _digits(1, 7))


def _upn() -> st.SearchStrategy[str]:
    rest = st.builds(lambda digits, last: digits + last, _digits(11, 11), st.sampled_from("0123456789" + UPN_LETTERS))
    return rest.map(lambda r: upn_check_letter(r) + r)


def _snomed_concept_id() -> st.SearchStrategy[str]:
    body = st.builds(lambda first, middle, partition: first + middle + partition,
                     st.sampled_from("123456789"), _digits(2, 14), st.sampled_from(["00", "10"]))
    return body.map(lambda b: b + verhoeff_check_digit(b))


FORMATS = {
    "nhs-number": _nhs_number(),
    "pnc-id": _pnc_id(),
    "upn": _upn(),
    "snomed-ct-concept-id": _snomed_concept_id(),
}


def register() -> None:
    for name, strategy in FORMATS.items():
        schemathesis.openapi.format(name, strategy)
