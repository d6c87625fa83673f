"""Percentiles by linear interpolation between closest ranks (Hyndman and Fan type 7)."""

from __future__ import annotations

import math

import pytest

from vru_outcomes.domain.distribution import median, percentile


def test_no_values_have_no_percentile_and_no_median():
    assert percentile([], 50) is None
    assert median([]) is None


def test_a_single_value_is_every_percentile():
    assert [percentile([7.0], p) for p in (0, 25, 50, 100)] == [7.0, 7.0, 7.0, 7.0]


def test_the_median_of_an_odd_count_is_the_middle_value():
    assert median([9, 1, 4]) == 4.0


def test_the_median_of_an_even_count_is_halfway_between_the_two_middle_values():
    assert median([4, 1, 3, 2]) == 2.5


def test_the_lower_quartile_of_one_to_four_interpolates_three_quarters_of_the_way_from_1_to_2():
    # rank h = (4 - 1) * 0.25 = 0.75: 1 + 0.75 * (2 - 1)
    assert percentile([1, 2, 3, 4], 25) == pytest.approx(1.75)


def test_the_90th_percentile_of_five_waits_in_days_is_46():
    # sorted 15 20 35 40 50; h = 4 * 0.9 = 3.6: 40 + 0.6 * (50 - 40) = 46 (as numpy.percentile gives)
    assert percentile([50, 15, 40, 20, 35], 90) == pytest.approx(46.0)


def test_the_0th_and_100th_percentiles_are_the_minimum_and_maximum():
    values = [3.5, -2.0, 10.0, 4.0]
    assert percentile(values, 0) == -2.0
    assert percentile(values, 100) == 10.0


def test_a_percentile_that_falls_on_a_value_next_to_an_infinite_one_is_that_value():
    assert percentile([1.0, math.inf], 0) == 1.0


@pytest.mark.parametrize("p", [-0.1, 100.5, math.nan])
def test_a_percentile_outside_0_to_100_is_refused(p):
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1, 2, 3], p)


def test_values_that_include_nan_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        percentile([1.0, math.nan, 3.0], 50)
