"""Command handlers: one command in, one unit of work committed, with its audit entry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome

from vru_interventions.domain.enrolments import Contact, Enrolment, EnrolmentStatus
from vru_interventions.domain.organisations import Organisation
from vru_interventions.domain.programmes import Programme
from vru_interventions.service_layer import places
from vru_interventions.service_layer.commands import (
    CreateProgramme,
    EndEnrolment,
    Enrol,
    RecordContact,
    ReviseProgramme,
)
from vru_interventions.service_layer.errors import Conflict, NotFound, UnknownOrganisation
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork
from vru_interventions.service_layer.visibility import provided_enrolment, provided_programme

__all__ = [
    "Conflict",
    "NotFound",
    "UnknownOrganisation",
    "create_programme",
    "end_enrolment",
    "enrol",
    "record_contact",
    "revise_programme",
]


def _allowed(action: AuditAction, resource_type: str, resource_id: uuid.UUID, detail: str | None = None) -> AuditEntry:
    return AuditEntry(action, resource_type, str(resource_id), AuditOutcome.ALLOWED, detail)


async def _organisation(uow: InterventionsUnitOfWork, organisation_id: uuid.UUID) -> Organisation:
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None:
        raise UnknownOrganisation(organisation_id)
    return organisation


async def create_programme(cmd: CreateProgramme, uow: InterventionsUnitOfWork) -> Programme:
    async with uow:
        provider = await _organisation(uow, cmd.provider_organisation_id)
        if await uow.programmes.by_name(cmd.name.strip()) is not None:
            raise Conflict(f"a programme named {cmd.name.strip()!r} exists")
        programme = Programme.create(
            name=cmd.name,
            provider=provider,
            tier=cmd.tier,
            accepted_sources=list(cmd.accepted_sources),
            min_age=cmd.min_age,
            max_age=cmd.max_age,
            capacity=cmd.capacity,
            active_from=cmd.active_from,
            active_to=cmd.active_to,
        )
        uow.programmes.add(programme)
        await uow.audit(cmd.caller, _allowed(AuditAction.CREATE, "programme", programme.id,
                                             f"provider organisation {provider.id}"))
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a programme named {programme.name!r} exists") from exc
    return programme


async def revise_programme(cmd: ReviseProgramme, uow: InterventionsUnitOfWork) -> Programme:
    now = datetime.now(UTC)
    changes = dict(cmd.changes)
    provider_id = changes.pop("provider_organisation_id", None)
    async with uow:
        await uow.hold_programme(cmd.programme_id)
        programme = await uow.programmes.get(cmd.programme_id, for_update=True)
        if programme is None:
            raise NotFound(f"no programme {cmd.programme_id}")
        provider = await _organisation(uow, provider_id) if provider_id is not None else None
        name = changes.get("name")
        if isinstance(name, str) and name.strip() != programme.name:
            if await uow.programmes.by_name(name.strip()) is not None:
                raise Conflict(f"a programme named {name.strip()!r} exists")
        if programme.revise(changes, provider=provider, now=now):
            # More places, or dates that make it run today, may let the waitlist move.
            await places.fill_free_places(programme, uow, now)
            await uow.audit(cmd.caller, _allowed(AuditAction.UPDATE, "programme", programme.id,
                                                 "changed: " + ", ".join(sorted(cmd.changes))))
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a programme named {programme.name!r} exists") from exc
    return programme


async def enrol(cmd: Enrol, uow: InterventionsUnitOfWork) -> Enrolment:
    async with uow:
        # The referral's events may be handled at this very moment; queue behind them or ahead.
        await uow.hold_referral(cmd.referral_id)
        programme = await provided_programme(uow, cmd.programme_id, cmd.caller.organisation_id)
        await uow.hold_programme(programme.id)
        existing = await uow.enrolments.for_referral(cmd.referral_id)
        if existing is not None:
            # Another programme's enrolment may be another organisation's: not named.
            which = f"enrolment {existing.id}" if existing.programme_id == programme.id else "an enrolment"
            raise Conflict(f"referral {cmd.referral_id} already has {which}")
        enrolment = Enrolment.request(
            programme=programme,
            referral_id=cmd.referral_id,
            start_date=cmd.start_date,
            referral=await uow.referrals.get(cmd.referral_id),
            place_free=await places.place_free(programme, uow),
        )
        uow.enrolments.add(enrolment)
        await uow.audit(cmd.caller, _allowed(AuditAction.CREATE, "enrolment", enrolment.id, enrolment.status.value))
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"referral {cmd.referral_id} already has an enrolment") from exc
    return enrolment


async def end_enrolment(cmd: EndEnrolment, uow: InterventionsUnitOfWork) -> Enrolment:
    now = datetime.now(UTC)
    async with uow:
        found = await provided_enrolment(uow, cmd.enrolment_id, cmd.caller.organisation_id)
        await uow.hold_programme(found.programme_id)
        enrolment = await uow.enrolments.get(cmd.enrolment_id, for_update=True)
        assert enrolment is not None  # enrolments are never deleted
        freed_a_place = enrolment.status is EnrolmentStatus.ACTIVE
        enrolment.end(end_date=cmd.end_date, exit_reason=cmd.exit_reason, note=cmd.note, now=now)
        if freed_a_place:
            programme = await uow.programmes.get(enrolment.programme_id)
            assert programme is not None
            await places.fill_free_places(programme, uow, now)
        await uow.audit(cmd.caller, _allowed(AuditAction.UPDATE, "enrolment", enrolment.id,
                                             f"ended: {cmd.exit_reason.value}"))
        await uow.commit()
    return enrolment


async def record_contact(cmd: RecordContact, uow: InterventionsUnitOfWork) -> Contact:
    async with uow:
        enrolment = await provided_enrolment(uow, cmd.enrolment_id, cmd.caller.organisation_id, for_update=True)
        contact = enrolment.record_contact(
            contact_at=cmd.contact_at, kind=cmd.kind, duration_minutes=cmd.duration_minutes
        )
        uow.contacts.add(contact)
        await uow.audit(cmd.caller, _allowed(AuditAction.CREATE, "enrolment", enrolment.id, f"contact {contact.id}"))
        await uow.commit()
    return contact
