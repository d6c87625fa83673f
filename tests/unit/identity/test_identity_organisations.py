"""Organisations: registered with a role, unique by name, deactivated, and announced to the platform."""

from __future__ import annotations

import uuid

from vru_shared.contracts.identity import OrganisationDeactivated, OrganisationRegistered
from vru_shared.events import Envelope


async def _observe(identity) -> list[Envelope]:
    """Subscribe to the identity events; the list fills as the relay publishes them."""
    seen: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        seen.append(envelope)

    await identity.transport.subscribe(
        "observer", [OrganisationRegistered.event_type, OrganisationDeactivated.event_type], observe
    )
    return seen


async def _published_about(identity, seen: list[Envelope], organisation_id: str) -> list[Envelope]:
    await identity.app.state.runtime.relay.publish_pending()
    await identity.transport.drain()
    return [e for e in seen if e.data["organisation_id"] == organisation_id]


async def test_registering_an_organisation_announces_its_id_name_and_role(identity):
    seen = await _observe(identity)

    organisation = await identity.organisation(name="  Example   Youth Club ", role="referrer")

    [event] = await _published_about(identity, seen, organisation["id"])

    assert organisation["name"] == "Example Youth Club"
    assert organisation["scopes"] == ["referrals:read", "referrals:write", "programmes:read"]
    assert event.type == "identity.organisation.registered.v1"
    assert event.source == "/vru/identity"
    assert event.data == {"organisation_id": organisation["id"], "name": "Example Youth Club", "role": "referrer"}


async def test_deactivating_an_organisation_announces_it_and_a_second_deactivation_is_a_conflict(identity):
    seen = await _observe(identity)
    organisation = await identity.organisation()
    deactivated_at = identity.clock.now

    answer = await identity.http.post(f"/v1/organisations/{organisation['id']}/deactivate")
    again = await identity.http.post(f"/v1/organisations/{organisation['id']}/deactivate")

    assert answer.status_code == 200
    assert answer.json()["active"] is False
    assert again.status_code == 409
    registered, deactivated = await _published_about(identity, seen, organisation["id"])
    assert registered.type == "identity.organisation.registered.v1"
    assert deactivated.type == "identity.organisation.deactivated.v1"
    assert OrganisationDeactivated.model_validate(deactivated.data) == OrganisationDeactivated(
        organisation_id=uuid.UUID(organisation["id"]), deactivated_at=deactivated_at
    )


async def test_two_organisations_cannot_share_a_name_whatever_its_case_and_spacing(identity):
    await identity.organisation(name="Example Mentoring Trust")

    answer = await identity.http.post("/v1/organisations", json={"name": "example  mentoring TRUST", "role": "vru"})

    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert len((await identity.http.get("/v1/organisations")).json()["items"]) == 2  # with the administrators


async def test_an_unknown_role_or_a_blank_name_is_refused_with_a_pointer_to_the_field(identity):
    role = await identity.http.post("/v1/organisations", json={"name": "Example", "role": "police"})
    name = await identity.http.post("/v1/organisations", json={"name": "   ", "role": "vru"})

    assert role.status_code == 422
    assert [e["pointer"] for e in role.json()["errors"]] == ["/body/role"]
    assert name.status_code == 422
    assert [e["pointer"] for e in name.json()["errors"]] == ["/body/name"]


async def test_organisations_are_listed_by_name_and_filtered_by_role_and_activity(identity):
    zulu = await identity.organisation(name="Zulu Outreach", role="provider")
    await identity.organisation(name="Alpha Navigators", role="provider")
    await identity.organisation(name="Example VRU", role="vru")
    await identity.http.post(f"/v1/organisations/{zulu['id']}/deactivate")

    providers = (await identity.http.get("/v1/organisations", params={"role": "provider"})).json()["items"]
    active = (await identity.http.get("/v1/organisations", params={"role": "provider", "active": "true"})).json()

    assert [o["name"] for o in providers] == ["Alpha Navigators", "Zulu Outreach"]
    assert [o["name"] for o in active["items"]] == ["Alpha Navigators"]


async def test_an_organisation_is_read_by_id_and_an_unknown_id_is_404(identity):
    organisation = await identity.organisation()

    found = await identity.http.get(f"/v1/organisations/{organisation['id']}")
    missing = await identity.http.get(f"/v1/organisations/{uuid.uuid4()}")

    assert found.json() == organisation
    assert missing.status_code == 404


async def test_a_client_needs_a_known_and_active_organisation(identity):
    organisation = await identity.organisation()
    await identity.http.post(f"/v1/organisations/{organisation['id']}/deactivate")

    unknown = await identity.http.post(f"/v1/organisations/{uuid.uuid4()}/clients", json={"name": "x"})
    deactivated = await identity.http.post(f"/v1/organisations/{organisation['id']}/clients", json={"name": "x"})

    assert unknown.status_code == 404
    assert deactivated.status_code == 409
    assert (await identity.http.get(f"/v1/organisations/{organisation['id']}/clients")).json()["items"] == []


async def test_creating_a_client_answers_201_with_its_secret(identity):
    organisation = await identity.organisation()

    answer = await identity.http.post(f"/v1/organisations/{organisation['id']}/clients", json={"name": "Case system"})

    assert answer.status_code == 201
    assert answer.json()["organisation_id"] == organisation["id"]
    assert answer.json()["name"] == "Case system"
    assert answer.json()["client_secret"]
    assert answer.json()["revoked_at"] is None
