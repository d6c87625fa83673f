"""The organisations this service hears of from the identity service, and the provider organisation
that runs each programme: only a known, active provider may be named; one not yet heard of is a
422 that says to retry shortly; handing a programme to another provider hands over its records."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from test_interventions_harness import (  # noqa: F401
    OTHER_PROVIDER_ORG,
    PROVIDER_ORG,
    REFERRER_ORG,
    VRU_ORG,
    deactivated,
    pointers,
    problem,
    programme_body,
    registered,
    service,
    today,
)

from vru_interventions.adapters.orm import organisations
from vru_shared.contracts.interventions import ProgrammeCreated, ProgrammeUpdated


async def _organisation_rows(service) -> dict[uuid.UUID, tuple]:
    async with service.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(organisations))).all()
    return {row.id: (row.name, row.role, row.active) for row in rows}


async def test_a_provider_not_yet_heard_of_is_a_422_saying_to_retry_and_once_registered_it_runs_the_programme(
    service,
):
    newcomer = uuid.uuid4()
    body = programme_body(name="Street outreach", provider_organisation_id=str(newcomer))

    answer = await service.admin.post("/v1/programmes", json=body)

    refused = problem(answer, 422)
    assert refused["type"].endswith("/unknown-organisation")
    assert "retry shortly" in refused["detail"]
    assert pointers(answer) == ["/body/provider_organisation_id"]
    assert (await service.admin.get("/v1/programmes")).json()["items"] == []
    assert await service.outbox() == []

    await service.deliver(registered(newcomer, "Example Outreach Team", "provider"))
    answer = await service.admin.post("/v1/programmes", json=body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["provider_organisation_id"], answer.json()["provider"]) == \
        (str(newcomer), "Example Outreach Team")
    [created] = await service.outbox(ProgrammeCreated.event_type)
    assert (created.data["provider_organisation_id"], created.data["provider"]) == \
        (str(newcomer), "Example Outreach Team")


async def test_an_organisation_that_is_not_an_active_provider_cannot_run_a_programme(service):
    closing = uuid.uuid4()
    deactivated_first = uuid.uuid4()
    await service.deliver(registered(closing, "Closing Trust", "provider"), deactivated(closing),
                          # Its deactivation overtook its registration: it stays deactivated.
                          deactivated(deactivated_first), registered(deactivated_first, "Late Trust", "provider"))
    cases = [
        (REFERRER_ORG, "the organisation is a referrer organisation, not a provider"),
        (VRU_ORG, "the organisation is a vru organisation, not a provider"),
        (closing, "the organisation has been deactivated"),
        (deactivated_first, "the organisation has been deactivated"),
    ]
    for organisation_id, why in cases:
        answer = await service.admin.post("/v1/programmes", json=programme_body(
            provider_organisation_id=str(organisation_id)))
        body = problem(answer, 422)
        assert body["type"].endswith("/invalid-programme")
        assert body["errors"] == [{"pointer": "/body/provider_organisation_id", "detail": why}]
    assert await service.outbox() == []
    assert (await _organisation_rows(service))[deactivated_first] == ("Late Trust", "provider", False)
    assert service.transport.dead_letters == []


async def test_the_provider_is_named_by_organisation_not_by_free_text(service):
    body = programme_body(provider="Youth Trust")
    answer = await service.admin.post("/v1/programmes", json=body)
    problem(answer, 422)
    assert pointers(answer) == ["/body/provider"]
    del body["provider"], body["provider_organisation_id"]
    answer = await service.admin.post("/v1/programmes", json=body)
    problem(answer, 422)
    assert pointers(answer) == ["/body/provider_organisation_id"]


async def test_a_deactivated_provider_keeps_its_programmes_but_cannot_be_given_another(service):
    programme = await service.programme()
    await service.deliver(deactivated(PROVIDER_ORG))

    kept = await service.admin.patch(f"/v1/programmes/{programme['id']}", json={"capacity": 3})
    assert (kept.status_code, kept.json()["provider_organisation_id"]) == (200, str(PROVIDER_ORG))
    answer = await service.admin.post("/v1/programmes", json=programme_body(name="Another"))
    assert problem(answer, 422)["errors"][0]["detail"] == "the organisation has been deactivated"


async def test_handing_a_programme_to_another_provider_publishes_it_and_hands_over_its_enrolments(service):
    programme = await service.programme()
    enrolment = (await service.enrol(await service.accepted_referral(programme), programme, today())).json()
    other = service.headers("provider", OTHER_PROVIDER_ORG)

    answer = await service.admin.patch(f"/v1/programmes/{programme['id']}",
                                       json={"provider_organisation_id": str(OTHER_PROVIDER_ORG)})

    assert answer.status_code == 200, answer.text
    assert (answer.json()["provider_organisation_id"], answer.json()["provider"]) == \
        (str(OTHER_PROVIDER_ORG), "Second Chance Trust")
    [updated] = await service.outbox(ProgrammeUpdated.event_type)
    assert (updated.data["provider_organisation_id"], updated.data["provider"]) == \
        (str(OTHER_PROVIDER_ORG), "Second Chance Trust")
    problem(await service.provider.get(f"/v1/enrolments/{enrolment['id']}"), 404)
    assert (await service.client.get(f"/v1/enrolments/{enrolment['id']}", headers=other)).status_code == 200


async def test_a_patch_naming_an_unknown_or_unfit_provider_changes_nothing(service):
    programme = await service.programme()
    url = f"/v1/programmes/{programme['id']}"
    unknown = await service.admin.patch(url, json={"provider_organisation_id": str(uuid.uuid4()), "capacity": 2})
    assert problem(unknown, 422)["type"].endswith("/unknown-organisation")
    for change in ({"provider_organisation_id": str(REFERRER_ORG)}, {"provider_organisation_id": None}):
        answer = await service.admin.patch(url, json=change)
        problem(answer, 422)
        assert pointers(answer) == ["/body/provider_organisation_id"], change

    shown = (await service.admin.get(url)).json()
    assert (shown["provider_organisation_id"], shown["capacity"]) == (str(PROVIDER_ORG), None)
    assert await service.outbox(ProgrammeUpdated.event_type) == []


async def test_an_organisations_events_delivered_again_change_nothing_more(service):
    newcomer = uuid.uuid4()
    for _ in range(2):
        await service.deliver(registered(newcomer, "Example Trust", "provider"), deactivated(newcomer))
    assert (await _organisation_rows(service))[newcomer] == ("Example Trust", "provider", False)
    assert service.transport.dead_letters == []
