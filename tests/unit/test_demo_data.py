"""The demo data set: a plan the services' own checks accept, shaped like a VRU's year and a half,
and a loader that follows the platform's lifecycle and checks every answer."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import TypeAdapter

from vru_deploy import demo
from vru_deploy.demo import (
    PROGRAMMES,
    DemoLoadError,
    DemoSummary,
    Step,
    load_demo,
    nhs_check_digit,
    nhs_numbers,
    plan_demo,
    pnc_id,
    upn,
)
from vru_interventions.entrypoints.schemas import ContactIn, EnrolmentEndIn, ProgrammeIn
from vru_outcomes.domain.model import OutcomeRecord
from vru_outcomes.domain.projections import CohortMember
from vru_outcomes.entrypoints.schemas import OutcomeIn
from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.identifiers import IdentifierType, normalise
from vru_referrals.domain.model import Referral
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.subjects import Subject, age_on
from vru_referrals.entrypoints.requests import ReferralIn

TODAY = date(2026, 5, 1)
LAST = TODAY - timedelta(days=1)
UK = ZoneInfo("Europe/London")
REFERRAL_IN = TypeAdapter(ReferralIn)
OUTCOME_IN = TypeAdapter(OutcomeIn)
SPECS = {p.name: p for p in PROGRAMMES}
ALL_SOURCES = {"custody", "emergency_department", "school", "community", "youth_justice", "probation", "prison",
               "self"}


def _plan(referrals: int = 600, seed: int = 2026, salt: int = 0):
    return plan_demo(referrals, seed=seed, today=TODAY, salt=salt)


def _uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def _enrolled(plan):
    return [p for p in plan if p.enrolment is not None]


# --- identifiers ---------------------------------------------------------------------------------


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


def test_a_pnc_id_gets_the_check_character_of_its_year_and_padded_serial():
    # 240000001 % 23 = 15, and character 15 (from 0) of ZABCDEFGHJKLMNPQRTUVWXY is Q.
    assert pnc_id(2024, 1) == "24/0000001Q"
    rng = random.Random(3)
    for _ in range(500):
        value = pnc_id(rng.randint(2000, 2026), rng.randrange(1, 10_000_000))
        assert normalise(IdentifierType.PNC_ID, value) == value


def test_a_upn_gets_the_check_letter_of_its_weighted_characters():
    # Weights 2..13 over 999000125001: 18+27+36+0+0+0+8+18+50+0+0+13 = 170; 170 % 23 = 9 -> K.
    assert upn("999000125001") == "K999000125001"
    rng = random.Random(4)
    for _ in range(500):
        value = upn(f"{rng.randrange(10**12):012d}")
        assert normalise(IdentifierType.UPN, value) == value


# --- the plan's shape ----------------------------------------------------------------------------


def test_a_plan_is_the_same_for_the_same_seed_day_and_salt():
    assert _plan() == _plan()


def test_another_salt_gives_other_people_but_the_same_shape():
    first, second = _plan(salt=1), _plan(salt=2)
    numbers = [{i["value"] for p in plan for i in p.body["identifiers"] if i["type"] == "nhs_number"}
               for plan in (first, second)]
    assert numbers[0].isdisjoint(numbers[1])

    def shape(plan):
        return [(p.source, p.programme, p.referred_at, p.steps, p.enrolment and p.enrolment.start_date,
                 p.enrolment and p.enrolment.end) for p in plan]

    assert shape(first) == shape(second)


def test_another_seed_gives_another_plan():
    assert _plan(seed=1) != _plan(seed=2)


def test_referrals_come_from_all_eight_sources_over_the_past_eighteen_months_and_none_from_today():
    plan = _plan()
    assert set(Counter(p.source for p in plan)) == ALL_SOURCES
    days = [_uk_day(p.referred_at) for p in plan]
    assert max(days) <= LAST
    assert min(days) >= TODAY - timedelta(days=549)
    assert (max(days) - min(days)).days > 500


def test_every_referral_goes_to_a_programme_that_takes_its_source_and_age():
    for p in _plan():
        spec = SPECS[p.programme]
        assert p.source in spec.sources
        assert spec.min_age <= age_on(p.date_of_birth, _uk_day(p.referred_at)) <= spec.max_age


def test_every_planned_referral_passes_the_referrals_services_own_checks():
    now = datetime.combine(TODAY, datetime.min.time(), UTC)
    for p in _plan(400):
        spec = SPECS[p.programme]
        programme = Programme(id=uuid.uuid4(), name=spec.name, provider=spec.provider, tier=spec.tier,
                              accepted_sources=spec.sources, min_age=spec.min_age, max_age=spec.max_age,
                              capacity=spec.capacity, active_from=date(2023, 4, 1), active_to=None, updated_at=now)
        cmd = REFERRAL_IN.validate_python({"programme_id": str(programme.id), **p.body}).to_command()
        Referral.receive(referral_id=uuid.uuid4(), programme=programme, details=cmd.details,
                         referred_at=cmd.referred_at, index_event_at=cmd.index_event_at,
                         young_person=cmd.young_person, identifiers=cmd.identifiers,
                         subject=Subject.new(key=b"k" * 48, key_version=1, now=now),
                         risk_factors=cmd.risk_factors, lawful_basis=cmd.lawful_basis, now=now)


def test_school_exclusion_reasons_are_codes_of_the_dfe_version_in_force_on_the_exclusion_day():
    reasons = catalogue()["dfe_exclusion_reasons"]
    schools = [p for p in _plan() if p.source == "school"]
    for p in schools:
        version = reasons.version_on(_uk_day(datetime.fromisoformat(p.body["index_event_at"])))
        assert set(p.body["source_details"]["exclusion_reasons"]) <= set(version.codes)
    assert {"PD", "OW"} <= {r for p in schools for r in p.body["source_details"]["exclusion_reasons"]}


def test_the_index_event_is_the_arrest_or_the_assault_and_comes_before_the_referral():
    for p in _plan():
        details, index = p.body["source_details"], p.body["index_event_at"]
        assert datetime.fromisoformat(index) < p.referred_at
        if p.source == "custody":
            assert details["arrested_at"] == index
        if p.source == "emergency_department":
            assert details["assault_at"] == index
            assert index <= details["arrived_at"] <= p.body["referred_at"]


def test_each_source_sends_the_identifiers_it_would_hold():
    kinds = {}
    for p in _plan():
        kinds.setdefault(p.source, []).append({i["type"] for i in p.body["identifiers"]})
    assert all("pnc_id" in k for source in ("custody", "youth_justice", "prison", "probation") for k in kinds[source])
    assert all("upn" in k for k in kinds["school"])
    assert all(k == {"nhs_number"} for k in kinds["emergency_department"])
    assert all("local" in k for k in kinds["community"] + kinds["self"])
    locals_ = [i for p in _plan() for i in p.body["identifiers"] if i["type"] == "local"]
    assert all(i["issuer"] == "Kestrel Street Outreach" for i in locals_)


def test_some_young_people_are_referred_more_than_once_under_the_same_nhs_number():
    numbers = Counter(i["value"] for p in _plan() for i in p.body["identifiers"] if i["type"] == "nhs_number")
    assert 5 <= sum(n > 1 for n in numbers.values()) <= 60


def test_contact_details_are_synthetic():
    for p in _plan():
        contact = p.body["young_person"]["contact"]
        assert re.fullmatch(r"07700 900\d{3}", contact.get("phone", "07700 900000"))
        assert contact.get("email", "x@example.org").endswith("@example.org")
        if "address" in contact:
            assert re.fullmatch(r"ZX\d{1,2} \d[A-Z]{2}", contact["address"]["postcode"])
        if "parent_carer" in contact:
            assert re.fullmatch(r"07700 900\d{3}", contact["parent_carer"]["phone"])


def test_ethnicity_uses_both_codings_and_a_realistic_share_is_missing_or_not_stated():
    plan = _plan(2000)
    given = [p.body["young_person"].get("ethnicity") for p in plan]
    unknown = sum(e is None or e["code"] in ("not_stated", "Z") for e in given) / len(given)
    assert 0.07 < unknown < 0.2
    assert {e["coding"] for e in given if e} == {"ons_2021", "nhs_2001"}


def test_most_referrals_are_made_with_consent_and_the_rest_on_a_stated_basis():
    bases = Counter(p.body["lawful_basis"]["basis"] for p in _plan())
    assert bases["consent"] / sum(bases.values()) > 0.8
    assert bases["public_task"] > 0


def test_most_referrals_are_accepted_and_some_declined_or_withdrawn_with_coded_reasons():
    plan = _plan()
    first = Counter(p.steps[0].action if p.steps else "undecided" for p in plan)
    assert first["accept"] / len(plan) > 0.65
    assert first["decline"] > 0.05 * len(plan) and first["withdraw"] > 0 and first["undecided"] > 0
    lists = {"decline": "decline_reasons", "withdraw": "withdrawal_reasons", "close": "closure_reasons"}
    for step in (s for p in plan for s in p.steps if s.action != "accept"):
        assert step.reason in catalogue()[lists[step.action]].current.codes
        assert step.reason != "other"  # a reason of other needs a note


def test_only_referrals_accepted_and_not_withdrawn_or_closed_are_enrolled():
    for p in _plan():
        assert (p.enrolment is not None) == (p.steps == (Step("accept"),))


def test_about_half_of_the_enrolments_end_mostly_as_completed_and_all_on_past_days():
    enrolled = _enrolled(_plan())
    ended = [p.enrolment for p in enrolled if p.enrolment.end is not None]
    assert 0.35 < len(ended) / len(enrolled) < 0.6
    assert Counter(e.end[1] for e in ended).most_common(1)[0][0] == "completed"
    for p in enrolled:
        e = p.enrolment
        assert _uk_day(p.referred_at) <= e.start_date <= LAST
        if e.end is not None:
            assert e.start_date <= e.end[0] <= LAST
            EnrolmentEndIn(end_date=e.end[0], exit_reason=e.end[1])


def test_contacts_start_hours_or_days_after_the_referral_and_stay_within_the_enrolment():
    enrolled = _enrolled(_plan())
    waits = []
    for p in enrolled:
        e = p.enrolment
        moments = [ContactIn.model_validate(c).contact_at for c in e.contacts]
        assert moments == sorted(moments)
        for moment in moments:
            assert e.start_date <= moment.astimezone(UTC).date() <= (e.end[0] if e.end else LAST)
        if moments:
            waits.append((moments[0] - p.referred_at).total_seconds() / 3600)
    assert min(waits) >= 2
    assert sorted(waits)[len(waits) // 2] < 24 * 7
    assert sum(bool(p.enrolment.contacts) for p in enrolled) / len(enrolled) > 0.9


def test_every_planned_outcome_passes_the_outcomes_services_checks_against_the_enrolment_start():
    for p in _enrolled(_plan()):
        member = CohortMember(enrolment_id=uuid.uuid4(), referral_id=uuid.uuid4(), programme_id=uuid.uuid4(),
                              subject_pseudonym="p", start_date=p.enrolment.start_date)
        for body in p.enrolment.outcomes:
            o = OUTCOME_IN.validate_python({"enrolment_id": str(member.enrolment_id), **body})
            assert (o.proven_date if o.domain == "reoffending" else o.observed_on) <= LAST
            if o.domain == "reoffending":
                record = OutcomeRecord.record_reoffence(
                    enrolment_id=o.enrolment_id, offence_date=o.offence_date, proven_date=o.proven_date,
                    disposal=o.disposal, offence_category=o.offence_category, member=member)
            elif o.domain == "wellbeing":
                record = OutcomeRecord.record_wellbeing(
                    enrolment_id=o.enrolment_id, point=o.point, follow_up_months=o.follow_up_months,
                    observed_on=o.observed_on, scale=o.scale, score=o.score, member=member)
            else:
                record = OutcomeRecord.record_ete(
                    enrolment_id=o.enrolment_id, point=o.point, follow_up_months=o.follow_up_months,
                    observed_on=o.observed_on, status="neet", member=member)
            assert record.validation == "valid"


def test_every_enrolment_has_a_baseline_ete_record_and_every_ended_one_an_exit_ete_record():
    for p in _enrolled(_plan()):
        ete = [o["point"] for o in p.enrolment.outcomes if o["domain"] == "ete"]
        assert ete[0] == "baseline"
        assert ("exit" in ete) == (p.enrolment.end is not None)


def test_outcomes_cover_every_domain_with_follow_ups_and_some_proven_reoffences():
    outcomes = [o for p in _enrolled(_plan()) for o in p.enrolment.outcomes]
    assert {o["domain"] for o in outcomes} == {"ete", "wellbeing", "accommodation", "substance_misuse",
                                               "reoffending"}
    assert {o["follow_up_months"] for o in outcomes if o.get("point") == "follow_up"} == {6, 12}
    assert 20 < sum(o["domain"] == "reoffending" for o in outcomes) < 150


def _rate(plan, name, keep) -> float:
    chosen = [p for p in _enrolled(plan) if p.programme == name]
    return sum(keep(p.enrolment) for p in chosen) / len(chosen)


def test_programmes_reach_different_ete_and_reoffending_rates():
    plan = _plan(3000)
    in_ete_at_exit = {spec.name: _rate([p for p in plan if p.enrolment and p.enrolment.end], spec.name,
                                       lambda e: any(o.get("point") == "exit" and o["domain"] == "ete"
                                                     and o["status"] != "neet" for o in e.outcomes))
                      for spec in PROGRAMMES}
    assert max(in_ete_at_exit.values()) - min(in_ete_at_exit.values()) > 0.2
    reoffended = {spec.name: _rate(plan, spec.name, lambda e: any(o["domain"] == "reoffending" for o in e.outcomes))
                  for spec in PROGRAMMES}
    assert max(reoffended, key=reoffended.get) == "Through the Gate Prison Mentoring"
    assert min(reoffended, key=reoffended.get) == "School Inclusion Mentoring"


def test_wellbeing_scores_are_swemwbs_totals_and_rise_from_baseline_to_exit():
    scores: dict[str, list[int]] = {"baseline": [], "exit": []}
    for p in _enrolled(_plan(2000)):
        for o in p.enrolment.outcomes:
            if o["domain"] == "wellbeing":
                assert o["scale"] == "swemwbs" and 7 <= o["score"] <= 35
                scores.setdefault(o["point"], []).append(o["score"])
    assert mean(scores["exit"]) > mean(scores["baseline"]) + 1


def test_the_programmes_are_valid_running_for_over_two_years_and_some_have_a_place_limit():
    for spec in PROGRAMMES:
        body = ProgrammeIn.model_validate(spec.body(TODAY))
        assert body.active_from <= TODAY - timedelta(days=731)
    assert {s for spec in PROGRAMMES for s in spec.sources} == ALL_SOURCES
    assert any(spec.capacity for spec in PROGRAMMES)
    assert all(spec.capacity is None or spec.capacity > demo.PIPELINES for spec in PROGRAMMES)


# --- the loader against a fake platform ----------------------------------------------------------


def _problem(status: int, kind: str) -> httpx.Response:
    return httpx.Response(status, json={"type": f"https://vru-platform.example/problems/{kind}", "title": kind,
                                        "status": status})


class FakePlatform:
    """Just enough of the gateway's API, in memory, to drive the loader, with the lifecycle's rules."""

    def __init__(self, programmes: list[dict] | None = None, *, fail: str | None = None,
                 unknown_for: int = 2, reject: bool = False, rate_limited: int = 0) -> None:
        self.programmes = {p["name"]: p for p in programmes or []}
        self.referrals: dict[str, dict] = {}
        self.enrolments: dict[str, dict] = {}
        self.posted: Counter[str] = Counter()
        self.contacts: Counter[str] = Counter()
        self.unknown_for, self.fail, self.reject = unknown_for, fail, reject
        self.refusals: Counter[str] = Counter()
        self.rate_limited = rate_limited

    def _active(self, programme_id: str) -> int:
        return sum(e["status"] == "active" and e["programme_id"] == programme_id for e in self.enrolments.values())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content else None
        if self.fail and path.startswith(self.fail):
            return httpx.Response(500, json={"title": "boom"})
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"title": "Too Many Requests"})
        parts = path.split("/")
        self.posted[f"{parts[2]}/{parts[4]}" if len(parts) > 4 and method == "POST" else
                    (parts[2] if method == "POST" else "get")] += 1
        if method == "GET" and path == "/v1/programmes":
            offset = int(request.url.params["offset"])
            return httpx.Response(200, json={"items": sorted(self.programmes.values(),
                                                             key=lambda p: p["name"])[offset:offset + 200]})
        if method == "POST" and path == "/v1/programmes":
            ProgrammeIn.model_validate(body)
            if body["name"] in self.programmes:
                return _problem(409, "duplicate-programme")
            self.programmes[body["name"]] = {"id": str(uuid.uuid4()), **body}
            return httpx.Response(201, json=self.programmes[body["name"]])
        if method == "POST" and path == "/v1/referrals":
            REFERRAL_IN.validate_python(body)
            # The first referrals to each programme come before the programme's event reached the service.
            if self.refusals[body["programme_id"]] < self.unknown_for:
                self.refusals[body["programme_id"]] += 1
                return _problem(422, "unknown-programme")
            referral = {"id": str(uuid.uuid4()), "status": "received", "programme_id": body["programme_id"]}
            self.referrals[referral["id"]] = referral
            return httpx.Response(201, json=referral)
        if method == "POST" and path.startswith("/v1/referrals/"):
            referral, action = self.referrals[parts[3]], parts[4]
            allowed = {"accept": ("received",), "decline": ("received",), "withdraw": ("received", "accepted"),
                       "close": ("accepted",)}[action]
            if referral["status"] not in allowed:
                return _problem(409, "illegal-transition")
            referral["status"] = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn",
                                  "close": "closed"}[action]
            return httpx.Response(200, json=referral)
        if method == "POST" and path == "/v1/enrolments":
            referral = self.referrals[body["referral_id"]]
            assert referral["status"] == "accepted" and referral["programme_id"] == body["programme_id"]
            enrolment = {"id": str(uuid.uuid4()), "status": "awaiting_acceptance", "polls": 0, **body}
            self.enrolments[enrolment["id"]] = enrolment
            return httpx.Response(202, json=enrolment)
        if method == "GET" and path.startswith("/v1/enrolments/"):
            enrolment = self.enrolments[parts[3]]
            enrolment["polls"] += 1
            if enrolment["status"] == "awaiting_acceptance" and enrolment["polls"] >= 2:
                programme = next(p for p in self.programmes.values() if p["id"] == enrolment["programme_id"])
                full = programme["capacity"] is not None and self._active(programme["id"]) >= programme["capacity"]
                enrolment["status"] = "rejected" if self.reject else "waitlisted" if full else "active"
                enrolment["rejection_reason"] = "the referral was withdrawn" if self.reject else None
            return httpx.Response(200, json=enrolment)
        if method == "POST" and path.endswith("/contacts"):
            enrolment = self.enrolments[parts[3]]
            if enrolment["status"] != "active":
                return _problem(409, "illegal-transition")
            ContactIn.model_validate(body)
            self.contacts[enrolment["id"]] += 1
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        if method == "POST" and path.endswith("/end"):
            enrolment = self.enrolments[parts[3]]
            if enrolment["status"] != "active":
                return _problem(409, "illegal-transition")
            enrolment["status"] = "ended"
            return httpx.Response(200, json=enrolment)
        if method == "POST" and path == "/v1/outcomes":
            OUTCOME_IN.validate_python(body)
            assert self.enrolments[body["enrolment_id"]]["status"] in ("active", "ended")
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        return httpx.Response(404, json={"title": "not found"})


async def _load(platform: FakePlatform, referrals: int = 120) -> DemoSummary:
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as client:
        return await load_demo("http://gateway.test/", referrals=referrals, seed=7, client=client)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    monkeypatch.setattr(demo, "RETRY_DELAY_S", 0.0)


async def test_the_loader_follows_the_lifecycle_and_summarises_what_it_made():
    platform = FakePlatform()
    summary = await _load(platform)
    assert summary.programmes == len(PROGRAMMES) == len(platform.programmes)
    assert summary.referrals == len(platform.referrals) == 120
    statuses = Counter(r["status"] for r in platform.referrals.values())
    assert summary.declined == statuses["declined"] and summary.closed == statuses["closed"]
    assert summary.accepted == platform.posted["referrals/accept"]
    assert summary.withdrawn == statuses["withdrawn"]
    enrolments = Counter(e["status"] for e in platform.enrolments.values())
    assert summary.enrolments == enrolments["active"] + enrolments["ended"]
    assert summary.ended == enrolments["ended"] == platform.posted["enrolments/end"]
    assert summary.waitlisted == enrolments["waitlisted"]
    assert summary.contacts == sum(platform.contacts.values()) > summary.enrolments
    assert summary.outcomes == platform.posted["outcomes"]


async def test_the_programmes_are_created_with_their_full_terms():
    platform = FakePlatform()
    await _load(platform, referrals=10)
    made = platform.programmes["Targeted Youth Outreach"]
    assert made["accepted_sources"] == ["community", "school", "self"]
    assert (made["tier"], made["min_age"], made["max_age"], made["capacity"]) == ("secondary", 10, 21, 12)


async def test_a_referral_to_a_programme_not_yet_known_to_the_referrals_service_is_retried():
    platform = FakePlatform(unknown_for=3)
    summary = await _load(platform, referrals=30)
    assert summary.referrals == len(platform.referrals) == 30
    assert all(n == 3 for n in platform.refusals.values())


async def test_a_programme_that_never_reaches_the_referrals_service_stops_the_loader(monkeypatch):
    monkeypatch.setattr(demo, "PROGRAMME_KNOWN_WITHIN_S", 0.0)
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 422.*unknown-programme"):
        await _load(FakePlatform(unknown_for=1000), referrals=5)


async def test_a_full_programme_waitlists_the_open_enrolments_past_its_capacity_and_they_get_no_history():
    outreach = next(s for s in PROGRAMMES if s.name == "Targeted Youth Outreach")
    platform = FakePlatform()
    summary = await _load(platform, referrals=400)
    programme_id = platform.programmes[outreach.name]["id"]
    waiting = [e for e in platform.enrolments.values() if e["status"] == "waitlisted"]
    assert summary.waitlisted == len(waiting) > 0
    assert platform._active(programme_id) == outreach.capacity
    assert all(platform.contacts[e["id"]] == 0 for e in waiting)


async def test_over_the_gateways_rate_limit_the_loader_waits_as_told_and_carries_on():
    # Every retry spent on the first request: it gets through on the last.
    platform = FakePlatform(rate_limited=demo.RATE_LIMITED_RETRIES)
    summary = await _load(platform, referrals=20)
    assert platform.rate_limited == 0
    assert summary.referrals == len(platform.referrals) == 20


async def test_a_rate_limit_that_never_lifts_stops_the_loader():
    with pytest.raises(DemoLoadError, match=r"GET /v1/programmes answered 429"):
        await _load(FakePlatform(rate_limited=10_000), referrals=5)


async def test_the_loader_reuses_programmes_that_already_exist():
    existing = [{"id": str(uuid.uuid4()), **spec.body(date.today())} for spec in PROGRAMMES]
    platform = FakePlatform(existing)
    await _load(platform, referrals=20)
    assert platform.posted["programmes"] == 0


async def test_an_existing_programme_the_referrals_do_not_fit_stops_the_loader_before_any_referral():
    existing = [{"id": str(uuid.uuid4()), **spec.body(date.today())} for spec in PROGRAMMES]
    existing[0]["accepted_sources"] = ["custody"]
    platform = FakePlatform(existing)
    with pytest.raises(DemoLoadError, match=r"programme 'Custody Mentoring' exists with terms"):
        await _load(platform)
    assert platform.referrals == {}


async def test_an_enrolment_that_is_rejected_stops_the_loader_with_the_reason():
    with pytest.raises(DemoLoadError, match=r"did not start: the referral was withdrawn"):
        await _load(FakePlatform(reject=True), referrals=20)


async def test_an_unexpected_status_stops_the_loader_with_a_clear_error():
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 500, expected 201"):
        await _load(FakePlatform(fail="/v1/referrals"))
