"""The interventions service in process, for the other test_interventions_* modules: its app on
SQLite with an in-process bus, clients with the tokens of each role, the referral and identity
events it consumes, its outbox and its audit trail.

It holds fixtures and helpers only; the modules beside it import them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.tokens import TestIssuer
from vru_interventions.adapters.orm import audit_trail
from vru_interventions.bootstrap import SPEC
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.identity import OrganisationDeactivated, OrganisationRegistered
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
    SubjectErased,
)
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.service import create_app
from vru_shared.settings import Settings

PROBLEM = "application/problem+json"

# The organisations every test service has heard of from the identity service.
PROVIDER_ORG = uuid.UUID("5c7d3a58-0000-4000-8000-000000000001")
OTHER_PROVIDER_ORG = uuid.UUID("5c7d3a58-0000-4000-8000-000000000002")
REFERRER_ORG = uuid.UUID("5c7d3a58-0000-4000-8000-000000000003")
VRU_ORG = uuid.UUID("5c7d3a58-0000-4000-8000-000000000004")
ADMIN_ORG = uuid.UUID("5c7d3a58-0000-4000-8000-000000000005")
ORGANISATIONS = (
    (PROVIDER_ORG, "Youth Trust", "provider"),
    (OTHER_PROVIDER_ORG, "Second Chance Trust", "provider"),
    (REFERRER_ORG, "Example Custody Suite", "referrer"),
    (VRU_ORG, "Example Violence Reduction Unit", "vru"),
    (ADMIN_ORG, "Platform administrators", "administrator"),
)


def today() -> date:
    return datetime.now(UTC).date()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def programme_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Mentoring after custody",
        "provider_organisation_id": str(PROVIDER_ORG),
        "tier": "tertiary",
        "accepted_sources": ["custody", "youth_justice"],
        "min_age": 10,
        "max_age": 17,
        "capacity": None,
        "active_from": days_ago(100).isoformat(),
        "active_to": None,
    }
    return body | overrides


@dataclass
class Service:
    """The service in process. `client` sends no token; `provider` sends a provider's token for
    PROVIDER_ORG (which runs every programme `programme()` makes), `admin` an administrator's;
    `issuer` makes any other token."""

    app: FastAPI
    transport: InProcessTransport
    client: httpx.AsyncClient
    provider: httpx.AsyncClient
    admin: httpx.AsyncClient
    issuer: TestIssuer

    def headers(self, role: str, organisation_id: uuid.UUID, **kwargs: Any) -> dict[str, str]:
        return self.issuer.headers(role, organisation_id, **kwargs)

    async def deliver(self, *events: IntegrationEvent) -> None:
        """Deliver events one after another, as the bus would, and wait until handled."""
        for event in events:
            source = "/vru/identity" if event.event_type.startswith("identity.") else "/vru/referrals"
            await self.transport.publish([Envelope.wrap(event, source=source, correlation_id="test")])
            await self.transport.drain()

    async def audit(self, **where: Any) -> list[dict[str, Any]]:
        """The audit trail's entries, oldest first, those whose columns equal `where`."""
        query = select(audit_trail).order_by(audit_trail.c.occurred_at, audit_trail.c.id)
        for column, value in where.items():
            query = query.where(audit_trail.c[column] == value)
        async with self.app.state.runtime.sessions() as session:
            return [dict(row._mapping) for row in (await session.execute(query)).all()]

    async def outbox(self, event_type: str | None = None) -> list[Envelope]:
        runtime = self.app.state.runtime
        table = runtime.spec.messaging.outbox
        query = select(table.c.envelope).order_by(table.c.position)
        if event_type is not None:
            query = query.where(table.c.event_type == event_type)
        async with runtime.sessions() as session:
            return [Envelope.model_validate_json(row) for row in (await session.execute(query)).scalars()]

    async def programme(self, **overrides: Any) -> dict[str, Any]:
        answer = await self.admin.post("/v1/programmes", json=programme_body(**overrides))
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def enrol(self, referral_id: uuid.UUID, programme: dict[str, Any], start: date,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        """Enrol as PROVIDER_ORG's provider, or as the caller whose `headers` are given."""
        client = self.provider if headers is None else self.client
        return await client.post("/v1/enrolments", headers=headers, json={
            "referral_id": str(referral_id), "programme_id": programme["id"], "start_date": start.isoformat()})

    async def accepted_referral(self, programme: dict[str, Any], *, referred_days_ago: int = 20) -> uuid.UUID:
        """A referral this service has heard of and the provider has accepted."""
        referral_id = uuid.uuid4()
        await self.deliver(received(referral_id, programme, referred_days_ago=referred_days_ago),
                           accepted(referral_id, programme))
        return referral_id

    async def enrolment(self, enrolment_id: str) -> dict[str, Any]:
        answer = await self.provider.get(f"/v1/enrolments/{enrolment_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()


@asynccontextmanager
async def running_service(data_dir: Path) -> AsyncIterator[Service]:
    """The service on SQLite in `data_dir`, having heard of ORGANISATIONS."""
    transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
    await transport.start()
    app = create_app(SPEC, Settings(data_dir=data_dir, relay_poll_interval_s=0.05), transport)
    issuer = TestIssuer()
    app.state.token_verifier = issuer.verifier()
    asgi = httpx.ASGITransport(app=app)
    try:
        async with app.router.lifespan_context(app), AsyncExitStack() as clients:
            anonymous, provider, admin = [
                await clients.enter_async_context(httpx.AsyncClient(transport=asgi, base_url="http://test",
                                                                    headers=headers))
                for headers in ({}, issuer.headers("provider", PROVIDER_ORG),
                                issuer.headers("administrator", ADMIN_ORG))
            ]
            service = Service(app, transport, anonymous, provider, admin, issuer)
            await service.deliver(*(registered(*organisation) for organisation in ORGANISATIONS))
            yield service
    finally:
        await transport.close()


def without_platform_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' service runs embedded whatever the shell running them has set."""
    for name in list(os.environ):
        if name.startswith("VRU_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def service(tmp_path, monkeypatch) -> AsyncIterator[Service]:
    without_platform_settings(monkeypatch)
    async with running_service(tmp_path) as running:
        yield running


def pointers(answer: httpx.Response) -> list[str]:
    return [e["pointer"] for e in answer.json().get("errors", [])]


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    return answer.json()


# --- the identity service's events, as it would publish them ----------------------------------


def registered(organisation_id: uuid.UUID, name: str, role: str) -> OrganisationRegistered:
    return OrganisationRegistered(organisation_id=organisation_id, name=name, role=role)


def deactivated(organisation_id: uuid.UUID) -> OrganisationDeactivated:
    return OrganisationDeactivated(organisation_id=organisation_id, deactivated_at=datetime.now(UTC))


# --- the referrals service's events, as it would publish them ---------------------------------


def pseudonym(referral_id: uuid.UUID) -> str:
    return (referral_id.hex * 2)[:64]


def received(referral_id: uuid.UUID, programme: dict[str, Any], *, referred_days_ago: int = 20) -> ReferralReceived:
    referred_at = datetime.now(UTC) - timedelta(days=referred_days_ago)
    return ReferralReceived(
        referral_id=referral_id, programme_id=uuid.UUID(programme["id"]), source="custody",
        subject_pseudonym=pseudonym(referral_id), pseudonym_key_version=1, age_band="15-17", sex="not_known",
        ethnicity=None, ethnicity_group="not_stated", postcode_district=None, referred_at=referred_at,
        index_event_at=referred_at - timedelta(hours=6), received_at=referred_at, risk_factors=[],
        lawful_basis="public_task",
    )


def accepted(referral_id: uuid.UUID, programme: dict[str, Any]) -> ReferralAccepted:
    return ReferralAccepted(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                            decided_at=datetime.now(UTC))


def declined(referral_id: uuid.UUID, programme: dict[str, Any], reason: str = "not_eligible") -> ReferralDeclined:
    return ReferralDeclined(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                            decided_at=datetime.now(UTC), reason=reason)


def withdrawn(referral_id: uuid.UUID, programme: dict[str, Any],
              reason: str = "consent_withdrawn") -> ReferralWithdrawn:
    return ReferralWithdrawn(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                             withdrawn_at=datetime.now(UTC), reason=reason)


def closed(referral_id: uuid.UUID, programme: dict[str, Any], reason: str = "no_contact") -> ReferralClosed:
    return ReferralClosed(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                          closed_at=datetime.now(UTC), reason=reason)


def erased(subject_pseudonym: str, reason: str = "request") -> SubjectErased:
    return SubjectErased(subject_pseudonym=subject_pseudonym, erased_at=datetime.now(UTC), reason=reason)


def enrolled(referral_id: uuid.UUID, programme: dict[str, Any], enrolment_id: str) -> ReferralEnrolled:
    return ReferralEnrolled(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                            enrolment_id=uuid.UUID(enrolment_id), enrolled_at=datetime.now(UTC))
