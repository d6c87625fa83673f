"""Batches on real RabbitMQ and PostgreSQL: a poison message in a batch is dead-lettered alone while
the rest are handled, a batch never waits for a lock a request holds, and closing finishes the
batch in hand."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from vru_interventions.adapters import orm
from vru_interventions.bootstrap import SPEC
from vru_interventions.service_layer.referral_events import remember_referral
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_shared import db, migrations
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.consumer import EventConsumer
from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import Envelope
from vru_shared.unit_of_work import LockBusy
from tests.support import infra

pytestmark = pytest.mark.integration


def received() -> ReferralReceived:
    at = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    return ReferralReceived(
        referral_id=uuid.uuid4(), programme_id=uuid.uuid4(), source="custody", subject_pseudonym="e" * 64,
        pseudonym_key_version=1, age_band="15-17", sex="male", ethnicity="white_british", ethnicity_group="white",
        postcode_district="EX2", referred_at=at, index_event_at=at - timedelta(hours=3),
        received_at=at + timedelta(minutes=1), risk_factors=["weapon_carrying"], lawful_basis="consent",
    )


def wrap(event) -> Envelope:
    return Envelope.wrap(event, source="/vru/referrals", correlation_id=str(uuid.uuid4()))


class RecordingConsumer(EventConsumer):
    """The event consumer, noting the size of each batch it is given."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.batches: list[int] = []

    async def handle_batch(self, envelopes: Sequence[Envelope]) -> None:
        self.batches.append(len(envelopes))
        await super().handle_batch(envelopes)


@pytest.fixture
async def sessions(postgres_database):
    engine = db.create_engine(await postgres_database())
    await migrations.upgrade(engine, SPEC.migrations)
    SPEC.start_mappers()
    yield db.session_factory(engine)
    await engine.dispose()


def units(sessions):
    return lambda: InterventionsUnitOfWork(sessions, SPEC.messaging, source="/vru/interventions")


async def count(sessions, table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def eventually(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_a_poison_message_in_a_batch_is_dead_lettered_alone_and_every_other_message_is_handled(
        sessions, bus_prefix):
    doomed = wrap(received())
    doomed_id = ReferralReceived.model_validate(doomed.data).referral_id
    attempts = 0

    async def picky(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        nonlocal attempts
        await remember_referral(event, uow)
        if event.referral_id == doomed_id:
            attempts += 1
            raise RuntimeError("this one can never be handled")

    consumer = RecordingConsumer({ReferralReceived: [picky]}, units(sessions))
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix,
                                  policy=DeliveryPolicy(max_attempts=3, retry_delay_ms=100, prefetch=32))
    good = [wrap(received()) for _ in range(60)]
    await transport.start()
    try:
        await transport.subscribe("interventions", consumer.event_types, consumer)
        # Published at once: they arrive faster than one at a time can be handled, so they batch.
        await transport.publish([*good[:30], doomed, *good[30:]])

        dead_letters = f"{bus_prefix}.interventions.dead-letter"
        await eventually(lambda: _eq(count(sessions, orm.known_referrals), 60))
        await eventually(lambda: _eq(infra.queue_depth(dead_letters), 1))
    finally:
        await transport.close()

    assert max(consumer.batches) > 1
    async with sessions() as session:
        handled = set((await session.execute(select(SPEC.messaging.inbox.c.event_id))).scalars())
    assert handled == {str(e.id) for e in good}
    # Tried in its batch, then alone once per attempt: the bus's attempts are its own.
    assert attempts >= 3
    assert await infra.queue_depth(f"{bus_prefix}.interventions") == 0


async def test_a_batch_gives_up_rather_than_wait_for_a_lock_a_request_holds_and_alone_a_message_waits(sessions):
    held, other = wrap(received()), wrap(received())
    consumer = EventConsumer({ReferralReceived: [remember_referral]}, units(sessions))
    referral_id = ReferralReceived.model_validate(held.data).referral_id

    async with sessions() as request, request.begin():
        # A request holding the referral's lock, as an enrolment being posted would.
        await request.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                              {"k": f"referral:{referral_id}"})
        with pytest.raises(LockBusy):
            await asyncio.wait_for(consumer.handle_batch([other, held]), 5)
        alone = asyncio.create_task(consumer(held))
        await asyncio.sleep(0.3)
        assert not alone.done()  # waiting for the request, as a message always did

    await asyncio.wait_for(alone, 5)
    await consumer(other)
    assert await count(sessions, orm.known_referrals) == 2


async def test_closing_the_transport_finishes_and_acknowledges_the_batch_in_hand(sessions, bus_prefix):
    started = asyncio.Event()

    async def slow(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        started.set()
        await asyncio.sleep(0.5)
        await remember_referral(event, uow)

    consumer = RecordingConsumer({ReferralReceived: [slow]}, units(sessions))
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))
    await transport.start()
    await transport.subscribe("interventions", consumer.event_types, consumer)
    await transport.publish([wrap(received()) for _ in range(3)])
    await asyncio.wait_for(started.wait(), 10)
    await transport.close()  # as the service's lifespan does on SIGTERM

    handled = await count(sessions, orm.known_referrals)
    assert handled >= 1
    # What was handled was acknowledged: only what was not is left on the queue.
    assert await infra.queue_depth(f"{bus_prefix}.interventions") == 3 - handled


async def _eq(awaitable, expected) -> bool:
    return (await awaitable) == expected
