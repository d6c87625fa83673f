"""The referrals unit of work: referrals, subjects, programmes and the audit trail over one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vru_shared.unit_of_work import RecordsEvents, UnitOfWork

from vru_referrals.adapters import orm
from vru_referrals.adapters.audit import AuditTrail
from vru_referrals.adapters.locks import TAKE_LOCKS
from vru_referrals.adapters.new_rows import NewRows
from vru_referrals.adapters.programmes import ProgrammeRepository
from vru_referrals.adapters.repository import ReferralRepository
from vru_referrals.adapters.subjects import SubjectRepository
from vru_referrals.domain.programmes import Programme

# Parents before children: where the rows go one table at a time, a child's parent is there first.
NEW_ROW_TABLES = (orm.subjects, orm.subject_identifiers, orm.referrals, orm.audit_trail, orm.messaging.outbox,
                  orm.messaging.inbox)


class ReferralsUnitOfWork(UnitOfWork):
    referrals: ReferralRepository
    subjects: SubjectRepository
    programmes: ProgrammeRepository
    audit: AuditTrail
    # New subjects, links, referrals and audit entries, written together when the unit of work commits.
    new_rows: NewRows

    def start(self, session: AsyncSession) -> None:
        self.new_rows = NewRows(session, NEW_ROW_TABLES)
        self.referrals = ReferralRepository(session, self.new_rows)
        self.subjects = SubjectRepository(session, self.new_rows)
        self.programmes = ProgrammeRepository(session)
        self.audit = AuditTrail(self.new_rows)

    def aggregates(self) -> Iterable[RecordsEvents]:
        return chain(self.referrals.seen, self.subjects.seen)

    async def write_messages(self, outbox_rows: list[dict[str, Any]], inbox_rows: list[dict[str, Any]]) -> None:
        # The events and inbox marks go in the same statement as the other new rows, before the ORM
        # flushes what it tracks as the transaction commits (which may refer to those rows).
        for row in outbox_rows:
            self.new_rows.add(orm.messaging.outbox, row)
        for row in inbox_rows:
            self.new_rows.add(orm.messaging.inbox, row)
        await self.new_rows.write()

    async def rollback(self) -> None:
        self.new_rows.clear()
        await super().rollback()

    def _locks_in_one_statement(self) -> bool:
        # A unit of work that may not wait takes its locks one by one with pg_try_advisory_xact_lock.
        return self.session.bind.dialect.name == "postgresql" and not self.lock_without_waiting

    async def serialise_on_all(self, keys: Sequence[str]) -> None:
        """`serialise_on` each key, in the order given; on PostgreSQL in one statement."""
        if len(keys) > 1 and self._locks_in_one_statement():
            await self.session.execute(TAKE_LOCKS, {"lock_keys": list(keys)})
            return
        for key in keys:
            await self.serialise_on(key)

    async def programme_serialised_on(self, programme_id: uuid.UUID, keys: Sequence[str]) -> Programme | None:
        """`serialise_on_all(keys)`, and the programme (a copy to check against, not to change) read
        in the same statement on PostgreSQL: a referral needs both, and each round trip costs."""
        if self._locks_in_one_statement():
            return await self.programmes.read_taking_locks(programme_id, keys)
        await self.serialise_on_all(keys)
        return await self.programmes.read(programme_id)
