"""The young person: postcodes, phone numbers, email addresses, ethnicity in 2021 and 2001 codings."""

from __future__ import annotations

import pytest

from vru_referrals.domain.errors import InvalidCode, InvalidReferral
from vru_referrals.domain.people import (
    Address,
    ContactDetails,
    Ethnicity,
    EthnicityCoding,
    ParentCarer,
    normalise_email,
    normalise_phone,
    normalise_postcode,
    postcode_district,
)

from tests.unit.referrals.referrals_support import young_person

ONS = EthnicityCoding.ONS_2021
NHS = EthnicityCoding.NHS_2001


# --- postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised", "district"),
    [
        ("SW1A 2AA", "SW1A 2AA", "SW1A"),  # AANA NAA
        ("sw1a2aa", "SW1A 2AA", "SW1A"),
        (" m1  1ae ", "M1 1AE", "M1"),  # AN NAA
        ("B338TH", "B33 8TH", "B33"),  # ANN NAA
        ("cr2 6xh", "CR2 6XH", "CR2"),  # AAN NAA
        ("DN551PT", "DN55 1PT", "DN55"),  # AANN NAA
        ("W1A 0AX", "W1A 0AX", "W1A"),  # ANA NAA
        ("EC1A1BB", "EC1A 1BB", "EC1A"),
        ("gir0aa", "GIR 0AA", "GIR"),
    ],
)
def test_a_uk_postcode_is_written_in_capitals_with_one_space_and_its_district_is_the_outward_code(
    written, normalised, district
):
    assert normalise_postcode(written) == normalised
    assert postcode_district(normalise_postcode(written)) == district


@pytest.mark.parametrize(
    "bad",
    ["", "SW1A", "SW1A 2A", "12345", "QW1A 2AA",  # Q never starts a postcode
     "SW1A 2CA",  # C is never a unit letter
     "SW1A-2AA", "SW1A 2AAA", "ZZ99 9ZZ9",
     "\u017fw1a 2aa",  # a long s, which upper() would make an S
     "sw1a 2a\ufb00"],  # the ligature ff
)
def test_something_that_is_not_a_uk_postcode_is_refused(bad):
    with pytest.raises(InvalidReferral, match="not a UK postcode"):
        normalise_postcode(bad)


def test_an_address_normalises_its_postcode_and_refuses_a_bad_one_at_its_place():
    assert Address.create(lines=["1 Example Street"], postcode="m11ae").postcode == "M1 1AE"
    with pytest.raises(InvalidReferral) as caught:
        Address.create(lines=["1 Example Street"], postcode="nope")
    assert caught.value.field == "young_person/contact/address/postcode"


def test_an_address_has_one_to_four_lines():
    with pytest.raises(InvalidReferral, match="1 to 4 lines"):
        Address.create(lines=[], postcode="M1 1AE")
    with pytest.raises(InvalidReferral, match="1 to 4 lines"):
        Address.create(lines=["a", "b", "c", "d", "e"], postcode="M1 1AE")


def test_the_young_persons_postcode_district_comes_from_their_address_and_is_none_without_one():
    assert young_person().postcode_district == "SW1A"
    assert young_person(contact=ContactDetails(phone="+447700900123")).postcode_district is None


# --- phone and email -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [("07700 900123", "+447700900123"), ("07700-900-123", "+447700900123"), ("(020) 7946 0000", "+442079460000"),
     ("+44 7700 900123", "+447700900123"), ("+353 1 234 5678", "+35312345678")],
)
def test_a_phone_number_is_kept_in_international_form(written, normalised):
    assert normalise_phone(written) == normalised


@pytest.mark.parametrize("bad", ["12345", "0044", "07700 9001", "+44 0700 900123", "phone me", "+0 123 456 789"])
def test_something_that_is_not_a_phone_number_is_refused(bad):
    with pytest.raises(InvalidReferral, match="not a phone number"):
        normalise_phone(bad)


def test_an_email_address_keeps_its_local_part_and_lowers_its_domain():
    assert normalise_email(" Alex.Example@Example.ORG ") == "Alex.Example@example.org"


@pytest.mark.parametrize("bad", ["alex", "alex@", "@example.org", "alex@example", "a b@example.org"])
def test_something_that_is_not_an_email_address_is_refused(bad):
    with pytest.raises(InvalidReferral, match="not an email address"):
        normalise_email(bad)


def test_the_provider_needs_some_way_to_contact_the_young_person():
    with pytest.raises(InvalidReferral, match="phone number, an email address or an address") as caught:
        ContactDetails(parent_carer=ParentCarer(name="Sam Example", phone="+447700900456"))
    assert caught.value.field == "young_person/contact"


def test_a_parent_or_carer_needs_a_phone_number_or_an_email_address():
    with pytest.raises(InvalidReferral, match="parent or carer"):
        ParentCarer(name="Sam Example")


