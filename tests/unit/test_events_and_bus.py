"""The event envelope and contract registry, the in-process transport, and the inbox of the consumer."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vru_interventions.adapters import orm as interventions_orm
from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_interventions.domain.model import EnrolmentStatus
from vru_interventions.domain.organisations import Organisation
from vru_interventions.service_layer import handlers as interventions
from vru_interventions.service_layer.commands import CreateProgramme, Enrol
from vru_interventions.service_layer.referral_events import SUBSCRIPTIONS, remember_referral
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_shared import correlation, db, migrations
from vru_shared.auth import Principal, Role
from vru_shared.bus.base import DeliveryPolicy
from vru_shared.bus.memory import InProcessTransport
from vru_shared.consumer import EventConsumer
from vru_shared.contracts.interventions import (
    ContactRecorded,
    EnrolmentEnded,
    EnrolmentStarted,
    ProgrammeCreated,
    ProgrammeUpdated,
)
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)
from vru_shared.events import (
    Envelope,
    IntegrationEvent,
    UnknownEventType,
    contract,
    decode,
    registered_contracts,
)

PROVIDER_ORG = uuid.UUID("00000000-0000-4000-8000-0000000e0b01")
ADMIN_ORG = uuid.UUID("00000000-0000-4000-8000-0000000e0d01")


def _referral_received(programme_id: uuid.UUID | None = None, referral_id: uuid.UUID | None = None,
                       referred_at: datetime = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)) -> ReferralReceived:
    return ReferralReceived(
        referral_id=referral_id or uuid.uuid4(),
        programme_id=programme_id or uuid.uuid4(),
        source="custody",
        subject_pseudonym="c" * 64,
        pseudonym_key_version=1,
        age_band="15-17",
        sex="male",
        ethnicity="white_british",
        ethnicity_group="white",
        postcode_district="SW1A",
        referred_at=referred_at,
        index_event_at=referred_at - timedelta(hours=5),
        received_at=referred_at + timedelta(minutes=1),
        risk_factors=["weapon_carrying"],
        lawful_basis="consent",
    )


def _referral_accepted(event: ReferralReceived) -> ReferralAccepted:
    return ReferralAccepted(referral_id=event.referral_id, programme_id=event.programme_id,
                            decided_at=event.received_at + timedelta(hours=1))


def _programme_created(name: str = "Detached youth work") -> ProgrammeCreated:
    return ProgrammeCreated(programme_id=uuid.uuid4(), name=name, provider="Streetwise",
                            provider_organisation_id=PROVIDER_ORG, tier="secondary",
                            accepted_sources=["custody", "school"], min_age=10, max_age=18, capacity=None,
                            active_from=date(2025, 4, 1), active_to=None)


def _wrap(event: IntegrationEvent, correlation_id: str = "corr-1") -> Envelope:
    return Envelope.wrap(event, source="/vru/tests", correlation_id=correlation_id)


# --- the envelope and the contract registry ----------------------------------------------------


def test_an_envelope_survives_a_round_trip_through_json_and_decodes_to_the_same_event():
    event = _referral_received()
    envelope = _wrap(event, "req-42")

    received = Envelope.model_validate_json(envelope.model_dump_json().encode())

    assert received == envelope
    decoded = decode(received)
    assert isinstance(decoded, ReferralReceived)
    assert decoded == event
    assert decoded.referred_at.tzinfo is not None


def test_an_envelope_carries_the_cloudevents_attributes_and_the_correlation_id():
    event = _referral_received()
    body = json.loads(_wrap(event, "req-42").model_dump_json())

    assert body["specversion"] == "1.0"
    assert body["datacontenttype"] == "application/json"
    assert body["correlationid"] == "req-42"
    assert body["type"] == "referrals.referral.received.v1"
    assert body["source"] == "/vru/tests"
    assert uuid.UUID(body["id"])
    assert datetime.fromisoformat(body["time"]).tzinfo is not None
    assert body["data"]["referral_id"] == str(event.referral_id)
    assert set(body) == {"specversion", "id", "source", "type", "time", "datacontenttype", "correlationid", "data"}


def test_each_wrapped_event_gets_its_own_id():
    event = _referral_received()
    assert _wrap(event).id != _wrap(event).id


def test_an_envelope_of_another_cloudevents_version_is_not_read():
    body = json.loads(_wrap(_referral_received()).model_dump_json())
    body["specversion"] = "0.3"
    with pytest.raises(ValueError):
        Envelope.model_validate_json(json.dumps(body))


def test_decoding_an_unknown_event_type_raises_unknown_event_type():
    envelope = Envelope(source="/vru/tests", type="nobody.thing.happened.v1", correlationid="c", data={})
    with pytest.raises(UnknownEventType):
        decode(envelope)


def test_decoding_data_that_breaks_the_contract_raises():
    data = _referral_received().model_dump(mode="json")
    data["date_of_birth"] = "2010-01-01"  # contracts forbid extra fields: nothing identifying slips through
    envelope = Envelope(source="/vru/tests", type=ReferralReceived.event_type, correlationid="c", data=data)
    with pytest.raises(ValueError):
        decode(envelope)


def test_the_published_contracts_are_registered_under_their_versioned_names():
    contracts = registered_contracts()
    assert contracts["referrals.referral.received.v1"] is ReferralReceived
    assert contracts["referrals.referral.accepted.v1"] is ReferralAccepted
    assert contracts["referrals.referral.declined.v1"] is ReferralDeclined
    assert contracts["referrals.referral.withdrawn.v1"] is ReferralWithdrawn
    assert contracts["referrals.referral.enrolled.v1"] is ReferralEnrolled
    assert contracts["referrals.referral.closed.v1"] is ReferralClosed
    assert contracts["interventions.programme.created.v1"] is ProgrammeCreated
    assert contracts["interventions.programme.updated.v1"] is ProgrammeUpdated
    assert contracts["interventions.enrolment.started.v1"] is EnrolmentStarted
    assert contracts["interventions.contact.recorded.v1"] is ContactRecorded
    assert contracts["interventions.enrolment.ended.v1"] is EnrolmentEnded


def test_two_contracts_may_not_claim_one_event_type():
    @contract
    class First(IntegrationEvent):
        event_type: ClassVar[str] = "tests.unit.claimed-once.v1"

    class Second(IntegrationEvent):
        event_type: ClassVar[str] = "tests.unit.claimed-once.v1"

    assert contract(First) is First  # registering the same class again is harmless
    with pytest.raises(ValueError, match="claimed twice"):
        contract(Second)
    assert registered_contracts()["tests.unit.claimed-once.v1"] is First


# --- the in-process transport ------------------------------------------------------------------


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
    referral, programme = _wrap(_referral_received()), _wrap(_programme_created())

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
    envelope = _wrap(_programme_created())
    await transport.publish([envelope])
    await transport.drain()
    assert [e.id for e in first] == [e.id for e in second] == [envelope.id]


async def test_a_queue_delivers_in_the_order_published(transport):
    got: list[Envelope] = []
    await transport.subscribe("outcomes", [ProgrammeCreated.event_type], _recorder(got))
    envelopes = [_wrap(_programme_created(f"P{i}")) for i in range(20)]
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
    envelope = _wrap(_programme_created())
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
    envelope = _wrap(_programme_created())
    await transport.publish([envelope])
    await transport.drain()
    assert len(transport.unrouted) == 1
    assert Envelope.model_validate_json(transport.unrouted[0]) == envelope


async def test_a_failing_callback_is_retried_after_the_delay_then_dead_lettered_while_later_messages_flow(transport):
    loop = asyncio.get_running_loop()
    poisoned = _wrap(_programme_created("Poisoned"))
    healthy = _wrap(_programme_created("Healthy"))
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
    await transport.publish([_wrap(_programme_created())])
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
    readable = _wrap(_programme_created())
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
    await transport.publish([_wrap(_programme_created("One"), "request-one"),
                             _wrap(_programme_created("Two"), "request-two")])
    await transport.drain()
    assert seen == ["request-one", "request-two"]


# --- the consumer and its inbox, over the interventions service's own database -----------------


@pytest.fixture
async def interventions_db(tmp_path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    INTERVENTIONS.start_mappers()
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'interventions.db'}")
    await migrations.upgrade(engine, INTERVENTIONS.migrations)
    yield db.session_factory(engine)
    await engine.dispose()


def _uow_factory(sessions: async_sessionmaker[AsyncSession]) -> Callable[[], InterventionsUnitOfWork]:
    return lambda: InterventionsUnitOfWork(sessions, INTERVENTIONS.messaging, source="/vru/interventions")


def _caller(role: Role, organisation_id: uuid.UUID, *scopes: str) -> Principal:
    """Who a command is from, as the entrypoints would have verified it from an access token."""
    return Principal(client_id=f"vru_test_{role.value}", organisation_id=organisation_id, role=role,
                     scopes=frozenset(scopes), token_id=str(uuid.uuid4()))


async def _register_provider(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The provider organisation, as the identity service's registration would have left it here."""
    async with _uow_factory(sessions)() as uow:
        uow.organisations.add(Organisation.registered(organisation_id=PROVIDER_ORG, name="Trust", role="provider"))
        await uow.commit()


