"""The metric queries, computed in the database over the projections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.orm import cohort, outcome_records, programmes
from vru_outcomes.domain.model import EteStatus, OutcomeDomain


@dataclass(frozen=True)
class EteCounts:
    programme_id: uuid.UUID
    programme_name: str
    cohort_size: int
    with_ete_record: int
    in_ete: int


async def ete_by_programme(session: AsyncSession) -> list[EteCounts]:
    """Per programme: cohort size, members with an ETE record, and those in ETE at their latest."""
    ranked = (
        select(
            outcome_records.c.enrolment_id,
            outcome_records.c.ete_status,
            func.row_number()
            .over(
                partition_by=outcome_records.c.enrolment_id,
                order_by=(outcome_records.c.observed_on.desc(), outcome_records.c.recorded_at.desc()),
            )
            .label("rank"),
        )
        .where(outcome_records.c.domain == OutcomeDomain.ETE)
        .subquery()
    )
    latest = select(ranked.c.enrolment_id, ranked.c.ete_status).where(ranked.c.rank == 1).subquery()
    query = (
        select(
            programmes.c.id,
            programmes.c.name,
            func.count(cohort.c.enrolment_id),
            func.count(latest.c.enrolment_id),
            func.coalesce(func.sum(case((latest.c.ete_status != EteStatus.NEET, 1), else_=0)), 0),
        )
        .select_from(programmes)
        .outerjoin(cohort, cohort.c.programme_id == programmes.c.id)
        .outerjoin(latest, and_(latest.c.enrolment_id == cohort.c.enrolment_id))
        .group_by(programmes.c.id, programmes.c.name)
        .order_by(programmes.c.name)
    )
    rows = (await session.execute(query)).all()
    return [EteCounts(r[0], r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]
