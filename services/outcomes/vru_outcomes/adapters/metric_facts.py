"""Each cohort member's facts for the metrics, worked out from its outcome records by the database.

The metrics count members by their latest ETE and accommodation status, by whether a NEET
baseline was followed by a later record out of NEET, and by their first proven reoffence. Worked
out at query time, those need a window over every outcome record of the period (ten million at
national scale); kept on the cohort row, a metric reads one row per member. They are refreshed
from the records themselves, in the transaction of whatever changed the records or the member,
so they cannot drift: a record recorded, validated, refused or corrected all go through `refresh`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, ScalarSelect, Update, and_, case, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from vru_outcomes.adapters.orm import cohort, outcome_records
from vru_outcomes.domain.model import EteStatus, MeasurementPoint, OutcomeDomain, Validation

o = outcome_records.c
NEET = EteStatus.NEET.value


def _first(column: ColumnElement, domain: OutcomeDomain, *, latest: bool, baseline: bool = False) -> ScalarSelect:
    """The member's latest (or earliest) valid record of the domain, observed last then recorded last."""
    order = (
        (o.observed_on.desc(), o.recorded_at.desc(), o.id.desc())
        if latest
        else (o.observed_on.asc(), o.recorded_at.asc(), o.id.asc())
    )
    conditions = [o.enrolment_id == cohort.c.enrolment_id, o.domain == domain, o.validation == Validation.VALID]
    if baseline:
        conditions.append(o.point == MeasurementPoint.BASELINE)
    return select(column).where(*conditions).order_by(*order).limit(1).scalar_subquery()


def _first_proven_reoffence() -> ScalarSelect:
    # The MoJ window (domain.reoffending): committed in the follow-up year, proven before the
    # waiting period ends. Proofs after a query's as_of are left out at query time.
    return (
        select(func.min(o.proven_date))
        .where(
            o.enrolment_id == cohort.c.enrolment_id,
            o.domain == OutcomeDomain.REOFFENDING,
            o.validation == Validation.VALID,
            o.offence_date >= cohort.c.start_date,
            o.offence_date < cohort.c.follow_up_end,
            o.proven_date < cohort.c.waiting_end,
        )
        .scalar_subquery()
    )


def _facts() -> dict[str, ColumnElement]:
    latest_ete = _first(o.status, OutcomeDomain.ETE, latest=True)
    latest_id = _first(o.id, OutcomeDomain.ETE, latest=True)
    baseline_status = _first(o.status, OutcomeDomain.ETE, latest=False, baseline=True)
    baseline_id = _first(o.id, OutcomeDomain.ETE, latest=False, baseline=True)
    # The latest record being another than the baseline is what makes it a later one.
    followed_neet = and_(baseline_status == NEET, latest_id != baseline_id)
    return {
        "ete_latest": latest_ete,
        "ete_from_neet": case((followed_neet, case((latest_ete != NEET, true()), else_=false())), else_=None),
        "accommodation_latest": _first(o.status, OutcomeDomain.ACCOMMODATION, latest=True),
        "first_reoffence_proven_on": _first_proven_reoffence(),
    }


def refresh_statement(enrolment_ids: Iterable[uuid.UUID] | None = None) -> Update:
    """The UPDATE that works the facts out again: of these members, or of every member."""
    statement = update(cohort).values(**_facts())
    if enrolment_ids is not None:
        statement = statement.where(cohort.c.enrolment_id.in_(list(enrolment_ids)))
    return statement


async def refresh(session: AsyncSession, enrolment_ids: Iterable[uuid.UUID]) -> None:
    """Work the members' facts out again from their records, as this transaction now has them."""
    ids = list(dict.fromkeys(enrolment_ids))
    if not ids:
        return
    # The records just added or changed are in the session: the UPDATE must see them.
    await session.flush()
    await session.execute(refresh_statement(ids), execution_options={"synchronize_session": False})


# --- backfill: every member and referral at once (the migration, and the benchmark after COPY) -----

_HOURS = "CASE WHEN {end} >= {begin} THEN EXTRACT(EPOCH FROM {end} - {begin})::float8 / 3600 END"
_FIRST_CONTACT = "(SELECT min(c.first_contact_at) FROM cohort c WHERE c.referral_id = referrals.referral_id)"


def backfill_postgres() -> list[str]:
    """SQL that fills every fact in, as the handlers would have: the MoJ window ends (PostgreSQL's
    month arithmetic ends a month on the last day of a shorter month, as relativedelta does), each
    referral's timings (domain.timings, in SQL) and then each member's facts."""
    from sqlalchemy.dialects import postgresql

    decided = "LEAST(accepted_at, declined_at, enrolled_at)"
    facts = refresh_statement().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    hours = ", ".join([
        f"hours_index_to_referral = {_HOURS.format(begin='index_event_at', end='referred_at')}",
        f"hours_referral_to_decision = {_HOURS.format(begin='referred_at', end=decided)}",
        f"hours_referral_to_first_contact = {_HOURS.format(begin='referred_at', end=_FIRST_CONTACT)}",
    ])
    timings = "UPDATE referrals SET " + hours  # noqa: S608 - built from the constant fragments above
    return [
        "UPDATE cohort SET follow_up_end = (start_date + INTERVAL '12 months')::date, "
        "waiting_end = (start_date + INTERVAL '18 months')::date",
        timings,
        str(facts),
    ]
