"""The waitlist: an enrolment with no place free waits, takes a free place later, or ends unstarted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vru_interventions.domain.model import (
    EnrolmentStatus,
    ExitReason,
    IllegalTransition,
    InvalidEnrolment,
    ReferralStatus,
)
from vru_shared.contracts.interventions import EnrolmentStarted

from tests.unit.enrolment_domain_support import (
    NOW,
    PSEUDONYM,
    TODAY,
    make_programme,
    make_referral,
    request_enrolment,
    waitlisted_enrolment,
)


def test_an_enrolment_with_no_place_free_is_waitlisted_and_records_nothing():
    enrolment, _ = waitlisted_enrolment(make_programme(capacity=1))
    assert (enrolment.status, enrolment.waitlisted_at, enrolment.started_at, enrolment.events) == \
        (EnrolmentStatus.WAITLISTED, NOW, None, [])


def test_an_acceptance_with_no_place_free_waitlists_the_waiting_enrolment():
    programme = make_programme(capacity=1)
    referral = make_referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = request_enrolment(programme, referral)
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=False, now=NOW)
    assert (enrolment.status, enrolment.waitlisted_at) == (EnrolmentStatus.WAITLISTED, NOW)


def test_a_waitlisted_enrolment_that_takes_a_free_place_starts_that_day():
    programme = make_programme(capacity=1)
    enrolment, referral = waitlisted_enrolment(programme)
    later = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
    enrolment.take_free_place(referral, now=later)
    assert (enrolment.status, enrolment.start_date, enrolment.started_at) == \
        (EnrolmentStatus.ACTIVE, date(2026, 3, 14), later)
    assert enrolment.events == [
        EnrolmentStarted(enrolment_id=enrolment.id, referral_id=referral.referral_id, programme_id=programme.id,
                         subject_pseudonym=PSEUDONYM, start_date=date(2026, 3, 14), started_at=later)
    ]


def test_only_a_waitlisted_enrolment_can_take_a_free_place():
    programme = make_programme()
    referral = make_referral(programme)
    enrolment = request_enrolment(programme, referral)
    with pytest.raises(IllegalTransition):
        enrolment.take_free_place(referral, now=NOW)


def test_a_waitlisted_enrolment_ends_without_an_event_and_only_as_declined_or_other():
    enrolment, _ = waitlisted_enrolment(make_programme(capacity=1))
    with pytest.raises(InvalidEnrolment, match="declined_support or other") as raised:
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    assert (raised.value.term, enrolment.status) == ("exit_reason", EnrolmentStatus.WAITLISTED)

    enrolment.end(end_date=TODAY, exit_reason=ExitReason.DECLINED_SUPPORT, note="Chose another service", now=NOW)
    assert (enrolment.status, enrolment.exit_reason, enrolment.note, enrolment.started_at) == \
        (EnrolmentStatus.ENDED, ExitReason.DECLINED_SUPPORT, "Chose another service", None)
    assert enrolment.events == []
