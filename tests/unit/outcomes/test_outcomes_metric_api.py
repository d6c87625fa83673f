"""The metrics API: the catalogue, query parameters and their problems, audiences, and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from outcomes_harness import PROBLEM, World, pointers, world  # noqa: F401

METRICS = {
    "ete.in_ete_at_latest", "ete.progressed_from_neet", "accommodation.suitable_at_latest",
    "reoffending.proven_binary", "reoffending.proven_frequency", "funnel.accepted", "funnel.enrolled",
    "funnel.completed", "funnel.decline_reasons", "funnel.exit_reasons", "timings.index_to_referral",
    "timings.referral_to_decision", "timings.referral_to_first_contact", "ethnicity.recording_completeness",
}


async def test_the_catalogue_lists_every_metric_with_its_definition_and_version(world):
    answer = await world.client.get("/v1/metrics")
    assert answer.status_code == 200
    metrics = {m["id"]: m for m in answer.json()["metrics"]}
    assert set(metrics) == METRICS
    for m in metrics.values():
        for field in ("title", "definition", "numerator", "denominator", "cohort_rule", "unit", "version"):
            assert m[field], (m["id"], field)
    assert metrics["reoffending.proven_binary"]["standard"].startswith("moj-proven-reoffending")
    assert "start date" in metrics["ete.in_ete_at_latest"]["cohort_rule"]
    assert "referral date" in metrics["funnel.accepted"]["cohort_rule"]
    assert metrics["timings.referral_to_decision"]["unit"] == "hours"
    assert metrics["timings.referral_to_decision"]["default_group_by"] == ["source"]
    assert "reason" in metrics["funnel.exit_reasons"]["dimensions"]
    assert "reason" not in metrics["funnel.accepted"]["dimensions"]


async def test_the_old_ete_by_programme_route_is_gone(world):
    answer = await world.client.get("/v1/metrics/ete-by-programme")
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(("params", "pointer"), [
    ({"from": "2024-13"}, "/query/from"),
    ({"from": "2024/26"}, "/query/from"),
    ({"to": "Q1 2024"}, "/query/to"),
    ({"from": "2025/26", "to": "2024/25"}, "/query/from"),
    ({"from": "2024-05", "to": "2024-04"}, "/query/from"),
    ({"group_by": "programme,colour"}, "/query/group_by"),
    ({"group_by": "reason"}, "/query/group_by"),
    ({"granularity": "week", "group_by": "period"}, "/query/granularity"),
    ({"audience": "press"}, "/query/audience"),
    ({"programme_id": "not-a-uuid"}, "/query/programme_id"),
    ({"source": "police"}, "/query/source"),
    ({"sex": "x"}, "/query/sex"),
    ({"ethnicity_group": "european"}, "/query/ethnicity_group"),
    ({"format": "xml"}, "/query/format"),
    ({"as_of": "yesterday"}, "/query/as_of"),
])
async def test_a_bad_parameter_is_a_problem_naming_it(world, params, pointer):
    answer = await world.client.get("/v1/metrics/ete.in_ete_at_latest", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert pointers(answer) == [pointer]


async def test_a_bad_period_label_says_how_periods_are_written(world):
    answer = await world.client.get("/v1/metrics/funnel.accepted", params={"from": "2024 Q1"})
    assert "2024/25 Q1" in answer.json()["detail"]


async def test_an_unknown_metric_is_404(world):
    answer = await world.client.get("/v1/metrics/ete.happiness")
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM


async def test_without_from_and_to_the_range_is_the_last_12_months_this_one_included(world):
    answer = await world.metric("funnel.accepted", headers=world.headers("vru"))
    today = datetime.now(ZoneInfo("Europe/London")).date()
    this_month = f"{today.year:04d}-{today.month:02d}"
    first = date(today.year - 1, today.month, 1) if today.month == 12 else date(today.year - 1, today.month + 1, 1)
    assert (answer["from"], answer["to"]) == (f"{first.year:04d}-{first.month:02d}", this_month)
    assert answer["audience"] == "vru"
    assert answer["policy"] == {"name": "vru", "suppress_from": 1, "suppress_to": 4, "round_to": None,
                                "secondary": True}


@pytest.fixture
async def three_programmes(world: World) -> dict:
    """In 2024/25 Q3: A 13 of 23 in ETE at the latest record, B 1 of 3, C 6 of 10."""
    ids = {}
    for name, members, in_ete in (("A", 23, 13), ("B", 3, 1), ("C", 10, 6)):
        programme = await world.programme(f"Programme {name}", f"Provider {name}")
        ids[name] = str(programme)
        for number, enrolment in enumerate(await world.members(programme, date(2024, 10, 1), members)):
            await world.ete(enrolment, "education" if number < in_ete else "neet", date(2024, 11, 1))
    return ids


def _by_programme(answer: dict, ids: dict) -> dict:
    names = {v: k for k, v in ids.items()}
    return {names[c["group"]["programme"]]: (c["numerator"], c["denominator"], c["suppressed"], c["reason"])
            for c in answer["cells"]}


async def test_the_internal_audience_sees_exact_counts(world, three_programmes):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q3", to="2024/25 Q3", audience="internal")
    assert _by_programme(answer, three_programmes) == {
        "A": (13, 23, False, None), "B": (1, 3, False, None), "C": (6, 10, False, None)}


async def test_the_vru_audience_sees_small_counts_suppressed_and_exact_counts_otherwise(world, three_programmes):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q3", to="2024/25 Q3", audience="vru")
    # B has 1 in ETE; C has 4 NEET (10 - 6): both small. Two hidden cells protect each other.
    assert _by_programme(answer, three_programmes) == {
        "A": (13, 23, False, None), "B": (None, None, True, "primary"), "C": (None, None, True, "primary")}
    suppressed = [c for c in answer["cells"] if c["suppressed"]]
    assert all(c["rate"] is None and c["ci95_low"] is None for c in suppressed)
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (20, 36)


async def test_the_public_audience_sees_counts_up_to_7_suppressed_and_the_rest_rounded_to_5(world, three_programmes):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q3", to="2024/25 Q3", audience="public")
    cells = _by_programme(answer, three_programmes)
    assert cells["A"] == (15, 25, False, None)  # 13 and 23, rounded
    assert cells["B"][2:] == (True, "primary") and cells["C"][2:] == (True, "primary")
    a = next(c for c in answer["cells"] if c["group"]["programme"] == three_programmes["A"])
    # Beside rounded counts, a rate from the true ones would give them away: it uses what is published.
    assert a["rate"] == pytest.approx(15 / 25)
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (20, 35)  # 20 and 36, rounded
    assert answer["total"]["rate"] == pytest.approx(20 / 35)
    assert answer["policy"]["round_to"] == 5


async def test_one_small_cell_alone_is_protected_by_a_secondary_suppression(world, three_programmes):
    answer = await world.metric("ete.in_ete_at_latest", from_="2024/25 Q3", to="2024/25 Q3", audience="vru",
                                programme_id=f"{three_programmes['A']},{three_programmes['B']}")
    # B alone is small; A would give it away with the total, so A is hidden too.
    assert _by_programme(answer, three_programmes) == {
        "A": (None, None, True, "secondary"), "B": (None, None, True, "primary")}
    assert (answer["total"]["numerator"], answer["total"]["denominator"]) == (14, 26)


async def test_timings_hide_the_median_and_percentile_of_a_cell_with_few_referrals(world, three_programmes):
    # The members were referred the day before their start, on 30 September: in 2024/25 Q2.
    answer = await world.metric("timings.index_to_referral", from_="2024/25 Q2", to="2024/25 Q2",
                                group_by="programme", audience="vru")
    cells = _by_programme({"cells": [{**c, "numerator": c["n"], "denominator": c["median"]}
                                     for c in answer["cells"]]}, three_programmes)
    # Every referral was made 6 hours after its index event; B's 3 referrals are too few to show.
    assert cells["A"] == (23, pytest.approx(6), False, None)
    assert cells["B"] == (None, None, True, "primary")
    assert answer["total"]["n"] == 36 and answer["total"]["median"] == pytest.approx(6)


async def test_csv_gives_one_row_per_cell_then_margins_and_total(world, three_programmes):
    answer = await world.client.get("/v1/metrics/ete.in_ete_at_latest", params={
        "from": "2024/25 Q3", "to": "2024/25 Q3", "group_by": "programme,period", "format": "csv",
        "audience": "public"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "ete.in_ete_at_latest_2024-25-Q3_2024-25-Q3_public.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == ["row", "programme", "period", "programme_name", "numerator", "denominator", "rate",
                             "ci95_low", "ci95_high", "suppressed", "suppression_reason"]
    cells = sorted((r for r in rows if r["row"] == "cell"), key=lambda r: r["programme_name"])
    assert [(r["programme_name"], r["period"], r["numerator"], r["denominator"], r["suppressed"]) for r in cells] == [
        ("Programme A", "2024/25 Q3", "15", "25", "false"),
        ("Programme B", "2024/25 Q3", "", "", "true"),
        ("Programme C", "2024/25 Q3", "", "", "true"),
    ]
    assert float(cells[0]["rate"]) == pytest.approx(15 / 25)
    assert 0 < float(cells[0]["ci95_low"]) < 15 / 25 < float(cells[0]["ci95_high"]) < 1
    margins = [r for r in rows if r["row"] == "margin"]
    assert {(r["programme"] == "all", r["period"]) for r in margins} >= {(True, "2024/25 Q3")}
    total = rows[-1]
    assert (total["row"], total["programme"], total["period"], total["numerator"], total["denominator"]) == (
        "total", "all", "all", "20", "35")


async def test_an_accept_header_of_text_csv_asks_for_csv(world, three_programmes):
    answer = await world.client.get("/v1/metrics/timings.index_to_referral", headers={"Accept": "text/csv"},
                                    params={"from": "2024/25 Q2", "to": "2024/25 Q2", "audience": "internal"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0])[-3:] == ["n", "median_hours", "p90_hours"]
    assert (rows[-1]["row"], rows[-1]["n"], float(rows[-1]["median_hours"])) == ("total", "36", 6.0)


async def test_reoffending_csv_marks_provisional_figures(world):
    programme = await world.programme()
    await world.members(programme, date(2025, 1, 10), 2)
    answer = await world.client.get("/v1/metrics/reoffending.proven_frequency", params={
        "from": "2024/25 Q4", "to": "2024/25 Q4", "format": "csv", "audience": "internal", "as_of": "2025-12-01"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["row"], r["numerator"], r["denominator"], r["provisional"]) for r in rows] == [
        ("cell", "0", "2", "true"), ("total", "0", "2", "true")]
