"""Rotating the pseudonym key: people first seen under a retired key are still recognised, their
links move to the current key, and administrators see when a retired key may be dropped."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import literal_column, select

from vru_referrals.adapters import orm
from vru_referrals.domain.identifiers import Identifier, IdentifierType
from vru_referrals.domain.pseudonym_keys import KeyUsage, PseudonymKeys, keep_current
from vru_referrals.domain.subjects import SubjectIdentifier
from vru_shared.contracts.referrals import ReferralReceived, SubjectErased
from vru_shared.settings import Settings

from tests.unit.referrals.referrals_support import referral_body, running_service

OLD_KEY, NEW_KEY = "p" * 48, "q" * 48
NHS = {"type": "nhs_number", "value": "943 476 5919"}
PNC = {"type": "pnc_id", "value": "12/1234567C"}
UPN = {"type": "upn", "value": "L201300124001"}
LOCAL = {"type": "local", "value": "CASE-77", "issuer": "Example Academy"}
SOMEONE_ELSE = {"type": "nhs_number", "value": "9990000018"}


def hashed(key: str, text: str) -> str:
    """An identifier pseudonym worked out by hand: HMAC-SHA256 of "type:canonical value"."""
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


NHS_UNDER_OLD, NHS_UNDER_NEW = hashed(OLD_KEY, "nhs_number:9434765919"), hashed(NEW_KEY, "nhs_number:9434765919")
PNC_UNDER_NEW = hashed(NEW_KEY, "pnc_id:12/1234567C")


def before_rotation(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, pseudonym_key=OLD_KEY)


def after_rotation(tmp_path, *, retired_kept: bool = True) -> Settings:
    return Settings(data_dir=tmp_path, pseudonym_key=NEW_KEY, pseudonym_key_version=2,
                    pseudonym_retired_keys={1: OLD_KEY} if retired_kept else {})


async def refer(service, programme_id, *identifiers: dict, source: str = "custody") -> dict:
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme_id, source,
                                                                              identifiers=list(identifiers)))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def links(service) -> dict[str, tuple[uuid.UUID, int]]:
    """The link table: pseudonym -> (subject, key version)."""
    async with service.app.state.runtime.sessions() as session:
        found = (await session.execute(select(orm.subject_identifiers))).all()
    return {row.pseudonym: (row.subject_id, row.pseudonym_key_version) for row in found}


async def first_seen_under_the_old_key(tmp_path, *identifiers: dict) -> tuple[uuid.UUID, dict]:
    """A programme, and a young person referred to it while key 1 is current."""
    async with running_service(tmp_path, before_rotation(tmp_path)) as service:
        programme = await service.programme()
        referral = await refer(service, programme.programme_id, *identifiers)
        assert all(version == 1 for _, version in (await links(service)).values())
    return programme.programme_id, referral


async def subject_of(service, referral: dict) -> uuid.UUID:
    async with service.app.state.runtime.sessions() as session:
        return (await session.execute(select(orm.referrals.c.subject_id).where(
            orm.referrals.c.id == uuid.UUID(referral["id"])))).scalar_one()


# --- recognised after a rotation --------------------------------------------------------------


async def test_a_young_person_first_seen_under_key_1_is_the_same_subject_after_rotation_and_moves_to_key_2(tmp_path):
    programme_id, first = await first_seen_under_the_old_key(tmp_path, NHS)

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        again = await refer(service, programme_id, {"type": "nhs_number", "value": "9434765919"}, source="school")
        subject_id = await subject_of(service, first)

        assert await subject_of(service, again) == subject_id
        assert again["subject"] == first["subject"] == {"pseudonym": first["subject"]["pseudonym"],
                                                         "pseudonym_key_version": 1}
        assert await links(service) == {NHS_UNDER_NEW: (subject_id, 2)}
        [received] = [e for e in await service.flush() if isinstance(e, ReferralReceived)]
        assert (received.subject_pseudonym, received.pseudonym_key_version) == (first["subject"]["pseudonym"], 1)


async def test_the_duplicate_flag_holds_across_a_rotation(tmp_path):
    programme_id, first = await first_seen_under_the_old_key(tmp_path, NHS)

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        again = await refer(service, programme_id, NHS, source="emergency_department")
        other_programme = await service.programme(name="A&E navigators")
        elsewhere = await refer(service, other_programme.programme_id, NHS)

    assert again["possible_duplicate_of"] == first["id"]
    assert elsewhere["possible_duplicate_of"] is None


async def test_two_subjects_known_under_key_1_merge_when_a_referral_after_rotation_shows_they_are_one(tmp_path):
    async with running_service(tmp_path, before_rotation(tmp_path)) as service:
        programme = await service.programme()
        by_nhs = await refer(service, programme.programme_id, NHS)
        by_pnc = await refer(service, programme.programme_id, PNC)
        older = (await links(service))[NHS_UNDER_OLD][0]
    assert by_nhs["subject"] != by_pnc["subject"]

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        both = await refer(service, programme.programme_id, PNC, NHS)
        assert await links(service) == {NHS_UNDER_NEW: (older, 2), PNC_UNDER_NEW: (older, 2)}

    assert both["subject"] == by_nhs["subject"]


async def test_erasure_by_identifier_finds_a_subject_whose_link_is_still_under_key_1(tmp_path):
    _, first = await first_seen_under_the_old_key(tmp_path, NHS, UPN)

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        answer = await service.admin.post("/v1/referrals/subject-erasures",
                                          json={"identifier": {"type": "nhs_number", "value": "9434765919"}})

        assert answer.status_code == 200, answer.text
        assert answer.json()["referrals_erased"] == 1
        assert await links(service) == {}
        erased = [e for e in await service.flush() if isinstance(e, SubjectErased)]
        assert [e.subject_pseudonym for e in erased] == [first["subject"]["pseudonym"]]
        read = await service.referrer.get(f"/v1/referrals/{first['id']}")
        assert (read.json()["young_person"]["given_name"], read.json()["subject"]) == (None, None)


async def test_an_identifier_linked_under_both_keys_to_two_subjects_is_made_one_subject_when_seen_again(tmp_path):
    # The state a rotation without its retired key leaves: the person became a second subject.
    programme_id, first = await first_seen_under_the_old_key(tmp_path, NHS)
    async with running_service(tmp_path, after_rotation(tmp_path, retired_kept=False)) as service:
        stranger = await refer(service, programme_id, NHS)
    assert stranger["subject"] != first["subject"]

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        third = await refer(service, programme_id, NHS)
        [(subject_id, version)] = (await links(service)).values()
        assert version == 2
        answer = await service.admin.post("/v1/referrals/subject-erasures", json={"identifier": NHS})

    assert third["subject"] == first["subject"]
    assert answer.json()["referrals_erased"] == 3


async def test_erasure_by_identifier_erases_both_subjects_an_identifier_leads_to_under_two_keys(tmp_path):
    programme_id, first = await first_seen_under_the_old_key(tmp_path, NHS)
    async with running_service(tmp_path, after_rotation(tmp_path, retired_kept=False)) as service:
        await refer(service, programme_id, NHS)

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        answer = await service.admin.post("/v1/referrals/subject-erasures", json={"identifier": NHS})
        erased = [e for e in await service.flush() if isinstance(e, SubjectErased)]
        remaining = await links(service)

    assert answer.json()["referrals_erased"] == 2
    assert len(erased) == 2 and first["subject"]["pseudonym"] in {e.subject_pseudonym for e in erased}
    assert remaining == {}


# --- why retired keys are kept ----------------------------------------------------------------


async def test_without_the_retired_key_a_young_person_seen_before_the_rotation_is_not_recognised(tmp_path):
    programme_id, first = await first_seen_under_the_old_key(tmp_path, NHS)

    async with running_service(tmp_path, after_rotation(tmp_path, retired_kept=False)) as service:
        unknown = await service.admin.post("/v1/referrals/subject-erasures", json={"identifier": NHS})
        again = await refer(service, programme_id, NHS)
        stored = await links(service)

    assert unknown.status_code == 404
    assert again["subject"]["pseudonym"] != first["subject"]["pseudonym"]
    assert again["possible_duplicate_of"] is None
    assert stored[NHS_UNDER_OLD][1] == 1 and stored[NHS_UNDER_NEW][1] == 2
    assert stored[NHS_UNDER_OLD][0] != stored[NHS_UNDER_NEW][0]


# --- what the link table holds ----------------------------------------------------------------


async def test_the_link_table_holds_keyed_pseudonyms_and_never_an_identifier_before_or_after_rotation(tmp_path):
    programme_id, _ = await first_seen_under_the_old_key(tmp_path, NHS, PNC, UPN, LOCAL)
    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        await refer(service, programme_id, NHS)
        await refer(service, programme_id, SOMEONE_ELSE)
        async with service.app.state.runtime.sessions() as session:
            raw = repr((await session.execute(select(literal_column("*")).select_from(orm.subject_identifiers))).all())
        stored = await links(service)

    for secret in ("9434765919", "943 476 5919", "1234567C", "L201300124001", "CASE-77", "Example Academy",
                   "example academy", "9990000018"):
        assert secret not in raw, secret
    assert all(re.fullmatch(r"[0-9a-f]{64}", pseudonym) for pseudonym in stored)
    assert sorted(version for _, version in stored.values()) == [1, 1, 1, 2, 2]


# --- operating the rotation -------------------------------------------------------------------


async def test_administrators_see_the_links_under_each_key_version_and_when_the_retired_key_may_go(tmp_path):
    programme_id, _ = await first_seen_under_the_old_key(tmp_path, NHS, PNC)
    async with running_service(tmp_path, before_rotation(tmp_path)) as service:
        await refer(service, programme_id, SOMEONE_ELSE)

    async with running_service(tmp_path, after_rotation(tmp_path)) as service:
        before = await service.admin.get("/v1/referrals/pseudonym-keys")
        await refer(service, programme_id, NHS)
        seen_again = await service.admin.get("/v1/referrals/pseudonym-keys")
        rekeyed = await service.admin.post("/v1/referrals/pseudonym-keys/rekeying")
        after = await service.admin.get("/v1/referrals/pseudonym-keys")
        async with service.app.state.runtime.sessions() as session:
            trail = (await session.execute(select(orm.audit_trail).where(
                orm.audit_trail.c.resource_type == "pseudonym_keys").order_by(orm.audit_trail.c.occurred_at))).all()

    assert before.status_code == 200, before.text
    assert before.json() == {"current_version": 2, "links": {"1": 3, "2": 0}, "removable": [], "missing": []}
    assert seen_again.json()["links"] == {"1": 2, "2": 1}
    assert rekeyed.status_code == 200, rekeyed.text
    assert rekeyed.json() == {"current_version": 2, "links": {"1": 0, "2": 3}, "removable": [1], "missing": [],
                              "rekeyed": 2}
    assert after.json()["removable"] == [1]
    assert [(row.action.value, row.outcome.value) for row in trail] == [
        ("read", "allowed"), ("read", "allowed"), ("update", "allowed"), ("update", "allowed"), ("read", "allowed")]
    assert trail[2].detail == "2 identifier links of 2 subjects re-keyed to version 2"
    assert trail[3].detail == "re-keying done: 2 links moved; links by key version: 1=0, 2=3"


async def test_the_key_route_names_the_versions_links_use_whose_key_the_service_lacks(tmp_path):
    await first_seen_under_the_old_key(tmp_path, NHS)

    async with running_service(tmp_path, after_rotation(tmp_path, retired_kept=False)) as service:
        answer = await service.admin.get("/v1/referrals/pseudonym-keys")
        rekeyed = await service.admin.post("/v1/referrals/pseudonym-keys/rekeying")

    assert answer.json() == {"current_version": 2, "links": {"1": 1, "2": 0}, "removable": [], "missing": [1]}
    assert rekeyed.json()["rekeyed"] == 0 and rekeyed.json()["links"] == {"1": 1, "2": 0}


KEY_ROUTES = [("get", "/v1/referrals/pseudonym-keys"), ("post", "/v1/referrals/pseudonym-keys/rekeying")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rotated(tmp_path_factory):
    path = tmp_path_factory.mktemp("rotated")
    async with running_service(path, after_rotation(path)) as running:
        yield running


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("role", "expected"), [
    ("none", 401), ("referrer", 403), ("provider", 403), ("vru", 403), ("administrator", 200)])
@pytest.mark.parametrize(("method", "path"), KEY_ROUTES)
async def test_only_administrators_may_read_or_rekey_the_pseudonym_keys_and_every_refusal_is_audited(
    rotated, role, expected, method, path
):
    organisation = None if role == "none" else uuid.uuid4()
    headers = {} if organisation is None else rotated.issuer.headers(role, organisation)
    since = datetime.now(UTC)

    answer = await rotated.client.request(method, path, headers=headers)

    trail = orm.audit_trail.c
    async with rotated.app.state.runtime.sessions() as session:
        entries = (await session.execute(select(orm.audit_trail).where(
            trail.resource_type == "pseudonym_keys", trail.occurred_at >= since,
            trail.organisation_id.is_(None) if organisation is None else trail.organisation_id == organisation,
        ))).all()
    assert answer.status_code == expected, answer.text
    assert entries and {(e.action.value, e.outcome.value) for e in entries} == {
        ("read" if method == "get" else "update", "allowed" if expected == 200 else "denied")}


# --- the rules, without a database --------------------------------------------------------------

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def link(pseudonym: str, version: int, subject_id: uuid.UUID | None = None) -> SubjectIdentifier:
    return SubjectIdentifier(pseudonym=pseudonym, subject_id=subject_id or uuid.uuid4(),
                             identifier_type=IdentifierType.NHS_NUMBER, pseudonym_key_version=version, linked_at=NOW)


def test_a_link_under_the_current_key_stays_and_supersedes_those_under_retired_keys():
    old, current = link("a" * 64, 1), link("b" * 64, 3)

    kept = keep_current([old, current], "b" * 64, 3)

    assert (kept.kept, kept.superseded, kept.rekeyed) == (current, (old,), False)
    assert (old.pseudonym, old.pseudonym_key_version) == ("a" * 64, 1)


def test_without_a_current_link_the_newest_retired_one_is_rekeyed_to_the_current_key():
    oldest, newer = link("a" * 64, 1), link("c" * 64, 2)

    kept = keep_current([oldest, newer], "d" * 64, 3)

    assert (kept.kept, kept.superseded, kept.rekeyed) == (newer, (oldest,), True)
    assert (newer.pseudonym, newer.pseudonym_key_version) == ("d" * 64, 3)


def test_keys_give_one_identifier_a_pseudonym_under_every_version_held():
    keys = PseudonymKeys(2, {1: OLD_KEY.encode(), 2: NEW_KEY.encode()})

    assert keys.pseudonyms(Identifier.parse(IdentifierType.NHS_NUMBER, "943-476-5919")) == {
        1: NHS_UNDER_OLD, 2: NHS_UNDER_NEW}
    assert keys.retired_versions == (1,)
    with pytest.raises(ValueError):
        PseudonymKeys(2, {1: OLD_KEY.encode()})


def test_a_retired_key_may_go_only_when_no_link_uses_it():
    keys = PseudonymKeys(3, {1: b"x" * 48, 2: b"y" * 48, 3: b"z" * 48})

    usage = KeyUsage.of(keys, {1: 0, 2: 4, 3: 9})

    assert (usage.removable, usage.missing) == ((1,), ())
    assert KeyUsage.of(PseudonymKeys(3, {3: b"z" * 48}), {2: 1}).links == {2: 1, 3: 0}
    assert KeyUsage.of(PseudonymKeys(3, {3: b"z" * 48}), {2: 1}).missing == (2,)
