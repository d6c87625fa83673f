"""The three services in process, on SQLite, sharing one in-process bus, for tests of what a caller
sees over HTTP: the platform fixture, the organisations it knows, and builders of requests.

Every call carries an access token from a test issuer the services trust, for the role the call
needs: the administrator sets programmes up, the referrer refers, the provider running the
programme decides, enrols and records outcomes, the VRU reads metrics. Callers of other
organisations see nothing of it."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_outcomes.bootstrap import SPEC as OUTCOMES
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.identity import OrganisationRegistered
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived
from vru_shared.events import Envelope
from vru_shared.service import create_app
from vru_shared.settings import Settings

from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import referral_body

PROBLEM = "application/problem+json"
NHS_NUMBERS = ["9434765919", "9990000018", "9990000026", "9990000034"]
SPECS = {"referrals": REFERRALS, "interventions": INTERVENTIONS, "outcomes": OUTCOMES}
ETE = "/v1/metrics/ete.in_ete_at_latest"

# The organisations the identity service has registered; the provider runs every programme made here.
REFERRER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0a01")
OTHER_REFERRER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0a02")
PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0b01")
OTHER_PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0b02")
VRU_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0c01")
ADMIN_ORG = uuid.UUID("00000000-0000-4000-8000-0000000f0d01")
ORGANISATIONS = [
    (REFERRER_ORG, "Example Custody Suite", "referrer"),
    (OTHER_REFERRER_ORG, "Example Emergency Department", "referrer"),
    (PROVIDER_ORG, "Youth Trust", "provider"),
    (OTHER_PROVIDER_ORG, "Second Chance Trust", "provider"),
    (VRU_ORG, "Example Violence Reduction Unit", "vru"),
    (ADMIN_ORG, "Platform administrators", "administrator"),
]


def _today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def _no_vru_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("VRU_"):
            monkeypatch.delenv(name)


@dataclass
class Platform:
    transport: InProcessTransport
    apps: dict[str, FastAPI]
    issuer: TestIssuer
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    @property
    def referrals(self) -> httpx.AsyncClient:
        return self.clients["referrals"]

    @property
    def interventions(self) -> httpx.AsyncClient:
        return self.clients["interventions"]

    @property
    def outcomes(self) -> httpx.AsyncClient:
        return self.clients["outcomes"]

    def headers(self, role: str, organisation_id: uuid.UUID) -> dict[str, str]:
        return self.issuer.headers(role, organisation_id)

    @property
    def referrer(self) -> dict[str, str]:
        return self.headers("referrer", REFERRER_ORG)

    @property
    def provider(self) -> dict[str, str]:
        return self.headers("provider", PROVIDER_ORG)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers("administrator", ADMIN_ORG)

    @property
    def vru(self) -> dict[str, str]:
        return self.headers("vru", VRU_ORG)

    async def outbox(self, service: str) -> list:
        runtime = self.apps[service].state.runtime
        table = runtime.spec.messaging.outbox
        async with runtime.sessions() as session:
            return (await session.execute(select(table).order_by(table.c.position))).all()

    async def deliver(self, *events: ReferralReceived | ReferralAccepted, correlation_id: str) -> None:
        """Put events on the bus as the referrals service would have published them, and settle."""
        await self.transport.publish(
            [Envelope.wrap(e, source="/vru/referrals", correlation_id=correlation_id) for e in events]
        )
        await self.settle()

    async def register_organisations(self) -> None:
        """The identity service's registrations, which a programme's provider must be among."""
        await self.transport.publish([
            Envelope.wrap(OrganisationRegistered(organisation_id=organisation_id, name=name, role=role),
                          source="/vru/identity", correlation_id="registrations")
            for organisation_id, name, role in ORGANISATIONS
        ])
        await self.settle()

    async def settle(self) -> None:
        """Publish and deliver until nothing is left: every outbox row published before the last
        full round of deliveries, and no handler adding another row in that round."""
        previous = None
        for _ in range(100):
            await self.transport.drain()
            for app in self.apps.values():
                await app.state.runtime.relay.publish_pending()
            await self.transport.drain()
            rows = [row for service in self.apps for row in await self.outbox(service)]
            state = (len(rows), sum(row.published_at is None for row in rows))
            if state[1] == 0 and state == previous:
                return
            previous = state
        raise AssertionError("the platform did not settle")


StartPlatform = Callable[..., Awaitable[Platform]]


@pytest.fixture
async def start_platform(tmp_path) -> AsyncIterator[StartPlatform]:
    async with AsyncExitStack() as stack:

        async def start(*services: str) -> Platform:
            transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
            await transport.start()
            stack.push_async_callback(transport.close)
            settings = Settings(data_dir=tmp_path, relay_poll_interval_s=0.05)
            platform = Platform(transport, {}, TestIssuer())
            for name in services or tuple(SPECS):
                app = create_app(SPECS[name], settings, transport)
                app.state.token_verifier = platform.issuer.verifier()
                # One after another: the services of one process migrate in turn.
                await stack.enter_async_context(app.router.lifespan_context(app))
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
                await stack.enter_async_context(client)
                platform.apps[name] = app
                platform.clients[name] = client
            await platform.register_organisations()
            return platform

        yield start


@pytest.fixture
async def platform(start_platform) -> Platform:
    return await start_platform()


def _date_of_birth(age: int = 16) -> str:
    """A birthday `age` years ago at least, whatever today is: the programmes below take 10 to 24."""
    return date(_today().year - age - 1, 1, 1).isoformat()


def _referral(programme_id: str, nhs_number: str = NHS_NUMBERS[0], source: str = "custody", *,
              referred_at: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    body = referral_body(uuid.UUID(programme_id), source,
                         referred_at=referred_at or datetime.now(UTC) - timedelta(days=40),
                         identifiers=[{"type": "nhs_number", "value": nhs_number}], **overrides)
    body["young_person"]["date_of_birth"] = _date_of_birth()
    return body


def _programme_body(name: str = "Mentoring after custody", **overrides: Any) -> dict[str, Any]:
    return {
        "name": name, "provider_organisation_id": str(PROVIDER_ORG), "tier": "tertiary",
        "accepted_sources": ["custody", "emergency_department", "school"], "min_age": 10, "max_age": 24,
        "active_from": (_today() - timedelta(days=400)).isoformat(), **overrides,
    }


async def _programme(platform: Platform, name: str = "Mentoring after custody") -> dict:
    """A programme the administrator created in the interventions service, run by PROVIDER_ORG;
    settle before referring to it."""
    answer = await platform.interventions.post("/v1/programmes", json=_programme_body(name), headers=platform.admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _refer(platform: Platform, programme: dict, nhs_number: str = NHS_NUMBERS[0],
                 source: str = "custody", **overrides: Any) -> dict:
    answer = await platform.referrals.post("/v1/referrals", json=_referral(programme["id"], nhs_number, source,
                                                                            **overrides), headers=platform.referrer)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _accept(platform: Platform, referral: dict) -> None:
    answer = await platform.referrals.post(f"/v1/referrals/{referral['id']}/accept", headers=platform.provider)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"


async def _enrol(platform: Platform, referral_id: str, programme_id: str, start: date,
                 headers: dict[str, str] | None = None) -> httpx.Response:
    """Enrol as the programme's provider, or as the caller whose `headers` are given."""
    return await platform.interventions.post("/v1/enrolments", headers=headers or platform.provider, json={
        "referral_id": referral_id, "programme_id": programme_id, "start_date": start.isoformat()})


