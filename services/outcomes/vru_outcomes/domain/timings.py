"""Reachable-moment timings: when each interval of a referral starts and ends, and its length in hours.

Kept on the referral as it changes (see ReferralRecord.retime), so that a metric over a million
referrals reads one stored number per referral rather than working it out from six timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Moments = Mapping[str, Any]


def _decided_at(m: Moments) -> datetime | None:
    # The first decision; an enrolment without a recorded acceptance is one.
    return min((m[k] for k in ("accepted_at", "declined_at", "enrolled_at") if m[k] is not None), default=None)


# Each timing: when it starts and when it ends (None while that has not happened).
INTERVALS: dict[str, tuple[Callable[[Moments], datetime | None], Callable[[Moments], datetime | None]]] = {
    "index_to_referral": (lambda m: m["index_event_at"], lambda m: m["referred_at"]),
    "referral_to_decision": (lambda m: m["referred_at"], _decided_at),
    "referral_to_first_contact": (lambda m: m["referred_at"], lambda m: m["first_contact_at"]),
}


def hours(timing: str, moments: Moments) -> float | None:
    """The interval's hours; None while it has not ended, or when it ends before it starts (a
    recording error, left out rather than pulling the median down)."""
    begins, ends = INTERVALS[timing]
    begin, end = begins(moments), ends(moments)
    if begin is None or end is None or end < begin:
        return None
    return (end - begin).total_seconds() / 3600
