"""The interventions domain: programmes and the Enrolment aggregate's lifecycle."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_interventions.domain.model import (
    Enrolment,
    EnrolmentStatus,
    ExitReason,
    IllegalTransition,
    InvalidEnrolment,
    KnownReferral,
    Programme,
)
from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeCreated

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
REFERRED_AT = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def _programme(name: str = "Mentoring after custody") -> Programme:
    programme = Programme.create(name=name, provider="Youth Trust", now=NOW)
    programme.events.clear()
    return programme


def _referral(programme: Programme, *, referral_id: uuid.UUID | None = None,
              programme_id: uuid.UUID | None = None) -> KnownReferral:
    return KnownReferral(
        referral_id=referral_id or uuid.uuid4(),
        programme_id=programme_id or programme.id,
        source="emergency_department",
        subject_pseudonym="a" * 64,
        age_band="15-17",
        referred_at=REFERRED_AT,
    )


def _active(programme: Programme, start_date: date = date(2026, 2, 10)) -> Enrolment:
    referral = _referral(programme)
    enrolment = Enrolment.request(programme=programme, referral_id=referral.referral_id, start_date=start_date,
                                  referral=referral, now=NOW)
    enrolment.events.clear()
    return enrolment


def test_creating_a_programme_records_programme_created():
    programme = Programme.create(name="Knife crime workshop", provider="Safer Streets CIC", now=NOW)
    assert programme.created_at == NOW
    assert programme.events == [
        ProgrammeCreated(programme_id=programme.id, name="Knife crime workshop", provider="Safer Streets CIC")
    ]


def test_two_programmes_get_different_ids():
    assert Programme.create(name="A", provider="P").id != Programme.create(name="B", provider="P").id


def test_an_enrolment_for_a_known_referral_starts_at_once_and_records_enrolment_started():
    programme = _programme()
    referral = _referral(programme)
    enrolment = Enrolment.request(programme=programme, referral_id=referral.referral_id,
                                  start_date=date(2026, 2, 10), referral=referral, now=NOW)

    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.started_at == NOW
    assert enrolment.requested_at == NOW
    assert enrolment.programme_name == programme.name
    assert enrolment.events == [
        EnrolmentStarted(
            enrolment_id=enrolment.id,
            referral_id=referral.referral_id,
            programme_id=programme.id,
            programme_name=programme.name,
            referral_source="emergency_department",
            subject_pseudonym="a" * 64,
            age_band="15-17",
            start_date=date(2026, 2, 10),
        )
    ]


def test_an_enrolment_may_start_on_the_day_of_the_referral():
    programme = _programme()
    enrolment = _active(programme, start_date=REFERRED_AT.date())
    assert enrolment.status is EnrolmentStatus.ACTIVE


def test_an_enrolment_for_a_referral_not_yet_heard_of_awaits_it_and_records_nothing():
    programme = _programme()
    enrolment = Enrolment.request(programme=programme, referral_id=uuid.uuid4(), start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    assert enrolment.status is EnrolmentStatus.AWAITING_REFERRAL
    assert enrolment.started_at is None
    assert enrolment.events == []


def test_a_waiting_enrolment_starts_when_its_referral_arrives():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id, start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    later = NOW + timedelta(minutes=5)
    enrolment.referral_arrived(_referral(programme, referral_id=referral_id), now=later)

    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.started_at == later
    assert [type(e) for e in enrolment.events] == [EnrolmentStarted]
    assert enrolment.events[0].referral_id == referral_id
    assert enrolment.events[0].enrolment_id == enrolment.id


def test_the_referral_arriving_again_does_not_start_an_active_enrolment_twice():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id, start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    referral = _referral(programme, referral_id=referral_id)
    enrolment.referral_arrived(referral, now=NOW)
    enrolment.referral_arrived(referral, now=NOW + timedelta(hours=1))
    assert len(enrolment.events) == 1
    assert enrolment.started_at == NOW


def test_a_known_referral_to_another_programme_is_refused():
    programme = _programme()
    referral = _referral(programme, programme_id=uuid.uuid4())
    with pytest.raises(InvalidEnrolment, match="another programme"):
        Enrolment.request(programme=programme, referral_id=referral.referral_id, start_date=date(2026, 2, 10),
                          referral=referral, now=NOW)


def test_a_referral_to_another_programme_arriving_later_rejects_the_waiting_enrolment():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id, start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    enrolment.referral_arrived(_referral(programme, referral_id=referral_id, programme_id=uuid.uuid4()), now=NOW)
    assert enrolment.status is EnrolmentStatus.REJECTED
    assert enrolment.rejection_reason == "the referral is to another programme"
    assert enrolment.events == []


def test_a_start_date_before_a_known_referral_is_refused_at_once_and_nothing_is_kept():
    programme = _programme()
    referral = _referral(programme)
    with pytest.raises(InvalidEnrolment, match="start_date is before the referral was made"):
        Enrolment.request(programme=programme, referral_id=referral.referral_id,
                          start_date=REFERRED_AT.date() - timedelta(days=1), referral=referral, now=NOW)


def test_a_start_date_before_a_late_referral_rejects_the_waiting_enrolment():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id,
                                  start_date=REFERRED_AT.date() - timedelta(days=3), referral=None, now=NOW)
    enrolment.referral_arrived(_referral(programme, referral_id=referral_id), now=NOW)
    assert enrolment.status is EnrolmentStatus.REJECTED
    assert enrolment.events == []


def test_a_rejected_enrolment_stays_rejected_when_the_referral_arrives_again():
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id, start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    enrolment.referral_arrived(_referral(programme, referral_id=referral_id, programme_id=uuid.uuid4()), now=NOW)
    enrolment.referral_arrived(_referral(programme, referral_id=referral_id), now=NOW)
    assert enrolment.status is EnrolmentStatus.REJECTED
    assert enrolment.events == []


def test_an_enrolment_starting_in_the_future_is_refused():
    programme = _programme()
    with pytest.raises(InvalidEnrolment, match="future"):
        Enrolment.request(programme=programme, referral_id=uuid.uuid4(), start_date=TODAY + timedelta(days=1),
                          referral=None, now=NOW)


def test_ending_an_active_enrolment_records_enrolment_ended():
    programme = _programme()
    enrolment = _active(programme)
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    assert enrolment.status is EnrolmentStatus.ENDED
    assert enrolment.end_date == TODAY
    assert enrolment.exit_reason is ExitReason.COMPLETED
    assert enrolment.events == [
        EnrolmentEnded(enrolment_id=enrolment.id, programme_id=programme.id, end_date=TODAY, exit_reason="completed")
    ]


def test_an_enrolment_may_end_on_the_day_it_started():
    enrolment = _active(_programme(), start_date=date(2026, 2, 10))
    enrolment.end(end_date=date(2026, 2, 10), exit_reason=ExitReason.DECLINED_SUPPORT, now=NOW)
    assert enrolment.status is EnrolmentStatus.ENDED


def test_ending_before_the_start_is_refused_and_changes_nothing():
    enrolment = _active(_programme(), start_date=date(2026, 2, 10))
    with pytest.raises(InvalidEnrolment, match="before start_date"):
        enrolment.end(end_date=date(2026, 2, 9), exit_reason=ExitReason.DISENGAGED, now=NOW)
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.end_date is None
    assert enrolment.events == []


def test_ending_in_the_future_is_refused():
    enrolment = _active(_programme())
    with pytest.raises(InvalidEnrolment, match="future"):
        enrolment.end(end_date=TODAY + timedelta(days=1), exit_reason=ExitReason.MOVED_AWAY, now=NOW)
    assert enrolment.status is EnrolmentStatus.ACTIVE


def test_an_ended_enrolment_cannot_be_ended_again():
    enrolment = _active(_programme())
    enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
    enrolment.events.clear()
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.OTHER, now=NOW)
    assert enrolment.exit_reason is ExitReason.COMPLETED
    assert enrolment.events == []


@pytest.mark.parametrize("status", [EnrolmentStatus.AWAITING_REFERRAL, EnrolmentStatus.REJECTED])
def test_only_an_active_enrolment_can_be_ended(status):
    programme = _programme()
    referral_id = uuid.uuid4()
    enrolment = Enrolment.request(programme=programme, referral_id=referral_id, start_date=date(2026, 2, 10),
                                  referral=None, now=NOW)
    if status is EnrolmentStatus.REJECTED:
        enrolment.referral_arrived(_referral(programme, referral_id=referral_id, programme_id=uuid.uuid4()))
    assert enrolment.status is status
    with pytest.raises(IllegalTransition):
        enrolment.end(end_date=TODAY, exit_reason=ExitReason.COMPLETED, now=NOW)
