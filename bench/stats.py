"""Summaries of measured latencies and rates."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """Milliseconds: count, mean, p50, p90, p95, p99 and max."""
    ms = [s * 1000 for s in seconds]

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "count": len(ms),
        "mean_ms": rounded(sum(ms) / len(ms)) if ms else None,
        "p50_ms": rounded(percentile(ms, 50)),
        "p90_ms": rounded(percentile(ms, 90)),
        "p95_ms": rounded(percentile(ms, 95)),
        "p99_ms": rounded(percentile(ms, 99)),
        "max_ms": rounded(max(ms)) if ms else None,
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)
