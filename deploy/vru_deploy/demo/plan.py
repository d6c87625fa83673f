"""The demo data set as data: every referral, decision, enrolment, contact and outcome as request
bodies, planned from a seed. Pure: nothing here touches the network or the clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time as clock, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from vru_deploy.demo import outcomes, people
from vru_deploy.demo.codes import (
    AGES,
    ASSAULT_CONCEPT,
    ASSAULT_METHODS,
    ASSAULT_PLACES,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    CONTACT_MINUTES,
    DECLINE_REASONS,
    DFE_VERSIONS,
    DFE_WEIGHTS,
    EXCLUSION_TYPES,
    EXIT_REASONS,
    INDEX_TO_REFERRAL_HOURS,
    MAX_CONTACTS,
    OFFENCES,
    PLACES,
    RECORDED_BY,
    RISK_FACTORS,
    SELF_CHANNELS,
    SOURCES,
    STATUTORY,
    WITHDRAWAL_REASONS,
    weighted,
)
from vru_deploy.demo.identifiers import nhs_numbers
from vru_deploy.demo.organisations import REFERRERS
from vru_deploy.demo.programmes import BOOKED_START_DELAYS, BY_NAME, ROUTES, START_DELAYS, ProgrammeSpec

UK = ZoneInfo("Europe/London")
HISTORY_DAYS = 548


@dataclass(frozen=True)
class Step:
    """A decision on a referral: accept, decline or close by the provider, withdraw by the referrer
    (with a coded reason)."""

    action: str
    reason: str | None = None

    @property
    def by_referrer(self) -> bool:
        return self.action == "withdraw"


@dataclass(frozen=True)
class PlannedEnrolment:
    start_date: date
    contacts: tuple[dict[str, Any], ...]
    end: tuple[date, str] | None
    # Outcome bodies without their enrolment_id.
    outcomes: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PlannedReferral:
    programme: str
    source: str
    # The organisation that refers: the one that fits the source.
    referrer: str
    referred_at: datetime
    # The referral's body without its programme_id.
    body: dict[str, Any]
    steps: tuple[Step, ...] = ()
    enrolment: PlannedEnrolment | None = None

    @property
    def date_of_birth(self) -> date:
        return date.fromisoformat(self.body["young_person"]["date_of_birth"])

    @property
    def provider(self) -> str:
        """The provider organisation that decides, enrols and records outcomes."""
        return BY_NAME[self.programme].provider


def _moment(day: date, hour: int, minute: int) -> datetime:
    """A UK wall-clock time, held in UTC: arithmetic on a Europe/London datetime is wall-clock
    arithmetic, which across a clock change could put an index event after its referral."""
    return datetime.combine(day, clock(hour, minute), UK).astimezone(UTC)


def _between(rng: random.Random, earlier: datetime, later: datetime, low: float, high: float) -> datetime:
    """A whole minute a share (low to high) of the way from `earlier` to `later`."""
    minutes = (later - earlier).total_seconds() / 60
    return earlier + timedelta(minutes=int(minutes * rng.uniform(low, high)))


def _source_details(rng: random.Random, source: str, index: datetime, referred: datetime) -> dict[str, Any]:
    at = index.isoformat()
    if source == "custody":
        return {"custody_suite": rng.choice(PLACES["custody_suite"]), "arrested_at": at,
                "offence_category": weighted(rng, OFFENCES)}
    if source == "emergency_department":
        arrived = _between(rng, index, referred, 0.1, 0.6)
        details = {"site_code": rng.choice(PLACES["site_code"]), "arrived_at": arrived.isoformat(), "assault_at": at,
                   "assault_method": weighted(rng, ASSAULT_METHODS),
                   "assault_location_type": weighted(rng, ASSAULT_PLACES)}
        return details | ({"injury_intent": ASSAULT_CONCEPT} if rng.random() < 0.5 else {})
    if source == "school":
        codes = next(c for start, c in reversed(DFE_VERSIONS) if start <= index.astimezone(UK).date())
        reasons = list(dict.fromkeys(rng.choices(codes, [DFE_WEIGHTS[c] for c in codes], k=rng.choice((1, 1, 2, 3)))))
        return {"school_urn": rng.choice(PLACES["school_urn"]), "exclusion_type": weighted(rng, EXCLUSION_TYPES),
                "exclusion_reasons": reasons}
    if source == "self":
        return {"channel": weighted(rng, SELF_CHANNELS)}
    key = {"community": "organisation", "youth_justice": "youth_justice_service",
           "probation": "probation_delivery_unit", "prison": "establishment_code"}[source]
    return {key: rng.choice(PLACES[key])}


def _lawful_basis(rng: random.Random, source: str, index: datetime, referred: datetime) -> dict[str, Any]:
    if source in STATUTORY and rng.random() < 0.4:
        return {"basis": "public_task", "justification": STATUTORY[source]}
    if source == "emergency_department" and rng.random() < 0.03:
        return {"basis": "vital_interests",
                "justification": "Serious knife injury; the young person could not consent at the time (synthetic)."}
    recorded = _between(rng, index, referred, 0.5, 0.95)
    return {"basis": "consent", "given": True, "recorded_by": RECORDED_BY[source], "recorded_at": recorded.isoformat()}


def _steps(rng: random.Random, spec: ProgrammeSpec, day: date, last: date) -> tuple[Step, ...]:
    """The decisions: most accepted, some declined or withdrawn, the newest still undecided."""
    if rng.random() < (0.4 if (last - day).days < 7 else 0.02):
        return ()
    roll = rng.random()
    if roll < 0.05:
        return (Step("withdraw", weighted(rng, WITHDRAWAL_REASONS)),)
    if roll >= 0.05 + spec.accept_rate:
        return (Step("decline", weighted(rng, DECLINE_REASONS)),)
    roll = rng.random()
    if roll < 0.05:
        return Step("accept"), Step("withdraw", weighted(rng, WITHDRAWAL_REASONS))
    if roll < 0.12:
        return Step("accept"), Step("close", weighted(rng, CLOSURE_REASONS))
    return (Step("accept"),)


def _contacts(rng: random.Random, referred: datetime, start: date, until: date) -> tuple[dict[str, Any], ...]:
    """The first contact hours or days after the referral, then every week or two until `until`."""
    first_day = start + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    if first_day > until:
        return ()
    at = referred + timedelta(hours=rng.randint(2, 8)) if first_day == referred.astimezone(UK).date() else \
        _moment(first_day, rng.randint(9, 18), rng.randrange(60))
    contacts = []
    while at.astimezone(UK).date() <= until and len(contacts) < MAX_CONTACTS:
        kind = weighted(rng, CONTACT_KINDS)
        contacts.append({"contact_at": at.isoformat(), "kind": kind,
                         "duration_minutes": rng.randint(*CONTACT_MINUTES[kind])})
        at = _moment(at.astimezone(UK).date() + timedelta(days=rng.randint(4, 14)), rng.randint(9, 19),
                     rng.randrange(60))
    return tuple(contacts)


def _enrolment(rng: random.Random, spec: ProgrammeSpec, referred: datetime, age: int,
               last: date) -> PlannedEnrolment:
    """Start, contacts, end and outcomes of one enrolment, all on past days."""
    day = referred.astimezone(UK).date()
    start = min(day + timedelta(days=rng.choice(START_DELAYS.get(spec.name, BOOKED_START_DELAYS))), last)
    end = None
    if (last - start).days >= 28 and rng.random() < 0.55:
        end_date = start + timedelta(days=rng.randint(28, min(270, (last - start).days)))
        completed = rng.random() * 100 < spec.completion
        end = (end_date, "completed" if completed else weighted(rng, EXIT_REASONS))
    base = outcomes.measures(rng, spec, age)
    found = outcomes.bodies(base, "baseline", max(day, start - timedelta(days=rng.randint(0, 14))))
    if end is not None:
        completed = end[1] == "completed"
        found += outcomes.bodies(outcomes.later(rng, spec, base, age, completed), "exit",
                                 max(start, end[0] - timedelta(days=rng.randint(0, 7))))
        for months, chance in ((6, 0.6), (12, 0.4)):
            due = start + relativedelta(months=months) + timedelta(days=rng.randint(0, 20))
            if end[0] < due <= last and rng.random() < chance:
                values = outcomes.later(rng, spec, base, age + months // 12, completed)
                found += outcomes.bodies({"ete": values["ete"], "wellbeing": values.get("wellbeing")},
                                         "follow_up", due, months)
    found += outcomes.reoffences(rng, spec, start, last)
    contacts = _contacts(rng, referred, start, end[0] if end else last)
    return PlannedEnrolment(start, contacts, end, tuple(found))


def plan_demo(referrals: int, *, seed: int, today: date, salt: int = 0) -> list[PlannedReferral]:
    """The whole data set as data: the same seed, day and salt give the same plan.

    `today` is the UK calendar day; nothing is dated later than the day before it. The salt
    changes who the people are (names, identifiers, contact details), not the shape.
    """
    rng, ids = random.Random(seed), random.Random(f"{seed}:{salt}")
    nhs = nhs_numbers(ids)
    last = today - timedelta(days=1)
    days = sorted(last - timedelta(days=rng.randrange(HISTORY_DAYS)) for _ in range(referrals))
    known: list[people.Person] = []
    plan = []
    for day in days:
        source = weighted(rng, SOURCES)
        spec = BY_NAME[weighted(rng, ROUTES[source])]
        first_age, weights = AGES[source]
        ages = [a for a in range(first_age, first_age + len(weights)) if spec.min_age <= a <= spec.max_age]
        age = rng.choices(ages, [weights[a - first_age] for a in ages])[0]
        # A few young people are referred again, from another moment in their lives.
        again = [p for p in known if spec.min_age <= people.age_on(p.date_of_birth, day) <= spec.max_age]
        if again and rng.random() < 0.06:
            person = rng.choice(again)
            age = people.age_on(person.date_of_birth, day)
        else:
            person = people.new_person(rng, ids, nhs, age, day)
            known.append(person)
        early, late = (10, 23) if source == "emergency_department" else (8, 20)
        referred = _moment(day, rng.randint(early, late), rng.randrange(60))
        low, high = INDEX_TO_REFERRAL_HOURS[source]
        index = referred - timedelta(minutes=rng.randint(low * 60, high * 60))
        young_person = {"given_name": person.given_name, "family_name": person.family_name,
                        "date_of_birth": person.date_of_birth.isoformat(), "sex": person.sex,
                        "contact": people.contact(rng, person, age)}
        if (ethnicity := people.ethnicity(rng, person, source)) is not None:
            young_person["ethnicity"] = ethnicity
        factors = list(dict.fromkeys(rng.choices([c for c, _ in RISK_FACTORS[source]],
                                                 [w for _, w in RISK_FACTORS[source]], k=rng.randint(0, 4))))
        body = {"source": source, "referred_at": referred.isoformat(), "index_event_at": index.isoformat(),
                "source_details": _source_details(rng, source, index, referred), "young_person": young_person,
                "identifiers": people.identifiers(rng, person, source, spec.provider), "risk_factors": factors,
                "lawful_basis": _lawful_basis(rng, source, index, referred)}
        steps = _steps(rng, spec, day, last)
        enrolment = _enrolment(rng, spec, referred, age, last) if steps == (Step("accept"),) else None
        plan.append(PlannedReferral(spec.name, source, REFERRERS[source].name, referred, body, steps, enrolment))
    return plan
