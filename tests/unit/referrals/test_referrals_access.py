"""Who may do what in the referrals service: every role against every operation, on its own
organisation's referrals and on another's; and the audit trail of every read, change and refusal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from vru_referrals.adapters import orm
from vru_referrals.domain.check_digits import nhs_number_check_digit
from vru_shared.contracts.interventions import ProgrammeUpdated

from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import referral_body, running_service

# One service for the module, and fresh organisations, programmes and people for each test, so
# that no test sees another's referrals.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(tmp_path_factory):
    async with running_service(tmp_path_factory.mktemp("access")) as running:
        yield running


def nhs_numbers():
    """Valid synthetic NHS numbers in the 999 range, a fresh one each time."""
    serial = 0
    while True:
        serial += 1
        stem = f"999{serial:06d}"
        check = nhs_number_check_digit(stem)
        if check is not None:
            yield stem + str(check)


NHS_NUMBERS = nhs_numbers()


class World:
    """Two referrers and two providers: the referrer referred to the provider's programme (the
    "own" referral of both), another referrer to another provider's programme (the "other")."""

    def __init__(self, service) -> None:
        self.service = service
        self.organisation = {role: uuid.uuid4() for role in ("referrer", "provider", "vru", "administrator")}
        self.other_referrer, self.other_provider = uuid.uuid4(), uuid.uuid4()
        self.nhs = {"own": next(NHS_NUMBERS), "other": next(NHS_NUMBERS)}
        self.programmes: dict[str, Any] = {}
        self.referrals: dict[str, dict] = {}

    def headers(self, role: str, organisation_id: uuid.UUID | None = None, **kwargs) -> dict[str, str]:
        if role == "none":
            return {}
        return self.service.issuer.headers(role, organisation_id or self.organisation[role], **kwargs)

    def provider_of(self, whose: str) -> dict[str, str]:
        return self.headers("provider", self.organisation["provider"] if whose == "own" else self.other_provider)

    async def build(self) -> World:
        self.programmes["own"] = await self.service.programme(
            name="Custody mentoring", provider_organisation_id=self.organisation["provider"])
        self.programmes["other"] = await self.service.programme(
            name="A&E navigators", provider_organisation_id=self.other_provider)
        for whose, referrer in (("own", self.organisation["referrer"]), ("other", self.other_referrer)):
            answer = await self.service.client.post(
                "/v1/referrals", headers=self.headers("referrer", referrer),
                json=referral_body(self.programmes[whose].programme_id,
                                   identifiers=[{"type": "nhs_number", "value": self.nhs[whose]}]))
            assert answer.status_code == 201, answer.text
            self.referrals[whose] = answer.json()
        return self

    async def accept_as_its_provider(self, whose: str) -> None:
        answer = await self.service.client.post(f"/v1/referrals/{self.referrals[whose]['id']}/accept",
                                                headers=self.provider_of(whose))
        assert answer.status_code == 200, answer.text

    async def status_seen_by_its_provider(self, whose: str) -> str:
        answer = await self.service.client.get(f"/v1/referrals/{self.referrals[whose]['id']}",
                                               headers=self.provider_of(whose))
        return answer.json()["status"]


@pytest_asyncio.fixture(loop_scope="module")
async def world(service) -> World:
    return await World(service).build()


def request(operation: str, world: World, whose: str) -> tuple[str, str, dict[str, Any] | None]:
    referral_id = world.referrals[whose]["id"]
    return {
        "create": ("POST", "/v1/referrals", referral_body(
            world.programmes[whose].programme_id, identifiers=[{"type": "nhs_number", "value": next(NHS_NUMBERS)}])),
        "read": ("GET", f"/v1/referrals/{referral_id}", None),
        "list": ("GET", "/v1/referrals", None),
        "accept": ("POST", f"/v1/referrals/{referral_id}/accept", None),
        "decline": ("POST", f"/v1/referrals/{referral_id}/decline", {"reason": "no_capacity"}),
        "close": ("POST", f"/v1/referrals/{referral_id}/close", {"reason": "unable_to_contact"}),
        "withdraw": ("POST", f"/v1/referrals/{referral_id}/withdraw", {"reason": "moved_away"}),
        "erase": ("POST", "/v1/referrals/subject-erasures",
                  {"identifier": {"type": "nhs_number", "value": world.nhs[whose]}}),
        "code lists": ("GET", "/v1/code-lists/risk_factors", None),
        "audit trail": ("GET", "/v1/audit/referrals", None),
    }[operation]


