"""Capacity, visibly: a full programme waitlists new enrolments, and the oldest waiting one starts
when a place frees up (an enrolment ends, or the capacity is raised)."""

from __future__ import annotations

import uuid

from test_interventions_harness import (  # noqa: F401
    accepted,
    days_ago,
    problem,
    pseudonym,
    received,
    service,
    today,
    withdrawn,
)

from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted


async def _full_programme(service, capacity: int = 2, waiting: int = 1) -> tuple[dict, list[dict], list[dict]]:
    """A programme at capacity with `waiting` enrolments on its waitlist, in the order they came."""
    programme = await service.programme(capacity=capacity)
    active, waitlisted = [], []
    for n in range(capacity + waiting):
        referral_id = await service.accepted_referral(programme)
        answer = await service.enrol(referral_id, programme, days_ago(2))
        assert answer.status_code == 201, answer.text
        (active if n < capacity else waitlisted).append(answer.json())
    return programme, active, waitlisted


async def _started(service) -> list[dict]:
    return [e.data for e in await service.outbox(EnrolmentStarted.event_type)]


async def test_the_enrolment_beyond_capacity_is_waitlisted_with_201_and_its_position(service):
    programme, active, waitlisted = await _full_programme(service, capacity=2, waiting=2)

    assert [e["status"] for e in active] == ["active", "active"]
    assert [(e["status"], e["waitlist_position"]) for e in waitlisted] == [("waitlisted", 1), ("waitlisted", 2)]
    assert waitlisted[0]["start_date"] == days_ago(2).isoformat()
    assert [e["enrolment_id"] for e in await _started(service)] == [e["id"] for e in active]
    shown = (await service.provider.get(f"/v1/programmes/{programme['id']}")).json()
    assert (shown["active_enrolments"], shown["waitlisted_enrolments"]) == (2, 2)

    queue = await service.provider.get(f"/v1/programmes/{programme['id']}/waitlist")
    assert queue.status_code == 200, queue.text
    assert [(e["id"], e["waitlist_position"]) for e in queue.json()["items"]] == \
        [(waitlisted[0]["id"], 1), (waitlisted[1]["id"], 2)]
    second_page = (await service.provider.get(f"/v1/programmes/{programme['id']}/waitlist",
                                            params={"offset": 1})).json()["items"]
    assert [(e["id"], e["waitlist_position"]) for e in second_page] == [(waitlisted[1]["id"], 2)]
    assert (await service.enrolment(waitlisted[1]["id"]))["waitlist_position"] == 2


async def test_ending_an_active_enrolment_starts_the_oldest_waitlisted_one_today(service):
    programme, active, waitlisted = await _full_programme(service, capacity=2, waiting=2)

    answer = await service.provider.post(f"/v1/enrolments/{active[0]['id']}/end",
                                       json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert answer.status_code == 200, answer.text

    promoted = await service.enrolment(waitlisted[0]["id"])
    assert (promoted["status"], promoted["start_date"], promoted["waitlist_position"]) == \
        ("active", today().isoformat(), None)
    assert (await service.enrolment(waitlisted[1]["id"]))["waitlist_position"] == 1
    started = (await _started(service))[-1]
    assert (started["enrolment_id"], started["start_date"], started["subject_pseudonym"]) == \
        (promoted["id"], today().isoformat(), pseudonym(uuid.UUID(promoted["referral_id"])))
    outbox = [e.type for e in await service.outbox()]
    # The end is published before the start it made room for.
    assert outbox[-2:] == [EnrolmentEnded.event_type, EnrolmentStarted.event_type]
    queue = (await service.provider.get(f"/v1/programmes/{programme['id']}/waitlist")).json()["items"]
    assert [e["id"] for e in queue] == [waitlisted[1]["id"]]


async def test_raising_the_capacity_starts_as_many_waitlisted_enrolments_as_it_makes_room_for(service):
    programme, _active, waitlisted = await _full_programme(service, capacity=2, waiting=3)

    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}", json={"capacity": 4})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["active_enrolments"], answer.json()["waitlisted_enrolments"]) == (4, 1)
    assert [(await service.enrolment(e["id"]))["status"] for e in waitlisted] == ["active", "active", "waitlisted"]
    assert [e["enrolment_id"] for e in (await _started(service))[-2:]] == [waitlisted[0]["id"], waitlisted[1]["id"]]

    await service.admin.patch(f"/v1/programmes/{programme['id']}", json={"capacity": None})
    assert (await service.enrolment(waitlisted[2]["id"]))["status"] == "active"


