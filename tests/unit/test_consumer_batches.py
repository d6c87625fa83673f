"""Messages that queue up are handled in one unit of work, all or none; and the relay publishes
the outbox's stored text as it is. (On SQLite; the PostgreSQL and RabbitMQ side is in
tests/integration/test_consumer_batches.py.)"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_interventions.adapters import orm as interventions_orm
from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_interventions.service_layer.referral_events import remember_referral
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_shared import db, migrations
from vru_shared.bus.base import BatchCallback, DeliveryPolicy, StoredEvent
from vru_shared.bus.memory import InProcessTransport
from vru_shared.consumer import EventConsumer
from vru_shared.contracts.interventions import ProgrammeCreated
from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import Envelope
from vru_shared.relay import OutboxRelay

INBOX = INTERVENTIONS.messaging.inbox
OUTBOX = INTERVENTIONS.messaging.outbox


def received(referral_id: uuid.UUID | None = None) -> ReferralReceived:
    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    return ReferralReceived(
        referral_id=referral_id or uuid.uuid4(), programme_id=uuid.uuid4(), source="custody",
        subject_pseudonym="d" * 64, pseudonym_key_version=1, age_band="15-17", sex="female",
        ethnicity="white_british", ethnicity_group="white", postcode_district="EX1", referred_at=at,
        index_event_at=at - timedelta(hours=5), received_at=at + timedelta(minutes=1),
        risk_factors=["weapon_carrying"], lawful_basis="consent",
    )


def wrap(event, correlation_id: str = "corr-1") -> Envelope:
    return Envelope.wrap(event, source="/vru/referrals", correlation_id=correlation_id)


@pytest.fixture
async def sessions(tmp_path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    INTERVENTIONS.start_mappers()
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'interventions.db'}")
    await migrations.upgrade(engine, INTERVENTIONS.migrations)
    yield db.session_factory(engine)
    await engine.dispose()


class CountingUnitsOfWork:
    """A unit-of-work factory that counts the units of work (so the transactions) it opened."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.opened = 0

    def __call__(self) -> InterventionsUnitOfWork:
        self.opened += 1
        return InterventionsUnitOfWork(self.sessions, INTERVENTIONS.messaging, source="/vru/interventions")