async def _count(sessions: async_sessionmaker[AsyncSession], table) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def _outbox_types(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    outbox = INTERVENTIONS.messaging.outbox
    async with sessions() as session:
        rows = await session.execute(select(outbox.c.event_type).order_by(outbox.c.position))
        return list(rows.scalars())


async def test_the_same_envelope_delivered_twice_changes_the_projection_once(interventions_db):
    sessions = interventions_db
    consumer = EventConsumer(SUBSCRIPTIONS, _uow_factory(sessions))
    uow = _uow_factory(sessions)
    today = datetime.now(UTC).date()
    await _register_provider(sessions)
    admin = _caller(Role.ADMINISTRATOR, ADMIN_ORG, "programmes:write")
    provider = _caller(Role.PROVIDER, PROVIDER_ORG, "enrolments:write")
    programme = await interventions.create_programme(
        CreateProgramme(admin, "Mentoring", PROVIDER_ORG, tier="tertiary", accepted_sources=("custody",),
                        min_age=10, max_age=17, active_from=today - timedelta(days=100)),
        uow(),
    )
    event = _referral_received(programme_id=programme.id, referred_at=datetime.now(UTC) - timedelta(days=10))
    waiting = await interventions.enrol(Enrol(provider, event.referral_id, programme.id, today - timedelta(days=9)),
                                        uow())
    assert waiting.status is EnrolmentStatus.AWAITING_REFERRAL
    received, accepted = _wrap(event), _wrap(_referral_accepted(event))

    await consumer(received)
    await consumer(received)
    await consumer(accepted)
    await consumer(accepted)

    assert consumer.event_types == sorted(c.event_type for c in (
        ReferralReceived, ReferralAccepted, ReferralDeclined, ReferralWithdrawn, ReferralEnrolled, ReferralClosed))
    assert await _count(sessions, interventions_orm.known_referrals) == 1
    assert await _count(sessions, INTERVENTIONS.messaging.inbox) == 2
    # One start, though the acceptance that caused it came twice.
    assert await _outbox_types(sessions) == [ProgrammeCreated.event_type, EnrolmentStarted.event_type]
    async with uow() as check:
        enrolment = await check.enrolments.get(waiting.id)
    assert enrolment.status is EnrolmentStatus.ACTIVE


async def test_the_inbox_keeps_a_handler_from_running_twice_for_one_message(interventions_db):
    sessions = interventions_db
    calls: list[uuid.UUID] = []

    async def counting(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        calls.append(event.referral_id)
        await remember_referral(event, uow)

    consumer = EventConsumer({ReferralReceived: [counting]}, _uow_factory(sessions))
    first, second = _wrap(_referral_received()), _wrap(_referral_received())

    await consumer(first)
    await consumer(first)
    await consumer(second)

    assert len(calls) == 2
    assert await _count(sessions, interventions_orm.known_referrals) == 2
    inbox = INTERVENTIONS.messaging.inbox
    async with sessions() as session:
        rows = (await session.execute(select(inbox.c.event_id, inbox.c.event_type))).all()
    assert sorted(r.event_id for r in rows) == sorted([str(first.id), str(second.id)])
    assert {r.event_type for r in rows} == {ReferralReceived.event_type}


async def test_a_handler_that_fails_leaves_neither_its_change_nor_its_inbox_mark(interventions_db):
    sessions = interventions_db
    failures = [RuntimeError("database went away")]

    async def flaky(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
        await remember_referral(event, uow)
        await uow.session.flush()
        if failures:
            raise failures.pop()

    consumer = EventConsumer({ReferralReceived: [flaky]}, _uow_factory(sessions))
    envelope = _wrap(_referral_received())

    with pytest.raises(RuntimeError):
        await consumer(envelope)
    assert await _count(sessions, interventions_orm.known_referrals) == 0
    assert await _count(sessions, INTERVENTIONS.messaging.inbox) == 0

    await consumer(envelope)  # the redelivery
    assert await _count(sessions, interventions_orm.known_referrals) == 1
    assert await _count(sessions, INTERVENTIONS.messaging.inbox) == 1


async def test_a_consumer_ignores_an_event_type_it_has_no_handler_for(interventions_db):
    sessions = interventions_db
    consumer = EventConsumer(SUBSCRIPTIONS, _uow_factory(sessions))
    await consumer(_wrap(_programme_created()))
    assert await _count(sessions, INTERVENTIONS.messaging.inbox) == 0


async def test_events_are_written_to_the_outbox_only_when_the_unit_of_work_commits(interventions_db):
    sessions = interventions_db
    uow = _uow_factory(sessions)

    async with uow() as abandoned:
        abandoned.emit(_programme_created("Never"))
    assert await _outbox_types(sessions) == []

    async with uow() as rolled_back:
        rolled_back.emit(_programme_created("Never either"))
        await rolled_back.rollback()
    assert await _outbox_types(sessions) == []

    token = correlation.correlation_id.set("request-7")
    try:
        async with uow() as committed:
            committed.emit(_programme_created("Once"))
            await committed.commit()
    finally:
        correlation.correlation_id.reset(token)
    outbox = INTERVENTIONS.messaging.outbox
    async with sessions() as session:
        row = (await session.execute(select(outbox))).one()
    envelope = Envelope.model_validate_json(row.envelope)
    assert row.event_type == ProgrammeCreated.event_type
    assert row.event_id == str(envelope.id)
    assert row.published_at is None
    assert envelope.correlationid == "request-7"
    assert envelope.source == "/vru/interventions"
    assert decode(envelope).name == "Once"


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
