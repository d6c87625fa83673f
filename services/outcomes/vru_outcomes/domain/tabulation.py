"""From counted rows to a table's cells: each row's key, and which cells the table has.

Rows come from the database grouped by the query's dimensions and, when the table is grouped
by period, by day; here each day goes to its period. A table has a cell for every combination
of the other dimensions' values that occurs, times every period of the range when grouped by
period, so that a period with nothing in it shows as a real zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from vru_outcomes.domain.disclosure import ALL
from vru_outcomes.domain.metric_query import PERIOD, UNKNOWN, MetricQuery
from vru_outcomes.domain.periods import period_containing

Key = tuple[str, ...]
A = TypeVar("A")


@dataclass(frozen=True)
class Row:
    """Values of the query's grouped dimensions (grouped_dimensions order), and the cohort day or
    the label of the period holding it (the database folds days into periods)."""

    values: tuple[object, ...]
    day: date | str | None


def group_value(value: object) -> str:
    if value is None:
        return UNKNOWN
    text = str(value)
    # "all" marks a margin; a real value spelled so must not be mistaken for one.
    return f"{text} (value)" if text == ALL else text


def key_of(row: Row, query: MetricQuery) -> Key:
    values = iter(row.values)
    key = []
    for dimension in query.group_by:
        if dimension == PERIOD:
            assert row.day is not None, "rows of a table grouped by period carry their day"
            key.append(row.day if isinstance(row.day, str) else period_containing(row.day, query.granularity).label)
        else:
            key.append(group_value(next(values)))
    return tuple(key)


R = TypeVar("R", bound=Row)


@dataclass
class Table(Generic[A]):
    """Accumulators per cell key, over the full set of cells the query's table has."""

    keys: list[Key]
    cells: dict[Key, A]

    def matching(self, pattern: Key) -> list[A]:
        """The accumulators of the cells a margin or the total adds up ("all" matches any value)."""
        return [
            self.cells[key]
            for key in self.keys
            if all(p == ALL or p == value for p, value in zip(pattern, key, strict=True))
        ]


def totals(table: Table[A], empty: Callable[[], A], merge: Callable[[A, A], None]) -> dict[Key, A]:
    """Every cell, every margin (one dimension's value, "all" elsewhere) and the total, added up in
    one pass over the cells rather than a scan of them all for each margin."""
    found: dict[Key, A] = {}
    for key in table.keys:
        width = len(key)
        patterns = [key, (ALL,) * width]
        if width > 1:
            patterns += [tuple(v if d == i else ALL for d in range(width)) for i, v in enumerate(key)]
        for pattern in dict.fromkeys(patterns):
            if pattern not in found:
                found[pattern] = empty()
            merge(found[pattern], table.cells[key])
    return found


def tabulate(
    rows: Iterable[R],
    query: MetricQuery,
    empty: Callable[[], A],
    add: Callable[[A, R], None],
) -> Table[A]:
    """Fold the rows into one accumulator per cell, and add the empty cells the table must show."""
    found: dict[Key, A] = {}
    for row in rows:
        key = key_of(row, query)
        if key not in found:
            found[key] = empty()
        add(found[key], row)
    keys = _cell_keys(found, query)
    return Table(keys=keys, cells={key: found[key] if key in found else empty() for key in keys})


def _cell_keys(found: dict[Key, object], query: MetricQuery) -> list[Key]:
    labels = [period.label for period in query.periods()] if PERIOD in query.group_by else []
    order = {label: number for number, label in enumerate(labels)}

    def sort_key(key: Key) -> list[tuple[int, bool, str]]:
        return [
            (order[v], False, "") if d == PERIOD else (0, v == UNKNOWN, v)
            for d, v in zip(query.group_by, key, strict=True)
        ]

    if not query.group_by:
        return [()]
    if PERIOD not in query.group_by:
        return sorted(found, key=sort_key)
    position = query.group_by.index(PERIOD)
    others = {key[:position] + key[position + 1 :] for key in found}
    if len(query.group_by) == 1:
        others = {()}
    keys = [rest[:position] + (label,) + rest[position:] for rest in others for label in labels]
    return sorted(keys, key=sort_key)


def group_of(key: Key, dimensions: Sequence[str]) -> dict[str, str]:
    return dict(zip(dimensions, key, strict=True))
