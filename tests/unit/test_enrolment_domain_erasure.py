"""What an erasure of the young person leaves of a referral projection and of its enrolments."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from vru_interventions.domain.model import (
    ERASED,
    EnrolmentStatus,
    ExitReason,
    InvalidEnrolment,
    ReferralStatus,
)

from tests.unit.enrolment_domain_support import (
    NOW,
    PSEUDONYM,
    REFERRED_AT,
    active_enrolment,
    make_programme,
    make_referral,
    request_enrolment,
    waitlisted_enrolment,
)


def test_an_erased_referral_forgets_its_subject_for_good_and_keeps_its_status_and_dates():
    referral = make_referral(make_programme(), status=ReferralStatus.ACCEPTED)
    referral.erase()
    assert (referral.subject_pseudonym, referral.is_erased) == (ERASED, True)
    assert (referral.status, referral.referred_at) == (ReferralStatus.ACCEPTED, REFERRED_AT)
    # A ReferralReceived delivered again does not link it to the person again.
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    assert referral.subject_pseudonym == ERASED


def test_an_erasure_clears_an_ended_enrolments_note_and_keeps_the_facts_the_aggregates_need():
    enrolment = active_enrolment(make_programme())
    enrolment.end(end_date=date(2026, 3, 1), exit_reason=ExitReason.MOVED_AWAY, note="Moved to live with an aunt",
                  now=NOW)
    enrolment.events.clear()
    enrolment.subject_erased()
    assert enrolment.note is None
    assert (enrolment.status, enrolment.start_date, enrolment.end_date, enrolment.exit_reason) == \
        (EnrolmentStatus.ENDED, date(2026, 2, 10), date(2026, 3, 1), ExitReason.MOVED_AWAY)
    assert enrolment.events == []


def test_an_erasure_leaves_an_active_enrolment_active_and_rejects_one_still_waiting():
    programme = make_programme()
    active = active_enrolment(programme)
    waitlisted, _referral_of_waitlisted = waitlisted_enrolment(programme)
    awaiting = request_enrolment(programme, make_referral(programme, status=ReferralStatus.RECEIVED))
    for enrolment in (active, waitlisted, awaiting):
        enrolment.subject_erased()
    assert active.status is EnrolmentStatus.ACTIVE
    for enrolment in (waitlisted, awaiting):
        assert (enrolment.status, enrolment.rejection_reason) == \
            (EnrolmentStatus.REJECTED, "the young person's data was erased")


def test_no_enrolment_starts_for_an_erased_referral():
    programme = make_programme()
    referral = make_referral(programme, status=ReferralStatus.RECEIVED)
    waiting = request_enrolment(programme, referral)
    referral.erase()
    with pytest.raises(InvalidEnrolment, match="the young person's data was erased") as raised:
        request_enrolment(programme, referral, referral_id=uuid.uuid4())
    assert raised.value.term == "referral_id"
    referral.advance(ReferralStatus.ACCEPTED)
    waiting.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (waiting.status, waiting.events) == (EnrolmentStatus.REJECTED, [])
