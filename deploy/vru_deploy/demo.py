"""A synthetic demo data set, planned from a seed and loaded through the gateway's public API."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time as clock, timedelta
from typing import Any

import httpx

# (name, made-up provider, sources it takes referrals from, chance of being in ETE at exit)
PROGRAMMES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("Custody Mentoring", "Larkfield Youth Trust", ("custody",), 0.52),
    ("A&E Youth Navigators", "Amberline Navigators CIC", ("emergency_department",), 0.58),
    ("Targeted Youth Outreach", "Kestrel Street Outreach", ("emergency_department", "school"), 0.45),
    ("Through the Gate Prison Mentoring", "Ironbridge Resettlement Partnership", ("custody",), 0.36),
    ("School Inclusion Mentoring", "Willowmere Learning Mentors", ("school",), 0.74),
)
SOURCES = (("custody", 0.35), ("emergency_department", 0.35), ("school", 0.30))
RECORDED_BY = {
    "custody": "Custody officer (synthetic)",
    "emergency_department": "A&E youth navigator (synthetic)",
    "school": "Designated safeguarding lead (synthetic)",
}
# Ages 10-24 at referral, mostly 14-19; schools refer younger people, custody older ones.
AGES = {
    "custody": (range(14, 25), (2, 4, 6, 8, 9, 8, 6, 4, 3, 2, 1)),
    "emergency_department": (range(10, 25), (1, 1, 2, 3, 6, 8, 9, 8, 6, 4, 3, 2, 1, 1, 1)),
    "school": (range(10, 17), (2, 3, 5, 8, 9, 7, 3)),
}
EXIT_REASONS = (("completed", 60), ("disengaged", 14), ("moved_away", 7), ("entered_custody", 6),
                ("declined_support", 8), ("other", 5))
HISTORY_DAYS = 548
CONCURRENCY = 16
ACTIVE_WITHIN_S = 30.0


class DemoLoadError(RuntimeError):
    """The platform answered a demo request with a status the loader did not expect."""


@dataclass(frozen=True)
class DemoSummary:
    programmes: int
    referrals: int
    enrolments: int
    ended: int
    outcomes: int


@dataclass(frozen=True)
class PlannedOutcome:
    point: str
    observed_on: date
    status: str
    follow_up_months: int | None = None


@dataclass(frozen=True)
class PlannedReferral:
    programme: str
    source: str
    referred_at: datetime
    date_of_birth: date
    identifier_type: str
    identifier: str
    start_date: date | None = None
    end: tuple[date, str] | None = None
    outcomes: tuple[PlannedOutcome, ...] = ()


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no valid number has them."""
    check = 11 - sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return None if check == 10 else check % 11


def nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Endless valid NHS numbers in the 999 range set aside for testing."""
    while True:
        stem = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(stem)
        if check is not None:
            yield f"{stem}{check}"


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A date of birth giving exactly `age` on the day."""
    anniversary = date(on.year - age, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    return anniversary - timedelta(days=rng.randrange(365))


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


def _ete(rng: random.Random, in_ete: float, age: int) -> str:
    """An ETE status: in ETE with the given chance, education more likely the younger."""
    if rng.random() >= in_ete:
        return "neet"
    return _weighted(rng, (("education", 8 if age < 16 else 3), ("training", 3), ("employment", 0 if age < 16 else 3)))


def _enrolment(rng: random.Random, referral: date, today: date, age: int, exit_rate: float,
               school: bool) -> tuple[date, tuple[date, str] | None, tuple[PlannedOutcome, ...]]:
    """Start, end and ETE outcomes of one enrolment, all on plausible, past dates."""
    start = min(referral + timedelta(days=rng.randrange(43)), today)
    baseline = max(start - timedelta(days=rng.randrange(15)), referral)
    outcomes = [PlannedOutcome("baseline", baseline, _ete(rng, 0.45 if school else 0.22, age))]
    if (today - start).days < 28 or rng.random() >= 0.55:
        return start, None, tuple(outcomes)
    end_date = start + timedelta(days=rng.randint(28, min(270, (today - start).days)))
    reason = _weighted(rng, EXIT_REASONS)
    chance = min(0.95, exit_rate + (0.12 if reason == "completed" else -0.18))
    outcomes.append(PlannedOutcome("exit", end_date, _ete(rng, chance, age)))
    follow_up = end_date + timedelta(days=183)
    if follow_up <= today and rng.random() < 0.5:
        outcomes.append(PlannedOutcome("follow_up", follow_up, _ete(rng, chance, age + 1), follow_up_months=6))
    return start, (end_date, reason), tuple(outcomes)


def plan_demo(referrals: int, *, seed: int, today: date, salt: int = 0) -> list[PlannedReferral]:
    """The whole data set as data: the same seed, day and salt give the same plan."""
    rng, ids = random.Random(seed), random.Random(f"{seed}:{salt}")
    nhs = nhs_numbers(ids)
    plan = []
    for _ in range(referrals):
        source = _weighted(rng, SOURCES)
        name, _, _, exit_rate = rng.choice([p for p in PROGRAMMES if source in p[2]])
        day = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
        referred_at = datetime.combine(day, clock(rng.randint(8, 20), rng.randrange(60)), UTC)
        ages, weights = AGES[source]
        age = rng.choices(ages, weights)[0]
        local = rng.random() >= 0.85
        kind, value = ("local", f"DEMO-{ids.getrandbits(40):010x}") if local else ("nhs_number", next(nhs))
        planned = PlannedReferral(name, source, referred_at, _birth_date(rng, age, day), kind, value)
        if rng.random() < 0.6:
            start, end, outcomes = _enrolment(rng, day, today, age, exit_rate, source == "school")
            planned = replace(planned, start_date=start, end=end, outcomes=outcomes)
        plan.append(planned)
    return plan


class _Api:
    """The gateway's API with bounded concurrency and strict status checks."""

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client, self.base, self.gate = client, base_url.rstrip("/"), asyncio.Semaphore(CONCURRENCY)

    async def call(self, method: str, path: str, expect: tuple[int, ...], body: Any = None) -> Any:
        async with self.gate:
            response = await self.client.request(method, f"{self.base}{path}", json=body)
        if response.status_code not in expect:
            raise DemoLoadError(f"{method} {path} answered {response.status_code}, expected "
                                f"{' or '.join(map(str, expect))}: {response.text[:500]}")
        return response.json()


async def _programmes(api: _Api) -> dict[str, str]:
    """The demo programmes' ids by name, creating those that do not exist yet."""
    async def existing() -> dict[str, str]:
        found: dict[str, str] = {}
        while True:
            items = (await api.call("GET", f"/v1/programmes?limit=200&offset={len(found)}", (200,)))["items"]
            found.update({p["name"]: p["id"] for p in items})
            if len(items) < 200:
                return found

    ids = await existing()
    for name, provider, _, _ in PROGRAMMES:
        if name not in ids:
            made = await api.call("POST", "/v1/programmes", (201, 409), {"name": name, "provider": provider})
            ids = {**ids, name: made["id"]} if "id" in made else await existing()
    return ids


async def _refer(api: _Api, p: PlannedReferral, programme_id: str) -> str:
    consent_at = p.referred_at - timedelta(minutes=5)
    body = {"programme_id": programme_id, "source": p.source, "referred_at": p.referred_at.isoformat(),
            "subject": {"date_of_birth": p.date_of_birth.isoformat(),
                        "identifier": {"type": p.identifier_type, "value": p.identifier}},
            "consent": {"given": True, "recorded_by": RECORDED_BY[p.source], "recorded_at": consent_at.isoformat()}}
    return (await api.call("POST", "/v1/referrals", (201,), body))["id"]


async def _enrol(api: _Api, p: PlannedReferral, referral_id: str, programme_id: str, deadline: float) -> str:
    """Enrol, then wait (up to the deadline) until the enrolment is active."""
    assert p.start_date is not None
    body = {"referral_id": referral_id, "programme_id": programme_id, "start_date": p.start_date.isoformat()}
    enrolment = await api.call("POST", "/v1/enrolments", (201, 202), body)
    delay = 0.1
    while enrolment["status"] == "awaiting_referral" and time.monotonic() < deadline:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
        enrolment = await api.call("GET", f"/v1/enrolments/{enrolment['id']}", (200,))
    if enrolment["status"] != "active":
        raise DemoLoadError(f"enrolment {enrolment['id']} is {enrolment['status']}, not active "
                            f"({enrolment.get('rejection_reason') or f'waited {ACTIVE_WITHIN_S:.0f} s'})")
    return enrolment["id"]


async def _follow(api: _Api, p: PlannedReferral, enrolment_id: str) -> None:
    """End the enrolment if planned, and record its ETE outcomes."""
    if p.end is not None:
        end_date, reason = p.end
        await api.call("POST", f"/v1/enrolments/{enrolment_id}/end", (200,),
                       {"end_date": end_date.isoformat(), "exit_reason": reason})
    await asyncio.gather(*(api.call("POST", "/v1/outcomes", (201, 202), _outcome_body(enrolment_id, o))
                           for o in p.outcomes))


def _outcome_body(enrolment_id: str, o: PlannedOutcome) -> dict[str, Any]:
    body = {"enrolment_id": enrolment_id, "domain": "ete", "point": o.point,
            "observed_on": o.observed_on.isoformat(), "status": o.status}
    return body | ({"follow_up_months": o.follow_up_months} if o.follow_up_months is not None else {})


async def _take_up(api: _Api, p: PlannedReferral, referral_id: str, programme_id: str, deadline: float) -> None:
    """Enrol a referred person, then end the enrolment and record outcomes as planned."""
    await _follow(api, p, await _enrol(api, p, referral_id, programme_id, deadline))


async def load_demo(base_url: str, *, referrals: int = 300, seed: int = 2026,
                    client: httpx.AsyncClient | None = None) -> DemoSummary:
    """Fill a running platform with a synthetic data set through its gateway; fresh people on every run."""
    plan = plan_demo(referrals, seed=seed, today=datetime.now(UTC).date(), salt=time.time_ns())
    own = client is None
    client = client or httpx.AsyncClient(timeout=30.0)
    try:
        api = _Api(client, base_url)
        ids = await _programmes(api)
        # The enrolment deadline starts once every referral is posted, so big loads still get their 30 s.
        referral_ids = await asyncio.gather(*(_refer(api, p, ids[p.programme]) for p in plan))
        deadline = time.monotonic() + ACTIVE_WITHIN_S
        await asyncio.gather(*(_take_up(api, p, rid, ids[p.programme], deadline)
                               for p, rid in zip(plan, referral_ids, strict=True) if p.start_date is not None))
    finally:
        if own:
            await client.aclose()
    enrolled = [p for p in plan if p.start_date is not None]
    return DemoSummary(programmes=len(PROGRAMMES), referrals=len(plan), enrolments=len(enrolled),
                       ended=sum(p.end is not None for p in enrolled), outcomes=sum(len(p.outcomes) for p in enrolled))
