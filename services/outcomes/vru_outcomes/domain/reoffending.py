"""The Ministry of Justice proven reoffending measure, applied to a cohort of enrolments.

Source: Ministry of Justice, "Guide to Proven Reoffending Statistics" (the guide to the quarterly
Proven Reoffending Statistics bulletin, England and Wales). A proven reoffence is an offence
committed in a one-year follow-up period that leads to a court conviction or caution in that year
or in a further six-month waiting period. The binary rate is the share of the cohort with at least
one proven reoffence; the frequency counts proven reoffences per cohort member and per reoffender.

Adapted here in one respect: the index date is the enrolment start, not a release from custody,
a court disposal or a caution. The MoJ's offence exclusions (breaches, some summary motoring
offences) are for the data supplier to apply before the offences reach this module.

The follow-up and waiting windows are measured in calendar months from the index date with
relativedelta semantics: a month later than 31 January is the last day of February, so a follow-up
starting on 31 August 2023 ends before 31 August 2024 and its waiting period before 28 February 2025.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

DEFINITION_VERSION = "moj-proven-reoffending-2024"
FOLLOW_UP = relativedelta(months=12)
WAITING = relativedelta(months=6)


def follow_up_end(index_date: date) -> date:
    """The first day after the follow-up year: offences on or after it are not reoffences of this cohort."""
    return index_date + FOLLOW_UP


def waiting_end(index_date: date) -> date:
    """The first day after the waiting period: proofs on or after it come too late to count."""
    # One relativedelta of 18 months from the index date, not 12 then 6: stepping through
    # 28 February (from a 29 February index date) would lose a day.
    return index_date + (FOLLOW_UP + WAITING)


def counts_as_proven_reoffence(index_date: date, offence_date: date, proven_date: date) -> bool:
    """Whether an offence committed on offence_date and proven on proven_date is a proven reoffence."""
    if proven_date < offence_date:
        raise ValueError(
            f"an offence cannot be proven ({proven_date.isoformat()}) "
            f"before it was committed ({offence_date.isoformat()})"
        )
    return index_date <= offence_date < follow_up_end(index_date) and proven_date < waiting_end(index_date)


def is_final(index_date: date, as_of: date) -> bool:
    """Whether the member's figure can no longer change: the follow-up and waiting periods are over."""
    return as_of >= waiting_end(index_date)


@dataclass(frozen=True)
class ReoffendingSummary:
    cohort: int
    reoffenders: int
    reoffences: int
    provisional: bool  # some member's waiting period is not over, so the figures may still rise
    binary_rate: float | None  # reoffenders / cohort
    frequency_per_member: float | None  # reoffences / cohort
    frequency_per_reoffender: float | None  # reoffences / reoffenders


def summary_of(cohort: int, reoffenders: int, reoffences: int, provisional: bool) -> ReoffendingSummary:
    """The figures of a cohort from its counts (added up cell by cell: every count here adds up)."""
    return ReoffendingSummary(
        cohort=cohort,
        reoffenders=reoffenders,
        reoffences=reoffences,
        provisional=provisional,
        binary_rate=reoffenders / cohort if cohort else None,
        frequency_per_member=reoffences / cohort if cohort else None,
        frequency_per_reoffender=reoffences / reoffenders if reoffenders else None,
    )


Offence = tuple[date, date]  # (offence date, date proven by conviction or caution)


def summarise(members: Sequence[tuple[date, Sequence[Offence]]], as_of: date) -> ReoffendingSummary:
    """The proven reoffending figures of a cohort as known on as_of.

    Each member is (index date, [(offence date, proven date), ...]). A proof dated after as_of is
    not known yet and is left out, so a figure computed again for a past as_of does not change.
    """
    reoffenders = reoffences = 0
    provisional = False
    for index_date, offences in members:
        counted = sum(
            1
            for offence_date, proven_date in offences
            if counts_as_proven_reoffence(index_date, offence_date, proven_date) and proven_date <= as_of
        )
        reoffences += counted
        reoffenders += counted > 0
        provisional = provisional or not is_final(index_date, as_of)
    return summary_of(len(members), reoffenders, reoffences, provisional)
