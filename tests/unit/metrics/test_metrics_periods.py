"""Reporting periods: calendar months, UK financial years (April to March) and their quarters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vru_outcomes.domain.periods import (
    Granularity,
    Period,
    financial_year_label,
    parse_period,
    period_containing,
    periods_covering,
)


def test_a_month_runs_from_its_first_day_to_the_first_day_of_the_next():
    may = period_containing(date(2024, 5, 17), Granularity.MONTH)
    assert may == Period(date(2024, 5, 1), date(2024, 6, 1), Granularity.MONTH, "2024-05")


def test_december_ends_on_new_years_day():
    december = period_containing(date(2023, 12, 31), Granularity.MONTH)
    assert (december.start, december.end, december.label) == (date(2023, 12, 1), date(2024, 1, 1), "2023-12")


def test_31_march_closes_one_financial_year_and_1_april_opens_the_next():
    assert financial_year_label(date(2022, 3, 31)) == "2021/22"
    assert financial_year_label(date(2022, 4, 1)) == "2022/23"
    year = period_containing(date(2022, 3, 31), Granularity.FINANCIAL_YEAR)
    assert (year.start, year.end, year.label) == (date(2021, 4, 1), date(2022, 4, 1), "2021/22")
    assert not year.contains(date(2022, 4, 1))
    assert period_containing(date(2022, 4, 1), Granularity.FINANCIAL_YEAR).label == "2022/23"


def test_quarter_one_is_april_to_june():
    q1 = period_containing(date(2024, 4, 1), Granularity.QUARTER)
    assert (q1.start, q1.end, q1.label) == (date(2024, 4, 1), date(2024, 7, 1), "2024/25 Q1")
    assert period_containing(date(2024, 6, 30), Granularity.QUARTER) == q1
    assert period_containing(date(2024, 7, 1), Granularity.QUARTER).label == "2024/25 Q2"


def test_january_to_march_is_quarter_four_of_the_year_that_began_the_april_before():
    q4 = period_containing(date(2022, 2, 14), Granularity.QUARTER)
    assert (q4.start, q4.end, q4.label) == (date(2022, 1, 1), date(2022, 4, 1), "2021/22 Q4")
    assert parse_period("2021/22 Q4") == q4


def test_31_march_is_in_quarter_four_and_1_april_in_the_next_years_quarter_one():
    assert period_containing(date(2022, 3, 31), Granularity.QUARTER).label == "2021/22 Q4"
    assert period_containing(date(2022, 4, 1), Granularity.QUARTER).label == "2022/23 Q1"


def test_the_financial_year_that_spans_the_century_is_labelled_1999_00():
    assert financial_year_label(date(1999, 4, 1)) == "1999/00"
    assert financial_year_label(date(2000, 3, 31)) == "1999/00"
    assert financial_year_label(date(2000, 4, 1)) == "2000/01"
    year = parse_period("1999/00")
    assert (year.start, year.end) == (date(1999, 4, 1), date(2000, 4, 1))
    assert parse_period("2099/00 Q4").start == date(2100, 1, 1)


def test_a_leap_day_belongs_to_february_and_makes_its_financial_year_366_days_long():
    february = parse_period("2024-02")
    assert february.contains(date(2024, 2, 29))
    assert february.end == date(2024, 3, 1)
    assert (parse_period("2023/24").end - parse_period("2023/24").start).days == 366
    assert (parse_period("2022/23").end - parse_period("2022/23").start).days == 365
    assert period_containing(date(2024, 2, 29), Granularity.QUARTER).label == "2023/24 Q4"


def test_contains_includes_the_first_day_and_excludes_the_end():
    q2 = parse_period("2024/25 Q2")
    assert q2.contains(date(2024, 7, 1))
    assert q2.contains(date(2024, 9, 30))
    assert not q2.contains(date(2024, 10, 1))
    assert not q2.contains(date(2024, 6, 30))


def test_the_quarters_of_a_financial_year_tile_it_without_gaps():
    quarters = [parse_period(f"2024/25 Q{n}") for n in range(1, 5)]
    assert quarters[0].start == parse_period("2024/25").start
    assert quarters[-1].end == parse_period("2024/25").end
    assert all(a.end == b.start for a, b in zip(quarters, quarters[1:], strict=False))


@pytest.mark.parametrize("granularity", list(Granularity))
def test_every_day_of_three_years_lies_in_a_period_whose_label_parses_back_to_it(granularity):
    day = date(1998, 1, 1)
    while day < date(2001, 1, 1):
        period = period_containing(day, granularity)
        assert period.contains(day)
        assert parse_period(period.label) == period
        day += timedelta(days=1)


def test_surrounding_spaces_are_ignored():
    assert parse_period("  2024/25 Q1 \n").label == "2024/25 Q1"
    assert parse_period(" 2024-05 ").label == "2024-05"


@pytest.mark.parametrize(
    "label",
    ["2024/2025", "2024/26", "2024/24", "1999/99", "2024/25 Q5", "2024/25 Q0", "2024/25 q1", "2024/25  Q1",
     "2024-13", "2024-00", "2024-5", "24/25", "2024", "", "May 2024", "2024/25Q1"],
)
def test_anything_but_the_three_label_forms_is_refused_with_the_forms_named(label):
    with pytest.raises(ValueError, match="YYYY-MM.*YYYY/YY QN.*YYYY/YY"):
        parse_period(label)


def test_a_financial_year_whose_second_year_does_not_follow_the_first_says_which_it_should_be():
    with pytest.raises(ValueError, match="2024/25"):
        parse_period("2024/26")


def test_periods_sort_in_time_order():
    labels = ["2024-03", "2023-12", "2024-01"]
    assert [p.label for p in sorted(parse_period(label) for label in labels)] == ["2023-12", "2024-01", "2024-03"]


def test_the_months_covering_a_range_run_from_the_first_start_to_the_last_end():
    months = periods_covering(parse_period("2024-02"), parse_period("2024/25 Q1"), Granularity.MONTH)
    assert [m.label for m in months] == ["2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]


def test_the_quarters_covering_a_financial_year_are_its_four_quarters():
    quarters = periods_covering(parse_period("2023/24"), parse_period("2023/24"), Granularity.QUARTER)
    assert [q.label for q in quarters] == ["2023/24 Q1", "2023/24 Q2", "2023/24 Q3", "2023/24 Q4"]


def test_months_either_side_of_1_april_are_covered_by_two_financial_years():
    years = periods_covering(parse_period("2022-03"), parse_period("2022-04"), Granularity.FINANCIAL_YEAR)
    assert [y.label for y in years] == ["2021/22", "2022/23"]


def test_a_single_month_is_covered_by_its_own_quarter():
    assert [q.label for q in periods_covering(parse_period("2025-01"), parse_period("2025-01"), Granularity.QUARTER)] == [
        "2024/25 Q4"
    ]


def test_a_range_that_runs_backwards_is_refused():
    with pytest.raises(ValueError, match="backwards"):
        periods_covering(parse_period("2024-05"), parse_period("2024-04"), Granularity.MONTH)


def test_a_granularity_may_be_given_by_its_value():
    assert period_containing(date(2024, 8, 1), "quarter").label == "2024/25 Q2"