async def count(sessions, table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


def test_the_event_consumer_offers_batches_and_a_plain_callback_does_not():
    async def plain(envelope: Envelope) -> None: ...

    assert isinstance(EventConsumer({}, lambda: None), BatchCallback)
    assert not isinstance(plain, BatchCallback)


def test_a_batch_takes_half_the_prefetch_unless_told_otherwise():
    assert DeliveryPolicy(prefetch=32).batch_limit == 16
    assert DeliveryPolicy(prefetch=32, batch_takers=3).batch_limit == 8
    assert DeliveryPolicy(prefetch=1).batch_limit == 1
    assert DeliveryPolicy(prefetch=32, max_batch=5).batch_limit == 5


async def test_a_batch_is_handled_in_one_unit_of_work_with_an_inbox_row_per_message(sessions):
    units = CountingUnitsOfWork(sessions)
    consumer = EventConsumer({ReferralReceived: [remember_referral]}, units)
    envelopes = [wrap(received()) for _ in range(12)]

    await consumer.handle_batch(envelopes)

    assert units.opened == 1
    assert await count(sessions, interventions_orm.known_referrals) == 12
    async with sessions() as session:
        inbox = set((await session.execute(select(INBOX.c.event_id))).scalars())
    assert inbox == {str(e.id) for e in envelopes}


async def test_a_batch_with_one_failing_message_leaves_nothing_of_any_of_them(sessions):
    doomed = wrap(received())

    async def picky(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        await remember_referral(event, uow)
        if event.referral_id == ReferralReceived.model_validate(doomed.data).referral_id:
            raise RuntimeError("this one cannot be handled")

    consumer = EventConsumer({ReferralReceived: [picky]}, CountingUnitsOfWork(sessions))
    before = [wrap(received()) for _ in range(3)]

    with pytest.raises(RuntimeError):
        await consumer.handle_batch([*before, doomed, wrap(received())])

    assert await count(sessions, interventions_orm.known_referrals) == 0
    assert await count(sessions, INBOX) == 0
    # Alone, as the transport then hands them over, the others go through.
    for envelope in before:
        await consumer(envelope)
    assert await count(sessions, interventions_orm.known_referrals) == 3


async def test_a_message_delivered_twice_in_one_batch_or_again_later_is_handled_once(sessions):
    calls: list[uuid.UUID] = []

    async def counting(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        calls.append(event.referral_id)
        await remember_referral(event, uow)

    consumer = EventConsumer({ReferralReceived: [counting]}, CountingUnitsOfWork(sessions))
    first, second = wrap(received()), wrap(received())

    await consumer.handle_batch([first, second, first])
    await consumer.handle_batch([second, wrap(received()), first])

    assert len(calls) == 3
    assert await count(sessions, INBOX) == 3
    assert await count(sessions, interventions_orm.known_referrals) == 3


async def test_the_events_each_message_of_a_batch_causes_carry_that_messages_correlation_id(sessions):
    async def announce(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        uow.emit(ProgrammeCreated(
            programme_id=event.programme_id, name="Follow-on", provider="Streetwise",
            provider_organisation_id=uuid.uuid4(), tier="secondary", accepted_sources=["custody"],
            min_age=10, max_age=18, capacity=None, active_from=datetime(2026, 1, 1).date(), active_to=None))

    consumer = EventConsumer({ReferralReceived: [announce]}, CountingUnitsOfWork(sessions))
    events = [received() for _ in range(3)]

    await consumer.handle_batch([wrap(e, f"request-{n}") for n, e in enumerate(events)])

    async with sessions() as session:
        texts = (await session.execute(select(OUTBOX.c.envelope).order_by(OUTBOX.c.position))).scalars().all()
    published = [Envelope.model_validate_json(text) for text in texts]
    assert [(e.correlationid, e.data["programme_id"]) for e in published] == [
        (f"request-{n}", str(event.programme_id)) for n, event in enumerate(events)
    ]


async def test_the_relay_publishes_the_stored_envelope_text_unchanged(sessions):
    envelope = wrap(received(), "request-9")
    # Stored with its keys in another order and spaced as the model would not write it: the relay
    # must carry the text, not rebuild the message.
    text = json.dumps(dict(reversed(json.loads(envelope.model_dump_json()).items())))
    async with sessions() as session, session.begin():
        await session.execute(OUTBOX.insert().values(
            event_id=str(envelope.id), event_type=envelope.type, envelope=text, created_at=datetime.now(UTC)))
    transport = InProcessTransport()
    relay = OutboxRelay(sessions, INTERVENTIONS.messaging, transport)

    assert await relay.publish_pending() == 1

    assert transport.unrouted == [text.encode()]
    assert Envelope.model_validate_json(transport.unrouted[0]) == Envelope.model_validate_json(text)


def test_a_stored_event_keeps_the_envelopes_id_type_correlation_and_time():
    envelope = wrap(received(), "request-3")
    stored = StoredEvent.of(str(envelope.id), envelope.type, envelope.model_dump_json())
    assert stored == StoredEvent.from_envelope(envelope)
    assert (stored.correlation_id, stored.time) == ("request-3", envelope.time)


async def test_the_in_process_transport_delivers_what_the_relay_publishes(sessions):
    got: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        got.append(envelope)

    transport = InProcessTransport()
    await transport.subscribe("interventions", [ReferralReceived.event_type], record)
    await transport.start()
    try:
        envelope = wrap(received())
        await transport.publish_stored([StoredEvent.from_envelope(envelope)])
        await transport.drain()
    finally:
        await transport.close()
    assert got == [envelope]
