"""Statistical disclosure control: which counts of an aggregate table each audience may see.

Small counts identify people. A table of numerator/denominator cells is published together with
its grand total and, for two or more dimensions, the subtotal of every value of every dimension
(its margins). Protection has three steps, each configured by the audience's policy:

1. Primary suppression hides any entry (cell, margin or total) that publishes a small count:
   its numerator, its denominator or the complement denominator - numerator, which a reader can
   work out from the other two. Zero is a real value and is never suppressed for being zero.
2. Secondary suppression hides further entries until no hidden one can be worked out from the
   published ones: first by the rule that no group of entries adding up to a published subtotal
   may hide exactly one member, then by checking the whole system of sums exactly (two blocks of
   hidden cells joined by a single hidden cell satisfy the group rule, yet that cell can be
   computed by adding and subtracting whole rows and columns).
3. Rounding publishes every remaining count to the nearest multiple of the policy's base.

Rates and Wilson intervals are computed from the true counts and shown only for unsuppressed entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from vru_outcomes.domain.statistics import wilson_interval

ALL = "all"  # the key value of a dimension a margin or the total adds up over
PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class DisclosurePolicy:
    name: str
    suppress_from: int  # the smallest count suppressed
    suppress_to: int  # the largest count suppressed; below suppress_from means no primary suppression
    round_to: int | None  # published counts are rounded to the nearest multiple; None: exact
    secondary: bool

    def __post_init__(self) -> None:
        if self.suppress_from < 1:
            raise ValueError("zero is a real value and is never suppressed: suppress_from must be at least 1")
        if self.round_to is not None and self.round_to < 1:
            raise ValueError("round_to must be a positive whole number, or None for exact counts")

    def is_small(self, count: int) -> bool:
        return self.suppress_from <= count <= self.suppress_to

    def publish(self, count: int) -> int:
        """The count as published: rounded to the nearest multiple of round_to, halves upwards."""
        if self.round_to is None:
            return count
        return (count + self.round_to // 2) // self.round_to * self.round_to


POLICIES: dict[str, DisclosurePolicy] = {
    policy.name: policy
    for policy in (
        # Providers and administrators looking at their own operational data, which they already
        # hold person by person: hiding counts would only stop them checking it.
        DisclosurePolicy(name="internal", suppress_from=1, suppress_to=0, round_to=None, secondary=False),
        # VRU analysts see aggregates under a data-sharing agreement, never individuals. Counts of
        # fewer than five are hidden (the threshold most UK official statistics use for restricted
        # outputs), but counts stay exact because commissioning decisions on small programmes need them.
        DisclosurePolicy(name="vru", suppress_from=1, suppress_to=4, round_to=None, secondary=True),
        # Anything published: NHS England's rule for hospital statistics, 1-7 suppressed and every
        # other count rounded to the nearest 5.
        DisclosurePolicy(name="public", suppress_from=1, suppress_to=7, round_to=5, secondary=True),
    )
}


def policy_for(audience: str) -> DisclosurePolicy:
    """The disclosure policy of an audience."""
    try:
        return POLICIES[audience]
    except KeyError:
        audiences = ", ".join(sorted(POLICIES))
        raise ValueError(f"no disclosure policy for audience {audience!r}; the audiences are {audiences}") from None


@dataclass(frozen=True)
class Cell:
    key: tuple[str, ...]  # the cell's value of each grouping dimension, in group_by order
    numerator: int
    denominator: int


@dataclass(frozen=True)
class ProtectedCell:
    key: tuple[str, ...]
    numerator: int | None  # None when suppressed; rounded when the policy rounds
    denominator: int | None
    suppressed: bool
    reason: str | None  # "primary" (a small count) or "secondary" (protects another entry)
    # From the true counts, or from the published ones when the policy rounds (see _published);
    # None when suppressed or the denominator is 0.
    rate: float | None
    ci95_low: float | None  # Wilson, on the same counts as the rate

    ci95_high: float | None


@dataclass(frozen=True)
class ProtectedTable:
    cells: list[ProtectedCell]
    total: ProtectedCell  # key ("all",) * dimensions
    margins: list[ProtectedCell]  # each value of each dimension, "all" elsewhere; empty for one dimension
    policy: DisclosurePolicy


@dataclass(eq=False)
class _Entry:
    key: tuple[str, ...]
    numerator: int
    denominator: int
    reason: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class _Sum:
    """One published relation: the parts add up to the whole."""

    parts: list[_Entry]
    whole: _Entry

    @property
    def members(self) -> list[_Entry]:
        return [*self.parts, self.whole]


def protect(cells: Sequence[Cell], dimensions: int, policy: DisclosurePolicy) -> ProtectedTable:
    """The table as the policy's audience may see it, with its total and margins."""
    entries = _entries(cells, dimensions)
    margins = _margins(entries, dimensions) if dimensions >= 2 else []
    total = _add_up((ALL,) * dimensions, entries)
    table = [*entries, *margins, total]
    for entry in table:
        complement = entry.denominator - entry.numerator
        if any(policy.is_small(count) for count in (entry.numerator, entry.denominator, complement)):
            entry.reason = PRIMARY
    if policy.secondary:
        _suppress_secondary(_sums(entries, margins, total, dimensions), table)
    return ProtectedTable(
        cells=[_published(entry, policy) for entry in entries],
        total=_published(total, policy),
        margins=[_published(margin, policy) for margin in margins],
        policy=policy,
    )


