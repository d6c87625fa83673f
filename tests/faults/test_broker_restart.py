"""After RabbitMQ restarts, every consumer is back on its queue and the publisher publishes again
(aio-pika #231 and #536: robust reconnection could come back with no consumers)."""

from __future__ import annotations

import asyncio

import pytest

from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from tests.faults import broker
from tests.support import infra

pytestmark = pytest.mark.faults


def envelope(n: int) -> Envelope:
    return Envelope(source="/test", type="test.thing.happened.v1", correlationid=f"restart-{n}", data={"n": n})


async def wait_for(predicate, timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_consumers_come_back_on_their_queues_after_the_broker_restarts(bus_prefix):
    received: list[int] = []

    async def handler(env: Envelope) -> None:
        received.append(env.data["n"])

    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))
    await transport.start()
    try:
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], handler)
        await transport.subscribe("referrals", ["test.thing.happened.v1"], handler)
        await transport.publish([envelope(1)])
        await wait_for(lambda: sorted(received) == [1, 1])

        await asyncio.to_thread(broker.stop)
        try:
            await asyncio.sleep(0.5)
            assert not await transport.is_ready()  # /ready tells the truth while the broker is away
        finally:
            await asyncio.to_thread(broker.start)
        for _ in range(300):
            if await transport.is_ready():
                break
            await asyncio.sleep(0.2)
        assert await transport.is_ready()

        for _ in range(100):
            try:
                await transport.publish([envelope(2)])
                break
            except Exception:  # noqa: BLE001 - the channel may still be coming back
                await asyncio.sleep(0.2)
        await wait_for(lambda: sorted(received) == [1, 1, 2, 2])
    finally:
        await transport.close()
