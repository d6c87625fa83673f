"""Deciding on a referral over HTTP (accept, decline, withdraw, close) and the enrolment events that
enrol and then close it."""

from __future__ import annotations

import uuid

import pytest

from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralEnrolled,
    ReferralReceived,
)

from tests.unit.referrals.referrals_api_support import PROBLEM, enrolment_ended, enrolment_started, refer


async def test_a_provider_accepts_a_referral_and_cannot_accept_it_twice(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    accepted = await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted" and accepted.json()["decided_at"]

    again = await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["type"].endswith("/illegal-transition")
    assert again.json()["detail"] == "the referral is accepted; only a received referral can be accepted"


async def test_declining_withdrawing_and_closing_record_their_coded_reasons(service):
    programme = await service.programme()
    declined = await refer(service, programme.programme_id)
    withdrawn = await refer(service, programme.programme_id, identifiers=[{"type": "nhs_number",
                                                                           "value": "9990000018"}])
    closed = await refer(service, programme.programme_id, identifiers=[{"type": "nhs_number",
                                                                        "value": "9990000026"}])

    answer = await service.provider.post(f"/v1/referrals/{declined['id']}/decline",
                                         json={"reason": "no_capacity", "note": "Full until April"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["decision_reason"], answer.json()["decision_note"]) == (
        "declined", "no_capacity", "Full until April")
    answer = await service.referrer.post(f"/v1/referrals/{withdrawn['id']}/withdraw", json={"reason": "moved_away"})
    assert (answer.json()["status"], answer.json()["withdrawal_reason"]) == ("withdrawn", "moved_away")
    assert answer.json()["withdrawn_at"]
    await service.provider.post(f"/v1/referrals/{closed['id']}/accept")
    answer = await service.provider.post(f"/v1/referrals/{closed['id']}/close", json={"reason": "unable_to_contact"})
    assert (answer.json()["status"], answer.json()["closure_reason"]) == ("closed", "unable_to_contact")
    assert answer.json()["closed_at"]

    types = [type(e).__name__ for e in await service.flush()]
    assert types.count("ReferralDeclined") == types.count("ReferralWithdrawn") == types.count("ReferralClosed") == 1


@pytest.mark.parametrize(
    ("route", "body", "status", "pointer"),
    [
        ("decline", {"reason": "moved_away"}, 422, "/body/reason"),
        ("decline", {"reason": "other"}, 422, "/body/note"),
        ("withdraw", {}, 422, "/body/reason"),
        ("close", {"reason": "no_engagement"}, 409, None),  # a received referral is not yet accepted
    ],
)
async def test_a_decision_with_a_bad_reason_or_in_the_wrong_status_is_refused(service, route, body, status, pointer):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    client = service.referrer if route == "withdraw" else service.provider
    answer = await client.post(f"/v1/referrals/{referral['id']}/{route}", json=body)
    assert answer.status_code == status, answer.text
    if pointer:
        assert answer.json()["errors"][0]["pointer"] == pointer
    else:
        assert answer.json()["detail"] == "the referral is received; only a accepted referral can be closed"
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert read["status"] == "received"


async def test_a_decision_about_an_unknown_referral_is_not_found(service):
    answer = await service.provider.post(f"/v1/referrals/{uuid.uuid4()}/accept")
    assert answer.status_code == 404
    assert (await service.provider.get(f"/v1/referrals/{uuid.uuid4()}")).status_code == 404


async def test_the_start_and_end_of_the_enrolment_enrol_then_close_the_referral(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    enrolment = uuid.uuid4()

    await service.feed(enrolment_started(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["enrolment_id"]) == ("enrolled", str(enrolment))
    assert read["enrolled_at"]

    await service.feed(enrolment_started(referral, enrolment))  # delivered again, as a new message
    await service.feed(enrolment_ended(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["closure_reason"]) == ("closed", "enrolment_ended")

    events = await service.flush()
    assert [type(e) for e in events] == [ReferralReceived, ReferralAccepted, ReferralEnrolled, ReferralClosed]
    assert events[2].enrolment_id == enrolment
    assert events[3].reason == "enrolment_ended"


async def test_an_enrolment_end_that_overtakes_its_start_waits_for_it(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    enrolment = uuid.uuid4()
    await service.feed(enrolment_ended(referral, enrolment), enrolment_started(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["closure_reason"]) == ("closed", "enrolment_ended")
    assert service.transport.dead_letters == []


async def test_an_enrolment_end_whose_start_never_comes_ends_among_the_dead_letters(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    await service.feed(enrolment_ended(referral, uuid.uuid4()))
    [dead] = service.transport.dead_letters
    assert "EnrolmentNotYetSeen" in dead.reason
    assert (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()["status"] == "received"
