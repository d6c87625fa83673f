"""The benchmark harness (bench/): it runs at a small scale and writes a well-formed result.

Nothing here asserts a timing: figures depend on the machine; these tests check the harness."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bench import report
from bench.national_data import NationalData, Span
from bench.stats import latency_summary, percentile

REPOSITORY = Path(__file__).resolve().parents[2]
ITEMS = ("gateway_hop", "ingestion", "pipeline", "national_metrics")
COMPONENTS = {"gateway", "referrals", "interventions", "outcomes", "identity", "outcomes_national"}


def test_percentiles_are_nearest_rank():
    values = [0.010, 0.020, 0.030, 0.040, 0.050, 0.060, 0.070, 0.080, 0.090, 0.100]
    assert percentile(values, 50) == 0.050
    assert percentile(values, 95) == 0.100
    assert percentile(values, 10) == 0.010
    assert percentile([], 99) is None
    summary = latency_summary(values)
    assert (summary["count"], summary["p50_ms"], summary["p90_ms"], summary["max_ms"]) == (10, 50.0, 90.0, 100.0)


def test_the_national_data_set_has_ten_outcome_records_per_referral_all_on_known_enrolments():
    data = NationalData(referrals=300, programmes=4, today=date(2026, 11, 26), seed=7)
    rows = list(data.referrals_and_cohort())
    referrals = [row for table, row in rows if table == "referrals"]
    cohort = [row for table, row in rows if table == "cohort"]
    outcomes = list(data.outcome_records())
    assert len(referrals) == 300
    assert len(outcomes) == 3000
    enrolments = {row[0] for row in cohort}
    assert {row[1] for row in outcomes} == enrolments
    # Every enrolment is of a referral in the set, and that referral says it was enrolled.
    enrolled = {row[0]: row for row in referrals if row[2] == "enrolled"}
    assert {row[1] for row in cohort} == set(enrolled)
    # Three whole financial years, April 2023 to March 2026, before 26 November 2026.
    assert {row[10] for row in referrals} <= {d for d in _days(date(2023, 4, 1), date(2026, 3, 31))}


def _days(first: date, last: date) -> set[date]:
    return {date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)}


def test_financial_years_before_today_are_labelled_as_the_metric_api_writes_them():
    assert Span.financial_years(date(2026, 11, 26)).labels() == ("2023/24", "2025/26")
    assert Span.financial_years(date(2026, 2, 1)).labels() == ("2022/23", "2024/25")


def test_a_goal_is_met_or_not_and_a_ceiling_has_no_goal():
    found = report.lines({"ingestion": {"rate_per_s": 999.0, "p99_ms": 150.0, "ratio_to_raw_fastapi": 0.4,
                                        "ratio_to_raw_postgres": 0.2}})
    meets = {line.measurement: line.meets for line in found}
    assert meets["2 ingestion: referrals per second"] is False
    assert meets["2 ingestion: p99 at that rate"] is True
    assert meets["2 ingestion / raw FastAPI ceiling"] is None


@pytest.mark.system
@pytest.mark.timeout(1200)
def test_the_harness_runs_every_measurement_at_a_small_scale_and_writes_a_well_formed_result(real_services, tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench", "--scale", "small", "--results-dir", str(tmp_path)],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=1100)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    [path] = tmp_path.glob("*-small.json")
    result = json.loads(path.read_text())

    assert result["schema"] == "vru-bench/1"
    assert result["scale"] == "small"
    assert result["errors"] == {}
    machine = result["machine"]
    for key in ("cpu_model", "cpu_cores", "memory_mb", "python", "postgresql", "rabbitmq", "git_commit"):
        assert machine[key], key

    measurements = result["measurements"]
    assert set(ITEMS) <= set(measurements)
    hop = measurements["gateway_hop"]
    for path_taken in ("gateway", "direct"):
        # Every request counted was answered as it should be: an authenticated read of one's own referral.
        assert set(hop["saturated"][path_taken]["statuses"]) == {"200"}
        assert set(hop["paced"][path_taken]["statuses"]) == {"200"}
    assert set(measurements["ingestion"]["through_gateway"]["statuses"]) == {"201"}
    assert set(measurements["ingestion"]["raw_postgres"]["statuses"]) == {"inserted"}
    lag = measurements["pipeline"]["lag"]
    assert lag["reached_outcomes"] == lag["referrals_accepted"] > 0
    assert measurements["pipeline"]["platform"]["events"] == 300

    national = measurements["national_metrics"]
    assert national["data"]["rows"] == {"programmes": 5, "referrals": 2000, "cohort": national["data"]["enrolments"],
                                        "outcome_records": 20000}
    assert all(answer["statuses"] == {"200": answer["latency"]["count"] + 1} for answer in national["api"].values())
    assert national["hand_sql_agrees"] == {"ete.in_ete_at_latest": True, "funnel.enrolled": True}
    assert set(measurements["memory"]) == COMPONENTS

    # The summary is the printed table: every line has a number, and a goal's line says whether it is met.
    assert result["summary"]
    for line in result["summary"]:
        assert isinstance(line["value"], int | float), line
        assert line["meets"] in (True, False) if line["goal"] else line["meets"] is None
        assert line["measurement"] in done.stdout
