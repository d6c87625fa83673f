"""ETE and accommodation metrics on a constructed cohort, with the figures worked out by hand.

The cohort (financial year 2024/25 unless said; "in" = education, employment or training):

| member | programme | start      | quarter    | ETE records (observed)                        | latest | NEET at baseline, later record |
|--------|-----------|------------|------------|-----------------------------------------------|--------|--------------------------------|
| A1     | A         | 2024-04-01 | 2024/25 Q1 | baseline neet 04-01, exit education 09-01     | in     | yes, and in at latest          |
| A2     | A         | 2024-05-10 | 2024/25 Q1 | baseline neet 05-10, 3-month follow-up neet   | neet   | yes, still NEET                |
| A5     | A         | 2024-06-01 | 2024/25 Q1 | exit education then exit neet, both 09-01     | neet   | no baseline                    |
| A3     | A         | 2024-07-01 | 2024/25 Q2 | baseline employment                           | in     | not NEET at baseline           |
| A4     | A         | 2024-08-01 | 2024/25 Q2 | none                                          | -      | -                              |
| B1     | B         | 2025-03-31 | 2024/25 Q4 | baseline neet                                 | neet   | no later record                |
| B2     | B         | 2025-04-01 | 2025/26 Q1 | exit training 06-01                           | in     | no baseline                    |

A5's two records share a day: the one recorded last (neet) is the latest.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outcomes_harness import World, world  # noqa: F401


@pytest.fixture
async def cohort(world: World) -> dict:
    a = await world.programme("Custody mentoring", "Youth Trust")
    b = await world.programme("A&E navigators", "Safe Futures")
    m = {}
    m["A1"] = await world.member(a, date(2024, 4, 1), source="custody", sex="male")
    m["A2"] = await world.member(a, date(2024, 5, 10), source="custody", sex="female")
    m["A5"] = await world.member(a, date(2024, 6, 1), source="school", sex="male")
    m["A3"] = await world.member(a, date(2024, 7, 1), source="school", sex="female")
    m["A4"] = await world.member(a, date(2024, 8, 1), source="custody", sex="male")
    m["B1"] = await world.member(b, date(2025, 3, 31), source="emergency_department", sex="male")
    m["B2"] = await world.member(b, date(2025, 4, 1), source="emergency_department", sex="female")
    await world.ete(m["A1"], "neet", date(2024, 4, 1), "baseline")
    await world.ete(m["A1"], "education", date(2024, 9, 1))
    await world.ete(m["A2"], "neet", date(2024, 5, 10), "baseline")
    await world.ete(m["A2"], "neet", date(2024, 8, 10), "follow_up", follow_up_months=3)
    await world.ete(m["A5"], "education", date(2024, 9, 1))
    await world.ete(m["A5"], "neet", date(2024, 9, 1))
    await world.ete(m["A3"], "employment", date(2024, 7, 1), "baseline")
    await world.ete(m["B1"], "neet", date(2025, 3, 31), "baseline")
    await world.ete(m["B2"], "training", date(2025, 6, 1))
    return {"A": str(a), "B": str(b), **m}


def _counts(cells: list[dict], *dimensions: str) -> dict:
    return {
        tuple(c["group"][d] for d in dimensions): (c["numerator"], c["denominator"]) for c in cells
    }


async def test_in_ete_at_latest_per_programme_counts_the_latest_record_of_members_with_one(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal")
    assert answer["group_by"] == ["programme"]
    assert _counts(answer["cells"], "programme") == {(cohort["A"],): (2, 4), (cohort["B"],): (0, 1)}
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (2, 5)
    assert answer["total"]["rate"] == pytest.approx(0.4)
    # Wilson 95% for 2 of 5, by hand: (0.4 + 0.38415 ± 1.95996·sqrt(0.048 + 0.03842)) / 1.76829
    assert answer["total"]["ci95_low"] == pytest.approx(0.1176, abs=1e-4)
    assert answer["total"]["ci95_high"] == pytest.approx(0.7693, abs=1e-4)
    assert answer["labels"]["programme"] == {cohort["A"]: "Custody mentoring", cohort["B"]: "A&E navigators"}
    assert answer["metric"] == "ete.in_ete_at_latest" and answer["version"] == "2"


async def test_in_ete_at_latest_by_quarter_shows_every_quarter_of_the_range_including_empty_ones(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2025/26 Q1", group_by="period",
                                audience="internal")
    assert answer["granularity"] == "quarter"
    assert [c["group"]["period"] for c in answer["cells"]] == [
        "2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4", "2025/26 Q1"]
    assert [(c["numerator"], c["denominator"]) for c in answer["cells"]] == [(1, 3), (1, 1), (0, 0), (0, 1), (1, 1)]
    assert answer["cells"][2]["rate"] is None


async def test_a_start_on_31_march_and_one_on_1_april_fall_in_different_years_quarters_and_months(world, cohort):
    def by_period(answer):
        return {c["group"]["period"]: (c["numerator"], c["denominator"]) for c in answer["cells"]}

    common = dict(from_="2025-03", to="2025-04", group_by="period", audience="internal")
    years = await world.metric("ete.in_ete_at_latest", granularity="financial_year", **common)
    quarters = await world.metric("ete.in_ete_at_latest", granularity="quarter", **common)
    months = await world.metric("ete.in_ete_at_latest", granularity="month", **common)
    assert by_period(years) == {"2024/25": (0, 1), "2025/26": (1, 1)}
    assert by_period(quarters) == {"2024/25 Q4": (0, 1), "2025/26 Q1": (1, 1)}
    assert by_period(months) == {"2025-03": (0, 1), "2025-04": (1, 1)}


async def test_progressed_from_neet_counts_members_neet_at_baseline_with_a_later_record(world, cohort):
    answer = await world.metric("ete.progressed_from_neet", from_="2024/25", to="2024/25", audience="internal")
    # A: A1 (NEET then education) and A2 (NEET then NEET); B1 has no later record; A5 no baseline.
    assert _counts(answer["cells"], "programme") == {(cohort["A"],): (1, 2), (cohort["B"],): (0, 0)}
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (1, 2)


async def test_group_by_programme_and_period_gives_cells_margins_and_total(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25",
                                group_by="programme,period", audience="internal")
    cells = _counts(answer["cells"], "programme", "period")
    a, b = cohort["A"], cohort["B"]
    assert cells == {
        (a, "2024/25 Q1"): (1, 3), (a, "2024/25 Q2"): (1, 1), (a, "2024/25 Q3"): (0, 0), (a, "2024/25 Q4"): (0, 0),
        (b, "2024/25 Q1"): (0, 0), (b, "2024/25 Q2"): (0, 0), (b, "2024/25 Q3"): (0, 0), (b, "2024/25 Q4"): (0, 1),
    }
    margins = _counts(answer["margins"], "programme", "period")
    assert margins[(a, "all")] == (2, 4) and margins[(b, "all")] == (0, 1)
    assert margins[("all", "2024/25 Q1")] == (1, 3) and margins[("all", "2024/25 Q4")] == (0, 1)
    assert answer["total"]["group"] == {"programme": "all", "period": "all"}


async def test_group_by_source_and_sex_gives_only_the_combinations_that_occur(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25",
                                group_by="source,sex", audience="internal")
    assert _counts(answer["cells"], "source", "sex") == {
        ("custody", "female"): (0, 1),          # A2
        ("custody", "male"): (1, 1),            # A1 (A4 has no record)
        ("emergency_department", "male"): (0, 1),  # B1
        ("school", "female"): (1, 1),           # A3
        ("school", "male"): (0, 1),             # A5
    }


async def test_group_by_provider_uses_the_programmes_provider(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25",
                                group_by="provider", audience="internal")
    assert _counts(answer["cells"], "provider") == {("Safe Futures",): (0, 1), ("Youth Trust",): (2, 4)}


async def test_filters_narrow_the_cohort_repeated_or_comma_separated(world, cohort):
    only_a = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal",
                                programme_id=cohort["A"], group_by="")
    assert (only_a["total"]["numerator"], only_a["total"]["denominator"]) == (2, 4)
    assert only_a["filters"] == {"programme": [cohort["A"]]}
    answer = await world.client.get("/v1/metrics/ete.in_ete_at_latest", params=[
        ("from", "2024/25"), ("to", "2024/25"), ("audience", "internal"), ("group_by", ""),
        ("source", "school"), ("source", "emergency_department"), ("sex", "female,male")])
    total = answer.json()["total"]
    # A5 (neet), A3 (in) and B1 (neet)
    assert (total["numerator"], total["denominator"]) == (1, 3)
    female = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal",
                                sex="female", provider="Youth Trust", group_by="")
    assert (female["total"]["numerator"], female["total"]["denominator"]) == (1, 2)  # A2, A3


async def test_an_empty_group_by_gives_one_cell_and_the_total(world, cohort):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal",
                                group_by="")
    assert [(c["group"], c["numerator"], c["denominator"]) for c in answer["cells"]] == [({}, 2, 5)]
    assert answer["margins"] == []


async def test_an_invalid_record_is_not_counted(world, cohort):
    # A4 has no record; one posted for it before its enrolment is known would be checked on arrival.
    # Here it is known, so a record before its start is refused outright and nothing changes.
    refused = await world.outcome(cohort["A4"], "ete", point="exit", observed_on=date(2024, 7, 1), status="education")
    assert refused.status_code == 422
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25", to="2024/25", audience="internal",
                                group_by="")
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (2, 5)


async def test_suitable_accommodation_at_latest_counts_the_latest_accommodation_record(world):
    p = await world.programme()
    first, second, third, none = await world.members(p, date(2024, 10, 1), 4)
    for enrolment, statuses in ((first, ["unsuitable", "suitable"]), (second, ["suitable", "unsuitable"]),
                                (third, ["no_fixed_abode"])):
        for offset, status in enumerate(statuses):
            answer = await world.outcome(enrolment, "accommodation", point="exit", status=status,
                                         observed_on=date(2024, 11, 1) + timedelta(days=offset))
            assert answer.status_code == 201, answer.text
    # An ETE record does not make a member count for accommodation.
    await world.ete(none, "education", date(2024, 11, 1))
    answer = await world.metric("accommodation.suitable_at_latest", from_="2024/25 Q3", to="2024/25 Q3",
                                audience="internal", group_by="")
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (1, 3)
