"""Command handlers: one command in, one unit of work committed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from vru_interventions.domain.enrolments import Contact, Enrolment, EnrolmentStatus
from vru_interventions.domain.programmes import Programme
from vru_interventions.service_layer import places
from vru_interventions.service_layer.commands import (
    CreateProgramme,
    EndEnrolment,
    Enrol,
    RecordContact,
    ReviseProgramme,
)
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


class NotFound(LookupError):
    pass


class Conflict(Exception):
    pass


async def create_programme(cmd: CreateProgramme, uow: InterventionsUnitOfWork) -> Programme:
    async with uow:
        if await uow.programmes.by_name(cmd.name.strip()) is not None:
            raise Conflict(f"a programme named {cmd.name.strip()!r} exists")
        programme = Programme.create(
            name=cmd.name,
            provider=cmd.provider,
            tier=cmd.tier,
            accepted_sources=list(cmd.accepted_sources),
            min_age=cmd.min_age,
            max_age=cmd.max_age,
            capacity=cmd.capacity,
            active_from=cmd.active_from,
            active_to=cmd.active_to,
        )
        uow.programmes.add(programme)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a programme named {programme.name!r} exists") from exc
    return programme


async def revise_programme(cmd: ReviseProgramme, uow: InterventionsUnitOfWork) -> Programme:
    now = datetime.now(UTC)
    async with uow:
        await uow.hold_programme(cmd.programme_id)
        programme = await uow.programmes.get(cmd.programme_id, for_update=True)
        if programme is None:
            raise NotFound(f"no programme {cmd.programme_id}")
        name = cmd.changes.get("name")
        if isinstance(name, str) and name.strip() != programme.name:
            if await uow.programmes.by_name(name.strip()) is not None:
                raise Conflict(f"a programme named {name.strip()!r} exists")
        if programme.revise(dict(cmd.changes), now=now):
            # More places, or dates that make it run today, may let the waitlist move.
            await places.fill_free_places(programme, uow, now)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a programme named {programme.name!r} exists") from exc
    return programme


async def enrol(cmd: Enrol, uow: InterventionsUnitOfWork) -> Enrolment:
    async with uow:
        # The referral's events may be handled at this very moment; queue behind them or ahead.
        await uow.hold_referral(cmd.referral_id)
        programme = await uow.programmes.get(cmd.programme_id)
        if programme is None:
            raise NotFound(f"no programme {cmd.programme_id}")
        await uow.hold_programme(programme.id)
        existing = await uow.enrolments.for_referral(cmd.referral_id)
        if existing is not None:
            raise Conflict(f"referral {cmd.referral_id} already has enrolment {existing.id}")
        enrolment = Enrolment.request(
            programme=programme,
            referral_id=cmd.referral_id,
            start_date=cmd.start_date,
            referral=await uow.referrals.get(cmd.referral_id),
            place_free=await places.place_free(programme, uow),
        )
        uow.enrolments.add(enrolment)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"referral {cmd.referral_id} already has an enrolment") from exc
    return enrolment


async def end_enrolment(cmd: EndEnrolment, uow: InterventionsUnitOfWork) -> Enrolment:
    now = datetime.now(UTC)
    async with uow:
        found = await uow.enrolments.get(cmd.enrolment_id)
        if found is None:
            raise NotFound(f"no enrolment {cmd.enrolment_id}")
        await uow.hold_programme(found.programme_id)
        enrolment = await uow.enrolments.get(cmd.enrolment_id, for_update=True)
        assert enrolment is not None  # enrolments are never deleted
        freed_a_place = enrolment.status is EnrolmentStatus.ACTIVE
        enrolment.end(end_date=cmd.end_date, exit_reason=cmd.exit_reason, note=cmd.note, now=now)
        if freed_a_place:
            programme = await uow.programmes.get(enrolment.programme_id)
            assert programme is not None
            await places.fill_free_places(programme, uow, now)
        await uow.commit()
    return enrolment


async def record_contact(cmd: RecordContact, uow: InterventionsUnitOfWork) -> Contact:
    async with uow:
        enrolment = await uow.enrolments.get(cmd.enrolment_id, for_update=True)
        if enrolment is None:
            raise NotFound(f"no enrolment {cmd.enrolment_id}")
        contact = enrolment.record_contact(
            contact_at=cmd.contact_at, kind=cmd.kind, duration_minutes=cmd.duration_minutes
        )
        uow.contacts.add(contact)
        await uow.commit()
    return contact
