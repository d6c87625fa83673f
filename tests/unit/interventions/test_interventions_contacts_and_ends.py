"""Contacts during an active enrolment, and the end of one, over HTTP: the rules, and what is published."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from test_interventions_harness import days_ago, pointers, problem, service, today  # noqa: F401

from vru_shared.contracts.interventions import ContactRecorded, EnrolmentEnded


async def _active(service, start_days_ago: int = 5) -> tuple[dict, dict]:
    programme = await service.programme()
    referral_id = await service.accepted_referral(programme)
    answer = await service.enrol(referral_id, programme, days_ago(start_days_ago))
    assert answer.json()["status"] == "active", answer.text
    return programme, answer.json()


def _contact(contact_at: datetime, kind: str = "face_to_face", minutes: int = 45) -> dict:
    return {"contact_at": contact_at.isoformat(), "kind": kind, "duration_minutes": minutes}


async def test_a_contact_on_an_active_enrolment_is_kept_listed_in_time_order_and_published(service):
    programme, enrolment = await _active(service)
    url = f"/v1/enrolments/{enrolment['id']}/contacts"
    # 09:30 in UTC+1 on the day before yesterday is 08:30 UTC.
    plus_one = timezone(timedelta(hours=1))
    later = datetime.combine(days_ago(1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
    earlier = datetime.combine(days_ago(2), datetime.min.time(), tzinfo=plus_one) + timedelta(hours=9, minutes=30)

    first = await service.provider.post(url, json=_contact(later, "phone", 15))
    second = await service.provider.post(url, json=_contact(earlier, "group_session", 600))
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert second.json()["contact_at"] == f"{days_ago(2).isoformat()}T08:30:00Z"

    listed = await service.provider.get(url)
    assert listed.status_code == 200, listed.text
    assert [(c["id"], c["kind"], c["duration_minutes"]) for c in listed.json()["items"]] == \
        [(second.json()["id"], "group_session", 600), (first.json()["id"], "phone", 15)]

    published = [e.data for e in await service.outbox(ContactRecorded.event_type)]
    assert published[0] == {
        "contact_id": first.json()["id"], "enrolment_id": enrolment["id"], "referral_id": enrolment["referral_id"],
        "programme_id": programme["id"], "contact_at": later.isoformat().replace("+00:00", "Z"), "kind": "phone",
        "duration_minutes": 15,
    }
    assert len(published) == 2


async def test_a_contact_that_breaks_a_rule_is_a_422_naming_the_field_and_nothing_is_kept(service):
    _programme, enrolment = await _active(service, start_days_ago=5)
    url = f"/v1/enrolments/{enrolment['id']}/contacts"
    now = datetime.now(UTC)
    start_of_start_day = datetime.combine(days_ago(5), datetime.min.time(), tzinfo=UTC)
    cases = [
        (_contact(now - timedelta(hours=1), minutes=0), "/body/duration_minutes"),
        (_contact(now - timedelta(hours=1), minutes=601), "/body/duration_minutes"),
        (_contact(now - timedelta(hours=1), kind="carrier_pigeon"), "/body/kind"),
        ({**_contact(now), "contact_at": "2026-01-05T10:00:00"}, "/body/contact_at"),
        (_contact(start_of_start_day - timedelta(seconds=1)), "/body/contact_at"),
        (_contact(now + timedelta(minutes=5)), "/body/contact_at"),
    ]
    for body, pointer in cases:
        answer = await service.provider.post(url, json=body)
        problem(answer, 422)
        assert pointers(answer) == [pointer], (body, answer.json())

    assert (await service.provider.post(url, json=_contact(start_of_start_day))).status_code == 201
    assert len((await service.provider.get(url)).json()["items"]) == 1
    assert len(await service.outbox(ContactRecorded.event_type)) == 1


async def test_contacts_are_only_for_active_enrolments(service):
    programme, enrolment = await _active(service)
    waiting = (await service.enrol(uuid.uuid4(), programme, today())).json()
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)

    answer = await service.provider.post(f"/v1/enrolments/{waiting['id']}/contacts", json=_contact(an_hour_ago))
    assert problem(answer, 409)["type"].endswith("/illegal-transition")
    await service.provider.post(f"/v1/enrolments/{enrolment['id']}/end",
                              json={"end_date": today().isoformat(), "exit_reason": "completed"})
    problem(await service.provider.post(f"/v1/enrolments/{enrolment['id']}/contacts", json=_contact(an_hour_ago)), 409)
    problem(await service.provider.post(f"/v1/enrolments/{uuid.uuid4()}/contacts", json=_contact(an_hour_ago)), 404)
    problem(await service.provider.get(f"/v1/enrolments/{uuid.uuid4()}/contacts"), 404)
    assert await service.outbox(ContactRecorded.event_type) == []


async def test_ending_an_active_enrolment_publishes_the_end_with_its_referral(service):
    programme, enrolment = await _active(service, start_days_ago=5)
    answer = await service.provider.post(f"/v1/enrolments/{enrolment['id']}/end", json={
        "end_date": days_ago(1).isoformat(), "exit_reason": "entered_custody", "note": "Remanded"})

    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("status", "end_date", "exit_reason", "note")} == \
        {"status": "ended", "end_date": days_ago(1).isoformat(), "exit_reason": "entered_custody", "note": "Remanded"}
    [ended] = [e.data for e in await service.outbox(EnrolmentEnded.event_type)]
    assert ended == {"enrolment_id": enrolment["id"], "referral_id": enrolment["referral_id"],
                     "programme_id": programme["id"], "end_date": days_ago(1).isoformat(),
                     "exit_reason": "entered_custody"}


async def test_an_end_before_the_start_or_in_the_future_is_a_422_and_a_second_end_a_409(service):
    programme, enrolment = await _active(service, start_days_ago=5)
    url = f"/v1/enrolments/{enrolment['id']}/end"
    for end_date in (days_ago(6), days_ago(-1)):
        answer = await service.provider.post(url, json={"end_date": end_date.isoformat(), "exit_reason": "completed"})
        problem(answer, 422)
        assert pointers(answer) == ["/body/end_date"]
    answer = await service.provider.post(url, json={"end_date": today().isoformat(), "exit_reason": "graduated"})
    problem(answer, 422)
    assert pointers(answer) == ["/body/exit_reason"]

    ended = await service.provider.post(url, json={"end_date": days_ago(5).isoformat(), "exit_reason": "disengaged"})
    assert ended.status_code == 200, ended.text
    again = await service.provider.post(url, json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert problem(again, 409)["type"].endswith("/illegal-transition")
    assert (await service.enrolment(enrolment["id"]))["exit_reason"] == "disengaged"
    assert len(await service.outbox(EnrolmentEnded.event_type)) == 1

    waiting = (await service.enrol(uuid.uuid4(), programme, today())).json()
    problem(await service.provider.post(f"/v1/enrolments/{waiting['id']}/end",
                                      json={"end_date": today().isoformat(), "exit_reason": "other"}), 409)
    problem(await service.provider.post(f"/v1/enrolments/{uuid.uuid4()}/end",
                                      json={"end_date": today().isoformat(), "exit_reason": "other"}), 404)
