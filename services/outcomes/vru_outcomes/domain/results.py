"""A metric's table as its audience may see it: every kind of metric through disclosure control.

Suppression and rounding are decided by `disclosure.protect` on counts that add up across the
table, so that its secondary suppression holds:

- a proportion protects its numerator over its denominator;
- a frequency protects reoffenders over the cohort, and publishes the reoffences of the cells
  left visible (rounded alike): reoffences are never fewer than reoffenders, so a small count of
  reoffences always sits in a suppressed cell;
- a duration protects its n (as n of n) and shows median and 90th percentile only beside a
  visible n;
- a breakdown protects each reason's count (as n of n) in a two-way table of group by reason,
  whose margins are exactly the group totals used as denominators and the totals per reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vru_outcomes.domain import reoffending
from vru_outcomes.domain.disclosure import ALL, Cell, DisclosurePolicy, ProtectedCell, ProtectedTable, protect
from vru_outcomes.domain.distribution import median, percentile
from vru_outcomes.domain.metric_query import PERIOD, MetricQuery
from vru_outcomes.domain.statistics import wilson_interval
from vru_outcomes.domain.tabulation import Key, Row, group_of, tabulate, totals


@dataclass(frozen=True)
class Counted(Row):
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Timed(Row):
    hours: float


@dataclass(frozen=True)
class Reoffended(Row):
    """A cell's proven reoffending counts as known on the query's as_of, from the database."""

    cohort: int
    reoffenders: int
    reoffences: int
    provisional: int  # members whose waiting period is not over on as_of


@dataclass(frozen=True)
class ResultCell:
    group: dict[str, str]
    numerator: int | None
    denominator: int | None
    rate: float | None
    ci95_low: float | None
    ci95_high: float | None
    suppressed: bool
    reason: str | None
    n: int | None = None
    median: float | None = None
    p90: float | None = None
    per_reoffender: float | None = None
    provisional: bool | None = None


@dataclass(frozen=True)
class MetricTable:
    cells: list[ResultCell]
    total: ResultCell
    margins: list[ResultCell] = field(default_factory=list)
    provisional: bool | None = None


def _result(p: ProtectedCell, dimensions: Sequence[str], **extra) -> ResultCell:
    return ResultCell(
        group=group_of(p.key, dimensions),
        numerator=p.numerator,
        denominator=p.denominator,
        rate=p.rate,
        ci95_low=p.ci95_low,
        ci95_high=p.ci95_high,
        suppressed=p.suppressed,
        reason=p.reason,
        **extra,
    )


def _entries(protected: ProtectedTable) -> list[ProtectedCell]:
    return [*protected.cells, *protected.margins, protected.total]


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _basis(policy: DisclosurePolicy, true: int, published: int | None) -> int | None:
    """What a rate is computed from: beside rounded counts, a rate from the true ones would give
    them away, so a rounding policy's rates use the published counts (as `protect` does)."""
    return published if policy.round_to is not None else true


# --- proportions -------------------------------------------------------------------------------


@dataclass
class _Counts:
    numerator: int = 0
    denominator: int = 0


def _add_counts(counts: _Counts, row: Counted) -> None:
    counts.numerator += row.numerator
    counts.denominator += row.denominator


def proportion_table(rows: Sequence[Counted], query: MetricQuery) -> MetricTable:
    table = tabulate(rows, query, _Counts, _add_counts)
    cells = [Cell(key, c.numerator, c.denominator) for key, c in table.cells.items()]
    protected = protect(cells, len(query.group_by), query.policy)
    return MetricTable(
        cells=[_result(p, query.group_by) for p in protected.cells],
        total=_result(protected.total, query.group_by),
        margins=[_result(p, query.group_by) for p in protected.margins],
    )


# --- reoffending -------------------------------------------------------------------------------


@dataclass
class _Reoffending:
    cohort: int = 0
    reoffenders: int = 0
    reoffences: int = 0
    provisional: int = 0


def _add_reoffended(counts: _Reoffending, row: Reoffended) -> None:
    counts.cohort += row.cohort
    counts.reoffenders += row.reoffenders
    counts.reoffences += row.reoffences
    counts.provisional += row.provisional


def _merge_reoffending(counts: _Reoffending, more: _Reoffending) -> None:
    counts.cohort += more.cohort
    counts.reoffenders += more.reoffenders
    counts.reoffences += more.reoffences
    counts.provisional += more.provisional


def reoffending_table(rows: Sequence[Reoffended], query: MetricQuery, *, frequency: bool) -> MetricTable:
    assert query.as_of is not None
    table = tabulate(rows, query, _Reoffending, _add_reoffended)

    added = totals(table, _Reoffending, _merge_reoffending)

    def summary(key: Key) -> reoffending.ReoffendingSummary:
        counts = added.get(key) or _Reoffending()
        return reoffending.summary_of(counts.cohort, counts.reoffenders, counts.reoffences, counts.provisional > 0)

    summaries = {key: summary(key) for key in table.keys}
    cells = [Cell(key, s.reoffenders, s.cohort) for key, s in summaries.items()]
    protected = protect(cells, len(query.group_by), query.policy)

    def result(p: ProtectedCell) -> ResultCell:
        s = summaries.get(p.key) or summary(p.key)
        if not frequency:
            return _result(p, query.group_by, provisional=s.provisional)
        policy = query.policy
        reoffences = None if p.suppressed else policy.publish(s.reoffences)
        return ResultCell(
            group=group_of(p.key, query.group_by),
            numerator=reoffences,
            denominator=p.denominator,
            rate=None if p.suppressed else _ratio(_basis(policy, s.reoffences, reoffences),
                                                  _basis(policy, s.cohort, p.denominator)),
            ci95_low=None,
            ci95_high=None,
            suppressed=p.suppressed,
            reason=p.reason,
            per_reoffender=None if p.suppressed else _ratio(_basis(policy, s.reoffences, reoffences),
                                                            _basis(policy, s.reoffenders, p.numerator)),
            provisional=s.provisional,
        )

    return MetricTable(
        cells=[result(p) for p in protected.cells],
        total=result(protected.total),
        margins=[result(p) for p in protected.margins],
        provisional=summary((ALL,) * len(query.group_by)).provisional,
    )


