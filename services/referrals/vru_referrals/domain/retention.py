"""How long a young person's referrals are kept: until every one of them has ended, and then
for the retention period after the last one ended. Then they are erased."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from vru_referrals.domain.model import Referral


def retention_ended(referrals: Sequence[Referral], *, now: datetime, period: timedelta) -> bool:
    """True when all the referrals ended (declined, withdrawn, closed) more than `period` before `now`."""
    ends = [r.finished_at for r in referrals]
    if not ends or any(end is None for end in ends):
        return False
    return max(ends) < now - period
