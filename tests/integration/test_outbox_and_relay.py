"""The outbox and its relay on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import aio_pika
import pytest
from sqlalchemy import func, select

from vru_interventions.adapters import orm
from vru_interventions.bootstrap import SPEC
from vru_interventions.domain.organisations import Organisation
from vru_interventions.domain.programmes import Programme
from vru_interventions.service_layer import handlers
from vru_interventions.service_layer.commands import CreateProgramme
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_shared import db, migrations
from vru_shared.auth import Principal, Role
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from vru_shared.relay import OutboxRelay
from tests.support import infra

pytestmark = pytest.mark.integration

PROVIDER_ID, PROVIDER_NAME = uuid.uuid4(), "Example Youth Trust (synthetic)"


def provider() -> Organisation:
    # Made after the mappers start, so SQLAlchemy instruments it.
    return Organisation.registered(organisation_id=PROVIDER_ID, name=PROVIDER_NAME, role="provider")

ADMINISTRATOR = Principal("vru_" + "a" * 24, uuid.uuid4(), Role.ADMINISTRATOR, frozenset({"programmes:write"}), "t")


def programme_command() -> CreateProgramme:
    return CreateProgramme(
        caller=ADMINISTRATOR,
        name=f"Custody mentoring {uuid.uuid4().hex[:8]}",
        provider_organisation_id=PROVIDER_ID,
        tier="tertiary",
        accepted_sources=("custody", "youth_justice"),
        min_age=10,
        max_age=24,
        active_from=date(2025, 4, 1),
        capacity=40,
    )


def uow(sessions) -> InterventionsUnitOfWork:
    return InterventionsUnitOfWork(sessions, orm.messaging, source="/vru/interventions")


@pytest.fixture
async def interventions_db(postgres_database):
    url = await postgres_database()
    engine = db.create_engine(url)
    await migrations.upgrade(engine, SPEC.migrations)
    orm.start_mappers()
    sessions = db.session_factory(engine)
    async with sessions() as session, session.begin():
        # The provider is known here, as the identity service's event would have made it.
        session.add(provider())
    yield sessions
    await engine.dispose()


async def count(sessions, table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_change_and_its_outbox_row_are_committed_together(interventions_db):
    programme = await handlers.create_programme(programme_command(), uow(interventions_db))

    async with interventions_db() as session:
        rows = (await session.execute(select(orm.messaging.outbox))).all()
    assert await count(interventions_db, orm.programmes) == 1
    assert [r.event_type for r in rows] == ["interventions.programme.created.v1"]
    envelope = Envelope.model_validate_json(rows[0].envelope)
    assert envelope.data["programme_id"] == str(programme.id)
    assert rows[0].published_at is None


async def test_when_the_transaction_fails_neither_the_change_nor_its_event_is_kept(interventions_db):
    work = uow(interventions_db)

    async def crash_before_commit() -> None:
        raise RuntimeError("process died before COMMIT")

    with pytest.raises(RuntimeError):
        async with work:
            cmd = programme_command()
            work.programmes.add(Programme.create(
                name=cmd.name, provider=provider(), tier=cmd.tier, accepted_sources=list(cmd.accepted_sources),
                min_age=cmd.min_age, max_age=cmd.max_age, capacity=cmd.capacity, active_from=cmd.active_from,
            ))
            # Both inserts reach the database; only the commit is lost.
            work.session.commit = crash_before_commit
            await work.commit()

    assert await count(interventions_db, orm.programmes) == 0
    assert await count(interventions_db, orm.messaging.outbox) == 0


async def test_the_relay_publishes_every_row_with_confirms_and_marks_it_published(interventions_db, bus_prefix):
    for _ in range(30):
        await handlers.create_programme(programme_command(), uow(interventions_db))
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy())
    await transport.start()
    connection = await aio_pika.connect(infra.AMQP)
    try:
        channel = await connection.channel()
        probe = await channel.declare_queue(f"{bus_prefix}.probe", durable=True, arguments={"x-queue-type": "quorum"})
        await probe.bind(f"{bus_prefix}.events", routing_key="interventions.#")
        relay = OutboxRelay(interventions_db, orm.messaging, transport, batch_size=12)

        published = [await relay.publish_pending() for _ in range(4)]

        assert published == [12, 12, 6, 0]
        received = []
        for _ in range(30):
            message = await probe.get(timeout=5)
            await message.ack()
            received.append(Envelope.model_validate_json(message.body))
        assert {e.type for e in received} == {"interventions.programme.created.v1"}
        async with interventions_db() as session:
            outbox = (await session.execute(select(orm.messaging.outbox))).all()
        assert {r.event_id for r in outbox} == {str(e.id) for e in received}
        assert all(r.published_at is not None for r in outbox)
        # Published in outbox order.
        assert [str(e.id) for e in received] == [r.event_id for r in sorted(outbox, key=lambda r: r.position)]
    finally:
        await connection.close()
        await transport.close()


async def test_the_relay_keeps_trying_while_the_broker_is_away_and_publishes_when_it_is_back(interventions_db, bus_prefix):
    await handlers.create_programme(programme_command(), uow(interventions_db))
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
    relay = OutboxRelay(interventions_db, orm.messaging, transport, poll_interval_s=0.05, max_backoff_s=0.2)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
        # Not connected yet: nothing is marked published, and the relay says why.
        async with interventions_db() as session:
            unpublished = (await session.execute(
                select(func.count()).select_from(orm.messaging.outbox).where(orm.messaging.outbox.c.published_at.is_(None))
            )).scalar_one()
        assert unpublished == 1
        assert relay.last_error is not None

        await transport.start()
        for _ in range(100):
            async with interventions_db() as session:
                unpublished = (await session.execute(
                    select(func.count()).select_from(orm.messaging.outbox).where(orm.messaging.outbox.c.published_at.is_(None))
                )).scalar_one()
            if unpublished == 0:
                break
            await asyncio.sleep(0.05)
        assert unpublished == 0
        # The event went somewhere: nobody subscribes in this namespace, so the alternate exchange kept it.
        assert await infra.queue_depth(f"{bus_prefix}.unrouted") == 1
    finally:
        relay.stop()
        await running
        await transport.close()


async def test_several_relays_on_one_database_publish_every_row_once(interventions_db, bus_prefix):
    for _ in range(120):
        await handlers.create_programme(programme_command(), uow(interventions_db))
    transports = [RabbitMqTransport(infra.AMQP, prefix=bus_prefix) for _ in range(3)]
    for transport in transports:
        await transport.start()
    connection = await aio_pika.connect(infra.AMQP)
    try:
        channel = await connection.channel()
        probe = await channel.declare_queue(f"{bus_prefix}.probe", durable=True, arguments={"x-queue-type": "quorum"})
        await probe.bind(f"{bus_prefix}.events", routing_key="interventions.#")
        relays = [OutboxRelay(interventions_db, orm.messaging, t, batch_size=7) for t in transports]

        async def drain(relay: OutboxRelay) -> int:
            total = 0
            while published := await relay.publish_pending():
                total += published
            return total

        # Three relays at once: SKIP LOCKED hands each row to exactly one of them.
        counts = await asyncio.gather(*(drain(r) for r in relays))
        received = []
        while (message := await probe.get(fail=False, timeout=5)) is not None:
            await message.ack()
            received.append(Envelope.model_validate_json(message.body).id)
    finally:
        await connection.close()
        for transport in transports:
            await transport.close()

    assert sum(counts) == 120
    assert len(received) == len(set(received)) == 120
    async with interventions_db() as session:
        unpublished = (await session.execute(select(func.count()).select_from(orm.messaging.outbox)
                                             .where(orm.messaging.outbox.c.published_at.is_(None)))).scalar_one()
    assert unpublished == 0
