"""The referrals domain: identifier checks, pseudonyms, age bands and the Referral aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_referrals.domain.errors import IllegalTransition, InvalidIdentifier, InvalidReferral
from vru_referrals.domain.identifiers import IdentifierType, normalise, pseudonym
from vru_referrals.domain.model import LawfulBasisRecord, ReferralStatus
from vru_referrals.domain.subjects import age_band, age_on
from vru_shared.contracts.referrals import ReferralReceived

from tests.unit.referrals.referrals_support import NOW, programme, receive, subject, young_person

NHS = IdentifierType.NHS_NUMBER
VALID_NHS = "9434765919"
KEY = b"k" * 48
OTHER_KEY = b"o" * 48

DOB = date(2009, 7, 23)


# --- NHS numbers -------------------------------------------------------------------------------


def test_a_valid_nhs_number_is_accepted_as_it_is():
    assert normalise(NHS, VALID_NHS) == VALID_NHS


@pytest.mark.parametrize("number", ["9990000018", "9990000026", "9990000050", "9990000069"])
def test_nhs_numbers_in_the_999_test_range_with_a_computed_check_digit_are_accepted(number):
    assert normalise(NHS, number) == number


@pytest.mark.parametrize("wrong", ["9434765910", "9434765911", "9434765918"])
def test_an_nhs_number_with_a_wrong_check_digit_is_refused(wrong):
    with pytest.raises(InvalidIdentifier, match="check digit"):
        normalise(NHS, wrong)


@pytest.mark.parametrize("last", "0123456789")
def test_an_nhs_number_whose_check_digit_would_be_ten_is_never_valid(last):
    # 999000000: weighted sum 9*10 + 9*9 + 9*8 = 243, 243 % 11 == 1, so the check digit would be 10.
    with pytest.raises(InvalidIdentifier):
        normalise(NHS, "999000000" + last)


@pytest.mark.parametrize("written", ["943 476 5919", "943-476-5919", " 943 476-5919 ", "943\t4765919"])
def test_spaces_and_dashes_in_an_nhs_number_are_normalised_away(written):
    assert normalise(NHS, written) == VALID_NHS


def test_an_nhs_number_written_with_spaces_gets_the_same_pseudonym_as_the_bare_digits():
    assert pseudonym(KEY, NHS, normalise(NHS, "943 476 5919")) == pseudonym(KEY, NHS, normalise(NHS, VALID_NHS))


@pytest.mark.parametrize("bad", ["943476591", "94347659190", "94347659A9", "", "943.476.5919"])
def test_an_nhs_number_that_is_not_ten_digits_is_refused(bad):
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        normalise(NHS, bad)


def test_an_nhs_number_written_in_non_ascii_digits_is_refused_or_made_ascii():
    # Full-width digits are Unicode decimal digits: `\d` matches them and int() reads them, but the
    # "canonical" form must be the one the ASCII spelling gets, or one person gets two pseudonyms.
    fullwidth = "".join(chr(ord("０") + int(d)) for d in VALID_NHS)
    try:
        result = normalise(NHS, fullwidth)
    except InvalidIdentifier:
        return
    assert result == VALID_NHS


# --- other identifier shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    # 24/123456: int("240123456") % 23 = 6 -> F; 09/1: int("090000001") % 23 = 12 -> M
    [("24/123456F", "24/0123456F"), ("24/123456f", "24/0123456F"), ("2024/0123456F", "24/0123456F"),
     (" 09 / 1M ", "09/0000001M")],
)
def test_pnc_ids_of_the_right_shape_and_check_character_are_upper_cased_padded_and_stripped(written, canonical):
    assert normalise(IdentifierType.PNC_ID, written) == canonical


@pytest.mark.parametrize("bad", ["24-123456F", "24/123456", "2/123456F", "20245/1F", "24/12345678F", "AB/123C",
                                 "24/123456A"])
def test_pnc_ids_of_another_shape_or_check_character_are_refused(bad):
    with pytest.raises(InvalidIdentifier, match="PNC"):
        normalise(IdentifierType.PNC_ID, bad)


@pytest.mark.parametrize(
    ("written", "canonical"),
    # 123456789012 weighted 2..13 = 368, % 23 = 0 -> A; 201300124001 -> 102 % 23 = 10 -> L
    [("A123456789012", "A123456789012"), ("l20130012400 1", "L201300124001"), ("L 2013 0012 4001", "L201300124001")],
)
def test_upns_of_the_right_shape_and_check_letter_are_upper_cased_and_stripped(written, canonical):
    assert normalise(IdentifierType.UPN, written) == canonical


@pytest.mark.parametrize("bad", ["1123456789012", "A12345678901", "A1234567890123", "AB2345678901C", "A1234567890-2",
                                 "B123456789012"])
def test_upns_of_another_shape_or_check_letter_are_refused(bad):
    with pytest.raises(InvalidIdentifier, match="UPN"):
        normalise(IdentifierType.UPN, bad)


def test_a_local_id_is_trimmed_and_kept_as_it_is_otherwise():
    assert normalise(IdentifierType.LOCAL, "  Case ref 12/ab  ") == "Case ref 12/ab"
    assert normalise(IdentifierType.LOCAL, "x" * 64) == "x" * 64


@pytest.mark.parametrize("bad", ["", "   ", "x" * 65])
def test_a_local_id_that_is_empty_or_longer_than_64_characters_is_refused(bad):
    with pytest.raises(InvalidIdentifier, match="local"):
        normalise(IdentifierType.LOCAL, bad)


# --- pseudonyms --------------------------------------------------------------------------------


def test_a_pseudonym_is_stable_for_one_key():
    first = pseudonym(KEY, NHS, VALID_NHS)
    assert first == pseudonym(bytes(KEY), NHS, VALID_NHS)
    assert len(first) == 64 and int(first, 16) >= 0


def test_a_pseudonym_differs_under_another_key():
    assert pseudonym(KEY, NHS, VALID_NHS) != pseudonym(OTHER_KEY, NHS, VALID_NHS)


def test_the_same_characters_under_another_identifier_type_get_another_pseudonym():
    assert pseudonym(KEY, NHS, VALID_NHS) != pseudonym(KEY, IdentifierType.LOCAL, VALID_NHS)


def test_a_pseudonym_differs_for_another_person():
    assert pseudonym(KEY, NHS, VALID_NHS) != pseudonym(KEY, NHS, "9990000018")


def test_a_pseudonym_does_not_contain_the_identifier():
    assert VALID_NHS not in pseudonym(KEY, NHS, VALID_NHS)


# --- ages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "band"),
    [
        (date(2020, 6, 14), "under 10"),
        (date(2020, 6, 15), "10-14"),  # tenth birthday on the day
        (date(2025, 6, 14), "10-14"),
        (date(2025, 6, 15), "15-17"),
        (date(2028, 6, 14), "15-17"),
        (date(2028, 6, 15), "18-20"),
        (date(2031, 6, 14), "18-20"),
        (date(2031, 6, 15), "21-24"),
        (date(2035, 6, 14), "21-24"),
        (date(2035, 6, 15), "25 and over"),
    ],
)
def test_age_bands_change_on_the_birthday_itself(day, band):
    assert age_band(date(2010, 6, 15), day) == band


def test_age_is_counted_in_whole_years_with_the_birthday_on_the_day():
    assert age_on(date(2010, 6, 15), date(2026, 6, 14)) == 15
    assert age_on(date(2010, 6, 15), date(2026, 6, 15)) == 16
    assert age_on(date(2010, 12, 31), date(2026, 1, 1)) == 15


def test_someone_born_on_29_february_turns_a_year_older_on_1_march_in_other_years():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


# --- the Referral aggregate --------------------------------------------------------------------


def test_a_referral_made_in_the_future_is_refused():
    with pytest.raises(InvalidReferral, match="future"):
        receive(referred_at=NOW + timedelta(minutes=1))


def test_a_referral_made_now_is_accepted():
    assert receive(referred_at=NOW).status is ReferralStatus.RECEIVED


def test_a_date_of_birth_on_or_after_the_day_of_the_index_event_is_refused():
    index_event_at = NOW - timedelta(days=2)
    for dob in (index_event_at.date(), index_event_at.date() + timedelta(days=1)):
        with pytest.raises(InvalidReferral, match="date_of_birth"):
            receive(index_event_at=index_event_at, young_person=young_person(date_of_birth=dob),
                    programme=programme(min_age=0))


def test_a_date_of_birth_the_day_before_the_index_event_is_accepted():
    index_event_at = NOW - timedelta(days=2)
    referral = receive(index_event_at=index_event_at, programme=programme(min_age=0),
                       young_person=young_person(date_of_birth=index_event_at.date() - timedelta(days=1)))
    assert referral.age_band == "under 10"


def test_a_referral_on_the_basis_of_consent_without_consent_is_refused():
    with pytest.raises(InvalidReferral, match="consent"):
        LawfulBasisRecord.consent(given=False, recorded_by="Custody navigator", recorded_at=NOW)


def test_consent_recorded_in_the_future_is_refused():
    with pytest.raises(InvalidReferral, match="consent"):
        receive(lawful_basis=LawfulBasisRecord.consent(given=True, recorded_by="Custody navigator",
                                                       recorded_at=NOW + timedelta(seconds=1)))


def test_a_received_referral_records_one_referral_received_event_with_its_facts():
    programme_id, referral_id = uuid.uuid4(), uuid.uuid4()
    referred_at = datetime(2026, 3, 9, 16, 30, tzinfo=UTC)
    who = subject()
    referral = receive(referral_id=referral_id, programme=programme(id=programme_id), referred_at=referred_at,
                       subject=who)

    assert referral.status is ReferralStatus.RECEIVED
    assert referral.received_at == NOW
    assert len(referral.events) == 1
    event = referral.events[0]
    assert isinstance(event, ReferralReceived)
    assert event.referral_id == referral_id
    assert event.programme_id == programme_id
    assert event.source == "custody"
    assert event.subject_pseudonym == who.pseudonym
    assert event.pseudonym_key_version == 3
    assert event.age_band == "15-17"  # born 23 July 2009, referred 9 March 2026: aged 16
    assert event.referred_at == referred_at
    assert event.received_at == NOW
    assert (event.sex, event.ethnicity, event.ethnicity_group, event.postcode_district) == (
        "male", "white_british", "white", "SW1A")
    assert (event.risk_factors, event.lawful_basis, event.possible_duplicate_of) == (
        ["weapon_carrying"], "consent", None)


def test_the_referral_received_event_carries_neither_the_identifier_nor_the_date_of_birth():
    referral = receive()
    dumped = referral.events[0].model_dump(mode="json")
    assert not {"identifier", "identifiers", "date_of_birth", "consent_recorded_by", "given_name"} & set(dumped)
    # Ids and the pseudonym are random hex, which may hold any run of digits: leave them out.
    flat = repr({k: v for k, v in dumped.items() if not k.endswith(("_id", "pseudonym"))})
    assert VALID_NHS not in flat
    assert DOB.isoformat() not in flat
    assert "2009" not in flat  # not even the year of birth
    # The python-mode dump must not hide it as a date either.
    assert DOB not in referral.events[0].model_dump().values()


def test_marking_a_referral_enrolled_records_the_enrolment():
    referral = receive()
    referral.accept(now=NOW)
    enrolment_id = uuid.uuid4()
    referral.mark_enrolled(enrolment_id, NOW)
    assert referral.status is ReferralStatus.ENROLLED
    assert referral.enrolment_id == enrolment_id
    assert referral.enrolled_at == NOW


def test_marking_a_referral_enrolled_twice_for_the_same_enrolment_changes_nothing():
    referral = receive()
    enrolment_id = uuid.uuid4()
    referral.mark_enrolled(enrolment_id, NOW)
    events = len(referral.events)
    referral.mark_enrolled(enrolment_id, NOW + timedelta(hours=1))
    assert referral.status is ReferralStatus.ENROLLED
    assert referral.enrolment_id == enrolment_id
    assert referral.enrolled_at == NOW
    assert len(referral.events) == events


def test_marking_an_enrolled_referral_enrolled_for_another_enrolment_is_an_illegal_transition():
    referral = receive()
    first = uuid.uuid4()
    referral.mark_enrolled(first, NOW)
    with pytest.raises(IllegalTransition):
        referral.mark_enrolled(uuid.uuid4(), NOW)
    assert referral.enrolment_id == first
