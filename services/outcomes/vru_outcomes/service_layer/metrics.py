"""Answering a metric query: the rows from the database, tabulated and protected for the audience."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from vru_shared.auth import Principal

from vru_outcomes.adapters import metric_queries, metric_summary
from vru_outcomes.adapters.metric_answers import MetricAnswers
from vru_outcomes.domain import results
from vru_outcomes.domain.catalogue import MetricKind
from vru_outcomes.domain.metric_access import access_for
from vru_outcomes.domain.metric_query import PROGRAMME, MetricQuery
from vru_outcomes.service_layer.unit_of_work import OutcomesUnitOfWork


@dataclass(frozen=True)
class MetricAnswer:
    query: MetricQuery
    table: results.MetricTable
    # Names of the values of a dimension, where its values are ids: {"programme": {id: name}}.
    labels: dict[str, dict[str, str]]
    generated_at: datetime


def _tabulate(query: MetricQuery, rows: list) -> results.MetricTable:
    metric = query.metric
    if metric.uses_as_of:
        return results.reoffending_table(rows, query, frequency=metric.kind is MetricKind.FREQUENCY)
    if metric.kind is MetricKind.DURATION:
        return results.duration_table(rows, query)
    if metric.kind is MetricKind.BREAKDOWN:
        return results.breakdown_table(rows, query)
    return results.proportion_table(rows, query)


async def answer(query: MetricQuery, caller: Principal, uow: OutcomesUnitOfWork,
                 answers: MetricAnswers) -> MetricAnswer:
    """The query's table, over the programmes the caller may see.

    Metrics are aggregates under a disclosure policy and hold no personal data, so reading them
    is not audited (refusals are, where they are refused)."""
    async with uow:
        if access_for(caller.role).own_programmes_only:
            query = query.within_programmes(await uow.programmes.run_by(caller.organisation_id))

        async def work_out() -> list:
            if metric_summary.answers(query):
                return await metric_summary.rows(uow.session, query)
            return await metric_queries.FETCHERS[query.metric.id](uow.session, query)

        rows = await answers.rows(uow.session, query, work_out)
        table = _tabulate(query, rows)
        labels = {}
        if PROGRAMME in query.group_by:
            ids = {cell.group[PROGRAMME] for cell in [*table.cells, *table.margins]}
            labels[PROGRAMME] = await metric_queries.programme_names(uow.session, ids)
        # Keys of the summary recomputed on the way are kept for the next read.
        await uow.commit()
    return MetricAnswer(query=query, table=table, labels=labels, generated_at=datetime.now(UTC))
