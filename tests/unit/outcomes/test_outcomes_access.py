"""Who may do what with outcome records and metrics: every role against every operation, on its
own organisation's records and on another's (which answer 404, exactly as if they did not exist)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from outcomes_harness import (  # noqa: F401
    OTHER_PROVIDER,
    PROBLEM,
    PROVIDER,
    World,
    at,
    programme_event,
    world,
)
from vru_shared.contracts.interventions import EnrolmentStarted, ProgrammeUpdated

START = date(2025, 1, 6)
ETE = {"domain": "ete", "point": "exit", "observed_on": "2025-02-01", "status": "education"}


@dataclass
class Provided:
    """PROVIDER's programme, an enrolment on it and an outcome record of it."""

    programme: uuid.UUID
    enrolment: uuid.UUID
    record: str


@pytest.fixture
async def provided(world: World) -> Provided:
    programme = await world.programme("Custody mentoring", organisation=PROVIDER)
    enrolment = await world.member(programme, START)
    record = await world.ete(enrolment, "education", date(2025, 2, 1))
    return Provided(programme, enrolment, record["id"])


CALLERS = ("provider", "other provider", "referrer", "vru", "administrator", "no token")


def _headers(world: World, caller: str) -> dict[str, str]:
    if caller == "no token":
        return {"Authorization": ""}
    if caller == "other provider":
        return world.headers("provider", OTHER_PROVIDER)
    return world.headers(caller)


async def _record(world: World, p: Provided, headers: dict) -> httpx.Response:
    return await world.client.post("/v1/outcomes", json={"enrolment_id": str(p.enrolment), **ETE}, headers=headers)


OPERATIONS = {
    "record an outcome": _record,
    "read an outcome": lambda w, p, h: w.client.get(f"/v1/outcomes/{p.record}", headers=h),
    "list outcomes": lambda w, p, h: w.client.get("/v1/outcomes", headers=h),
    "read the metrics catalogue": lambda w, p, h: w.client.get("/v1/metrics", headers=h),
    "read a metric": lambda w, p, h: w.client.get("/v1/metrics/ete.in_ete_at_latest", headers=h),
    "search the audit trail": lambda w, p, h: w.client.get("/v1/audit/outcomes", headers=h),
}

# The programme, its enrolment and its record are the provider's own; everyone else's are others'.
MATRIX = {
    #                              provider other  referrer vru  admin  no token
    "record an outcome":          (201,     404,   403,     403, 403,   401),
    "read an outcome":            (200,     404,   403,     403, 403,   401),
    "list outcomes":              (200,     200,   403,     403, 403,   401),
    "read the metrics catalogue": (200,     200,   403,     200, 200,   401),
    "read a metric":              (200,     200,   403,     200, 200,   401),
    "search the audit trail":     (403,     403,   403,     403, 200,   401),
}
CASES = [(operation, caller, status) for operation, statuses in MATRIX.items()
         for caller, status in zip(CALLERS, statuses, strict=True)]


@pytest.mark.parametrize(("operation", "caller", "status"), CASES)
async def test_each_role_may_do_what_its_scopes_allow_and_only_to_its_own_records(
        world, provided, operation, caller, status):
    answer = await OPERATIONS[operation](world, provided, _headers(world, caller))
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == PROBLEM
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")
    if status == 403:
        assert answer.json()["type"].endswith("/insufficient-scope")


async def test_an_outcome_for_another_organisations_enrolment_is_refused_as_if_the_enrolment_did_not_exist(
        world, provided):
    answer = await world.outcome(provided.enrolment, **ETE, headers=world.headers("provider", OTHER_PROVIDER))
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["pointer"] == "/body/enrolment_id"
    listed = (await world.client.get("/v1/outcomes")).json()["items"]
    assert [o["id"] for o in listed] == [provided.record]


async def test_each_provider_lists_only_its_own_records_even_when_it_names_anothers_enrolment(world, provided):
    theirs = await world.member(await world.programme("Navigators", organisation=OTHER_PROVIDER), START)
    other = world.headers("provider", OTHER_PROVIDER)
    their_record = (await world.outcome(theirs, **ETE, headers=other)).json()
    mine = (await world.client.get("/v1/outcomes")).json()["items"]
    assert [o["id"] for o in mine] == [provided.record]
    assert mine[0]["recorded_by_organisation_id"] == str(PROVIDER)
    assert [o["id"] for o in (await world.client.get("/v1/outcomes", headers=other)).json()["items"]] == [
        their_record["id"]]
    named = await world.client.get("/v1/outcomes", params={"enrolment_id": str(theirs)})
    assert (named.status_code, named.json()["items"]) == (200, [])


async def test_an_outcome_posted_ahead_of_its_enrolment_by_another_than_the_provider_becomes_invalid_and_never_counts(
        world):
    programme = await world.programme(organisation=PROVIDER)
    referral = await world.referral(programme, at(date(2025, 1, 1)))
    enrolment = uuid.uuid4()
    other = world.headers("provider", OTHER_PROVIDER)
    posted = await world.outcome(enrolment, **ETE, headers=other)
    own = await world.outcome(enrolment, **{**ETE, "status": "neet"})
    assert (posted.status_code, own.status_code) == (202, 202)
    # While pending, each record is seen by the organisation that posted it, and by no other.
    assert (await world.client.get(f"/v1/outcomes/{posted.json()['id']}")).status_code == 404
    assert (await world.client.get(f"/v1/outcomes/{own.json()['id']}", headers=other)).status_code == 404

    await world.publish(EnrolmentStarted(enrolment_id=enrolment, referral_id=referral, programme_id=programme,
                                         subject_pseudonym="c" * 64, start_date=START, started_at=at(START)))
    refused = (await world.client.get(f"/v1/outcomes/{posted.json()['id']}", headers=other)).json()
    assert refused["validation"] == "invalid"
    assert "not on a programme that the recording organisation provides" in refused["invalid_reason"]
    assert (await world.client.get(f"/v1/outcomes/{posted.json()['id']}")).status_code == 404
    accepted = (await world.client.get(f"/v1/outcomes/{own.json()['id']}")).json()
    assert accepted["validation"] == "valid"
    # The provider's NEET counts; the other organisation's "education" does not.
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q4", to="2024/25 Q4", group_by="")
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (0, 1)


async def test_a_programme_handed_to_another_provider_takes_its_outcome_records_with_it(world, provided):
    await world.publish(programme_event(ProgrammeUpdated, provided.programme, "Custody mentoring", "New Trust",
                                        organisation=OTHER_PROVIDER))
    other = world.headers("provider", OTHER_PROVIDER)
    assert (await world.client.get(f"/v1/outcomes/{provided.record}")).status_code == 404
    assert (await world.client.get(f"/v1/outcomes/{provided.record}", headers=other)).status_code == 200
    assert (await world.outcome(provided.enrolment, **ETE)).status_code == 404
    assert (await world.outcome(provided.enrolment, **ETE, headers=other)).status_code == 201


async def test_a_token_with_outcomes_read_only_cannot_record(world, provided):
    reader = world.headers("provider", PROVIDER, scopes=["outcomes:read"])
    assert (await world.outcome(provided.enrolment, **ETE, headers=reader)).status_code == 403
    assert (await world.client.get(f"/v1/outcomes/{provided.record}", headers=reader)).status_code == 200


async def test_open_operations_need_no_token(world):
    for path in ("/health", "/openapi.json"):
        assert (await world.client.get(path, headers={"Authorization": ""})).status_code == 200
