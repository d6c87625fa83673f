"""The Referral aggregate: what it refuses at receipt, whom a programme takes, and its lifecycle."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_referrals.domain.errors import (
    EnrolmentNotYetSeen,
    IllegalTransition,
    InvalidCode,
    InvalidReferral,
    NotEligible,
)
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.model import LawfulBasis, LawfulBasisRecord, Referral, ReferralStatus
from vru_referrals.domain.source_details import CustodyDetails, SchoolDetails
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralWithdrawn,
)

from tests.unit.referrals.referrals_support import NOW, programme, receive, young_person

ENROLMENT = uuid.uuid4()


def _in(status: str) -> Referral:
    """A referral brought to `status` by the allowed path."""
    referral = receive()
    if status in ("accepted", "enrolled", "closed"):
        referral.accept(now=NOW)
    if status in ("enrolled", "closed"):
        referral.mark_enrolled(ENROLMENT, NOW)
    if status == "closed":
        referral.enrolment_ended(ENROLMENT, now=NOW)
    if status == "declined":
        referral.decline(reason="no_capacity", now=NOW)
    if status == "withdrawn":
        referral.withdraw(reason="moved_away", now=NOW)
    referral.events.clear()
    assert referral.status.value == status
    return referral


# --- receipt ---------------------------------------------------------------------------------


def test_the_index_event_comes_before_the_referral():
    with pytest.raises(InvalidReferral, match="index_event_at is after referred_at") as caught:
        receive(index_event_at=NOW - timedelta(hours=1), referred_at=NOW - timedelta(hours=2))
    assert caught.value.field == "index_event_at"


def test_a_custody_referral_whose_arrest_is_not_its_index_event_is_refused():
    arrest = NOW - timedelta(days=2)
    details = CustodyDetails.create(custody_suite="Example", arrested_at=arrest, offence_category="robbery")
    with pytest.raises(InvalidReferral, match="arrested_at must equal index_event_at"):
        receive(details=details, index_event_at=arrest + timedelta(hours=1))


def test_risk_factors_come_from_their_list_and_one_named_twice_counts_once():
    referral = receive(risk_factors=["county_lines", "weapon_carrying", "county_lines"])
    assert referral.risk_factors == ("county_lines", "weapon_carrying")
    with pytest.raises(InvalidCode) as caught:
        receive(risk_factors=["weapon_carrying", "knife_crime"])
    assert caught.value.field == "risk_factors/1"


def test_another_lawful_basis_needs_a_justification():
    referral = receive(lawful_basis=LawfulBasisRecord.other(
        LawfulBasis.PUBLIC_TASK, "Statutory serious violence duty: the VRU's partnership protocol"))
    assert referral.lawful_basis is LawfulBasis.PUBLIC_TASK
    assert referral.consent_recorded_by is None
    with pytest.raises(InvalidReferral, match="justification of 10 to 1000 characters"):
        LawfulBasisRecord.other(LawfulBasis.VITAL_INTERESTS, "urgent")


def test_two_identifiers_of_one_kind_are_refused():
    with pytest.raises(InvalidReferral, match="given twice"):
        receive(identifiers=(Identifier.parse(IdentifierType.NHS_NUMBER, "9434765919"),
                             Identifier.parse(IdentifierType.NHS_NUMBER, "9990000018")))


def test_a_school_referral_keeps_the_code_list_version_its_reasons_were_checked_against():
    details = SchoolDetails.create(school_urn="100000", exclusion_type="permanent_exclusion",
                                   exclusion_reasons=["OW", "PA"], excluded_on=date(2026, 3, 9))
    referral = receive(details=details)
    assert referral.source_details.code_list_version == "2020-21"
    assert referral.source.value == "school"


# --- eligibility -----------------------------------------------------------------------------


def test_a_programme_that_does_not_take_the_source_refuses_and_says_what_it_takes():
    with pytest.raises(NotEligible) as caught:
        receive(programme=programme(name="A&E navigators", accepted_sources=("emergency_department",)))
    assert caught.value.kind == "source-not-accepted"
    assert caught.value.detail == ("programme 'A&E navigators' does not take referrals from custody; "
                                   "it takes: emergency_department")
    assert caught.value.field == "source"


@pytest.mark.parametrize(
    ("dob", "age", "accepted"),
    [
        (date(2016, 3, 9), 10, True),  # tenth birthday on the referral date (9 March 2026)
        (date(2016, 3, 10), 9, False),  # turns 10 the day after
        (date(2008, 3, 10), 17, True),  # turns 18 the day after
        (date(2008, 3, 9), 18, False),  # eighteenth birthday on the referral date
    ],
)
def test_the_age_range_counts_the_age_on_the_referral_date_with_the_birthday_on_the_day(dob, age, accepted):
    teens = programme(name="Teen mentoring", min_age=10, max_age=17)
    referred_at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    if accepted:
        receive(programme=teens, young_person=young_person(date_of_birth=dob), referred_at=referred_at)
        return
    with pytest.raises(NotEligible) as caught:
        receive(programme=teens, young_person=young_person(date_of_birth=dob), referred_at=referred_at)
    assert caught.value.kind == "outside-age-range"
    assert caught.value.detail == (f"the young person is {age} on the referral date 2026-03-09; "
                                   "programme 'Teen mentoring' takes ages 10 to 17")
    assert caught.value.field == "young_person/date_of_birth"


def test_the_referral_date_is_the_uk_calendar_day():
    # 23:30 UTC on 14 June is 00:30 on 15 June in London, the tenth birthday.
    referred_at = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
    referral = receive(programme=programme(min_age=10, max_age=17), referred_at=referred_at,
                       index_event_at=referred_at - timedelta(hours=2),
                       young_person=young_person(date_of_birth=date(2016, 6, 15)),
                       now=referred_at + timedelta(hours=1))
    assert referral.age_band == "10-14"


@pytest.mark.parametrize(
    ("active_from", "active_to", "detail"),
    [
        (date(2026, 3, 10), None, "programme 'Custody mentoring' is not active on the referral date 2026-03-09; "
                                  "it runs from 2026-03-10 onwards"),
        (date(2025, 4, 1), date(2026, 3, 8), "programme 'Custody mentoring' is not active on the referral date "
                                             "2026-03-09; it runs from 2025-04-01 to 2026-03-08"),
    ],
)
def test_a_programme_not_active_on_the_referral_date_refuses(active_from, active_to, detail):
    with pytest.raises(NotEligible) as caught:
        receive(programme=programme(active_from=active_from, active_to=active_to),
                referred_at=datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert (caught.value.kind, caught.value.detail, caught.value.field) == ("programme-not-active", detail,
                                                                             "referred_at")


def test_a_programme_is_active_on_its_first_and_last_days():
    referred_at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    receive(programme=programme(active_from=date(2026, 3, 9), active_to=date(2026, 3, 9)), referred_at=referred_at)


# --- lifecycle -------------------------------------------------------------------------------


def test_accepting_a_received_referral_records_when_and_says_so():
    referral = _in("received")
    referral.accept(now=NOW)
    assert (referral.status, referral.decided_at) == (ReferralStatus.ACCEPTED, NOW)
    assert referral.events == [ReferralAccepted(referral_id=referral.id, programme_id=referral.programme_id,
                                                decided_at=NOW)]


def test_declining_records_the_coded_reason_and_note():
    referral = _in("received")
    referral.decline(reason="other", note="Lives outside the area", now=NOW)
    assert (referral.status, referral.decided_at, referral.decision_reason, referral.decision_note) == (
        ReferralStatus.DECLINED, NOW, "other", "Lives outside the area")
    assert referral.events == [ReferralDeclined(referral_id=referral.id, programme_id=referral.programme_id,
                                                decided_at=NOW, reason="other")]


@pytest.mark.parametrize("status", ["received", "accepted"])
def test_a_received_or_accepted_referral_can_be_withdrawn(status):
    referral = _in(status)
    referral.withdraw(reason="entered_custody", now=NOW)
    assert (referral.status, referral.withdrawn_at, referral.withdrawal_reason) == (
        ReferralStatus.WITHDRAWN, NOW, "entered_custody")
    assert referral.events == [ReferralWithdrawn(referral_id=referral.id, programme_id=referral.programme_id,
                                                 withdrawn_at=NOW, reason="entered_custody")]


def test_an_accepted_referral_can_be_closed_with_a_coded_reason():
    referral = _in("accepted")
    referral.close(reason="no_engagement", now=NOW)
    assert (referral.status, referral.closed_at, referral.closure_reason) == (ReferralStatus.CLOSED, NOW,
                                                                              "no_engagement")
    assert referral.events == [ReferralClosed(referral_id=referral.id, programme_id=referral.programme_id,
                                              closed_at=NOW, reason="no_engagement")]


def test_the_start_of_an_enrolment_enrols_an_accepted_referral():
    referral = _in("accepted")
    referral.mark_enrolled(ENROLMENT, NOW)
    assert referral.events == [ReferralEnrolled(referral_id=referral.id, programme_id=referral.programme_id,
                                                enrolment_id=ENROLMENT, enrolled_at=NOW)]


def test_an_enrolment_of_a_referral_not_yet_accepted_is_its_acceptance():
    referral = _in("received")
    referral.mark_enrolled(ENROLMENT, NOW)
    assert (referral.status, referral.decided_at) == (ReferralStatus.ENROLLED, NOW)
    assert [type(e) for e in referral.events] == [ReferralAccepted, ReferralEnrolled]


def test_the_end_of_the_enrolment_closes_the_referral():
    referral = _in("enrolled")
    referral.enrolment_ended(ENROLMENT, now=NOW)
    assert (referral.status, referral.closed_at, referral.closure_reason) == (ReferralStatus.CLOSED, NOW,
                                                                              "enrolment_ended")
    assert referral.events == [ReferralClosed(referral_id=referral.id, programme_id=referral.programme_id,
                                              closed_at=NOW, reason="enrolment_ended")]


def test_an_enrolment_that_ends_before_its_start_was_seen_asks_to_be_retried():
    referral = _in("accepted")
    with pytest.raises(EnrolmentNotYetSeen):
        referral.enrolment_ended(ENROLMENT, now=NOW)
    assert referral.status is ReferralStatus.ACCEPTED


def test_a_late_repeat_of_the_enrolment_start_or_end_changes_nothing():
    referral = _in("closed")
    referral.mark_enrolled(ENROLMENT, NOW + timedelta(days=1))
    referral.enrolment_ended(ENROLMENT, now=NOW + timedelta(days=1))
    assert (referral.status, referral.closed_at, referral.events) == (ReferralStatus.CLOSED, NOW, [])


def test_the_end_of_another_enrolment_is_refused():
    referral = _in("enrolled")
    with pytest.raises(IllegalTransition, match="not in"):
        referral.enrolment_ended(uuid.uuid4(), now=NOW)


REFUSED = [
    ("accepted", "accept"), ("declined", "accept"), ("withdrawn", "accept"), ("enrolled", "accept"),
    ("closed", "accept"),
    ("accepted", "decline"), ("declined", "decline"), ("withdrawn", "decline"), ("enrolled", "decline"),
    ("closed", "decline"),
    ("declined", "withdraw"), ("withdrawn", "withdraw"), ("enrolled", "withdraw"), ("closed", "withdraw"),
    ("received", "close"), ("declined", "close"), ("withdrawn", "close"), ("enrolled", "close"), ("closed", "close"),
    ("declined", "enrol"), ("withdrawn", "enrol"),
    ("declined", "end"), ("withdrawn", "end"),
]


@pytest.mark.parametrize(("status", "change"), REFUSED)
def test_an_impossible_transition_is_refused_naming_the_current_status_and_changes_nothing(status, change):
    referral = _in(status)
    before = dict(vars(referral))
    act = {
        "accept": lambda: referral.accept(now=NOW),
        "decline": lambda: referral.decline(reason="no_capacity", now=NOW),
        "withdraw": lambda: referral.withdraw(reason="moved_away", now=NOW),
        "close": lambda: referral.close(reason="no_engagement", now=NOW),
        "enrol": lambda: referral.mark_enrolled(uuid.uuid4(), NOW),
        "end": lambda: referral.enrolment_ended(ENROLMENT, now=NOW),
    }[change]
    with pytest.raises(IllegalTransition, match=f"the referral is {status}") as caught:
        act()
    assert caught.value.status == status
    assert vars(referral) == before


def test_closing_an_enrolled_referral_says_it_closes_with_its_enrolment():
    with pytest.raises(IllegalTransition, match="closes when its enrolment ends"):
        _in("enrolled").close(reason="no_engagement", now=NOW)


@pytest.mark.parametrize(
    ("change", "reason"),
    [("decline", "moved_away"), ("withdraw", "no_capacity"), ("close", "moved_away")],
)
def test_a_reason_from_another_list_is_refused(change, reason):
    referral = _in("received" if change != "close" else "accepted")
    with pytest.raises(InvalidCode) as caught:
        getattr(referral, change)(reason=reason, now=NOW)
    assert caught.value.field == "reason"
    assert referral.events == []


def test_a_provider_cannot_give_enrolment_ended_as_its_reason_for_closing():
    with pytest.raises(InvalidReferral, match="set by the platform"):
        _in("accepted").close(reason="enrolment_ended", now=NOW)


@pytest.mark.parametrize("change", ["decline", "withdraw", "close"])
def test_the_reason_other_needs_a_note(change):
    referral = _in("received" if change != "close" else "accepted")
    status = referral.status
    with pytest.raises(InvalidReferral, match="a note is needed when the reason is other") as caught:
        getattr(referral, change)(reason="other", note="  ", now=NOW)
    assert caught.value.field == "note"
    assert referral.status is status
