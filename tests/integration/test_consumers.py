"""Consumers on real RabbitMQ and PostgreSQL: idempotent under redelivery, poison dead-lettered."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import aio_pika
import pytest
from sqlalchemy import func, select

from vru_outcomes.adapters import orm
from vru_outcomes.bootstrap import SPEC
from vru_outcomes.service_layer.handlers import SUBSCRIPTIONS
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork
from vru_shared import db, migrations
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import ATTEMPT_HEADER, RabbitMqTransport
from vru_shared.consumer import EventConsumer
from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted
from vru_shared.events import Envelope
from tests.support import infra

pytestmark = pytest.mark.integration


def started(programme_id: uuid.UUID | None = None) -> EnrolmentStarted:
    return EnrolmentStarted(
        enrolment_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        programme_id=programme_id or uuid.uuid4(),
        subject_pseudonym=uuid.uuid4().hex * 2,
        start_date=date(2026, 9, 1),
        started_at=datetime(2026, 9, 1, 10, tzinfo=UTC),
    )


def wrap(event) -> Envelope:
    return Envelope.wrap(event, source="/vru/interventions", correlation_id=str(uuid.uuid4()))


@pytest.fixture
async def outcomes_db(postgres_database):
    url = await postgres_database()
    engine = db.create_engine(url)
    await migrations.upgrade(engine, SPEC.migrations)
    orm.start_mappers()
    sessions = db.session_factory(engine)
    yield sessions, EventConsumer(SUBSCRIPTIONS, lambda: OutcomesUnitOfWork(sessions, orm.messaging, source="/t"))
    await engine.dispose()


async def count(sessions, table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def eventually(predicate, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_a_message_delivered_twice_changes_the_projection_once(outcomes_db, bus_prefix):
    sessions, consumer = outcomes_db
    deliveries = 0

    async def counting(envelope: Envelope) -> None:
        nonlocal deliveries
        await consumer(envelope)
        deliveries += 1

    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))
    await transport.start()
    try:
        await transport.subscribe("outcomes", consumer.event_types, counting)
        envelope = wrap(started())
        await transport.publish([envelope])
        await transport.publish([envelope])  # the relay re-sends after losing a confirm

        await eventually(lambda: asyncio.sleep(0, deliveries == 2))
        assert await count(sessions, orm.cohort) == 1
        assert await count(sessions, orm.messaging.inbox) == 1
    finally:
        await transport.close()


async def test_a_message_whose_ack_was_lost_after_commit_is_redelivered_and_absorbed(outcomes_db, bus_prefix):
    sessions, consumer = outcomes_db
    calls = 0

    async def commit_then_crash_once(envelope: Envelope) -> None:
        nonlocal calls
        calls += 1
        await consumer(envelope)
        if calls == 1:
            raise ConnectionError("died after the commit, before the ack")

    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))
    await transport.start()
    try:
        await transport.subscribe("outcomes", consumer.event_types, commit_then_crash_once)
        await transport.publish([wrap(started())])

        await eventually(lambda: asyncio.sleep(0, calls == 2))
        await asyncio.sleep(0.2)
        assert calls == 2
        assert await count(sessions, orm.cohort) == 1
        assert await infra.queue_depth(f"{bus_prefix}.outcomes.dead-letter") == 0
    finally:
        await transport.close()


async def test_a_poison_message_is_dead_lettered_while_the_messages_behind_it_flow(outcomes_db, bus_prefix):
    sessions, consumer = outcomes_db
    policy = DeliveryPolicy(max_attempts=3, retry_delay_ms=150, prefetch=4)
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=policy)
    await transport.start()
    connection = await aio_pika.connect(infra.AMQP)
    try:
        await transport.subscribe("outcomes", consumer.event_types, consumer)
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{bus_prefix}.events")
        # Unreadable: not an envelope at all.
        await exchange.publish(aio_pika.Message(b"{not json"), routing_key=EnrolmentStarted.event_type)
        # Readable but failing every time: an enrolment that ends without having started.
        doomed = wrap(EnrolmentEnded(enrolment_id=uuid.uuid4(), referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                                     end_date=date(2026, 10, 1), exit_reason="completed"))
        await transport.publish([doomed])
        good = [wrap(started()) for _ in range(20)]
        await transport.publish(good)

        dead_letters = f"{bus_prefix}.outcomes.dead-letter"
        await eventually(lambda: _eq(count(sessions, orm.cohort), 20))
        await eventually(lambda: _eq(infra.queue_depth(dead_letters), 2))

        dead = []
        queue = await channel.declare_queue(dead_letters, passive=True)
        for _ in range(2):
            message = await queue.get(timeout=5)
            dead.append(message)
            await message.ack()
        by_body = {m.body: m for m in dead}
        assert b"{not json" in by_body
        assert "unreadable" in by_body[b"{not json"].headers["x-vru-error"]
        failed = next(m for m in dead if m.body != b"{not json")
        assert Envelope.model_validate_json(failed.body).id == doomed.id
        assert failed.headers[ATTEMPT_HEADER] == 3
        assert "LookupError" in failed.headers["x-vru-error"]
        assert await count(sessions, orm.cohort) == 20
    finally:
        await connection.close()
        await transport.close()


async def _eq(awaitable, expected) -> bool:
    return (await awaitable) == expected
