"""The interventions service's audit trail: each read, list and change of an enrolment, its
contacts or a waitlist, and each refusal, names who (client, organisation, role), what, which
record and the outcome; a change and its entry commit together; administrators search it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from test_interventions_harness import (  # noqa: F401
    ADMIN_ORG,
    OTHER_PROVIDER_ORG,
    PROVIDER_ORG,
    REFERRER_ORG,
    problem,
    service,
    today,
)

from vru_shared.audit import AuditAction, AuditOutcome

CLIENT = "vru_youth_trust_case_system"


def _what(entries: list[dict]) -> list[tuple]:
    return [(e["action"], e["resource_type"], e["resource_id"], e["outcome"], e["detail"]) for e in entries]


async def test_every_read_list_and_change_of_an_enrolment_is_audited_with_who_did_it(service):
    programme = await service.programme(capacity=1)
    referral_id = await service.accepted_referral(programme)
    me = service.headers("provider", PROVIDER_ORG, client_id=CLIENT)
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    enrolment = (await service.enrol(referral_id, programme, today(), me)).json()
    url = f"/v1/enrolments/{enrolment['id']}"
    contact = (await service.client.post(f"{url}/contacts", headers=me, json={
        "contact_at": an_hour_ago, "kind": "video", "duration_minutes": 30})).json()
    for path in (url, f"{url}/contacts", "/v1/enrolments", f"/v1/programmes/{programme['id']}/waitlist"):
        assert (await service.client.get(path, headers=me)).status_code == 200, path
    ended = await service.client.post(f"{url}/end", headers=me,
                                      json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert ended.status_code == 200, ended.text

    entries = await service.audit(client_id=CLIENT)
    assert _what(entries) == [
        (AuditAction.CREATE, "enrolment", enrolment["id"], AuditOutcome.ALLOWED, "active"),
        (AuditAction.CREATE, "enrolment", enrolment["id"], AuditOutcome.ALLOWED, f"contact {contact['id']}"),
        (AuditAction.READ, "enrolment", enrolment["id"], AuditOutcome.ALLOWED, None),
        (AuditAction.LIST, "enrolment", enrolment["id"], AuditOutcome.ALLOWED, "contacts: 1 items"),
        (AuditAction.LIST, "enrolment", None, AuditOutcome.ALLOWED, "1 items"),
        (AuditAction.LIST, "waitlist", programme["id"], AuditOutcome.ALLOWED, "0 items"),
        (AuditAction.UPDATE, "enrolment", enrolment["id"], AuditOutcome.ALLOWED, "ended: completed"),
    ]
    assert {(e["organisation_id"], e["role"]) for e in entries} == {(PROVIDER_ORG, "provider")}
    assert all(e["correlation_id"] for e in entries)


async def test_another_organisations_record_is_audited_as_not_found_with_the_id_asked_for(service):
    programme = await service.programme()
    enrolment = (await service.enrol(await service.accepted_referral(programme), programme, today())).json()
    other = service.headers("provider", OTHER_PROVIDER_ORG, client_id="vru_other_trust")
    unknown = str(uuid.uuid4())

    for enrolment_id in (enrolment["id"], unknown):
        problem(await service.client.get(f"/v1/enrolments/{enrolment_id}", headers=other), 404)
    problem(await service.client.post(f"/v1/enrolments/{enrolment['id']}/end", headers=other,
                                      json={"end_date": today().isoformat(), "exit_reason": "completed"}), 404)
    problem(await service.client.get(f"/v1/programmes/{programme['id']}/waitlist", headers=other), 404)
    problem(await service.enrol(await service.accepted_referral(programme), programme, today(), other), 404)

    assert _what(await service.audit(client_id="vru_other_trust")) == [
        (AuditAction.READ, "enrolment", enrolment["id"], AuditOutcome.NOT_FOUND, "another organisation's"),
        (AuditAction.READ, "enrolment", unknown, AuditOutcome.NOT_FOUND, "no such record"),
        (AuditAction.UPDATE, "enrolment", enrolment["id"], AuditOutcome.NOT_FOUND, "another organisation's"),
        (AuditAction.LIST, "waitlist", programme["id"], AuditOutcome.NOT_FOUND, "another organisation's"),
        (AuditAction.CREATE, "programme", programme["id"], AuditOutcome.NOT_FOUND, "another organisation's"),
    ]
    assert (await service.enrolment(enrolment["id"]))["status"] == "active"


async def test_a_refusal_for_want_of_a_scope_is_audited_as_denied(service):
    programme = await service.programme()
    enrolment = (await service.enrol(await service.accepted_referral(programme), programme, today())).json()
    referrer = service.headers("referrer", REFERRER_ORG, client_id="vru_custody_suite")

    problem(await service.client.get(f"/v1/enrolments/{enrolment['id']}", headers=referrer), 403)
    problem(await service.client.get("/v1/enrolments", headers=referrer), 403)
    problem(await service.client.patch(f"/v1/programmes/{programme['id']}", headers=referrer,
                                       json={"capacity": 1}), 403)

    entries = await service.audit(client_id="vru_custody_suite")
    assert _what(entries) == [
        (AuditAction.READ, "enrolment", enrolment["id"], AuditOutcome.DENIED, "lacks the scope enrolments:read"),
        (AuditAction.LIST, "enrolment", None, AuditOutcome.DENIED, "lacks the scope enrolments:read"),
        (AuditAction.UPDATE, "programme", programme["id"], AuditOutcome.DENIED, "lacks the scope programmes:write"),
    ]
    assert {(e["organisation_id"], e["role"]) for e in entries} == {(REFERRER_ORG, "referrer")}


async def test_a_change_that_fails_leaves_no_entry_saying_it_was_made(service):
    programme = await service.programme()
    enrolment = (await service.enrol(await service.accepted_referral(programme), programme, today())).json()
    url = f"/v1/enrolments/{enrolment['id']}/end"
    for _ in range(2):
        await service.provider.post(url, json={"end_date": today().isoformat(), "exit_reason": "completed"})
    problem(await service.provider.post(url, json={"end_date": today().isoformat(), "exit_reason": "completed"}),
            409)

    updates = await service.audit(action=AuditAction.UPDATE, resource_id=enrolment["id"])
    assert len(updates) == 1


async def test_administrators_search_the_trail_and_the_programmes_they_change_are_in_it(service):
    admin = service.headers("administrator", ADMIN_ORG, client_id="vru_admin_console")
    answer = await service.client.post("/v1/programmes", headers=admin, json={
        "name": "Navigators", "provider_organisation_id": str(PROVIDER_ORG), "tier": "secondary",
        "accepted_sources": ["emergency_department"], "min_age": 10, "max_age": 24,
        "active_from": today().isoformat()})
    programme = answer.json()
    await service.client.patch(f"/v1/programmes/{programme['id']}", headers=admin, json={"capacity": 4})
    enrolment = (await service.enrol(await service.accepted_referral(programme), programme, today())).json()
    await service.provider.get(f"/v1/enrolments/{enrolment['id']}")

    found = await service.admin.get("/v1/audit/interventions", params={"resource_id": enrolment["id"]})
    assert found.status_code == 200, found.text
    assert [(e["action"], e["outcome"]) for e in found.json()["items"]] == [("read", "allowed"), ("create", "allowed")]
    mine = (await service.admin.get("/v1/audit/interventions", params={"client_id": "vru_admin_console"})).json()
    assert [(e["action"], e["resource_type"], e["resource_id"], e["detail"]) for e in mine["items"]] == [
        ("update", "programme", programme["id"], "changed: capacity"),
        ("create", "programme", programme["id"], f"provider organisation {PROVIDER_ORG}"),
    ]
