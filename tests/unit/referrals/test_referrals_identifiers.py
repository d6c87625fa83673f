"""Identifiers and their check digits: NHS number, PNC ID, UPN, local ids; pseudonyms of identifiers."""

from __future__ import annotations

import pytest

from vru_referrals.domain.check_digits import nhs_number_check_digit, pnc_check_character, upn_check_letter
from vru_referrals.domain.errors import InvalidIdentifier
from vru_referrals.domain.identifiers import (
    Identifier,
    IdentifierType,
    check_one_per_type,
    identifier_pseudonym,
    normalise,
)

from tests.unit.referrals.referrals_support import KEY

PNC = IdentifierType.PNC_ID
UPN = IdentifierType.UPN


# --- NHS number ------------------------------------------------------------------------------


def test_the_nhs_check_digit_is_eleven_minus_the_weighted_sum_modulo_eleven():
    # 943476591: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 % 11 = 2; 11 - 2 = 9.
    assert nhs_number_check_digit("943476591") == 9
    # 999000000: 243 % 11 = 1, so the check digit would be 10: no valid NHS number starts so.
    assert nhs_number_check_digit("999000000") is None
    # 999000005: 253 % 11 = 0, so 11 - 0 = 11, written 0.
    assert nhs_number_check_digit("999000005") == 0


# --- PNC ID ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "serial", "check"),
    [
        # int("12" + "1234567") = 121234567; 121234567 % 23 = 3; "ZABCDEFGHJKLMNPQRTUVWXY"[3] = C
        ("12", "1234567", "C"),
        # int("09" + "0000001") = 90000001; % 23 = 12 -> M
        ("09", "1", "M"),
        # int("24" + "0123456") = 240123456; % 23 = 6 -> F
        ("24", "123456", "F"),
        # the four-digit year counts by its last two digits
        ("2024", "123456", "F"),
    ],
)
def test_the_pnc_check_character_is_year_and_padded_serial_modulo_23_as_a_letter(year, serial, check):
    assert pnc_check_character(year, serial) == check


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("12/1234567C", "12/1234567C"),
        ("12/1234567c", "12/1234567C"),
        (" 09 / 1M ", "09/0000001M"),
        ("2009/0000001M", "09/0000001M"),
        ("24/123456F", "24/0123456F"),
        ("2024/123456F", "24/0123456F"),
    ],
)
def test_a_pnc_id_is_written_one_way_two_digit_year_seven_digit_serial(written, canonical):
    assert normalise(PNC, written) == canonical


@pytest.mark.parametrize("wrong", ["12/1234567D", "09/1A", "24/0123456Z"])
def test_a_pnc_id_with_a_wrong_check_character_is_refused_with_the_right_one(wrong):
    with pytest.raises(InvalidIdentifier, match="check character is wrong"):
        normalise(PNC, wrong)


def test_the_refusal_of_a_wrong_pnc_check_character_names_the_right_one():
    with pytest.raises(InvalidIdentifier, match="12/1234567 needs C"):
        normalise(PNC, "12/1234567D")


@pytest.mark.parametrize("bad", ["24-123456F", "24/123456", "2/123456F", "20245/1F", "24/12345678F", "AB/123C"])
def test_a_pnc_id_of_another_shape_is_refused(bad):
    with pytest.raises(InvalidIdentifier, match="PNC ID looks like"):
        normalise(PNC, bad)


# --- UPN -------------------------------------------------------------------------------------


def test_the_upn_check_letter_weights_characters_2_to_13_from_2_to_13():
    # 2 0 1 3 0 0 1 2 4 0 0 1 weighted 2..13: 4+0+4+15+0+0+8+18+40+0+0+13 = 102; 102 % 23 = 10 -> L
    assert upn_check_letter("201300124001") == "L"
    # 1..9,0,1,2 weighted 2..13: 2+6+12+20+30+42+56+72+90+0+12+26 = 368; 368 % 23 = 0 -> A
    assert upn_check_letter("123456789012") == "A"
    # A temporary UPN ends in a letter, counted by its place: A = 0, so 102 - 13*1 = 89; 89 % 23 = 20 -> X
    assert upn_check_letter("20130012400A") == "X"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("L201300124001", "L201300124001"), ("l 2013 0012 4001", "L201300124001"), ("A123456789012", "A123456789012"),
     ("x20130012400a", "X20130012400A")],
)
def test_a_upn_with_its_check_letter_is_accepted_in_capitals_without_spaces(written, canonical):
    assert normalise(UPN, written) == canonical


