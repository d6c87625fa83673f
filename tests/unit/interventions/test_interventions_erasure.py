"""A young person's data erased: the link from this service's records to their pseudonym goes, the
free-text notes go, an enrolment still waiting never starts, and the facts the aggregates count
(dates, statuses, exit reasons, places) stay. Delivered again, it changes nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from test_interventions_harness import (  # noqa: F401
    accepted,
    days_ago,
    erased,
    pseudonym,
    received,
    service,
    today,
)

from vru_interventions.adapters.orm import known_referrals
from vru_shared.audit import AuditAction
from vru_shared.contracts.interventions import EnrolmentStarted


async def _pseudonyms(service) -> dict[uuid.UUID, str | None]:
    async with service.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(known_referrals))).all()
    return {row.referral_id: row.subject_pseudonym for row in rows}


async def _subject_with_an_ended_and_a_waiting_enrolment(service, programme) -> tuple[str, dict, dict]:
    """One young person referred twice: an enrolment that ended with a note, and one awaiting acceptance."""
    first, second = uuid.uuid4(), uuid.uuid4()
    subject = pseudonym(first)
    events = [received(first, programme, referred_days_ago=10), received(second, programme, referred_days_ago=1)]
    events = [e.model_copy(update={"subject_pseudonym": subject}) for e in events]
    await service.deliver(*events, accepted(first, programme))
    ended = (await service.enrol(first, programme, days_ago(5))).json()
    answer = await service.provider.post(f"/v1/enrolments/{ended['id']}/end", json={
        "end_date": days_ago(1).isoformat(), "exit_reason": "moved_away", "note": "Moved to live with an aunt"})
    assert answer.status_code == 200, answer.text
    waiting = await service.enrol(second, programme, today())
    assert waiting.json()["status"] == "awaiting_acceptance", waiting.text
    return subject, answer.json(), waiting.json()


async def test_an_erasure_unlinks_the_subject_clears_notes_and_keeps_what_the_aggregates_count(service):
    programme = await service.programme()
    subject, ended, waiting = await _subject_with_an_ended_and_a_waiting_enrolment(service, programme)
    bystander = await service.accepted_referral(programme)
    bystanders_enrolment = (await service.enrol(bystander, programme, today())).json()

    await service.deliver(erased(subject))

    pseudonyms = await _pseudonyms(service)
    assert subject not in pseudonyms.values()
    assert [p for p in pseudonyms.values() if p == "erased"] == ["erased", "erased"]
    assert pseudonyms[bystander] == pseudonym(bystander)
    after = await service.enrolment(ended["id"])
    assert after["note"] is None
    assert {k: after[k] for k in ("status", "start_date", "end_date", "exit_reason", "started_at")} == \
        {k: ended[k] for k in ("status", "start_date", "end_date", "exit_reason", "started_at")}
    rejected = await service.enrolment(waiting["id"])
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "the young person's data was erased")
    assert (await service.enrolment(bystanders_enrolment["id"]))["status"] == "active"
    shown = (await service.provider.get(f"/v1/programmes/{programme['id']}")).json()
    assert (shown["active_enrolments"], shown["waitlisted_enrolments"]) == (1, 0)
    assert service.transport.dead_letters == []


async def test_an_enrolment_of_an_erased_subject_never_starts_whatever_arrives_later(service):
    programme = await service.programme()
    subject, _ended, waiting = await _subject_with_an_ended_and_a_waiting_enrolment(service, programme)
    started_before = len(await service.outbox(EnrolmentStarted.event_type))

    await service.deliver(erased(subject))
    referral_id = uuid.UUID(waiting["referral_id"])
    # The acceptance comes after all, and the referral itself is delivered again.
    await service.deliver(accepted(referral_id, programme),
                          received(referral_id, programme).model_copy(update={"subject_pseudonym": subject}))

    assert (await service.enrolment(waiting["id"]))["status"] == "rejected"
    assert len(await service.outbox(EnrolmentStarted.event_type)) == started_before
    assert subject not in (await _pseudonyms(service)).values()
    again = await service.enrol(referral_id, programme, today())
    assert (again.status_code, again.json()["detail"]) == (422, "the young person's data was erased")


async def test_a_waitlisted_enrolment_of_an_erased_subject_leaves_the_queue(service):
    programme = await service.programme(capacity=1)
    await service.enrol(await service.accepted_referral(programme), programme, today())
    first_in_line = await service.accepted_referral(programme)
    second_in_line = await service.accepted_referral(programme)
    queued = [(await service.enrol(r, programme, today())).json() for r in (first_in_line, second_in_line)]
    assert [e["waitlist_position"] for e in queued] == [1, 2]

    await service.deliver(erased(pseudonym(first_in_line), reason="retention"))

    assert (await service.enrolment(queued[0]["id"]))["status"] == "rejected"
    assert (await service.enrolment(queued[1]["id"]))["waitlist_position"] == 1


async def test_an_erasure_delivered_again_changes_nothing_and_is_audited_once_per_record(service):
    programme = await service.programme()
    subject, ended, waiting = await _subject_with_an_ended_and_a_waiting_enrolment(service, programme)

    await service.deliver(erased(subject))
    before = (await _pseudonyms(service), await service.enrolment(ended["id"]), await service.enrolment(waiting["id"]))
    await service.deliver(erased(subject), erased(subject, reason="retention"))
    after = (await _pseudonyms(service), await service.enrolment(ended["id"]), await service.enrolment(waiting["id"]))

    assert after == before
    entries = await service.audit(action=AuditAction.ERASE)
    assert sorted((e["resource_type"], e["resource_id"]) for e in entries) == sorted([
        ("referral", ended["referral_id"]), ("referral", waiting["referral_id"]),
        ("enrolment", ended["id"]), ("enrolment", waiting["id"])])
    assert {(e["client_id"], e["outcome"], e["detail"]) for e in entries} == {
        (None, "allowed", "subject erased: request")}
    assert service.transport.dead_letters == []


async def test_the_pseudonym_and_the_notes_are_never_logged(service, capsys):
    programme = await service.programme()
    subject, _ended, _waiting = await _subject_with_an_ended_and_a_waiting_enrolment(service, programme)

    await service.deliver(erased(subject))

    logged = capsys.readouterr()
    assert "subject erased" in logged.out + logged.err
    assert subject not in logged.out + logged.err
    assert "Moved to live with an aunt" not in logged.out + logged.err
