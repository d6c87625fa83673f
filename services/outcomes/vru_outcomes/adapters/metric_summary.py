"""Answers from the metric summary: the proportion metrics' additive counts per programme and
month and the binary reoffending measure; a cache of the facts that is never stale.

At national scale even the facts are a million rows; a table grouped by programme and quarter over
three years needs only programmes x 36 months of counts. The summary holds them, per programme,
month of the cohort rule's date, and value of at most one low-cardinality dimension. Before a
read, the stale keys of its range are recounted (adapters.metric_summary_upkeep), so whatever
committed before the read is in its answer. Queries the summary cannot answer (postcode districts,
two dimensions) go to the facts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters import metric_summary_upkeep as upkeep
from vru_outcomes.adapters.metric_queries import reoffending
from vru_outcomes.adapters.metric_queries.frames import Frame, counted
from vru_outcomes.adapters.metric_summary_upkeep import DIMENSIONS, ENROLMENTS, REFERRALS, REOFFENDING
# Where the national benchmark's loader builds the summary after its COPY (bench/national_data.py).
from vru_outcomes.adapters.metric_summary_upkeep import build_postgres as build_postgres
from vru_outcomes.adapters.orm import cohort, metric_summary, programmes
from vru_outcomes.domain.metric_query import PERIOD, PROGRAMME, MetricQuery
from vru_outcomes.domain.results import Counted, Reoffended

# Each metric the summary answers: its population, numerator and denominator columns.
MEASURES = {
    "funnel.accepted": (REFERRALS, "accepted", "members"),
    "funnel.enrolled": (REFERRALS, "enrolled", "members"),
    "funnel.completed": (REFERRALS, "completed", "members"),
    "ethnicity.recording_completeness": (REFERRALS, "ethnicity_stated", "members"),
    "ete.in_ete_at_latest": (ENROLMENTS, "ete_in", "ete_known"),
    "ete.progressed_from_neet": (ENROLMENTS, "neet_progressed", "neet_followed"),
    "accommodation.suitable_at_latest": (ENROLMENTS, "accommodation_suitable", "accommodation_known"),
}
BINARY = "reoffending.proven_binary"
s = metric_summary.c


def _dimension(query: MetricQuery) -> str | None:
    """The one summary dimension the query needs ("" for none); None when the summary cannot answer."""
    if query.metric.id not in MEASURES and query.metric.id != BINARY:
        return None
    used = (set(query.group_by) | set(query.filters)) - {PROGRAMME, "provider", PERIOD}
    if not used:
        return ""
    if len(used) == 1 and (only := used.pop()) in DIMENSIONS:
        return only
    return None


def answers(query: MetricQuery) -> bool:
    return _dimension(query) is not None


def _frame(dimension: str) -> Frame:
    columns = {PROGRAMME: s.programme_id, "provider": programmes.c.provider}
    if dimension:
        columns[dimension] = s.value
    return Frame(metric_summary.outerjoin(programmes, programmes.c.id == s.programme_id), columns, s.month)


async def rows(session: AsyncSession, query: MetricQuery) -> list[Counted] | list[Reoffended]:
    """The query's rows from the summary, once the stale keys of its range are recomputed (the
    caller commits, so the work is kept)."""
    dimension = _dimension(query)
    assert dimension is not None, "asked of the summary a query it cannot answer"
    if query.metric.id == BINARY:
        return await _reoffended(session, query, dimension)
    population, numerator, denominator = MEASURES[query.metric.id]
    await upkeep.bring_up_to_date(session, population, query.start, query.end)
    statement = _frame(dimension).select(query, func.coalesce(func.sum(s[numerator]), 0),
                                         func.coalesce(func.sum(s[denominator]), 0), grouped=True)
    return await counted(session, statement.where(s.population == population, s.dimension == dimension), query)


async def _reoffended(session: AsyncSession, query: MetricQuery, dimension: str) -> list[Reoffended]:
    """The binary measure as known on as_of. A month's members whose proofs were all made by as_of
    count from the summary, whole; the members of as_of's own month, and of months with a proof
    after as_of (an as_of in the past), from the facts. The rows of a cell add up, as tabulation does."""
    as_of = query.as_of
    assert as_of is not None
    month = as_of.replace(day=1)
    await upkeep.bring_up_to_date(session, ENROLMENTS, query.start, query.end)
    # The key of the month (every dimension together) and the last proof in it.
    whole = metric_summary.alias("whole")
    settled = or_(whole.c.last_proven_on.is_(None), whole.c.last_proven_on <= as_of)
    frame = _frame(dimension).joined(whole, and_(
        whole.c.population == REOFFENDING, whole.c.dimension == "",
        whole.c.programme_id == s.programme_id, whole.c.month == s.month))
    summed = frame.select(
        query,
        func.coalesce(func.sum(s.members), 0),
        func.coalesce(func.sum(s.reoffenders), 0),
        literal(0),
        upkeep.count_where(s.last_waiting_end > as_of),
        grouped=True,
    ).where(s.population == REOFFENDING, s.dimension == dimension, s.month < month, settled)
    found = await reoffending.parsed(session, summed, query)
    found += await reoffending.groups(session, query, frequency=False, where=[cohort.c.start_date >= month])
    # Months with a proof after as_of: few, unless as_of is far in the past.
    unsettled = select(whole.c.programme_id, whole.c.month).where(
        whole.c.population == REOFFENDING, whole.c.dimension == "", whole.c.last_proven_on > as_of,
        whole.c.month >= query.start, whole.c.month < min(query.end, month))
    by_month: dict[date, list[uuid.UUID]] = defaultdict(list)
    for programme_id, first_day in (await session.execute(unsettled)).all():
        by_month[first_day].append(programme_id)
    if by_month:
        members_of = [
            and_(cohort.c.start_date >= first_day, cohort.c.start_date < first_day + relativedelta(months=1),
                 cohort.c.programme_id.in_(chosen))
            for first_day, chosen in by_month.items()
        ]
        found += await reoffending.groups(session, query, frequency=False, where=[or_(*members_of)])
    return found
