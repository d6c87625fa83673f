"""Contacts recorded on an active enrolment, and how and when an enrolment ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from vru_interventions.domain.model import (
    ContactKind,
    EnrolmentStatus,
    ExitReason,
    IllegalTransition,
    InvalidEnrolment,
    ReferralStatus,
)
from vru_shared.contracts.interventions import ContactRecorded, EnrolmentEnded

from tests.unit.enrolment_domain_support import (
    NOW,
    TODAY,
    active_enrolment,
    make_programme,
    make_referral,
    request_enrolment,
    waitlisted_enrolment,
)


def test_a_contact_on_an_active_enrolment_is_kept_in_utc_and_records_contact_recorded():
    programme = make_programme()
    enrolment = active_enrolment(programme, start_date=date(2026, 2, 10))
    at = datetime(2026, 2, 10, 0, 30, tzinfo=UTC)
    contact = enrolment.record_contact(contact_at=at, kind=ContactKind.VIDEO, duration_minutes=600, now=NOW)
    assert (contact.enrolment_id, contact.contact_at, contact.recorded_at) == (enrolment.id, at, NOW)
    assert enrolment.events == [
        ContactRecorded(contact_id=contact.id, enrolment_id=enrolment.id, referral_id=enrolment.referral_id,
                        programme_id=programme.id, contact_at=at, kind="video", duration_minutes=600)
    ]


@pytest.mark.parametrize(("contact_at", "minutes", "message"), [
    (datetime(2026, 2, 9, 23, 59, tzinfo=UTC), 30, "contact_at is before start_date"),
    (NOW + timedelta(seconds=1), 30, "contact_at is in the future"),
    (datetime(2026, 3, 1, 10, 0), 30, "contact_at needs a time zone"),
    (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), 0, "duration_minutes must be from 1 to 600"),
    (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), 601, "duration_minutes must be from 1 to 600"),
])
def test_a_contact_that_breaks_a_rule_is_refused_and_records_nothing(contact_at, minutes, message):
    enrolment = active_enrolment(make_programme(), start_date=date(2026, 2, 10))
    with pytest.raises(InvalidEnrolment, match=message):
        enrolment.record_contact(contact_at=contact_at, kind=ContactKind.PHONE, duration_minutes=minutes, now=NOW)
    assert enrolment.events == []


def test_contacts_are_refused_unless_the_enrolment_is_active():
    programme = make_programme(capacity=1)
    waiting, _ = waitlisted_enrolment(programme)
    ended = active_enrolment(programme)
    ended.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    for enrolment in (waiting, ended, request_enrolment(programme, None)):
        with pytest.raises(IllegalTransition):
            enrolment.record_contact(contact_at=NOW, kind=ContactKind.PHONE, duration_minutes=10, now=NOW)


def test_ending_an_active_enrolment_records_enrolment_ended_with_its_referral():
    programme = make_programme()
    enrolment = active_enrolment(programme)
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    assert (enrolment.status, enrolment.end_date, enrolment.exit_reason) == \
        (EnrolmentStatus.ENDED, TODAY, ExitReason.COMPLETED)
    assert enrolment.events == [
        EnrolmentEnded(enrolment_id=enrolment.id, referral_id=enrolment.referral_id, programme_id=programme.id,
                       end_date=TODAY, exit_reason="completed")
    ]


def test_an_enrolment_may_end_on_the_day_it_started():
    enrolment = active_enrolment(make_programme(), start_date=date(2026, 2, 10))
    enrolment.end(end_date=date(2026, 2, 10), exit_reason=ExitReason.DECLINED_SUPPORT, now=NOW)
    assert enrolment.status is EnrolmentStatus.ENDED


@pytest.mark.parametrize(("end_date", "message"), [
    (date(2026, 2, 9), "end_date is before start_date"),
    (TODAY + timedelta(days=1), "end_date is in the future"),
])
def test_an_end_before_the_start_or_in_the_future_is_refused_and_changes_nothing(end_date, message):
    enrolment = active_enrolment(make_programme(), start_date=date(2026, 2, 10))
    with pytest.raises(InvalidEnrolment, match=message) as raised:
        enrolment.end(end_date=end_date, exit_reason=ExitReason.DISENGAGED, now=NOW)
    assert (raised.value.term, enrolment.status, enrolment.end_date, enrolment.events) == \
        ("end_date", EnrolmentStatus.ACTIVE, None, [])


def test_an_ended_enrolment_cannot_be_ended_again():
    enrolment = active_enrolment(make_programme())
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    enrolment.events.clear()
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.OTHER, now=NOW)
    assert (enrolment.exit_reason, enrolment.events) == (ExitReason.COMPLETED, [])


@pytest.mark.parametrize("status", [EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.AWAITING_ACCEPTANCE,
                                    EnrolmentStatus.REJECTED])
def test_a_waiting_or_rejected_enrolment_cannot_be_ended(status):
    programme = make_programme()
    referral = make_referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = request_enrolment(programme, referral if status is not EnrolmentStatus.AWAITING_REFERRAL else None)
    if status is EnrolmentStatus.REJECTED:
        referral.advance(ReferralStatus.DECLINED)
        enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert enrolment.status is status
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.OTHER, now=NOW)
