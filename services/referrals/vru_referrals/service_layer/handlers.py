"""Command handlers: one request in, one unit of work committed, with its audit entry in it.

Only the organisations a referral concerns may change it; to every other caller it does not
exist, and that refusal is audited as not found, as a truly unknown id is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal

from vru_referrals.domain.access import may_decide, may_withdraw
from vru_referrals.domain.model import Referral
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.pseudonym_keys import PseudonymKeys
from vru_referrals.service_layer.commands import (
    AcceptReferral,
    CloseReferral,
    DeclineReferral,
    MakeReferral,
    WithdrawReferral,
)
from vru_referrals.service_layer.linkage import Pseudonymised, link_subject
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


class ReferralNotFound(LookupError):
    pass


REFERRAL = "referral"


def referral_entry(action: AuditAction, referral_id: uuid.UUID | str | None, outcome: AuditOutcome,
                   detail: str | None = None) -> AuditEntry:
    return AuditEntry(action, REFERRAL, str(referral_id) if referral_id is not None else None, outcome, detail)


class UnknownProgramme(LookupError):
    """The programme is not (yet) in this service's projection."""

    def __init__(self, programme_id: uuid.UUID) -> None:
        super().__init__(f"programme {programme_id} is not known here")
        self.programme_id = programme_id


async def make_referral(cmd: MakeReferral, uow: ReferralsUnitOfWork, keys: PseudonymKeys, caller: Principal,
                        *, now: datetime | None = None) -> Referral:
    now = now or datetime.now(UTC)
    pseudonymised = Pseudonymised.of(cmd.identifiers, keys)
    async with uow:
        # The identifiers' locks and the programme in one round trip; a referral to an unknown
        # programme goes no further, so the locks it took are released at once.
        programme = await uow.programme_serialised_on(cmd.programme_id, pseudonymised.locks)
        if programme is None:
            raise UnknownProgramme(cmd.programme_id)
        subject, first_seen = await link_subject(uow, pseudonymised, keys, now)
        # Someone seen for the first time has no earlier referral to duplicate.
        earlier = None if first_seen else await uow.referrals.earliest_open_id(subject.id, programme.id)
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
            possible_duplicate_of=earlier,
            referring_organisation_id=caller.organisation_id,
            referring_client_id=caller.client_id,
            now=now,
        )
        uow.referrals.add(referral)
        await uow.audit.record(caller, referral_entry(AuditAction.CREATE, referral.id, AuditOutcome.ALLOWED,
                                                      referral.source.value))
        await uow.commit()
    return referral


Allowed = Callable[[Referral, Programme | None, uuid.UUID], bool]


def _referrer(referral: Referral, _programme: Programme | None, organisation_id: uuid.UUID) -> bool:
    return may_withdraw(referral, organisation_id)


async def _change(uow: ReferralsUnitOfWork, referral_id: uuid.UUID, caller: Principal, allowed: Allowed,
                  change: Callable[[Referral], None], detail: str) -> Referral:
    """Apply `change` if the caller's organisation is `allowed` to; audited either way.

    `detail` names the change and its coded reason, never a note: notes are free text.
    """
    async with uow:
        referral = await uow.referrals.get(referral_id, for_update=True)
        programme = await uow.programmes.get(referral.programme_id) if referral is not None else None
        if referral is None or not allowed(referral, programme, caller.organisation_id):
            await uow.audit.record(caller, referral_entry(AuditAction.UPDATE, referral_id, AuditOutcome.NOT_FOUND,
                                                          detail))
            await uow.commit()
            raise ReferralNotFound(f"no referral {referral_id}")
        change(referral)
        await uow.audit.record(caller, referral_entry(AuditAction.UPDATE, referral_id, AuditOutcome.ALLOWED, detail))
        await uow.commit()
    return referral


async def accept_referral(cmd: AcceptReferral, uow: ReferralsUnitOfWork, caller: Principal) -> Referral:
    return await _change(uow, cmd.referral_id, caller, may_decide, lambda r: r.accept(), "accept")


async def decline_referral(cmd: DeclineReferral, uow: ReferralsUnitOfWork, caller: Principal) -> Referral:
    return await _change(uow, cmd.referral_id, caller, may_decide,
                         lambda r: r.decline(reason=cmd.reason, note=cmd.note), f"decline: {cmd.reason}")


async def withdraw_referral(cmd: WithdrawReferral, uow: ReferralsUnitOfWork, caller: Principal) -> Referral:
    return await _change(uow, cmd.referral_id, caller, _referrer,
                         lambda r: r.withdraw(reason=cmd.reason, note=cmd.note), f"withdraw: {cmd.reason}")


async def close_referral(cmd: CloseReferral, uow: ReferralsUnitOfWork, caller: Principal) -> Referral:
    return await _change(uow, cmd.referral_id, caller, may_decide,
                         lambda r: r.close(reason=cmd.reason, note=cmd.note), f"close: {cmd.reason}")
