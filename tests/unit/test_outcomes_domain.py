"""The outcomes domain: ETE outcome records and the Wilson score interval."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_outcomes.domain.model import (
    CohortMember,
    EteStatus,
    InvalidOutcome,
    MeasurementPoint,
    OutcomeDomain,
    OutcomeRecord,
)
from vru_outcomes.domain.statistics import wilson_interval

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START = date(2026, 2, 1)


def _member() -> CohortMember:
    return CohortMember(
        enrolment_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        programme_id=uuid.uuid4(),
        referral_source="school",
        subject_pseudonym="b" * 64,
        age_band="15-17",
        start_date=START,
    )


def _record(*, point=MeasurementPoint.EXIT, follow_up_months=None, observed_on=date(2026, 3, 1),
            status=EteStatus.EDUCATION, member: CohortMember | None = None, enrolment_id=None) -> OutcomeRecord:
    return OutcomeRecord.record_ete(
        enrolment_id=enrolment_id or (member.enrolment_id if member else uuid.uuid4()),
        point=point,
        follow_up_months=follow_up_months,
        observed_on=observed_on,
        status=status,
        member=member,
        now=NOW,
    )


def test_a_valid_ete_record_keeps_what_was_observed():
    member = _member()
    record = _record(member=member, observed_on=date(2026, 3, 1), status=EteStatus.TRAINING)
    assert record.enrolment_id == member.enrolment_id
    assert record.domain is OutcomeDomain.ETE
    assert record.point is MeasurementPoint.EXIT
    assert record.follow_up_months is None
    assert record.observed_on == date(2026, 3, 1)
    assert record.ete_status is EteStatus.TRAINING
    assert record.recorded_at == NOW


def test_an_outcome_observed_in_the_future_is_refused():
    with pytest.raises(InvalidOutcome, match="future"):
        _record(member=_member(), observed_on=NOW.date() + timedelta(days=1))


def test_an_outcome_observed_today_is_accepted():
    assert _record(member=_member(), observed_on=NOW.date()).observed_on == NOW.date()


def test_a_follow_up_needs_its_months():
    with pytest.raises(InvalidOutcome, match="follow_up_months"):
        _record(member=_member(), point=MeasurementPoint.FOLLOW_UP, follow_up_months=None)


@pytest.mark.parametrize("point", [MeasurementPoint.BASELINE, MeasurementPoint.EXIT])
def test_follow_up_months_are_refused_on_any_other_point(point):
    with pytest.raises(InvalidOutcome, match="follow_up_months"):
        _record(member=_member(), point=point, follow_up_months=6, observed_on=START)


def test_a_follow_up_with_its_months_is_accepted():
    record = _record(member=_member(), point=MeasurementPoint.FOLLOW_UP, follow_up_months=3)
    assert record.follow_up_months == 3


def test_a_baseline_up_to_31_days_before_the_start_is_accepted():
    record = _record(member=_member(), point=MeasurementPoint.BASELINE, observed_on=START - timedelta(days=31))
    assert record.observed_on == date(2026, 1, 1)


def test_a_baseline_32_days_before_the_start_is_refused():
    with pytest.raises(InvalidOutcome, match="before the enrolment started"):
        _record(member=_member(), point=MeasurementPoint.BASELINE, observed_on=START - timedelta(days=32))


def test_an_exit_before_the_start_is_refused():
    with pytest.raises(InvalidOutcome, match="before the enrolment started"):
        _record(member=_member(), point=MeasurementPoint.EXIT, observed_on=START - timedelta(days=1))


def test_a_follow_up_before_the_start_is_refused():
    with pytest.raises(InvalidOutcome):
        _record(member=_member(), point=MeasurementPoint.FOLLOW_UP, follow_up_months=6,
                observed_on=START - timedelta(days=1))


def test_an_exit_on_the_start_day_is_accepted():
    assert _record(member=_member(), observed_on=START).observed_on == START


def test_an_outcome_for_an_enrolment_not_yet_in_the_cohort_is_accepted_without_the_start_check():
    # The enrolment's event may still be on its way; the date cannot be checked against a start yet.
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2020, 1, 1))
    assert record.observed_on == date(2020, 1, 1)


def test_an_outcome_for_an_unknown_enrolment_is_still_refused_in_the_future():
    with pytest.raises(InvalidOutcome, match="future"):
        _record(member=None, observed_on=NOW.date() + timedelta(days=1))


def test_neet_is_the_only_status_out_of_ete():
    assert [s for s in EteStatus if not s.in_ete] == [EteStatus.NEET]


# --- the Wilson score interval -----------------------------------------------------------------
# Expected values computed by hand from (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.95996.


def test_no_denominator_gives_no_interval():
    assert wilson_interval(0, 0) is None


def test_none_of_ten_gives_zero_to_0_2775():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775328, abs=1e-6)


def test_five_of_ten_gives_0_2366_to_0_7634():
    low, high = wilson_interval(5, 10)
    assert round(low, 4) == 0.2366
    assert round(high, 4) == 0.7634


def test_ten_of_ten_gives_0_7225_to_one():
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7224672, abs=1e-6)
    assert high == pytest.approx(1.0, abs=1e-12)
    assert high <= 1.0


def test_two_of_three_gives_0_2077_to_0_9385():
    low, high = wilson_interval(2, 3)
    assert (round(low, 4), round(high, 4)) == (0.2077, 0.9385)


def test_the_interval_is_symmetric_about_one_half():
    low, high = wilson_interval(3, 17)
    mirrored_low, mirrored_high = wilson_interval(14, 17)
    assert low == pytest.approx(1 - mirrored_high)
    assert high == pytest.approx(1 - mirrored_low)


def test_the_interval_holds_the_observed_proportion_and_narrows_with_more_data():
    small = wilson_interval(3, 10)
    large = wilson_interval(300, 1000)
    assert small[0] < 0.3 < small[1]
    assert large[0] < 0.3 < large[1]
    assert large[1] - large[0] < small[1] - small[0]


def test_a_numerator_above_the_denominator_raises():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_a_negative_numerator_raises():
    with pytest.raises(ValueError):
        wilson_interval(-1, 10)
