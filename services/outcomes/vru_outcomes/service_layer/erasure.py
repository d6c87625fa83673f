"""Erasure: a young person's data was erased at the referrals service, so nothing here may link
an enrolment to them any more.

The cohort is the only place here that holds the pseudonym (the referrals projection never keeps
it: referrals are tied to a subject only through their enrolments). An erased member keeps its
dates, programme and exit reason, and its referral its coarse attributes, and its outcome records
stay: none of those identifies anyone, and without them every published figure of past periods
would change. The erasure is kept by a digest of the pseudonym, because an enrolment of the
subject may still be on its way from the interventions service: it arrives without a pseudonym.
"""

from __future__ import annotations

from vru_shared import logs
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.contracts.referrals import SubjectErased

from vru_outcomes.domain.projections import CohortMember, Erasure, subject_digest
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork

log = logs.get(__name__)


def _erased(member: CohortMember, erasure: Erasure) -> AuditEntry:
    return AuditEntry(AuditAction.ERASE, "enrolment", str(member.enrolment_id), AuditOutcome.ALLOWED,
                      f"subject unlinked ({erasure.reason})")


async def erase_subject(event: SubjectErased, uow: OutcomesUnitOfWork) -> None:
    """Unlink every enrolment of the subject that started before the erasure; idempotent."""
    digest = subject_digest(event.subject_pseudonym)
    erasure = await uow.erasures.get(digest)
    if erasure is None:
        erasure = Erasure(subject_digest=digest, erased_at=event.erased_at, reason=event.reason)
        uow.erasures.add(erasure)
    elif event.erased_at > erasure.erased_at:
        # A later erasure of the same subject (of a later referral) covers later enrolments too.
        erasure.erased_at, erasure.reason = event.erased_at, event.reason
    unlinked = [m for m in await uow.cohort.of_subject(event.subject_pseudonym) if erasure.covers(m)]
    for member in unlinked:
        member.forget_subject()
    # No caller: the erasure was decided elsewhere and reaches us as an event.
    await uow.audit(None, *(_erased(m, erasure) for m in unlinked))
    # Counts and ids only: the pseudonym is exactly what must not be written down again.
    log.info("subject erased", enrolments=len(unlinked), reason=event.reason)


async def forget_if_erased(member: CohortMember, pseudonym: str, uow: OutcomesUnitOfWork) -> None:
    """A member joining the cohort after its subject was erased joins without the pseudonym."""
    erasure = await uow.erasures.get(subject_digest(pseudonym))
    if erasure is not None and erasure.covers(member):
        member.forget_subject()
        await uow.audit(None, _erased(member, erasure))
