"""The raw aio-pika ceiling: what RabbitMQ and its client do on this machine with nothing else.

Run as `python -m bench.raw_bus <spec.json>` (a process of its own, like a service). The topology
mirrors the platform's for a referral-received event: a durable topic exchange and two quorum
queues bound to it (the event goes to the interventions and outcomes services). Publishing is
persistent with publisher confirms, in batches gathered together as the outbox relay does;
consuming acknowledges each message by hand with the services' prefetch. Three runs: publish
alone, consume the backlog alone, and both at once (end to end). It prints one JSON result.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aio_pika
from pamqp.commands import Basic

KEY = "bench.raw.received"
QUORUM = {"x-queue-type": "quorum"}


def _message(body: bytes, n: int) -> aio_pika.Message:
    # The properties the platform's transport sets on every event.
    return aio_pika.Message(body=body, content_type="application/cloudevents+json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=f"raw-{n}",
                            correlation_id="bench", type=KEY, headers={"x-vru-attempt": 1})


async def _publish(exchange: aio_pika.abc.AbstractExchange, body: bytes, count: int, batch: int) -> float:
    began = time.perf_counter()
    for first in range(0, count, batch):
        confirms = await asyncio.gather(*(exchange.publish(_message(body, n), routing_key=KEY, mandatory=True)
                                          for n in range(first, min(count, first + batch))))
        if not all(isinstance(c, Basic.Ack) for c in confirms):
            raise RuntimeError("a raw publish was not confirmed")
    return time.perf_counter() - began


async def _consume(connection: aio_pika.abc.AbstractConnection, queue_name: str, count: int,
                   prefetch: int, started: asyncio.Event) -> float:
    """Consume `count` messages with manual acks; the time from `started` to the last ack."""
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=prefetch)
    queue = await channel.declare_queue(queue_name, passive=True)
    done = asyncio.get_running_loop().create_future()
    seen = 0

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal seen
        await message.ack()
        seen += 1
        if seen == count and not done.done():
            done.set_result(time.perf_counter())

    await started.wait()
    began = time.perf_counter()
    tag = await queue.consume(on_message, no_ack=False)
    finished = await done
    await queue.cancel(tag)
    await channel.close()
    return finished - began


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    count, batch, prefetch = spec["messages"], spec["batch"], spec["prefetch"]
    body = spec["body"].encode()
    prefix = spec["prefix"]
    queues = [f"{prefix}.raw-interventions", f"{prefix}.raw-outcomes"]
    connection = await aio_pika.connect(spec["amqp_url"])
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(f"{prefix}.raw-events", aio_pika.ExchangeType.TOPIC, durable=True)
        for name in queues:
            queue = await channel.declare_queue(name, durable=True, arguments=QUORUM)
            await queue.bind(exchange, routing_key=KEY)

        publish_s = await _publish(exchange, body, count, batch)
        go = asyncio.Event()
        go.set()
        consume_s = await asyncio.gather(*(_consume(connection, q, count, prefetch, go) for q in queues))

        # Both at once: consumers waiting, then the same publishing.
        start_consumers = asyncio.Event()
        consumers = [asyncio.create_task(_consume(connection, q, count, prefetch, start_consumers)) for q in queues]
        start_consumers.set()
        await asyncio.sleep(0.05)
        began = time.perf_counter()
        await _publish(exchange, body, count, batch)
        await asyncio.gather(*consumers)
        end_to_end_s = time.perf_counter() - began

        for name in queues:
            await channel.queue_delete(name)
        await channel.exchange_delete(f"{prefix}.raw-events")
    finally:
        await connection.close()
    return {
        "messages": count,
        "body_bytes": len(body),
        "publish_batch": batch,
        "prefetch": prefetch,
        "queues": len(queues),
        "publish_per_s": round(count / publish_s, 1),
        "consume_per_s_per_queue": round(count / max(consume_s), 1),
        "end_to_end_per_s": round(count / end_to_end_s, 1),
    }


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    # To the file run_module reads (bench.load): stdout may be left non-blocking by the event loop.
    Path(sys.argv[2]).write_text(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
