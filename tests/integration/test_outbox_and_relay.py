"""The outbox and its relay on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import aio_pika
import pytest
from sqlalchemy import func, select

from vru_referrals.adapters import orm
from vru_referrals.bootstrap import SPEC
from vru_referrals.domain.model import ReferralSource
from vru_referrals.domain.subjects import IdentifierType
from vru_referrals.service_layer import handlers
from vru_referrals.service_layer.commands import MakeReferral
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork
from vru_shared import db, migrations
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from vru_shared.relay import OutboxRelay
from tests.support import infra

pytestmark = pytest.mark.integration

KEY = handlers.PseudonymKey(b"integration-test-key-0123456789abcdef", 1)


def referral_command(identifier: str = "9434765919") -> MakeReferral:
    return MakeReferral(
        programme_id=uuid.uuid4(),
        source=ReferralSource.CUSTODY,
        referred_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
        date_of_birth=date(2009, 3, 4),
        identifier_type=IdentifierType.NHS_NUMBER,
        identifier=identifier,
        consent_given=True,
        consent_recorded_by="Custody officer (synthetic)",
        consent_recorded_at=datetime(2026, 10, 1, 8, tzinfo=UTC),
    )


@pytest.fixture
async def referrals_db(postgres_database):
    url = await postgres_database()
    engine = db.create_engine(url)
    await migrations.upgrade(engine, SPEC.migrations)
    orm.start_mappers()
    yield db.session_factory(engine)
    await engine.dispose()


async def count(sessions, table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_referral_and_its_outbox_row_are_committed_together(referrals_db):
    uow = ReferralsUnitOfWork(referrals_db, orm.messaging, source="/vru/referrals")
    referral = await handlers.make_referral(referral_command(), uow, KEY)

    async with referrals_db() as session:
        rows = (await session.execute(select(orm.messaging.outbox))).all()
    assert await count(referrals_db, orm.referrals) == 1
    assert [r.event_type for r in rows] == ["referrals.referral.received.v1"]
    envelope = Envelope.model_validate_json(rows[0].envelope)
    assert envelope.data["referral_id"] == str(referral.id)
    assert rows[0].published_at is None


async def test_when_the_transaction_fails_neither_the_referral_nor_its_event_is_kept(referrals_db):
    uow = ReferralsUnitOfWork(referrals_db, orm.messaging, source="/vru/referrals")

    async def crash_before_commit() -> None:
        raise RuntimeError("process died before COMMIT")

    with pytest.raises(RuntimeError):
        async with uow:
            from vru_referrals.domain.model import Consent, Referral, Subject

            referral = Referral.receive(
                referral_id=uuid.uuid4(),
                programme_id=uuid.uuid4(),
                source=ReferralSource.SCHOOL,
                referred_at=datetime(2026, 10, 1, tzinfo=UTC),
                subject=Subject(date(2010, 1, 1), IdentifierType.LOCAL, "L-1", "p" * 64, 1),
                consent=Consent(True, "Head of year (synthetic)", datetime(2026, 10, 1, tzinfo=UTC)),
            )
            uow.referrals.add(referral)
            # Both inserts reach the database; only the commit is lost.
            uow.session.commit = crash_before_commit
            await uow.commit()

    assert await count(referrals_db, orm.referrals) == 0
    assert await count(referrals_db, orm.messaging.outbox) == 0


async def test_the_relay_publishes_every_row_with_confirms_and_marks_it_published(referrals_db, bus_prefix):
    for i in range(30):
        await handlers.make_referral(referral_command(), ReferralsUnitOfWork(referrals_db, orm.messaging, source="/t"), KEY)
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy())
    await transport.start()
    connection = await aio_pika.connect(infra.AMQP)
    try:
        channel = await connection.channel()
        probe = await channel.declare_queue(f"{bus_prefix}.probe", durable=True, arguments={"x-queue-type": "quorum"})
        await probe.bind(f"{bus_prefix}.events", routing_key="referrals.#")
        relay = OutboxRelay(referrals_db, orm.messaging, transport, batch_size=12)

        published = [await relay.publish_pending() for _ in range(4)]

        assert published == [12, 12, 6, 0]
        received = []
        for _ in range(30):
            message = await probe.get(timeout=5)
            await message.ack()
            received.append(Envelope.model_validate_json(message.body))
        assert {e.type for e in received} == {"referrals.referral.received.v1"}
        async with referrals_db() as session:
            outbox = (await session.execute(select(orm.messaging.outbox))).all()
        assert {r.event_id for r in outbox} == {str(e.id) for e in received}
        assert all(r.published_at is not None for r in outbox)
        # Published in outbox order.
        assert [str(e.id) for e in received] == [r.event_id for r in sorted(outbox, key=lambda r: r.position)]
    finally:
        await connection.close()
        await transport.close()


async def test_the_relay_keeps_trying_while_the_broker_is_away_and_publishes_when_it_is_back(referrals_db, bus_prefix):
    await handlers.make_referral(referral_command(), ReferralsUnitOfWork(referrals_db, orm.messaging, source="/t"), KEY)
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
    relay = OutboxRelay(referrals_db, orm.messaging, transport, poll_interval_s=0.05, max_backoff_s=0.2)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
        # Not connected yet: nothing is marked published, and the relay says why.
        async with referrals_db() as session:
            unpublished = (await session.execute(
                select(func.count()).select_from(orm.messaging.outbox).where(orm.messaging.outbox.c.published_at.is_(None))
            )).scalar_one()
        assert unpublished == 1
        assert relay.last_error is not None

        await transport.start()
        for _ in range(100):
            async with referrals_db() as session:
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
