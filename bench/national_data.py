"""A synthetic national data set for the outcomes service, loaded with COPY into a database that the
service's own migrations made: programmes, the referrals projection, the cohort of enrolments and
ten outcome records per referral.

Shapes follow the platform's: eight referral sources; about 70% of referrals accepted, 15% declined,
5% withdrawn; 85% of the accepted enrolled; most enrolments ended, with coded exit reasons; outcome
records in every domain at baseline, follow-ups and exit, a few of them pending or invalid. Referrals
spread evenly over three financial years. Every value is random and synthetic: no person is real.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time as clock, timedelta
from typing import Any

import asyncpg

SOURCES = ("custody", "emergency_department", "school", "community", "youth_justice", "probation", "prison", "self")
AGE_BANDS = ("10-14", "15-17", "18-20", "21-24")
SEXES = ("female", "male", "male", "not_known")
ETHNICITIES = (("white_british", "white"), ("white_other", "white"), ("black_african", "black"),
               ("black_caribbean", "black"), ("asian_pakistani", "asian"), ("asian_indian", "asian"),
               ("mixed_white_black_caribbean", "mixed"), ("other_arab", "other"), (None, "not_stated"))
DISTRICTS = tuple(f"EX{n}" for n in range(1, 100)) + tuple(f"ZZ{n}" for n in range(1, 100))
DECLINE_REASONS = ("not_eligible", "capacity", "declined_by_young_person", "other")
WITHDRAW_REASONS = ("no_longer_needed", "moved_away", "other")
EXIT_REASONS = ("completed", "completed", "completed", "disengaged", "moved_away", "entered_custody",
                "declined_support", "other")
ETE = ("education", "employment", "training", "neet", "neet")
ACCOMMODATION = ("suitable", "suitable", "unsuitable", "no_fixed_abode")
SUBSTANCE = ("no_use", "use_not_problematic", "problematic_use", "in_treatment")
OFFENCES = ("violence_against_the_person", "robbery", "possession_of_weapons", "drug_offences", "theft_offences")
# The domains of an enrolment's records, in the order they are taken; cycled to reach the count.
RECORD_PATTERN = ("ete", "accommodation", "wellbeing", "ete", "substance_misuse", "accommodation", "ete",
                  "wellbeing", "ete", "reoffending", "accommodation", "ete")

REFERRAL_COLUMNS = ("referral_id", "programme_id", "status", "source", "age_band", "sex", "ethnicity",
                    "ethnicity_group", "postcode_district", "referred_at", "referred_on", "index_event_at",
                    "received_at", "accepted_at", "declined_at", "decline_reason", "withdrawn_at", "withdraw_reason",
                    "enrolled_at", "enrolment_id", "closed_at", "close_reason")
COHORT_COLUMNS = ("enrolment_id", "referral_id", "programme_id", "subject_pseudonym", "start_date", "started_at",
                  "end_date", "exit_reason", "first_contact_at")
OUTCOME_COLUMNS = ("id", "enrolment_id", "domain", "point", "follow_up_months", "observed_on", "status", "scale",
                   "score", "offence_date", "proven_date", "disposal", "offence_category", "validation",
                   "invalid_reason", "recorded_at", "recorded_by_organisation_id")
CHUNK = 20_000


@dataclass(frozen=True)
class Span:
    """The days referrals fall on: whole financial years, ending before today."""

    first: date
    days: int

    @classmethod
    def financial_years(cls, today: date, years: int = 3) -> Span:
        # The last complete financial year ends on the 31 March before today.
        end_year = today.year if today.month >= 4 else today.year - 1
        first = date(end_year - years, 4, 1)
        return cls(first, (date(end_year, 3, 31) - first).days + 1)

    def labels(self) -> tuple[str, str]:
        """The metric API's labels of the first and last financial year ("2023/24")."""
        last = self.first.year + self.days // 365 - 1
        return f"{self.first.year}/{(self.first.year + 1) % 100:02d}", f"{last}/{(last + 1) % 100:02d}"


@dataclass(frozen=True)
class Enrolment:
    enrolment_id: uuid.UUID
    programme: int
    start: date
    end: date | None


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, clock(rng.randrange(7, 22), rng.randrange(60)), UTC)


