"""Migrating a PostgreSQL outcomes database that already holds data fills the metric facts and
the summary in, as the handlers would have kept them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from vru_outcomes.bootstrap import SPEC
from vru_shared.migrations import alembic_config

PROGRAMME, REFERRAL, ENROLMENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def _migrate(engine, revision: str) -> None:
    def run(connection) -> None:
        cfg = alembic_config(SPEC.migrations)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _insert(connection, table: str, **values) -> None:
    columns = ", ".join(values)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"  # noqa: S608
    await connection.execute(text(statement), values)


@pytest.fixture
async def engine(postgres_database):
    engine = create_async_engine(await postgres_database("vru_t_outcomes_facts_"))
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_the_migration_fills_the_facts_and_the_summary_from_the_rows_already_there(engine):
    await _migrate(engine, "0004")
    async with engine.begin() as connection:
        await _insert(connection, "programmes", id=PROGRAMME, name="P", provider="Provider")
        await _insert(connection, "referrals", referral_id=REFERRAL, programme_id=PROGRAMME, status="enrolled",
                      source="school", referred_at=_at(2024, 5, 30, 10), referred_on=date(2024, 5, 30),
                      index_event_at=_at(2024, 5, 30, 4), accepted_at=_at(2024, 5, 30, 22),
                      enrolled_at=_at(2024, 5, 31, 9), enrolment_id=ENROLMENT)
        await _insert(connection, "cohort", enrolment_id=ENROLMENT, referral_id=REFERRAL, programme_id=PROGRAMME,
                      subject_pseudonym="d" * 64, start_date=date(2024, 5, 31), first_contact_at=_at(2024, 6, 2, 10))
        records = [
            dict(domain="ete", point="baseline", observed_on=date(2024, 5, 31), status="neet"),
            dict(domain="ete", point="exit", observed_on=date(2024, 9, 1), status="education"),
            dict(domain="accommodation", point="exit", observed_on=date(2024, 9, 1), status="unsuitable"),
            dict(domain="reoffending", observed_on=date(2024, 8, 15), offence_date=date(2024, 7, 1),
                 proven_date=date(2024, 8, 15)),
            dict(domain="reoffending", observed_on=date(2024, 7, 1), offence_date=date(2024, 6, 1),
                 proven_date=date(2024, 7, 1), validation="invalid"),
        ]
        for record in records:
            await _insert(connection, "outcome_records", id=uuid.uuid4(), enrolment_id=ENROLMENT,
                          recorded_at=_at(2024, 9, 2), **{"validation": "valid", **record})
    await _migrate(engine, "head")
    async with engine.connect() as connection:
        member = (await connection.execute(text(
            "SELECT follow_up_end, waiting_end, ete_latest, ete_from_neet, accommodation_latest, "
            "first_reoffence_proven_on FROM cohort"))).one()
        hours = (await connection.execute(text(
            "SELECT hours_index_to_referral, hours_referral_to_decision, hours_referral_to_first_contact "
            "FROM referrals"))).one()
        summary = (await connection.execute(text(
            "SELECT population, month, members, accepted, enrolled, ete_known, ete_in, neet_followed, "
            "neet_progressed, accommodation_known, accommodation_suitable, reoffenders, last_proven_on, "
            "last_waiting_end FROM metric_summary WHERE dimension = '' ORDER BY population"))).all()
        by_source = (await connection.execute(text(
            "SELECT DISTINCT value FROM metric_summary WHERE dimension = 'source'"))).scalars().all()
    # 31 May and 12 months: 31 May 2025; and 18 months: 30 November, the end of a shorter month.
    assert tuple(member) == (date(2025, 5, 31), date(2025, 11, 30), "education", True, "unsuitable",
                             date(2024, 8, 15))
    assert tuple(hours) == (6.0, 12.0, 72.0)
    may = date(2024, 5, 1)
    assert [tuple(row) for row in summary] == [
        ("enrolments", may, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, None, None),
        ("referrals", may, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, None, None),
        ("reoffending", may, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, date(2024, 8, 15), date(2025, 11, 30)),
    ]
    assert by_source == ["school"]
