"""The outcomes service in process, fed contract events through an in-process bus.

Tests build the projections by publishing the events other services would publish, post
outcomes over HTTP, and read metrics back: nothing but the service's public edges.

Every request carries an access token. The world's client calls as the provider organisation
PROVIDER, which runs every programme a test makes unless told otherwise; `world.headers(role)`
gives the headers of another caller.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from vru_outcomes.bootstrap import SPEC
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.interventions import (
    ContactRecorded,
    EnrolmentEnded,
    EnrolmentStarted,
    ProgrammeCreated,
    ProgrammeUpdated,
)
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

from tests.support.tokens import TestIssuer

PROBLEM = "application/problem+json"

# The organisations of the tests: the provider the world's client calls as, and everyone else.
PROVIDER = uuid.UUID("00000000-0000-4000-8000-00000000000a")
OTHER_PROVIDER = uuid.UUID("00000000-0000-4000-8000-00000000000b")
VRU = uuid.UUID("00000000-0000-4000-8000-00000000000c")
ADMINISTRATOR = uuid.UUID("00000000-0000-4000-8000-00000000000d")
REFERRER = uuid.UUID("00000000-0000-4000-8000-00000000000e")
ORGANISATION_OF = {"provider": PROVIDER, "vru": VRU, "administrator": ADMINISTRATOR, "referrer": REFERRER}


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC moment on a day."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def pointers(answer: httpx.Response) -> list[str]:
    return [e["pointer"] for e in answer.json().get("errors", [])]


@dataclass
class World:
    transport: InProcessTransport
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TestIssuer
    _subjects: int = field(default=0)

    def headers(self, role: str, organisation_id: uuid.UUID | None = None, **token: Any) -> dict[str, str]:
        """A caller's headers: a token of the role, for its test organisation unless one is named."""
        return self.issuer.headers(role, organisation_id or ORGANISATION_OF[role], **token)

    async def publish(self, *events: IntegrationEvent, drain: bool = True) -> None:
        await self.transport.publish(
            [Envelope.wrap(e, source="/vru/test", correlation_id="test-correlation") for e in events]
        )
        if drain:
            await self.transport.drain()

    async def programme(self, name: str = "Custody mentoring", provider: str = "Youth Trust",
                        tier: str = "tertiary", programme_id: uuid.UUID | None = None,
                        organisation: uuid.UUID = PROVIDER) -> uuid.UUID:
        programme_id = programme_id or uuid.uuid4()
        await self.publish(programme_event(ProgrammeCreated, programme_id, name, provider, tier, organisation))
        return programme_id

    async def referral(self, programme_id: uuid.UUID, referred_at: datetime, **attributes: Any) -> uuid.UUID:
        event = received(programme_id, referred_at, **attributes)
        await self.publish(event)
        return event.referral_id

    async def enrol(self, referral_id: uuid.UUID, programme_id: uuid.UUID, start_date: date,
                    subject: str | None = None) -> uuid.UUID:
        enrolment_id = uuid.uuid4()
        self._subjects += 1
        await self.publish(
            EnrolmentStarted(
                enrolment_id=enrolment_id,
                referral_id=referral_id,
                programme_id=programme_id,
                subject_pseudonym=subject or f"{self._subjects:064x}",
                start_date=start_date,
                started_at=at(start_date, 9),
            )
        )
        return enrolment_id

    async def member(self, programme_id: uuid.UUID, start_date: date, **attributes: Any) -> uuid.UUID:
        """A referral received the day before the start, enrolled on start_date: the enrolment id."""
        referral_id = await self.referral(programme_id, at(start_date - timedelta(days=1)), **attributes)
        return await self.enrol(referral_id, programme_id, start_date)

    async def members(self, programme_id: uuid.UUID, start_date: date, count: int,
                      **attributes: Any) -> list[uuid.UUID]:
        """Many members at once, delivered in one go: the enrolment ids."""
        events: list[IntegrationEvent] = []
        enrolments = []
        for _ in range(count):
            referral = received(programme_id, at(start_date - timedelta(days=1)), **attributes)
            self._subjects += 1
            enrolment_id = uuid.uuid4()
            events += [
                referral,
                EnrolmentStarted(enrolment_id=enrolment_id, referral_id=referral.referral_id,
                                 programme_id=programme_id, subject_pseudonym=f"{self._subjects:064x}",
                                 start_date=start_date, started_at=at(start_date, 9)),
            ]
            enrolments.append(enrolment_id)
        await self.publish(*events)
        return enrolments

    async def end(self, enrolment_id: uuid.UUID, end_date: date, exit_reason: str = "completed") -> None:
        await self.publish(
            EnrolmentEnded(enrolment_id=enrolment_id, referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                           end_date=end_date, exit_reason=exit_reason)
        )

    async def outcome(self, enrolment_id: uuid.UUID, domain: str = "ete", *, headers: dict[str, str] | None = None,
                      **body: Any) -> httpx.Response:
        payload = {"enrolment_id": str(enrolment_id), "domain": domain}
        payload.update({k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()})
        return await self.client.post("/v1/outcomes", json=payload, headers=headers)

    async def ete(self, enrolment_id: uuid.UUID, status: str, observed_on: date, point: str = "exit",
                  **more: Any) -> dict:
        answer = await self.outcome(enrolment_id, "ete", status=status, observed_on=observed_on, point=point, **more)
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def reoffence(self, enrolment_id: uuid.UUID, offence_date: date, proven_date: date,
                        disposal: str = "conviction", offence_category: str = "robbery") -> dict:
        answer = await self.outcome(enrolment_id, "reoffending", offence_date=offence_date, proven_date=proven_date,
                                    disposal=disposal, offence_category=offence_category)
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def metric_answer(self, metric_id: str, *, headers: dict[str, str] | None = None,
                            **params: Any) -> httpx.Response:
        query = {("from" if k == "from_" else k): v for k, v in params.items() if v is not None}
        return await self.client.get(f"/v1/metrics/{metric_id}", params=query, headers=headers)

    async def metric(self, metric_id: str, *, headers: dict[str, str] | None = None, **params: Any) -> dict:
        answer = await self.metric_answer(metric_id, headers=headers, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()


def programme_event(kind: type[ProgrammeCreated] | type[ProgrammeUpdated], programme_id: uuid.UUID, name: str,
                    provider: str, tier: str = "tertiary",
                    organisation: uuid.UUID = PROVIDER) -> ProgrammeCreated | ProgrammeUpdated:
    return kind(
        programme_id=programme_id, name=name, provider=provider, provider_organisation_id=organisation, tier=tier,
        accepted_sources=["custody", "emergency_department", "school"], min_age=10, max_age=25,
        capacity=None, active_from=date(2020, 4, 1), active_to=None,
    )


def received(programme_id: uuid.UUID, referred_at: datetime, *, referral_id: uuid.UUID | None = None,
             source: str = "custody", age_band: str = "15-17", sex: str = "male",
             ethnicity: str | None = "white_british", ethnicity_group: str = "white",
             postcode_district: str | None = "SW1A", index_event_at: datetime | None = None) -> ReferralReceived:
    return ReferralReceived(
        referral_id=referral_id or uuid.uuid4(),
        programme_id=programme_id,
        source=source,
        subject_pseudonym="a" * 64,
        pseudonym_key_version=1,
        age_band=age_band,
        sex=sex,
        ethnicity=ethnicity,
        ethnicity_group=ethnicity_group,
        postcode_district=postcode_district,
        referred_at=referred_at,
        index_event_at=index_event_at or referred_at - timedelta(hours=6),
        received_at=referred_at + timedelta(minutes=1),
        risk_factors=[],
        lawful_basis="public_task",
    )


def accepted(referral_id: uuid.UUID, programme_id: uuid.UUID, decided_at: datetime) -> ReferralAccepted:
    return ReferralAccepted(referral_id=referral_id, programme_id=programme_id, decided_at=decided_at)


def declined(referral_id: uuid.UUID, programme_id: uuid.UUID, decided_at: datetime, reason: str) -> ReferralDeclined:
    return ReferralDeclined(referral_id=referral_id, programme_id=programme_id, decided_at=decided_at, reason=reason)


def withdrawn(referral_id: uuid.UUID, programme_id: uuid.UUID, moment: datetime, reason: str) -> ReferralWithdrawn:
    return ReferralWithdrawn(referral_id=referral_id, programme_id=programme_id, withdrawn_at=moment, reason=reason)


def enrolled(referral_id: uuid.UUID, programme_id: uuid.UUID, enrolment_id: uuid.UUID,
             moment: datetime) -> ReferralEnrolled:
    return ReferralEnrolled(referral_id=referral_id, programme_id=programme_id, enrolment_id=enrolment_id,
                            enrolled_at=moment)


def closed(referral_id: uuid.UUID, programme_id: uuid.UUID, moment: datetime, reason: str) -> ReferralClosed:
    return ReferralClosed(referral_id=referral_id, programme_id=programme_id, closed_at=moment, reason=reason)


def contact(enrolment_id: uuid.UUID, moment: datetime) -> ContactRecorded:
    return ContactRecorded(contact_id=uuid.uuid4(), enrolment_id=enrolment_id, referral_id=uuid.uuid4(),
                           programme_id=uuid.uuid4(), contact_at=moment, kind="face_to_face", duration_minutes=45)


# Set to run these tests on PostgreSQL (VRU_TEST_POSTGRES, as the integration tests) instead of SQLite.
ON_POSTGRES = os.environ.get("OUTCOMES_TESTS_ON_POSTGRES") == "1"


@pytest.fixture
async def world(tmp_path, monkeypatch) -> AsyncIterator[World]:
    for name in list(os.environ):
        if name.startswith("VRU_") and name not in ("VRU_TEST_POSTGRES",):
            monkeypatch.delenv(name)
    database = None
    settings = Settings(data_dir=tmp_path, relay_poll_interval_s=0.05)
    if ON_POSTGRES:
        from tests.support import infra

        database = infra.unique("vru_t_outcomes_")
        url = await infra.create_database(database)
        settings = Settings(data_dir=tmp_path, relay_poll_interval_s=0.05, outcomes_database_url=url)
    transport = InProcessTransport(DeliveryPolicy(max_attempts=20, retry_delay_ms=10))
    await transport.start()
    app = create_app(SPEC, settings, transport)
    issuer = TestIssuer()
    app.state.token_verifier = issuer.verifier()
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                         headers=issuer.headers("provider", PROVIDER)) as client:
                yield World(transport, app, client, issuer)
    finally:
        await transport.close()
        if database is not None:
            await infra.drop_database(database)
