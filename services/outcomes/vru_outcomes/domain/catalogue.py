"""The metrics catalogue: what each metric counts, over whom, and in which version.

A metric's version goes up whenever its definition, numerator, denominator or cohort rule
changes, so that a figure can always be read against the definition it was computed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vru_outcomes.domain import reoffending


class MetricKind(StrEnum):
    # numerator / denominator with a Wilson interval
    PROPORTION = "proportion"
    # counts of a coded reason over all with a reason: the `reason` dimension is always grouped
    BREAKDOWN = "breakdown"
    # events per cohort member (and per member with any), which can exceed one
    FREQUENCY = "frequency"
    # a distribution of elapsed hours: n, median and 90th percentile
    DURATION = "duration"


class Population(StrEnum):
    """What one counted unit is, which fixes the dimensions a metric can be grouped by."""

    ENROLMENTS = "enrolments"
    REFERRALS = "referrals"


@dataclass(frozen=True)
class Metric:
    id: str
    title: str
    definition: str
    numerator: str
    denominator: str
    cohort_rule: str
    unit: str
    version: str
    kind: MetricKind
    population: Population
    default_group_by: tuple[str, ...] = ()
    # The external definition the metric follows, with its version, when there is one.
    standard: str | None = None
    # Counted as known on a day (the as_of parameter): the figures of reoffending.
    uses_as_of: bool = False


_STARTED = (
    "Enrolments whose start date falls in the period. Programme and provider are the enrolment's; "
    "source and the young person's attributes come from its referral."
)
_REFERRED = (
    "Referrals whose referral date (the UK calendar day of referred_at) falls in the period. "
    "Programme and provider are the programme referred to."
)
_LATEST = (
    "A member's latest record is the one observed last; of two observed on one day, the one "
    "recorded last. Records found invalid against the enrolment start are not counted."
)
_MOJ = (
    "Ministry of Justice proven reoffending measure with the enrolment start as index date: an "
    "offence committed within 12 months of the index date and proven by a court conviction or a "
    "caution within those 12 months or a further 6-month waiting period. A cohort's figure is "
    "provisional until 18 months after its members' index dates. Proofs dated after as_of "
    "(default today) are not yet known. Each enrolment is one cohort member, counted with the "
    "reoffences recorded against it."
)

CATALOGUE: dict[str, Metric] = {
    metric.id: metric
    for metric in (
        Metric(
            id="ete.in_ete_at_latest",
            title="In education, employment or training at the latest record",
            definition=f"Share of the enrolments with an ETE record whose latest ETE record is "
            f"education, employment or training rather than NEET. {_LATEST}",
            numerator="Enrolments whose latest ETE record is education, employment or training.",
            denominator="Enrolments with at least one ETE record.",
            cohort_rule=_STARTED,
            unit="proportion",
            version="2",
            kind=MetricKind.PROPORTION,
            population=Population.ENROLMENTS,
            default_group_by=("programme",),
        ),
        Metric(
            id="ete.progressed_from_neet",
            title="Progressed from NEET into education, employment or training",
            definition="Of the enrolments NEET at baseline (their earliest baseline ETE record) that "
            f"have a later ETE record, the share in education, employment or training at the latest. {_LATEST}",
            numerator="Of the denominator, enrolments whose latest ETE record is not NEET.",
            denominator="Enrolments whose earliest baseline ETE record is NEET and that have another, "
            "later ETE record.",
            cohort_rule=_STARTED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.ENROLMENTS,
            default_group_by=("programme",),
        ),
        Metric(
            id="accommodation.suitable_at_latest",
            title="In suitable accommodation at the latest record",
            definition=f"Share of the enrolments with an accommodation record whose latest accommodation "
            f"record is suitable (rather than unsuitable or no fixed abode). {_LATEST}",
            numerator="Enrolments whose latest accommodation record is suitable.",
            denominator="Enrolments with at least one accommodation record.",
            cohort_rule=_STARTED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.ENROLMENTS,
            default_group_by=("programme",),
        ),
        Metric(
            id="reoffending.proven_binary",
            title="Proven reoffending rate (binary)",
            definition=f"Share of the cohort with at least one proven reoffence. {_MOJ}",
            numerator="Enrolments with at least one proven reoffence.",
            denominator="Enrolments in the cohort.",
            cohort_rule=_STARTED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.ENROLMENTS,
            default_group_by=("programme",),
            standard=reoffending.DEFINITION_VERSION,
            uses_as_of=True,
        ),
        Metric(
            id="reoffending.proven_frequency",
            title="Proven reoffending frequency",
            definition=f"Proven reoffences per cohort member, and per reoffender (per_reoffender). {_MOJ} "
            "Suppression follows the reoffenders and the cohort, as in the binary rate; no interval is given.",
            numerator="Proven reoffences of the cohort.",
            denominator="Enrolments in the cohort.",
            cohort_rule=_STARTED,
            unit="reoffences per cohort member",
            version="1",
            kind=MetricKind.FREQUENCY,
            population=Population.ENROLMENTS,
            default_group_by=("programme",),
            standard=reoffending.DEFINITION_VERSION,
            uses_as_of=True,
        ),
        Metric(
            id="funnel.accepted",
            title="Referrals accepted",
            definition="Share of the referrals that were accepted by the provider, or enrolled (an "
            "enrolment implies acceptance), whatever happened to them afterwards.",
            numerator="Referrals accepted or enrolled.",
            denominator="Referrals received.",
            cohort_rule=_REFERRED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.REFERRALS,
            default_group_by=("programme",),
        ),
        Metric(
            id="funnel.enrolled",
            title="Referrals enrolled",
            definition="Share of the referrals with an enrolment that started.",
            numerator="Referrals with a started enrolment.",
            denominator="Referrals received.",
            cohort_rule=_REFERRED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.REFERRALS,
            default_group_by=("programme",),
        ),
        Metric(
            id="funnel.completed",
            title="Referrals that completed the programme",
            definition="Share of the referrals with an enrolment that ended with the exit reason completed.",
            numerator="Referrals with an enrolment ended as completed.",
            denominator="Referrals received.",
            cohort_rule=_REFERRED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.REFERRALS,
            default_group_by=("programme",),
        ),
        Metric(
            id="funnel.decline_reasons",
            title="Why referrals were declined",
            definition="Declined referrals by the provider's coded decline reason: each reason's share of "
            "the declined referrals of its group. The reason dimension is always grouped, last.",
            numerator="Declined referrals with the reason.",
            denominator="Declined referrals of the group (every reason).",
            cohort_rule=_REFERRED,
            unit="proportion",
            version="1",
            kind=MetricKind.BREAKDOWN,
            population=Population.REFERRALS,
            default_group_by=("reason",),
        ),
        Metric(
            id="funnel.exit_reasons",
            title="How enrolments ended",
            definition="Ended enrolments by coded exit reason (completed, disengaged, moved away, entered "
            "custody...): each reason's share of the ended enrolments of its group. The reason dimension "
            "is always grouped, last.",
            numerator="Ended enrolments with the exit reason.",
            denominator="Ended enrolments of the group (every reason).",
            cohort_rule="Enrolments whose end date falls in the period. Programme and provider are the "
            "enrolment's; source and the young person's attributes come from its referral.",
            unit="proportion",
            version="1",
            kind=MetricKind.BREAKDOWN,
            population=Population.ENROLMENTS,
            default_group_by=("reason",),
        ),
        Metric(
            id="timings.index_to_referral",
            title="Index event to referral",
            definition="Hours from the index event (arrest, assault, exclusion) to the referral: number of "
            "referrals, median and 90th percentile (linear interpolation, type 7). A negative interval is a "
            "recording error and is left out.",
            numerator="Referrals with both times (n).",
            denominator="None: a distribution, not a proportion.",
            cohort_rule=_REFERRED,
            unit="hours",
            version="1",
            kind=MetricKind.DURATION,
            population=Population.REFERRALS,
            default_group_by=("source",),
        ),
        Metric(
            id="timings.referral_to_decision",
            title="Referral to decision",
            definition="Hours from the referral to the provider's first decision on it (accepted, declined, "
            "or enrolled without a recorded acceptance): n, median and 90th percentile. Referrals not yet "
            "decided are left out.",
            numerator="Decided referrals (n).",
            denominator="None: a distribution, not a proportion.",
            cohort_rule=_REFERRED,
            unit="hours",
            version="1",
            kind=MetricKind.DURATION,
            population=Population.REFERRALS,
            default_group_by=("source",),
        ),
        Metric(
            id="timings.referral_to_first_contact",
            title="Referral to first contact",
            definition="Hours from the referral to the first contact recorded on any of its enrolments: n, "
            "median and 90th percentile. Referrals without a contact yet are left out.",
            numerator="Referrals with a contact (n).",
            denominator="None: a distribution, not a proportion.",
            cohort_rule=_REFERRED,
            unit="hours",
            version="1",
            kind=MetricKind.DURATION,
            population=Population.REFERRALS,
            default_group_by=("source",),
        ),
        Metric(
            id="ethnicity.recording_completeness",
            title="Ethnicity recorded",
            definition="Share of the referrals with the young person's ethnicity stated (an ONS 2021 "
            "category), rather than not stated.",
            numerator="Referrals with an ethnicity stated.",
            denominator="Referrals received.",
            cohort_rule=_REFERRED,
            unit="proportion",
            version="1",
            kind=MetricKind.PROPORTION,
            population=Population.REFERRALS,
            default_group_by=("source",),
        ),
    )
}