def _entries(cells: Sequence[Cell], dimensions: int) -> list[_Entry]:
    if dimensions < 0:
        raise ValueError("dimensions cannot be negative")
    seen: set[tuple[str, ...]] = set()
    entries = []
    for cell in cells:
        if len(cell.key) != dimensions:
            raise ValueError(f"cell {cell.key} has {len(cell.key)} dimension values, not {dimensions}")
        if ALL in cell.key:
            raise ValueError(f"cell {cell.key}: {ALL!r} is reserved for margins and the total")
        if cell.key in seen:
            raise ValueError(f"cell {cell.key} appears twice")
        if not 0 <= cell.numerator <= cell.denominator:
            raise ValueError(f"cell {cell.key}: the numerator must lie between 0 and the denominator")
        seen.add(cell.key)
        entries.append(_Entry(cell.key, cell.numerator, cell.denominator))
    return entries


def _add_up(key: tuple[str, ...], parts: Iterable[_Entry]) -> _Entry:
    parts = list(parts)
    return _Entry(key, sum(p.numerator for p in parts), sum(p.denominator for p in parts))


def _by_value(entries: list[_Entry], dimension: int) -> dict[str, list[_Entry]]:
    """The entries of each value of a dimension, values in the order they first appear."""
    groups: dict[str, list[_Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.key[dimension], []).append(entry)
    return groups


def _margins(entries: list[_Entry], dimensions: int) -> list[_Entry]:
    margins = []
    for dimension in range(dimensions):
        for value, parts in _by_value(entries, dimension).items():
            key = tuple(value if d == dimension else ALL for d in range(dimensions))
            margins.append(_add_up(key, parts))
    return margins


def _sums(entries: list[_Entry], margins: list[_Entry], total: _Entry, dimensions: int) -> list[_Sum]:
    if dimensions == 0:
        return []  # the single cell and the total are the same count, protected alike
    if dimensions == 1:
        return [_Sum(entries, total)]
    sums = []
    for dimension in range(dimensions):
        of_dimension = [m for m in margins if m.key[dimension] != ALL]
        parts = _by_value(entries, dimension)
        for margin in of_dimension:
            sums.append(_Sum(parts[margin.key[dimension]], margin))
        sums.append(_Sum(of_dimension, total))
    return sums


def _suppress_secondary(sums: list[_Sum], table: list[_Entry]) -> None:
    while True:
        _close_groups(sums)
        derivation = _derivation(sums, table)
        if derivation is None:
            return
        # Hiding any published entry that the derivation uses breaks it; the smallest loses least.
        candidates = [entry for entry in derivation if entry.denominator > 0]
        if not candidates:
            raise RuntimeError("a suppressed entry is derivable from zeros only; suppressed entries are never zero")
        _smallest(candidates).reason = SECONDARY


def _close_groups(sums: list[_Sum]) -> None:
    """Hide a second member of every sum that hides exactly one, until none does."""
    changed = True
    while changed:
        changed = False
        for relation in sums:
            if sum(member.suppressed for member in relation.members) != 1:
                continue
            # A published zero lets the hidden value be derived just as well as no member at all.
            partners = [p for p in relation.parts if not p.suppressed and p.denominator > 0]
            if partners:
                _smallest(partners).reason = SECONDARY
            elif not relation.whole.suppressed:
                relation.whole.reason = SECONDARY
            else:
                continue  # cannot happen: a hidden whole has a nonzero denominator, so a nonzero part
            changed = True


def _smallest(entries: list[_Entry]) -> _Entry:
    return min(entries, key=lambda entry: entry.denominator)  # min() keeps the first of equals


def _derivation(sums: list[_Sum], table: list[_Entry]) -> list[_Entry] | None:
    """The published entries from which some hidden entry can be computed exactly; None if none can.

    Each sum is the linear equation sum(parts) - whole = 0. Reducing the equations, restricted to
    the hidden entries, to reduced row echelon form, a hidden entry is determined exactly when some
    reduced row has no other hidden entry in it. The combination of equations that produced that
    row names the published entries it uses.
    """
    hidden = {id(entry) for entry in table if entry.suppressed}
    # Each row: its coefficients on hidden entries, and the combination of sums it came from.
    rows: list[tuple[dict[int, Fraction], dict[int, Fraction]]] = []
    for number, relation in enumerate(sums):
        coefficients = {id(p): Fraction(1) for p in relation.parts if id(p) in hidden}
        if id(relation.whole) in hidden:
            coefficients[id(relation.whole)] = Fraction(-1)
        rows.append((coefficients, {number: Fraction(1)}))
    pivots: list[int] = []
    for column in (id(entry) for entry in table if entry.suppressed):
        found = next((i for i, row in enumerate(rows) if i not in pivots and row[0].get(column)), None)
        if found is None:
            continue
        coefficients, combination = rows[found]
        scale = coefficients[column]
        pivot = rows[found] = (
            {k: v / scale for k, v in coefficients.items()},
            {k: v / scale for k, v in combination.items()},
        )
        for i, row in enumerate(rows):
            factor = row[0].get(column)
            if i != found and factor:
                rows[i] = (_minus(row[0], pivot[0], factor), _minus(row[1], pivot[1], factor))
        pivots.append(found)
    for coefficients, combination in (rows[i] for i in pivots):
        if len(coefficients) == 1:
            used = _used_entries(sums, combination, hidden)
            return [entry for entry in table if id(entry) in used]  # table order: cells before margins
    return None


def _minus(row: dict[int, Fraction], pivot: dict[int, Fraction], factor: Fraction) -> dict[int, Fraction]:
    result = dict(row)
    for key, value in pivot.items():
        result[key] = result.get(key, Fraction(0)) - factor * value
        if not result[key]:
            del result[key]
    return result


def _used_entries(sums: list[_Sum], combination: dict[int, Fraction], hidden: set[int]) -> set[int]:
    weights: dict[int, Fraction] = {}
    for number, weight in combination.items():
        relation = sums[number]
        for member, sign in [*((p, 1) for p in relation.parts), (relation.whole, -1)]:
            if id(member) not in hidden:
                weights[id(member)] = weights.get(id(member), Fraction(0)) + weight * sign
    return {key for key, weight in weights.items() if weight}


def _published(entry: _Entry, policy: DisclosurePolicy) -> ProtectedCell:
    if entry.suppressed:
        return ProtectedCell(entry.key, None, None, True, entry.reason, None, None, None)
    numerator, denominator = policy.publish(entry.numerator), policy.publish(entry.denominator)
    # A rate from the true counts beside rounded counts would give the true counts away
    # (0.25 beside 10/50 points to 12/48), so a rounding policy's rates use what it publishes.
    basis = (numerator, denominator) if policy.round_to is not None else (entry.numerator, entry.denominator)
    interval = wilson_interval(*basis) or (None, None)
    return ProtectedCell(
        key=entry.key,
        numerator=numerator,
        denominator=denominator,
        suppressed=False,
        reason=None,
        rate=basis[0] / basis[1] if basis[1] else None,
        ci95_low=interval[0],
        ci95_high=interval[1],
    )
