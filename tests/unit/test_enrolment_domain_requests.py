"""Requesting an enrolment: the referral projection it waits on, starting at once or waiting for the
referral and its acceptance, and the referrals and start dates that are refused or rejected."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from vru_interventions.domain.model import EnrolmentStatus, InvalidEnrolment, KnownReferral, ReferralStatus
from vru_shared.contracts.interventions import EnrolmentStarted

from tests.unit.enrolment_domain_support import (
    NOW,
    PSEUDONYM,
    REFERRED_AT,
    TODAY,
    active_enrolment,
    make_programme,
    make_referral,
    request_enrolment,
    waitlisted_enrolment,
)


# --- the referral projection -------------------------------------------------------------------


def test_the_referral_projection_only_moves_forward():
    referral = KnownReferral.heard_of(referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                                      status=ReferralStatus.ACCEPTED)
    assert (referral.status, referral.is_detailed) == (ReferralStatus.ACCEPTED, False)
    assert referral.advance(ReferralStatus.RECEIVED) is False
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    assert (referral.status, referral.is_detailed, referral.is_accepted) == (ReferralStatus.ACCEPTED, True, True)
    assert referral.advance(ReferralStatus.WITHDRAWN, "consent withdrawn") is True
    # One ending is final: a later close does not replace the withdrawal or its reason.
    assert referral.advance(ReferralStatus.CLOSED, "no contact") is False
    assert referral.why_stopped() == "the referral was withdrawn: consent withdrawn"


# --- enrolment: request and waiting -------------------------------------------------------------


def test_an_enrolment_for_an_accepted_referral_starts_at_once_and_records_enrolment_started():
    programme = make_programme()
    referral = make_referral(programme)
    enrolment = request_enrolment(programme, referral)

    assert (enrolment.status, enrolment.started_at, enrolment.requested_at) == (EnrolmentStatus.ACTIVE, NOW, NOW)
    assert enrolment.events == [
        EnrolmentStarted(enrolment_id=enrolment.id, referral_id=referral.referral_id, programme_id=programme.id,
                         subject_pseudonym=PSEUDONYM, start_date=date(2026, 2, 10), started_at=NOW)
    ]


def test_an_enrolment_may_start_on_the_day_of_the_referral_and_on_the_programmes_first_and_last_days():
    assert active_enrolment(make_programme(), start_date=REFERRED_AT.date()).status is EnrolmentStatus.ACTIVE
    programme = make_programme(active_from=date(2026, 2, 1), active_to=date(2026, 2, 20))
    assert active_enrolment(programme, start_date=date(2026, 2, 1)).status is EnrolmentStatus.ACTIVE
    assert active_enrolment(programme, start_date=date(2026, 2, 20)).status is EnrolmentStatus.ACTIVE


def test_an_enrolment_for_a_referral_not_yet_heard_of_awaits_it_and_records_nothing():
    enrolment = request_enrolment(make_programme(), None)
    assert (enrolment.status, enrolment.started_at, enrolment.events) == \
        (EnrolmentStatus.AWAITING_REFERRAL, None, [])


def test_an_enrolment_for_a_referral_not_yet_accepted_awaits_the_acceptance():
    programme = make_programme()
    enrolment = request_enrolment(programme, make_referral(programme, status=ReferralStatus.RECEIVED))
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.AWAITING_ACCEPTANCE, [])


def test_a_waiting_enrolment_moves_on_as_the_referral_arrives_then_is_accepted():
    programme = make_programme()
    referral_id = uuid.uuid4()
    enrolment = request_enrolment(programme, None, referral_id=referral_id)
    referral = make_referral(programme, referral_id=referral_id, status=ReferralStatus.RECEIVED)

    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.AWAITING_ACCEPTANCE, [])

    later = NOW + timedelta(minutes=5)
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=later)
    assert (enrolment.status, enrolment.started_at, enrolment.start_date) == \
        (EnrolmentStatus.ACTIVE, later, date(2026, 2, 10))
    assert [(type(e), e.started_at) for e in enrolment.events] == [(EnrolmentStarted, later)]


def test_an_acceptance_heard_of_before_the_referral_itself_leaves_the_enrolment_awaiting_the_referral():
    programme = make_programme()
    referral = KnownReferral.heard_of(referral_id=uuid.uuid4(), programme_id=programme.id,
                                      status=ReferralStatus.ACCEPTED)
    enrolment = request_enrolment(programme, referral)
    assert enrolment.status is EnrolmentStatus.AWAITING_REFERRAL
    referral.details_arrived(subject_pseudonym=PSEUDONYM, referred_at=REFERRED_AT)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert enrolment.status is EnrolmentStatus.ACTIVE


def test_the_referral_changing_again_does_not_start_an_active_enrolment_twice():
    programme = make_programme()
    referral = make_referral(programme)
    enrolment = request_enrolment(programme, referral)
    referral.advance(ReferralStatus.ENROLLED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW + timedelta(hours=1))
    assert (len(enrolment.events), enrolment.started_at) == (1, NOW)


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.CLOSED])
def test_a_referral_that_stopped_is_refused_at_once(status):
    programme = make_programme()
    with pytest.raises(InvalidEnrolment, match=f"the referral was {status}: a reason") as raised:
        request_enrolment(programme, make_referral(programme, status=status))
    assert raised.value.term == "referral_id"


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.CLOSED])
def test_a_referral_that_stops_later_rejects_a_waiting_or_waitlisted_enrolment(status):
    programme = make_programme()
    referral = make_referral(programme, status=ReferralStatus.RECEIVED)
    awaiting = request_enrolment(programme, referral)
    waitlisted, its_referral = waitlisted_enrolment(programme)
    for enrolment, ref in ((awaiting, referral), (waitlisted, its_referral)):
        ref.advance(status, "moved away")
        enrolment.referral_changed(ref, programme=programme, place_free=True, now=NOW)
        assert (enrolment.status, enrolment.rejection_reason) == \
            (EnrolmentStatus.REJECTED, f"the referral was {status}: moved away")
        assert enrolment.events == []


def test_a_known_referral_to_another_programme_is_refused():
    programme = make_programme()
    with pytest.raises(InvalidEnrolment, match="another programme"):
        request_enrolment(programme, make_referral(programme, programme_id=uuid.uuid4()))


def test_a_referral_to_another_programme_arriving_later_rejects_the_waiting_enrolment_for_good():
    programme = make_programme()
    referral_id = uuid.uuid4()
    enrolment = request_enrolment(programme, None, referral_id=referral_id)
    enrolment.referral_changed(make_referral(programme, referral_id=referral_id, programme_id=uuid.uuid4()),
                               programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "the referral is to another programme")
    enrolment.referral_changed(make_referral(programme, referral_id=referral_id), programme=programme,
                               place_free=True, now=NOW)
    assert (enrolment.status, enrolment.events) == (EnrolmentStatus.REJECTED, [])


def test_a_start_date_before_a_known_referral_is_refused_at_once_and_before_a_late_one_rejects():
    programme = make_programme()
    day_before = REFERRED_AT.date() - timedelta(days=1)
    with pytest.raises(InvalidEnrolment, match="start_date is before the referral was made"):
        request_enrolment(programme, make_referral(programme), start_date=day_before)
    referral_id = uuid.uuid4()
    enrolment = request_enrolment(programme, None, referral_id=referral_id, start_date=day_before)
    enrolment.referral_changed(make_referral(programme, referral_id=referral_id), programme=programme,
                               place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "start_date is before the referral was made")


@pytest.mark.parametrize(("start_date", "message"), [
    (TODAY + timedelta(days=1), "start_date is in the future"),
    (date(2025, 12, 31), "start_date is before the programme begins on 2026-01-01"),
    (date(2026, 2, 21), "start_date is after the programme ended on 2026-02-20"),
])
def test_a_start_date_the_programme_rules_out_is_refused_whatever_is_known_of_the_referral(start_date, message):
    programme = make_programme(active_from=date(2026, 1, 1), active_to=date(2026, 2, 20))
    with pytest.raises(InvalidEnrolment) as raised:
        request_enrolment(programme, None, start_date=start_date)
    assert (str(raised.value), raised.value.term) == (message, "start_date")


def test_a_programme_whose_dates_were_revised_while_the_enrolment_waited_rejects_it_at_the_start():
    programme = make_programme()
    referral = make_referral(programme, status=ReferralStatus.RECEIVED)
    enrolment = request_enrolment(programme, referral, start_date=date(2026, 2, 10))
    programme.revise({"active_to": date(2026, 2, 9)})
    referral.advance(ReferralStatus.ACCEPTED)
    enrolment.referral_changed(referral, programme=programme, place_free=True, now=NOW)
    assert (enrolment.status, enrolment.rejection_reason) == \
        (EnrolmentStatus.REJECTED, "the programme is not active on start_date")
