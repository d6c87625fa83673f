"""Receiving a referral over HTTP: what is kept and shown from each source, what its events carry and
never carry, and bad input refused as a problem pointing at the field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from vru_referrals.adapters import orm
from vru_shared.contracts.referrals import ReferralReceived

from tests.unit.referrals.referrals_api_support import (
    PROBLEM,
    count_rows,
    enrolment_ended,
    enrolment_started,
    refer,
)
from tests.unit.referrals.referrals_support import ALL_SOURCES, iso, referral_body


@pytest.mark.parametrize("source", ALL_SOURCES)
async def test_a_referral_from_each_source_is_received_and_shows_what_was_sent(service, source):
    programme = await service.programme()
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id, source))

    assert answer.status_code == 201, answer.text
    referral = answer.json()
    assert answer.headers["location"] == f"/v1/referrals/{referral['id']}"
    read = (await service.provider.get(answer.headers["location"])).json()
    assert read == referral
    assert (read["source"], read["status"], read["source_details"]["source"]) == (source, "received", source)
    person = read["young_person"]
    assert (person["given_name"], person["family_name"], person["date_of_birth"]) == ("Alex", "Example", "2009-07-23")
    assert person["contact"]["phone"] == "+447700900123"
    assert person["contact"]["address"]["postcode"] == "SW1A 2AA"
    assert person["postcode_district"] == "SW1A"
    assert read["identifiers"] == [{"type": "nhs_number", "value": "943 476 5919", "normalised": "9434765919",
                                    "issuer": None}]
    assert read["risk_factors"] == ["weapon_carrying", "county_lines"]


async def test_the_referral_received_event_carries_the_coarse_attributes(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id, "emergency_department")
    body["young_person"]["ethnicity"] = {"coding": "nhs_2001", "code": "R"}
    body["young_person"]["sex"] = "female"
    referral = (await service.referrer.post("/v1/referrals", json=body)).json()

    [event] = await service.flush()
    assert isinstance(event, ReferralReceived)
    assert event.referral_id == uuid.UUID(referral["id"])
    assert event.subject_pseudonym == referral["subject"]["pseudonym"]
    assert (event.source, event.sex, event.ethnicity, event.ethnicity_group) == (
        "emergency_department", "female", "asian_chinese", "asian")
    assert (event.age_band, event.postcode_district, event.lawful_basis) == ("15-17", "SW1A", "consent")
    assert event.risk_factors == ["weapon_carrying", "county_lines"]
    assert event.index_event_at == datetime.fromisoformat(body["index_event_at"])


async def test_no_event_carries_a_name_contact_details_date_of_birth_postcode_or_identifier(service):
    programme = await service.programme()
    pnc = {"type": "pnc_id", "value": "12/1234567C"}
    first = await refer(service, programme.programme_id, identifiers=[{"type": "nhs_number", "value": "9434765919"},
                                                                      pnc])
    second = await refer(service, programme.programme_id, "school",
                         identifiers=[{"type": "upn", "value": "L201300124001"},
                                      {"type": "local", "value": "CASE-77", "issuer": "Example Academy"}])
    await service.referrer.post(f"/v1/referrals/{second['id']}/withdraw", json={"reason": "other",
                                                                                "note": "Family moved to Exampleford"})
    await service.provider.post(f"/v1/referrals/{first['id']}/accept")
    enrolment = uuid.uuid4()
    await service.feed(enrolment_started(first, enrolment), enrolment_ended(first, enrolment))

    events = await service.flush()
    assert {type(e).__name__ for e in events} == {"ReferralReceived", "ReferralWithdrawn", "ReferralAccepted",
                                                  "ReferralEnrolled", "ReferralClosed"}
    # Ids and pseudonyms are random hex, which may hold any short run of digits: leave them out.
    published = repr([{k: v for k, v in envelope.data.items() if not k.endswith(("_id", "_of", "pseudonym"))}
                      for envelope in service.published])
    for secret in ["Alex", "Example Street", "Exampleton", "Sam Example", "07700", "7700900", "alex.example",
                   "2009-07-23", "2009", "SW1A 2AA", "SW1A2AA", "9434765919", "943 476 5919", "1234567C",
                   "L201300124001", "CASE-77", "Example Academy", "Exampleford", "Custody navigator"]:
        assert secret not in published, secret


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "pointer", "detail"),
    [
        (lambda b: b["identifiers"][0].update(value="943 476 5918"), "/body/identifiers/0/value", "check digit"),
        (lambda b: b["identifiers"].append({"type": "pnc_id", "value": "12/1234567D"}), "/body/identifiers/1/value",
         "needs C"),
        (lambda b: b["identifiers"].append({"type": "local", "value": "x"}), "/body/identifiers/1/issuer", "issuer"),
        (lambda b: b["young_person"]["contact"]["address"].update(postcode="SW1A 2CA"),
         "/body/young_person/contact/address/postcode", "not a UK postcode"),
        (lambda b: b["young_person"]["contact"].update(phone="12"), "/body/young_person/contact/phone",
         "not a phone number"),
        (lambda b: b["young_person"].update(contact={}), "/body/young_person/contact", "contact the young person"),
        (lambda b: b["young_person"].update(sex="boy"), "/body/young_person/sex", "Input should be"),
        (lambda b: b["young_person"].update(ethnicity={"coding": "nhs_2001", "code": "Q"}),
         "/body/young_person/ethnicity/code", "nhs_ethnic_categories_2001"),
        (lambda b: b["source_details"].pop("custody_suite"), "/body/source_details/custody_suite", "Field required"),
        (lambda b: b["source_details"].update(offence_category="burglary"), "/body/source_details/offence_category",
         "offence_categories"),
        (lambda b: b["source_details"].update(arrested_at=iso(datetime.now(UTC) - timedelta(days=3))),
         "/body/source_details/arrested_at", "must equal index_event_at"),
        (lambda b: b.update(index_event_at=iso(datetime.now(UTC) - timedelta(minutes=1))), "/body/index_event_at",
         "index_event_at is after referred_at"),
        (lambda b: b.update(referred_at=iso(datetime.now(UTC) + timedelta(hours=1))), "/body/referred_at",
         "future"),
        (lambda b: b.update(referred_at="2026-03-10T12:00:00"), "/body/referred_at", "timezone"),
        (lambda b: b["risk_factors"].append("knife_crime"), "/body/risk_factors/2", "risk_factors"),
        (lambda b: b.update(source="police"), "/body/source", "does not match any of the expected tags"),
        (lambda b: b.pop("source"), "/body/source", "source"),
        (lambda b: b["lawful_basis"].update(given=False), "/body/lawful_basis/given", "consent given"),
        (lambda b: b["lawful_basis"].pop("recorded_by"), "/body/lawful_basis/recorded_by", "Field required"),
        (lambda b: b.update(lawful_basis={"basis": "public_task", "justification": "short"}),
         "/body/lawful_basis/justification", "at least 10"),
        (lambda b: b.update(identifiers=[]), "/body/identifiers", "at least 1"),
        (lambda b: b.update(colour="blue"), "/body/colour", "Extra inputs"),
    ],
)
async def test_bad_input_is_a_problem_pointing_at_the_field_and_changes_nothing(service, change, pointer, detail):
    programme = await service.programme()
    body = referral_body(programme.programme_id)
    change(body)
    answer = await service.referrer.post("/v1/referrals", json=body)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"].endswith("/validation-error")
    matching = [e for e in problem["errors"] if e["pointer"] == pointer]
    assert matching, problem["errors"]
    assert detail in matching[0]["detail"]
    assert await count_rows(service, orm.referrals) == 0
    assert await count_rows(service, orm.subjects) == 0
    assert await count_rows(service, orm.messaging.outbox) == 0


async def test_an_emergency_department_referral_checks_its_snomed_codes(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id, "emergency_department")
    body["source_details"].update(injury_intent="138875005", injury_mechanism="138875006")
    problem = (await service.referrer.post("/v1/referrals", json=body)).json()
    assert problem["errors"] == [{
        "pointer": "/body/source_details/injury_mechanism",
        "detail": "138875006 is not a SNOMED CT identifier: its Verhoeff check digit is wrong",
    }]


async def test_a_school_referral_is_checked_against_the_reasons_in_force_on_the_exclusion_date(service):
    programme = await service.programme(active_from=date(2015, 9, 1))
    excluded = datetime(2019, 11, 4, 10, 0, tzinfo=UTC)
    old = referral_body(programme.programme_id, "school", index_event_at=excluded,
                        referred_at=excluded + timedelta(days=1))
    old["young_person"]["date_of_birth"] = "2005-01-01"
    old["source_details"]["exclusion_reasons"] = ["OT", "DA"]
    referral = await service.referrer.post("/v1/referrals", json=old)
    assert referral.status_code == 201, referral.text
    assert referral.json()["source_details"]["code_list_version"] == "2006-07"

    recent = referral_body(programme.programme_id, "school")
    recent["source_details"]["exclusion_reasons"] = ["OW", "OT"]
    problem = (await service.referrer.post("/v1/referrals", json=recent)).json()
    assert problem["errors"][0]["pointer"] == "/body/source_details/exclusion_reasons/1"
    assert "'OT' is not a code of dfe_exclusion_reasons version 2020-21" in problem["errors"][0]["detail"]

    recent["source_details"]["code_list_version"] = "2006-07"
    recent["source_details"]["exclusion_reasons"] = ["OT"]
    explicit = await service.referrer.post("/v1/referrals", json=recent)
    assert explicit.status_code == 201, explicit.text
    assert explicit.json()["source_details"]["code_list_version"] == "2006-07"
