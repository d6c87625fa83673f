"""What each source says about the reachable moment, and how it must agree with the referral."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vru_referrals.domain.check_digits import verhoeff_check_digit, verhoeff_is_valid
from vru_referrals.domain.errors import InvalidCode, InvalidReferral
from vru_referrals.domain.source_details import (
    CommunityDetails,
    CustodyDetails,
    EmergencyDepartmentDetails,
    PrisonDetails,
    ProbationDetails,
    SchoolDetails,
    SelfReferralDetails,
    YouthJusticeDetails,
    check_snomed_concept_id,
)

ASSAULT = datetime(2026, 3, 9, 22, 15, tzinfo=UTC)


def _ed(**overrides):
    values = dict(site_code="RXX01", arrived_at=ASSAULT + timedelta(minutes=35), assault_at=ASSAULT,
                  assault_method="knife_or_sharp_object", assault_location_type="street_or_public_place")
    values.update(overrides)
    return EmergencyDepartmentDetails.create(**values)


# --- SNOMED CT concept ids -------------------------------------------------------------------


def test_the_verhoeff_check_digit_of_236_is_3():
    # The textbook example. Reading 236 from the right with positions 1, 2, 3:
    # c = d[0][p[1][6]] = d[0][3] = 3; c = d[3][p[2][3]] = d[3][3] = 1; c = d[1][p[3][2]] = d[1][1] = 2;
    # the check digit is inv[2] = 3, and 2363 then checks to 0.
    assert verhoeff_check_digit("236") == "3"
    assert verhoeff_is_valid("2363")
    assert not verhoeff_is_valid("2364")


def test_the_verhoeff_check_digit_of_a_hand_built_concept_id():
    # Item 1000, partition 00: 10000 from the right with positions 1..5:
    # d[0][p1[0]=1]=1; d[1][p2[0]=5]=6; d[6][p3[0]=8]=3; d[3][p4[0]=9]=7; d[7][p5[1]=2]=5; inv[5] = 5.
    assert verhoeff_check_digit("10000") == "5"
    assert check_snomed_concept_id("100005") == "100005"


@pytest.mark.parametrize(
    "concept",
    [
        "138875005",  # SNOMED CT Concept (the root)
        "404684003",  # Clinical finding
        "71388002",  # Procedure
        "272379006",  # Event
        "22298006",  # Myocardial infarction
        "900000000000207008",  # SNOMED CT core module: 18 digits
    ],
)
def test_published_snomed_ct_concept_ids_are_accepted(concept):
    assert check_snomed_concept_id(f" {concept} ") == concept


@pytest.mark.parametrize("wrong", ["138875006", "404684004", "71388003", "100004"])
def test_a_concept_id_with_a_wrong_check_digit_is_refused(wrong):
    with pytest.raises(InvalidReferral, match="Verhoeff check digit is wrong"):
        check_snomed_concept_id(wrong)


def test_a_transposition_of_two_digits_is_caught():
    with pytest.raises(InvalidReferral, match="Verhoeff"):
        check_snomed_concept_id("138857005")


@pytest.mark.parametrize(
    ("identifier", "partition"),
    [("1487430010", "01"),  # a description id: checks, but is no concept
     ("1219039017", "01")],
)
def test_an_id_of_another_component_is_not_a_concept(identifier, partition):
    assert verhoeff_is_valid(identifier)
    with pytest.raises(InvalidReferral, match=f"partition identifier is {partition}"):
        check_snomed_concept_id(identifier)


@pytest.mark.parametrize("bad", ["12345", "1234567890123456789", "012345005", "13887500x", ""])
def test_a_snomed_ct_identifier_has_6_to_18_digits_and_no_leading_zero(bad):
    with pytest.raises(InvalidReferral, match="6 to 18 digits"):
        check_snomed_concept_id(bad)


# --- emergency department --------------------------------------------------------------------


def test_emergency_department_details_keep_their_snomed_codes_and_normalised_site_code():
    details = _ed(site_code=" rxx01 ", injury_intent="22298006", injury_mechanism="71388002")
    assert (details.site_code, details.injury_intent, details.injury_mechanism) == ("RXX01", "22298006", "71388002")


def test_a_bad_injury_code_is_refused_at_its_field():
    with pytest.raises(InvalidReferral) as caught:
        _ed(injury_mechanism="71388003")
    assert caught.value.field == "source_details/injury_mechanism"


@pytest.mark.parametrize("bad", ["RXX0", "RXX012", "1XX01", "RX-01"])
def test_an_ods_site_code_has_five_letters_or_digits_starting_with_a_letter(bad):
    with pytest.raises(InvalidReferral, match="ODS site code") as caught:
        _ed(site_code=bad)
    assert caught.value.field == "source_details/site_code"


@pytest.mark.parametrize(("field", "code"), [("assault_method", "gun"), ("assault_location_type", "park")])
def test_assault_method_and_location_type_come_from_their_lists(field, code):
    with pytest.raises(InvalidCode) as caught:
        _ed(**{field: code})
    assert caught.value.field == f"source_details/{field}"


def test_arrival_before_the_assault_is_refused():
    with pytest.raises(InvalidReferral, match="arrived_at is before assault_at"):
        _ed(arrived_at=ASSAULT - timedelta(minutes=1))


def test_the_assault_is_the_index_event_of_an_emergency_department_referral():
    details = _ed()
    details.check_against(index_event_at=ASSAULT, referred_at=ASSAULT + timedelta(hours=2))
    with pytest.raises(InvalidReferral, match="assault_at must equal index_event_at"):
        details.check_against(index_event_at=ASSAULT + timedelta(minutes=5), referred_at=ASSAULT + timedelta(hours=2))


def test_an_emergency_department_referral_is_made_after_the_arrival():
    with pytest.raises(InvalidReferral, match="arrived_at is after referred_at"):
        _ed().check_against(index_event_at=ASSAULT, referred_at=ASSAULT + timedelta(minutes=10))


# --- custody ---------------------------------------------------------------------------------


def test_the_arrest_is_the_index_event_of_a_custody_referral_even_written_in_another_time_zone():
    from zoneinfo import ZoneInfo

    details = CustodyDetails.create(custody_suite="Example Custody Suite", arrested_at=ASSAULT,
                                    offence_category="robbery")
    details.check_against(index_event_at=ASSAULT.astimezone(ZoneInfo("Europe/London")),
                          referred_at=ASSAULT + timedelta(hours=3))
    with pytest.raises(InvalidReferral, match="arrested_at must equal index_event_at") as caught:
        details.check_against(index_event_at=ASSAULT - timedelta(hours=1), referred_at=ASSAULT + timedelta(hours=3))
    assert caught.value.field == "source_details/arrested_at"


def test_a_custody_suite_is_named_and_the_offence_category_is_a_home_office_group():
    with pytest.raises(InvalidReferral, match="custody_suite is empty"):
        CustodyDetails.create(custody_suite="  ", arrested_at=ASSAULT, offence_category="robbery")
    with pytest.raises(InvalidCode, match="offence_categories"):
        CustodyDetails.create(custody_suite="Example", arrested_at=ASSAULT, offence_category="burglary")


def test_an_arrest_time_without_a_time_zone_is_refused():
    with pytest.raises(InvalidReferral, match="time zone"):
        CustodyDetails.create(custody_suite="Example", arrested_at=ASSAULT.replace(tzinfo=None),
                              offence_category="robbery")


# --- school and the others -------------------------------------------------------------------


@pytest.mark.parametrize("urn", ["12345", "1234567", "12345a"])
def test_a_school_urn_has_exactly_six_digits(urn):
    with pytest.raises(InvalidReferral, match="6 digits"):
        SchoolDetails.create(school_urn=urn, exclusion_type="suspension", exclusion_reasons=["PP"],
                             excluded_on=ASSAULT.date())


def test_an_exclusion_type_comes_from_its_list():
    with pytest.raises(InvalidCode, match="exclusion_types"):
        SchoolDetails.create(school_urn="100000", exclusion_type="expulsion", exclusion_reasons=["PP"],
                             excluded_on=ASSAULT.date())


def test_the_other_sources_name_who_referred_and_tidy_the_name():
    assert CommunityDetails.create(organisation=" Example  Youth Club ").organisation == "Example Youth Club"
    assert YouthJusticeDetails.create(youth_justice_service="Example YJS").youth_justice_service == "Example YJS"
    assert ProbationDetails.create(probation_delivery_unit="Example PDU").probation_delivery_unit == "Example PDU"
    with pytest.raises(InvalidReferral, match="organisation is empty"):
        CommunityDetails.create(organisation=" ")
    with pytest.raises(InvalidReferral, match="more than 200"):
        YouthJusticeDetails.create(youth_justice_service="x" * 201)


def test_a_prison_is_named_by_its_three_letter_establishment_code():
    assert PrisonDetails.create(establishment_code="mdi").establishment_code == "MDI"
    with pytest.raises(InvalidReferral, match="three letters") as caught:
        PrisonDetails.create(establishment_code="MD1")
    assert caught.value.field == "source_details/establishment_code"


def test_a_self_referral_says_how_it_came():
    assert SelfReferralDetails.create(channel="online").channel == "online"
    with pytest.raises(InvalidCode, match="self_referral_channels"):
        SelfReferralDetails.create(channel="carrier_pigeon")


def test_erased_details_keep_their_coded_facts_and_lose_where_and_when():
    at = datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    custody = CustodyDetails(custody_suite="Example Central", arrested_at=at, offence_category="robbery")
    assert custody.erased() == CustodyDetails(custody_suite=None, arrested_at=None, offence_category="robbery")
    department = EmergencyDepartmentDetails(site_code="RXX01", arrived_at=at, assault_at=at, assault_method="knife",
                                            assault_location_type="street", injury_intent=None, injury_mechanism=None)
    assert department.erased() == EmergencyDepartmentDetails(
        site_code=None, arrived_at=None, assault_at=None, assault_method="knife", assault_location_type="street")
    school = SchoolDetails(school_urn="100000", exclusion_type="permanent", exclusion_reasons=("PA",),
                           code_list_version="2023")
    assert (school.erased().school_urn, school.erased().exclusion_reasons) == (None, ("PA",))
    named = [CommunityDetails(organisation="Example Boxing Club"),
             YouthJusticeDetails(youth_justice_service="Exampleshire YJS"),
             ProbationDetails(probation_delivery_unit="Example PDU"), PrisonDetails(establishment_code="MDI")]
    assert all(set(vars(d.erased()).values()) == {None} for d in named)
    assert SelfReferralDetails(channel="website").erased() == SelfReferralDetails(channel="website")
