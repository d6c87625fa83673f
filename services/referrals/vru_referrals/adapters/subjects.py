"""Where subjects and the identifier pseudonyms that lead to them are kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import cache

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vru_referrals.adapters import orm
from vru_referrals.adapters.new_rows import NewRows
from vru_referrals.domain.subjects import Subject, SubjectIdentifier


@cache
def _links_query() -> Select:
    # Built once (every referral asks it), after the mappers are started.
    return select(SubjectIdentifier).where(SubjectIdentifier.pseudonym.in_(bindparam("pseudonyms", expanding=True)))


class SubjectRepository:
    def __init__(self, session: AsyncSession, new_rows: NewRows) -> None:
        self._session = session
        self._new_rows = new_rows
        self.seen: set[Subject] = set()

    async def links(self, pseudonyms: Iterable[str]) -> Sequence[SubjectIdentifier]:
        return (await self._session.execute(_links_query(), {"pseudonyms": list(pseudonyms)})).scalars().all()

    async def links_by_key_version(self) -> dict[int, int]:
        """How many identifier links each pseudonym key version holds."""
        c = orm.subject_identifiers.c
        query = select(c.pseudonym_key_version, func.count()).group_by(c.pseudonym_key_version)
        return {version: count for version, count in (await self._session.execute(query)).all()}

    async def linked_off_key(self, version: int, *, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
        """Subjects with a link under another key than `version`, in id order, from after `after`."""
        c = orm.subject_identifiers.c
        query = select(c.subject_id).where(c.pseudonym_key_version != version).distinct().order_by(c.subject_id)
        if after is not None:
            query = query.where(c.subject_id > after)
        return (await self._session.execute(query.limit(limit))).scalars().all()

    async def links_of(self, subject_ids: Iterable[uuid.UUID]) -> Sequence[SubjectIdentifier]:
        """The identifier pseudonyms that lead to these subjects, read afresh."""
        query = (select(SubjectIdentifier).where(SubjectIdentifier.subject_id.in_(list(subject_ids)))
                 .execution_options(populate_existing=True))
        return (await self._session.execute(query)).scalars().all()

    async def get(self, subject_id: uuid.UUID) -> Subject | None:
        query = select(Subject).where(Subject.id == subject_id).execution_options(populate_existing=True)
        subject = (await self._session.execute(query)).scalar_one_or_none()
        if subject is not None:
            self.seen.add(subject)
        return subject

    async def get_many(self, subject_ids: Iterable[uuid.UUID]) -> Sequence[Subject]:
        query = select(Subject).where(Subject.id.in_(list(subject_ids)))
        return (await self._session.execute(query)).scalars().all()

    async def absorbed_by(self, subject_ids: Iterable[uuid.UUID]) -> Sequence[Subject]:
        """The subjects merged directly into these ones."""
        query = (select(Subject).where(Subject.merged_into.in_(list(subject_ids)))
                 .execution_options(populate_existing=True))
        found = (await self._session.execute(query)).scalars().all()
        self.seen.update(found)
        return found

    def add(self, subject: Subject) -> None:
        """A new subject, inserted when the unit of work commits (not visible to queries before)."""
        self._new_rows.add_object(orm.subjects, subject)

    def link(self, link: SubjectIdentifier) -> None:
        """A new link, inserted when the unit of work commits (not visible to queries before)."""
        self._new_rows.add_object(orm.subject_identifiers, link)

    async def drop(self, link: SubjectIdentifier) -> None:
        await self._session.delete(link)

    async def move_links(self, from_subjects: Sequence[uuid.UUID], subject_id: uuid.UUID) -> None:
        await self._session.execute(
            update(orm.subject_identifiers)
            .where(orm.subject_identifiers.c.subject_id.in_(list(from_subjects)))
            .values(subject_id=subject_id)
        )

    async def unlink(self, subject_ids: Sequence[uuid.UUID]) -> None:
        """Forget every identifier pseudonym that leads to these subjects."""
        await self._session.execute(
            delete(orm.subject_identifiers).where(orm.subject_identifiers.c.subject_id.in_(list(subject_ids)))
        )
