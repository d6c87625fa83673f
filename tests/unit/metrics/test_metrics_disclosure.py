"""Statistical disclosure control: primary and secondary suppression and rounding, by audience.

Counts below are (numerator, denominator). "public" hides 1-7 and rounds to 5, "vru" hides 1-4
exactly, "internal" shows everything.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from vru_outcomes.domain.disclosure import (
    Cell,
    DisclosurePolicy,
    ProtectedCell,
    ProtectedTable,
    policy_for,
    protect,
)
from vru_outcomes.domain.statistics import wilson_interval

PUBLIC = policy_for("public")
VRU = policy_for("vru")
INTERNAL = policy_for("internal")


def _table(counts: dict[tuple[str, ...], tuple[int, int]], policy: DisclosurePolicy) -> ProtectedTable:
    dimensions = len(next(iter(counts)))
    return protect([Cell(key, n, d) for key, (n, d) in counts.items()], dimensions, policy)


def _entries(table: ProtectedTable) -> dict[tuple[str, ...], ProtectedCell]:
    return {entry.key: entry for entry in [*table.cells, *table.margins, table.total]}


def _hidden(table: ProtectedTable) -> dict[tuple[str, ...], str]:
    return {key: entry.reason for key, entry in _entries(table).items() if entry.suppressed}


def _sums(table: ProtectedTable) -> list[tuple[list[ProtectedCell], ProtectedCell]]:
    """Every published relation "these parts add up to that whole", worked out from the keys."""
    dimensions = len(table.total.key)
    if dimensions == 1:
        return [(table.cells, table.total)]
    sums = []
    for d in range(dimensions):
        margins = [m for m in table.margins if m.key[d] != "all"]
        sums += [([c for c in table.cells if c.key[d] == m.key[d]], m) for m in margins]
        sums.append((margins, table.total))
    return sums


def assert_no_hidden_count_is_a_total_minus_published_counts(table: ProtectedTable) -> None:
    for parts, whole in _sums(table):
        members = [*parts, whole]
        for hidden in (m for m in members if m.suppressed):
            others = [m for m in members if m is not hidden]
            assert any(m.suppressed for m in others), (
                f"{hidden.key} can be worked out from {whole.key} and the published members of its sum"
            )


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(row) for row in rows]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column]:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def assert_no_hidden_count_follows_from_any_combination_of_sums(table: ProtectedTable) -> None:
    # A hidden entry is determined by the sums exactly when dropping its column from the system
    # (restricted to hidden entries) lowers the rank.
    hidden = [e for e in _entries(table).values() if e.suppressed]
    matrix = [
        [Fraction(1 if h in parts else -1 if h is whole else 0) for h in hidden] for parts, whole in _sums(table)
    ]
    full = _rank(matrix)
    for i, entry in enumerate(hidden):
        assert _rank([row[:i] + row[i + 1:] for row in matrix]) == full, f"{entry.key} is determined by the sums"


def assert_protected(table: ProtectedTable) -> None:
    assert_no_hidden_count_is_a_total_minus_published_counts(table)
    assert_no_hidden_count_follows_from_any_combination_of_sums(table)


# --- policies ----------------------------------------------------------------------------------


def test_the_three_audiences_have_their_policies():
    assert (PUBLIC.suppress_from, PUBLIC.suppress_to, PUBLIC.round_to, PUBLIC.secondary) == (1, 7, 5, True)
    assert (VRU.suppress_from, VRU.suppress_to, VRU.round_to, VRU.secondary) == (1, 4, None, True)
    assert (INTERNAL.suppress_to, INTERNAL.round_to, INTERNAL.secondary) == (0, None, False)


def test_an_unknown_audience_is_refused_naming_the_audiences():
    with pytest.raises(ValueError, match="internal, public, vru"):
        policy_for("press")


def test_a_policy_that_would_suppress_zero_is_refused():
    with pytest.raises(ValueError, match="zero"):
        DisclosurePolicy(name="odd", suppress_from=0, suppress_to=5, round_to=None, secondary=True)


# --- one dimension: four programmes -------------------------------------------------------------

PROGRAMMES = {("A",): (3, 20), ("B",): (10, 30), ("C",): (12, 48), ("D",): (20, 60)}


def test_public_hides_a_count_of_3_and_the_next_smallest_programme_to_protect_it():
    table = _table(PROGRAMMES, PUBLIC)
    assert _hidden(table) == {("A",): "primary", ("B",): "secondary"}
    assert_protected(table)


def test_public_rounds_what_it_shows_and_its_rates_give_no_true_count_away():
    entries = _entries(_table(PROGRAMMES, PUBLIC))
    c = entries[("C",)]
    assert (c.numerator, c.denominator) == (10, 50)  # true 12 of 48
    assert c.rate == 0.2  # from what is published; 0.25 would point back to 12/48
    assert (c.ci95_low, c.ci95_high) == wilson_interval(10, 50)
    total = entries[("all",)]
    assert (total.numerator, total.denominator) == (45, 160)  # true 45 of 158
    assert total.rate == pytest.approx(45 / 160)


def test_the_vru_rates_come_from_the_true_counts():
    c = _entries(_table(PROGRAMMES, VRU))[("C",)]
    assert c.rate == 0.25
    assert (c.ci95_low, c.ci95_high) == wilson_interval(12, 48)


def test_suppressed_cells_show_no_counts_rate_or_interval():
    a = _entries(_table(PROGRAMMES, PUBLIC))[("A",)]
    assert a == ProtectedCell(("A",), None, None, True, "primary", None, None, None)


def test_the_vru_sees_the_same_suppression_with_exact_counts():
    table = _table(PROGRAMMES, VRU)
    assert _hidden(table) == {("A",): "primary", ("B",): "secondary"}
    entries = _entries(table)
    assert (entries[("C",)].numerator, entries[("C",)].denominator) == (12, 48)
    assert (entries[("all",)].numerator, entries[("all",)].denominator) == (45, 158)


def test_internal_users_see_every_count_exactly():
    table = _table(PROGRAMMES, INTERNAL)
    assert _hidden(table) == {}
    assert [(c.numerator, c.denominator) for c in table.cells] == [(3, 20), (10, 30), (12, 48), (20, 60)]


def test_a_table_of_one_dimension_has_no_margins_and_a_total_keyed_all():
    table = _table(PROGRAMMES, INTERNAL)
    assert table.margins == []
    assert table.total.key == ("all",)
    assert table.policy is INTERNAL


def test_a_count_of_5_is_hidden_from_the_public_but_shown_to_the_vru():
    counts = {("A",): (5, 20), ("B",): (10, 30), ("C",): (12, 48)}
    assert _hidden(_table(counts, PUBLIC)) == {("A",): "primary", ("B",): "secondary"}
    assert _hidden(_table(counts, VRU)) == {}


def test_a_small_denominator_is_hidden_even_with_a_numerator_of_zero():
    counts = {("A",): (0, 6), ("B",): (10, 30), ("C",): (12, 48)}
    assert _hidden(_table(counts, PUBLIC))[("A",)] == "primary"


# --- the complement ------------------------------------------------------------------------------


def test_40_of_43_is_hidden_because_the_3_without_the_outcome_can_be_derived():
    counts = {("A",): (40, 43), ("B",): (30, 60), ("C",): (25, 50)}
    assert _hidden(_table(counts, PUBLIC)) == {("A",): "primary", ("C",): "secondary"}
    assert _hidden(_table(counts, VRU)) == {("A",): "primary", ("C",): "secondary"}


def test_a_complement_of_6_is_hidden_from_the_public_but_not_from_the_vru():
    counts = {("A",): (40, 46), ("B",): (30, 60), ("C",): (25, 50)}
    assert _hidden(_table(counts, PUBLIC))[("A",)] == "primary"
    assert _hidden(_table(counts, VRU)) == {}


# --- zeros ---------------------------------------------------------------------------------------


def test_a_numerator_of_zero_is_published_with_its_rate_and_interval():
    table = _table({("A",): (0, 50), ("B",): (20, 40), ("C",): (15, 30)}, PUBLIC)
    assert _hidden(table) == {}
    a = _entries(table)[("A",)]
    assert (a.numerator, a.denominator, a.rate) == (0, 50, 0.0)
    assert (a.ci95_low, a.ci95_high) == wilson_interval(0, 50)


def test_an_empty_cell_is_published_as_zero_with_no_rate():
    a = _entries(_table({("A",): (0, 0), ("B",): (20, 40)}, PUBLIC))[("A",)]
    assert (a.numerator, a.denominator, a.suppressed, a.rate, a.ci95_low) == (0, 0, False, None, None)


def test_an_empty_table_has_a_published_total_of_zero():
    table = protect([], 2, PUBLIC)
    assert (table.cells, table.margins) == ([], [])
    assert (table.total.key, table.total.numerator, table.total.denominator) == (("all", "all"), 0, 0)


# --- rounding ------------------------------------------------------------------------------------


def test_public_counts_are_rounded_to_the_nearest_5():
    table = _table({("A",): (12, 48), ("B",): (13, 52), ("C",): (22, 83)}, PUBLIC)
    shown = {key: (e.numerator, e.denominator) for key, e in _entries(table).items()}
    assert shown == {("A",): (10, 50), ("B",): (15, 50), ("C",): (20, 85), ("all",): (45, 185)}  # total 47/183


# --- two dimensions: programme x quarter ---------------------------------------------------------

Q = ("2024/25 Q1", "2024/25 Q2", "2024/25 Q3")
GRID = {
    ("P1", Q[0]): (5, 20), ("P1", Q[1]): (10, 25), ("P1", Q[2]): (12, 40),
    ("P2", Q[0]): (15, 30), ("P2", Q[1]): (20, 35), ("P2", Q[2]): (18, 45),
    ("P3", Q[0]): (25, 50), ("P3", Q[1]): (30, 60), ("P3", Q[2]): (35, 70),
}


def test_a_hidden_cell_forces_suppression_along_its_row_and_its_column():
    table = _table(GRID, PUBLIC)
    # P1 Q1 (5) is small; its row's smallest partner is P1 Q2 (25 < 40), its column's P2 Q1 (30 < 50);
    # then column Q2 hides only P1 Q2, so P2 Q2 (35 < 60) goes too, which also pairs P2 Q1 in row P2.
    assert _hidden(table) == {
        ("P1", Q[0]): "primary",
        ("P1", Q[1]): "secondary",
        ("P2", Q[0]): "secondary",
        ("P2", Q[1]): "secondary",
    }
    assert_protected(table)


def test_a_two_dimensional_table_publishes_each_row_and_column_subtotal_and_the_total():
    table = _table(GRID, PUBLIC)
    shown = {m.key: (m.numerator, m.denominator) for m in table.margins}
    assert shown == {
        ("P1", "all"): (25, 85), ("P2", "all"): (55, 110), ("P3", "all"): (90, 180),  # true 27, 53
        ("all", Q[0]): (45, 100), ("all", Q[1]): (60, 120), ("all", Q[2]): (65, 155),
    }
    assert (table.total.key, table.total.numerator, table.total.denominator) == (("all", "all"), 170, 375)


def test_the_same_grid_needs_no_suppression_for_the_vru_or_internal_users():
    assert _hidden(_table(GRID, VRU)) == {}
    assert _hidden(_table(GRID, INTERNAL)) == {}
    assert _entries(_table(GRID, VRU))[("P1", "all")].numerator == 27


def test_when_a_hidden_cell_has_only_zeros_beside_it_its_subtotal_is_hidden_instead():
    counts = {
        ("P1", "Q1"): (3, 20), ("P1", "Q2"): (10, 40),
        ("P2", "Q1"): (15, 30), ("P2", "Q2"): (0, 0),
        ("P3", "Q1"): (20, 50), ("P3", "Q2"): (15, 45),
    }
    table = _table(counts, PUBLIC)
    # P2 Q1 is hidden to protect column Q1; the published 0 beside it would give it away as
    # P2's subtotal, so that subtotal is hidden, and with it the smaller other subtotal (P1, 60 < 95).
    assert _hidden(table) == {
        ("P1", "Q1"): "primary",
        ("P1", "Q2"): "secondary",
        ("P2", "Q1"): "secondary",
        ("P3", "Q2"): "secondary",
        ("P3", "Q1"): "secondary",
        ("P2", "all"): "secondary",
        ("P1", "all"): "secondary",
    }
    assert _entries(table)[("P2", "Q2")].numerator == 0
    assert_protected(table)


def _bridge_counts() -> dict[tuple[str, str], tuple[int, int]]:
    small = {("P1", "Q1"), ("P1", "Q2"), ("P2", "Q1"), ("P2", "Q2"),
             ("P3", "Q3"), ("P3", "Q4"), ("P4", "Q3"), ("P4", "Q4"), ("P2", "Q3")}
    return {
        (p, q): (2, 20) if (p, q) in small else (10, 30)
        for p in ("P1", "P2", "P3", "P4") for q in ("Q1", "Q2", "Q3", "Q4")
    }


def test_a_cell_joining_two_blocks_of_hidden_cells_is_protected_although_no_single_sum_reveals_it():
    counts = _bridge_counts()
    row = {p: sum(counts[p, q][0] for q in ("Q1", "Q2", "Q3", "Q4")) for p in ("P1", "P2", "P3", "P4")}
    column = {q: sum(counts[p, q][0] for p in ("P1", "P2", "P3", "P4")) for q in ("Q1", "Q2", "Q3", "Q4")}
    # With only the nine small cells hidden, every row and column hides two or more, yet
    # rows P1 + P2 minus columns Q1 + Q2 leaves exactly P2 Q3 (and likewise from the other block):
    hidden_in_rows = row["P1"] - counts["P1", "Q3"][0] - counts["P1", "Q4"][0] + row["P2"] - counts["P2", "Q4"][0]
    hidden_in_columns = sum(column[q] - counts["P3", q][0] - counts["P4", q][0] for q in ("Q1", "Q2"))
    assert hidden_in_rows - hidden_in_columns == counts["P2", "Q3"][0]

    table = _table(counts, VRU)
    hidden = _hidden(table)
    assert [key for key, reason in hidden.items() if reason == "primary"] == [
        ("P1", "Q1"), ("P1", "Q2"), ("P2", "Q1"), ("P2", "Q2"), ("P2", "Q3"),
        ("P3", "Q3"), ("P3", "Q4"), ("P4", "Q3"), ("P4", "Q4"),
    ]
    first_attack = {("P1", "Q3"), ("P1", "Q4"), ("P1", "all"), ("P2", "Q4"), ("P2", "all"),
                    ("P3", "Q1"), ("P4", "Q1"), ("all", "Q1"), ("P3", "Q2"), ("P4", "Q2"), ("all", "Q2")}
    second_attack = {("P3", "Q1"), ("P3", "Q2"), ("P3", "all"), ("P4", "Q1"), ("P4", "Q2"), ("P4", "all"),
                     ("P1", "Q3"), ("P1", "Q4"), ("all", "Q3"), ("all", "Q4"), ("P2", "Q4")}
    assert first_attack & hidden.keys()
    assert second_attack & hidden.keys()
    assert_protected(table)


# --- every table, checked by brute force ---------------------------------------------------------


def _random_counts(rng: random.Random, sizes: tuple[int, ...]) -> dict[tuple[str, ...], tuple[int, int]]:
    keys: list[tuple[str, ...]] = [()]
    for d, size in enumerate(sizes):
        keys = [(*key, f"v{d}{i}") for key in keys for i in range(size)]
    counts = {}
    for key in keys:
        if rng.random() < 0.1:
            continue  # a combination nobody fell into
        denominator = rng.choice([0, rng.randint(1, 9), rng.randint(1, 60), rng.randint(10, 120)])
        counts[key] = (rng.randint(0, denominator), denominator)
    return counts or {tuple(f"v{d}0" for d in range(len(sizes))): (3, 9)}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("policy", [PUBLIC, VRU], ids=lambda p: p.name)
def test_no_hidden_count_of_a_random_table_can_be_worked_out_from_what_is_published(seed, policy):
    rng = random.Random(seed)
    sizes = [(rng.randint(2, 6),), (rng.randint(2, 5), rng.randint(2, 5)), (2, rng.randint(2, 3), rng.randint(2, 3))]
    for shape in sizes:
        table = _table(_random_counts(rng, shape), policy)
        assert_protected(table)
        for entry in _entries(table).values():
            if entry.suppressed:
                continue
            assert entry.rate is None or 0 <= entry.rate <= 1
            if policy.round_to:
                assert entry.numerator % 5 == 0 and entry.denominator % 5 == 0


def test_an_entry_is_hidden_as_primary_exactly_when_it_implies_a_small_count():
    rng = random.Random(7)
    for _ in range(20):
        counts = _random_counts(rng, (4, 4))
        table = protect([Cell(k, n, d) for k, (n, d) in counts.items()], 2, PUBLIC)
        cells = {c.key: c for c in table.cells}
        for key, (n, d) in counts.items():
            small = any(1 <= count <= 7 for count in (n, d, d - n))
            assert (cells[key].reason == "primary") == small


# --- shapes and input errors ---------------------------------------------------------------------


def test_a_table_without_grouping_is_its_own_total():
    table = protect([Cell((), 3, 10)], 0, PUBLIC)
    assert (table.cells[0].reason, table.total.reason, table.total.key) == ("primary", "primary", ())


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([Cell(("A", "x"), 1, 2)], "2 dimension values, not 1"),
        ([Cell(("A",), 1, 2), Cell(("A",), 3, 4)], "twice"),
        ([Cell(("A",), 5, 4)], "between 0 and the denominator"),
        ([Cell(("A",), -1, 4)], "between 0 and the denominator"),
        ([Cell(("all",), 1, 4)], "reserved"),
    ],
)
def test_malformed_cells_are_refused(cells, message):
    with pytest.raises(ValueError, match=message):
        protect(cells, 1, PUBLIC)
