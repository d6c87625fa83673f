"""Code lists held as data: versions chosen by date, every coded field covered, enums and lists agreeing."""

from __future__ import annotations

from datetime import date

import pytest

from vru_referrals.domain.code_lists import catalogue, parse
from vru_referrals.domain.errors import InvalidCode, InvalidReferral
from vru_referrals.domain.identifiers import IdentifierType
from vru_referrals.domain.model import LawfulBasis, ReferralStatus
from vru_referrals.domain.people import Sex
from vru_referrals.domain.source_details import ReferralSource, SchoolDetails
from vru_referrals.domain.uk_calendar import academic_year_of, academic_year_start, uk_date
from vru_shared.contracts.referrals import LawfulBasis as ContractLawfulBasis
from vru_shared.contracts.referrals import ReferralSource as ContractSource
from vru_shared.contracts.referrals import Sex as ContractSex

PRE_2020 = ["PA", "PP", "VP", "VA", "BU", "RA", "SM", "DA", "DM", "TH", "PD", "OT"]


def test_every_coded_field_has_its_list():
    assert set(catalogue()) == {
        "referral_sources", "referral_statuses", "identifier_types", "sexes", "ethnicities", "ethnicity_groups",
        "nhs_ethnic_categories_2001", "risk_factors", "lawful_bases", "offence_categories", "assault_methods",
        "assault_location_types", "exclusion_types", "dfe_exclusion_reasons", "self_referral_channels",
        "decline_reasons", "withdrawal_reasons", "closure_reasons",
    }


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("referral_sources", [s.value for s in ReferralSource]),
        ("referral_statuses", [s.value for s in ReferralStatus]),
        ("identifier_types", [t.value for t in IdentifierType]),
        ("sexes", [s.value for s in Sex]),
        ("lawful_bases", [b.value for b in LawfulBasis]),
    ],
)
def test_the_lists_of_values_the_code_relies_on_match_the_code(name, values):
    assert set(catalogue()[name].current.codes) == set(values)


def test_the_sources_sexes_and_lawful_bases_match_the_published_contract():
    assert set(catalogue()["referral_sources"].current.codes) == set(ContractSource.__args__)
    assert set(catalogue()["sexes"].current.codes) == set(ContractSex.__args__)
    assert set(catalogue()["lawful_bases"].current.codes) == set(ContractLawfulBasis.__args__)


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("risk_factors", ["weapon_carrying", "criminal_exploitation", "county_lines", "gang_association",
                          "domestic_abuse", "send", "substance_misuse", "mental_health", "missing_episodes",
                          "school_exclusion", "victim_of_violence", "bereavement", "care_experienced", "other"]),
        ("offence_categories", ["violence_against_the_person", "robbery", "possession_of_weapons", "drug_offences",
                                "public_order_offences", "theft_offences", "criminal_damage_and_arson",
                                "sexual_offences", "miscellaneous_crimes_against_society", "other"]),
        ("assault_methods", ["knife_or_sharp_object", "blunt_object", "body_part", "firearm", "other"]),
        ("assault_location_types", ["home", "street_or_public_place", "pub_or_club", "school_or_college",
                                    "workplace", "public_transport", "other"]),
        ("exclusion_types", ["suspension", "permanent_exclusion", "managed_move", "at_risk_of_exclusion"]),
        ("decline_reasons", ["not_eligible", "no_capacity", "declined_by_young_person", "unable_to_contact",
                             "already_supported", "risk_too_high", "other"]),
        ("withdrawal_reasons", ["young_person_declined", "moved_away", "entered_custody", "referred_elsewhere",
                                "no_longer_needed", "other"]),
        ("closure_reasons", ["no_engagement", "unable_to_contact", "other", "enrolment_ended"]),
        ("ethnicity_groups", ["white", "mixed", "asian", "black", "other", "not_stated"]),
    ],
)
def test_each_list_holds_its_codes(name, codes):
    assert list(catalogue()[name].current.codes) == codes


def test_every_entry_of_every_list_has_a_label():
    for name in catalogue():
        for version in catalogue()[name].versions:
            assert version.entries, name
            assert all(e.label.strip() for e in version.entries), name