class NationalData:
    def __init__(self, referrals: int, programmes: int, today: date, seed: int = 2026) -> None:
        self.referral_count = referrals
        self.outcome_count = 10 * referrals
        self.today = today
        self.span = Span.financial_years(today)
        self._rng = random.Random(seed)
        self.programme_ids = [_uuid(self._rng) for _ in range(programmes)]
        providers = max(1, programmes // 3)
        self.provider_of = [i % providers for i in range(programmes)]
        self.provider_organisations = [_uuid(self._rng) for _ in range(providers)]
        self.enrolments: list[Enrolment] = []

    def programmes(self) -> list[tuple[Any, ...]]:
        return [(pid, f"Programme {i + 1} (synthetic)", f"Provider {self.provider_of[i] + 1} (synthetic)",
                 ("primary", "secondary", "tertiary")[i % 3], self.provider_organisations[self.provider_of[i]])
                for i, pid in enumerate(self.programme_ids)]

    def referrals_and_cohort(self) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """("referrals", row) for each referral and ("cohort", row) for each enrolment; keeps the
        enrolments for the outcome records."""
        rng = self._rng
        for _ in range(self.referral_count):
            programme = rng.randrange(len(self.programme_ids))
            referral_id = _uuid(rng)
            day = self.span.first + timedelta(days=rng.randrange(self.span.days))
            referred_at = _at(day, rng)
            index_at = referred_at - timedelta(hours=rng.randrange(1, 200))
            ethnicity, group = rng.choice(ETHNICITIES)
            draw = rng.random()
            decided = referred_at + timedelta(hours=rng.randrange(2, 400))
            accepted_at = declined_at = withdrawn_at = enrolled_at = closed_at = None
            decline_reason = withdraw_reason = close_reason = enrolment_id = None
            status = "received"
            if draw < 0.70:
                accepted_at, status = decided, "accepted"
                if rng.random() < 0.85:
                    enrolment_id = _uuid(rng)
                    start = min(decided.date() + timedelta(days=rng.randrange(0, 20)), self.today)
                    enrolled_at, status = _at(start, rng), "enrolled"
                    ended = start + timedelta(days=rng.randrange(30, 400))
                    end = ended if ended < self.today and rng.random() < 0.85 else None
                    self.enrolments.append(Enrolment(enrolment_id, programme, start, end))
                    contact = enrolled_at + timedelta(hours=rng.randrange(1, 300)) if rng.random() < 0.9 else None
                    yield "cohort", (enrolment_id, referral_id, self.programme_ids[programme],
                                     f"{rng.getrandbits(256):064x}", start, enrolled_at, end,
                                     rng.choice(EXIT_REASONS) if end else None, contact)
                elif rng.random() < 0.5:
                    closed_at, close_reason, status = decided + timedelta(days=10), "no_enrolment", "closed"
            elif draw < 0.85:
                declined_at, decline_reason, status = decided, rng.choice(DECLINE_REASONS), "declined"
            elif draw < 0.90:
                withdrawn_at, withdraw_reason, status = decided, rng.choice(WITHDRAW_REASONS), "withdrawn"
            yield "referrals", (referral_id, self.programme_ids[programme], status, rng.choice(SOURCES),
                                rng.choice(AGE_BANDS), rng.choice(SEXES), ethnicity, group, rng.choice(DISTRICTS),
                                referred_at, day, index_at, referred_at + timedelta(minutes=rng.randrange(1, 30)),
                                accepted_at, declined_at, decline_reason, withdrawn_at, withdraw_reason,
                                enrolled_at, enrolment_id, closed_at, close_reason)

    def outcome_records(self) -> Iterator[tuple[Any, ...]]:
        """Exactly ten per referral, shared out over the enrolments, each enrolment's in time order."""
        rng = self._rng
        count = len(self.enrolments)
        if count == 0:
            return
        each, extra = divmod(self.outcome_count, count)
        for index, enrolment in enumerate(self.enrolments):
            records = each + (1 if index < extra else 0)
            recorder = self.provider_organisations[self.provider_of[enrolment.programme]]
            last_day = enrolment.end or self.today
            span = max(1, (last_day - enrolment.start).days)
            for k in range(records):
                domain = RECORD_PATTERN[k % len(RECORD_PATTERN)]
                if k < 3:
                    point, months, observed = "baseline", None, enrolment.start - timedelta(days=rng.randrange(0, 10))
                elif enrolment.end is not None and k >= records - 3:
                    point, months, observed = "exit", None, enrolment.end
                else:
                    months = 1 + (k * 3) % 24
                    point, observed = "follow_up", min(enrolment.start + timedelta(days=30 * months), last_day)
                status = scale = score = offence = proven = disposal = category = None
                if domain == "ete":
                    status = rng.choice(ETE)
                elif domain == "accommodation":
                    status = rng.choice(ACCOMMODATION)
                elif domain == "substance_misuse":
                    status = rng.choice(SUBSTANCE)
                elif domain == "wellbeing":
                    scale, score = "swemwbs", rng.randrange(7, 36)
                else:
                    point = months = None
                    offence = enrolment.start + timedelta(days=rng.randrange(span))
                    proven = min(offence + timedelta(days=rng.randrange(10, 200)), self.today)
                    observed, disposal, category = proven, rng.choice(("conviction", "caution")), rng.choice(OFFENCES)
                validation = "valid" if rng.random() < 0.98 else rng.choice(("pending", "invalid"))
                yield (_uuid(rng), enrolment.enrolment_id, domain, point, months, observed, status, scale, score,
                       offence, proven, disposal, category, validation,
                       "synthetic invalid record" if validation == "invalid" else None,
                       _at(observed + timedelta(days=1), rng), recorder)


async def _stream(rows: Iterator[tuple[Any, ...]]) -> AsyncIterator[tuple[Any, ...]]:
    # An async iterator lets asyncpg send while the rest is still being made; yielding to the
    # loop now and then keeps the connection's keep-alives and the sampler going.
    for n, row in enumerate(rows):
        if n % CHUNK == 0:
            await asyncio.sleep(0)
        yield row


async def load(dsn: str, data: NationalData) -> dict[str, Any]:
    """COPY the whole data set in; then VACUUM ANALYZE, as a loaded database would have been."""
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(dsn)
    try:
        began = time.perf_counter()
        await connection.copy_records_to_table("programmes", records=data.programmes(),
                                               columns=["id", "name", "provider", "tier", "provider_organisation_id"])
        referrals: list[tuple[Any, ...]] = []
        cohort: list[tuple[Any, ...]] = []
        for table, row in data.referrals_and_cohort():
            (referrals if table == "referrals" else cohort).append(row)
            if len(referrals) >= CHUNK * 5:
                await connection.copy_records_to_table("referrals", records=referrals, columns=REFERRAL_COLUMNS)
                referrals.clear()
            if len(cohort) >= CHUNK * 5:
                await connection.copy_records_to_table("cohort", records=cohort, columns=COHORT_COLUMNS)
                cohort.clear()
        if referrals:
            await connection.copy_records_to_table("referrals", records=referrals, columns=REFERRAL_COLUMNS)
        if cohort:
            await connection.copy_records_to_table("cohort", records=cohort, columns=COHORT_COLUMNS)
        timings["referrals_and_cohort_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        await connection.copy_records_to_table("outcome_records", records=_stream(data.outcome_records()),
                                               columns=OUTCOME_COLUMNS)
        timings["outcome_records_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        # The metric facts, as the outcomes service's handlers would have kept them (its own SQL).
        from vru_outcomes.adapters import metric_facts, metric_summary

        for statement in [*metric_facts.backfill_postgres(), *metric_summary.build_postgres()]:
            await connection.execute(statement, timeout=None)
        timings["metric_facts_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        for table in ("programmes", "referrals", "cohort", "outcome_records", "metric_summary"):
            await connection.execute(f"VACUUM ANALYZE {table}")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - began, 1)
        counts = {table: await connection.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
                  for table in ("programmes", "referrals", "cohort", "outcome_records")}
        size = await connection.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    finally:
        await connection.close()
    return {"rows": counts, "database_size": size, "load_timings": timings}
