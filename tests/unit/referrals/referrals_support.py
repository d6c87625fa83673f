"""Builders shared by the referrals tests: synthetic people, programmes and request bodies only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from vru_referrals.bootstrap import SPEC
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.model import LawfulBasisRecord, Referral
from vru_referrals.domain.people import Address, ContactDetails, Ethnicity, EthnicityCoding, Sex, YoungPerson
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.source_details import CustodyDetails
from vru_referrals.domain.subjects import Subject
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts import referrals as referral_contracts
from vru_shared.contracts.interventions import ProgrammeCreated
from vru_shared.events import Envelope, IntegrationEvent, decode
from vru_shared.service import create_app
from vru_shared.settings import Settings

from tests.support.tokens import TestIssuer

KEY = b"k" * 48
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NHS = "9434765919"
ALL_SOURCES = ("custody", "emergency_department", "school", "community", "youth_justice", "probation", "prison",
               "self")

# The organisations the service's tests act for: a referrer, and the provider running the programmes.
REFERRER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000a001")
PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-00000000b001")
ADMIN_ORG = uuid.UUID("00000000-0000-4000-8000-00000000d001")


def programme(**overrides: Any) -> Programme:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), name="Custody mentoring", provider="Example Charity", tier="secondary",
        accepted_sources=ALL_SOURCES, min_age=10, max_age=24, capacity=None,
        active_from=date(2020, 1, 1), active_to=None, updated_at=NOW,
    )
    values.update(overrides)
    return Programme(**values)


def young_person(**overrides: Any) -> YoungPerson:
    values: dict[str, Any] = dict(
        given_name="Alex", family_name="Example", date_of_birth=date(2009, 7, 23), sex=Sex.MALE,
        ethnicity=Ethnicity.from_code(EthnicityCoding.ONS_2021, "white_british"),
        contact=ContactDetails(phone="+447700900123",
                               address=Address.create(lines=["1 Example Street"], postcode="SW1A 2AA")),
    )
    values.update(overrides)
    return YoungPerson.create(**values)


def subject() -> Subject:
    return Subject.new(key=KEY, key_version=3, now=NOW)


def receive(**overrides: Any) -> Referral:
    index_event_at = overrides.pop("index_event_at", NOW - timedelta(days=1, hours=4))
    values: dict[str, Any] = dict(
        referral_id=uuid.uuid4(),
        programme=programme(),
        details=CustodyDetails.create(custody_suite="Example Custody Suite", arrested_at=index_event_at,
                                      offence_category="possession_of_weapons"),
        referred_at=NOW - timedelta(days=1),
        index_event_at=index_event_at,
        young_person=young_person(),
        identifiers=(Identifier.parse(IdentifierType.NHS_NUMBER, NHS),),
        subject=subject(),
        risk_factors=("weapon_carrying",),
        lawful_basis=LawfulBasisRecord.consent(given=True, recorded_by="Custody navigator",
                                               recorded_at=NOW - timedelta(hours=20)),
        now=NOW,
    )
    values.update(overrides)
    return Referral.receive(**values)


# --- the service in process ------------------------------------------------------------------

REFERRAL_EVENT_TYPES = [
    c.event_type for c in (referral_contracts.ReferralReceived, referral_contracts.ReferralAccepted,
                           referral_contracts.ReferralDeclined, referral_contracts.ReferralWithdrawn,
                           referral_contracts.ReferralEnrolled, referral_contracts.ReferralClosed,
                           referral_contracts.SubjectErased)
]


@dataclass
class Service:
    """The service in process. `client` sends no token; `referrer`, `provider` and `admin` send the
    token of their role for REFERRER_ORG, PROVIDER_ORG (which runs every programme by default) and
    ADMIN_ORG; `issuer` makes any other token."""

    app: FastAPI
    transport: InProcessTransport
    client: httpx.AsyncClient
    issuer: TestIssuer
    referrer: httpx.AsyncClient
    provider: httpx.AsyncClient
    admin: httpx.AsyncClient
    published: list[Envelope] = field(default_factory=list)

    async def feed(self, *events: IntegrationEvent) -> None:
        """Deliver events from the interventions service, as the bus would, and wait for them."""
        await self.transport.publish([Envelope.wrap(e, source="/vru/interventions", correlation_id="test")
                                      for e in events])
        await self.transport.drain()

    async def flush(self) -> list[IntegrationEvent]:
        """Publish what the outbox holds and return every event the service has published so far."""
        await self.app.state.runtime.relay.publish_pending()
        await self.transport.drain()
        return [decode(e) for e in self.published]

    async def programme(self, **overrides: Any) -> ProgrammeCreated:
        event = programme_created(**overrides)
        await self.feed(event)
        return event


def programme_created(**overrides: Any) -> ProgrammeCreated:
    values: dict[str, Any] = dict(
        programme_id=uuid.uuid4(), name="Custody mentoring", provider="Example Charity",
        provider_organisation_id=PROVIDER_ORG, tier="secondary",
        accepted_sources=list(ALL_SOURCES), min_age=10, max_age=24, capacity=20,
        active_from=date(2020, 1, 1), active_to=None,
    )
    values.update(overrides)
    return ProgrammeCreated(**values)


@asynccontextmanager
async def running_service(tmp_path, settings: Settings | None = None) -> AsyncIterator[Service]:
    """The service over a database in `tmp_path`; started again over it, it finds what it kept."""
    transport = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=20))
    await transport.start()
    published: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        published.append(envelope)

    await transport.subscribe("observer", REFERRAL_EVENT_TYPES, observe)
    app = create_app(SPEC, settings or Settings(data_dir=tmp_path, pseudonym_key="p" * 48), transport)
    issuer = TestIssuer()
    app.state.token_verifier = issuer.verifier()
    asgi = httpx.ASGITransport(app=app)

    def client(**headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=asgi, base_url="http://test", headers=headers)

    try:
        async with app.router.lifespan_context(app), AsyncExitStack() as clients:
            anonymous, referrer, provider, admin = [
                await clients.enter_async_context(client(**headers)) for headers in (
                    {}, issuer.headers("referrer", REFERRER_ORG), issuer.headers("provider", PROVIDER_ORG),
                    issuer.headers("administrator", ADMIN_ORG))
            ]
            yield Service(app, transport, anonymous, issuer, referrer, provider, admin, published)
    finally:
        await transport.close()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def referral_body(programme_id: uuid.UUID, source: str = "custody", *, referred_at: datetime | None = None,
                  index_event_at: datetime | None = None, identifiers: list[dict] | None = None,
                  **overrides: Any) -> dict[str, Any]:
    """A valid referral from `source`; keyword arguments replace top-level fields."""
    now = datetime.now(UTC)
    referred_at = referred_at or now - timedelta(hours=1)
    index_event_at = index_event_at or referred_at - timedelta(hours=3)
    details: dict[str, Any] = {
        "custody": {"custody_suite": "Example Custody Suite", "arrested_at": iso(index_event_at),
                    "offence_category": "possession_of_weapons"},
        "emergency_department": {"site_code": "RXX01", "arrived_at": iso(index_event_at + timedelta(minutes=40)),
                                 "assault_at": iso(index_event_at), "assault_method": "knife_or_sharp_object",
                                 "assault_location_type": "street_or_public_place"},
        "school": {"school_urn": "100000", "exclusion_type": "suspension", "exclusion_reasons": ["OW"]},
        "community": {"organisation": "Example Youth Club"},
        "youth_justice": {"youth_justice_service": "Example Youth Justice Service"},
        "probation": {"probation_delivery_unit": "Example PDU"},
        "prison": {"establishment_code": "MDI"},
        "self": {"channel": "phone"},
    }[source]
    body: dict[str, Any] = {
        "programme_id": str(programme_id),
        "source": source,
        "referred_at": iso(referred_at),
        "index_event_at": iso(index_event_at),
        "source_details": details,
        "young_person": {
            "given_name": "Alex",
            "family_name": "Example",
            "date_of_birth": "2009-07-23",
            "sex": "male",
            "ethnicity": {"coding": "ons_2021", "code": "black_caribbean"},
            "contact": {
                "phone": "07700 900123",
                "email": "alex.example@example.org",
                "address": {"lines": ["1 Example Street"], "town": "Exampleton", "postcode": "sw1a2aa"},
                "parent_carer": {"name": "Sam Example", "relationship": "mother", "phone": "07700 900456"},
            },
        },
        "identifiers": identifiers or [{"type": "nhs_number", "value": "943 476 5919"}],
        "risk_factors": ["weapon_carrying", "county_lines"],
        "lawful_basis": {"basis": "consent", "given": True, "recorded_by": "Custody navigator",
                         "recorded_at": iso(referred_at - timedelta(minutes=30))},
    }
    body.update(overrides)
    return body
