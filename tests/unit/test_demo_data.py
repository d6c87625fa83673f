"""The demo data set: a plan the services' own checks accept, shaped like a VRU's year and a half,
and a loader that follows the platform's lifecycle, acting as the organisation each call belongs to,
and checks every answer."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from urllib.parse import parse_qsl, unquote_plus
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import TypeAdapter
from typer.testing import CliRunner

from vru_deploy.cli import app as cli
from vru_deploy.demo import (
    ClientCredentials,
    DemoLoadError,
    DemoSummary,
    Patience,
    credentials_from,
    load_demo,
    plan_demo,
    read_credentials,
)
from vru_deploy.demo.actors import Actor
from vru_deploy.demo.gateway import Gateway
from vru_deploy.demo.identifiers import nhs_check_digit, nhs_numbers, pnc_id, upn
from vru_deploy.demo.loader import PIPELINES
from vru_deploy.demo.organisations import ORGANISATIONS
from vru_deploy.demo.plan import Step
from vru_deploy.demo.programmes import PROGRAMMES
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
        body = ProgrammeIn.model_validate(spec.body(TODAY, str(uuid.uuid4())))
        assert body.active_from <= TODAY - timedelta(days=731)
    assert {s for spec in PROGRAMMES for s in spec.sources} == ALL_SOURCES
    assert any(spec.capacity for spec in PROGRAMMES)
    assert all(spec.capacity is None or spec.capacity > PIPELINES for spec in PROGRAMMES)


# Who refers from each source, written out by hand: the loader must act as exactly these.
REFERRER_OF = {
    "custody": "Exampleshire Police Custody and Investigation Command",
    "emergency_department": "Exampleton Hospitals NHS Trust Emergency Department",
    "school": "Northmere Learning Trust",
    "youth_justice": "Exampleshire Youth Justice Service",
    "probation": "Exampleshire Probation Delivery Unit",
    "prison": "HMP Exampleton",
    "community": "Southby Community Hub",
    "self": "Southby Community Hub",
}


def test_every_referral_is_made_by_the_referrer_of_its_source_and_decided_by_its_programmes_provider():
    for p in _plan():
        assert p.referrer == REFERRER_OF[p.source]
        assert p.provider == SPECS[p.programme].provider


def test_the_demo_has_a_provider_per_programme_seven_referrers_and_a_vru_all_with_distinct_names():
    roles = Counter(o.role for o in ORGANISATIONS)
    assert roles == {"provider": 5, "referrer": 7, "vru": 1}
    assert len({o.name.casefold() for o in ORGANISATIONS}) == 13
    assert {o.name for o in ORGANISATIONS if o.role == "provider"} == {s.provider for s in PROGRAMMES}


# --- the loader against a fake platform ----------------------------------------------------------

ADMIN = ClientCredentials("vru_" + "a" * 24, "admin+secret/with=odd&chars")
QUICK = Patience(retry_delay_s=0.0, longest_retry_delay_s=0.0)
ACTIONS = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn", "close": "closed"}


def _problem(status: int, kind: str) -> httpx.Response:
    return httpx.Response(status, json={"type": f"https://vru-platform.example/problems/{kind}", "title": kind,
                                        "status": status})


def _not_found() -> httpx.Response:
    return _problem(404, "not-found")


class FakePlatform:
    """Just enough of the gateway's API, in memory, to drive the loader: client credentials, fake
    tokens that name the client's organisation, each call allowed only to the organisation it
    belongs to (404 for any other), and the lifecycle's rules."""

    def __init__(self, programmes: list[dict] | None = None, *, organisations: list[dict] | None = None,
                 fail: str | None = None, unknown_for: int = 2, unregistered_for: int = 2, reject: bool = False,
                 rate_limited: int = 0, token_lifetime: int = 300, lasts_for: int | None = None) -> None:
        admin_org = {"id": str(uuid.uuid4()), "name": "Platform administrators", "role": "administrator",
                     "active": True}
        self.organisations = {o["id"]: o for o in [admin_org, *(organisations or [])]}
        self.clients = {ADMIN.client_id: {"secret": ADMIN.client_secret, "organisation_id": admin_org["id"],
                                          "revoked": False}}
        self.tokens: dict[str, dict] = {}
        self.issued: Counter[str] = Counter()
        self.authorised: Counter[str] = Counter()
        self.programmes = {p["name"]: p for p in programmes or []}
        self.referrals: dict[str, dict] = {}
        self.enrolments: dict[str, dict] = {}
        self.posted: Counter[str] = Counter()
        self.contacts: Counter[str] = Counter()
        self.acted: Counter[tuple[str, str]] = Counter()
        self.unknown_for, self.unregistered_for, self.fail, self.reject = unknown_for, unregistered_for, fail, reject
        self.refusals: Counter[str] = Counter()
        self.unregistered: Counter[str] = Counter()
        self.rate_limited = rate_limited
        # A token expires once `lasts_for` requests (of all clients) have been let in after it was issued.
        self.token_lifetime, self.lasts_for = token_lifetime, lasts_for

    # --- who is calling ---

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        assert scheme == "Basic" and form == {"grant_type": "client_credentials"}
        raw_id, _, raw_secret = base64.b64decode(encoded).decode().partition(":")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        client = self.clients.get(client_id)
        if client is None or client["secret"] != secret or client["revoked"]:
            return httpx.Response(401, json={"error": "invalid_client",
                                             "error_description": "client authentication failed"})
        token = f"token-{uuid.uuid4().hex}"
        self.tokens[token] = {"client_id": client_id, "issued_at": sum(self.authorised.values())}
        self.issued[client_id] += 1
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer",
                                         "expires_in": self.token_lifetime})

    def _caller(self, request: httpx.Request) -> dict | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        held = self.tokens.get(token) if scheme == "Bearer" else None
        if held is None or (self.lasts_for and sum(self.authorised.values()) - held["issued_at"] >= self.lasts_for):
            return None
        self.authorised[held["client_id"]] += 1
        return self.organisations[self.clients[held["client_id"]]["organisation_id"]]

    def _programme(self, programme_id: str) -> dict:
        return next(p for p in self.programmes.values() if p["id"] == programme_id)

    def _provides(self, caller: dict, programme_id: str) -> bool:
        return self._programme(programme_id)["provider_organisation_id"] == caller["id"]

    def _active(self, programme_id: str) -> int:
        return sum(e["status"] == "active" and e["programme_id"] == programme_id for e in self.enrolments.values())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if self.fail and path.startswith(self.fail):
            return httpx.Response(500, json={"title": "boom"})
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"title": "Too Many Requests"})
        if method == "POST" and path == "/v1/auth/token":
            return self._token(request)
        caller = self._caller(request)
        if caller is None:
            return _problem(401, "unauthenticated")
        body = json.loads(request.content) if request.content else None
        parts = path.split("/")
        self.posted[f"{parts[2]}/{parts[4]}" if len(parts) > 4 and method == "POST" else
                    (parts[2] if method == "POST" else "get")] += 1
        role = caller["role"]
        if parts[2] in ("organisations", "clients") or (parts[2] == "programmes" and method == "POST"):
            if role != "administrator":
                return _problem(403, "insufficient-scope")
            return self._administer(method, path, parts, body)
        if method == "GET" and path == "/v1/programmes":
            offset = int(request.url.params["offset"])
            return httpx.Response(200, json={"items": sorted(self.programmes.values(),
                                                             key=lambda p: p["name"])[offset:offset + 200]})
        if parts[2] == "referrals":
            return self._referrals(caller, method, parts, body)
        if role != "provider":
            return _problem(403, "insufficient-scope")
        self.acted[(parts[-1] if method == "POST" else "read", caller["name"])] += 1
        return self._provide(caller, method, path, parts, body)

    # --- administrators ---

    def _administer(self, method: str, path: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "GET" and path == "/v1/organisations":
            return httpx.Response(200, json={"items": sorted(self.organisations.values(), key=lambda o: o["name"])})
        if method == "POST" and path == "/v1/organisations":
            if any(o["name"].casefold() == body["name"].casefold() for o in self.organisations.values()):
                return _problem(409, "duplicate-organisation")
            made = {"id": str(uuid.uuid4()), "name": body["name"], "role": body["role"], "active": True}
            self.organisations[made["id"]] = made
            return httpx.Response(201, json=made)
        if method == "POST" and path.endswith("/clients"):
            client_id = "vru_" + uuid.uuid4().hex[:24]
            self.clients[client_id] = {"secret": f"secret-{uuid.uuid4()}", "organisation_id": parts[3],
                                       "revoked": False}
            return httpx.Response(201, json={"client_id": client_id, "organisation_id": parts[3], "name": body["name"],
                                             "client_secret": self.clients[client_id]["secret"]})
        if method == "POST" and path.endswith("/revoke"):
            self.clients[parts[3]]["revoked"] = True
            return httpx.Response(200, json={"client_id": parts[3]})
        if method == "POST" and path == "/v1/programmes":
            ProgrammeIn.model_validate(body)
            provider = self.organisations.get(body["provider_organisation_id"])
            # The provider's registration reaches the interventions service a little after it is made.
            if provider is None or self.unregistered[provider["id"]] < self.unregistered_for:
                self.unregistered[body["provider_organisation_id"]] += 1
                return _problem(422, "unknown-organisation")
            assert provider["role"] == "provider"
            if body["name"] in self.programmes:
                return _problem(409, "duplicate-programme")
            self.programmes[body["name"]] = {"id": str(uuid.uuid4()), **body, "provider": provider["name"]}
            return httpx.Response(201, json=self.programmes[body["name"]])
        return _not_found()

    # --- referrers and providers ---

    def _referrals(self, caller: dict, method: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "POST" and len(parts) == 3:
            if caller["role"] != "referrer":
                return _problem(403, "insufficient-scope")
            REFERRAL_IN.validate_python(body)
            # The first referrals to each programme come before the programme's event reached the service.
            if self.refusals[body["programme_id"]] < self.unknown_for:
                self.refusals[body["programme_id"]] += 1
                return _problem(422, "unknown-programme")
            referral = {"id": str(uuid.uuid4()), "status": "received", "programme_id": body["programme_id"],
                        "source": body["source"], "referrer": caller["id"], "referrer_name": caller["name"]}
            self.referrals[referral["id"]] = referral
            return httpx.Response(201, json=referral)
        referral, action = self.referrals[parts[3]], parts[4]
        mine = referral["referrer"] == caller["id"] if action == "withdraw" else \
            self._provides(caller, referral["programme_id"])
        if not mine:
            return _not_found()
        self.acted[(action, caller["name"])] += 1
        allowed = {"accept": ("received",), "decline": ("received",), "withdraw": ("received", "accepted"),
                   "close": ("accepted",)}[action]
        if referral["status"] not in allowed:
            return _problem(409, "illegal-transition")
        referral["status"] = ACTIONS[action]
        return httpx.Response(200, json=referral)

    def _provide(self, caller: dict, method: str, path: str, parts: list[str], body: dict | None) -> httpx.Response:
        if method == "POST" and path == "/v1/enrolments":
            referral = self.referrals[body["referral_id"]]
            if not self._provides(caller, body["programme_id"]):
                return _not_found()
            assert referral["status"] == "accepted" and referral["programme_id"] == body["programme_id"]
            enrolment = {"id": str(uuid.uuid4()), "status": "awaiting_acceptance", "polls": 0, **body}
            self.enrolments[enrolment["id"]] = enrolment
            return httpx.Response(202, json=enrolment)
        if method == "POST" and path == "/v1/outcomes":
            OUTCOME_IN.validate_python(body)
            enrolment = self.enrolments[body["enrolment_id"]]
            if not self._provides(caller, enrolment["programme_id"]):
                return _not_found()
            assert enrolment["status"] in ("active", "ended")
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        enrolment = self.enrolments[parts[3]]
        if not self._provides(caller, enrolment["programme_id"]):
            return _not_found()
        if method == "GET":
            enrolment["polls"] += 1
            if enrolment["status"] == "awaiting_acceptance" and enrolment["polls"] >= 2:
                programme = self._programme(enrolment["programme_id"])
                full = programme["capacity"] is not None and self._active(programme["id"]) >= programme["capacity"]
                enrolment["status"] = "rejected" if self.reject else "waitlisted" if full else "active"
                enrolment["rejection_reason"] = "the referral was withdrawn" if self.reject else None
            return httpx.Response(200, json=enrolment)
        if enrolment["status"] != "active":
            return _problem(409, "illegal-transition")
        if path.endswith("/contacts"):
            ContactIn.model_validate(body)
            self.contacts[enrolment["id"]] += 1
            return httpx.Response(201, json={"id": str(uuid.uuid4())})
        enrolment["status"] = "ended"
        return httpx.Response(200, json=enrolment)

    # --- what the tests look at ---

    def named(self, name: str) -> dict:
        return next(o for o in self.organisations.values() if o["name"] == name)

    def demo_clients(self) -> list[dict]:
        return [c for client_id, c in self.clients.items() if client_id != ADMIN.client_id]


def _demo_organisations() -> list[dict]:
    return [{"id": str(uuid.uuid4()), "name": o.name, "role": o.role, "active": True} for o in ORGANISATIONS]


def _existing_programmes(organisations: list[dict]) -> list[dict]:
    ids = {o["name"]: o["id"] for o in organisations}
    return [{"id": str(uuid.uuid4()), **spec.body(date.today(), ids[spec.provider]), "provider": spec.provider}
            for spec in PROGRAMMES]


async def _load(platform: FakePlatform, referrals: int = 120, credentials: ClientCredentials = ADMIN,
                patience: Patience = QUICK) -> DemoSummary:
    async def answer(request: httpx.Request) -> httpx.Response:
        # Requests in flight at once interleave, as they would over a network.
        await asyncio.sleep(0)
        return platform(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        return await load_demo("http://gateway.test/", credentials, referrals=referrals, seed=7, client=client,
                               patience=patience)


async def test_the_loader_follows_the_lifecycle_and_summarises_what_it_made():
    platform = FakePlatform()
    summary = await _load(platform)
    assert summary.organisations == 13 == len(platform.organisations) - 1
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


async def test_the_organisations_are_registered_with_their_roles():
    platform = FakePlatform()
    await _load(platform, referrals=10)
    roles = {o["name"]: o["role"] for o in platform.organisations.values()}
    assert {name: roles[name] for name in REFERRER_OF.values()} == dict.fromkeys(REFERRER_OF.values(), "referrer")
    assert roles["Larkfield Youth Trust"] == roles["Willowmere Learning Mentors"] == "provider"
    assert roles["Exampleshire Violence Reduction Unit"] == "vru"


async def test_every_call_is_made_as_the_organisation_it_belongs_to():
    platform = FakePlatform()
    await _load(platform, referrals=200)
    for referral in platform.referrals.values():
        assert referral["referrer_name"] == REFERRER_OF[referral["source"]]
    acted_as = {}
    for (action, name), _ in platform.acted.items():
        acted_as.setdefault(action, set()).add(name)
    # The fake answers 404 to any other organisation, so the load would have failed; and the right ones acted.
    assert acted_as["withdraw"] <= set(REFERRER_OF.values())
    providers = {spec.provider for spec in PROGRAMMES}
    for action in ("accept", "decline", "close", "enrolments", "contacts", "end", "outcomes", "read"):
        assert acted_as[action] <= providers, action
    assert acted_as["enrolments"] == providers


async def test_the_programmes_are_created_run_by_their_provider_organisations_with_their_full_terms():
    platform = FakePlatform()
    await _load(platform, referrals=10)
    made = platform.programmes["Targeted Youth Outreach"]
    assert made["provider_organisation_id"] == platform.named("Kestrel Street Outreach")["id"]
    assert made["accepted_sources"] == ["community", "school", "self"]
    assert (made["tier"], made["min_age"], made["max_age"], made["capacity"]) == ("secondary", 10, 21, 12)


async def test_a_programme_whose_provider_is_not_yet_known_to_the_interventions_service_is_retried():
    platform = FakePlatform(unregistered_for=3)
    await _load(platform, referrals=10)
    assert len(platform.programmes) == 5
    assert set(platform.unregistered.values()) == {3}


async def test_a_provider_that_never_reaches_the_interventions_service_stops_the_loader():
    patience = Patience(retry_delay_s=0.0, organisation_known_within_s=0.0)
    with pytest.raises(DemoLoadError, match=r"POST /v1/programmes answered 422.*unknown-organisation"):
        await _load(FakePlatform(unregistered_for=1000), referrals=5, patience=patience)


async def test_organisations_already_registered_are_reused_by_name_ignoring_case_and_spacing():
    existing = _demo_organisations()
    existing[0]["name"] = "  " + existing[0]["name"].upper().replace(" ", "  ")
    platform = FakePlatform(organisations=existing)
    await _load(platform, referrals=20)
    assert len(platform.organisations) == 14
    assert platform.posted["organisations"] == 0


async def test_an_organisation_of_the_same_name_but_another_role_stops_the_loader_before_any_referral():
    existing = [{"id": str(uuid.uuid4()), "name": "HMP Exampleton", "role": "provider", "active": True}]
    platform = FakePlatform(organisations=existing)
    with pytest.raises(DemoLoadError, match=r"'HMP Exampleton' exists as a provider organisation.*needs a referrer"):
        await _load(platform)
    assert platform.referrals == {} and platform.demo_clients() == []


async def test_each_acting_organisation_gets_a_fresh_client_revoked_at_the_end():
    platform = FakePlatform()
    await _load(platform, referrals=20)
    await _load(platform, referrals=20)
    clients = platform.demo_clients()
    # Five providers and seven referrers act; the VRU only reads, so it gets no client.
    assert len(clients) == 2 * 12
    assert all(c["revoked"] for c in clients)
    assert not platform.clients[ADMIN.client_id]["revoked"]
    vru = platform.named("Exampleshire Violence Reduction Unit")
    assert all(c["organisation_id"] != vru["id"] for c in clients)


async def test_the_clients_are_revoked_when_the_load_fails_too():
    platform = FakePlatform(fail="/v1/enrolments")
    with pytest.raises(DemoLoadError):
        await _load(platform, referrals=20)
    assert len(platform.demo_clients()) == 12 and all(c["revoked"] for c in platform.demo_clients())


async def test_a_token_is_kept_while_it_lasts():
    platform = FakePlatform(token_lifetime=300)
    await _load(platform, referrals=40)
    assert set(platform.issued.values()) == {1}
    assert len(platform.issued) == 13


async def test_a_token_is_renewed_once_four_fifths_of_its_life_have_passed():
    platform, now = FakePlatform(token_lifetime=100), [1000.0]
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as client:
        admin = Actor(Gateway(client, "http://gateway.test", QUICK), "the administrator", ADMIN,
                      clock=lambda: now[0])
        issued = []
        for moment in (1000.0, 1079.9, 1080.0, 1159.9, 1160.0):
            now[0] = moment
            await admin.call("GET", "/v1/organisations?limit=200&offset=0", (200,))
            issued.append(platform.issued[ADMIN.client_id])
    # 80 s of a 100 s token: renewed at 1080, and again 80 s after that.
    assert issued == [1, 1, 2, 2, 3]


async def test_a_token_refused_as_expired_is_renewed_and_the_request_sent_again():
    platform = FakePlatform(lasts_for=60)
    summary = await _load(platform, referrals=60)
    assert summary.referrals == len(platform.referrals) == 60
    assert platform.issued[ADMIN.client_id] > 1
    # Requests that find the same token expired at once renew it once between them: a client's
    # token is renewed at most once in every 60 requests let in.
    assert max(platform.issued.values()) <= sum(platform.authorised.values()) // 60 + 1


async def test_credentials_the_platform_refuses_stop_the_loader_saying_where_they_come_from():
    wrong = ClientCredentials(ADMIN.client_id, "not-the-secret")
    with pytest.raises(DemoLoadError, match=r"no access token for the administrator.*invalid_client.*--credentials"):
        await _load(FakePlatform(), credentials=wrong)


async def test_a_referral_to_a_programme_not_yet_known_to_the_referrals_service_is_retried():
    platform = FakePlatform(unknown_for=3)
    summary = await _load(platform, referrals=30)
    assert summary.referrals == len(platform.referrals) == 30
    assert all(n == 3 for n in platform.refusals.values())


async def test_a_programme_that_never_reaches_the_referrals_service_stops_the_loader():
    patience = Patience(retry_delay_s=0.0, programme_known_within_s=0.0)
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 422.*unknown-programme"):
        await _load(FakePlatform(unknown_for=1000), referrals=5, patience=patience)


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
    platform = FakePlatform(rate_limited=QUICK.rate_limited_retries)
    summary = await _load(platform, referrals=20)
    assert platform.rate_limited == 0
    assert summary.referrals == len(platform.referrals) == 20


async def test_a_rate_limit_that_never_lifts_stops_the_loader():
    with pytest.raises(DemoLoadError, match=r"POST /v1/auth/token answered 429"):
        await _load(FakePlatform(rate_limited=10_000), referrals=5)


async def test_the_loader_reuses_programmes_that_already_exist():
    organisations = _demo_organisations()
    platform = FakePlatform(_existing_programmes(organisations), organisations=organisations)
    await _load(platform, referrals=20)
    assert platform.posted["programmes"] == 0


async def test_an_existing_programme_run_by_another_organisation_stops_the_loader_before_any_referral():
    organisations = _demo_organisations()
    programmes = _existing_programmes(organisations)
    programmes[1]["provider_organisation_id"] = str(uuid.uuid4())
    platform = FakePlatform(programmes, organisations=organisations)
    with pytest.raises(DemoLoadError, match=r"programme 'A&E Youth Navigators' exists, run by organisation"):
        await _load(platform)
    assert platform.referrals == {}


async def test_an_existing_programme_the_referrals_do_not_fit_stops_the_loader_before_any_referral():
    organisations = _demo_organisations()
    programmes = _existing_programmes(organisations)
    programmes[0]["accepted_sources"] = ["custody"]
    platform = FakePlatform(programmes, organisations=organisations)
    with pytest.raises(DemoLoadError, match=r"programme 'Custody Mentoring' exists with terms"):
        await _load(platform)
    assert platform.referrals == {}


async def test_an_enrolment_that_is_rejected_stops_the_loader_with_the_reason():
    with pytest.raises(DemoLoadError, match=r"did not start: the referral was withdrawn"):
        await _load(FakePlatform(reject=True), referrals=20)


async def test_an_unexpected_status_stops_the_loader_with_a_clear_error():
    with pytest.raises(DemoLoadError, match=r"POST /v1/referrals answered 500, expected 201 \(acting as "
                                            r"[^)]+ \(referrer\)\)"):
        await _load(FakePlatform(fail="/v1/referrals"))


async def test_a_platform_that_does_not_answer_stops_the_loader_saying_so():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(DemoLoadError, match=r"no answer from the platform at http://gateway.test.*is it running"):
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await load_demo("http://gateway.test", ADMIN, referrals=5, client=client, patience=QUICK)


# --- where the administrator's credentials come from ---------------------------------------------


def test_credentials_are_read_from_the_file_the_embedded_mode_writes(tmp_path):
    path = tmp_path / "admin-client.json"
    path.write_text(json.dumps({"client_id": "vru_1", "client_secret": "s3cret", "token_url": "http://x/v1/auth/token"}))
    assert read_credentials(path) == ClientCredentials("vru_1", "s3cret")
    assert "s3cret" not in repr(read_credentials(path))


@pytest.mark.parametrize(("content", "message"), [
    (None, r"no administrator credentials at .*VRU_DEMO_CLIENT_ID"),
    ("not json", r"cannot read administrator credentials"),
    ('{"client_id": "vru_1"}', r"needs the strings client_id and client_secret"),
    ('["vru_1", "s"]', r"needs the strings client_id and client_secret"),
])
def test_a_missing_or_malformed_credentials_file_is_refused_saying_why(tmp_path, content, message):
    path = tmp_path / "admin-client.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DemoLoadError, match=message):
        read_credentials(path)


def test_credentials_may_come_from_the_environment_with_both_variables_or_neither():
    env = {"VRU_DEMO_CLIENT_ID": "vru_2", "VRU_DEMO_CLIENT_SECRET": "s"}
    assert credentials_from(env) == ClientCredentials("vru_2", "s")
    assert credentials_from({}) is None
    with pytest.raises(DemoLoadError, match="set both VRU_DEMO_CLIENT_ID and VRU_DEMO_CLIENT_SECRET"):
        credentials_from({"VRU_DEMO_CLIENT_ID": "vru_2"})


def test_the_command_without_credentials_says_where_to_get_them_and_loads_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VRU_DEMO_CLIENT_ID", raising=False)
    monkeypatch.delenv("VRU_DEMO_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["demo-data", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "data/admin-client.json" in result.output and "--credentials" in result.output


def test_the_command_takes_the_environments_credentials_when_no_file_is_named(monkeypatch):
    seen = {}

    async def fake_load(url, administrator, *, referrals, seed):
        seen.update(url=url, administrator=administrator, referrals=referrals)
        raise DemoLoadError("stopped here")

    monkeypatch.setattr("vru_deploy.demo.load_demo", fake_load)
    monkeypatch.setenv("VRU_DEMO_CLIENT_ID", "vru_3")
    monkeypatch.setenv("VRU_DEMO_CLIENT_SECRET", "from-env")
    result = CliRunner().invoke(cli, ["demo-data", "--url", "http://gw.test", "--referrals", "7"])
    assert result.exit_code == 1 and "demo data not loaded: stopped here" in result.output
    assert seen == {"url": "http://gw.test", "administrator": ClientCredentials("vru_3", "from-env"), "referrals": 7}
