"""The domain's privacy rules: who may see and change a referral, erasure, and the retention period."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from vru_referrals.domain.access import may_decide, may_see, may_withdraw
from vru_referrals.domain.errors import IllegalTransition
from vru_referrals.domain.model import Referral, ReferralStatus
from vru_referrals.domain.retention import retention_ended
from vru_referrals.domain.subjects import ErasureReason
from vru_shared.contracts.referrals import SubjectErased

from tests.unit.referrals.referrals_support import NOW, programme, receive, subject

REFERRER, PROVIDER, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
PERIOD = timedelta(days=2190)


def referred(**overrides) -> tuple[Referral, object]:
    run = programme(provider_organisation_id=PROVIDER)
    referral = receive(programme=run, referring_organisation_id=REFERRER, referring_client_id="vru_custody",
                       **overrides)
    referral.events.clear()
    return referral, run


# --- access ----------------------------------------------------------------------------------


def test_the_referrer_and_the_provider_of_the_programme_see_a_referral_and_nobody_else():
    referral, run = referred()
    assert (may_see(referral, run, REFERRER), may_see(referral, run, PROVIDER), may_see(referral, run, STRANGER)) == (
        True, True, False)


def test_only_the_provider_decides_and_only_the_referrer_withdraws():
    referral, run = referred()
    assert (may_decide(referral, run, PROVIDER), may_decide(referral, run, REFERRER)) == (True, False)
    assert (may_withdraw(referral, REFERRER), may_withdraw(referral, PROVIDER)) == (True, False)


def test_a_programme_whose_provider_organisation_is_not_known_is_decided_by_nobody():
    referral, _ = referred()
    unknown = programme(id=referral.programme_id)
    assert unknown.provider_organisation_id is None
    assert may_decide(referral, unknown, PROVIDER) is False


def test_a_programme_other_than_the_referrals_gives_its_provider_no_say():
    referral, _ = referred()
    elsewhere = programme(provider_organisation_id=STRANGER)
    assert may_decide(referral, elsewhere, STRANGER) is False


# --- erasure ---------------------------------------------------------------------------------


def test_erasing_a_referral_keeps_its_age_band_and_lifecycle_and_drops_what_identifies():
    referral, _ = referred()
    referral.decline(reason="other", note="Alex Example is already supported", now=NOW)
    later = NOW + timedelta(days=1)

    assert referral.erase(now=later) is True

    assert (referral.given_name, referral.family_name, referral.date_of_birth, referral.contact) == (
        None, None, None, None)
    assert (referral.postcode_district, referral.identifiers, referral.decision_note) == (None, (), None)
    assert (referral.consent_recorded_by, referral.lawful_basis_justification) == (None, None)
    assert (referral.age_band, referral.erased_at, referral.young_person) == ("15-17", later, None)
    assert (referral.status, referral.decision_reason, referral.decided_at) == (ReferralStatus.DECLINED, "other", NOW)
    # The subject's erasure is what the other services hear of; the referral itself records nothing.
    assert [type(e).__name__ for e in referral.events] == ["ReferralDeclined"]


def test_erasing_an_erased_referral_changes_nothing():
    referral, _ = referred()
    referral.erase(now=NOW)
    assert referral.erase(now=NOW + timedelta(days=1)) is False
    assert referral.erased_at == NOW


def test_an_erased_referral_cannot_be_accepted_and_keeps_no_new_note():
    referral, _ = referred()
    referral.erase(now=NOW)
    with pytest.raises(IllegalTransition, match="erased"):
        referral.accept(now=NOW)
    referral.withdraw(reason="other", note="Alex Example asked us to stop", now=NOW)
    assert (referral.status, referral.withdrawal_reason, referral.withdrawal_note) == (
        ReferralStatus.WITHDRAWN, "other", None)


def test_erasing_a_subject_records_one_subject_erased_event_with_its_pseudonym_only():
    person = subject()
    assert person.erase(reason=ErasureReason.REQUEST, now=NOW) is True
    assert person.erase(reason=ErasureReason.RETENTION, now=NOW + timedelta(days=1)) is False
    assert person.events == [SubjectErased(subject_pseudonym=person.pseudonym, erased_at=NOW, reason="request")]
    assert (person.erased_at, person.erasure_reason) == (NOW, ErasureReason.REQUEST)


# --- retention -------------------------------------------------------------------------------


def ended(how: str, at) -> Referral:
    referral, _ = referred()
    if how == "declined":
        referral.decline(reason="no_capacity", now=at)
    elif how == "withdrawn":
        referral.withdraw(reason="moved_away", now=at)
    elif how == "closed":
        referral.accept(now=at - timedelta(days=1))
        referral.close(reason="unable_to_contact", now=at)
    return referral


@pytest.mark.parametrize("how", ["declined", "withdrawn", "closed"])
def test_a_referral_that_ended_longer_ago_than_the_period_is_due_for_erasure_and_not_a_moment_before(how):
    referral = ended(how, NOW)
    assert referral.finished_at == NOW
    assert retention_ended([referral], now=NOW + PERIOD, period=PERIOD) is False
    assert retention_ended([referral], now=NOW + PERIOD + timedelta(microseconds=1), period=PERIOD) is True


def test_the_latest_end_among_a_subjects_referrals_starts_the_period():
    old, recent = ended("declined", NOW), ended("withdrawn", NOW + timedelta(days=100))
    assert retention_ended([old, recent], now=NOW + PERIOD + timedelta(days=1), period=PERIOD) is False
    assert retention_ended([old, recent], now=NOW + PERIOD + timedelta(days=101), period=PERIOD) is True


@pytest.mark.parametrize("status", ["received", "accepted"])
def test_a_subject_with_an_open_referral_is_kept_however_old_the_others(status):
    old = ended("declined", NOW)
    still_open, _ = referred()
    if status == "accepted":
        still_open.accept(now=NOW)
    assert still_open.finished_at is None
    assert retention_ended([old, still_open], now=NOW + 10 * PERIOD, period=PERIOD) is False


def test_no_referrals_is_nothing_to_erase():
    assert retention_ended([], now=NOW, period=PERIOD) is False
