"""Publishing on real RabbitMQ: nothing that routes nowhere is ever silently dropped (aio-pika #411)."""

from __future__ import annotations

import aio_pika
import pytest

from vru_shared.bus.base import PublishFailed
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from tests.support import infra

pytestmark = pytest.mark.integration


def envelope() -> Envelope:
    return Envelope(source="/test", type="nobody.listens.to.this.v1", correlationid="unrouted", data={})


async def test_an_event_nobody_subscribes_to_is_kept_in_the_unrouted_queue(bus_prefix):
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
    await transport.start()
    try:
        await transport.publish([envelope()])
        assert await infra.queue_depth(f"{bus_prefix}.unrouted") == 1
    finally:
        await transport.close()


async def test_a_message_the_broker_returns_as_unroutable_is_a_failed_publish_not_a_silent_loss(bus_prefix):
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
    await transport.start()
    connection = await aio_pika.connect(infra.AMQP)
    try:
        # Without its parking queue the alternate exchange routes nowhere either: a mandatory
        # publish then comes back as a return, which must surface as a failure to the relay.
        channel = await connection.channel()
        await channel.queue_delete(f"{bus_prefix}.unrouted")
        with pytest.raises(PublishFailed):
            await transport.publish([envelope()])
    finally:
        await connection.close()
        await transport.close()


async def test_a_changed_retry_delay_does_not_stop_a_service_from_starting_on_its_existing_queues(bus_prefix):
    from vru_shared.bus.base import DeliveryPolicy

    async def nothing(_envelope: Envelope) -> None:
        return None

    for delay_ms in (100, 1000):  # a redeploy with VRU_BUS_RETRY_DELAY_MS changed
        transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=delay_ms))
        await transport.start()
        try:
            await transport.subscribe("outcomes", ["test.thing.happened.v1"], nothing)
            assert await transport.is_ready()
        finally:
            await transport.close()
