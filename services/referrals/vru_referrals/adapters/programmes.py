"""Where the programme projection is kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Result, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_referrals.adapters import orm
from vru_referrals.adapters.locks import taking_locks
from vru_referrals.domain.programmes import Programme

_locked = taking_locks()
# The programme in the statement that takes the locks: a row always (the locks' count), the
# programme's columns null when there is no such programme.
_PROGRAMME_TAKING_LOCKS = (
    select(orm.programmes)
    .select_from(_locked.outerjoin(orm.programmes, orm.programmes.c.id == bindparam("programme_id")))
)
_PROGRAMME = select(orm.programmes).where(orm.programmes.c.id == bindparam("programme_id"))


class ProgrammeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, programme_id: uuid.UUID) -> Programme | None:
        return (await self._session.execute(select(Programme).where(Programme.id == programme_id))).scalar_one_or_none()

    async def read(self, programme_id: uuid.UUID) -> Programme | None:
        """The programme to check against, not to change: a copy the session does not track."""
        return _copy(await self._session.execute(_PROGRAMME, {"programme_id": programme_id}))

    async def read_taking_locks(self, programme_id: uuid.UUID, lock_keys: Sequence[str]) -> Programme | None:
        """As `read`, in the statement that takes the advisory locks on `lock_keys` (PostgreSQL), in
        their order: the locks a referral needs and the programme it is checked against, in one round trip.

        The locks are taken whether or not there is such a programme.
        """
        return _copy(await self._session.execute(_PROGRAMME_TAKING_LOCKS,
                                                 {"programme_id": programme_id, "lock_keys": list(lock_keys)}))

    def add(self, programme: Programme) -> None:
        self._session.add(programme)


def _copy(found: Result) -> Programme | None:
    row = found.first()
    if row is None or row.id is None:
        return None
    return Programme(**row._asdict())
