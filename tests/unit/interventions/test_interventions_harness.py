"""The interventions service in process, for the other test_interventions_* modules: its app on
SQLite with an in-process bus, a client, the referral events it consumes, and its outbox.

It holds fixtures and helpers only; the modules beside it import them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from vru_interventions.bootstrap import SPEC
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)
from vru_shared.events import Envelope, IntegrationEvent
from vru_shared.service import create_app
from vru_shared.settings import Settings

PROBLEM = "application/problem+json"


def today() -> date:
    return datetime.now(UTC).date()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def programme_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Mentoring after custody",
        "provider": "Youth Trust",
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
    app: FastAPI
    transport: InProcessTransport
    client: httpx.AsyncClient

    async def deliver(self, *events: IntegrationEvent) -> None:
        """Deliver referral events one after another, as the bus would, and wait until handled."""
        for event in events:
            await self.transport.publish([Envelope.wrap(event, source="/vru/referrals", correlation_id="test")])
            await self.transport.drain()

    async def outbox(self, event_type: str | None = None) -> list[Envelope]:
        runtime = self.app.state.runtime
        table = runtime.spec.messaging.outbox
        query = select(table.c.envelope).order_by(table.c.position)
        if event_type is not None:
            query = query.where(table.c.event_type == event_type)
        async with runtime.sessions() as session:
            return [Envelope.model_validate_json(row) for row in (await session.execute(query)).scalars()]

    async def programme(self, **overrides: Any) -> dict[str, Any]:
        answer = await self.client.post("/v1/programmes", json=programme_body(**overrides))
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def enrol(self, referral_id: uuid.UUID, programme: dict[str, Any], start: date) -> httpx.Response:
        return await self.client.post("/v1/enrolments", json={
            "referral_id": str(referral_id), "programme_id": programme["id"], "start_date": start.isoformat()})

    async def accepted_referral(self, programme: dict[str, Any], *, referred_days_ago: int = 20) -> uuid.UUID:
        """A referral this service has heard of and the provider has accepted."""
        referral_id = uuid.uuid4()
        await self.deliver(received(referral_id, programme, referred_days_ago=referred_days_ago),
                           accepted(referral_id, programme))
        return referral_id

    async def enrolment(self, enrolment_id: str) -> dict[str, Any]:
        answer = await self.client.get(f"/v1/enrolments/{enrolment_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
async def service(tmp_path, monkeypatch) -> AsyncIterator[Service]:
    for name in list(os.environ):
        if name.startswith("VRU_"):
            monkeypatch.delenv(name)
    transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
    await transport.start()
    app = create_app(SPEC, Settings(data_dir=tmp_path, relay_poll_interval_s=0.05), transport)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
                yield Service(app, transport, client)
    finally:
        await transport.close()


def pointers(answer: httpx.Response) -> list[str]:
    return [e["pointer"] for e in answer.json().get("errors", [])]


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    return answer.json()


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


def enrolled(referral_id: uuid.UUID, programme: dict[str, Any], enrolment_id: str) -> ReferralEnrolled:
    return ReferralEnrolled(referral_id=referral_id, programme_id=uuid.UUID(programme["id"]),
                            enrolment_id=uuid.UUID(enrolment_id), enrolled_at=datetime.now(UTC))