async def test_lowering_the_capacity_below_the_active_count_keeps_them_and_waitlists_the_next(service):
    programme, active, _ = await _full_programme(service, capacity=3, waiting=0)
    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}", json={"capacity": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json()["active_enrolments"] == 3

    newcomer = await service.enrol(await service.accepted_referral(programme), programme, today())
    assert (newcomer.status_code, newcomer.json()["status"], newcomer.json()["waitlist_position"]) == \
        (201, "waitlisted", 1)
    # Two ends still leave the programme full at one place.
    for enrolment in active[:2]:
        await service.provider.post(f"/v1/enrolments/{enrolment['id']}/end",
                                  json={"end_date": today().isoformat(), "exit_reason": "disengaged"})
    assert (await service.enrolment(newcomer.json()["id"]))["status"] == "waitlisted"
    await service.provider.post(f"/v1/enrolments/{active[2]['id']}/end",
                              json={"end_date": today().isoformat(), "exit_reason": "moved_away"})
    assert (await service.enrolment(newcomer.json()["id"]))["status"] == "active"


async def test_a_waiting_enrolment_accepted_while_the_programme_is_full_joins_the_waitlist(service):
    programme, _active, waitlisted = await _full_programme(service, capacity=1, waiting=1)
    referral_id = uuid.uuid4()
    posted = await service.enrol(referral_id, programme, today())
    assert posted.status_code == 202, posted.text

    await service.deliver(received(referral_id, programme), accepted(referral_id, programme))
    late = await service.enrolment(posted.json()["id"])
    assert (late["status"], late["waitlist_position"]) == ("waitlisted", 2)
    assert (await service.enrolment(waitlisted[0]["id"]))["waitlist_position"] == 1


async def test_a_freed_place_goes_to_the_first_in_line_not_to_a_newcomer(service):
    programme, active, waitlisted = await _full_programme(service, capacity=1, waiting=1)
    await service.provider.post(f"/v1/enrolments/{active[0]['id']}/end",
                              json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert (await service.enrolment(waitlisted[0]["id"]))["status"] == "active"
    newcomer = await service.enrol(await service.accepted_referral(programme), programme, today())
    assert newcomer.json()["status"] == "waitlisted"


async def test_a_waitlisted_enrolment_whose_referral_is_withdrawn_is_rejected_and_leaves_the_queue(service):
    programme, _active, waitlisted = await _full_programme(service, capacity=1, waiting=2)
    referral_id = uuid.UUID(waitlisted[0]["referral_id"])
    await service.deliver(withdrawn(referral_id, programme, "moved_out_of_area"))

    gone = await service.enrolment(waitlisted[0]["id"])
    assert (gone["status"], gone["rejection_reason"], gone["waitlist_position"]) == \
        ("rejected", "the referral was withdrawn: moved_out_of_area", None)
    assert (await service.enrolment(waitlisted[1]["id"]))["waitlist_position"] == 1


async def test_a_waitlisted_enrolment_can_be_ended_before_it_starts_without_publishing_an_end(service):
    programme, _active, waitlisted = await _full_programme(service, capacity=1, waiting=2)
    url = f"/v1/enrolments/{waitlisted[0]['id']}/end"

    refused = await service.provider.post(url, json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert problem(refused, 422)["errors"][0]["pointer"] == "/body/exit_reason"

    answer = await service.provider.post(url, json={"end_date": today().isoformat(),
                                                  "exit_reason": "declined_support", "note": "Chose another service"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["exit_reason"], answer.json()["started_at"]) == \
        ("ended", "declined_support", None)
    assert await service.outbox(EnrolmentEnded.event_type) == []
    # Leaving the queue frees no place: the one behind moves up, and waits.
    behind = await service.enrolment(waitlisted[1]["id"])
    assert (behind["status"], behind["waitlist_position"]) == ("waitlisted", 1)


async def test_the_waitlist_of_an_unknown_programme_is_a_404(service):
    problem(await service.provider.get(f"/v1/programmes/{uuid.uuid4()}/waitlist"), 404)


async def test_no_one_starts_from_the_waitlist_of_a_programme_that_no_longer_runs(service):
    programme, active, waitlisted = await _full_programme(service, capacity=1, waiting=1)
    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}",
                                        json={"capacity": 2, "active_to": days_ago(1).isoformat()})
    assert answer.status_code == 200, answer.text
    # It would start today, a day the programme does not run.
    assert (await service.enrolment(waitlisted[0]["id"]))["status"] == "waitlisted"
    await service.provider.post(f"/v1/enrolments/{active[0]['id']}/end",
                              json={"end_date": days_ago(1).isoformat(), "exit_reason": "completed"})
    assert (await service.enrolment(waitlisted[0]["id"]))["status"] == "waitlisted"
    assert len(await _started(service)) == 1
