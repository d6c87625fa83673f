"""Poison published onto the bus in the middle of a stream of referrals: raw bytes that are no event
at all, and a well-formed envelope whose data no handler can take. Each consumer moves them to its
dead-letter queue (where `vru dead-letters list` shows them) and the messages behind them flow."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid

import aio_pika
import pytest

from tests.faults.load import Clients, send, Stream
from tests.faults.readings import create_programme, enrol_all, marker, projections, referral_body, settle
from tests.faults.report import Row
from tests.support import infra
from tests.support.processes import poll
from vru_shared.events import Envelope

pytestmark = pytest.mark.faults

REFERRALS = 100
PER_SECOND = 15
# Both the interventions and the outcomes service consume it.
ROUTING_KEY = "referrals.referral.received.v1"


async def publish_poison(prefix: str) -> dict[str, str]:
    """Publish the two poisons straight onto the events exchange; return their message ids by kind."""
    unreadable_id = f"poison-bytes-{uuid.uuid4().hex[:8]}"
    undecodable = Envelope(source="/fault-tests", type=ROUTING_KEY, correlationid=f"poison-{uuid.uuid4().hex[:8]}",
                           data={"not": "a referral"})
    connection = await aio_pika.connect(infra.AMQP)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{prefix}.events", ensure=True)
        for body, message_id in ((b"\x00\xff{not an event", unreadable_id),
                                 (undecodable.model_dump_json().encode(), str(undecodable.id))):
            await exchange.publish(aio_pika.Message(body, message_id=message_id, type=ROUTING_KEY,
                                                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                   routing_key=ROUTING_KEY, mandatory=True)
    finally:
        await connection.close()
    return {"unreadable": unreadable_id, "undecodable": str(undecodable.id)}


def dead_letter_list(platform, service: str) -> dict[str, dict]:
    """`vru dead-letters list --service <service>`, as an operator runs it, by message id."""
    done = subprocess.run([sys.executable, "-m", "vru_deploy", "dead-letters", "list", "--service", service],
                          env={**os.environ, **platform.env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return {entry["message_id"]: entry for entry in map(json.loads, done.stdout.splitlines())}


def test_poison_on_the_bus_is_dead_lettered_and_the_messages_behind_it_flow(platform, fault_report):
    cast = platform.cast
    programme_id = create_programme(cast)
    with Clients() as api:

        def refer_and_accept(i: int):
            made = send(api(cast.referrer), "POST", "/v1/referrals",
                        json=referral_body(programme_id, marker("poison", i)))
            if not made.ok:
                return made, None
            return made, send(api(cast.provider), "POST", f"/v1/referrals/{made.json()['id']}/accept")

        stream = Stream(REFERRALS, refer_and_accept, per_second=PER_SECOND).start()
        stream.wait_for(REFERRALS // 2)
        poison = asyncio.run(publish_poison(platform.env["VRU_BUS_PREFIX"]))
        poisoned_at = stream.done
        results = stream.finish()

    accepted_ids = [made.json()["id"] for made, accepted in results if made.ok and accepted and accepted.ok]
    enrolments = enrol_all(cast, programme_id, accepted_ids)
    counts = settle(lambda: projections(cast, programme_id), len(accepted_ids), timeout=90)
    # The undecodable one is tried VRU_BUS_MAX_ATTEMPTS times, a second apart, before it is given up.
    dead = {service: poll(lambda s=service: dead_letter_list(platform, s),
                          lambda found: set(poison.values()) <= set(found), timeout=60)
            for service in ("outcomes", "interventions")}
    row = fault_report.add(Row.of(
        "4 poison message", REFERRALS, len(accepted_ids), counts, poisoned_after=poisoned_at,
        dead_lettered={service: {kind: found[message_id]["attempts"] for kind, message_id in poison.items()}
                       for service, found in dead.items()},
    ))

    assert len(accepted_ids) == REFERRALS and all(e.ok for e in enrolments)
    assert (row.lost, row.duplicated) == (0, 0)
    assert set(counts.values()) == {REFERRALS}
    for service, found in dead.items():
        # Poison only: no real event was given up on.
        assert set(found) == set(poison.values()), service
        unreadable, undecodable = found[poison["unreadable"]], found[poison["undecodable"]]
        assert unreadable["attempts"] == 1 and unreadable["error"].startswith("unreadable")  # never retried
        assert undecodable["attempts"] == 5 and "validation error" in undecodable["error"].lower()
