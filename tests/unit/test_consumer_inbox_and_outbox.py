"""The event consumer and its inbox, and the outbox a unit of work writes, over the interventions
service's own database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

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
from vru_shared.consumer import EventConsumer
from vru_shared.contracts.interventions import EnrolmentStarted, ProgrammeCreated
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralEnrolled,
    ReferralReceived,
    ReferralWithdrawn,
)
from vru_shared.events import Envelope, decode

from tests.unit.integration_event_builders import (
    ADMIN_ORG,
    PROVIDER_ORG,
    programme_created,
    referral_accepted,
    referral_received,
    wrap,
)


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
    event = referral_received(programme_id=programme.id, referred_at=datetime.now(UTC) - timedelta(days=10))
    waiting = await interventions.enrol(Enrol(provider, event.referral_id, programme.id, today - timedelta(days=9)),
                                        uow())
    assert waiting.status is EnrolmentStatus.AWAITING_REFERRAL
    received, accepted = wrap(event), wrap(referral_accepted(event))

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
    first, second = wrap(referral_received()), wrap(referral_received())

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
    envelope = wrap(referral_received())

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
    await consumer(wrap(programme_created()))
    assert await _count(sessions, INTERVENTIONS.messaging.inbox) == 0


async def test_events_are_written_to_the_outbox_only_when_the_unit_of_work_commits(interventions_db):
    sessions = interventions_db
    uow = _uow_factory(sessions)

    async with uow() as abandoned:
        abandoned.emit(programme_created("Never"))
    assert await _outbox_types(sessions) == []

    async with uow() as rolled_back:
        rolled_back.emit(programme_created("Never either"))
        await rolled_back.rollback()
    assert await _outbox_types(sessions) == []

    token = correlation.correlation_id.set("request-7")
    try:
        async with uow() as committed:
            committed.emit(programme_created("Once"))
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
