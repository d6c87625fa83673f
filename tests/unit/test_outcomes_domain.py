"""The outcomes domain: outcome records of every domain, their date rules, and the Wilson score interval."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_outcomes.domain.model import (
    AccommodationStatus,
    Disposal,
    EteStatus,
    InvalidOutcome,
    MeasurementPoint,
    OffenceCategory,
    OutcomeDomain,
    OutcomeRecord,
    Validation,
    WellbeingScale,
)
from vru_outcomes.domain.projections import CohortMember
from vru_outcomes.domain.statistics import wilson_interval

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START = date(2026, 2, 1)
PROVIDER = uuid.UUID("00000000-0000-4000-8000-00000000000a")


def _member(start: date = START) -> CohortMember:
    return CohortMember(
        enrolment_id=uuid.uuid4(),
        referral_id=uuid.uuid4(),
        programme_id=uuid.uuid4(),
        subject_pseudonym="b" * 64,
        start_date=start,
    )


def _record(*, point=MeasurementPoint.EXIT, follow_up_months=None, observed_on=date(2026, 3, 1),
            status=EteStatus.EDUCATION, member: CohortMember | None = None, enrolment_id=None,
            recorded_by: uuid.UUID | None = None) -> OutcomeRecord:
    return OutcomeRecord.record_ete(
        enrolment_id=enrolment_id or (member.enrolment_id if member else uuid.uuid4()),
        point=point,
        follow_up_months=follow_up_months,
        observed_on=observed_on,
        status=status,
        member=member,
        recorded_by=recorded_by,
        now=NOW,
    )


def _reoffence(*, offence_date=date(2026, 2, 10), proven_date=date(2026, 3, 1),
               member: CohortMember | None = None) -> OutcomeRecord:
    return OutcomeRecord.record_reoffence(
        enrolment_id=member.enrolment_id if member else uuid.uuid4(),
        offence_date=offence_date,
        proven_date=proven_date,
        disposal=Disposal.CONVICTION,
        offence_category=OffenceCategory.ROBBERY,
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
    assert record.status == EteStatus.TRAINING
    assert record.recorded_at == NOW
    assert record.validation is Validation.VALID


def test_an_outcome_observed_in_the_future_is_refused():
    with pytest.raises(InvalidOutcome, match="future") as caught:
        _record(member=_member(), observed_on=NOW.date() + timedelta(days=1))
    assert caught.value.field == "observed_on"


def test_an_outcome_observed_today_is_accepted():
    assert _record(member=_member(), observed_on=NOW.date()).observed_on == NOW.date()


def test_a_follow_up_needs_its_months():
    with pytest.raises(InvalidOutcome, match="follow_up_months"):
        _record(member=_member(), point=MeasurementPoint.FOLLOW_UP, follow_up_months=None)


@pytest.mark.parametrize("point", [MeasurementPoint.BASELINE, MeasurementPoint.EXIT])
def test_follow_up_months_are_refused_on_any_other_point(point):
    with pytest.raises(InvalidOutcome, match="follow_up_months"):
        _record(member=_member(), point=point, follow_up_months=6, observed_on=START)


def test_a_one_month_follow_up_observed_a_month_after_the_start_is_accepted():
    record = _record(member=_member(), point=MeasurementPoint.FOLLOW_UP, follow_up_months=1, observed_on=date(2026, 3, 1))
    assert record.follow_up_months == 1


def test_a_follow_up_may_be_taken_up_to_14_days_before_it_is_due():
    # Due 1 May 2025 (start 1 February 2025 + 3 months); 17 April is 14 days early.
    member = _member(start=date(2025, 2, 1))
    record = _record(member=member, point=MeasurementPoint.FOLLOW_UP, follow_up_months=3, observed_on=date(2025, 4, 18))
    assert record.observed_on == date(2025, 4, 18)
    ok = _record(member=member, point=MeasurementPoint.FOLLOW_UP, follow_up_months=3, observed_on=date(2025, 4, 17))
    assert ok.observed_on == date(2025, 4, 17)


def test_a_follow_up_15_days_before_it_is_due_is_refused():
    member = _member(start=date(2025, 2, 1))
    with pytest.raises(InvalidOutcome, match="3-month follow-up was due") as caught:
        _record(member=member, point=MeasurementPoint.FOLLOW_UP, follow_up_months=3, observed_on=date(2025, 4, 16))
    assert caught.value.field == "observed_on"


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


def test_an_outcome_for_an_enrolment_not_yet_in_the_cohort_is_kept_pending_without_the_start_check():
    # The enrolment's event may still be on its way; the date cannot be checked against a start yet.
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2020, 1, 1))
    assert record.observed_on == date(2020, 1, 1)
    assert record.validation is Validation.PENDING


def test_a_pending_record_that_fits_its_enrolment_becomes_valid_when_the_enrolment_arrives():
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2026, 3, 1))
    record.validate_on_arrival(_member(), provider_organisation_id=PROVIDER)
    assert (record.validation, record.invalid_reason) == (Validation.VALID, None)


def test_a_pending_record_observed_before_its_enrolment_started_becomes_invalid_with_the_reason():
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2026, 1, 15))
    record.validate_on_arrival(_member(), provider_organisation_id=PROVIDER)
    assert record.validation is Validation.INVALID
    assert "before the enrolment started" in record.invalid_reason


def test_a_pending_record_posted_by_another_organisation_than_the_provider_becomes_invalid_and_says_so():
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2026, 3, 1),
                     recorded_by=uuid.uuid4())
    record.validate_on_arrival(_member(), provider_organisation_id=PROVIDER)
    assert (record.validation, record.refused_for_recorder) == (Validation.INVALID, True)
    assert "not on a programme that the recording organisation provides" in record.invalid_reason


def test_the_provider_is_checked_before_the_dates_so_a_refused_record_says_why_it_was_refused():
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2026, 1, 15),
                     recorded_by=uuid.uuid4())
    record.validate_on_arrival(_member(), provider_organisation_id=PROVIDER)
    assert record.refused_for_recorder


def test_a_record_invalid_for_its_dates_is_not_taken_for_one_refused_for_its_recorder():
    record = _record(member=None, point=MeasurementPoint.EXIT, observed_on=date(2026, 1, 15), recorded_by=PROVIDER)
    record.validate_on_arrival(_member(), provider_organisation_id=PROVIDER)
    assert (record.validation, record.refused_for_recorder) == (Validation.INVALID, False)


def test_a_checked_record_is_not_checked_again_when_the_programme_changes_hands():
    member = _member()
    record = _record(member=member, recorded_by=PROVIDER)
    record.validate_on_arrival(member, provider_organisation_id=uuid.uuid4())
    assert (record.validation, record.invalid_reason) == (Validation.VALID, None)


def test_an_outcome_for_an_unknown_enrolment_is_still_refused_in_the_future():
    with pytest.raises(InvalidOutcome, match="future"):
        _record(member=None, observed_on=NOW.date() + timedelta(days=1))


def test_neet_is_the_only_status_out_of_ete():
    assert [s for s in EteStatus if not s.in_ete] == [EteStatus.NEET]


def test_an_accommodation_record_keeps_its_status():
    record = OutcomeRecord.record_accommodation(
        enrolment_id=uuid.uuid4(), point=MeasurementPoint.BASELINE, follow_up_months=None,
        observed_on=START, status=AccommodationStatus.NO_FIXED_ABODE, member=_member(), now=NOW,
    )
    assert (record.domain, record.status) == (OutcomeDomain.ACCOMMODATION, "no_fixed_abode")


@pytest.mark.parametrize(("scale", "score", "ok"), [
    (WellbeingScale.SWEMWBS, 7, True), (WellbeingScale.SWEMWBS, 35, True),
    (WellbeingScale.SWEMWBS, 6, False), (WellbeingScale.SWEMWBS, 36, False),
    (WellbeingScale.WEMWBS, 14, True), (WellbeingScale.WEMWBS, 70, True),
    (WellbeingScale.WEMWBS, 13, False), (WellbeingScale.WEMWBS, 71, False),
])
def test_a_wellbeing_score_must_lie_within_its_scale(scale, score, ok):
    def record():
        return OutcomeRecord.record_wellbeing(
            enrolment_id=uuid.uuid4(), point=MeasurementPoint.EXIT, follow_up_months=None,
            observed_on=START, scale=scale, score=score, member=_member(), now=NOW,
        )
    if ok:
        assert record().score == score
    else:
        with pytest.raises(InvalidOutcome, match=f"{scale.value} score is a whole number") as caught:
            record()
        assert caught.value.field == "score"


def test_a_reoffence_is_placed_by_its_proof_and_has_no_measurement_point():
    record = _reoffence(member=_member())
    assert record.domain is OutcomeDomain.REOFFENDING
    assert record.point is None and record.follow_up_months is None
    assert record.observed_on == date(2026, 3, 1) == record.proven_date
    assert record.offence_date == date(2026, 2, 10)


def test_a_reoffence_proven_before_it_was_committed_is_refused():
    with pytest.raises(InvalidOutcome, match="proven_date is before offence_date") as caught:
        _reoffence(offence_date=date(2026, 2, 20), proven_date=date(2026, 2, 19), member=_member())
    assert caught.value.field == "proven_date"


def test_a_reoffence_proven_in_the_future_is_refused():
    with pytest.raises(InvalidOutcome, match="future"):
        _reoffence(proven_date=NOW.date() + timedelta(days=1), member=_member())


def test_an_offence_before_the_enrolment_started_is_not_a_reoffence():
    with pytest.raises(InvalidOutcome, match="not a reoffence") as caught:
        _reoffence(offence_date=START - timedelta(days=1), member=_member())
    assert caught.value.field == "offence_date"


def test_an_offence_on_the_start_day_is_a_reoffence():
    assert _reoffence(offence_date=START, member=_member()).validation is Validation.VALID


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
