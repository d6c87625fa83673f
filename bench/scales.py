"""How big and how long each measurement is: `small` proves the harness, `full` measures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    # Every HTTP measurement: thrown-away warm-up, then the measured window.
    warmup_s: float
    duration_s: float
    # Callers of a closed-loop HTTP measurement (each sends its next request when answered).
    concurrency: int
    # Connections of the raw PostgreSQL ceiling: the most the referrals service's pool opens.
    pg_connections: int
    # Outbox rows put in front of the relay at once, and messages of the raw aio-pika run.
    pipeline_events: int
    raw_bus_messages: int
    # National-scale metrics: referrals loaded (and ten outcome records each), programmes.
    national_referrals: int
    national_programmes: int
    # Timed runs of each metric query (after one untimed), and the time each may take in all.
    metric_runs: int
    metric_budget_s: float


SCALES = {
    "small": Scale(
        name="small", warmup_s=0.5, duration_s=2.0, concurrency=8, pg_connections=4,
        pipeline_events=300, raw_bus_messages=1000,
        national_referrals=2000, national_programmes=5, metric_runs=5, metric_budget_s=30,
    ),
    "full": Scale(
        name="full", warmup_s=3.0, duration_s=20.0, concurrency=64, pg_connections=20,
        pipeline_events=20_000, raw_bus_messages=20_000,
        national_referrals=1_000_000, national_programmes=60, metric_runs=20, metric_budget_s=45,
    ),
}
