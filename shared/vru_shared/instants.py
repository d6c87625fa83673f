"""Instants a request may carry: aware date-times that also have a UTC form.

Every time is stored and compared in UTC, and a time in the first or last hours of the calendar
(0001-01-01T00:00+01:00, say) has none: converting it overflows. Refused as input, it is a 422
that names the field rather than a 500 wherever it is first converted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _has_a_utc_form(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of dates this platform can hold") from None
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_has_a_utc_form)]
