"""Erasing a young person: on request by an administrator, and when the retention period ends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import literal_column, select
from structlog.testing import capture_logs

from vru_referrals.adapters import orm
from vru_referrals.bootstrap import run_retention
from vru_referrals.service_layer.retention import RetentionPolicy, erase_expired
from vru_shared.contracts.interventions import EnrolmentEnded, EnrolmentStarted
from vru_shared.contracts.referrals import SubjectErased
from vru_shared.settings import Settings

from tests.unit.referrals.referrals_support import referral_body, running_service

NHS = {"type": "nhs_number", "value": "943 476 5919"}
PNC = {"type": "pnc_id", "value": "12/1234567C"}
UPN = {"type": "upn", "value": "L201300124001"}
LOCAL = {"type": "local", "value": "CASE-77", "issuer": "Example Academy"}
SOMEONE_ELSE = {"type": "nhs_number", "value": "9990000018"}

# What identified the young person in the referrals these tests make.
SECRETS = ("Alex", "Example Street", "Exampleton", "Sam Example", "07700", "+447700", "alex.example", "2009-07-23",
           "SW1A", "9434765919", "943 476 5919", "1234567C", "L201300124001", "CASE-77", "Example Academy",
           "Custody navigator", "Exampleford", "Full until April", "Example Custody Suite")


@pytest.fixture
async def service(tmp_path):
    async with running_service(tmp_path) as running:
        yield running


async def refer(service, programme_id, source="custody", identifiers=None) -> dict:
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme_id, source,
                                                                              identifiers=identifiers or [NHS]))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def erase(service, identifier: dict):
    return await service.admin.post("/v1/referrals/subject-erasures", json={"identifier": identifier})


async def rows(service, table, *where) -> list[dict]:
    async with service.app.state.runtime.sessions() as session:
        return [dict(r._mapping) for r in (await session.execute(select(table).where(*where))).all()]


async def stored_as_it_is(service, table) -> str:
    """Every row of a table as the database holds it, without the mapping's types in between."""
    async with service.app.state.runtime.sessions() as session:
        return repr((await session.execute(select(literal_column("*")).select_from(table))).all())


async def referral_row(service, referral_id: str) -> dict:
    [row] = await rows(service, orm.referrals, orm.referrals.c.id == uuid.UUID(referral_id))
    return row


def erased_events(events) -> list[SubjectErased]:
    return [e for e in events if isinstance(e, SubjectErased)]


# --- on request ------------------------------------------------------------------------------


