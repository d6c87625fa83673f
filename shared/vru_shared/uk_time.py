"""Days as people in England and Wales count them: "today" and the day of an instant are UK
calendar days (Europe/London), so an arrest at 23:30 UTC in summer happened the next day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_date(moment: datetime) -> date:
    """The calendar day in the UK at an instant."""
    if moment.tzinfo is None:
        raise ValueError("a moment needs a time zone")
    return moment.astimezone(UK).date()


def uk_today(now: datetime | None = None) -> date:
    return uk_date(now or datetime.now(UTC))
