"""Who may do what in the interventions service: every role against every operation, on its own
organisation's records and on another's, and another's records answering exactly as unknown ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from test_interventions_harness import (
    programme_body,
    registered,
    running_service,
    today,
    without_platform_settings,
)

# One service for the module. The matrix shares one world of organisations and records, and
# each change it makes is to a record made for that case; the other tests make worlds of their own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_platform_settings(monkeypatch)
        async with running_service(tmp_path_factory.mktemp("access")) as running:
            yield running


class World:
    """A provider organisation running one programme with an active enrolment (the "own" records of
    a provider), and another provider organisation running another (the "other")."""

    def __init__(self, service) -> None:
        self.service = service
        self.organisation = {role: uuid.uuid4() for role in ("referrer", "provider", "vru", "administrator")}
        self.other_provider = uuid.uuid4()
        self.programmes: dict[str, dict[str, Any]] = {}
        self.enrolments: dict[str, dict[str, Any]] = {}

    def headers(self, role: str, organisation_id: uuid.UUID | None = None) -> dict[str, str]:
        if role == "none":
            return {}
        return self.service.headers(role, organisation_id or self.organisation[role])

    def provider_of(self, whose: str) -> uuid.UUID:
        return self.organisation["provider"] if whose == "own" else self.other_provider

    async def build(self) -> World:
        tag = uuid.uuid4().hex[:8]
        await self.service.deliver(registered(self.organisation["provider"], f"Youth Trust {tag}", "provider"),
                                   registered(self.other_provider, f"Second Chance Trust {tag}", "provider"))
        for whose in ("own", "other"):
            self.programmes[whose] = await self.service.programme(
                name=f"Mentoring {whose} {tag}", provider_organisation_id=str(self.provider_of(whose)))
            self.enrolments[whose] = await self.enrolment(whose)
        return self

    async def enrolment(self, whose: str) -> dict[str, Any]:
        programme = self.programmes[whose]
        referral_id = await self.service.accepted_referral(programme)
        answer = await self.service.enrol(referral_id, programme, today(),
                                          self.headers("provider", self.provider_of(whose)))
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_world(service) -> World:
    return await World(service).build()


@pytest_asyncio.fixture(loop_scope="module")
async def world(service) -> World:
    return await World(service).build()


async def request(operation: str, world: World, whose: str) -> tuple[str, str, dict[str, Any] | None]:
    programme_id, enrolment_id = world.programmes[whose]["id"], world.enrolments[whose]["id"]
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    if operation == "enrol":
        referral_id = await world.service.accepted_referral(world.programmes[whose])
        return "POST", "/v1/enrolments", {"referral_id": str(referral_id), "programme_id": programme_id,
                                          "start_date": today().isoformat()}
    if operation in ("end enrolment", "record contact"):
        # An active enrolment of its own, whatever the cases before did.
        enrolment_id = (await world.enrolment(whose))["id"]
    return {
        "list programmes": ("GET", "/v1/programmes", None),
        "read programme": ("GET", f"/v1/programmes/{programme_id}", None),
        "create programme": ("POST", "/v1/programmes", programme_body(
            name=f"New {uuid.uuid4().hex[:8]}", provider_organisation_id=str(world.provider_of(whose)))),
        "revise programme": ("PATCH", f"/v1/programmes/{programme_id}", {"max_age": 18}),
        "read waitlist": ("GET", f"/v1/programmes/{programme_id}/waitlist", None),
        "list enrolments": ("GET", "/v1/enrolments", None),
        "read enrolment": ("GET", f"/v1/enrolments/{enrolment_id}", None),
        "end enrolment": ("POST", f"/v1/enrolments/{enrolment_id}/end",
                          {"end_date": today().isoformat(), "exit_reason": "completed"}),
        "record contact": ("POST", f"/v1/enrolments/{enrolment_id}/contacts",
                           {"contact_at": an_hour_ago, "kind": "phone", "duration_minutes": 20}),
        "list contacts": ("GET", f"/v1/enrolments/{enrolment_id}/contacts", None),
        "audit trail": ("GET", "/v1/audit/interventions", None),
    }[operation]


# Expected status per operation and role: (own, other). For a provider "own" is a record of a
# programme its organisation runs; programmes themselves, lists and the audit trail have no
# owner but the caller, so for them "other" only changes which programme or provider is named.
ROLES = ("none", "referrer", "provider", "vru", "administrator")


def _row(none: int, referrer: int | tuple, provider: int | tuple, vru: int | tuple,
         administrator: int | tuple) -> dict[str, tuple[int, int]]:
    statuses = (none, referrer, provider, vru, administrator)
    return {role: s if isinstance(s, tuple) else (s, s) for role, s in zip(ROLES, statuses, strict=True)}


MATRIX: dict[str, dict[str, tuple[int, int]]] = {
    #                               none referrer provider   vru  administrator
    "list programmes": _row(401, 200, 200, 200, 200),
    "read programme": _row(401, 200, 200, 200, 200),
    "create programme": _row(401, 403, 403, 403, 201),
    "revise programme": _row(401, 403, 403, 403, 200),
    "read waitlist": _row(401, 403, (200, 404), 403, 200),
    "enrol": _row(401, 403, (201, 404), 403, 403),
    "list enrolments": _row(401, 403, 200, 403, 403),
    "read enrolment": _row(401, 403, (200, 404), 403, 403),
    "end enrolment": _row(401, 403, (200, 404), 403, 403),
    "record contact": _row(401, 403, (201, 404), 403, 403),
    "list contacts": _row(401, 403, (200, 404), 403, 403),
    "audit trail": _row(401, 403, 403, 403, 200),
}
CASES = [
    pytest.param(operation, role, whose, by_role[role][0 if whose == "own" else 1],
                 id=f"{operation}-{role}-{whose}")
    for operation, by_role in MATRIX.items()
    for role in ROLES
    for whose in ("own", "other")
]


@pytest.mark.parametrize(("operation", "role", "whose", "expected"), CASES)
async def test_each_role_may_do_only_what_its_scopes_allow_and_only_to_its_own_records(
    shared_world, operation, role, whose, expected
):
    world = shared_world
    method, url, body = await request(operation, world, whose)
    answer = await world.service.client.request(method, url, json=body, headers=world.headers(role))

    assert answer.status_code == expected, answer.text
    if expected >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")
    if expected == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")
    if expected == 403:
        assert answer.json()["type"].endswith("/insufficient-scope")


async def test_another_organisations_enrolment_answers_exactly_as_one_that_does_not_exist(world):
    provider = world.headers("provider")
    unknown = str(uuid.uuid4())
    theirs = world.enrolments["other"]["id"]
    requests = [
        ("GET", "/v1/enrolments/{}", None),
        ("GET", "/v1/enrolments/{}/contacts", None),
        ("POST", "/v1/enrolments/{}/end", {"end_date": today().isoformat(), "exit_reason": "completed"}),
        ("POST", "/v1/enrolments/{}/contacts",
         {"contact_at": datetime.now(UTC).isoformat(), "kind": "phone", "duration_minutes": 5}),
    ]
    for method, url, body in requests:
        answers = [await world.service.client.request(method, url.format(i), json=body, headers=provider)
                   for i in (theirs, unknown)]
        assert [a.status_code for a in answers] == [404, 404], url
        mine, other = (a.json() for a in answers)
        assert mine == {**other, "detail": other["detail"].replace(unknown, theirs),
                        "instance": other["instance"].replace(unknown, theirs)}, url
    # Nothing happened to it.
    assert (await world.service.client.get(f"/v1/enrolments/{theirs}",
                                           headers=world.headers("provider", world.other_provider))
            ).json()["status"] == "active"


async def test_a_provider_lists_only_the_enrolments_of_programmes_its_organisation_runs(world):
    second = await world.enrolment("own")
    answer = await world.service.client.get("/v1/enrolments", headers=world.headers("provider"))
    assert answer.status_code == 200, answer.text
    assert {e["id"] for e in answer.json()["items"]} == {world.enrolments["own"]["id"], second["id"]}
    # Asking for the other organisation's programme finds nothing, rather than its enrolments.
    answer = await world.service.client.get("/v1/enrolments", headers=world.headers("provider"),
                                            params={"programme_id": world.programmes["other"]["id"]})
    assert answer.json()["items"] == []


async def test_a_scope_alone_is_not_enough_a_token_without_it_is_refused_even_for_its_own_records(world):
    provider_org = world.organisation["provider"]
    read_only = world.service.headers("provider", provider_org, scopes=["enrolments:read", "programmes:read"])
    enrolment_id = world.enrolments["own"]["id"]
    assert (await world.service.client.get(f"/v1/enrolments/{enrolment_id}", headers=read_only)).status_code == 200
    answer = await world.service.client.post(f"/v1/enrolments/{enrolment_id}/end", headers=read_only,
                                             json={"end_date": today().isoformat(), "exit_reason": "completed"})
    assert answer.status_code == 403
    assert "enrolments:write" in answer.json()["detail"]


async def test_a_token_that_is_not_valid_is_a_401_with_the_bearer_challenge(world):
    for headers in ({"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        answer = await world.service.client.get("/v1/enrolments", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith('Bearer realm="vru"')
    # Operations stay open.
    assert (await world.service.client.get("/health")).status_code == 200
