"""Handlers: one command or event in, one unit of work committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from vru_shared.contracts.referrals import ReferralReceived

from vru_interventions.domain.model import Enrolment, ExitReason, KnownReferral, Programme
from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork


class NotFound(LookupError):
    pass


class Conflict(Exception):
    pass


@dataclass(frozen=True)
class CreateProgramme:
    name: str
    provider: str


@dataclass(frozen=True)
class Enrol:
    referral_id: uuid.UUID
    programme_id: uuid.UUID
    start_date: date


@dataclass(frozen=True)
class EndEnrolment:
    enrolment_id: uuid.UUID
    end_date: date
    exit_reason: ExitReason


async def create_programme(cmd: CreateProgramme, uow: InterventionsUnitOfWork) -> Programme:
    async with uow:
        if await uow.programmes.by_name(cmd.name) is not None:
            raise Conflict(f"a programme named {cmd.name!r} exists")
        programme = Programme.create(name=cmd.name, provider=cmd.provider)
        uow.programmes.add(programme)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a programme named {cmd.name!r} exists") from exc
    return programme


async def enrol(cmd: Enrol, uow: InterventionsUnitOfWork) -> Enrolment:
    async with uow:
        # The referral's event may be handled at this very moment; queue behind it or ahead.
        await uow.serialise_on(f"referral:{cmd.referral_id}")
        programme = await uow.programmes.get(cmd.programme_id)
        if programme is None:
            raise NotFound(f"no programme {cmd.programme_id}")
        existing = await uow.enrolments.for_referral(cmd.referral_id)
        if existing is not None:
            raise Conflict(f"referral {cmd.referral_id} already has enrolment {existing.id}")
        enrolment = Enrolment.request(
            programme=programme,
            referral_id=cmd.referral_id,
            start_date=cmd.start_date,
            referral=await uow.referrals.get(cmd.referral_id),
        )
        uow.enrolments.add(enrolment)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"referral {cmd.referral_id} already has an enrolment") from exc
    return enrolment


async def end_enrolment(cmd: EndEnrolment, uow: InterventionsUnitOfWork) -> Enrolment:
    async with uow:
        enrolment = await uow.enrolments.get(cmd.enrolment_id, for_update=True)
        if enrolment is None:
            raise NotFound(f"no enrolment {cmd.enrolment_id}")
        enrolment.end(end_date=cmd.end_date, exit_reason=cmd.exit_reason)
        await uow.commit()
    return enrolment


async def remember_referral(event: ReferralReceived, uow: InterventionsUnitOfWork) -> None:
    """Keep the referral, and start an enrolment that was waiting for it."""
    await uow.serialise_on(f"referral:{event.referral_id}")
    referral = await uow.referrals.get(event.referral_id)
    if referral is None:
        referral = KnownReferral(
            referral_id=event.referral_id,
            programme_id=event.programme_id,
            source=event.source,
            subject_pseudonym=event.subject_pseudonym,
            age_band=event.age_band,
            referred_at=event.referred_at,
        )
        uow.referrals.add(referral)
    waiting = await uow.enrolments.for_referral(event.referral_id, for_update=True)
    if waiting is not None:
        waiting.referral_arrived(referral)


SUBSCRIPTIONS = {
    ReferralReceived: [remember_referral],
}