async def _ete(platform: Platform, enrolment_id: str, point: str, observed_on: date, status: str,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """Record an ETE outcome as the programme's provider, or as the caller whose `headers` are given."""
    return await platform.outcomes.post("/v1/outcomes", headers=headers or platform.provider, json={
        "enrolment_id": enrolment_id, "domain": "ete", "point": point, "observed_on": observed_on.isoformat(),
        "status": status})


async def _metric_answer(platform: Platform, start: date, audience: str, headers: dict[str, str]) -> httpx.Response:
    return await platform.outcomes.get(ETE, headers=headers, params={
        "audience": audience, "from": f"{start:%Y-%m}", "to": f"{_today():%Y-%m}", "group_by": "programme"})


async def _metric(platform: Platform, start: date, audience: str = "internal",
                  headers: dict[str, str] | None = None) -> dict:
    """The ETE metric by programme over the months from `start` to this one, as the provider sees it
    unless other `headers` are given."""
    answer = await _metric_answer(platform, start, audience, headers or platform.provider)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _pointers(answer: httpx.Response) -> list[str]:
    return [e["pointer"] for e in answer.json().get("errors", [])]


def _assert_problem(answer: httpx.Response, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    return body


def _received(referral_id: uuid.UUID, programme_id: str, referred_at: datetime, pseudonym: str) -> ReferralReceived:
    return ReferralReceived(
        referral_id=referral_id, programme_id=uuid.UUID(programme_id), source="school",
        subject_pseudonym=pseudonym, pseudonym_key_version=1, age_band="15-17", sex="female", ethnicity=None,
        ethnicity_group="not_stated", postcode_district=None, referred_at=referred_at,
        index_event_at=referred_at - timedelta(hours=2), received_at=referred_at, risk_factors=[],
        lawful_basis="public_task",
    )


def _accepted(referral_id: uuid.UUID, programme_id: str) -> ReferralAccepted:
    return ReferralAccepted(referral_id=referral_id, programme_id=uuid.UUID(programme_id),
                            decided_at=datetime.now(UTC) - timedelta(days=4))

async def _active_enrolment(platform: Platform, start: date, name: str = "Mentoring after custody") -> dict:
    """A referral made and accepted in the referrals service, then enrolled: active and settled."""
    programme = await _programme(platform, name)
    await platform.settle()
    referral = await _refer(platform, programme)
    await _accept(platform, referral)
    await platform.settle()
    answer = await _enrol(platform, referral["id"], programme["id"], start)
    assert answer.status_code == 201, answer.text  # the accepted referral is known here by now
    assert answer.json()["status"] == "active"
    await platform.settle()
    return answer.json()
