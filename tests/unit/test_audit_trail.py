"""The audit trail records who did what to which record, and finds it again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData

from vru_shared import correlation, db
from vru_shared.audit import AuditAction, AuditEntry, AuditOutcome, AuditQuery, audit_table, record, search
from vru_shared.auth import Principal, Role

CALLER = Principal("vru_provider", uuid.uuid4(), Role.PROVIDER, frozenset({"referrals:read"}), "jti-1")


async def trail(tmp_path):
    metadata = MetaData()
    table = audit_table(metadata)
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path}/audit.db")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return engine, db.session_factory(engine), table


async def test_an_entry_names_the_client_its_organisation_the_record_and_the_outcome(tmp_path):
    engine, sessions, table = await trail(tmp_path)
    token = correlation.correlation_id.set("audit-1")
    try:
        async with sessions() as session, session.begin():
            await record(session, table, CALLER,
                         AuditEntry(AuditAction.READ, "referral", "r-1", AuditOutcome.ALLOWED))
    finally:
        correlation.correlation_id.reset(token)
    async with sessions() as session:
        [entry] = await search(session, table, AuditQuery())
    assert entry["client_id"] == "vru_provider"
    assert entry["organisation_id"] == CALLER.organisation_id
    assert entry["role"] == "provider"
    assert (entry["action"], entry["resource_type"], entry["resource_id"]) == (AuditAction.READ, "referral", "r-1")
    assert entry["outcome"] is AuditOutcome.ALLOWED
    assert entry["correlation_id"] == "audit-1"
    assert datetime.now(UTC) - entry["occurred_at"] < timedelta(seconds=5)
    await engine.dispose()


async def test_an_entry_rolled_back_with_its_change_is_not_kept(tmp_path):
    engine, sessions, table = await trail(tmp_path)
    async with sessions() as session:
        await session.begin()
        await record(session, table, CALLER, AuditEntry(AuditAction.UPDATE, "referral", "r-1", AuditOutcome.ALLOWED))
        await session.rollback()
    async with sessions() as session:
        assert await search(session, table, AuditQuery()) == []
    await engine.dispose()


async def test_the_trail_is_searched_by_organisation_record_and_outcome(tmp_path):
    engine, sessions, table = await trail(tmp_path)
    other = Principal("vru_other", uuid.uuid4(), Role.REFERRER, frozenset(), "jti-2")
    async with sessions() as session, session.begin():
        await record(session, table, CALLER,
                     AuditEntry(AuditAction.READ, "referral", "r-1", AuditOutcome.ALLOWED),
                     AuditEntry(AuditAction.READ, "referral", "r-2", AuditOutcome.ALLOWED))
        await record(session, table, other, AuditEntry(AuditAction.READ, "referral", "r-1", AuditOutcome.NOT_FOUND))
        await record(session, table, None, AuditEntry(AuditAction.READ, "referral", None, AuditOutcome.DENIED,
                                                      "no access token"))
    async with sessions() as session:
        by_org = await search(session, table, AuditQuery(organisation_id=CALLER.organisation_id))
        by_record = await search(session, table, AuditQuery(resource_type="referral", resource_id="r-1"))
        refused = await search(session, table, AuditQuery(outcome=AuditOutcome.DENIED))
        page = await search(session, table, AuditQuery(limit=2))
    assert {e["resource_id"] for e in by_org} == {"r-1", "r-2"}
    assert {e["client_id"] for e in by_record} == {"vru_provider", "vru_other"}
    assert [e["detail"] for e in refused] == ["no access token"]
    assert len(page) == 2
    await engine.dispose()