def test_the_dfe_reasons_list_holds_the_pre_2020_codes_and_the_current_ones_with_the_year_each_applies_from():
    reasons = catalogue()["dfe_exclusion_reasons"]
    assert reasons.versioned
    old, current = reasons.versions
    assert (old.version, old.valid_from_academic_year) == ("2006-07", "2006/07")
    assert sorted(old.codes) == sorted(PRE_2020)
    assert old.get("PP").label == "Physical assault against a pupil"
    assert old.get("PA").label == "Physical assault against an adult"
    assert (current.version, current.valid_from_academic_year) == ("2020-21", "2020/21")
    assert {"OW", "LG", "DS", "MT", "PH"} <= set(current.codes)
    assert "OT" not in current.codes
    assert reasons.current is current


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (date(2019, 7, 15), "2006-07"),
        (date(2020, 8, 31), "2006-07"),  # the last day of 2019/20
        (date(2020, 9, 1), "2020-21"),  # the first day of 2020/21
        (date(2024, 1, 10), "2020-21"),
    ],
)
def test_the_version_in_force_on_a_day_is_the_latest_whose_academic_year_has_begun(day, version):
    assert catalogue()["dfe_exclusion_reasons"].version_on(day).version == version


def test_a_day_before_any_version_applied_has_no_version():
    with pytest.raises(InvalidCode, match="no version of dfe_exclusion_reasons was in force in 2005/06"):
        catalogue()["dfe_exclusion_reasons"].version_on(date(2006, 3, 1))


def test_school_details_record_the_version_in_force_on_the_exclusion_date():
    old = SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["OT"],
                               excluded_on=date(2019, 11, 4))
    new = SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["OW", "pp"],
                               excluded_on=date(2023, 11, 6))
    assert (old.code_list_version, old.exclusion_reasons) == ("2006-07", ("OT",))
    assert (new.code_list_version, new.exclusion_reasons) == ("2020-21", ("OW", "PP"))


def test_a_reason_removed_from_the_current_list_is_refused_for_a_recent_exclusion():
    with pytest.raises(InvalidCode, match="'OT' is not a code of dfe_exclusion_reasons version 2020-21") as caught:
        SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["PP", "OT"],
                             excluded_on=date(2023, 11, 6))
    assert caught.value.field == "source_details/exclusion_reasons/1"


def test_a_reason_added_in_2020_is_refused_for_an_exclusion_before_then():
    with pytest.raises(InvalidCode, match="version 2006-07"):
        SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["OW"],
                             excluded_on=date(2020, 7, 1))


def test_an_explicit_version_is_used_and_recorded_instead_of_the_one_in_force():
    details = SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["OT"],
                                   excluded_on=date(2023, 11, 6), code_list_version="2006-07")
    assert details.code_list_version == "2006-07"


def test_an_unknown_explicit_version_is_refused_with_the_versions_there_are():
    with pytest.raises(InvalidCode, match="no version '2031-32'; its versions are 2006-07, 2020-21") as caught:
        SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["PP"],
                             excluded_on=date(2023, 11, 6), code_list_version="2031-32")
    assert caught.value.field == "source_details/code_list_version"


@pytest.mark.parametrize("reasons", [[], ["PP", "PA", "VP", "VA"]])
def test_an_exclusion_has_one_to_three_reasons(reasons):
    with pytest.raises(InvalidReferral, match="1 to 3 reasons"):
        SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=reasons,
                             excluded_on=date(2023, 11, 6))


def test_a_reason_given_twice_is_refused():
    with pytest.raises(InvalidReferral, match="PP is given twice"):
        SchoolDetails.create(school_urn="100000", exclusion_type="suspension", exclusion_reasons=["PP", "pp"],
                             excluded_on=date(2023, 11, 6))


@pytest.mark.parametrize(("day", "year"), [(date(2023, 8, 31), "2022/23"), (date(2023, 9, 1), "2023/24"),
                                          (date(2000, 1, 1), "1999/00"), (date(1999, 9, 1), "1999/00")])
def test_the_academic_year_runs_from_1_september_to_31_august(day, year):
    assert academic_year_of(day) == year


def test_an_academic_year_starts_on_1_september_and_its_label_must_be_consecutive_years():
    assert academic_year_start("2020/21") == date(2020, 9, 1)
    with pytest.raises(ValueError):
        academic_year_start("2020/22")


def test_the_uk_day_of_a_late_evening_moment_in_summer_is_the_next_day():
    from datetime import UTC, datetime

    assert uk_date(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == date(2026, 6, 15)
    assert uk_date(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == date(2026, 1, 14)


def test_a_list_whose_versions_are_out_of_order_is_refused_when_read():
    document = {"name": "x", "title": "x", "source": "x", "versions": [
        {"version": "b", "valid_from_academic_year": "2020/21", "entries": [{"code": "A", "label": "a"}]},
        {"version": "a", "valid_from_academic_year": "2006/07", "entries": [{"code": "A", "label": "a"}]},
    ]}
    with pytest.raises(ValueError, match="in order"):
        parse(document)
