"""An answer worked out before is given again only while nothing under it changed: every change in
its range, or to a provider it is grouped by, makes the next read work it out afresh."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outcomes_harness import World, accepted, at, programme_event, received, world  # noqa: F401
from vru_outcomes.adapters.metric_answers import MetricAnswers
from vru_shared.contracts.interventions import ProgrammeUpdated

FY = dict(from_="2024/25", to="2024/25", group_by="programme")
DECISION = "timings.referral_to_decision"


class CountingAnswers(MetricAnswers):
    """The service's answers, counting how often one had to be worked out."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.worked_out = 0

    async def rows(self, session, query, work_out):
        async def counted():
            self.worked_out += 1
            return await work_out()

        return await super().rows(session, query, counted)


@pytest.fixture
def answers(world: World) -> CountingAnswers:
    kept = CountingAnswers()
    world.app.state.metric_answers = kept
    return kept


async def _decided(world: World, programme, referred: date, hours: int) -> None:
    event = received(programme, at(referred))
    await world.publish(event, accepted(event.referral_id, programme, at(referred) + timedelta(hours=hours)))


def _spread(answer: dict) -> tuple:
    total = answer["total"]
    return total["n"], total["median"]


async def test_the_same_query_asked_again_with_nothing_changed_is_not_worked_out_again(world, answers):
    programme = await world.programme()
    for hours in (10, 20, 30):
        await _decided(world, programme, date(2024, 6, 1), hours)
    first = await world.metric(DECISION, **FY)
    again = await world.metric(DECISION, **FY)
    assert answers.worked_out == 1
    assert _spread(first) == _spread(again) == (3, pytest.approx(20))


async def test_a_referral_decided_in_the_range_after_an_answer_is_in_the_next_answer(world, answers):
    programme = await world.programme()
    for hours in (10, 20, 30):
        await _decided(world, programme, date(2024, 6, 1), hours)
    assert _spread(await world.metric(DECISION, **FY)) == (3, pytest.approx(20))
    await _decided(world, programme, date(2024, 9, 1), 50)
    assert _spread(await world.metric(DECISION, **FY)) == (4, pytest.approx(25))
    assert answers.worked_out == 2


async def test_a_decision_on_a_referral_already_counted_is_in_the_next_answer(world, answers):
    programme = await world.programme()
    await _decided(world, programme, date(2024, 6, 1), 10)
    waiting = received(programme, at(date(2024, 6, 2)))
    await world.publish(waiting)
    assert _spread(await world.metric(DECISION, **FY)) == (1, pytest.approx(10))
    # The referral's row and month are unchanged in number: only its hours arrive.
    await world.publish(accepted(waiting.referral_id, programme, at(date(2024, 6, 2)) + timedelta(hours=30)))
    assert _spread(await world.metric(DECISION, **FY)) == (2, pytest.approx(20))


async def test_a_change_outside_the_range_keeps_the_answer(world, answers):
    programme = await world.programme()
    await _decided(world, programme, date(2024, 6, 1), 10)
    before = await world.metric(DECISION, **FY)
    await _decided(world, programme, date(2025, 6, 1), 90)
    after = await world.metric(DECISION, **FY)
    assert answers.worked_out == 1 and _spread(before) == _spread(after) == (1, pytest.approx(10))


async def test_an_answer_kept_for_one_audience_is_protected_afresh_for_another(world, answers):
    programme = await world.programme()
    await world.members(programme, date(2024, 6, 1), 3)
    internal = await world.metric("funnel.enrolled", audience="internal", **FY)
    public = await world.metric("funnel.enrolled", audience="public", **FY)
    assert answers.worked_out == 1
    assert internal["total"]["numerator"] == 3
    # Three referrals are too few to publish: the public figure is suppressed, not copied.
    assert public["total"]["numerator"] is None


async def test_a_programme_moving_to_another_provider_changes_answers_grouped_by_provider(world, answers):
    programme = await world.programme(provider="Youth Trust")
    await world.members(programme, date(2024, 6, 1), 2)
    query = dict(from_="2024/25", to="2024/25", group_by="provider", audience="internal")
    before = await world.metric("funnel.enrolled", **query)
    await world.publish(programme_event(ProgrammeUpdated, programme, "Custody mentoring", "Street Doctors"))
    after = await world.metric("funnel.enrolled", **query)
    assert [c["group"]["provider"] for c in before["cells"]] == ["Youth Trust"]
    assert [c["group"]["provider"] for c in after["cells"]] == ["Street Doctors"]


async def test_each_process_checks_its_kept_answers_against_the_database(world, answers):
    """A change handled by another process reaches this one's answers: nothing is trusted unchecked."""
    programme = await world.programme()
    await _decided(world, programme, date(2024, 6, 1), 10)
    assert _spread(await world.metric(DECISION, **FY)) == (1, pytest.approx(10))
    world.app.state.metric_answers = elsewhere = CountingAnswers()
    await _decided(world, programme, date(2024, 7, 1), 30)
    assert _spread(await world.metric(DECISION, **FY)) == (2, pytest.approx(20))
    world.app.state.metric_answers = answers
    assert _spread(await world.metric(DECISION, **FY)) == (2, pytest.approx(20))
    assert answers.worked_out == 2 and elsewhere.worked_out == 1


async def test_the_least_recently_asked_answer_makes_way_when_full(world):
    kept = CountingAnswers(size=1)
    world.app.state.metric_answers = kept
    programme = await world.programme()
    await _decided(world, programme, date(2024, 6, 1), 10)
    for metric in (DECISION, "funnel.accepted", DECISION):
        await world.metric(metric, **FY)
    assert kept.worked_out == 3 and len(kept) == 1


async def test_an_enrolment_ending_after_an_answer_is_in_the_next_breakdown_of_exits(world, answers):
    programme = await world.programme()
    # Referred in the year before: only the enrolments' own months are in the range asked.
    first, second = [await world.enrol(await world.referral(programme, at(date(2024, 3, 20))), programme,
                                       date(2024, 6, 1)) for _ in range(2)]
    await world.end(first, date(2024, 9, 1), "completed")
    query = dict(from_="2024/25", to="2024/25", group_by="", audience="internal")
    before = await world.metric("funnel.exit_reasons", **query)
    await world.end(second, date(2024, 10, 1), "disengaged")
    after = await world.metric("funnel.exit_reasons", **query)
    assert answers.worked_out == 2
    assert sum(c["numerator"] or 0 for c in after["cells"]) == sum(c["numerator"] or 0 for c in before["cells"]) + 1
