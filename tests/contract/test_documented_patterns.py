"""Each pattern the document gives a field against the check the service runs on it: what the pattern
(read as Schemathesis reads it, by JSON Schema's rules) calls valid the check takes, and what it calls
invalid the check refuses. A pattern that drifted from its check would make the contract test fail by
luck; these fail at once.

The strings are drawn from an alphabet of the characters the checks treat specially: digits, letters,
the separators they remove, every whitespace character Python's split() knows (some of which JSON
Schema's \\s does not). It leaves out the few non-ASCII letters whose upper() is ASCII (ı, ſ, ligatures):
the checks upper-case before they match, so those pass them, which no sensible pattern says (see the
report of the change that added these tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.formats import FORMATS
from vru_outcomes.domain.catalogue import CATALOGUE, MetricKind
from vru_outcomes.domain.metric_query import InvalidQuery, parse_query
from vru_outcomes.domain.periods import parse_period
from vru_outcomes.entrypoints import metric_parameters
from vru_referrals.domain.check_digits import verhoeff_is_valid
from vru_referrals.domain.errors import InvalidReferral
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.people import Ethnicity, EthnicityCoding, normalise_email, normalise_phone, normalise_postcode
from vru_referrals.domain.source_details import check_snomed_concept_id, normalise_ods_site_code
from vru_referrals.entrypoints import documented
from vru_shared.idempotency_http import MalformedKey, parse_key
from vru_shared.openapi_conventions import IDEMPOTENCY_KEY_PATTERN
from vru_shared.request_fields import NON_BLANK

WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
ALPHABET = "0123456789" + "ABCDEGHIKLMNOPRSTUVWXYZ" + "abcdeghiklmnoprstuvwxyz" + " \t().-+/,@:\"\\'_" + WHITESPACE
TEXT = st.text(alphabet=ALPHABET, max_size=20)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def valid(pattern: str) -> Callable[[str], bool]:
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid


def accepts(check: Callable[[str], Any], *refusals: type[Exception]) -> Callable[[str], bool]:
    refused = refusals or (InvalidReferral,)

    def accepted(value: str) -> bool:
        try:
            check(value)
        except refused:
            return False
        return True

    return accepted


def drawn(pattern: str) -> st.SearchStrategy[str]:
    """Strings of the alphabet, and strings of the pattern itself (which random text seldom is)."""
    return st.one_of(TEXT, st.from_regex(pattern, fullmatch=True))


SHAPES = {
    "phone": (documented.PHONE, normalise_phone),
    "email": (documented.EMAIL, normalise_email),
    "postcode": (documented.POSTCODE, normalise_postcode),
    "ODS site code": (documented.ODS_SITE_CODE, normalise_ods_site_code),
}


@pytest.mark.parametrize("name", SHAPES)
@FUZZ
@given(data=st.data())
def test_a_contact_or_site_pattern_calls_valid_exactly_what_its_check_takes(name, data):
    pattern, check = SHAPES[name]
    value = data.draw(drawn(pattern))

    assert valid(pattern)(value) == accepts(check)(value), repr(value)


@FUZZ
@given(value=st.one_of(TEXT, st.text(max_size=5)))
def test_text_is_non_blank_to_the_document_exactly_when_the_services_tidy_it_to_something(value):
    assert valid(NON_BLANK)(value) == bool(" ".join(value.split()))


def _parse(kind: IdentifierType) -> Callable[[str], Identifier]:
    return lambda value: Identifier.parse(kind, value, "Example Academy" if kind is IdentifierType.LOCAL else None)


@pytest.mark.parametrize("kind", [IdentifierType.NHS_NUMBER, IdentifierType.PNC_ID, IdentifierType.UPN])
@FUZZ
@given(data=st.data())
def test_an_identifier_is_taken_when_its_pattern_and_check_digit_hold_and_only_then(kind, data):
    shape = documented.IDENTIFIER_SHAPES[kind.value]
    value = data.draw(st.one_of(drawn(shape["pattern"]), FORMATS[shape["format"]]))
    try:
        _parse(kind)(value)
        refusal = None
    except InvalidReferral as exc:
        refusal = exc.detail

    # Of a value of the right shape, only the check digit (the format's part) can be wrong.
    assert valid(shape["pattern"])(value) == (refusal is None or "is wrong" in refusal), (value, refusal)
    if data.draw(st.booleans()):  # a value of the format's generator is one the service takes
        generated = data.draw(FORMATS[shape["format"]])
        assert valid(shape["pattern"])(generated) and accepts(_parse(kind))(generated), repr(generated)


@FUZZ
@given(data=st.data())
def test_a_snomed_concept_id_is_taken_when_its_pattern_and_verhoeff_digit_hold_and_only_then(data):
    value = data.draw(st.one_of(drawn(documented.SNOMED_CONCEPT), FORMATS["snomed-ct-concept-id"]))
    shaped = valid(documented.SNOMED_CONCEPT)(value)

    assert accepts(check_snomed_concept_id)(value) == (shaped and verhoeff_is_valid(value.strip())), repr(value)


@FUZZ
@given(value=st.one_of(TEXT, st.from_regex(documented.nhs_ethnic_category(), fullmatch=True)))
def test_an_nhs_2001_ethnic_category_pattern_calls_valid_what_the_code_list_takes(value):
    accepted = accepts(lambda v: Ethnicity.from_code(EthnicityCoding.NHS_2001, v))(value)

    assert valid(documented.nhs_ethnic_category())(value) == accepted, repr(value)


@FUZZ
@given(value=st.one_of(st.text(alphabet=ALPHABET.replace(WHITESPACE, "\t "), max_size=12),
                       st.from_regex(IDEMPOTENCY_KEY_PATTERN, fullmatch=True)))
def test_an_idempotency_key_pattern_calls_valid_exactly_the_keys_the_services_read(value):
    # A server drops the spaces and tabs around a header's value before anything reads it.
    sent = value.strip(" \t")

    assert valid(IDEMPOTENCY_KEY_PATTERN)(sent) == accepts(lambda v: parse_key([v]), MalformedKey)(sent), repr(sent)


@FUZZ
@given(value=st.one_of(st.text(alphabet="0123456789-/ Q" + WHITESPACE[:6], max_size=12),
                       st.from_regex(metric_parameters.PERIOD, fullmatch=True)))
def test_a_period_pattern_calls_valid_exactly_the_periods_the_metrics_read(value):
    assert valid(metric_parameters.PERIOD)(value) == accepts(parse_period, ValueError)(value), repr(value)


BREAKDOWN = next(m for m in CATALOGUE.values() if m.kind is MetricKind.BREAKDOWN)


@FUZZ
@given(value=st.one_of(st.text(alphabet=" ,\tprogamesxiodnucr_", max_size=25),
                       st.from_regex(metric_parameters.GROUP_BY, fullmatch=True)))
def test_a_group_by_pattern_calls_valid_what_a_breakdown_metric_takes(value):
    def group(text: str) -> None:
        parse_query(BREAKDOWN, today=date(2026, 1, 1), group_by=text)

    assert valid(metric_parameters.GROUP_BY)(value) == accepts(group, InvalidQuery)(value), repr(value)


@pytest.mark.parametrize("name", metric_parameters.FILTERS)
@FUZZ
@given(data=st.data())
def test_a_filter_value_the_document_allows_is_one_the_metrics_take(name, data):
    pattern = metric_parameters.FILTERS[name][0]
    value = data.draw(st.from_regex(pattern, fullmatch=True))

    def query(v: str) -> None:
        parse_query(BREAKDOWN, today=date(2026, 1, 1), filters={name: [v]})

    assert re.fullmatch(pattern, value)
    assert accepts(query, InvalidQuery)(value), repr(value)
