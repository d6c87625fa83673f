"""The demo plan's referrals: the same for the same seed, from every source over eighteen months, each
passing the referrals service's own checks, with synthetic people, consent and coded decisions."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from vru_referrals.domain.code_lists import catalogue
from vru_referrals.domain.model import Referral
from vru_referrals.domain.programmes import Programme
from vru_referrals.domain.subjects import Subject, age_on

from tests.unit.demo_data_support import ALL_SOURCES, LAST, REFERRAL_IN, SPECS, TODAY, demo_plan, uk_day


def test_a_plan_is_the_same_for_the_same_seed_day_and_salt():
    assert demo_plan() == demo_plan()


def test_another_salt_gives_other_people_but_the_same_shape():
    first, second = demo_plan(salt=1), demo_plan(salt=2)
    numbers = [{i["value"] for p in plan for i in p.body["identifiers"] if i["type"] == "nhs_number"}
               for plan in (first, second)]
    assert numbers[0].isdisjoint(numbers[1])

    def shape(plan):
        return [(p.source, p.programme, p.referred_at, p.steps, p.enrolment and p.enrolment.start_date,
                 p.enrolment and p.enrolment.end) for p in plan]

    assert shape(first) == shape(second)


def test_another_seed_gives_another_plan():
    assert demo_plan(seed=1) != demo_plan(seed=2)


def test_referrals_come_from_all_eight_sources_over_the_past_eighteen_months_and_none_from_today():
    plan = demo_plan()
    assert set(Counter(p.source for p in plan)) == ALL_SOURCES
    days = [uk_day(p.referred_at) for p in plan]
    assert max(days) <= LAST
    assert min(days) >= TODAY - timedelta(days=549)
    assert (max(days) - min(days)).days > 500


def test_every_referral_goes_to_a_programme_that_takes_its_source_and_age():
    for p in demo_plan():
        spec = SPECS[p.programme]
        assert p.source in spec.sources
        assert spec.min_age <= age_on(p.date_of_birth, uk_day(p.referred_at)) <= spec.max_age


def test_every_planned_referral_passes_the_referrals_services_own_checks():
    now = datetime.combine(TODAY, datetime.min.time(), UTC)
    for p in demo_plan(400):
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
    schools = [p for p in demo_plan() if p.source == "school"]
    for p in schools:
        version = reasons.version_on(uk_day(datetime.fromisoformat(p.body["index_event_at"])))
        assert set(p.body["source_details"]["exclusion_reasons"]) <= set(version.codes)
    assert {"PD", "OW"} <= {r for p in schools for r in p.body["source_details"]["exclusion_reasons"]}


def test_the_index_event_is_the_arrest_or_the_assault_and_comes_before_the_referral():
    for p in demo_plan():
        details, index = p.body["source_details"], p.body["index_event_at"]
        assert datetime.fromisoformat(index) < p.referred_at
        if p.source == "custody":
            assert details["arrested_at"] == index
        if p.source == "emergency_department":
            assert details["assault_at"] == index
            assert index <= details["arrived_at"] <= p.body["referred_at"]


def test_each_source_sends_the_identifiers_it_would_hold():
    kinds = {}
    for p in demo_plan():
        kinds.setdefault(p.source, []).append({i["type"] for i in p.body["identifiers"]})
    assert all("pnc_id" in k for source in ("custody", "youth_justice", "prison", "probation") for k in kinds[source])
    assert all("upn" in k for k in kinds["school"])
    assert all(k == {"nhs_number"} for k in kinds["emergency_department"])
    assert all("local" in k for k in kinds["community"] + kinds["self"])
    locals_ = [i for p in demo_plan() for i in p.body["identifiers"] if i["type"] == "local"]
    assert all(i["issuer"] == "Kestrel Street Outreach" for i in locals_)


def test_some_young_people_are_referred_more_than_once_under_the_same_nhs_number():
    numbers = Counter(i["value"] for p in demo_plan() for i in p.body["identifiers"] if i["type"] == "nhs_number")
    assert 5 <= sum(n > 1 for n in numbers.values()) <= 60


def test_contact_details_are_synthetic():
    for p in demo_plan():
        contact = p.body["young_person"]["contact"]
        assert re.fullmatch(r"07700 900\d{3}", contact.get("phone", "07700 900000"))
        assert contact.get("email", "x@example.org").endswith("@example.org")
        if "address" in contact:
            assert re.fullmatch(r"ZX\d{1,2} \d[A-Z]{2}", contact["address"]["postcode"])
        if "parent_carer" in contact:
            assert re.fullmatch(r"07700 900\d{3}", contact["parent_carer"]["phone"])


def test_ethnicity_uses_both_codings_and_a_realistic_share_is_missing_or_not_stated():
    plan = demo_plan(2000)
    given = [p.body["young_person"].get("ethnicity") for p in plan]
    unknown = sum(e is None or e["code"] in ("not_stated", "Z") for e in given) / len(given)
    assert 0.07 < unknown < 0.2
    assert {e["coding"] for e in given if e} == {"ons_2021", "nhs_2001"}


def test_most_referrals_are_made_with_consent_and_the_rest_on_a_stated_basis():
    bases = Counter(p.body["lawful_basis"]["basis"] for p in demo_plan())
    assert bases["consent"] / sum(bases.values()) > 0.8
    assert bases["public_task"] > 0


def test_most_referrals_are_accepted_and_some_declined_or_withdrawn_with_coded_reasons():
    plan = demo_plan()
    first = Counter(p.steps[0].action if p.steps else "undecided" for p in plan)
    assert first["accept"] / len(plan) > 0.65
    assert first["decline"] > 0.05 * len(plan) and first["withdraw"] > 0 and first["undecided"] > 0
    lists = {"decline": "decline_reasons", "withdraw": "withdrawal_reasons", "close": "closure_reasons"}
    for step in (s for p in plan for s in p.steps if s.action != "accept"):
        assert step.reason in catalogue()[lists[step.action]].current.codes
        assert step.reason != "other"  # a reason of other needs a note
