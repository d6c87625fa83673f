"""An operator lists, inspects and replays dead letters with `vru dead-letters` on real RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid

import pytest

from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from tests.support import infra

pytestmark = pytest.mark.integration


def vru(prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"VRU_AMQP_URL": infra.AMQP, "VRU_BUS_PREFIX": prefix, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "vru_deploy", "dead-letters", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def envelope(n: int) -> Envelope:
    return Envelope(source="/test", type="test.thing.happened.v1", correlationid=f"dl-{n}", data={"n": n})


async def test_dead_letters_can_be_listed_without_removing_them_and_replayed_once_the_cause_is_fixed(bus_prefix):
    broken = True
    handled: list[int] = []

    async def handler(env: Envelope) -> None:
        if broken:
            raise RuntimeError("downstream bug")
        handled.append(env.data["n"])

    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(max_attempts=2, retry_delay_ms=100))
    await transport.start()
    try:
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], handler)
        sent = [envelope(1), envelope(2)]
        await transport.publish(sent)
        queue = f"{bus_prefix}.outcomes.dead-letter"
        for _ in range(100):
            if await infra.queue_depth(queue) == 2:
                break
            await asyncio.sleep(0.1)

        listed = await asyncio.to_thread(vru, bus_prefix, "list", "--service", "outcomes")
        assert listed.returncode == 0, listed.stderr
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert {r["message_id"] for r in rows} == {str(e.id) for e in sent}
        assert all(r["attempts"] == 2 and "downstream bug" in r["error"] for r in rows)
        assert await infra.queue_depth(queue) == 2  # looking changed nothing

        shown = await asyncio.to_thread(vru, bus_prefix, "show", str(sent[0].id), "--service", "outcomes")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["event"]["data"] == {"n": 1}

        broken = False
        replayed = await asyncio.to_thread(vru, bus_prefix, "replay", str(sent[0].id), "--service", "outcomes")
        assert replayed.returncode == 0, replayed.stderr
        assert json.loads(replayed.stdout)["replayed"] == [str(sent[0].id)]
        for _ in range(100):
            if handled:
                break
            await asyncio.sleep(0.05)
        assert handled == [1]
        assert await infra.queue_depth(queue) == 1

        rest = await asyncio.to_thread(vru, bus_prefix, "replay", "--all", "--service", "outcomes")
        assert json.loads(rest.stdout)["replayed"] == [str(sent[1].id)]
        for _ in range(100):
            if len(handled) == 2:
                break
            await asyncio.sleep(0.05)
        assert sorted(handled) == [1, 2]
        assert await infra.queue_depth(queue) == 0
    finally:
        await transport.close()


def test_replaying_an_unknown_id_says_so_and_fails(bus_prefix):
    async def declare() -> None:
        transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
        await transport.start()
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], lambda env: asyncio.sleep(0))
        await transport.close()

    asyncio.run(declare())
    missing = str(uuid.uuid4())
    answer = vru(bus_prefix, "replay", missing, "--service", "outcomes")
    assert answer.returncode == 1
    assert missing in answer.stderr