async def test_erasure_removes_every_identifying_detail_of_every_referral_of_the_subject(service):
    programme = await service.programme()
    custody = await refer(service, programme.programme_id, "custody", [NHS, PNC])
    school = await refer(service, programme.programme_id, "school", [PNC, UPN, LOCAL])
    await service.provider.post(f"/v1/referrals/{custody['id']}/decline",
                                json={"reason": "other", "note": "Full until April"})
    await service.referrer.post(f"/v1/referrals/{school['id']}/withdraw",
                                json={"reason": "other", "note": "Family moved to Exampleford"})
    kept = await refer(service, programme.programme_id, "custody", [SOMEONE_ELSE])

    answer = await erase(service, {"type": "upn", "value": "l2013 0012 4001"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["referrals_erased"] == 2
    for referral in (custody, school):
        row = await referral_row(service, referral["id"])
        assert row["erased_at"] is not None
        assert (row["given_name"], row["family_name"], row["date_of_birth"], row["contact"]) == (None, None, None, None)
        assert (row["postcode_district"], row["identifiers"]) == (None, ())
        assert (row["decision_note"], row["withdrawal_note"], row["closure_note"]) == (None, None, None)
        assert (row["consent_recorded_by"], row["lawful_basis_justification"]) == (None, None)
        assert row["retained_age_band"] == "15-17"
    # The lifecycle's facts and the coarse attributes remain.
    declined = await referral_row(service, custody["id"])
    assert (declined["status"].value, declined["decision_reason"], declined["sex"].value, declined["ethnicity"]) == (
        "declined", "other", "male", "black_caribbean")
    assert declined["decided_at"] is not None and declined["consent_recorded_at"] is not None
    # The identifiers no longer lead anywhere; another young person is untouched.
    subject_id = declined["subject_id"]
    assert await rows(service, orm.subject_identifiers, orm.subject_identifiers.c.subject_id == subject_id) == []
    [subject] = await rows(service, orm.subjects, orm.subjects.c.id == subject_id)
    assert subject["erased_at"] is not None and subject["erasure_reason"].value == "request"
    untouched = await referral_row(service, kept["id"])
    assert (untouched["given_name"], untouched["erased_at"]) == ("Alex", None)
    await service.provider.post(f"/v1/referrals/{kept['id']}/withdraw", json={"reason": "moved_away"})
    await erase(service, SOMEONE_ELSE)
    stored = await stored_as_it_is(service, orm.referrals) + await stored_as_it_is(service, orm.subject_identifiers)
    for secret in SECRETS:
        assert secret not in stored, secret


async def test_an_erased_referral_reads_as_erased_with_its_lifecycle(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    await service.provider.post(f"/v1/referrals/{referral['id']}/decline", json={"reason": "no_capacity"})
    await erase(service, NHS)

    read = (await service.provider.get(f"/v1/referrals/{referral['id']}")).json()
    assert read["erased_at"] is not None
    assert (read["status"], read["decision_reason"], read["source"]) == ("declined", "no_capacity", "custody")
    person = read["young_person"]
    assert (person["given_name"], person["family_name"], person["date_of_birth"], person["contact"]) == (
        None, None, None, None)
    assert (person["age_band"], person["sex"], person["ethnicity"]["group"]) == ("15-17", "male", "black")
    assert (read["identifiers"], read["subject"], read["lawful_basis"]["recorded_by"]) == ([], None, None)
    # Where and when the arrest happened is gone; what it was for stays.
    details = read["source_details"]
    assert (details["custody_suite"], details["arrested_at"]) == (None, None)
    assert details["offence_category"] is not None
    [listed] = (await service.referrer.get("/v1/referrals")).json()["items"]
    assert (listed["subject_pseudonym"], listed["erased_at"]) == (None, read["erased_at"])
    for secret in SECRETS:
        assert secret not in repr(read), secret


async def test_erasure_tells_the_other_services_the_subject_pseudonym_and_nothing_that_identifies(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id, identifiers=[NHS, PNC])
    await erase(service, PNC)

    published = await service.flush()
    [event] = erased_events(published)
    assert (event.subject_pseudonym, event.reason) == (referral["subject"]["pseudonym"], "request")
    [envelope] = [e for e in service.published if e.type == "referrals.subject.erased.v1"]
    assert set(envelope.data) == {"subject_pseudonym", "erased_at", "reason"}
    for secret in SECRETS:
        assert secret not in envelope.model_dump_json(), secret


async def test_erasing_a_subject_that_absorbed_another_tells_the_other_services_both_pseudonyms(service):
    programme = await service.programme()
    custody = await refer(service, programme.programme_id, "custody", [PNC])
    hospital = await refer(service, programme.programme_id, "emergency_department", [NHS])
    await refer(service, programme.programme_id, "school", [NHS, PNC])  # shows the two are one person

    answer = await erase(service, NHS)

    assert answer.json()["referrals_erased"] == 3
    events = erased_events(await service.flush())
    assert {e.subject_pseudonym for e in events} == {custody["subject"]["pseudonym"], hospital["subject"]["pseudonym"]}
    assert await rows(service, orm.subject_identifiers) == []


async def test_erasing_again_changes_nothing_and_answers_not_found(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    assert (await erase(service, NHS)).status_code == 200
    before = await referral_row(service, referral["id"])
    events_before = len(erased_events(await service.flush()))

    again = await erase(service, NHS)

    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert "erased already" in again.json()["detail"]
    assert await referral_row(service, referral["id"]) == before
    assert len(erased_events(await service.flush())) == events_before == 1


async def test_an_identifier_nobody_was_referred_with_is_not_found_and_the_attempt_audited(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)

    answer = await erase(service, SOMEONE_ELSE)

    assert answer.status_code == 404
    assert (await referral_row(service, referral["id"]))["erased_at"] is None
    [entry] = await rows(service, orm.audit_trail, orm.audit_trail.c.action == "erase")
    assert (entry["resource_type"], entry["resource_id"], entry["outcome"].value, entry["role"]) == (
        "subject", None, "not_found", "administrator")
    assert "9990000018" not in repr(entry)


async def test_an_erasure_is_audited_for_each_referral_and_for_the_subject(service):
    programme = await service.programme()
    first = await refer(service, programme.programme_id)
    second = await refer(service, programme.programme_id, "school")
    await erase(service, NHS)

    entries = await rows(service, orm.audit_trail, orm.audit_trail.c.action == "erase")
    subject_id = (await referral_row(service, first["id"]))["subject_id"]
    assert sorted((e["resource_type"], e["resource_id"], e["outcome"].value, e["detail"]) for e in entries) == sorted([
        ("referral", first["id"], "allowed", "request"),
        ("referral", second["id"], "allowed", "request"),
        ("subject", str(subject_id), "allowed", "request: 2 referrals"),
    ])
    assert {e["role"] for e in entries} == {"administrator"}


async def test_an_identifier_that_fails_its_check_is_a_problem_pointing_at_it(service):
    answer = await erase(service, {"type": "nhs_number", "value": "943 476 5918"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["pointer"] == "/body/identifier/value"
    answer = await erase(service, {"type": "local", "value": "CASE-77"})
    assert answer.json()["errors"][0]["pointer"] == "/body/identifier/issuer"


async def test_the_same_identifier_after_erasure_starts_a_new_subject(service):
    programme = await service.programme()
    before = await refer(service, programme.programme_id)
    await erase(service, NHS)
    after = await refer(service, programme.programme_id)
    assert after["subject"]["pseudonym"] != before["subject"]["pseudonym"]
    assert after["possible_duplicate_of"] is None


async def test_an_open_referral_erased_still_follows_its_enrolment_to_its_end_but_cannot_be_accepted(service):
    programme = await service.programme()
    accepted = await refer(service, programme.programme_id)
    received = await refer(service, programme.programme_id, "school")
    await service.provider.post(f"/v1/referrals/{accepted['id']}/accept")
    await erase(service, NHS)

    refused = await service.provider.post(f"/v1/referrals/{received['id']}/accept")
    assert refused.status_code == 409
    assert "erased" in refused.json()["detail"]
    enrolment, now = uuid.uuid4(), datetime.now(UTC)
    await service.feed(
        EnrolmentStarted(enrolment_id=enrolment, referral_id=accepted["id"], programme_id=programme.programme_id,
                         subject_pseudonym=accepted["subject"]["pseudonym"], start_date=now.date(), started_at=now),
        EnrolmentEnded(enrolment_id=enrolment, referral_id=accepted["id"], programme_id=programme.programme_id,
                       end_date=now.date(), exit_reason="completed"),
    )
    read = (await service.provider.get(f"/v1/referrals/{accepted['id']}")).json()
    assert (read["status"], read["closure_reason"]) == ("closed", "enrolment_ended")
    assert service.transport.dead_letters == []
    declined = await service.provider.post(f"/v1/referrals/{received['id']}/decline",
                                           json={"reason": "other", "note": "Alex Example asked us to stop"})
    assert declined.status_code == 200
    assert declined.json()["decision_note"] is None


# --- at the end of the retention period ------------------------------------------------------


async def decide(service, referral: dict, how: str) -> datetime:
    """End a referral; returns when it ended, as recorded."""
    path = f"/v1/referrals/{referral['id']}"
    if how == "decline":
        answer = await service.provider.post(f"{path}/decline", json={"reason": "no_capacity"})
        return datetime.fromisoformat(answer.json()["decided_at"])
    if how == "withdraw":
        answer = await service.referrer.post(f"{path}/withdraw", json={"reason": "moved_away"})
        return datetime.fromisoformat(answer.json()["withdrawn_at"])
    await service.provider.post(f"{path}/accept")
    answer = await service.provider.post(f"{path}/close", json={"reason": "unable_to_contact"})
    return datetime.fromisoformat(answer.json()["closed_at"])


async def test_subjects_whose_referrals_all_ended_longer_ago_than_the_period_are_erased(service):
    programme = await service.programme()
    declined = await refer(service, programme.programme_id, identifiers=[NHS])
    withdrawn = await refer(service, programme.programme_id, identifiers=[PNC])
    closed = await refer(service, programme.programme_id, identifiers=[UPN])
    half_open = [await refer(service, programme.programme_id, identifiers=[SOMEONE_ELSE]) for _ in range(2)]
    first_end = await decide(service, declined, "decline")
    last_end = max([await decide(service, withdrawn, "withdraw"), await decide(service, closed, "close")])
    await decide(service, half_open[0], "decline")
    policy = RetentionPolicy(retention_days=30)
    uow = service.app.state.runtime.uow()

    on_the_day = await erase_expired(uow, first_end + timedelta(days=30), policy)
    assert (on_the_day.subjects_erased, on_the_day.referrals_erased) == (0, 0)
    just_after = await erase_expired(uow, first_end + timedelta(days=30, microseconds=1), policy)
    assert (just_after.subjects_erased, just_after.referrals_erased) == (1, 1)
    assert (await referral_row(service, declined["id"]))["erased_at"] == first_end + timedelta(days=30, microseconds=1)

    later = await erase_expired(uow, last_end + timedelta(days=400), policy)

    assert (later.subjects_erased, later.referrals_erased) == (2, 2)
    for referral in (declined, withdrawn, closed):
        row = await referral_row(service, referral["id"])
        assert row["erased_at"] is not None and row["given_name"] is None
    # One referral of this young person is still open: none of theirs is erased.
    for referral in half_open:
        assert (await referral_row(service, referral["id"]))["given_name"] == "Alex"
    events = erased_events(await service.flush())
    assert sorted(e.subject_pseudonym for e in events) == sorted(
        r["subject"]["pseudonym"] for r in (declined, withdrawn, closed))
    assert {e.reason for e in events} == {"retention"}
    entries = await rows(service, orm.audit_trail, orm.audit_trail.c.action == "erase")
    assert len(entries) == 6 and {e["client_id"] for e in entries} == {None}
    assert {e["detail"] for e in entries} == {"retention", "retention: 1 referrals"}


async def test_a_retention_run_again_changes_nothing(service):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    ended = await decide(service, referral, "decline")
    uow, policy = service.app.state.runtime.uow(), RetentionPolicy(retention_days=1)
    first = await erase_expired(uow, ended + timedelta(days=2), policy)
    row = await referral_row(service, referral["id"])

    second = await erase_expired(uow, ended + timedelta(days=3), policy)

    assert (first.subjects_erased, second.subjects_erased, second.referrals_erased) == (1, 0, 0)
    assert await referral_row(service, referral["id"]) == row
    assert len(erased_events(await service.flush())) == 1


async def test_a_retention_run_needs_an_aware_now(service):
    with pytest.raises(ValueError, match="time zone"):
        await erase_expired(service.app.state.runtime.uow(), datetime(2030, 1, 1), RetentionPolicy())


def test_the_retention_period_is_six_years_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("VRU_REFERRALS_RETENTION_DAYS", raising=False)
    assert RetentionPolicy().period == timedelta(days=2190)
    monkeypatch.setenv("VRU_REFERRALS_RETENTION_DAYS", "365")
    assert RetentionPolicy().period == timedelta(days=365)
    monkeypatch.setenv("VRU_REFERRALS_RETENTION_DAYS", "0")
    with pytest.raises(ValidationError):
        RetentionPolicy()


async def test_the_command_line_run_erases_from_the_services_database_and_leaves_the_events_to_its_relay(
        service, tmp_path):
    programme = await service.programme()
    referral = await refer(service, programme.programme_id)
    ended = await decide(service, referral, "withdraw")

    run = await run_retention(Settings(data_dir=tmp_path, pseudonym_key="p" * 48), now=ended + timedelta(days=8),
                              policy=RetentionPolicy(retention_days=7))

    assert (run.subjects_erased, run.referrals_erased) == (1, 1)
    assert (await referral_row(service, referral["id"]))["erased_at"] is not None
    [event] = erased_events(await service.flush())
    assert event.reason == "retention"


# --- logs ------------------------------------------------------------------------------------


async def test_the_service_logs_ids_and_counts_never_personal_data(service):
    programme = await service.programme()
    with capture_logs() as logged:
        referral = await refer(service, programme.programme_id, identifiers=[NHS, LOCAL])
        waiting = await refer(service, programme.programme_id, "school", identifiers=[UPN])
        await service.provider.post(f"/v1/referrals/{referral['id']}/accept")
        enrolment, now = uuid.uuid4(), datetime.now(UTC)
        await service.feed(
            EnrolmentStarted(enrolment_id=enrolment, referral_id=referral["id"], programme_id=programme.programme_id,
                             subject_pseudonym=referral["subject"]["pseudonym"], start_date=now.date(),
                             started_at=now),
            EnrolmentEnded(enrolment_id=enrolment, referral_id=referral["id"], programme_id=programme.programme_id,
                           end_date=now.date(), exit_reason="completed"),
            # Its start never comes: retried, then dead-lettered, each time with the reason logged.
            EnrolmentEnded(enrolment_id=uuid.uuid4(), referral_id=waiting["id"], programme_id=programme.programme_id,
                           end_date=now.date(), exit_reason="completed"),
        )
        await service.flush()
        await erase_expired(service.app.state.runtime.uow(), now + timedelta(days=2), RetentionPolicy(retention_days=1))
        await service.flush()
    events = [entry["event"] for entry in logged]
    assert {"event handled", "message dead-lettered", "retention run"} <= set(events), events
    for secret in SECRETS:
        assert secret not in repr(logged), secret


async def test_an_erasure_also_forgets_kept_answers_that_hold_the_young_persons_details(service):
    programme = await service.programme()
    made = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id, identifiers=[NHS]),
                                       headers={"Idempotency-Key": "erase-me-1"})
    assert made.status_code == 201, made.text
    kept = orm.messaging.idempotency_keys
    assert len(await rows(service, kept)) == 1
    assert "Alex" in repr(await rows(service, kept))

    assert (await erase(service, NHS)).status_code == 200
    assert await rows(service, kept) == []
