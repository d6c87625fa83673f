"""Funnel, drop-out reasons, reachable-moment timings and ethnicity completeness, worked out by hand.

Referrals (times UTC; index = hours from the index event to the referral):

| ref | prog | source | referred         | index | what happened                                                   |
|-----|------|--------|------------------|-------|-----------------------------------------------------------------|
| R1  | A    | cust.  | 2024-04-02 10:00 | 6     | accepted +24h, enrolled (start 04-05), contacts +96h and later, completed 07-01 |
| R2  | A    | cust.  | 2024-05-01 12:00 | 2     | declined +12h outside_area; ethnicity not stated                |
| R3  | A    | cust.  | 2024-06-01 12:00 | 30    | accepted +6h, withdrawn                                         |
| R4  | A    | cust.  | 2024-07-01 12:00 | 10    | nothing yet                                                     |
| R5  | A    | ED     | 2024-08-01 12:00 | 4     | enrolled without an acceptance (+45h), contact +48h, disengaged 10-01 |
| R6  | A    | ED     | 2024-09-01 12:00 | 8     | declined +72h outside_area; ethnicity not stated                |
| R8  | B    | school | 2025-03-31 22:30 | 1     | declined +12h no_capacity (23:30 on 31 March in England: 2024/25) |
| R7  | B    | school | 2025-03-31 23:30 | 1     | 00:30 on 1 April in England (BST): financial year 2025/26       |
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from outcomes_harness import (  # noqa: F401
    World,
    accepted,
    at,
    contact,
    declined,
    enrolled,
    received,
    withdrawn,
    world,
)

FY = dict(from_="2024/25", to="2024/25", audience="internal")


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
async def referrals(world: World) -> dict:
    a = await world.programme("Custody mentoring", "Youth Trust")
    b = await world.programme("School outreach", "Safe Futures")
    r = {}

    async def refer(name, programme, referred_at, index_hours, source, **attributes):
        event = received(programme, referred_at, source=source,
                         index_event_at=referred_at - timedelta(hours=index_hours), **attributes)
        await world.publish(event)
        r[name] = event.referral_id

    await refer("R1", a, _utc(2024, 4, 2, 10), 6, "custody")
    await refer("R2", a, _utc(2024, 5, 1, 12), 2, "custody", ethnicity=None, ethnicity_group="not_stated")
    await refer("R3", a, _utc(2024, 6, 1, 12), 30, "custody")
    await refer("R4", a, _utc(2024, 7, 1, 12), 10, "custody")
    await refer("R5", a, _utc(2024, 8, 1, 12), 4, "emergency_department")
    await refer("R6", a, _utc(2024, 9, 1, 12), 8, "emergency_department", ethnicity=None,
                ethnicity_group="not_stated")
    await refer("R8", b, _utc(2025, 3, 31, 22, 30), 1, "school")
    await refer("R7", b, _utc(2025, 3, 31, 23, 30), 1, "school")

    await world.publish(accepted(r["R1"], a, _utc(2024, 4, 3, 10)))
    e1 = await world.enrol(r["R1"], a, date(2024, 4, 5))
    await world.publish(enrolled(r["R1"], a, e1, _utc(2024, 4, 5, 9)), contact(e1, _utc(2024, 4, 10, 10)),
                        contact(e1, _utc(2024, 4, 6, 10)))
    await world.end(e1, date(2024, 7, 1), "completed")
    await world.publish(declined(r["R2"], a, _utc(2024, 5, 2, 0), "outside_area"))
    await world.publish(accepted(r["R3"], a, _utc(2024, 6, 1, 18)),
                        withdrawn(r["R3"], a, _utc(2024, 6, 10, 12), "moved_away"))
    e5 = await world.enrol(r["R5"], a, date(2024, 8, 3))
    await world.publish(enrolled(r["R5"], a, e5, _utc(2024, 8, 3, 9)), contact(e5, _utc(2024, 8, 3, 12)))
    await world.end(e5, date(2024, 10, 1), "disengaged")
    await world.publish(declined(r["R6"], a, _utc(2024, 9, 4, 12), "outside_area"))
    await world.publish(declined(r["R8"], b, _utc(2025, 4, 1, 10, 30), "no_capacity"))
    return {"A": str(a), "B": str(b), **r}


def _total(answer: dict) -> tuple:
    return answer["total"]["numerator"], answer["total"]["denominator"]


def _cells(answer: dict, *dimensions: str) -> dict:
    return {tuple(c["group"][d] for d in dimensions): (c["numerator"], c["denominator"]) for c in answer["cells"]}


async def test_the_funnel_counts_each_stage_over_the_referrals_of_the_period(world, referrals):
    a, b = referrals["A"], referrals["B"]
    accepted_ = await world.metric("funnel.accepted", **FY)
    enrolled_ = await world.metric("funnel.enrolled", **FY)
    completed = await world.metric("funnel.completed", **FY)
    # Accepted: R1, R3 and R5 (an enrolment implies acceptance); enrolled: R1, R5; completed: R1.
    assert _cells(accepted_, "programme") == {(a,): (3, 6), (b,): (0, 1)}
    assert _cells(enrolled_, "programme") == {(a,): (2, 6), (b,): (0, 1)}
    assert _cells(completed, "programme") == {(a,): (1, 6), (b,): (0, 1)}
    assert (_total(accepted_), _total(enrolled_), _total(completed)) == ((3, 7), (2, 7), (1, 7))


async def test_a_referral_at_half_past_midnight_on_1_april_in_england_counts_in_the_new_year(world, referrals):
    answer = await world.metric("funnel.accepted", from_="2024/25", to="2025/26", group_by="period",
                                granularity="financial_year", audience="internal")
    assert _cells(answer, "period") == {("2024/25",): (3, 7), ("2025/26",): (0, 1)}


async def test_decline_reasons_give_each_reasons_share_of_the_declined(world, referrals):
    answer = await world.metric("funnel.decline_reasons", **FY)
    assert answer["group_by"] == ["reason"]
    assert _cells(answer, "reason") == {("no_capacity",): (1, 3), ("outside_area",): (2, 3)}
    assert answer["total"]["numerator"] == 3
    shares = {c["group"]["reason"]: c["rate"] for c in answer["cells"]}
    assert shares == {"no_capacity": pytest.approx(1 / 3), "outside_area": pytest.approx(2 / 3)}


async def test_decline_reasons_by_programme_keep_the_reason_last_and_the_group_total_as_denominator(
        world, referrals):
    a, b = referrals["A"], referrals["B"]
    answer = await world.metric("funnel.decline_reasons", group_by="reason,programme", **FY)
    assert answer["group_by"] == ["programme", "reason"]
    assert _cells(answer, "programme", "reason") == {(a, "outside_area"): (2, 2), (b, "no_capacity"): (1, 1)}
    margins = _cells({"cells": answer["margins"]}, "programme", "reason")
    assert margins == {(a, "all"): (2, 2), (b, "all"): (1, 1), ("all", "outside_area"): (2, 3),
                       ("all", "no_capacity"): (1, 3)}


async def test_exit_reasons_count_the_enrolments_that_ended_in_the_period(world, referrals):
    answer = await world.metric("funnel.exit_reasons", **FY)
    assert _cells(answer, "reason") == {("completed",): (1, 2), ("disengaged",): (1, 2)}
    only_q2 = await world.metric("funnel.exit_reasons", from_="2024/25 Q2", to="2024/25 Q2", audience="internal")
    assert _cells(only_q2, "reason") == {("completed",): (1, 1)}


async def test_index_to_referral_gives_n_median_and_90th_percentile_by_source(world, referrals):
    answer = await world.metric("timings.index_to_referral", **FY)
    assert answer["group_by"] == ["source"] and answer["unit"] == "hours"
    cells = {c["group"]["source"]: (c["n"], c["median"], c["p90"]) for c in answer["cells"]}
    # custody [2, 6, 10, 30]: median 8; p90 at rank 2.7 = 10 + 0.7 * 20 = 24
    # emergency department [4, 8]: median 6; p90 at rank 0.9 = 4 + 0.9 * 4 = 7.6
    assert cells["custody"] == (4, pytest.approx(8), pytest.approx(24))
    assert cells["emergency_department"] == (2, pytest.approx(6), pytest.approx(7.6))
    assert cells["school"] == (1, pytest.approx(1), pytest.approx(1))
    # all [1, 2, 4, 6, 8, 10, 30]: median 6; p90 at rank 5.4 = 10 + 0.4 * 20 = 18
    total = answer["total"]
    assert (total["n"], total["median"], total["p90"]) == (7, pytest.approx(6), pytest.approx(18))
    assert total["numerator"] is None and total["rate"] is None


async def test_referral_to_decision_takes_the_first_decision_and_leaves_out_the_undecided(world, referrals):
    answer = await world.metric("timings.referral_to_decision", **FY)
    cells = {c["group"]["source"]: (c["n"], c["median"], c["p90"]) for c in answer["cells"]}
    # custody: R1 24 (accepted), R2 12 (declined), R3 6 (accepted, later withdrawn); R4 undecided
    assert cells["custody"] == (3, pytest.approx(12), pytest.approx(21.6))
    # emergency department: R5 45 (enrolled without an acceptance), R6 72 (declined)
    assert cells["emergency_department"] == (2, pytest.approx(58.5), pytest.approx(69.3))
    assert cells["school"] == (1, pytest.approx(12), pytest.approx(12))


async def test_referral_to_first_contact_uses_the_earliest_contact(world, referrals):
    answer = await world.metric("timings.referral_to_first_contact", group_by="programme", **FY)
    cells = {c["group"]["programme"]: (c["n"], c["median"]) for c in answer["cells"]}
    # R1: 2 April 10:00 to 6 April 10:00 (the later contact of 10 April arrived first) = 96; R5: 48
    assert cells == {referrals["A"]: (2, pytest.approx(72))}
    assert answer["total"]["p90"] == pytest.approx(48 + 0.9 * 48)


async def test_ethnicity_completeness_counts_referrals_with_an_ethnicity_stated(world, referrals):
    answer = await world.metric("ethnicity.recording_completeness", **FY)
    assert _cells(answer, "source") == {("custody",): (3, 4), ("emergency_department",): (1, 2), ("school",): (1, 1)}
    assert _total(answer) == (5, 7)


async def test_a_withdrawn_referral_still_counts_as_accepted_but_not_enrolled(world, referrals):
    answer = await world.metric("funnel.enrolled", group_by="", source="custody", **FY)
    assert _total(answer) == (1, 4)  # R1 only, of R1-R4
    accepted_ = await world.metric("funnel.accepted", group_by="", source="custody", **FY)
    assert _total(accepted_) == (2, 4)  # R1 and R3
