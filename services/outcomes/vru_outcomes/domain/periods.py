"""Reporting periods: calendar months and UK financial years (April to March) and their quarters.

Every period is half-open, [start, end), so that consecutive periods meet without overlapping and
an event on 31 March falls in exactly one financial year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

# The UK financial (and government reporting) year starts on 1 April.
FINANCIAL_YEAR_START_MONTH = 4

ACCEPTED_FORMS = (
    '"YYYY-MM" (a month), "YYYY/YY QN" (a financial-year quarter, N from 1 to 4) or "YYYY/YY" (a financial year)'
)

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_FINANCIAL_YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")
_QUARTER = re.compile(r"([0-9]{4})/([0-9]{2}) Q([1-4])")


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial_year"


_LENGTH = {
    Granularity.MONTH: relativedelta(months=1),
    Granularity.QUARTER: relativedelta(months=3),
    Granularity.FINANCIAL_YEAR: relativedelta(years=1),
}


@dataclass(frozen=True, order=True)
class Period:
    start: date  # the first day
    end: date  # the first day after the period
    granularity: Granularity
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def _financial_year_starting(day: date) -> int:
    return day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1


def _financial_year_name(first_year: int) -> str:
    return f"{first_year:04d}/{(first_year + 1) % 100:02d}"


def financial_year_label(day: date) -> str:
    """The UK financial year holding the day: "2021/22" for 1 April 2021 to 31 March 2022."""
    return _financial_year_name(_financial_year_starting(day))


def _quarter_number(day: date) -> int:
    # Q1 is April-June, so Q4 is the January-March that ends the financial year.
    return (day.month - FINANCIAL_YEAR_START_MONTH) % 12 // 3 + 1


def _start_of(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    year_start = date(_financial_year_starting(day), FINANCIAL_YEAR_START_MONTH, 1)
    if granularity is Granularity.FINANCIAL_YEAR:
        return year_start
    return year_start + relativedelta(months=3 * (_quarter_number(day) - 1))


def _label(start: date, granularity: Granularity) -> str:
    if granularity is Granularity.MONTH:
        return f"{start.year:04d}-{start.month:02d}"
    year = financial_year_label(start)
    if granularity is Granularity.FINANCIAL_YEAR:
        return year
    return f"{year} Q{_quarter_number(start)}"


def period_containing(day: date, granularity: Granularity) -> Period:
    """The month, financial-year quarter or financial year that holds the day."""
    granularity = Granularity(granularity)
    start = _start_of(day, granularity)
    try:
        end = start + _LENGTH[granularity]
    except (OverflowError, ValueError):
        raise ValueError(f"the {granularity} holding {day.isoformat()} ends after the last date there is") from None
    return Period(start=start, end=end, granularity=granularity, label=_label(start, granularity))


def _first_year(year: str, next_year: str, label: str) -> int:
    first = int(year)
    if int(next_year) != (first + 1) % 100:
        raise ValueError(
            f"{label!r} is not a financial year: the second year must be the two last digits of "
            f"the year after {first} ({_financial_year_name(first)})"
        )
    return first


def parse_period(label: str) -> Period:
    """The period a label names; surrounding spaces are ignored, anything else must match exactly."""
    text = label.strip()
    try:
        if match := _MONTH.fullmatch(text):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise ValueError(f"{label!r} has no month {month:02d}; months run from 01 to 12")
            return period_containing(date(year, month, 1), Granularity.MONTH)
        if match := _QUARTER.fullmatch(text):
            first = _first_year(match[1], match[2], label)
            year_start = date(first, FINANCIAL_YEAR_START_MONTH, 1)
            return period_containing(year_start + relativedelta(months=3 * (int(match[3]) - 1)), Granularity.QUARTER)
        if match := _FINANCIAL_YEAR.fullmatch(text):
            first = _first_year(match[1], match[2], label)
            return period_containing(date(first, FINANCIAL_YEAR_START_MONTH, 1), Granularity.FINANCIAL_YEAR)
    except (OverflowError, ValueError) as error:
        raise ValueError(f"{error}; a period is written {ACCEPTED_FORMS}") from None
    raise ValueError(f"{label!r} is not a period; a period is written {ACCEPTED_FORMS}, e.g. 2024-05, 2024/25 Q1")


def periods_covering(first: Period, last: Period, granularity: Granularity) -> list[Period]:
    """Every period of the granularity from the one holding first.start to the one holding last's final day.

    Raises ValueError when last ends before first starts.
    """
    final_day = last.end - timedelta(days=1)
    if final_day < first.start:
        raise ValueError(f"the range runs backwards: {last.label} ends before {first.label} starts")
    periods = [period_containing(first.start, granularity)]
    while not periods[-1].contains(final_day):
        periods.append(period_containing(periods[-1].end, granularity))
    return periods