# Expected status per operation, role and whose record: (own, other). For a referrer "own" is a
# referral it made; for a provider, a referral to a programme it runs. Lists and creations have
# no owner but the caller: their "other" is the same request.
MATRIX: dict[str, dict[str, tuple[int, int]]] = {
    "create": {"referrer": (201, 201), "provider": (403, 403), "vru": (403, 403), "administrator": (403, 403),
               "none": (401, 401)},
    "read": {"referrer": (200, 404), "provider": (200, 404), "vru": (403, 403), "administrator": (403, 403),
             "none": (401, 401)},
    "list": {"referrer": (200, 200), "provider": (200, 200), "vru": (403, 403), "administrator": (403, 403),
             "none": (401, 401)},
    "accept": {"referrer": (403, 403), "provider": (200, 404), "vru": (403, 403), "administrator": (403, 403),
               "none": (401, 401)},
    "decline": {"referrer": (403, 403), "provider": (200, 404), "vru": (403, 403), "administrator": (403, 403),
                "none": (401, 401)},
    "close": {"referrer": (403, 403), "provider": (200, 404), "vru": (403, 403), "administrator": (403, 403),
              "none": (401, 401)},
    "withdraw": {"referrer": (200, 404), "provider": (403, 403), "vru": (403, 403), "administrator": (403, 403),
                 "none": (401, 401)},
    "erase": {"referrer": (403, 403), "provider": (403, 403), "vru": (403, 403), "administrator": (200, 200),
              "none": (401, 401)},
    "code lists": {"referrer": (200, 200), "provider": (200, 200), "vru": (200, 200), "administrator": (200, 200),
                   "none": (401, 401)},
    "audit trail": {"referrer": (403, 403), "provider": (403, 403), "vru": (403, 403), "administrator": (200, 200),
                    "none": (401, 401)},
}
CASES = [
    pytest.param(operation, role, whose, expected[0 if whose == "own" else 1], id=f"{operation}-{role}-{whose}")
    for operation, by_role in MATRIX.items()
    for role, expected in by_role.items()
    for whose in ("own", "other")
]
CHANGES = ("accept", "decline", "close", "withdraw")


@pytest.mark.parametrize(("operation", "role", "whose", "expected"), CASES)
async def test_each_role_may_do_only_what_its_scopes_allow_and_only_to_its_organisations_referrals(
        service, world, operation, role, whose, expected):
    if operation == "close":
        await world.accept_as_its_provider(whose)
    before = await world.status_seen_by_its_provider(whose)
    method, path, body = request(operation, world, whose)

    answer = await service.client.request(method, path, json=body, headers=world.headers(role))

    assert answer.status_code == expected, answer.text
    if expected >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
    if expected == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")
    if expected == 403:
        assert answer.json()["type"].endswith("/insufficient-scope")
    if operation == "list" and expected == 200:
        listed = {r["id"] for r in answer.json()["items"]}
        assert listed == {world.referrals["own"]["id"]}
    if operation in CHANGES and expected != 200:
        assert await world.status_seen_by_its_provider(whose) == before


async def test_another_organisations_referral_answers_exactly_as_an_unknown_one(service, world):
    other_id = world.referrals["other"]["id"]
    unknown_id = str(uuid.uuid4())

    for method, role, path, body in (("GET", "referrer", "/v1/referrals/{}", None),
                                     ("POST", "provider", "/v1/referrals/{}/accept", None),
                                     ("POST", "referrer", "/v1/referrals/{}/withdraw", {"reason": "moved_away"})):
        others = await service.client.request(method, path.format(other_id), json=body, headers=world.headers(role))
        unknown = await service.client.request(method, path.format(unknown_id), json=body,
                                               headers=world.headers(role))
        assert others.status_code == unknown.status_code == 404
        assert ({k: v for k, v in others.json().items() if k not in ("detail", "instance")}
                == {k: v for k, v in unknown.json().items() if k not in ("detail", "instance")})
        assert others.json()["detail"] == f"no referral {other_id}"


async def test_a_referral_records_the_organisation_and_the_client_that_made_it(service, world):
    made = await service.client.post("/v1/referrals", headers=world.headers("referrer", client_id="vru_custody_system"),
                                     json=referral_body(world.programmes["own"].programme_id))
    async with service.app.state.runtime.sessions() as session:
        row = (await session.execute(select(orm.referrals).where(orm.referrals.c.id == uuid.UUID(made.json()["id"]))
                                     )).one()
    assert (row.referring_organisation_id, row.referring_client_id) == (world.organisation["referrer"],
                                                                        "vru_custody_system")


async def test_the_provider_of_a_programme_is_the_one_its_latest_update_names(service, world):
    own = world.referrals["own"]
    state = world.programmes["own"].model_dump(exclude={"provider_organisation_id"})
    await service.feed(ProgrammeUpdated(**state, provider_organisation_id=world.other_provider))

    assert (await service.client.get(f"/v1/referrals/{own['id']}", headers=world.headers("provider"))
            ).status_code == 404
    taken_over = await service.client.get(f"/v1/referrals/{own['id']}", headers=world.provider_of("other"))
    assert taken_over.status_code == 200
    # The referrer still sees what it made.
    assert (await service.client.get(f"/v1/referrals/{own['id']}", headers=world.headers("referrer"))
            ).status_code == 200


async def test_a_token_signed_by_a_key_the_service_does_not_trust_is_refused(service, world):
    forged = TestIssuer().headers("referrer", world.organisation["referrer"])
    answer = await service.client.get(f"/v1/referrals/{world.referrals['own']['id']}", headers=forged)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]


