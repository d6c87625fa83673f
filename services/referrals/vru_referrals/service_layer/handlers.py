"""Command handlers: one request in, one unit of work committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from vru_referrals.domain.identifiers import Identifier, identifier_pseudonym
from vru_referrals.domain.model import Referral
from vru_referrals.domain.subjects import Subject, SubjectIdentifier, choose_survivor
from vru_referrals.service_layer.commands import (
    AcceptReferral,
    CloseReferral,
    DeclineReferral,
    MakeReferral,
    WithdrawReferral,
)
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    version: int


class ReferralNotFound(LookupError):
    pass


class UnknownProgramme(LookupError):
    """The programme is not (yet) in this service's projection."""

    def __init__(self, programme_id: uuid.UUID) -> None:
        super().__init__(f"programme {programme_id} is not known here")
        self.programme_id = programme_id


async def make_referral(cmd: MakeReferral, uow: ReferralsUnitOfWork, key: PseudonymKey,
                        *, now: datetime | None = None) -> Referral:
    now = now or datetime.now(UTC)
    async with uow:
        programme = await uow.programmes.get(cmd.programme_id)
        if programme is None:
            raise UnknownProgramme(cmd.programme_id)
        subject = await _link_subject(uow, cmd.identifiers, key, now)
        earlier = await uow.referrals.earliest_open(subject.id, programme.id)
        referral = Referral.receive(
            referral_id=uuid.uuid4(),
            programme=programme,
            details=cmd.details,
            referred_at=cmd.referred_at,
            index_event_at=cmd.index_event_at,
            young_person=cmd.young_person,
            identifiers=cmd.identifiers,
            subject=subject,
            risk_factors=cmd.risk_factors,
            lawful_basis=cmd.lawful_basis,
            possible_duplicate_of=earlier.id if earlier is not None else None,
            now=now,
        )
        uow.referrals.add(referral)
        await uow.commit()
    return referral


async def _link_subject(uow: ReferralsUnitOfWork, identifiers: tuple[Identifier, ...], key: PseudonymKey,
                        now: datetime) -> Subject:
    """The one subject these identifiers belong to: found, made, or several found and merged."""
    wanted = {identifier_pseudonym(key.secret, i): i for i in identifiers}
    # Two referrals of a new person at once must not make two subjects (PostgreSQL; SQLite
    # runs one writer at a time anyway). Sorted, so two such waits never cross.
    for pseudonym in sorted(wanted):
        await uow.serialise_on(f"referrals.identifier:{pseudonym}")
    links = await uow.subjects.links(wanted)
    found = await uow.subjects.get_many({link.subject_id for link in links})
    if not found:
        subject = Subject.new(key=key.secret, key_version=key.version, now=now)
        uow.subjects.add(subject)
    else:
        subject, absorbed = choose_survivor(found)
        if absorbed:
            gone = [s.id for s in absorbed]
            for other in absorbed:
                other.merged_into = subject.id
            await uow.subjects.move_links(gone, subject.id)
            await uow.referrals.move_to_subject(gone, subject.id, subject.pseudonym, subject.pseudonym_key_version)
    known = {link.pseudonym for link in links}
    for pseudonym, identifier in wanted.items():
        if pseudonym not in known:
            uow.subjects.link(SubjectIdentifier(pseudonym=pseudonym, subject_id=subject.id,
                                                identifier_type=identifier.type,
                                                pseudonym_key_version=key.version, linked_at=now))
    return subject


async def _decide(uow: ReferralsUnitOfWork, referral_id: uuid.UUID, change) -> Referral:
    async with uow:
        referral = await uow.referrals.get(referral_id, for_update=True)
        if referral is None:
            raise ReferralNotFound(f"no referral {referral_id}")
        change(referral)
        await uow.commit()
    return referral


async def accept_referral(cmd: AcceptReferral, uow: ReferralsUnitOfWork) -> Referral:
    return await _decide(uow, cmd.referral_id, lambda r: r.accept())


async def decline_referral(cmd: DeclineReferral, uow: ReferralsUnitOfWork) -> Referral:
    return await _decide(uow, cmd.referral_id, lambda r: r.decline(reason=cmd.reason, note=cmd.note))


async def withdraw_referral(cmd: WithdrawReferral, uow: ReferralsUnitOfWork) -> Referral:
    return await _decide(uow, cmd.referral_id, lambda r: r.withdraw(reason=cmd.reason, note=cmd.note))


async def close_referral(cmd: CloseReferral, uow: ReferralsUnitOfWork) -> Referral:
    return await _decide(uow, cmd.referral_id, lambda r: r.close(reason=cmd.reason, note=cmd.note))