def test_names_are_tidied_and_an_empty_name_is_refused():
    assert young_person(given_name="  Alex   Jo ").given_name == "Alex Jo"
    with pytest.raises(InvalidReferral, match="family_name is empty"):
        young_person(family_name="   ")


# --- ethnicity -------------------------------------------------------------------------------

ONS_2021 = {
    "white_british": "white", "white_irish": "white", "white_gypsy_or_irish_traveller": "white",
    "white_roma": "white", "white_other": "white",
    "mixed_white_black_caribbean": "mixed", "mixed_white_black_african": "mixed", "mixed_white_asian": "mixed",
    "mixed_other": "mixed",
    "asian_indian": "asian", "asian_pakistani": "asian", "asian_bangladeshi": "asian", "asian_chinese": "asian",
    "asian_other": "asian",
    "black_african": "black", "black_caribbean": "black", "black_other": "black",
    "other_arab": "other", "other_any": "other",
}


@pytest.mark.parametrize(("code", "group"), sorted(ONS_2021.items()))
def test_each_of_the_19_ons_2021_categories_is_accepted_in_its_group(code, group):
    ethnicity = Ethnicity.from_code(ONS, code)
    assert (ethnicity.coding, ethnicity.code_given, ethnicity.category, ethnicity.group) == (ONS, code, code, group)


def test_there_are_exactly_19_ons_2021_categories_and_not_stated():
    assert len(ONS_2021) == 19
    stated = Ethnicity.from_code(ONS, "not_stated")
    assert (stated.category, stated.group) == (None, "not_stated")


# The NHS Data Dictionary's 2001 letters, and the 2021 category and group each maps to.
NHS_2001 = [
    ("A", "white_british", "white"),
    ("B", "white_irish", "white"),
    ("C", "white_other", "white"),
    ("D", "mixed_white_black_caribbean", "mixed"),
    ("E", "mixed_white_black_african", "mixed"),
    ("F", "mixed_white_asian", "mixed"),
    ("G", "mixed_other", "mixed"),
    ("H", "asian_indian", "asian"),
    ("J", "asian_pakistani", "asian"),
    ("K", "asian_bangladeshi", "asian"),
    ("L", "asian_other", "asian"),
    ("M", "black_caribbean", "black"),
    ("N", "black_african", "black"),
    ("P", "black_other", "black"),
    ("R", "asian_chinese", "asian"),  # 2001 put Chinese under Other; 2021 under Asian
    ("S", "other_any", "other"),
    ("Z", None, "not_stated"),
]


@pytest.mark.parametrize(("letter", "category", "group"), NHS_2001)
def test_each_nhs_2001_letter_maps_to_a_2021_category_and_group(letter, category, group):
    ethnicity = Ethnicity.from_code(NHS, letter)
    assert (ethnicity.coding, ethnicity.code_given, ethnicity.category, ethnicity.group) == (
        NHS, letter, category, group)


def test_every_nhs_2001_letter_is_mapped_and_no_other():
    from vru_referrals.domain.code_lists import catalogue

    assert catalogue()["nhs_ethnic_categories_2001"].current.codes == tuple(letter for letter, _, _ in NHS_2001)


def test_the_2001_letters_whose_category_was_split_in_2021_say_the_mapping_is_not_exact():
    from vru_referrals.domain.code_lists import catalogue

    letters = catalogue()["nhs_ethnic_categories_2001"].current
    inexact = [e.code for e in letters.entries if not e.attributes["exact"]]
    assert inexact == ["C", "S"]


def test_an_nhs_letter_in_lower_case_is_read_as_the_capital():
    assert Ethnicity.from_code(NHS, "h").code_given == "H"


@pytest.mark.parametrize(("coding", "code"), [(NHS, "I"), (NHS, "O"), (NHS, "Q"), (NHS, "white_british"),
                                              (ONS, "A"), (ONS, "white"), (ONS, "british")])
def test_a_code_outside_its_coding_is_refused_and_says_where_the_codes_are(coding, code):
    with pytest.raises(InvalidCode, match="/v1/code-lists/") as caught:
        Ethnicity.from_code(coding, code)
    assert caught.value.field == "young_person/ethnicity/code"


def test_ethnicity_not_given_differs_from_ethnicity_stated_as_not_stated():
    given = Ethnicity.from_code(ONS, "not_stated")
    missing = Ethnicity.not_given()
    assert given.group == missing.group == "not_stated"
    assert (given.coding, missing.coding) == (ONS, None)


@pytest.mark.parametrize("code", ["\u017f", "\u0131"])  # long s and dotless i: "S" and "I" in capitals
def test_a_2001_ethnic_category_is_an_ascii_letter_not_one_that_becomes_it_in_capitals(code):
    with pytest.raises(InvalidCode):
        Ethnicity.from_code(EthnicityCoding.NHS_2001, code)
