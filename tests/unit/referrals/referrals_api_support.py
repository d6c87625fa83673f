"""Calls on the referrals service in process, and the events the interventions service would send it,
for the tests of its HTTP API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted

from tests.unit.referrals.referrals_support import referral_body


PROBLEM = "application/problem+json"


async def count_rows(service, table) -> int:
    runtime = service.app.state.runtime
    async with runtime.sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def refer(service, programme_id, source="custody", **overrides) -> dict:
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme_id, source, **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def enrolment_started(referral: dict, enrolment_id: uuid.UUID) -> EnrolmentStarted:
    now = datetime.now(UTC)
    return EnrolmentStarted(enrolment_id=enrolment_id, referral_id=referral["id"],
                            programme_id=referral["programme_id"], subject_pseudonym=referral["subject"]["pseudonym"],
                            start_date=now.date(), started_at=now)


def enrolment_ended(referral: dict, enrolment_id: uuid.UUID) -> EnrolmentEnded:
    return EnrolmentEnded(enrolment_id=enrolment_id, referral_id=referral["id"], programme_id=referral["programme_id"],
                          end_date=datetime.now(UTC).date(), exit_reason="completed")
