"""The goals, the table of ratios the run prints, and the JSON it writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MEMORY_LIMIT_MB = 150


@dataclass(frozen=True)
class Line:
    measurement: str
    value: float | None
    unit: str
    goal: str
    # None when the line has no goal (a ceiling shown for comparison) or was not measured.
    meets: bool | None


def _line(measurement: str, value: float | None, unit: str, goal: str = "",
          test: Callable[[float], bool] | None = None) -> Line:
    meets = None if value is None or test is None else bool(test(value))
    return Line(measurement, value, unit, goal, meets)


def _get(tree: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def lines(measurements: dict[str, Any]) -> list[Line]:
    found: list[Line] = []
    hop = measurements.get("gateway_hop")
    if hop:
        found += [
            _line("1 gateway hop: throughput, gateway / direct", hop["throughput_ratio"], "x", ">= 0.5",
                  lambda v: v >= 0.5),
            _line("1 gateway hop: p99 at one rate, gateway / direct", hop["p99_ratio_at_equal_rate"], "x",
                  "<= 1 (no worse)", lambda v: v <= 1.0),
            _line("1 gateway hop: p99 saturated, gateway / direct", hop["p99_ratio_saturated"], "x"),
            _line("1 gateway hop: gateway throughput", _get(hop, "saturated", "gateway", "throughput_per_s"), "/s"),
            _line("1 gateway hop: direct throughput", _get(hop, "saturated", "direct", "throughput_per_s"), "/s"),
        ]
    ingestion = measurements.get("ingestion")
    if ingestion:
        found += [
            _line("2 ingestion: referrals per second", ingestion["rate_per_s"], "/s", ">= 1000", lambda v: v >= 1000),
            _line("2 ingestion: p99 at that rate", ingestion["p99_ms"], "ms", "< 200", lambda v: v < 200),
            _line("2 ingestion: sustained until its events are handled", ingestion.get("sustained_rate_per_s"), "/s",
                  ">= 1000", lambda v: v >= 1000),
            _line("2 ingestion / raw FastAPI ceiling", ingestion["ratio_to_raw_fastapi"], "x"),
            _line("2 ingestion / raw PostgreSQL ceiling", ingestion["ratio_to_raw_postgres"], "x"),
            _line("2 raw FastAPI ceiling", _get(ingestion, "raw_fastapi", "throughput_per_s"), "/s"),
            _line("2 raw PostgreSQL ceiling (INSERT per transaction)",
                  _get(ingestion, "raw_postgres", "throughput_per_s"), "/s"),
        ]
        for process, ms in (ingestion.get("cpu_ms_per_referral") or {}).items():
            found.append(_line(f"2 CPU per referral: {process}", ms, "ms"))
    pipeline = measurements.get("pipeline")
    if pipeline:
        found += [
            _line("3 pipeline: relay publish / raw publish", pipeline["relay_publish_ratio"], "x", ">= 0.5",
                  lambda v: v >= 0.5),
            _line("3 pipeline: relay+consumers / raw end to end", pipeline["end_to_end_ratio"], "x", ">= 0.5",
                  lambda v: v >= 0.5),
            _line("3 pipeline: lag POST -> outcomes p99 at half peak", pipeline["lag_p99_ms"], "ms", "< 500",
                  lambda v: v < 500),
            _line("3 pipeline: POST p99 at half peak", _get(pipeline, "lag", "posts", "latency", "p99_ms"), "ms",
                  "< 200", lambda v: v < 200),
        ]
    national = measurements.get("national_metrics")
    if national:
        for metric, answer in national["api"].items():
            found.append(_line(f"4 metric {metric}: p95", _get(answer, "latency", "p95_ms"), "ms", "< 50",
                               lambda v: v < 50))
            # The same query's first answer, when no answer was kept: what a read after a change costs.
            found.append(_line(f"4 metric {metric}: first answer", answer.get("first_answer_ms"), "ms"))
        for metric, value in national["api_to_sql_p95"].items():
            found.append(_line(f"4 metric {metric}: p95 API / hand SQL", value, "x", "<= 1", lambda v: v <= 1.0))
        for metric, value in national.get("first_answer_to_sql_p95", {}).items():
            found.append(_line(f"4 metric {metric}: first answer / hand SQL p95", value, "x"))
    for component, memory in measurements.get("memory", {}).items():
        found.append(_line(f"5 memory: {component} peak RSS", memory["peak_mb"], "MB", f"< {MEMORY_LIMIT_MB}",
                           lambda v: v < MEMORY_LIMIT_MB))
    return found


def table(found: list[Line]) -> str:
    width = max([len(line.measurement) for line in found] + [11])
    rows = [f"{'measurement':<{width}}  {'value':>10}  {'unit':<4}  {'goal':<16}  meets",
            "-" * (width + 45)]
    for line in found:
        value = "-" if line.value is None else f"{line.value:,.3f}".rstrip("0").rstrip(".")
        meets = {True: "yes", False: "NO", None: ""}[line.meets]
        rows.append(f"{line.measurement:<{width}}  {value:>10}  {line.unit:<4}  {line.goal:<16}  {meets}")
    return "\n".join(rows)


def write(result: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = result["started_at"].replace(":", "").replace("-", "").split(".")[0]
    path = directory / f"{stamp}-{result['scale']}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def summary(found: list[Line]) -> list[dict[str, Any]]:
    return [asdict(line) for line in found]
