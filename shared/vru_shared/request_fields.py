"""Field types the platform's requests share, so that what an OpenAPI document calls valid is what
the services take: numbers as JSON Schema means them, dates as RFC 3339 writes them, and text
patterns in the services' own sense of whitespace."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from vru_shared.instants import Instant
from vru_shared.uk_time import uk_date


# --- numbers as JSON Schema means them ------------------------------------------------------------


def _whole(value: Any) -> Any:
    # JSON has one kind of number: 85.0 is the integer 85 to JSON Schema, so it is taken as one.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Strict, because pydantic's lax mode would also take "85" and true, which no JSON Schema integer
# or number is. The constraints go in the same Field, or the document loses them.
def whole_number(**constraints: Any) -> Any:
    return Annotated[int, Field(strict=True, **constraints), BeforeValidator(_whole)]


def number(**constraints: Any) -> Any:
    return Annotated[float, Field(strict=True, **constraints)]


Boolean = Annotated[bool, Field(strict=True)]


# --- dates as JSON Schema means them --------------------------------------------------------------

# RFC 3339's full-date and date-time, the forms JSON Schema's "date" and "date-time" name. Pydantic would
# also take a number (a Unix time), a space for the T, or no seconds. A date-time without its offset
# passes here, for the aware type it guards to refuse in its own words (it needs a time zone).
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                        r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?")


def _written(form: re.Pattern[str], what: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if (isinstance(value, str) and form.fullmatch(value)) or isinstance(value, date):
            return value
        raise ValueError(f"is not {what}")

    return BeforeValidator(check)


def _has_a_uk_day(moment: Any) -> Any:
    # An instant in the first minute of the calendar has a UTC form but no day in Europe/London (whose
    # offset then was -0:01:15), and the services count days in the UK: refused here, not a 500 there.
    try:
        uk_date(moment)
    except OverflowError:
        raise ValueError("is outside the range of dates this platform can hold") from None
    return moment


Day = Annotated[date, _written(_FULL_DATE, "a date written YYYY-MM-DD")]
# An instant a request may carry: RFC 3339, with a time zone, with a UTC form and a UK day.
Moment = Annotated[
    Instant,
    _written(_DATE_TIME, "a date and time written as RFC 3339 has it, e.g. 2024-05-01T09:30:00+01:00"),
    AfterValidator(_has_a_uk_day),
]


# --- text -----------------------------------------------------------------------------------------

# Python's whitespace (str.isspace, what split() and strip() remove), as a regex class body. JSON
# Schema's \s (ECMA-262) and pydantic's (Rust) leave out U+001C to U+001F, so patterns spell it out.
WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text the services tidy by collapsing whitespace, refusing what is left empty: a pattern that
# matches when there is something else (JSON Schema patterns are not anchored).
NON_BLANK = f"[^{WHITESPACE}]"
