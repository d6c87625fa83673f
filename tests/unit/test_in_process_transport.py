"""The in-process transport: routing by bound event types, order, unrouted messages, retries with a
delay, dead letters, and the correlation id a callback runs under."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from vru_shared import correlation
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.contracts.interventions import EnrolmentStarted, ProgrammeCreated
from vru_shared.contracts.referrals import ReferralReceived
from vru_shared.events import Envelope

from tests.unit.integration_event_builders import programme_created, referral_received, wrap


@pytest.fixture
async def transport() -> AsyncIterator[InProcessTransport]:
    t = InProcessTransport(DeliveryPolicy(max_attempts=3, retry_delay_ms=50))
    await t.start()
    yield t
    await t.close()


def _recorder(into: list[Envelope]) -> Callable[[Envelope], object]:
    async def callback(envelope: Envelope) -> None:
        into.append(envelope)

    return callback


async def test_each_queue_gets_only_the_event_types_it_bound(transport):
    to_interventions: list[Envelope] = []
    to_outcomes: list[Envelope] = []
    await transport.subscribe("interventions", [ReferralReceived.event_type], _recorder(to_interventions))
    await transport.subscribe("outcomes", [ProgrammeCreated.event_type, EnrolmentStarted.event_type],
                              _recorder(to_outcomes))
    referral, programme = wrap(referral_received()), wrap(programme_created())

    await transport.publish([referral, programme])
    await transport.drain()

    assert [e.id for e in to_interventions] == [referral.id]
    assert [e.id for e in to_outcomes] == [programme.id]
    assert to_outcomes[0] == programme
    assert transport.unrouted == []
    assert transport.dead_letters == []


async def test_an_event_two_queues_bound_reaches_both(transport):
    first: list[Envelope] = []
    second: list[Envelope] = []
    await transport.subscribe("a", [ProgrammeCreated.event_type], _recorder(first))
    await transport.subscribe("b", [ProgrammeCreated.event_type], _recorder(second))
    envelope = wrap(programme_created())
    await transport.publish([envelope])
    await transport.drain()
    assert [e.id for e in first] == [e.id for e in second] == [envelope.id]


async def test_a_queue_delivers_in_the_order_published(transport):
    got: list[Envelope] = []
    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], _recorder(got))
    envelopes = [wrap(programme_created(f"P{i}")) for i in range(20)]
    await transport.publish(envelopes)
    await transport.drain()
    assert [e.id for e in got] == [e.id for e in envelopes]


async def test_a_second_consumer_on_one_queue_is_refused(transport):
    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], _recorder([]))
    with pytest.raises(ValueError):
        await transport.subscribe("outcomes", [EnrolmentStarted.event_type], _recorder([]))


async def test_messages_published_before_start_are_delivered_once_it_starts():
    t = InProcessTransport(DeliveryPolicy(max_attempts=2, retry_delay_ms=10))
    got: list[Envelope] = []
    await t.subscribe("outcomes", [ProgrammeCreated.event_type], _recorder(got))
    envelope = wrap(programme_created())
    await t.publish([envelope])
    await t.start()
    try:
        await t.drain()
        assert [e.id for e in got] == [envelope.id]
        assert await t.is_ready()
    finally:
        await t.close()
    assert not await t.is_ready()


async def test_a_message_no_queue_bound_is_kept_as_unrouted(transport):
    await transport.subscribe("interventions", [ReferralReceived.event_type], _recorder([]))
    envelope = wrap(programme_created())
    await transport.publish([envelope])
    await transport.drain()
    assert len(transport.unrouted) == 1
    assert Envelope.model_validate_json(transport.unrouted[0]) == envelope


async def test_a_failing_callback_is_retried_after_the_delay_then_dead_lettered_while_later_messages_flow(transport):
    loop = asyncio.get_running_loop()
    poisoned = wrap(programme_created("Poisoned"))
    healthy = wrap(programme_created("Healthy"))
    attempts: list[float] = []
    delivered: list[uuid.UUID] = []

    async def callback(envelope: Envelope) -> None:
        if envelope.id == poisoned.id:
            attempts.append(loop.time())
            raise RuntimeError("projection unavailable")
        delivered.append(envelope.id)

    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], callback)
    await transport.publish([poisoned, healthy])
    await transport.drain()

    assert len(attempts) == 3  # max_attempts
    gaps = [later - earlier for earlier, later in pairwise(attempts)]
    assert all(gap >= 0.045 for gap in gaps), gaps  # retry_delay_ms=50
    assert delivered == [healthy.id]
    assert len(transport.dead_letters) == 1
    dead = transport.dead_letters[0]
    assert dead.queue == "outcomes"
    assert dead.attempts == 3
    assert "projection unavailable" in dead.reason
    assert Envelope.model_validate_json(dead.body) == poisoned


async def test_a_message_that_fails_then_succeeds_is_delivered_and_not_dead_lettered(transport):
    calls: list[int] = []

    async def callback(envelope: Envelope) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("not yet")

    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], callback)
    await transport.publish([wrap(programme_created())])
    await transport.drain()
    assert len(calls) == 3
    assert transport.dead_letters == []


async def test_an_unreadable_body_is_dead_lettered_at_once_without_calling_back(transport):
    got: list[Envelope] = []
    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], _recorder(got))
    # An envelope its reader must refuse: built without validation, so it serialises with a bad version.
    unreadable = Envelope.model_construct(
        specversion="9.9", id=uuid.uuid4(), source="/vru/tests", type=ProgrammeCreated.event_type,
        time=datetime.now(UTC), datacontenttype="application/json", correlationid="c", data={},
    )
    readable = wrap(programme_created())
    await transport.publish([unreadable, readable])
    await transport.drain()

    assert [e.id for e in got] == [readable.id]
    assert len(transport.dead_letters) == 1
    assert transport.dead_letters[0].reason.startswith("unreadable")
    assert transport.dead_letters[0].attempts == 1


async def test_the_callback_runs_under_the_correlation_id_of_the_envelope(transport):
    # The RabbitMQ transport binds the envelope's correlation id while the callback runs, so the
    # events a handler emits and the lines it logs carry the id of the request behind the message.
    seen: list[str | None] = []

    async def callback(envelope: Envelope) -> None:
        seen.append(correlation.correlation_id.get())

    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], callback)
    await transport.publish([wrap(programme_created("One"), "request-one"),
                             wrap(programme_created("Two"), "request-two")])
    await transport.drain()
    assert seen == ["request-one", "request-two"]


async def test_a_database_outage_longer_than_the_attempts_does_not_dead_letter_the_message():
    from vru_shared.bus.memory import InProcessTransport

    transport = InProcessTransport(DeliveryPolicy(max_attempts=2, retry_delay_ms=5))
    calls: list[int] = []

    async def handler(_envelope: Envelope) -> None:
        calls.append(1)
        if len(calls) <= 6:  # three times the attempts the policy allows
            raise ConnectionRefusedError("database restarting")

    await transport.start()
    try:
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], handler)
        await transport.publish([Envelope(source="/t", type="test.thing.happened.v1", correlationid="c", data={})])
        await transport.drain()
    finally:
        await transport.close()
    assert len(calls) == 7
    assert transport.dead_letters == []


async def test_an_ordinary_failure_still_uses_up_its_attempts():
    from vru_shared.bus.memory import InProcessTransport

    transport = InProcessTransport(DeliveryPolicy(max_attempts=2, retry_delay_ms=5))

    async def handler(_envelope: Envelope) -> None:
        raise ValueError("a bug")

    await transport.start()
    try:
        await transport.subscribe("outcomes", ["test.thing.happened.v1"], handler)
        await transport.publish([Envelope(source="/t", type="test.thing.happened.v1", correlationid="c", data={})])
        await transport.drain()
    finally:
        await transport.close()
    assert [d.attempts for d in transport.dead_letters] == [2]
