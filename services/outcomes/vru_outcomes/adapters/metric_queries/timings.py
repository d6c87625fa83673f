"""Reachable-moment timings: each referral's hours are a fact on its row (domain.timings), and the
n, median and 90th percentile of every cell, margin and the total are worked out by PostgreSQL in
one statement (GROUPING SETS, percentile_cont: the same type-7 interpolation as
domain.distribution). Other databases (SQLite, in development) hand the hours to Python."""

from __future__ import annotations

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.metric_queries.frames import referred
from vru_outcomes.adapters.orm import referrals
from vru_outcomes.domain.disclosure import ALL
from vru_outcomes.domain.metric_query import PERIOD, MetricQuery
from vru_outcomes.domain.results import Spread, Timed, spreads_of
from vru_outcomes.domain.tabulation import Key, group_value


def _hours(query: MetricQuery, timing: str) -> Select:
    hours = referrals.c[f"hours_{timing}"]
    return referred().select(query, hours.label("hours"), grouped=False).where(hours.is_not(None))


async def hours(session: AsyncSession, query: MetricQuery, timing: str) -> dict[Key, Spread]:
    """The spread of the timing in every cell, margin and the total, by key ("all" where added up)."""
    if session.bind.dialect.name != "postgresql":
        return await _in_python(session, query, timing)
    rows = _hours(query, timing).subquery()
    columns = [c for c in rows.c if c.name != "hours"]
    # The table's cells, each dimension's margins (its values, "all" elsewhere) and the total.
    sets = [tuple_(*columns), *([tuple_(c) for c in columns] if len(columns) > 1 else []), tuple_()]
    statement = select(
        *columns,
        *[func.grouping(c) for c in columns],
        func.count(rows.c.hours),
        func.percentile_cont(0.5).within_group(rows.c.hours),
        func.percentile_cont(0.9).within_group(rows.c.hours),
    ).group_by(func.grouping_sets(*sets))
    width = len(columns)
    found: dict[Key, Spread] = {}
    for row in (await session.execute(statement)).all():
        values = [ALL if row[width + i] else _value(row[i], columns[i].name) for i in range(width)]
        key = _in_order(values, query)
        found[key] = Spread(n=int(row[-3]), median=row[-2], p90=row[-1])
    return found


def _value(value: object, name: str) -> str:
    return str(value) if name == "day" else group_value(value)


def _in_order(values: list[str], query: MetricQuery) -> Key:
    """The SELECT has the grouped dimensions then the period: back to the query's group_by order."""
    if PERIOD not in query.group_by:
        return tuple(values)
    *dimensions, period = values
    position = query.group_by.index(PERIOD)
    return (*dimensions[:position], period, *dimensions[position:])


async def _in_python(session: AsyncSession, query: MetricQuery, timing: str) -> dict[Key, Spread]:
    width = len(query.grouped_dimensions)
    by_period = PERIOD in query.group_by
    rows = [
        Timed(values=tuple(row[:width]), day=row[width] if by_period else None, hours=row[-1])
        for row in (await session.execute(_hours(query, timing))).all()
    ]
    return spreads_of(rows, query)
