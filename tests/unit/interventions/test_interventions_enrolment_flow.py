"""Enrolment from an accepted referral, over HTTP and the bus: waiting for the referral's events in
whatever order they come, refusals at once when what is known rules it out, and rejections when a
later event does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from test_interventions_harness import (  # noqa: F401
    OTHER_PROVIDER_ORG,
    accepted,
    closed,
    days_ago,
    declined,
    enrolled,
    pointers,
    problem,
    pseudonym,
    received,
    service,
    today,
    withdrawn,
)

from vru_interventions.adapters.orm import known_referrals
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.events import Envelope


async def _started_events(service) -> list[dict]:
    return [e.data for e in await service.outbox(EnrolmentStarted.event_type)]


async def test_an_enrolment_waits_for_the_referral_then_its_acceptance_then_starts(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    start = days_ago(3)

    posted = await service.enrol(referral_id, programme, start)
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "awaiting_referral"
    assert posted.headers["location"] == f"/v1/enrolments/{posted.json()['id']}"
    enrolment_id = posted.json()["id"]

    await service.deliver(received(referral_id, programme))
    assert (await service.enrolment(enrolment_id))["status"] == "awaiting_acceptance"
    assert await _started_events(service) == []

    before = datetime.now(UTC)
    await service.deliver(accepted(referral_id, programme))
    active = await service.enrolment(enrolment_id)
    assert (active["status"], active["start_date"]) == ("active", start.isoformat())
    started_at = datetime.fromisoformat(active["started_at"])
    assert before <= started_at <= datetime.now(UTC)
    [event] = await _started_events(service)
    assert event == {"enrolment_id": enrolment_id, "referral_id": str(referral_id), "programme_id": programme["id"],
                     "subject_pseudonym": pseudonym(referral_id), "start_date": start.isoformat(),
                     "started_at": event["started_at"]}
    assert datetime.fromisoformat(event["started_at"]) == started_at
    assert service.transport.dead_letters == []


async def test_an_acceptance_that_comes_before_the_referral_is_kept_and_the_referral_then_starts_it(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    posted = await service.enrol(referral_id, programme, days_ago(1))
    assert posted.status_code == 202, posted.text

    await service.deliver(accepted(referral_id, programme))
    # Accepted, but who it is about and when it was made come only with the referral itself.
    assert (await service.enrolment(posted.json()["id"]))["status"] == "awaiting_referral"

    await service.deliver(received(referral_id, programme))
    assert (await service.enrolment(posted.json()["id"]))["status"] == "active"
    assert [e["enrolment_id"] for e in await _started_events(service)] == [posted.json()["id"]]
    assert service.transport.dead_letters == []


async def test_an_enrolment_for_an_accepted_referral_starts_at_once_with_201(service):
    programme = await service.programme()
    referral_id = await service.accepted_referral(programme)

    answer = await service.enrol(referral_id, programme, today())
    assert answer.status_code == 201, answer.text
    assert (answer.json()["status"], answer.json()["waitlist_position"]) == ("active", None)
    assert [e["referral_id"] for e in await _started_events(service)] == [str(referral_id)]


async def test_an_enrolment_for_a_referral_not_yet_accepted_is_202_awaiting_acceptance(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    await service.deliver(received(referral_id, programme))
    answer = await service.enrol(referral_id, programme, today())
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "awaiting_acceptance"


async def test_a_decline_or_withdrawal_arriving_later_rejects_the_waiting_enrolment_and_leaves_room(service):
    programme = await service.programme()
    waiting_for_acceptance, waiting_for_referral = uuid.uuid4(), uuid.uuid4()
    await service.deliver(received(waiting_for_acceptance, programme))
    first = (await service.enrol(waiting_for_acceptance, programme, today())).json()
    second = (await service.enrol(waiting_for_referral, programme, today())).json()

    await service.deliver(declined(waiting_for_acceptance, programme, "outside_area"),
                          withdrawn(waiting_for_referral, programme, "consent_withdrawn"))

    first, second = await service.enrolment(first["id"]), await service.enrolment(second["id"])
    assert (first["status"], first["rejection_reason"]) == ("rejected", "the referral was declined: outside_area")
    assert (second["status"], second["rejection_reason"]) == \
        ("rejected", "the referral was withdrawn: consent_withdrawn")
    assert await _started_events(service) == []
    # The referral that came late is accepted after all: its acceptance does not undo the withdrawal.
    await service.deliver(received(waiting_for_referral, programme), accepted(waiting_for_referral, programme))
    assert (await service.enrolment(second["id"]))["status"] == "rejected"


async def test_a_referral_that_arrives_for_another_programme_rejects_the_waiting_enrolment(service):
    programme = await service.programme(name="One")
    other = await service.programme(name="Two")
    referral_id = uuid.uuid4()
    posted = (await service.enrol(referral_id, programme, today())).json()
    await service.deliver(received(referral_id, other), accepted(referral_id, other))
    rejected = await service.enrolment(posted["id"])
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "the referral is to another programme")

    corrected = await service.enrol(referral_id, other, today())
    assert (corrected.status_code, corrected.json()["status"]) == (201, "active")


async def test_a_start_before_the_late_referral_was_made_rejects_the_waiting_enrolment(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    posted = (await service.enrol(referral_id, programme, days_ago(10))).json()
    await service.deliver(received(referral_id, programme, referred_days_ago=5))
    rejected = await service.enrolment(posted["id"])
    assert (rejected["status"], rejected["rejection_reason"]) == \
        ("rejected", "start_date is before the referral was made")


async def test_what_is_already_known_refuses_an_enrolment_at_once_with_a_422_and_keeps_nothing(service):
    programme = await service.programme(active_from=days_ago(30).isoformat())
    other = await service.programme(name="Elsewhere")
    to_other = await service.accepted_referral(other)
    recent = await service.accepted_referral(programme, referred_days_ago=2)
    refused = {}
    for name, event in (("declined", declined), ("withdrawn", withdrawn), ("closed", closed)):
        refused[name] = uuid.uuid4()
        await service.deliver(received(refused[name], programme), event(refused[name], programme))
    heard_only_of_decline = uuid.uuid4()
    await service.deliver(declined(heard_only_of_decline, programme))

    cases = [
        (to_other, today(), "/body/referral_id", "the referral is to another programme"),
        (recent, days_ago(3), "/body/referral_id", "start_date is before the referral was made"),
        (refused["declined"], today(), "/body/referral_id", "the referral was declined: not_eligible"),
        (refused["withdrawn"], today(), "/body/referral_id", "the referral was withdrawn: consent_withdrawn"),
        (refused["closed"], today(), "/body/referral_id", "the referral was closed: no_contact"),
        (heard_only_of_decline, today(), "/body/referral_id", "the referral was declined: not_eligible"),
        (recent, days_ago(-1), "/body/start_date", "start_date is in the future"),
        (uuid.uuid4(), days_ago(31), "/body/start_date",
         f"start_date is before the programme begins on {days_ago(30).isoformat()}"),
    ]
    for referral_id, start, pointer, detail in cases:
        answer = await service.enrol(referral_id, programme, start)
        body = problem(answer, 422)
        assert (body["detail"], pointers(answer)) == (detail, [pointer])
        assert body["type"].endswith("/invalid-enrolment")

    assert (await service.provider.get("/v1/enrolments")).json()["items"] == []
    assert await _started_events(service) == []


async def test_an_enrolment_may_not_start_after_the_programme_ended(service):
    programme = await service.programme(active_from=days_ago(30).isoformat(), active_to=days_ago(5).isoformat())
    referral_id = await service.accepted_referral(programme, referred_days_ago=10)
    answer = await service.enrol(referral_id, programme, days_ago(4))
    assert problem(answer, 422)["detail"] == f"start_date is after the programme ended on {days_ago(5).isoformat()}"
    assert (await service.enrol(referral_id, programme, days_ago(5))).status_code == 201


async def test_a_second_live_enrolment_for_one_referral_is_a_409(service):
    programme = await service.programme()
    referral_id = await service.accepted_referral(programme)
    waiting_id = uuid.uuid4()
    assert (await service.enrol(referral_id, programme, today())).status_code == 201
    assert (await service.enrol(waiting_id, programme, today())).status_code == 202

    assert problem(await service.enrol(referral_id, programme, today()), 409)["type"].endswith("/already-enrolled")
    assert problem(await service.enrol(waiting_id, programme, today()), 409)["type"].endswith("/already-enrolled")
    assert len((await service.provider.get("/v1/enrolments")).json()["items"]) == 2


async def test_a_referral_closed_while_its_enrolment_is_active_leaves_the_enrolment_to_the_provider(service):
    programme = await service.programme()
    referral_id = await service.accepted_referral(programme)
    enrolment = (await service.enrol(referral_id, programme, today())).json()
    await service.deliver(enrolled(referral_id, programme, enrolment["id"]), closed(referral_id, programme))
    assert (await service.enrolment(enrolment["id"]))["status"] == "active"


async def test_the_referral_projection_moves_only_forward_whatever_order_its_events_come_in(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    enrolment_id = str(uuid.uuid4())
    # The referral's whole life, delivered backwards.
    await service.deliver(closed(referral_id, programme, "enrolment_ended"),
                          enrolled(referral_id, programme, enrolment_id),
                          accepted(referral_id, programme),
                          received(referral_id, programme, referred_days_ago=7))

    async with service.app.state.runtime.sessions() as session:
        row = (await session.execute(select(known_referrals))).one()
    assert (row.status, row.status_reason, row.subject_pseudonym) == \
        ("closed", "enrolment_ended", pseudonym(referral_id))
    assert row.referred_at.date() == days_ago(7)
    assert service.transport.dead_letters == []


async def test_an_acceptance_delivered_twice_or_sent_twice_starts_the_enrolment_once(service):
    programme = await service.programme()
    referral_id = uuid.uuid4()
    posted = (await service.enrol(referral_id, programme, today())).json()
    await service.deliver(received(referral_id, programme))
    envelope = Envelope.wrap(accepted(referral_id, programme), source="/vru/referrals", correlation_id="twice")
    await service.transport.publish([envelope, envelope])
    await service.transport.drain()
    await service.deliver(accepted(referral_id, programme))

    assert (await service.enrolment(posted["id"]))["status"] == "active"
    assert len(await _started_events(service)) == 1


async def test_an_enrolment_on_an_unknown_programme_or_another_providers_is_the_same_404(service):
    others = await service.programme(name="Elsewhere", provider_organisation_id=str(OTHER_PROVIDER_ORG))
    referral_id = await service.accepted_referral(others)
    unknown = {"id": str(uuid.uuid4())}

    answers = [await service.enrol(referral_id, programme, today()) for programme in (unknown, others)]

    for answer, programme in zip(answers, (unknown, others), strict=True):
        body = problem(answer, 404)
        assert (body["type"].split("/")[-1], body["detail"], pointers(answer)) == \
            ("unknown-programme", f"no programme {programme['id']}", ["/body/programme_id"])
    other_provider = service.headers("provider", OTHER_PROVIDER_ORG)
    assert (await service.client.get("/v1/enrolments", headers=other_provider)).json()["items"] == []
    assert await _started_events(service) == []