# --- durations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """A timing's n, median and 90th percentile over a cell, a margin or the total."""

    n: int
    median: float | None
    p90: float | None


def _add_hours(hours: list[float], row: Timed) -> None:
    hours.append(row.hours)


def spreads_of(rows: Sequence[Timed], query: MetricQuery) -> dict[Key, Spread]:
    """Every cell's, margin's and the total's spread from each referral's hours (where the database
    cannot work out percentiles itself)."""
    table = tabulate(rows, query, list, _add_hours)
    added = totals(table, list, list.extend)
    if not table.keys:
        added[(ALL,) * len(query.group_by)] = []
    return {key: Spread(n=len(hours), median=median(hours), p90=percentile(hours, 90)) for key, hours in added.items()}


def _row_of(key: Key, n: int, query: MetricQuery) -> Counted:
    """A cell of a finished key as a row: tabulation puts it back under the same key."""
    if PERIOD not in query.group_by:
        return Counted(values=key, day=None, numerator=n, denominator=n)
    position = query.group_by.index(PERIOD)
    return Counted(values=key[:position] + key[position + 1 :], day=key[position], numerator=n, denominator=n)


def duration_table(spreads: dict[Key, Spread], query: MetricQuery) -> MetricTable:
    """The table from each cell's, margin's and the total's spread; cells with no referral are zero."""
    rows = [_row_of(key, spread.n, query) for key, spread in spreads.items() if ALL not in key]
    table = tabulate(rows, query, _Counts, _add_counts)
    protected = protect([Cell(key, c.numerator, c.numerator) for key, c in table.cells.items()],
                        len(query.group_by), query.policy)
    nothing = Spread(n=0, median=None, p90=None)

    def result(p: ProtectedCell) -> ResultCell:
        spread = spreads.get(p.key, nothing)
        return ResultCell(
            group=group_of(p.key, query.group_by),
            numerator=None,
            denominator=None,
            rate=None,
            ci95_low=None,
            ci95_high=None,
            suppressed=p.suppressed,
            reason=p.reason,
            n=p.numerator,
            median=None if p.suppressed else spread.median,
            p90=None if p.suppressed else spread.p90,
        )

    return MetricTable(
        cells=[result(p) for p in protected.cells],
        total=result(protected.total),
        margins=[result(p) for p in protected.margins],
    )


# --- breakdowns by reason ----------------------------------------------------------------------

_JOIN = "\x1f"  # joins a group's values into the one key value of the two-way table


def breakdown_table(rows: Sequence[Counted], query: MetricQuery) -> MetricTable:
    """The reason is the query's last dimension; the others together form the table's rows."""
    table = tabulate(rows, query, _Counts, _add_counts)
    groups = query.group_by[:-1]
    if groups:
        two_way = [Cell((_JOIN.join(key[:-1]), key[-1]), c.numerator, c.numerator) for key, c in table.cells.items()]
        protected = protect(two_way, 2, query.policy)
    else:
        protected = protect([Cell(key, c.numerator, c.numerator) for key, c in table.cells.items()], 1, query.policy)

    def key_of(p: ProtectedCell) -> Key:
        if not groups:
            return p.key
        head = tuple(p.key[0].split(_JOIN)) if p.key[0] != ALL else (ALL,) * len(groups)
        return head + (p.key[1],)

    # Each row of the two-way table adds up to its group's total: the denominators of its reasons.
    totals = {key_of(p)[:-1]: p for p in _entries(protected) if p.key[-1] == ALL}

    def result(p: ProtectedCell) -> ResultCell:
        key = key_of(p)
        whole = totals[key[:-1]]
        visible = not p.suppressed and not whole.suppressed
        count = _basis(query.policy, sum(c.numerator for c in table.matching(key)), p.numerator)
        total = _basis(query.policy, sum(c.numerator for c in table.matching(key[:-1] + (ALL,))), whole.numerator)
        interval = wilson_interval(count, total) if visible and count is not None and total else None
        return ResultCell(
            group=group_of(key, query.group_by),
            numerator=p.numerator,
            denominator=whole.numerator,
            rate=_ratio(count, total) if visible else None,
            ci95_low=interval[0] if interval else None,
            ci95_high=interval[1] if interval else None,
            suppressed=p.suppressed,
            reason=p.reason,
        )

    return MetricTable(
        cells=[result(p) for p in protected.cells],
        total=result(protected.total),
        margins=[result(p) for p in protected.margins],
    )
