"""Operating pseudonym key rotation: how many links each key version still holds, and moving them all.

Links move to the current key one by one as people are referred again; a retired key may be
dropped once no link uses it. Re-keying everything at once gets there without waiting: the
identifiers are taken from the subjects' referrals (the links hold none), a batch of subjects
in each unit of work.

Rotating: give VRU_PSEUDONYM_KEY the new key and VRU_PSEUDONYM_KEY_VERSION the next version, move
the old key into VRU_PSEUDONYM_RETIRED_KEYS ({"1": "..."}), restart; optionally re-key at once
(POST /v1/referrals/pseudonym-keys/rekeying); drop a retired key once GET /v1/referrals/pseudonym-keys
lists it as removable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from vru_shared import logs
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome
from vru_shared.auth import Principal

from vru_referrals.domain.pseudonym_keys import KeyUsage, PseudonymKeys, keep_current
from vru_referrals.service_layer.linkage import find_links
from vru_referrals.service_layer.unit_of_work import ReferralsUnitOfWork

log = logs.get(__name__)

PSEUDONYM_KEYS = "pseudonym_keys"


async def key_usage(uow: ReferralsUnitOfWork, keys: PseudonymKeys, caller: Principal) -> KeyUsage:
    async with uow:
        usage = KeyUsage.of(keys, await uow.subjects.links_by_key_version())
        await uow.audit.record(caller, AuditEntry(AuditAction.READ, PSEUDONYM_KEYS, None, AuditOutcome.ALLOWED,
                                                  _described(usage)))
        await uow.commit()
    return usage


@dataclass(frozen=True)
class Rekeying:
    rekeyed: int
    usage: KeyUsage


async def rekey_all(uow: ReferralsUnitOfWork, keys: PseudonymKeys, caller: Principal | None,
                    *, batch_size: int = 100) -> Rekeying:
    """Move every link the held keys can reach onto the current key, a batch of subjects at a time.

    A link under a key no longer held, or whose identifier no referral still carries, stays where
    it is; the usage returned counts them. Two links of one identifier that lead to two subjects
    stay apart too: only a referral merges subjects, so the next one with that identifier does.
    """
    rekeyed = 0
    after: uuid.UUID | None = None
    while True:
        async with uow:
            subject_ids = await uow.subjects.linked_off_key(keys.current_version, after=after, limit=batch_size)
            if not subject_ids:
                break
            identifiers = {i for sent in await uow.referrals.identifiers_of(subject_ids) for i in sent}
            moved = 0
            for found in await find_links(uow, identifiers, keys):
                kept = keep_current(found.links, found.pseudonym, keys.current_version)
                moved += kept.rekeyed
                for old in kept.superseded:
                    if kept.kept is not None and old.subject_id == kept.kept.subject_id:
                        await uow.subjects.drop(old)
            await uow.audit.record(caller, AuditEntry(
                AuditAction.UPDATE, PSEUDONYM_KEYS, None, AuditOutcome.ALLOWED,
                f"{moved} identifier links of {len(subject_ids)} subjects re-keyed to version {keys.current_version}"))
            await uow.commit()
        rekeyed += moved
        after = subject_ids[-1]
    async with uow:
        usage = KeyUsage.of(keys, await uow.subjects.links_by_key_version())
        # The request itself, even when there was nothing to move, and where it left things.
        await uow.audit.record(caller, AuditEntry(
            AuditAction.UPDATE, PSEUDONYM_KEYS, None, AuditOutcome.ALLOWED,
            f"re-keying done: {rekeyed} links moved; {_described(usage)}"))
        await uow.commit()
    log.info("pseudonym links re-keyed", rekeyed=rekeyed, current_version=keys.current_version,
             links_by_version={str(v): n for v, n in usage.links.items()})
    return Rekeying(rekeyed, usage)


def _described(usage: KeyUsage) -> str:
    return "links by key version: " + ", ".join(f"{v}={n}" for v, n in usage.links.items())
