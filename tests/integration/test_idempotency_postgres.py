"""Idempotency-Key and concurrent changes on real PostgreSQL: service apps in process, several of them
over one database as several processes would be, with tokens from a test issuer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from vru_outcomes.adapters import orm as outcomes_orm
from vru_outcomes.bootstrap import SPEC as OUTCOMES
from vru_referrals.adapters import orm as referrals_orm
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_shared import idempotency
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.service import ServiceSpec, create_app
from vru_shared.settings import Settings

from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import PROVIDER_ORG, REFERRER_ORG, programme_created, referral_body

pytestmark = pytest.mark.integration

PROBLEMS = "https://vru-platform.example/problems/"


@dataclass
class Instance:
    """One copy of a service, as one process of several sharing its database would be."""

    app: FastAPI
    transport: InProcessTransport
    http: httpx.AsyncClient

    async def feed(self, *events: IntegrationEvent) -> None:
        await self.transport.publish([Envelope.wrap(e, source="/vru/test", correlation_id="test") for e in events])
        await self.transport.drain()

    async def count(self, table, *where) -> int:
        async with self.app.state.runtime.sessions() as session:
            return (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


@asynccontextmanager
async def instances(spec: ServiceSpec, url: str, issuer: TestIssuer, tmp_path, n: int) -> AsyncIterator[list[Instance]]:
    async with AsyncExitStack() as stack:
        running = []
        # One after another: each start migrates the shared database, and the first does the work.
        for i in range(n):
            transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
            await transport.start()
            stack.push_async_callback(transport.close)
            settings = Settings(mode="embedded", data_dir=tmp_path / str(i), pseudonym_key="p" * 48,
                                **{f"{spec.name}_database_url": url})
            app = create_app(spec, settings, transport)
            app.state.token_verifier = issuer.verifier()
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test"))
            running.append(Instance(app, transport, http))
        yield running


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
