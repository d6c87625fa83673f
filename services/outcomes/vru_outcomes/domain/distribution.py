"""Percentiles of a sample, for timings such as referral to first contact."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0 to 100) by linear interpolation between the closest ranks; None for no values.

    This is Hyndman and Fan's definition 7, the default of NumPy, R's quantile() and Excel's
    PERCENTILE.INC: sort the n values x[0] <= ... <= x[n-1], take the fractional rank
    h = (n - 1) * p / 100 and return x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
    So the 0th percentile is the minimum, the 100th the maximum and the 50th the usual median.
    """
    if not 0 <= p <= 100:
        raise ValueError(f"a percentile must lie between 0 and 100, not {p}")
    ordered = sorted(float(value) for value in values)
    if any(math.isnan(value) for value in ordered):
        raise ValueError("a percentile of values that include NaN is undefined")
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    below = math.floor(rank)
    if rank == below:  # exactly on a value; also keeps infinite neighbours from turning it into NaN
        return ordered[below]
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (rank - below) * (ordered[above] - ordered[below])


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for no values."""
    return percentile(values, 50)
