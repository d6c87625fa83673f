"""The summary of the proportion metrics answers exactly as the facts do: on random synthetic
cohorts, every query the summary takes is asked twice, through it and straight from the facts."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from outcomes_harness import World, accepted, at, declined, received, world  # noqa: F401
from vru_outcomes.adapters import metric_summary, metric_summary_upkeep

SOURCES = ("custody", "emergency_department", "school")
SEXES = ("male", "female")
AGE_BANDS = ("10-14", "15-17", "18-20")
GROUPS = ("white", "black", "asian", "not_stated")
ETE = ("education", "employment", "training", "neet", "neet")
ACCOMMODATION = ("suitable", "unsuitable", "no_fixed_abode")

QUERIES = [
    dict(group_by="programme,period"),
    dict(group_by="period", granularity="month"),
    dict(group_by="provider,source"),
    dict(group_by="sex,period"),
    dict(group_by="programme", age_band="15-17"),
    dict(group_by="ethnicity_group", ethnicity_group="black,not_stated"),
    dict(group_by=""),
]


async def _random_world(world: World, seed: int) -> None:
    rng = random.Random(seed)
    programmes = [await world.programme(f"Programme {n}", f"Provider {n % 2}") for n in range(3)]
    first = date(2024, 4, 1)
    for _ in range(40):
        programme = rng.choice(programmes)
        start = first + timedelta(days=rng.randrange(360))
        attributes = dict(source=rng.choice(SOURCES), sex=rng.choice(SEXES), age_band=rng.choice(AGE_BANDS),
                          ethnicity_group=rng.choice(GROUPS))
        event = received(programme, at(start - timedelta(days=1)), **attributes)
        draw = rng.random()
        if draw < 0.2:
            await world.publish(event, declined(event.referral_id, programme, at(start), "other"))
            continue
        if draw < 0.3:
            await world.publish(event, accepted(event.referral_id, programme, at(start)))
            continue
        if rng.random() < 0.8:
            await world.publish(event)
        enrolment = await world.enrol(event.referral_id, programme, start)
        for number, day in enumerate(sorted(rng.sample(range(1, 200), rng.randrange(0, 4)))):
            # The first is a baseline taken at the start, as most are.
            observed, point = (start, "baseline") if number == 0 else (start + timedelta(days=day), "exit")
            await world.ete(enrolment, rng.choice(ETE), observed, point)
        if rng.random() < 0.6:
            answer = await world.outcome(enrolment, "accommodation", status=rng.choice(ACCOMMODATION),
                                         observed_on=start + timedelta(days=rng.randrange(100)), point="exit")
            assert answer.status_code == 201, answer.text
        for _ in range(rng.choice((0, 0, 1, 2))):
            offence = start + timedelta(days=rng.randrange(400))
            proven = min(offence + timedelta(days=rng.randrange(10, 250)), date(2026, 6, 30))
            await world.reoffence(enrolment, offence, proven)
        if rng.random() < 0.5:
            await world.end(enrolment, start + timedelta(days=200), rng.choice(("completed", "disengaged")))


def _without_time(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "generated_at"}


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_summary_answers_every_query_it_takes_exactly_as_the_facts_do(world: World, monkeypatch, seed):
    await _random_world(world, seed)
    compared = 0
    counted = set()
    # The reoffending rate as known on days inside the range, in its last month and after it.
    asked_of = [(metric, None) for metric in metric_summary.MEASURES] + [
        (metric_summary.BINARY, as_of) for as_of in ("2024-11-15", "2025-06-30", "2025-12-31", None)]
    for metric, as_of in asked_of:
        for audience in ("internal", "vru"):
            for params in QUERIES:
                asked = dict(from_="2024/25", to="2025/26 Q1", audience=audience, as_of=as_of, **params)
                with monkeypatch.context() as facts_only:
                    facts_only.setattr(metric_summary, "answers", lambda query: False)
                    from_facts = await world.metric(metric, **asked)
                from_summary = await world.metric(metric, **asked)
                assert _without_time(from_summary) == _without_time(from_facts), (metric, asked)
                compared += 1
                if from_facts["total"]["numerator"]:
                    counted.add(metric)
    assert compared == len(asked_of) * 2 * len(QUERIES)
    # Not a comparison of empty tables: every metric counted someone.
    assert counted == {metric for metric, _ in asked_of}


async def test_queries_the_summary_cannot_answer_go_to_the_facts(world: World, monkeypatch):
    programme = await world.programme()
    enrolment = await world.member(programme, date(2024, 6, 3), postcode_district="SW1A")
    await world.ete(enrolment, "education", date(2024, 7, 1))

    def refuse(*args, **kwargs):
        raise AssertionError("the summary was asked a query it cannot answer")

    monkeypatch.setattr(metric_summary, "rows", refuse)
    unfit = (dict(group_by="postcode_district"), dict(group_by="source,sex"), dict(sex="male", group_by="source"))
    for params in unfit:
        answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal",
                                    **params)
        assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (1, 1)


async def test_the_background_recount_leaves_no_stale_key_and_the_same_answers(world: World):
    from sqlalchemy import func, select

    from vru_outcomes.adapters.orm import metric_summary_dirty

    await _random_world(world, 3)
    asked = dict(from_="2024/25", to="2025/26 Q1", audience="internal", group_by="programme,period")
    runtime = world.app.state.runtime

    async def stale() -> int:
        async with runtime.uow() as uow:
            return (await uow.session.execute(select(func.count()).select_from(metric_summary_dirty))).scalar()

    # One mark per key, however many changes it had.
    async with runtime.uow() as uow:
        keys = (await uow.session.execute(select(metric_summary_dirty.c.population, metric_summary_dirty.c.programme_id,
                                                 metric_summary_dirty.c.month))).all()
    assert keys and len(keys) == len(set(keys))
    uow = runtime.uow()
    async with uow:
        await metric_summary_upkeep.recount_all(uow.session)
        await uow.commit()
    assert await stale() == 0
    with pytest.MonkeyPatch.context() as facts_only:
        facts_only.setattr(metric_summary, "answers", lambda query: False)
        expected = await world.metric("ete.in_ete_at_latest", **asked)
    assert _without_time(await world.metric("ete.in_ete_at_latest", **asked)) == _without_time(expected)
