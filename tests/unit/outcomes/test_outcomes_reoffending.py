"""Proven reoffending (MoJ) through the API: the waiting period, as_of, the provisional flag, frequency.

Cohort: enrolments started in 2023/24 Q4 (January to March 2024); index date = start.

| member | start      | reoffences (offence -> proven)                          | counted                        |
|--------|------------|---------------------------------------------------------|--------------------------------|
| M1     | 2024-01-15 | 2024-12-10 (month 11) -> 2025-06-10 (month 17)          | 1 (proven in the waiting time) |
| M2     | 2024-01-15 | 2024-12-10 (month 11) -> 2025-08-20 (month 19)          | 0 (proven too late)            |
| M3     | 2024-01-15 | 2025-02-01 (month 13) -> 2025-03-01                     | 0 (committed after 12 months)  |
| M4     | 2024-02-10 | 2024-03-01 -> 2024-04-01, 2024-05-01 -> 2024-09-01      | 2                              |
| M5     | 2024-02-20 | none                                                    | 0                              |

The last member's 18 months end on 2025-08-20: figures as of an earlier day are provisional.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from outcomes_harness import World, pointers, world  # noqa: F401

COHORT = dict(from_="2023/24 Q4", to="2023/24 Q4", audience="internal", group_by="")


@pytest.fixture
async def cohort(world: World) -> dict:
    p = await world.programme()
    m = {name: await world.member(p, start) for name, start in (
        ("M1", date(2024, 1, 15)), ("M2", date(2024, 1, 15)), ("M3", date(2024, 1, 15)),
        ("M4", date(2024, 2, 10)), ("M5", date(2024, 2, 20)))}
    await world.reoffence(m["M1"], date(2024, 12, 10), date(2025, 6, 10))
    await world.reoffence(m["M2"], date(2024, 12, 10), date(2025, 8, 20))
    await world.reoffence(m["M3"], date(2025, 2, 1), date(2025, 3, 1), disposal="caution")
    await world.reoffence(m["M4"], date(2024, 3, 1), date(2024, 4, 1))
    await world.reoffence(m["M4"], date(2024, 5, 1), date(2024, 9, 1), offence_category="possession_of_weapons")
    return {"programme": str(p), **m}


def _figures(answer: dict) -> tuple:
    t = answer["total"]
    return t["numerator"], t["denominator"], t["provisional"], answer["provisional"]


async def test_an_offence_in_month_11_proven_in_month_17_counts_and_one_proven_in_month_19_does_not(world, cohort):
    answer = await world.metric("reoffending.proven_binary", as_of="2025-09-01", **COHORT)
    # Reoffenders M1 and M4, of five.
    assert _figures(answer) == (2, 5, False, False)
    assert answer["total"]["rate"] == pytest.approx(0.4)
    assert answer["as_of"] == "2025-09-01"
    assert answer["standard"].startswith("moj-proven-reoffending")


async def test_a_proof_after_as_of_is_not_yet_known_and_the_figure_is_provisional(world, cohort):
    before_m1_proven = await world.metric("reoffending.proven_binary", as_of="2025-06-01", **COHORT)
    assert _figures(before_m1_proven) == (1, 5, True, True)
    after_m1_proven = await world.metric("reoffending.proven_binary", as_of="2025-06-10", **COHORT)
    assert _figures(after_m1_proven) == (2, 5, True, True)


async def test_the_figure_is_final_once_the_last_members_18_months_are_over(world, cohort):
    assert _figures(await world.metric("reoffending.proven_binary", as_of="2025-08-19", **COHORT))[2] is True
    assert _figures(await world.metric("reoffending.proven_binary", as_of="2025-08-20", **COHORT))[2] is False


async def test_without_as_of_the_figure_is_as_known_today(world, cohort):
    answer = await world.metric("reoffending.proven_binary", **COHORT)
    assert _figures(answer) == (2, 5, False, False)
    assert answer["as_of"] == datetime.now(ZoneInfo("Europe/London")).date().isoformat()


async def test_frequency_gives_reoffences_per_member_and_per_reoffender(world, cohort):
    answer = await world.metric("reoffending.proven_frequency", as_of="2025-09-01", **COHORT)
    total = answer["total"]
    # Three reoffences (M1 one, M4 two) over five members, by two reoffenders.
    assert (total["numerator"], total["denominator"]) == (3, 5)
    assert total["rate"] == pytest.approx(0.6)
    assert total["per_reoffender"] == pytest.approx(1.5)
    assert total["ci95_low"] is None and total["ci95_high"] is None
    assert answer["unit"] == "reoffences per cohort member"


async def test_reoffending_is_grouped_by_the_quarter_of_the_index_date(world, cohort):
    late = await world.member(await world.programme("Late programme"), date(2024, 4, 1))
    await world.reoffence(late, date(2024, 6, 1), date(2024, 7, 1))
    answer = await world.metric("reoffending.proven_binary", from_="2023/24 Q4", to="2024/25 Q1",
                                group_by="period", as_of="2025-09-01", audience="internal")
    cells = {c["group"]["period"]: (c["numerator"], c["denominator"], c["provisional"]) for c in answer["cells"]}
    # The April 2024 start's 18 months end on 1 October 2025: provisional as of 1 September.
    assert cells == {"2023/24 Q4": (2, 5, False), "2024/25 Q1": (1, 1, True)}
    assert answer["provisional"] is True


async def test_an_offence_before_the_enrolment_start_is_refused_as_no_reoffence(world, cohort):
    answer = await world.outcome(cohort["M5"], "reoffending", offence_date="2024-02-19", proven_date="2024-03-01",
                                 disposal="conviction", offence_category="robbery")
    assert answer.status_code == 422
    assert pointers(answer) == ["/body/offence_date"]
    assert "not a reoffence" in answer.json()["detail"]


async def test_as_of_in_the_future_is_refused(world, cohort):
    answer = await world.metric_answer("reoffending.proven_binary", as_of="2999-01-01")
    assert answer.status_code == 422
    assert pointers(answer) == ["/query/as_of"]
