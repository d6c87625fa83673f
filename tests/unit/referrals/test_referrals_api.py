"""The referrals service in process, over HTTP, fed events as the interventions service would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from vru_referrals.adapters import orm
from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted, ProgrammeUpdated
from vru_shared.contracts.referrals import (
    ReferralAccepted,
    ReferralClosed,
    ReferralEnrolled,
    ReferralReceived,
)

from tests.unit.referrals.referrals_support import (
    ALL_SOURCES,
    iso,
    programme_created,
    referral_body,
    running_service,
)

PROBLEM = "application/problem+json"


@pytest.fixture
async def service(tmp_path):
    async with running_service(tmp_path) as running:
        yield running


async def _count(service, table) -> int:
    runtime = service.app.state.runtime
    async with runtime.sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def _refer(service, programme_id, source="custody", **overrides) -> dict:
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme_id, source, **overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _started(referral: dict, enrolment_id: uuid.UUID) -> EnrolmentStarted:
    now = datetime.now(UTC)
    return EnrolmentStarted(enrolment_id=enrolment_id, referral_id=referral["id"],
                            programme_id=referral["programme_id"], subject_pseudonym=referral["subject"]["pseudonym"],
                            start_date=now.date(), started_at=now)


def _ended(referral: dict, enrolment_id: uuid.UUID) -> EnrolmentEnded:
    return EnrolmentEnded(enrolment_id=enrolment_id, referral_id=referral["id"], programme_id=referral["programme_id"],
                          end_date=datetime.now(UTC).date(), exit_reason="completed")


# --- referring -------------------------------------------------------------------------------


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
    first = await _refer(service, programme.programme_id, identifiers=[{"type": "nhs_number", "value": "9434765919"},
                                                                      pnc])
    second = await _refer(service, programme.programme_id, "school",
                          identifiers=[{"type": "upn", "value": "L201300124001"},
                                       {"type": "local", "value": "CASE-77", "issuer": "Example Academy"}])
    await service.referrer.post(f"/v1/referrals/{second['id']}/withdraw", json={"reason": "other",
                                                                              "note": "Family moved to Exampleford"})
    await service.provider.post(f"/v1/referrals/{first['id']}/accept")
    enrolment = uuid.uuid4()
    await service.feed(_started(first, enrolment), _ended(first, enrolment))

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
    assert await _count(service, orm.referrals) == 0
    assert await _count(service, orm.subjects) == 0
    assert await _count(service, orm.messaging.outbox) == 0


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


# --- eligibility -----------------------------------------------------------------------------


async def test_a_referral_to_an_unknown_programme_is_refused_and_asked_to_retry_shortly(service):
    unknown = uuid.uuid4()
    answer = await service.referrer.post("/v1/referrals", json=referral_body(unknown))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("/unknown-programme")
    assert str(unknown) in problem["detail"]
    assert "created moments ago" in problem["detail"] and "retry shortly" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/body/programme_id"


async def test_a_referral_to_a_programme_that_does_not_take_school_referrals_is_refused(service):
    programme = await service.programme(name="Custody mentoring", accepted_sources=["custody"])
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id, "school"))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("/source-not-accepted")
    assert problem["detail"] == "programme 'Custody mentoring' does not take referrals from school; it takes: custody"
    assert problem["errors"][0]["pointer"] == "/body/source"
    assert await _count(service, orm.referrals) == 0


@pytest.mark.parametrize(("dob", "status"), [("2016-03-09", 201), ("2016-03-10", 422)])
async def test_a_young_person_below_the_age_range_on_the_referral_date_is_refused(service, dob, status):
    programme = await service.programme(name="Teen mentoring", min_age=10, max_age=17)
    referred_at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    body = referral_body(programme.programme_id, referred_at=referred_at)
    body["young_person"]["date_of_birth"] = dob
    answer = await service.referrer.post("/v1/referrals", json=body)
    assert answer.status_code == status, answer.text
    if status == 422:
        problem = answer.json()
        assert problem["type"].endswith("/outside-age-range")
        assert problem["detail"] == ("the young person is 9 on the referral date 2026-03-09; "
                                     "programme 'Teen mentoring' takes ages 10 to 17")
        assert problem["errors"][0]["pointer"] == "/body/young_person/date_of_birth"


async def test_a_referral_to_a_programme_that_ended_is_refused(service):
    programme = await service.programme(active_from=date(2024, 4, 1), active_to=date(2025, 3, 31))
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id))
    problem = answer.json()
    assert answer.status_code == 422
    assert problem["type"].endswith("/programme-not-active")
    assert "it runs from 2024-04-01 to 2025-03-31" in problem["detail"]


async def test_a_programme_update_changes_whom_it_takes(service):
    created = await service.programme(accepted_sources=["custody"])
    state = created.model_dump(exclude={"accepted_sources"})
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["custody", "school"]))
    await _refer(service, created.programme_id, "school")


async def test_a_programme_creation_that_arrives_after_its_update_does_not_undo_it(service):
    created = programme_created(accepted_sources=["custody"])
    state = created.model_dump(exclude={"accepted_sources"})
    await service.feed(ProgrammeUpdated(**state, accepted_sources=["school"]))
    await service.feed(created)
    assert (await service.referrer.post("/v1/referrals", json=referral_body(created.programme_id, "custody"))
            ).status_code == 422
    await _refer(service, created.programme_id, "school")


# --- lifecycle -------------------------------------------------------------------------------


async def test_a_provider_accepts_a_referral_and_cannot_accept_it_twice(service):
    programme = await service.programme()
    referral = await _refer(service, programme.programme_id)
    accepted = await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted" and accepted.json()["decided_at"]

    again = await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["type"].endswith("/illegal-transition")
    assert again.json()["detail"] == "the referral is accepted; only a received referral can be accepted"


async def test_declining_withdrawing_and_closing_record_their_coded_reasons(service):
    programme = await service.programme()
    declined = await _refer(service, programme.programme_id)
    withdrawn = await _refer(service, programme.programme_id, identifiers=[{"type": "nhs_number",
                                                                            "value": "9990000018"}])
    closed = await _refer(service, programme.programme_id, identifiers=[{"type": "nhs_number",
                                                                         "value": "9990000026"}])

    answer = await service.provider.post(f"/v1/referrals/{declined['id']}/decline",
                                       json={"reason": "no_capacity", "note": "Full until April"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["decision_reason"], answer.json()["decision_note"]) == (
        "declined", "no_capacity", "Full until April")
    answer = await service.referrer.post(f"/v1/referrals/{withdrawn['id']}/withdraw", json={"reason": "moved_away"})
    assert (answer.json()["status"], answer.json()["withdrawal_reason"]) == ("withdrawn", "moved_away")
    assert answer.json()["withdrawn_at"]
    await service.provider.post(f"/v1/referrals/{closed['id']}/accept")
    answer = await service.provider.post(f"/v1/referrals/{closed['id']}/close", json={"reason": "unable_to_contact"})
    assert (answer.json()["status"], answer.json()["closure_reason"]) == ("closed", "unable_to_contact")
    assert answer.json()["closed_at"]

    types = [type(e).__name__ for e in await service.flush()]
    assert types.count("ReferralDeclined") == types.count("ReferralWithdrawn") == types.count("ReferralClosed") == 1


@pytest.mark.parametrize(
    ("route", "body", "status", "pointer"),
    [
        ("decline", {"reason": "moved_away"}, 422, "/body/reason"),
        ("decline", {"reason": "other"}, 422, "/body/note"),
        ("withdraw", {}, 422, "/body/reason"),
        ("close", {"reason": "no_engagement"}, 409, None),  # a received referral is not yet accepted
    ],
)
async def test_a_decision_with_a_bad_reason_or_in_the_wrong_status_is_refused(service, route, body, status, pointer):
    programme = await service.programme()
    referral = await _refer(service, programme.programme_id)
    client = service.referrer if route == "withdraw" else service.provider
    answer = await client.post(f"/v1/referrals/{referral['id']}/{route}", json=body)
    assert answer.status_code == status, answer.text
    if pointer:
        assert answer.json()["errors"][0]["pointer"] == pointer
    else:
        assert answer.json()["detail"] == "the referral is received; only a accepted referral can be closed"
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert read["status"] == "received"


async def test_a_decision_about_an_unknown_referral_is_not_found(service):
    answer = await service.provider.post(f"/v1/referrals/{uuid.uuid4()}/accept")
    assert answer.status_code == 404
    assert (await service.provider.get(f"/v1/referrals/{uuid.uuid4()}")).status_code == 404


async def test_the_start_and_end_of_the_enrolment_enrol_then_close_the_referral(service):
    programme = await service.programme()
    referral = await _refer(service, programme.programme_id)
    await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
    enrolment = uuid.uuid4()

    await service.feed(_started(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["enrolment_id"]) == ("enrolled", str(enrolment))
    assert read["enrolled_at"]

    await service.feed(_started(referral, enrolment))  # delivered again, as a new message
    await service.feed(_ended(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["closure_reason"]) == ("closed", "enrolment_ended")

    events = await service.flush()
    assert [type(e) for e in events] == [ReferralReceived, ReferralAccepted, ReferralEnrolled, ReferralClosed]
    assert events[2].enrolment_id == enrolment
    assert events[3].reason == "enrolment_ended"


async def test_an_enrolment_end_that_overtakes_its_start_waits_for_it(service):
    programme = await service.programme()
    referral = await _refer(service, programme.programme_id)
    enrolment = uuid.uuid4()
    await service.feed(_ended(referral, enrolment), _started(referral, enrolment))
    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert (read["status"], read["closure_reason"]) == ("closed", "enrolment_ended")
    assert service.transport.dead_letters == []


async def test_an_enrolment_end_whose_start_never_comes_ends_among_the_dead_letters(service):
    programme = await service.programme()
    referral = await _refer(service, programme.programme_id)
    await service.feed(_ended(referral, uuid.uuid4()))
    [dead] = service.transport.dead_letters
    assert "EnrolmentNotYetSeen" in dead.reason
    assert (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()["status"] == "received"


# --- one subject across sources --------------------------------------------------------------

NHS_NUMBER = {"type": "nhs_number", "value": "9434765919"}
PNC_ID = {"type": "pnc_id", "value": "12/1234567C"}


async def test_the_same_nhs_number_from_custody_and_a_and_e_is_one_subject(service):
    programme = await service.programme()
    custody = await _refer(service, programme.programme_id, "custody", identifiers=[PNC_ID, NHS_NUMBER])
    hospital = await _refer(service, programme.programme_id, "emergency_department",
                            identifiers=[{"type": "nhs_number", "value": "943-476-5919"}])
    assert hospital["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    assert await _count(service, orm.subjects) == 1
    assert await _count(service, orm.subject_identifiers) == 2


async def test_a_pnc_id_alone_finds_the_subject_an_earlier_referral_linked_it_to(service):
    programme = await service.programme()
    custody = await _refer(service, programme.programme_id, "custody", identifiers=[PNC_ID, NHS_NUMBER])
    later = await _refer(service, programme.programme_id, "youth_justice",
                         identifiers=[{"type": "pnc_id", "value": "2012/1234567c"}])
    assert later["subject"]["pseudonym"] == custody["subject"]["pseudonym"]


async def test_two_subjects_that_a_referral_shows_to_be_one_person_are_merged_into_the_older(service):
    programme = await service.programme()
    custody = await _refer(service, programme.programme_id, "custody", identifiers=[PNC_ID])
    hospital = await _refer(service, programme.programme_id, "emergency_department", identifiers=[NHS_NUMBER])
    assert hospital["subject"]["pseudonym"] != custody["subject"]["pseudonym"]

    school = await _refer(service, programme.programme_id, "school", identifiers=[NHS_NUMBER, PNC_ID])
    assert school["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    moved = (await service.provider.get(f"/v1/referrals/{hospital['id']}")).json()
    assert moved["subject"]["pseudonym"] == custody["subject"]["pseudonym"]
    later = await _refer(service, programme.programme_id, "community", identifiers=[NHS_NUMBER])
    assert later["subject"]["pseudonym"] == custody["subject"]["pseudonym"]


async def test_different_people_are_different_subjects(service):
    programme = await service.programme()
    one = await _refer(service, programme.programme_id, identifiers=[NHS_NUMBER])
    two = await _refer(service, programme.programme_id, identifiers=[{"type": "nhs_number", "value": "9990000018"}])
    local_a = await _refer(service, programme.programme_id,
                           identifiers=[{"type": "local", "value": "7", "issuer": "Example Custody Suite"}])
    local_b = await _refer(service, programme.programme_id,
                           identifiers=[{"type": "local", "value": "7", "issuer": "Example Academy"}])
    assert len({r["subject"]["pseudonym"] for r in (one, two, local_a, local_b)}) == 4


async def test_no_raw_identifier_is_stored_outside_the_referral_row(service):
    programme = await service.programme()
    await _refer(service, programme.programme_id, identifiers=[NHS_NUMBER, PNC_ID])
    runtime = service.app.state.runtime
    async with runtime.sessions() as session:
        rows = [tuple(r) for t in (orm.subjects, orm.subject_identifiers) for r in
                (await session.execute(select(t))).all()]
    stored = repr(rows)
    assert "9434765919" not in stored and "1234567" not in stored


# --- possible duplicates ---------------------------------------------------------------------


async def test_a_second_open_referral_of_the_same_person_to_the_same_programme_is_flagged_not_refused(service):
    programme = await service.programme()
    first = await _refer(service, programme.programme_id, identifiers=[PNC_ID, NHS_NUMBER])
    second = await _refer(service, programme.programme_id, "emergency_department", identifiers=[NHS_NUMBER])
    assert first["possible_duplicate_of"] is None
    assert second["possible_duplicate_of"] == first["id"]
    received = [e for e in await service.flush() if isinstance(e, ReferralReceived)]
    assert [str(e.possible_duplicate_of) if e.possible_duplicate_of else None for e in received] == [None, first["id"]]

    flagged = (await service.provider.get("/v1/referrals", params={"possible_duplicate": "true"})).json()["items"]
    assert [r["id"] for r in flagged] == [second["id"]]


async def test_a_referral_after_the_earlier_one_closed_or_to_another_programme_is_not_flagged(service):
    programme = await service.programme()
    other = await service.programme(name="A&E navigators")
    first = await _refer(service, programme.programme_id)
    elsewhere = await _refer(service, other.programme_id)
    assert elsewhere["possible_duplicate_of"] is None
    await service.provider.post(f"/v1/referrals/{first['id']}/decline", json={"reason": "no_capacity"})
    again = await _refer(service, programme.programme_id)
    assert again["possible_duplicate_of"] is None


# --- lists and code lists --------------------------------------------------------------------


async def test_the_list_filters_by_source_status_and_programme_and_shows_no_identifying_details(service):
    programme = await service.programme()
    other = await service.programme(name="Prison leavers")
    custody = await _refer(service, programme.programme_id, "custody")
    school = await _refer(service, programme.programme_id, "school",
                          identifiers=[{"type": "nhs_number", "value": "9990000018"}])
    prison = await _refer(service, other.programme_id, "prison",
                          identifiers=[{"type": "nhs_number", "value": "9990000026"}])
    await service.provider.post(f"/v1/referrals/{school['id']}/accept")

    async def ids(**params):
        answer = await service.provider.get("/v1/referrals", params=params)
        assert answer.status_code == 200
        return {r["id"] for r in answer.json()["items"]}

    assert await ids() == {custody["id"], school["id"], prison["id"]}
    assert await ids(source="custody") == {custody["id"]}
    assert await ids(status="accepted") == {school["id"]}
    assert await ids(programme_id=str(other.programme_id)) == {prison["id"]}
    assert await ids(possible_duplicate="false") == {custody["id"], school["id"], prison["id"]}
    assert len(await ids(limit=1)) == 1
    page = (await service.provider.get("/v1/referrals")).json()["items"]
    listed = repr(page)
    assert "Alex" not in listed and "9434765919" not in listed and "young_person" not in listed
    assert (await service.provider.get("/v1/referrals", params={"limit": 201})).status_code == 422
    assert (await service.provider.get("/v1/referrals", params={"status": "lost"})).status_code == 422


async def test_the_code_lists_say_their_names_and_versions(service):
    index = (await service.provider.get("/v1/code-lists")).json()["items"]
    by_name = {item["name"]: item for item in index}
    assert {"risk_factors", "dfe_exclusion_reasons", "ethnicities", "nhs_ethnic_categories_2001",
            "decline_reasons", "withdrawal_reasons", "closure_reasons", "offence_categories"} <= set(by_name)
    reasons = by_name["dfe_exclusion_reasons"]
    assert reasons["versioned"] is True and reasons["current_version"] == "2020-21"
    assert [(v["version"], v["valid_from"]) for v in reasons["versions"]] == [("2006-07", "2006-09-01"),
                                                                            ("2020-21", "2020-09-01")]
    assert by_name["risk_factors"]["versioned"] is False


async def test_a_code_list_gives_its_entries_with_their_versions(service):
    answer = (await service.provider.get("/v1/code-lists/dfe_exclusion_reasons")).json()
    entries = {(e["version"], e["code"]): e["label"] for e in answer["entries"]}
    assert entries[("2006-07", "OT")] == "Other"
    assert entries[("2020-21", "OW")] == "Use or threat of use of an offensive weapon or prohibited item"
    only = (await service.provider.get("/v1/code-lists/dfe_exclusion_reasons", params={"version": "2006-07"})).json()
    assert {e["version"] for e in only["entries"]} == {"2006-07"}
    letters = (await service.provider.get("/v1/code-lists/nhs_ethnic_categories_2001")).json()["entries"]
    assert letters[0] == {"code": "A", "label": "White - British",
                          "attributes": {"ons_2021_category": "white_british", "ons_2021_group": "white",
                                         "exact": True}}
    risk = (await service.provider.get("/v1/code-lists/risk_factors")).json()["entries"]
    assert risk[0] == {"code": "weapon_carrying", "label": "Carrying a weapon"}


async def test_an_unknown_code_list_or_version_is_not_found(service):
    assert (await service.provider.get("/v1/code-lists/favourite_colours")).status_code == 404
    answer = await service.provider.get("/v1/code-lists/dfe_exclusion_reasons", params={"version": "1999-00"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
