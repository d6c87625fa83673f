"""The Ministry of Justice proven reoffending measure: follow-up year, waiting period, cohort summary.

Month k of the follow-up runs from index + (k - 1) months to the day before index + k months.
With the index date 15 January 2024: month 11 is 15 Nov - 14 Dec 2024, month 13 is
15 Jan - 14 Feb 2025, month 17 is 15 May - 14 Jun 2025, month 19 is 15 Jul - 14 Aug 2025.
"""

from __future__ import annotations

from datetime import date

import pytest

from vru_outcomes.domain.reoffending import (
    ReoffendingSummary,
    counts_as_proven_reoffence,
    is_final,
    summarise,
)

INDEX = date(2024, 1, 15)


def test_an_offence_in_month_11_proven_in_month_17_counts():
    assert counts_as_proven_reoffence(INDEX, date(2024, 12, 1), date(2025, 6, 1))


def test_an_offence_in_month_11_proven_in_month_19_does_not_count():
    assert not counts_as_proven_reoffence(INDEX, date(2024, 12, 1), date(2025, 8, 1))


def test_an_offence_in_month_13_never_counts_however_soon_it_is_proven():
    assert not counts_as_proven_reoffence(INDEX, date(2025, 2, 1), date(2025, 2, 1))


def test_an_offence_on_the_index_date_counts():
    assert counts_as_proven_reoffence(INDEX, INDEX, INDEX)


def test_an_offence_the_day_before_the_index_date_does_not_count():
    assert not counts_as_proven_reoffence(INDEX, date(2024, 1, 14), date(2024, 3, 1))


def test_the_follow_up_year_ends_the_day_before_the_index_date_a_year_on():
    assert counts_as_proven_reoffence(INDEX, date(2025, 1, 14), date(2025, 1, 20))
    assert not counts_as_proven_reoffence(INDEX, date(2025, 1, 15), date(2025, 1, 20))


def test_the_waiting_period_ends_the_day_before_the_index_date_eighteen_months_on():
    assert counts_as_proven_reoffence(INDEX, date(2024, 6, 1), date(2025, 7, 14))
    assert not counts_as_proven_reoffence(INDEX, date(2024, 6, 1), date(2025, 7, 15))


def test_a_follow_up_from_31_january_runs_to_30_january_the_next_year():
    index = date(2024, 1, 31)
    assert counts_as_proven_reoffence(index, date(2025, 1, 30), date(2025, 2, 5))
    assert not counts_as_proven_reoffence(index, date(2025, 1, 31), date(2025, 2, 5))


def test_a_waiting_period_from_31_august_ends_with_the_shorter_february():
    # 31 August 2023 + 18 months is 28 February 2025 (relativedelta keeps to the month's last day).
    index = date(2023, 8, 31)
    assert counts_as_proven_reoffence(index, date(2024, 8, 1), date(2025, 2, 27))
    assert not counts_as_proven_reoffence(index, date(2024, 8, 1), date(2025, 2, 28))


def test_from_a_leap_day_the_follow_up_ends_on_28_february_and_the_waiting_period_on_29_august():
    index = date(2024, 2, 29)
    assert counts_as_proven_reoffence(index, date(2025, 2, 27), date(2025, 3, 1))
    assert not counts_as_proven_reoffence(index, date(2025, 2, 28), date(2025, 3, 1))
    # 18 months in one step: adding 12 then 6 would clip to 28 February first and end a day early.
    assert counts_as_proven_reoffence(index, date(2024, 12, 1), date(2025, 8, 28))
    assert not counts_as_proven_reoffence(index, date(2024, 12, 1), date(2025, 8, 29))


def test_an_offence_proven_before_it_was_committed_is_refused():
    with pytest.raises(ValueError, match="before it was committed"):
        counts_as_proven_reoffence(INDEX, date(2024, 5, 1), date(2024, 4, 30))


def test_a_member_is_final_from_eighteen_months_after_the_index_date():
    assert not is_final(INDEX, date(2025, 7, 14))
    assert is_final(INDEX, date(2025, 7, 15))


# Five members, hand-checked against the windows [index, index + 12 months) for the offence and
# [offence, index + 18 months) for the proof:
COHORT = [
    # two offences in the follow-up, both proven in it: 2
    (date(2024, 1, 10), [(date(2024, 3, 1), date(2024, 5, 1)), (date(2024, 6, 1), date(2024, 9, 1))]),
    # offended before the index date only: 0
    (date(2024, 2, 1), [(date(2024, 1, 20), date(2024, 2, 15))]),
    # proven in the waiting period (ends 1 Sep 2025): 1; the offence on 5 Mar 2025 is after the follow-up
    (date(2024, 3, 1), [(date(2024, 10, 1), date(2025, 8, 15)), (date(2025, 3, 5), date(2025, 4, 1))]),
    # no offences: 0
    (date(2024, 4, 1), []),
    # on the index date and in month 8: 2; proven on 5 Nov 2025, after the waiting period (ends 1 Nov 2025)
    (date(2024, 5, 1), [(date(2024, 5, 1), date(2024, 5, 2)), (date(2024, 12, 1), date(2025, 1, 10)),
                        (date(2025, 1, 1), date(2025, 11, 5))]),
]


def test_a_small_cohort_summarises_to_hand_computed_rates():
    summary = summarise(COHORT, as_of=date(2026, 1, 1))
    assert (summary.cohort, summary.reoffenders, summary.reoffences) == (5, 3, 5)
    assert summary.binary_rate == pytest.approx(3 / 5)
    assert summary.frequency_per_member == pytest.approx(5 / 5)
    assert summary.frequency_per_reoffender == pytest.approx(5 / 3)
    assert summary.provisional is False


def test_a_cohort_is_provisional_while_any_member_is_within_eighteen_months_of_the_index_date():
    # the last member's waiting period ends on 1 November 2025
    assert summarise(COHORT, as_of=date(2025, 10, 31)).provisional is True
    assert summarise(COHORT, as_of=date(2025, 11, 1)).provisional is False


def test_proofs_after_the_as_of_date_are_not_known_yet():
    # On 1 January 2025 the proofs of 15 August 2025 and 10 January 2025 have not happened.
    summary = summarise(COHORT, as_of=date(2025, 1, 1))
    assert (summary.reoffenders, summary.reoffences, summary.provisional) == (2, 3, True)
    assert summary.frequency_per_reoffender == pytest.approx(3 / 2)


def test_a_cohort_without_reoffenders_has_rates_of_zero_and_no_frequency_per_reoffender():
    summary = summarise([(date(2024, 1, 1), []), (date(2024, 2, 1), [])], as_of=date(2026, 1, 1))
    assert (summary.binary_rate, summary.frequency_per_member, summary.frequency_per_reoffender) == (0.0, 0.0, None)


def test_an_empty_cohort_has_no_rates():
    assert summarise([], as_of=date(2026, 1, 1)) == ReoffendingSummary(
        cohort=0, reoffenders=0, reoffences=0, provisional=False,
        binary_rate=None, frequency_per_member=None, frequency_per_reoffender=None,
    )
