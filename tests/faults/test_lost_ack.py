"""An ack on a channel that died is a redelivery to come, not a crash (aio-pika #501)."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from tests.support import infra

pytestmark = pytest.mark.faults


def close_all_connections() -> None:
    subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "fault test: connection dropped"],
                   check=True, timeout=60, capture_output=True)


async def test_a_message_whose_channel_died_before_its_ack_is_delivered_again(bus_prefix):
    deliveries: list[str] = []
    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))

    async def handler(env: Envelope) -> None:
        deliveries.append(str(env.id))
        if len(deliveries) == 1:
            # The work is done; now the connection drops before the ack can be sent.
            await asyncio.to_thread(close_all_connections)
            for _ in range(100):
                if not await transport.is_ready():
                    break
                await asyncio.sleep(0.05)

    await transport.start()
    try:
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], handler)
        sent = Envelope(source="/test", type="test.thing.happened.v1", correlationid="lost-ack", data={})
        await transport.publish([sent])
        for _ in range(600):
            if len(deliveries) >= 2:
                break
            await asyncio.sleep(0.1)
        assert deliveries == [str(sent.id), str(sent.id)]
        assert await infra.queue_depth(f"{bus_prefix}.outcomes.dead-letter") == 0
    finally:
        await transport.close()
