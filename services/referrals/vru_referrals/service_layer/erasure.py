"""Erasing a young person, on their request or when the retention period of their referrals ends.

Both take one path. Every referral of the subject, and of the subjects it absorbed when they
proved to be one person, loses what identifies the young person; the identifier pseudonyms that
lead to the subject are forgotten, so the same identifier later starts a new subject; and for
each of its pseudonyms the other services are told (SubjectErased) to drop their links to it.
Erasing an erased subject changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from vru_shared import idempotency
from vru_shared import logs
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal

from vru_referrals.adapters import orm
from vru_referrals.domain.model import Referral
from vru_referrals.domain.pseudonym_keys import PseudonymKeys
from vru_referrals.domain.subjects import ErasureReason, Subject
from vru_referrals.service_layer.commands import EraseSubject
from vru_referrals.service_layer.handlers import referral_entry
from vru_referrals.service_layer.linkage import identifier_lock
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork

log = logs.get(__name__)

SUBJECT = "subject"


class SubjectNotFound(LookupError):
    """No subject has the identifier: it was never referred, or it was erased already."""


@dataclass(frozen=True)
class Erasure:
    subject_id: uuid.UUID
    subjects_erased: int
    referrals_erased: int
    erased_at: datetime
    # Every subject of the family erased: the one that absorbed the others, and them.
    family: frozenset[uuid.UUID] = frozenset()


async def erase_subject(cmd: EraseSubject, uow: ReferralsUnitOfWork, keys: PseudonymKeys, caller: Principal,
                        *, now: datetime | None = None) -> Erasure:
    """Erase, on request, the young person an identifier leads to, under whichever key it was linked.

    The links found are deleted with the subject, so one under a retired key is not re-keyed first.
    Should it lead to two subjects not yet known to be one (linked under two keys), both are erased.
    """
    now = now or datetime.now(UTC)
    by_version = keys.pseudonyms(cmd.identifier)
    async with uow:
        links = [link for link in await uow.subjects.links(by_version.values())
                 if by_version.get(link.pseudonym_key_version) == link.pseudonym]
        if not links:
            await uow.audit.record(caller, AuditEntry(AuditAction.ERASE, SUBJECT, None, AuditOutcome.NOT_FOUND,
                                                      "no subject has the identifier given"))
            await uow.commit()
            raise SubjectNotFound("no subject has this identifier")
        erasures: list[Erasure] = []
        for subject_id in dict.fromkeys(link.subject_id for link in links):
            if any(subject_id in e.family for e in erasures):
                continue
            erasure = await erase_family(uow, subject_id, ErasureReason.REQUEST, now, caller)
            assert erasure is not None
            erasures.append(erasure)
        await uow.commit()
    for erasure in erasures:
        log_erasure(erasure, ErasureReason.REQUEST)
    return Erasure(subject_id=erasures[0].subject_id, subjects_erased=sum(e.subjects_erased for e in erasures),
                   referrals_erased=sum(e.referrals_erased for e in erasures), erased_at=now,
                   family=frozenset().union(*(e.family for e in erasures)))


def log_erasure(erasure: Erasure, reason: ErasureReason) -> None:
    # Ids and counts only: the subject's id means nothing outside this service's database.
    log.info("subject erased", subject_id=str(erasure.subject_id), reason=reason.value,
             subjects_erased=erasure.subjects_erased, referrals_erased=erasure.referrals_erased)


async def erase_family(
    uow: ReferralsUnitOfWork,
    subject_id: uuid.UUID,
    reason: ErasureReason,
    now: datetime,
    caller: Principal | None,
    *,
    still_due: Callable[[Sequence[Referral]], bool] | None = None,
) -> Erasure | None:
    """Erase a subject, those merged into it and all their referrals, inside the caller's unit of work.

    `still_due` is asked again once the subject is locked (a new referral may have arrived); when
    it says no, nothing is changed and None is returned.
    """
    family = await _locked_family(uow, subject_id)
    referrals = await uow.referrals.of_subjects([s.id for s in family])
    if still_due is not None and not still_due(referrals):
        return None
    erased = [r for r in referrals if r.erase(now=now)]
    subjects = [s for s in family if s.erase(reason=reason, now=now)]
    await uow.subjects.unlink([s.id for s in family])
    for referral in referrals:
        # A kept answer to a retried POST would otherwise still hold the young person's details.
        await idempotency.forget_answers_about(uow.session, orm.messaging.idempotency_keys, str(referral.id))
    await uow.audit.record(
        caller,
        *(referral_entry(AuditAction.ERASE, r.id, AuditOutcome.ALLOWED, reason.value) for r in erased),
        AuditEntry(AuditAction.ERASE, SUBJECT, str(family[0].id), AuditOutcome.ALLOWED,
                   f"{reason.value}: {len(erased)} referrals"),
    )
    return Erasure(subject_id=family[0].id, subjects_erased=len(subjects), referrals_erased=len(erased),
                   erased_at=now, family=frozenset(s.id for s in family))


async def _locked_family(uow: ReferralsUnitOfWork, subject_id: uuid.UUID) -> list[Subject]:
    """The subject that absorbed `subject_id` (or it), with every subject merged into it, locked.

    Locking the identifiers that lead to them stops a referral from linking to the subject, or
    merging it, while it is erased; they are taken in order, as a new referral takes them, and
    read again once held in case a referral changed them in between.
    """
    locked: set[str] = set()
    visited: set[uuid.UUID] = set()
    root_id = subject_id
    while True:
        root = await uow.subjects.get(root_id)
        if root is None:
            raise LookupError(f"no subject {root_id}")
        if root.merged_into is not None and root.merged_into not in visited:
            visited.add(root.id)
            root_id = root.merged_into
            continue
        family = [root]
        frontier = [root.id]
        while frontier:
            absorbed = [s for s in await uow.subjects.absorbed_by(frontier) if s not in family]
            family.extend(absorbed)
            frontier = [s.id for s in absorbed]
        pseudonyms = {link.pseudonym for link in await uow.subjects.links_of([s.id for s in family])}
        if pseudonyms <= locked:
            return family
        for pseudonym in sorted(pseudonyms - locked):
            await uow.serialise_on(identifier_lock(pseudonym))
        locked |= pseudonyms
