"""Confidence intervals for proportions."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054


def wilson_interval(numerator: int, denominator: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for numerator/denominator; None when there is no denominator."""
    if denominator <= 0:
        return None
    if not 0 <= numerator <= denominator:
        raise ValueError("numerator must lie between 0 and the denominator")
    p = numerator / denominator
    z2 = z * z
    centre = p + z2 / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z2 / (4 * denominator * denominator))
    scale = 1 + z2 / denominator
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)
