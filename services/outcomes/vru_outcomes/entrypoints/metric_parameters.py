"""The metric query's parameters as the document gives them, in the sense the parser reads them
(vru_outcomes.domain.metric_query and .periods): surrounding whitespace ignored, lists comma-separated.

The periods' and group_by's patterns only document: the parser refuses the rest with its own words.
The filters' are also checked here, before the parser, since it reads a programme id as leniently as
uuid.UUID does (braces, urn:uuid:, no hyphens) and an empty list entry as none; the document states the
one plain form. tests/contract/test_documented_patterns.py holds each pattern to the parser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import get_args

from vru_shared.contracts.referrals import ReferralSource, Sex
from vru_shared.request_fields import WHITESPACE
from vru_shared.problems import InvalidParam, Problem

from vru_outcomes.domain.metric_query import AUDIENCES, DIMENSIONS, ETHNICITY_GROUPS, REASON, UNKNOWN

_W = f"[{WHITESPACE}]*"


def _alternatives(values: Sequence[str]) -> str:
    return "|".join(re.escape(v) for v in values)


def listed(value: str) -> str:
    """A comma-separated list of at least one value; empty entries and spaces around values are ignored."""
    entry = f"{_W}(?:{value}){_W}"
    return f"^(?:{_W},)*{entry}(?:,(?:{entry}|{_W}))*$"


def _closed(values: Sequence[str]) -> str:
    return listed(_alternatives([*values, UNKNOWN]))


_UUID = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# Anything but a comma, with something in it besides whitespace.
_FREE = f"[^,{WHITESPACE}](?:[^,]*[^,{WHITESPACE}])?"

# Each filter's values, and how to say what it takes.
FILTERS: dict[str, tuple[str, str]] = {
    "programme_id": (listed(_UUID), "programme ids (UUIDs such as 3f2c6e9a-0b1d-4c55-9a52-0c1e8d7b3f10)"),
    "provider": (listed(_FREE), "provider names"),
    "source": (_closed(get_args(ReferralSource)), f"referral sources or {UNKNOWN}"),
    "age_band": (listed(_FREE), "age bands"),
    "sex": (_closed(get_args(Sex)), f"sexes or {UNKNOWN}"),
    "ethnicity_group": (_closed(ETHNICITY_GROUPS), f"ethnicity groups or {UNKNOWN}"),
    "postcode_district": (listed(_FREE), "postcode districts"),
}
_COMPILED = {name: re.compile(pattern) for name, (pattern, _) in FILTERS.items()}


def check_filters(given: dict[str, list[str] | None]) -> None:
    """Refuse a filter value the document does not allow, naming the parameter; each repetition of a
    parameter is one comma-separated list."""
    for name, values in given.items():
        for value in values or ():
            if not _COMPILED[name].fullmatch(value):
                what = FILTERS[name][1]
                raise Problem(422, f"{name} takes {what}, comma-separated: {value!r} is not that",
                              kind="invalid-metric-query", title="Metric query not valid",
                              errors=[InvalidParam(pointer=f"/query/{name}", detail=f"{name} takes {what}")])


# --- periods ------------------------------------------------------------------------------------

# Years 0001 to 9998, and of 9999 the periods that end within it: the calendar has no year 0 or 10000.
_YEAR = "(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8]|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"


def _financial_year(n: int) -> str:
    """Years ending in the two digits n, written with the last two digits of the year after: 2024/25."""
    century = "(?:0[1-9]|[1-9][0-9])" if n == 0 else "(?:[0-8][0-9]|9[0-8])" if n == 99 else "[0-9]{2}"
    return f"{century}{n:02d}/{(n + 1) % 100:02d}"


_FINANCIAL_YEAR = "(?:" + "|".join(_financial_year(n) for n in range(100)) + ")"
PERIOD = (f"^{_W}(?:{_YEAR}-(?:0[1-9]|1[0-2])|{_FINANCIAL_YEAR}(?: Q[1-4])?"
          f"|9999-(?:0[1-9]|1[01])|9999/00 Q[12]){_W}$")

GROUP_BY = f"^(?:{_W}|{listed(_alternatives([*DIMENSIONS, REASON]))[1:-1]})$"
AUDIENCE = list(AUDIENCES)
