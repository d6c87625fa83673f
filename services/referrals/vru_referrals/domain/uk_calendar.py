"""Dates as people in England and Wales count them: the UK calendar day and the academic year."""

from __future__ import annotations

from datetime import date

from vru_shared.uk_time import UK, uk_date

__all__ = ["UK", "academic_year_of", "academic_year_start", "uk_date"]


def academic_year_of(day: date) -> str:
    """The academic year (1 September to 31 August) a day falls in, labelled like "2023/24"."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def academic_year_start(label: str) -> date:
    """The first day of an academic year labelled like "2023/24"."""
    first, _, second = label.partition("/")
    if not (len(first) == 4 and first.isdigit() and second == f"{(int(first) + 1) % 100:02d}"):
        raise ValueError(f"{label!r} is not an academic year like 2023/24")
    return date(int(first), 9, 1)
