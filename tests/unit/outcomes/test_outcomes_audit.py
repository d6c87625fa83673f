"""The audit trail of the outcomes service: every read, list and change of an outcome record, and
every refusal, with who asked; metric reads, which hold no personal data, are not in it."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from outcomes_harness import OTHER_PROVIDER, PROVIDER, VRU, World, world  # noqa: F401

ETE = {"domain": "ete", "point": "exit", "observed_on": "2025-02-01", "status": "education"}


async def _trail(world: World, **params) -> list[dict]:
    answer = await world.client.get("/v1/audit/outcomes", params={"limit": 500, **params},
                                    headers=world.headers("administrator"))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _summary(entries: list[dict]) -> list[tuple]:
    """Oldest first: (action, resource type, resource id, outcome, organisation)."""
    return [(e["action"], e["resource_type"], e["resource_id"], e["outcome"], e["organisation_id"])
            for e in reversed(entries)]


@pytest.fixture
async def enrolment(world: World) -> uuid.UUID:
    return await world.member(await world.programme(organisation=PROVIDER), date(2025, 1, 6))


async def test_recording_reading_and_listing_an_outcome_are_each_audited_with_who_did_it(world, enrolment):
    provider = world.headers("provider", PROVIDER, client_id="vru_case_system")
    created = (await world.outcome(enrolment, **ETE, headers=provider)).json()
    await world.client.get(f"/v1/outcomes/{created['id']}", headers=provider)
    await world.client.get("/v1/outcomes", params={"domain": "ete"}, headers=provider)
    entries = await _trail(world, resource_type="outcome_record")
    assert _summary(entries) == [
        ("create", "outcome_record", created["id"], "allowed", str(PROVIDER)),
        ("read", "outcome_record", created["id"], "allowed", str(PROVIDER)),
        ("list", "outcome_record", None, "allowed", str(PROVIDER)),
    ]
    assert {(e["client_id"], e["role"]) for e in entries} == {("vru_case_system", "provider")}
    assert entries[0]["detail"] == "1 items (domain=ete)"
    assert all(e["correlation_id"] for e in entries)


async def test_another_organisations_attempts_are_audited_as_not_found_naming_the_record_asked_for(
        world, enrolment):
    created = await world.ete(enrolment, "education", date(2025, 2, 1))
    other = world.headers("provider", OTHER_PROVIDER)
    assert (await world.client.get(f"/v1/outcomes/{created['id']}", headers=other)).status_code == 404
    assert (await world.outcome(enrolment, **ETE, headers=other)).status_code == 404
    theirs = await _trail(world, organisation_id=str(OTHER_PROVIDER))
    assert _summary(theirs) == [
        ("read", "outcome_record", created["id"], "not_found", str(OTHER_PROVIDER)),
        ("create", "enrolment", str(enrolment), "not_found", str(OTHER_PROVIDER)),
    ]


async def test_an_unknown_outcome_record_asked_for_is_audited_as_not_found(world):
    unknown = uuid.uuid4()
    assert (await world.client.get(f"/v1/outcomes/{unknown}")).status_code == 404
    assert _summary(await _trail(world)) == [("read", "outcome_record", str(unknown), "not_found", str(PROVIDER))]


async def test_a_refusal_for_want_of_a_scope_is_audited_as_denied(world, enrolment):
    created = await world.ete(enrolment, "education", date(2025, 2, 1))
    vru = world.headers("vru")
    assert (await world.client.get(f"/v1/outcomes/{created['id']}", headers=vru)).status_code == 403
    assert (await world.client.get("/v1/metrics", headers=world.headers("referrer"))).status_code == 403
    denied = await _trail(world, outcome="denied")
    assert [(e["action"], e["resource_type"], e["resource_id"], e["role"]) for e in reversed(denied)] == [
        ("read", "outcome_record", created["id"], "vru"),
        ("list", "metric", None, "referrer"),
    ]
    assert denied[1]["detail"] == "the token lacks the scope outcomes:read"


async def test_metric_reads_are_not_audited_but_a_refused_audience_is(world, enrolment):
    await world.metric("ete.in_ete_at_latest")
    await world.metric("ete.in_ete_at_latest", headers=world.headers("vru"))
    await world.client.get("/v1/metrics")
    assert await _trail(world, resource_type="metric") == []
    refused = await world.metric_answer("ete.in_ete_at_latest", audience="internal", headers=world.headers("vru"))
    assert refused.status_code == 403
    assert _summary(await _trail(world, resource_type="metric")) == [
        ("read", "metric", "ete.in_ete_at_latest", "denied", str(VRU))]


async def test_a_request_without_a_token_is_refused_and_not_audited(world, enrolment):
    assert (await world.client.get("/v1/outcomes", headers={"Authorization": ""})).status_code == 401
    assert (await world.client.get("/v1/outcomes", headers={"Authorization": "Bearer forged"})).status_code == 401
    assert await _trail(world) == []


async def test_a_rejected_outcome_changes_nothing_and_leaves_no_create_in_the_trail(world, enrolment):
    answer = await world.outcome(enrolment, **{**ETE, "observed_on": "2024-01-01"})
    assert answer.status_code == 422
    assert await _trail(world, action="create") == []


@pytest.mark.parametrize("since", ["0", "1700000000", "2024-05-01 09:30:00+01:00", "0001-01-01T00:00:01-00:00"])
async def test_a_search_from_a_moment_not_written_as_rfc_3339_is_refused_naming_the_parameter(world, since):
    answer = await world.client.get("/v1/audit/outcomes", params={"since": since},
                                    headers=world.headers("administrator"))
    assert answer.status_code == 422, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/query/since"]
