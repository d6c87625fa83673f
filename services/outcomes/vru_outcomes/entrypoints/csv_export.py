"""A metric's table as CSV: one row per cell, then the margins and the total, each row marked."""

from __future__ import annotations

import csv
import io
import re

from vru_outcomes.domain.catalogue import MetricKind
from vru_outcomes.domain.metric_query import PROGRAMME
from vru_outcomes.domain.results import ResultCell
from vru_outcomes.service_layer.metrics import MetricAnswer

MEDIA_TYPE = "text/csv"


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _extras(answer: MetricAnswer) -> list[tuple[str, str]]:
    metric = answer.query.metric
    if metric.kind is MetricKind.DURATION:
        return [("n", "n"), ("median", f"median_{metric.unit}"), ("p90", f"p90_{metric.unit}")]
    if metric.kind is MetricKind.FREQUENCY:
        return [("per_reoffender", "per_reoffender"), ("provisional", "provisional")]
    if metric.uses_as_of:
        return [("provisional", "provisional")]
    return []


def render(answer: MetricAnswer) -> str:
    dimensions = list(answer.query.group_by)
    names = answer.labels.get(PROGRAMME)
    extras = _extras(answer)
    header = ["row", *dimensions, *(["programme_name"] if names is not None else [])]
    header += ["numerator", "denominator", "rate", "ci95_low", "ci95_high", "suppressed", "suppression_reason"]
    header += [column for _, column in extras]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)

    def write(kind: str, cell: ResultCell) -> None:
        row = [kind, *(cell.group[d] for d in dimensions)]
        if names is not None:
            row.append(names.get(cell.group[PROGRAMME], ""))
        row += [
            _number(cell.numerator),
            _number(cell.denominator),
            _number(cell.rate),
            _number(cell.ci95_low),
            _number(cell.ci95_high),
            "true" if cell.suppressed else "false",
            cell.reason or "",
        ]
        for field, _ in extras:
            value = getattr(cell, field)
            row.append(("true" if value else "false") if isinstance(value, bool) else _number(value))
        writer.writerow(row)

    for cell in answer.table.cells:
        write("cell", cell)
    for cell in answer.table.margins:
        write("margin", cell)
    write("total", answer.table.total)
    return out.getvalue()


def filename(answer: MetricAnswer) -> str:
    q = answer.query
    stem = f"{q.metric.id}_{q.first.label}_{q.last.label}_{q.policy.name}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem) + ".csv"
