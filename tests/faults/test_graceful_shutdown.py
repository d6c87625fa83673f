"""On SIGTERM a process finishes what it has in hand: the request being served, the message
being handled; then it stops."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.rabbitmq import RabbitMqTransport
from vru_shared.events import Envelope
from tests.support import infra
from tests.support.processes import free_port_block

pytestmark = pytest.mark.faults

# A service as `vru serve` runs it (its app, uvicorn with the same shutdown grace), plus a slow route.
SERVICE = """
import asyncio, sys
from pathlib import Path
import uvicorn
from vru_interventions.bootstrap import SPEC
from vru_shared.bus.memory import InProcessTransport
from vru_shared.service import create_app
from vru_shared.settings import Settings

app = create_app(SPEC, Settings(data_dir=Path(sys.argv[2])), InProcessTransport())

@app.get("/slow")
async def slow() -> dict:
    await asyncio.sleep(1.5)
    return {"finished": True}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, timeout_graceful_shutdown=15)
"""


def test_a_request_in_flight_when_sigterm_arrives_is_answered_before_the_process_stops(tmp_path):
    port = free_port_block(1)
    process = subprocess.Popen([sys.executable, "-c", SERVICE, str(port), str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        answers: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: answers.append(httpx.get(f"http://127.0.0.1:{port}/slow", timeout=10)))
        slow.start()
        time.sleep(0.4)  # the request is being served
        process.send_signal(signal.SIGTERM)
        slow.join(timeout=15)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert answers and answers[0].status_code == 200 and answers[0].json() == {"finished": True}
    # uvicorn ends by re-raising the signal it handled, so "stopped by SIGTERM" is a clean exit.
    assert code in (0, -signal.SIGTERM)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)


async def test_a_message_being_handled_when_the_consumer_stops_is_finished_and_acknowledged(bus_prefix):
    started, finished = asyncio.Event(), []

    async def slow_handler(envelope: Envelope) -> None:
        started.set()
        await asyncio.sleep(1.0)
        finished.append(envelope.id)

    transport = RabbitMqTransport(infra.AMQP, prefix=bus_prefix, policy=DeliveryPolicy(retry_delay_ms=100))
    await transport.start()
    sent = Envelope(source="/t", type="test.thing.happened.v1", correlationid="shutdown", data={})
    await transport.subscribe("outcomes", ["test.thing.happened.v1"], slow_handler)
    await transport.publish([sent])
    await asyncio.wait_for(started.wait(), 10)
    await transport.close()  # as the service's lifespan does on SIGTERM
    assert finished == [sent.id]

    # Acknowledged before the connection closed: a new consumer is not handed it again.
    again: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        again.append(envelope)

    second = RabbitMqTransport(infra.AMQP, prefix=bus_prefix)
    await second.start()
    try:
        await second.subscribe("outcomes", ["test.thing.happened.v1"], record)
        await asyncio.sleep(1.5)
    finally:
        await second.close()
    assert again == []
    assert await infra.queue_depth(f"{bus_prefix}.outcomes") == 0
