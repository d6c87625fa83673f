"""Idempotency-Key on POST, through real service apps in process (SQLite, in-process bus)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Request, Response
from sqlalchemy import func, insert, select, update

from vru_referrals.adapters import orm
from vru_shared import idempotency
from vru_shared.contracts.referrals import ReferralAccepted, ReferralReceived
from vru_shared.idempotency import Attempt, IdempotencyConflict
from vru_shared.idempotency_http import MalformedKey, fingerprint, parse_key

from tests.unit.interventions.test_interventions_harness import programme_body
from tests.unit.interventions.test_interventions_harness import running_service as running_interventions
from tests.unit.referrals.referrals_support import REFERRER_ORG, referral_body, running_service

PROBLEMS = "https://vru-platform.example/problems/"
KEYS = orm.messaging.idempotency_keys


@pytest.fixture
async def service(tmp_path):
    async with running_service(tmp_path) as running:
        yield running


async def _count(app, table, *where) -> int:
    async with app.state.runtime.sessions() as session:
        return (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()


async def _referrals(service) -> int:
    return await _count(service.app, orm.referrals)


async def _events(service, event_type: str) -> int:
    outbox = orm.messaging.outbox
    return await _count(service.app, outbox, outbox.c.event_type == event_type)


async def _keys(service) -> list[dict]:
    async with service.app.state.runtime.sessions() as session:
        return [dict(r._mapping) for r in (await session.execute(select(KEYS))).all()]


async def _change_keys(service, **values) -> None:
    async with service.app.state.runtime.sessions() as session, session.begin():
        await session.execute(update(KEYS).values(**values))


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def _referral(service) -> dict:
    programme = await service.programme()
    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id))
    assert answer.status_code == 201, answer.text
    return answer.json()


# --- the header and the fingerprint ------------------------------------------------------------


@pytest.mark.parametrize(("sent", "key"), [
    ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    (r'"say \"hi\" \\ bye"', 'say "hi" \\ bye'),
    ("  padded  ", "padded"),
    ("k" * 255, "k" * 255),
])
def test_a_key_is_read_bare_or_as_a_structured_field_string(sent, key):
    assert parse_key([sent]) == key


@pytest.mark.parametrize("sent", [
    [""], ['""'], ["k" * 256], ["clé"], ["tab\there"], ['"unterminated'], ['"a"b'], [r'"bad \n escape"'],
    ["one", "two"],
])
def test_a_key_that_is_empty_too_long_not_printable_ascii_badly_quoted_or_repeated_is_malformed(sent):
    with pytest.raises(MalformedKey):
        parse_key(sent)


def test_a_json_body_is_fingerprinted_by_its_meaning_and_the_rest_of_the_request_by_its_bytes():
    def of(body: bytes, path: str = "/v1/referrals", content_type: str = "application/json") -> str:
        return fingerprint("POST", path, b"", content_type, body)

    assert of(b'{"a": 1, "b": [1, 2]}') == of(b'{"b":[1,2],"a":1}')
    assert of(b'{"a": 1}') == of(b'{"a": 1}', content_type="application/json; charset=utf-8")
    assert of(b'{"a": 1}') != of(b'{"a": 2}')
    assert of(b'{"a": 1}') != of(b'{"a": 1}', path="/v1/programmes")
    assert of(b'{"a": 1}') != of(b'{"a": 1}', content_type="text/plain")
    assert of(b"not json ") != of(b"not json")


# --- replay, reuse, malformed keys -------------------------------------------------------------


async def test_a_retried_referral_with_its_key_gets_the_first_answer_and_is_made_once(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)

    first = await service.referrer.post("/v1/referrals", json=body, headers=_key("refer-alex-1"))
    again = await service.referrer.post("/v1/referrals", json=body, headers=_key('"refer-alex-1"'))

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"] == f"/v1/referrals/{first.json()['id']}"
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _referrals(service) == 1
    assert await _events(service, ReferralReceived.event_type) == 1
    [kept] = await _keys(service)
    assert (kept["key"], kept["status"], kept["response_status"]) == ("refer-alex-1", "completed", 201)
    assert kept["expires_at"] - kept["created_at"] == timedelta(hours=24)


async def test_an_accept_retried_with_its_key_is_replayed_where_a_plain_retry_is_a_409(service):
    referral = await _referral(service)
    path = f"/v1/referrals/{referral['id']}/accept"

    first = await service.provider.post(path, headers=_key("accept-1"))
    replayed = await service.provider.post(path, headers=_key("accept-1"))
    plain = await service.provider.post(path)

    assert (first.status_code, replayed.status_code, plain.status_code) == (200, 200, 409)
    assert replayed.json() == first.json() and first.json()["status"] == "accepted"
    assert await _events(service, ReferralAccepted.event_type) == 1


async def test_the_same_key_with_a_different_body_is_a_422_that_changes_nothing(service):
    programme = await service.programme()
    await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id), headers=_key("k-1"))

    other = referral_body(programme.programme_id, risk_factors=["gang_association"])
    answer = await service.referrer.post("/v1/referrals", json=other, headers=_key("k-1"))

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == PROBLEMS + "idempotency-key-reused"
    assert "different request" in answer.json()["detail"]
    assert await _referrals(service) == 1


async def test_the_same_key_on_another_path_is_a_422(service):
    referral = await _referral(service)
    await service.provider.post(f"/v1/referrals/{referral['id']}/accept", headers=_key("k-2"))

    answer = await service.provider.post(f"/v1/referrals/{referral['id']}/close", headers=_key("k-2"),
                                         json={"reason": "completed"})

    assert answer.status_code == 422
    assert answer.json()["type"] == PROBLEMS + "idempotency-key-reused"


@pytest.mark.parametrize("value", ["", "k" * 256, '"unterminated', "bad\x01key"])
async def test_a_malformed_key_is_a_400_problem_naming_the_header_and_nothing_is_made(service, value):
    programme = await service.programme()

    answer = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id),
                                         headers=_key(value))

    assert answer.status_code == 400, answer.text
    assert answer.json()["type"] == PROBLEMS + "invalid-idempotency-key"
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/header/idempotency-key"]
    assert await _referrals(service) == 0


async def test_two_keys_in_one_request_are_a_400(service):
    programme = await service.programme()
    request = service.referrer.build_request("POST", "/v1/referrals", json=referral_body(programme.programme_id),
                                             headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")])

    answer = await service.referrer.send(request)

    assert answer.status_code == 400
    assert await _referrals(service) == 0


# --- scope: clients, expiry, no header, no token -----------------------------------------------


async def test_two_clients_may_use_one_key_each_for_their_own_request(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)
    other_client = service.issuer.headers("referrer", REFERRER_ORG) | _key("shared-key")

    mine = await service.referrer.post("/v1/referrals", json=body, headers=_key("shared-key"))
    theirs = await service.client.post("/v1/referrals", json=body, headers=other_client)

    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers
    assert await _referrals(service) == 2
    assert len({k["client_id"] for k in await _keys(service)}) == 2


async def test_an_expired_key_is_forgotten_then_purged(service):
    programme = await service.programme()
    await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id), headers=_key("old"))
    await _change_keys(service, expires_at=datetime.now(UTC) - timedelta(seconds=1))

    # Past its expiry the key means nothing: another request with it takes effect.
    other = referral_body(programme.programme_id, risk_factors=["gang_association"])
    answer = await service.referrer.post("/v1/referrals", json=other, headers=_key("old"))
    assert answer.status_code == 201, answer.text
    assert "idempotent-replayed" not in answer.headers
    assert await _referrals(service) == 2
    [kept] = await _keys(service)
    assert kept["response_body"] == answer.content

    runtime = service.app.state.runtime
    assert await idempotency.purge_expired(runtime.sessions, KEYS, datetime.now(UTC)) == 0
    assert await idempotency.purge_expired(runtime.sessions, KEYS, datetime.now(UTC) + timedelta(hours=25)) == 1
    assert await _keys(service) == []


async def test_posts_without_the_header_are_served_as_before(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)

    first = await service.referrer.post("/v1/referrals", json=body)
    second = await service.referrer.post("/v1/referrals", json=body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers
    assert await _referrals(service) == 2
    assert await _keys(service) == []


async def test_a_request_without_a_valid_token_gets_no_idempotency_handling(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)

    anonymous = await service.client.post("/v1/referrals", json=body, headers=_key("\x01 malformed"))
    forged = await service.client.post("/v1/referrals", json=body, headers={
        "Authorization": "Bearer not-a-token", "Idempotency-Key": "k"})

    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert await _keys(service) == []


# --- what failed requests leave ----------------------------------------------------------------


async def test_a_request_refused_for_its_input_leaves_no_key_so_its_retry_is_judged_afresh(service):
    programme = await service.programme()
    bad = referral_body(programme.programme_id, risk_factors=["not-a-risk-factor"])

    refused = await service.referrer.post("/v1/referrals", json=bad, headers=_key("retry-me"))
    assert refused.status_code == 422 and refused.json()["type"] != PROBLEMS + "idempotency-key-reused"
    assert await _keys(service) == []

    fixed = await service.referrer.post("/v1/referrals", json=referral_body(programme.programme_id),
                                        headers=_key("retry-me"))
    assert fixed.status_code == 201, fixed.text
    assert await _referrals(service) == 1


async def test_refusals_that_commit_only_their_audit_entry_leave_no_key(service):
    referral = await _referral(service)
    unknown = await service.provider.post(f"/v1/referrals/{uuid.uuid4()}/accept", headers=_key("a-404"))
    no_scope = await service.referrer.post(f"/v1/referrals/{referral['id']}/accept", headers=_key("a-403"))
    other_provider = service.issuer.headers("provider", uuid.uuid4()) | _key("a-404-other")
    not_theirs = await service.client.post(f"/v1/referrals/{referral['id']}/accept", headers=other_provider)

    assert (unknown.status_code, no_scope.status_code, not_theirs.status_code) == (404, 403, 404)
    assert await _keys(service) == []
    # The refusals themselves are in the audit trail, as before.
    assert await _count(service.app, orm.audit_trail, orm.audit_trail.c.outcome != "allowed") >= 3

    accepted = await service.provider.post(f"/v1/referrals/{referral['id']}/accept", headers=_key("a-404"))
    assert accepted.status_code == 200


# --- in flight, lost and withheld answers ------------------------------------------------------


async def test_a_key_whose_change_is_in_but_whose_answer_is_not_yet_kept_is_a_409_to_retry_shortly(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)
    await service.referrer.post("/v1/referrals", json=body, headers=_key("slow"))
    await _change_keys(service, status="committed", response_status=None, response_headers=None,
                       response_body=None)

    answer = await service.referrer.post("/v1/referrals", json=body, headers=_key("slow"))

    assert answer.status_code == 409
    assert answer.json()["type"] == PROBLEMS + "idempotency-key-in-progress"
    assert answer.headers["retry-after"] == "1"
    assert await _referrals(service) == 1


async def test_a_key_whose_answer_was_lost_in_a_crash_is_a_409_saying_the_request_took_effect(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)
    await service.referrer.post("/v1/referrals", json=body, headers=_key("crashed"))
    await _change_keys(service, status="committed", response_status=None, response_headers=None,
                       response_body=None, created_at=datetime.now(UTC) - timedelta(minutes=2))

    answer = await service.referrer.post("/v1/referrals", json=body, headers=_key("crashed"))

    assert answer.status_code == 409
    assert answer.json()["type"] == PROBLEMS + "idempotency-response-unavailable"
    assert "took effect once" in answer.json()["detail"]
    assert "retry-after" not in answer.headers
    assert await _referrals(service) == 1


async def test_an_answer_marked_no_store_is_not_kept_and_its_retry_is_told_so(service):
    # A route answering a secret (a new client's, say) marks it no-store; it must not sit in a table.
    async def issue_secret(request: Request) -> Response:
        async with request.app.state.runtime.uow() as uow:
            await uow.commit()
        return Response(b'{"secret": "s3cr3t"}', status_code=201, media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    service.app.router.add_api_route("/v1/test-secrets", issue_secret, methods=["POST"])

    first = await service.admin.post("/v1/test-secrets", headers=_key("secret-1"))
    again = await service.admin.post("/v1/test-secrets", headers=_key("secret-1"))

    assert first.status_code == 201 and first.json() == {"secret": "s3cr3t"}
    assert again.status_code == 409
    assert again.json()["type"] == PROBLEMS + "idempotency-response-unavailable"
    assert "s3cr3t" not in again.text
    [kept] = await _keys(service)
    assert (kept["status"], kept["response_body"]) == ("withheld", None)


async def test_identical_requests_at_once_take_effect_once(service):
    programme = await service.programme()
    body = referral_body(programme.programme_id)

    answers = await asyncio.gather(*(service.referrer.post("/v1/referrals", json=body, headers=_key("burst"))
                                     for _ in range(5)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await _referrals(service) == 1


async def test_a_commit_finding_its_key_taken_rolls_back_its_change_and_says_so(service):
    runtime = service.app.state.runtime
    now = datetime.now(UTC)
    attempt = Attempt(client_id="vru_client", key="k", fingerprint="f" * 64, path="/v1/referrals")
    async with runtime.sessions() as session, session.begin():
        await idempotency.record(session, KEYS, attempt, now)

    async with runtime.sessions() as session:
        await session.execute(insert(orm.audit_trail).values(
            id=uuid.uuid4(), occurred_at=now, action="create", resource_type="referral", outcome="allowed"))
        with pytest.raises(IdempotencyConflict):
            await idempotency.record(session, KEYS, attempt, now)
    assert await _count(service.app, orm.audit_trail) == 0
    assert len(await _keys(service)) == 1


# --- another service ---------------------------------------------------------------------------


async def test_a_programme_created_twice_with_one_key_is_one_programme(tmp_path):
    from vru_interventions.adapters.orm import programmes

    async with running_interventions(tmp_path) as interventions:
        body = programme_body(name="Mentoring after custody (idempotent)")
        first = await interventions.admin.post("/v1/programmes", json=body, headers=_key("programme-1"))
        again = await interventions.admin.post("/v1/programmes", json=body, headers=_key("programme-1"))
        plain = await interventions.admin.post("/v1/programmes", json=body)

        assert (first.status_code, again.status_code, plain.status_code) == (201, 201, 409)
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert await _count(interventions.app, programmes) == 1

