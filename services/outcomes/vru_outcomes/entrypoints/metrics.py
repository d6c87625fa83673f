"""HTTP routes for aggregate metrics."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from vru_shared.problems import PROBLEM_RESPONSES

from vru_outcomes.adapters import metrics
from vru_outcomes.domain.statistics import wilson_interval
from vru_outcomes.entrypoints.deps import UowDep

router = APIRouter(prefix="/v1/metrics", tags=["metrics"], responses=PROBLEM_RESPONSES)

ETE_DEFINITION = (
    "Of the young people enrolled on the programme who have at least one ETE record, the share "
    "whose latest ETE record (by date observed) is education, employment or training rather than NEET."
)


class EteRow(BaseModel):
    programme_id: uuid.UUID
    programme_name: str
    cohort_size: int = Field(description="Enrolments started on the programme.")
    denominator: int = Field(description="Cohort members with at least one ETE record.")
    numerator: int = Field(description="Of those, in ETE at their latest record.")
    rate: float | None
    ci95_low: float | None = Field(description="Lower bound of the 95% Wilson score interval.")
    ci95_high: float | None


class EteMetric(BaseModel):
    metric: str = "ete.in_ete_at_latest_record"
    version: str = "1"
    definition: str = ETE_DEFINITION
    rows: list[EteRow]


@router.get("/ete-by-programme", response_model=EteMetric)
async def ete_by_programme(uow: UowDep) -> EteMetric:
    """Cohort size and the share in education, employment or training, per programme."""
    async with uow:
        counts = await metrics.ete_by_programme(uow.session)
    rows = []
    for c in counts:
        interval = wilson_interval(c.in_ete, c.with_ete_record)
        rows.append(
            EteRow(
                programme_id=c.programme_id,
                programme_name=c.programme_name,
                cohort_size=c.cohort_size,
                denominator=c.with_ete_record,
                numerator=c.in_ete,
                rate=c.in_ete / c.with_ete_record if c.with_ete_record else None,
                ci95_low=interval[0] if interval else None,
                ci95_high=interval[1] if interval else None,
            )
        )
    return EteMetric(rows=rows)