# --- the audit trail -------------------------------------------------------------------------


async def trail(service, **where: Any) -> list[dict[str, Any]]:
    table = orm.audit_trail
    query = select(table).order_by(table.c.occurred_at, table.c.id)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    async with service.app.state.runtime.sessions() as session:
        return [dict(row._mapping) for row in (await session.execute(query)).all()]


def what(entries: list[dict[str, Any]]) -> list[tuple]:
    return [(e["action"], e["resource_type"], e["resource_id"], e["outcome"], e["detail"]) for e in entries]


async def test_reads_lists_and_changes_are_audited_with_who_what_which_and_the_outcome(service, world):
    own = world.referrals["own"]["id"]
    referrer = world.headers("referrer", client_id="vru_custody_system")
    assert (await service.client.get(f"/v1/referrals/{own}", headers=referrer)).status_code == 200
    assert (await service.client.get("/v1/referrals", headers=world.headers("provider"))).status_code == 200
    assert (await service.client.post(f"/v1/referrals/{own}/accept", headers=world.headers("provider"))
            ).status_code == 200

    by_referrer = await trail(service, organisation_id=world.organisation["referrer"])
    assert what(by_referrer) == [("create", "referral", own, "allowed", "custody"),
                                 ("read", "referral", own, "allowed", None)]
    assert (by_referrer[1]["client_id"], by_referrer[1]["role"]) == ("vru_custody_system", "referrer")
    assert by_referrer[1]["correlation_id"]
    by_provider = await trail(service, organisation_id=world.organisation["provider"])
    assert what(by_provider) == [("list", "referral", None, "allowed", "1 items"),
                                 ("update", "referral", own, "allowed", "accept")]
    assert {e["role"] for e in by_provider} == {"provider"}


async def test_refusals_are_audited_denied_for_a_missing_scope_or_token_and_not_found_for_others_records(
        service, world):
    own, other = world.referrals["own"]["id"], world.referrals["other"]["id"]
    assert (await service.client.get(f"/v1/referrals/{own}", headers=world.headers("vru"))).status_code == 403
    assert (await service.client.get(f"/v1/referrals/{other}", headers=world.headers("referrer"))).status_code == 404
    assert (await service.client.post(f"/v1/referrals/{other}/decline", json={"reason": "no_capacity"},
                                      headers=world.headers("provider"))).status_code == 404
    assert (await service.client.post(f"/v1/referrals/{own}/withdraw", json={"reason": "moved_away"})
            ).status_code == 401

    assert what(await trail(service, organisation_id=world.organisation["vru"])) == [
        ("read", "referral", own, "denied", "lacks the scope referrals:read")]
    assert what(await trail(service, organisation_id=world.organisation["referrer"]))[-1] == (
        "read", "referral", other, "not_found", None)
    assert what(await trail(service, organisation_id=world.organisation["provider"])) == [
        ("update", "referral", other, "not_found", "decline: no_capacity")]
    [anonymous] = [e for e in await trail(service, resource_id=own) if e["client_id"] is None]
    assert (anonymous["organisation_id"], anonymous["role"]) == (None, None)
    assert what([anonymous]) == [("update", "referral", own, "denied", "no valid access token")]


async def test_a_change_refused_by_the_lifecycle_leaves_no_allowed_entry(service, world):
    own = world.referrals["own"]["id"]
    provider = world.headers("provider")
    assert (await service.client.post(f"/v1/referrals/{own}/accept", headers=provider)).status_code == 200
    assert (await service.client.post(f"/v1/referrals/{own}/accept", headers=provider)).status_code == 409

    changes = await trail(service, resource_id=own, action="update")
    assert what(changes) == [("update", "referral", own, "allowed", "accept")]


async def test_administrators_search_the_trail_through_the_audit_route(service, world):
    own = world.referrals["own"]["id"]
    await service.client.get(f"/v1/referrals/{own}", headers=world.headers("provider"))
    answer = await service.client.get("/v1/audit/referrals", params={"resource_id": own, "action": "read"},
                                      headers=world.headers("administrator"))
    assert answer.status_code == 200
    [entry] = answer.json()["items"]
    assert (entry["organisation_id"], entry["outcome"]) == (str(world.organisation["provider"]), "allowed")


async def test_the_trail_holds_ids_and_codes_never_personal_data(service, world):
    own = world.referrals["own"]["id"]
    await service.client.post(f"/v1/referrals/{own}/withdraw", headers=world.headers("referrer"),
                              json={"reason": "other", "note": "Alex Example moved to Exampleford"})
    await service.client.post("/v1/referrals/subject-erasures", headers=world.headers("administrator"),
                              json={"identifier": {"type": "nhs_number", "value": world.nhs["other"]}})
    stored = repr(await trail(service))
    for secret in ("Alex", "Example Street", "Exampleford", "07700", "alex.example", "2009-07-23", "SW1A",
                   world.nhs["own"], world.nhs["other"]):
        assert secret not in stored, secret
