"""The demo data set: valid test NHS numbers, a plausible deterministic plan, and a loader that checks every answer."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import date, timedelta

import httpx
import pytest

from vru_deploy.demo import (
    PROGRAMMES,
    DemoLoadError,
    DemoSummary,
    load_demo,
    nhs_check_digit,
    nhs_numbers,
    plan_demo,
)
from vru_referrals.domain.subjects import IdentifierType, age_on, normalise

TODAY = date(2026, 5, 1)


def _plan(referrals: int = 600, seed: int = 2026, salt: int = 0):
    return plan_demo(referrals, seed=seed, today=TODAY, salt=salt)


def test_generated_nhs_numbers_pass_the_platforms_own_check_and_are_in_the_999_test_range():
    numbers = nhs_numbers(random.Random(1))
    for _ in range(2000):
        n = next(numbers)
        assert n.startswith("999")
        assert normalise(IdentifierType.NHS_NUMBER, n) == n


def test_the_check_digit_is_none_when_modulus_11_would_need_a_ten():
    # 9 digits whose weighted sum leaves remainder 1 need a check digit of 10: no valid number exists.
    stems = [f"999{i:06d}" for i in range(5000)]
    assert any(nhs_check_digit(s) is None for s in stems)
    assert all(0 <= c <= 9 for s in stems if (c := nhs_check_digit(s)) is not None)


def test_a_plan_is_the_same_for_the_same_seed_day_and_salt():
    assert _plan() == _plan()


def test_another_salt_gives_other_people_but_the_same_shape():
    first, second = _plan(salt=1), _plan(salt=2)
    assert {p.identifier for p in first}.isdisjoint({p.identifier for p in second})
    assert [(p.source, p.referred_at, p.start_date, p.end) for p in first] == \
        [(p.source, p.referred_at, p.start_date, p.end) for p in second]


def test_another_seed_gives_another_plan():
    assert _plan(seed=1) != _plan(seed=2)


def test_referrals_come_from_all_three_sources_over_the_past_eighteen_months():
    plan = _plan()
    assert set(Counter(p.source for p in plan)) == {"custody", "emergency_department", "school"}
    days = [p.referred_at.date() for p in plan]
    assert max(days) < TODAY
    assert min(days) >= TODAY - timedelta(days=550)
    assert all(p.referred_at.tzinfo is not None for p in plan)


def test_ages_are_10_to_24_and_mostly_14_to_19():
    ages = [age_on(p.date_of_birth, p.referred_at.date()) for p in _plan()]
    assert min(ages) >= 10 and max(ages) <= 24
    assert sum(14 <= a <= 19 for a in ages) / len(ages) > 0.6


def test_identifiers_are_mostly_valid_nhs_numbers_and_some_local_ids():
    kinds = Counter(p.identifier_type for p in _plan())
    assert set(kinds) == {"nhs_number", "local"}
    assert kinds["nhs_number"] > 3 * kinds["local"]
    for p in _plan():
        assert normalise(IdentifierType(p.identifier_type), p.identifier) == p.identifier


def test_about_sixty_percent_are_enrolled_and_about_half_of_those_ended():
    plan = _plan()
    enrolled = [p for p in plan if p.start_date is not None]
    assert 0.5 < len(enrolled) / len(plan) < 0.7
    ended = [p for p in enrolled if p.end is not None]
    assert 0.35 < len(ended) / len(enrolled) < 0.65
    assert Counter(reason for _, reason in (p.end for p in ended)).most_common(1)[0][0] == "completed"


def test_every_planned_date_is_one_the_platform_accepts():
    for p in _plan():
        assert p.date_of_birth < p.referred_at.date()
        if p.start_date is None:
            assert p.end is None and p.outcomes == ()
            continue
        assert p.referred_at.date() <= p.start_date <= TODAY
        if p.end is not None:
            assert p.start_date <= p.end[0] <= TODAY
        for o in p.outcomes:
            earliest = p.start_date - timedelta(days=31) if o.point == "baseline" else p.start_date
            assert earliest <= o.observed_on <= TODAY
            assert (o.point == "follow_up") == (o.follow_up_months is not None)


def test_every_enrolment_has_a_baseline_and_every_ended_one_an_exit_outcome():
    for p in _plan():
        points = [o.point for o in p.outcomes]
        if p.start_date is not None:
            assert points[0] == "baseline"
            assert ("exit" in points) == (p.end is not None)


def test_baselines_are_mostly_neet_and_exits_are_more_often_in_ete():
    outcomes = [o for p in _plan(2000) for o in p.outcomes]
    neet = {point: sum(o.status == "neet" for o in outcomes if o.point == point) /
            sum(o.point == point for o in outcomes) for point in ("baseline", "exit")}
    assert neet["baseline"] > 0.55
    assert neet["exit"] < neet["baseline"] - 0.15


def test_programmes_reach_different_exit_ete_rates():
    rates = {}
    for name, *_ in PROGRAMMES:
        exits = [o for p in _plan(3000) if p.programme == name for o in p.outcomes if o.point == "exit"]
        rates[name] = sum(o.status != "neet" for o in exits) / len(exits)
    assert max(rates.values()) - min(rates.values()) > 0.2


class FakePlatform:
    """Just enough of the gateway's API, in memory, to drive the loader."""

    def __init__(self, programmes: dict[str, str] | None = None, fail: str | None = None) -> None:
        self.programmes = dict(programmes or {})
        self.enrolments: dict[str, dict] = {}
        self.polls: Counter[str] = Counter()
        self.posted: Counter[str] = Counter()
        self.fail = fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content else None
        if self.fail and path.startswith(self.fail):
            return httpx.Response(500, json={"title": "boom"})
        self.posted[path.split("/")[2] if method == "POST" else "get"] += 1
        if method == "GET" and path == "/v1/programmes":
            offset = int(request.url.params["offset"])
            items = [{"id": i, "name": n} for n, i in sorted(self.programmes.items())][offset:offset + 200]
            return httpx.Response(200, json={"items": items})
        if method == "POST" and path == "/v1/programmes":
            if body["name"] in self.programmes:
                return httpx.Response(409, json={"title": "duplicate"})
            self.programmes[body["name"]] = str(uuid.uuid4())
            return httpx.Response(201, json={"id": self.programmes[body["name"]], **body})
        if method == "POST" and path == "/v1/referrals":
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        if method == "POST" and path == "/v1/enrolments":
            enrolment = {"id": str(uuid.uuid4()), "status": "awaiting_referral"}
            self.enrolments[enrolment["id"]] = enrolment
            return httpx.Response(202, json=enrolment)
        if method == "GET" and path.startswith("/v1/enrolments/"):
            enrolment = self.enrolments[path.rsplit("/", 1)[1]]
            self.polls[enrolment["id"]] += 1
            if self.polls[enrolment["id"]] >= 2:
                enrolment["status"] = "active"
            return httpx.Response(200, json=enrolment)
        if method == "POST" and path.endswith("/end"):
            enrolment = self.enrolments[path.split("/")[3]]
            assert enrolment["status"] == "active"
            enrolment["status"] = "ended"
            return httpx.Response(200, json=enrolment)
        if method == "POST" and path == "/v1/outcomes":
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        return httpx.Response(404, json={"title": "not found"})


async def _load(platform: FakePlatform, referrals: int = 40) -> DemoSummary:
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as client:
        return await load_demo("http://gateway.test/", referrals=referrals, seed=7, client=client)


async def test_the_loader_waits_for_enrolments_to_start_and_summarises_what_it_made():
    platform = FakePlatform()
    summary = await _load(platform)
    assert summary.programmes == len(PROGRAMMES) == len(platform.programmes)
    assert summary.referrals == platform.posted["referrals"] == 40
    assert summary.enrolments == platform.posted["enrolments"] - summary.ended
    assert summary.outcomes == platform.posted["outcomes"]
    assert all(e["status"] in {"active", "ended"} for e in platform.enrolments.values())


async def test_the_loader_reuses_programmes_that_already_exist():
    platform = FakePlatform({name: str(uuid.uuid4()) for name, *_ in PROGRAMMES})
    await _load(platform)
    assert platform.posted["programmes"] == 0


async def test_an_unexpected_status_stops_the_loader_with_a_clear_error():
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 500, expected 201"):
        await _load(FakePlatform(fail="/v1/referrals"))
