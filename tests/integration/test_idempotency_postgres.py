"""Idempotency-Key and concurrent changes on real PostgreSQL: service apps in process, several of them
over one database as several processes would be, with tokens from a test issuer."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from vru_outcomes.adapters import orm as outcomes_orm
from vru_outcomes.bootstrap import SPEC as OUTCOMES
from vru_referrals.adapters import orm as referrals_orm
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_shared import idempotency
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived

from tests.support.instances import instances
from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import PROVIDER_ORG, REFERRER_ORG, programme_created, referral_body

pytestmark = pytest.mark.integration

PROBLEMS = "https://vru-platform.example/problems/"


@pytest.fixture
async def database(postgres_database) -> str:
    return await postgres_database()


async def test_identical_referrals_sent_at_once_with_one_key_to_three_processes_are_made_once(database, tmp_path):
    issuer = TestIssuer()
    referrer = issuer.headers("referrer", REFERRER_ORG) | {"Idempotency-Key": "custody-referral-0001"}
    async with instances(REFERRALS, database, issuer, tmp_path, 3) as apps:
        programme = programme_created()
        await apps[0].feed(programme)
        body = referral_body(programme.programme_id)

        answers = await asyncio.gather(*(apps[i % 3].http.post("/v1/referrals", json=body, headers=referrer)
                                         for i in range(9)))

        statuses = [a.status_code for a in answers]
        assert set(statuses) <= {201, 409} and 201 in statuses, [a.text for a in answers]
        assert all(a.json()["type"] == PROBLEMS + "idempotency-key-in-progress" for a in answers
                   if a.status_code == 409)
        made = {a.json()["id"] for a in answers if a.status_code == 201}
        assert len(made) == 1
        assert await apps[0].count(referrals_orm.referrals) == 1
        outbox = referrals_orm.messaging.outbox
        assert await apps[0].count(outbox, outbox.c.event_type == ReferralReceived.event_type) == 1

        # Once the first has answered, every retry, on any process, gets its answer.
        for app in apps:
            again = await app.http.post("/v1/referrals", json=body, headers=referrer)
            assert again.status_code == 201 and again.json()["id"] in made
            assert again.headers["idempotent-replayed"] == "true"
        assert await apps[0].count(referrals_orm.referrals) == 1


async def test_duplicates_that_reach_their_commit_together_are_stopped_by_the_key_and_change_nothing(
    database, tmp_path, monkeypatch
):
    """Every request passes the key's lookup and does its work; the first commit takes the key, the
    others wait on it in PostgreSQL, find it taken, and roll their work back.

    An outcome whose enrolment is not known yet takes no lock and meets no unique rule on its way,
    so nothing but the key stops its duplicates."""
    issuer = TestIssuer()
    provider = issuer.headers("provider", PROVIDER_ORG) | {"Idempotency-Key": "outcome-0001"}
    body = {"enrolment_id": str(uuid.uuid4()), "domain": "ete", "point": "exit", "observed_on": "2025-02-01",
            "status": "education"}
    n = 4
    arrived, everyone_here = 0, asyncio.Event()
    conflicts = []
    record = idempotency.record

    async def record_once_all_arrive(session, table, attempt, now) -> None:
        nonlocal arrived
        arrived += 1
        if arrived == n:
            everyone_here.set()
        await asyncio.wait_for(everyone_here.wait(), timeout=10)
        try:
            await record(session, table, attempt, now)
        except idempotency.IdempotencyConflict:
            conflicts.append(attempt.key)
            raise

    async with instances(OUTCOMES, database, issuer, tmp_path, n) as apps:
        monkeypatch.setattr(idempotency, "record", record_once_all_arrive)
        answers = await asyncio.gather(*(app.http.post("/v1/outcomes", json=body, headers=provider) for app in apps))
        monkeypatch.setattr(idempotency, "record", record)

        # The losers answer 409 while the winner's answer is not kept yet, its replay once it is.
        assert set(a.status_code for a in answers) <= {202, 409}, [a.text for a in answers]
        assert len({a.json()["id"] for a in answers if a.status_code == 202}) == 1
        assert len(conflicts) == n - 1
        assert await apps[0].count(outcomes_orm.outcome_records) == 1
        assert await apps[0].count(outcomes_orm.audit_trail) == 1
        winner = next(a for a in answers if a.status_code == 202 and "idempotent-replayed" not in a.headers)
        replay = await apps[-1].http.post("/v1/outcomes", json=body, headers=provider)
        assert replay.status_code == 202 and replay.json() == winner.json()
        assert replay.headers["location"] == winner.headers["location"]


async def test_two_accepts_of_one_referral_at_once_resolve_to_one_winner_and_a_409(database, tmp_path):
    issuer = TestIssuer()
    async with instances(REFERRALS, database, issuer, tmp_path, 2) as apps:
        programme = programme_created()
        await apps[0].feed(programme)
        made = await apps[0].http.post("/v1/referrals", json=referral_body(programme.programme_id),
                                       headers=issuer.headers("referrer", REFERRER_ORG))
        assert made.status_code == 201, made.text
        path = f"/v1/referrals/{made.json()['id']}/accept"

        # Two of the provider's clients, on two processes, without keys: two separate decisions.
        answers = await asyncio.gather(*(app.http.post(path, headers=issuer.headers("provider", PROVIDER_ORG))
                                         for app in apps))

        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert loser.headers["content-type"] == "application/problem+json"
        assert next(a for a in answers if a.status_code == 200).json()["status"] == "accepted"
        outbox = referrals_orm.messaging.outbox
        assert await apps[0].count(outbox, outbox.c.event_type == ReferralAccepted.event_type) == 1
