"""The referral write path on real PostgreSQL: a POST takes its identifiers' locks and reads its
programme in one statement, and writes its new rows together as it commits; several copies of the
service over one database must still make one subject of one new person."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from vru_referrals.adapters import orm as referrals_orm
from vru_referrals.bootstrap import SPEC as REFERRALS

from tests.support.instances import instances
from tests.support.tokens import TestIssuer
from tests.unit.referrals.referrals_support import ADMIN_ORG, REFERRER_ORG, programme_created, referral_body

pytestmark = pytest.mark.integration

NHS = {"type": "nhs_number", "value": "9434765919"}


@pytest.fixture
async def database(postgres_database) -> str:
    return await postgres_database()


@pytest.mark.parametrize("identifiers", [[NHS], [NHS, {"type": "local", "value": "X-1", "issuer": "Example"}]])
async def test_referrals_of_one_new_person_posted_at_once_to_three_copies_make_one_subject(
        database, tmp_path, identifiers):
    issuer = TestIssuer()
    referrer = issuer.headers("referrer", REFERRER_ORG)
    async with instances(REFERRALS, database, issuer, tmp_path, 3) as copies:
        programme = programme_created()
        await copies[0].feed(programme)
        body = referral_body(programme.programme_id, identifiers=identifiers)
        answers = await asyncio.gather(*(copies[i % 3].http.post("/v1/referrals", json=body, headers=referrer)
                                         for i in range(12)))
        assert [a.status_code for a in answers] == [201] * 12, [a.text for a in answers]
        assert await copies[0].count(referrals_orm.subjects) == 1
        assert await copies[0].count(referrals_orm.subject_identifiers) == len(identifiers)
        assert await copies[0].count(referrals_orm.referrals) == 12
        assert await copies[0].count(referrals_orm.audit_trail) == 12
        # Every one but the first is flagged as a possible duplicate of an earlier open referral.
        assert sum(1 for a in answers if a.json()["possible_duplicate_of"] is not None) == 11


async def test_a_referral_to_an_unknown_programme_is_refused_and_writes_nothing(database, tmp_path):
    issuer = TestIssuer()
    async with instances(REFERRALS, database, issuer, tmp_path, 1) as copies:
        answer = await copies[0].http.post("/v1/referrals", json=referral_body(programme_created().programme_id),
                                           headers=issuer.headers("referrer", REFERRER_ORG))
        assert answer.status_code == 422 and "unknown-programme" in answer.text
        assert await copies[0].count(referrals_orm.subjects) == 0
        assert await copies[0].count(referrals_orm.referrals) == 0


async def test_the_lock_statement_holds_every_lock_asked_for_until_the_transaction_ends(database, tmp_path):
    async with instances(REFERRALS, database, TestIssuer(), tmp_path, 1) as copies:
        held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        uow = copies[0].app.state.runtime.uow()
        async with uow:
            await uow.serialise_on_all(["c", "a", "b"])
            assert (await uow.session.execute(held)).scalar_one() == 3
            # Taken with the programme's read even when there is no such programme.
            assert await uow.programme_serialised_on(programme_created().programme_id, ["d", "e"]) is None
            assert (await uow.session.execute(held)).scalar_one() == 5
        async with uow:
            assert (await uow.session.execute(held)).scalar_one() == 0


async def test_an_erasure_of_many_referrals_writes_an_audit_entry_for_each(database, tmp_path):
    issuer = TestIssuer()
    referrer = issuer.headers("referrer", REFERRER_ORG)
    async with instances(REFERRALS, database, issuer, tmp_path, 1) as copies:
        programme = programme_created()
        await copies[0].feed(programme)
        for _ in range(20):
            answer = await copies[0].http.post(
                "/v1/referrals", json=referral_body(programme.programme_id, identifiers=[NHS]), headers=referrer)
            assert answer.status_code == 201, answer.text
        # More new rows than go in one statement: each table's go in an INSERT of their own.
        answer = await copies[0].http.post("/v1/referrals/subject-erasures", json={"identifier": NHS},
                                           headers=issuer.headers("administrator", ADMIN_ORG))
        assert answer.status_code in (200, 201, 202), answer.text
        # 20 referrals made, then 20 erased and the subject: 41 entries.
        assert await copies[0].count(referrals_orm.audit_trail) == 41
