"""Keeping the metric summary exact: building it from the facts, marking the keys a change made
stale in that change's transaction, and recounting the stale keys of a range before a read.

Each change that could alter a count marks its (population, programme, month) dirty in its own
transaction; a read first recomputes, from the facts, the dirty keys of its range and removes
exactly the marks it saw. A mark commits with its change, so whatever committed before the read is
in its answer. The summary's tables are in adapters.orm; reading them, in adapters.metric_summary.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Date,
    Insert,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from vru_outcomes.adapters.metric_queries import funnel, latest_status, recording
from vru_outcomes.adapters.orm import cohort, metric_summary, metric_summary_dirty, metric_summary_generation, referrals

REFERRALS, ENROLMENTS, REOFFENDING = "referrals", "enrolments", "reoffending"
POPULATIONS = (REFERRALS, ENROLMENTS, REOFFENDING)
# The dimensions kept one at a time beside programme and month; provider comes from the programme.
DIMENSIONS = ("source", "age_band", "sex", "ethnicity_group")
COUNTS = ("members", "accepted", "enrolled", "completed", "ethnicity_stated", "ete_known", "ete_in",
          "neet_followed", "neet_progressed", "accommodation_known", "accommodation_suitable")
# Serialises recomputing on PostgreSQL: two reads rebuilding one key must not both insert it.
_LOCK = 7_406_001
s, d, g = metric_summary.c, metric_summary_dirty.c, metric_summary_generation.c


class month_start(FunctionElement):  # noqa: N801 - an SQL function, named as one
    """The first day of the date's month, in each database's own words."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw) -> str:
    return f"date_trunc('month', {compiler.process(element.clauses, **kw)})::date"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _source(population: str) -> tuple[FromClause, ColumnElement, ColumnElement, dict[str, ColumnElement]]:
    """The facts a population's counts come from: the rows, their day, programme and counts."""
    if population == REFERRALS:
        counts = {
            "members": func.count(),
            "accepted": count_where(funnel.reached_condition("accepted")),
            "enrolled": count_where(funnel.reached_condition("enrolled")),
            "completed": count_where(funnel.reached_condition("completed")),
            "ethnicity_stated": count_where(recording.stated()),
        }
        return referrals, referrals.c.referred_on, referrals.c.programme_id, counts
    c = cohort.c
    counts = {
        "members": func.count(),
        "ete_known": func.count(c.ete_latest),
        "ete_in": count_where(c.ete_latest.in_(latest_status.IN_ETE)),
        "neet_followed": func.count(c.ete_from_neet),
        "neet_progressed": count_where(c.ete_from_neet == true()),
        "accommodation_known": func.count(c.accommodation_latest),
        "accommodation_suitable": count_where(c.accommodation_latest.in_(latest_status.SUITABLE)),
    }
    source = cohort.outerjoin(referrals, referrals.c.referral_id == c.referral_id)
    return source, c.start_date, c.programme_id, counts


Where = Callable[[ColumnElement, ColumnElement], list[ColumnElement[bool]]]


def _builds(population: str, month_of: Callable[[ColumnElement], ColumnElement], where: Where, *,
            by_month: bool, generation: int | None = None) -> list[Insert]:
    """INSERT ... SELECT of the population's summary rows: without a dimension, then by each. The
    enrolments' build makes their reoffending rows too: both are counts of the same members.
    Without a generation the rows take the column's default (a build from scratch: generation 0)."""
    source, day, programme, counts = _source(population)
    month = month_of(day)
    statements = []
    stamped = {} if generation is None else {"generation": literal(generation)}
    columns = ["population", "programme_id", "month", "dimension", "value", *COUNTS, *stamped]
    for dimension in ("", *DIMENSIONS):
        value = referrals.c[dimension] if dimension else cast(null(), String)
        grouped = [programme, *([month] if by_month else []), *([value] if dimension else [])]

        def rows(name: str, measures: dict[str, ColumnElement], dimension: str = dimension,
                 value: ColumnElement = value, grouped: list = grouped, **extra: ColumnElement) -> Select:
            return (
                select(literal(name), programme, month, literal(dimension), value,
                       *[measures.get(n, literal(0)).label(n) for n in COUNTS], *stamped.values(),
                       *extra.values())
                .select_from(source)
                .where(day.is_not(None), *where(day, programme))
                .group_by(*grouped)
            )

        statements.append(insert(metric_summary).from_select(columns, rows(population, counts)))
        if population == ENROLMENTS:
            proven = cohort.c.first_reoffence_proven_on
            reoffending = dict(reoffenders=func.count(proven), last_proven_on=func.max(proven),
                               last_waiting_end=func.max(cohort.c.waiting_end))
            statements.append(insert(metric_summary).from_select(
                [*columns, *reoffending], rows(REOFFENDING, {"members": func.count()}, **reoffending)))
    return statements


def build_postgres() -> list[str]:
    """SQL that builds the whole summary from the facts (after a migration or a bulk load)."""
    statements = ["DELETE FROM metric_summary", "DELETE FROM metric_summary_dirty"]
    for population in (REFERRALS, ENROLMENTS):
        for build in _builds(population, month_start, lambda day, programme: [], by_month=True):
            statements.append(str(build.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})))
    return statements


async def recount_all(session: AsyncSession) -> None:
    """Recount every stale key (the caller commits)."""
    for population in (REFERRALS, ENROLMENTS):
        await bring_up_to_date(session, population, date.min, date.max)


async def bring_up_to_date(session: AsyncSession, population: str, start: date, end: date) -> None:
    """Recount the population's stale keys whose month is in [start, end) (the caller commits)."""
    marked = select(d.id, d.version, d.programme_id, d.month).where(
        d.population == population, d.month >= start, d.month < end)
    if not (await session.execute(marked.limit(1))).first():
        return
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
    marks = (await session.execute(marked)).all()
    generation = await _next_generation(session)
    stale: dict[date, set[uuid.UUID]] = defaultdict(set)
    for _, _, programme, month in marks:
        stale[month].add(programme)
    for month, stale_programmes in stale.items():
        following = month + relativedelta(months=1)
        rebuilt = [population, REOFFENDING] if population == ENROLMENTS else [population]
        await session.execute(delete(metric_summary).where(
            s.population.in_(rebuilt), s.month == month, s.programme_id.in_(stale_programmes)))
        for build in _builds(
            population,
            lambda day, month=month: literal(month),
            lambda day, programme, month=month, following=following, chosen=stale_programmes: [
                day >= month, day < following, programme.in_(chosen)],
            by_month=False,
            generation=generation,
        ):
            await session.execute(build)
    # A mark whose version moved on was changed again after this read looked: it stays.
    seen = [(mark_id, version) for mark_id, version, _, _ in marks]
    await session.execute(delete(metric_summary_dirty).where(tuple_(d.id, d.version).in_(seen)))




async def _next_generation(session: AsyncSession) -> int:
    """A generation no recount had before (recounts are serialised, so two never share one)."""
    bumped = await session.execute(
        update(metric_summary_generation).where(g.id == 1).values(value=g.value + 1).returning(g.value))
    return bumped.scalar_one()