@pytest.mark.parametrize("wrong", ["M201300124001", "B123456789012", "Y20130012400A"])
def test_a_upn_with_a_wrong_check_letter_is_refused(wrong):
    with pytest.raises(InvalidIdentifier, match="check letter is wrong"):
        normalise(UPN, wrong)


@pytest.mark.parametrize("bad", ["1123456789012", "A12345678901", "A1234567890123", "AB2345678901C", "A1234567890-2"])
def test_a_upn_of_another_shape_is_refused(bad):
    with pytest.raises(InvalidIdentifier, match="UPN has a check letter"):
        normalise(UPN, bad)


@pytest.mark.parametrize("bad", ["I201300124001", "A12345678901O", "S123456789012"])
def test_a_upn_never_uses_the_letters_i_o_or_s(bad):
    with pytest.raises(InvalidIdentifier, match="never I, O or S"):
        normalise(UPN, bad)


# --- local ids and the identifier list -------------------------------------------------------


def test_a_local_id_needs_the_organisation_that_issued_it():
    with pytest.raises(InvalidIdentifier, match="issuer") as caught:
        Identifier.parse(IdentifierType.LOCAL, "12345")
    assert caught.value.field == "issuer"


def test_a_national_identifier_has_no_issuer():
    with pytest.raises(InvalidIdentifier, match="only a local id has an issuer"):
        Identifier.parse(IdentifierType.NHS_NUMBER, "9434765919", issuer="Example Trust")


def test_the_same_local_id_from_two_organisations_is_two_people():
    custody = Identifier.parse(IdentifierType.LOCAL, "12345", issuer="Example Custody Suite")
    school = Identifier.parse(IdentifierType.LOCAL, "12345", issuer="Example Academy")
    assert identifier_pseudonym(KEY, custody) != identifier_pseudonym(KEY, school)


def test_an_issuer_written_with_other_spacing_or_case_is_the_same_issuer():
    one = Identifier.parse(IdentifierType.LOCAL, "12345", issuer="Example  Custody Suite")
    two = Identifier.parse(IdentifierType.LOCAL, " 12345 ", issuer="example custody suite")
    assert identifier_pseudonym(KEY, one) == identifier_pseudonym(KEY, two)


def test_an_identifier_keeps_what_the_referrer_sent_beside_its_canonical_form():
    identifier = Identifier.parse(IdentifierType.NHS_NUMBER, "943 476 5919")
    assert (identifier.value, identifier.normalised) == ("943 476 5919", "9434765919")


def test_the_pseudonym_of_an_identifier_is_over_its_canonical_form():
    spaced = Identifier.parse(IdentifierType.PNC_ID, "2009/1M")
    bare = Identifier.parse(IdentifierType.PNC_ID, "09/0000001M")
    assert identifier_pseudonym(KEY, spaced) == identifier_pseudonym(KEY, bare)


def test_two_nhs_numbers_for_one_referral_are_refused():
    identifiers = (Identifier.parse(IdentifierType.NHS_NUMBER, "9434765919"),
                   Identifier.parse(IdentifierType.NHS_NUMBER, "9990000018"))
    with pytest.raises(InvalidIdentifier, match="given twice") as caught:
        check_one_per_type(identifiers)
    assert caught.value.field == "identifiers/1"


def test_local_ids_from_two_organisations_may_come_together():
    check_one_per_type((Identifier.parse(IdentifierType.LOCAL, "1", issuer="Example Custody Suite"),
                        Identifier.parse(IdentifierType.LOCAL, "1", issuer="Example Academy")))


def test_a_referral_needs_at_least_one_identifier():
    with pytest.raises(InvalidIdentifier, match="at least one identifier"):
        check_one_per_type(())
