"""The facts the metrics read (each member's latest statuses and first proven reoffence, each
referral's timings) and the summary built from them stay right as events and records arrive in
any order: a metric asked right after a change includes it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from outcomes_harness import OTHER_PROVIDER, World, at, contact, received, world  # noqa: F401
from vru_shared.contracts.interventions import EnrolmentStarted
from vru_shared.contracts.referrals import SubjectErased

FY = dict(from_="2024/25", to="2024/25", audience="internal")


def _figures(answer: dict, dimension: str) -> dict:
    return {c["group"][dimension]: (c["numerator"], c["denominator"]) for c in answer["cells"]}


def _total(answer: dict) -> tuple:
    return answer["total"]["numerator"], answer["total"]["denominator"]


async def test_a_metric_asked_again_right_after_an_outcome_is_recorded_includes_it(world: World):
    programme = await world.programme()
    member = await world.member(programme, date(2024, 6, 3))
    assert _total(await world.metric("ete.in_ete_at_latest", **FY)) == (0, 0)
    await world.ete(member, "neet", date(2024, 6, 3), "baseline")
    assert _total(await world.metric("ete.in_ete_at_latest", **FY)) == (0, 1)
    await world.ete(member, "employment", date(2024, 9, 1))
    assert _total(await world.metric("ete.in_ete_at_latest", **FY)) == (1, 1)
    assert _total(await world.metric("ete.progressed_from_neet", **FY)) == (1, 1)


async def test_a_reoffence_recorded_after_a_first_answer_counts_from_its_proof_onwards(world: World):
    programme = await world.programme()
    member = await world.member(programme, date(2024, 6, 3))
    before = await world.metric("reoffending.proven_binary", **FY, as_of="2025-06-01")
    assert _total(before) == (0, 1)
    await world.reoffence(member, date(2024, 9, 1), date(2024, 12, 1))
    assert _total(await world.metric("reoffending.proven_binary", **FY, as_of="2025-06-01")) == (1, 1)
    # Known only from its proof: asked as of the day before, the member has not reoffended yet.
    assert _total(await world.metric("reoffending.proven_binary", **FY, as_of="2024-11-30")) == (0, 1)


async def test_a_record_waiting_for_its_enrolment_counts_once_the_enrolment_arrives_and_a_refused_one_never(
    world: World,
):
    programme = await world.programme()
    referral = await world.referral(programme, at(date(2024, 6, 2)))
    enrolment = uuid.uuid4()
    waiting = await world.outcome(enrolment, "ete", status="training", observed_on=date(2024, 7, 1), point="exit")
    assert waiting.status_code in (201, 202), waiting.text
    # Another provider's record on the same enrolment: refused once the enrolment shows whose it is.
    other = await world.outcome(enrolment, "accommodation", status="suitable", observed_on=date(2024, 7, 1),
                                point="exit", headers=world.headers("provider", OTHER_PROVIDER))
    assert other.status_code in (201, 202), other.text
    assert _total(await world.metric("ete.in_ete_at_latest", **FY)) == (0, 0)
    await world.publish(EnrolmentStarted(enrolment_id=enrolment, referral_id=referral, programme_id=programme,
                                         subject_pseudonym="b" * 64, start_date=date(2024, 6, 3),
                                         started_at=at(date(2024, 6, 3), 9)))
    assert _total(await world.metric("ete.in_ete_at_latest", **FY)) == (1, 1)
    assert _total(await world.metric("accommodation.suitable_at_latest", **FY)) == (0, 0)
    assert _total(await world.metric("funnel.enrolled", **FY)) == (1, 1)


async def test_an_enrolment_counted_before_its_referral_arrived_moves_to_the_referrals_attributes(world: World):
    programme = await world.programme()
    event = received(programme, at(date(2024, 6, 2)), source="school", sex="female")
    enrolment = await world.enrol(event.referral_id, programme, date(2024, 6, 3))
    await world.ete(enrolment, "education", date(2024, 7, 1))
    early = await world.metric("ete.in_ete_at_latest", **FY, group_by="source")
    assert _figures(early, "source") == {"unknown": (1, 1)}
    await world.publish(event)
    late = await world.metric("ete.in_ete_at_latest", **FY, group_by="source")
    assert _figures(late, "source") == {"school": (1, 1)}
    by_sex = await world.metric("ete.in_ete_at_latest", **FY, group_by="sex,period")
    assert {(c["group"]["sex"], c["group"]["period"]): c["denominator"] for c in by_sex["cells"]} == {
        ("female", "2024/25 Q1"): 1, ("female", "2024/25 Q2"): 0, ("female", "2024/25 Q3"): 0,
        ("female", "2024/25 Q4"): 0}


async def test_an_exit_as_completed_counts_for_its_referral_at_once(world: World):
    programme = await world.programme()
    enrolment = await world.member(programme, date(2024, 6, 3))
    assert _total(await world.metric("funnel.completed", **FY)) == (0, 1)
    await world.end(enrolment, date(2024, 12, 1), "completed")
    assert _total(await world.metric("funnel.completed", **FY)) == (1, 1)


async def test_erasing_a_subject_changes_no_figure(world: World):
    programme = await world.programme()
    referral = await world.referral(programme, at(date(2024, 6, 2)))
    enrolment = await world.enrol(referral, programme, date(2024, 6, 3), subject="c" * 64)
    await world.ete(enrolment, "neet", date(2024, 6, 3), "baseline")
    await world.ete(enrolment, "education", date(2024, 8, 1))
    await world.reoffence(enrolment, date(2024, 9, 1), date(2024, 10, 1))
    metrics = ("ete.in_ete_at_latest", "ete.progressed_from_neet", "reoffending.proven_binary", "funnel.enrolled")
    before = [_total(await world.metric(m, **FY)) for m in metrics]
    await world.publish(SubjectErased(subject_pseudonym="c" * 64, erased_at=datetime.now(UTC), reason="request"))
    assert [_total(await world.metric(m, **FY)) for m in metrics] == before == [(1, 1), (1, 1), (1, 1), (1, 1)]


async def test_timings_follow_the_referral_as_its_decision_and_first_contact_arrive(world: World):
    programme = await world.programme()
    referred = datetime(2024, 6, 2, 10, tzinfo=UTC)
    enrolment = await world.member(programme, date(2024, 6, 3))
    asked = dict(**FY, group_by="")
    assert (await world.metric("timings.referral_to_first_contact", **asked))["total"]["n"] == 0
    await world.publish(contact(enrolment, referred + timedelta(hours=30)))
    first = (await world.metric("timings.referral_to_first_contact", **asked))["total"]
    # world.member refers at noon the day before the start.
    assert (first["n"], first["median"]) == (1, 28.0)
    await world.publish(contact(enrolment, referred + timedelta(hours=10)))
    earlier = (await world.metric("timings.referral_to_first_contact", **asked))["total"]
    assert (earlier["n"], earlier["median"]) == (1, 8.0)
