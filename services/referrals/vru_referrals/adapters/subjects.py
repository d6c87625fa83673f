"""Where subjects and the identifier pseudonyms that lead to them are kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vru_referrals.adapters import orm
from vru_referrals.domain.subjects import Subject, SubjectIdentifier


class SubjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def links(self, pseudonyms: Iterable[str]) -> Sequence[SubjectIdentifier]:
        query = select(SubjectIdentifier).where(SubjectIdentifier.pseudonym.in_(list(pseudonyms)))
        return (await self._session.execute(query)).scalars().all()

    async def get_many(self, subject_ids: Iterable[uuid.UUID]) -> Sequence[Subject]:
        query = select(Subject).where(Subject.id.in_(list(subject_ids)))
        return (await self._session.execute(query)).scalars().all()

    def add(self, subject: Subject) -> None:
        self._session.add(subject)

    def link(self, link: SubjectIdentifier) -> None:
        self._session.add(link)

    async def move_links(self, from_subjects: Sequence[uuid.UUID], subject_id: uuid.UUID) -> None:
        await self._session.execute(
            update(orm.subject_identifiers)
            .where(orm.subject_identifiers.c.subject_id.in_(list(from_subjects)))
            .values(subject_id=subject_id)
        )
