"""Reading referrals: each read or list is audited in a short transaction of its own.

A caller sees the referrals its organisation made and those its programmes receive; any other
referral answers exactly as an unknown one does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal

from vru_referrals.domain.access import may_see
from vru_referrals.domain.model import Referral
from vru_referrals.service_layer.commands import ListReferrals
from vru_referrals.service_layer.handlers import REFERRAL, ReferralNotFound, referral_entry
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork


async def read_referral(referral_id: uuid.UUID, uow: ReferralsUnitOfWork, caller: Principal) -> Referral:
    async with uow:
        referral = await uow.referrals.get(referral_id)
        programme = await uow.programmes.get(referral.programme_id) if referral is not None else None
        visible = referral is not None and may_see(referral, programme, caller.organisation_id)
        outcome = AuditOutcome.ALLOWED if visible else AuditOutcome.NOT_FOUND
        await uow.audit.record(caller, referral_entry(AuditAction.READ, referral_id, outcome))
        await uow.commit()
    if referral is None or not visible:
        raise ReferralNotFound(f"no referral {referral_id}")
    return referral


async def list_referrals(query: ListReferrals, uow: ReferralsUnitOfWork, caller: Principal) -> Sequence[Referral]:
    async with uow:
        found = await uow.referrals.list(
            visible_to=caller.organisation_id, source=query.source, status=query.status,
            programme_id=query.programme_id, possible_duplicate=query.possible_duplicate,
            limit=query.limit, offset=query.offset,
        )
        await uow.audit.record(caller, AuditEntry(AuditAction.LIST, REFERRAL, None, AuditOutcome.ALLOWED,
                                                  f"{len(found)} items"))
        await uow.commit()
    return found


async def record_refusal(uow: ReferralsUnitOfWork, caller: Principal | None, entry: AuditEntry) -> None:
    """Audit an attempt refused before it reached a record (no token, or a token without the scope)."""
    async with uow:
        await uow.audit.record(caller, entry)
        await uow.commit()
