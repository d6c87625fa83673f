"""A young person's data erased (on request or at the end of retention): what linked this
service's records to them goes, and the non-identifying facts stay so the aggregates stay right.

Runs inside the unit of work the event consumer opens and commits. A second delivery finds
nothing under the pseudonym any more, and changes nothing.
"""

from __future__ import annotations

from vru_shared import logs
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.contracts.referrals import SubjectErased

from vru_interventions.service_layer.unit_of_work import InterventionsUnitOfWork

log = logs.get(__name__)


async def erase_subject(event: SubjectErased, uow: InterventionsUnitOfWork) -> None:
    """Put a marker in place of the pseudonym, clear free-text notes, and reject enrolments still waiting."""
    referrals = await uow.referrals.about(event.subject_pseudonym)
    # Referral locks first, in id order (`about` sorts them), then programme locks likewise.
    for referral in referrals:
        await uow.hold_referral(referral.referral_id)
    enrolments = [e for r in referrals for e in await uow.enrolments.all_for_referral(r.referral_id)]
    # Taking a waitlisted one off the queue moves everyone behind it: hold its places while it does.
    for programme_id in sorted({e.programme_id for e in enrolments if e.is_waiting}):
        await uow.hold_programme(programme_id)
    entries = []
    for referral in referrals:
        referral.erase()
        entries.append(AuditEntry(AuditAction.ERASE, "referral", str(referral.referral_id), AuditOutcome.ALLOWED,
                                  f"subject erased: {event.reason}"))
    for enrolment in enrolments:
        enrolment.subject_erased()
        entries.append(AuditEntry(AuditAction.ERASE, "enrolment", str(enrolment.id), AuditOutcome.ALLOWED,
                                  f"subject erased: {event.reason}"))
    await uow.audit(None, *entries)
    # Counts only: the pseudonym is itself personal data.
    log.info("subject erased", referrals=len(referrals), enrolments=len(enrolments), reason=event.reason)


SUBSCRIPTIONS = {SubjectErased: [erase_subject]}
