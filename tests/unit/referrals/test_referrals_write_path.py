"""How a referral is written: the programme read afresh for each one, and the rows a referral adds
(subject, identifier links, referral, audit entry) written together when its unit of work commits,
or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from vru_referrals.adapters import orm
from vru_referrals.domain.subjects import Subject, SubjectIdentifier
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome

from tests.unit.referrals.referrals_api_support import count_rows, refer
from tests.unit.referrals.referrals_support import KEY, referral_body

NHS_NUMBER = {"type": "nhs_number", "value": "9434765919"}
PNC_ID = {"type": "pnc_id", "value": "12/1234567C"}


async def test_a_programme_changed_by_another_process_is_what_the_next_referral_is_checked_against(service):
    programme = await service.programme(accepted_sources=["custody", "school"])
    await refer(service, programme.programme_id, "school")
    # Another copy of the service handled the update: only the shared database knows of it.
    async with service.app.state.runtime.sessions() as session, session.begin():
        await session.execute(update(orm.programmes).where(orm.programmes.c.id == programme.programme_id)
                              .values(accepted_sources=("custody",)))

    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id, "school"))

    assert answer.status_code == 422
    assert answer.json()["type"].endswith("/source-not-accepted")


async def test_a_referral_of_someone_new_writes_their_subject_each_link_the_referral_and_its_audit_entry(service):
    programme = await service.programme()

    made = await refer(service, programme.programme_id, identifiers=[PNC_ID, NHS_NUMBER])

    async with service.app.state.runtime.sessions() as session:
        subject_id = (await session.execute(select(orm.subjects.c.id))).scalar_one()
        linked = (await session.execute(select(orm.subject_identifiers.c.subject_id))).scalars().all()
        referral = (await session.execute(select(orm.referrals.c.subject_id, orm.referrals.c.possible_duplicate_of))
                    ).one()
        audited = (await session.execute(select(orm.audit_trail.c.action, orm.audit_trail.c.resource_id))).all()
    assert linked == [subject_id, subject_id]
    assert referral == (subject_id, None)
    assert audited == [(AuditAction.CREATE, made["id"])]


async def test_a_refused_referral_of_someone_new_leaves_no_subject_or_link_behind(service):
    programme = await service.programme(min_age=10, max_age=17)
    body = referral_body(programme.programme_id, identifiers=[NHS_NUMBER])
    body["young_person"]["date_of_birth"] = "2001-01-01"

    answer = await service.referrer.post("/v1/referrals", json=body)

    assert answer.status_code == 422
    for table in (orm.subjects, orm.subject_identifiers, orm.referrals, orm.audit_trail):
        assert await count_rows(service, table) == 0, table.name
    # So the same person, referred properly, is someone seen for the first time.
    first = await refer(service, programme.programme_id, identifiers=[NHS_NUMBER])
    assert first["possible_duplicate_of"] is None
    assert await count_rows(service, orm.subjects) == 1


async def test_a_second_referral_of_the_same_person_is_flagged_as_a_duplicate_of_the_first(service):
    programme = await service.programme()
    first = await refer(service, programme.programme_id, identifiers=[NHS_NUMBER])

    second = await refer(service, programme.programme_id, identifiers=[NHS_NUMBER])

    assert second["possible_duplicate_of"] == first["id"]
    assert second["subject"]["pseudonym"] == first["subject"]["pseudonym"]


async def test_new_rows_gathered_children_first_are_written_parents_first(service):
    now = datetime.now(UTC)
    subject = Subject.new(key=KEY, key_version=1, now=now)
    uow = service.app.state.runtime.uow()
    async with uow:
        uow.subjects.link(SubjectIdentifier(pseudonym="p" * 64, subject_id=subject.id, identifier_type="nhs_number",
                                            pseudonym_key_version=1, linked_at=now))
        uow.subjects.add(subject)
        await uow.commit()

    async with service.app.state.runtime.sessions() as session:
        linked = (await session.execute(select(orm.subject_identifiers.c.subject_id))).scalar_one()
    assert linked == subject.id


async def test_rows_gathered_before_a_rollback_are_not_written_by_a_later_commit(service):
    uow = service.app.state.runtime.uow()
    async with uow:
        await uow.audit.record(None, AuditEntry(AuditAction.READ, "referral", None, AuditOutcome.ALLOWED))
        await uow.rollback()
        await uow.audit.record(None, AuditEntry(AuditAction.LIST, "referral", None, AuditOutcome.ALLOWED))
        await uow.commit()

    async with service.app.state.runtime.sessions() as session:
        actions = (await session.execute(select(orm.audit_trail.c.action))).scalars().all()
    assert actions == [AuditAction.LIST]
