"""Signing keys: Ed25519, sealed at rest, rotated without a moment when a valid token fails to verify."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta

import jwt
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from vru_identity.domain.signing_keys import DEFAULT_ACTIVATION_DELAY


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def _jwks(identity) -> list[dict]:
    return (await identity.http.get("/v1/auth/jwks")).json()["keys"]


async def _rotate(identity, **body) -> dict:
    answer = await identity.http.post("/v1/auth/signing-keys/rotate", json=body or None)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _states(identity) -> dict[str, str]:
    items = (await identity.http.get("/v1/auth/signing-keys")).json()["items"]
    return {item["kid"]: item["state"] for item in items}


async def test_the_service_starts_with_one_ed25519_key_named_by_its_rfc_7638_thumbprint(identity):
    answer = await identity.http.get("/v1/auth/jwks")

    [key] = answer.json()["keys"]
    assert answer.headers["cache-control"] == "public, max-age=60"
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig"
    }
    assert len(base64.urlsafe_b64decode(key["x"] + "=")) == 32
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": key["x"]}, separators=(",", ":"))
    assert key["kid"] == base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}


async def test_a_token_signed_before_a_rotation_still_verifies_with_the_key_set_published_after_it(identity):
    identity.clock.catch_up()
    client_id, secret = await identity.provider_client()
    before = (await identity.token(client_id, secret)).json()["access_token"]

    await _rotate(identity, activation_delay_s=0)
    after = (await identity.token(client_id, secret)).json()["access_token"]

    assert kid_of(before) != kid_of(after)
    assert {k["kid"] for k in await _jwks(identity)} == {kid_of(before), kid_of(after)}
    assert (await identity.verify(before))["sub"] == client_id
    assert (await identity.verify(after))["sub"] == client_id


async def test_a_new_key_is_published_at_once_but_signs_only_after_its_activation_delay(identity):
    client_id, secret = await identity.provider_client()
    old = kid_of((await identity.token(client_id, secret)).json()["access_token"])

    new = await _rotate(identity, activation_delay_s=60)

    assert new["state"] == "pending"
    assert {k["kid"] for k in await _jwks(identity)} == {old, new["kid"]}
    assert await _states(identity) == {old: "active", new["kid"]: "pending"}
    identity.clock.advance(seconds=59)
    assert kid_of((await identity.token(client_id, secret)).json()["access_token"]) == old
    identity.clock.advance(seconds=1)
    assert kid_of((await identity.token(client_id, secret)).json()["access_token"]) == new["kid"]
    assert await _states(identity) == {old: "retired", new["kid"]: "active"}


async def test_the_activation_delay_is_60_seconds_unless_told_otherwise(identity):
    identity.app.state.authority.activation_delay = DEFAULT_ACTIVATION_DELAY

    new = await _rotate(identity)

    assert new["state"] == "pending"
    activated, created = datetime.fromisoformat(new["activated_at"]), datetime.fromisoformat(new["created_at"])
    assert activated - created == timedelta(seconds=60)


async def test_a_rotation_that_overtakes_a_pending_key_leaves_one_key_signing(identity):
    client_id, secret = await identity.provider_client()
    first = kid_of((await identity.token(client_id, secret)).json()["access_token"])
    slow = await _rotate(identity, activation_delay_s=3600)

    fast = await _rotate(identity, activation_delay_s=0)

    assert await _states(identity) == {first: "retired", slow["kid"]: "retired", fast["kid"]: "active"}
    identity.clock.advance(hours=2)
    assert kid_of((await identity.token(client_id, secret)).json()["access_token"]) == fast["kid"]


async def test_a_retired_key_stays_published_for_the_token_lifetime_plus_five_minutes(identity):
    [original] = await _jwks(identity)
    await _rotate(identity, activation_delay_s=0)

    # 300 s of token lifetime and 300 s of margin after it retired.
    identity.clock.advance(seconds=599)
    assert original["kid"] in {k["kid"] for k in await _jwks(identity)}
    identity.clock.advance(seconds=1)
    assert original["kid"] not in {k["kid"] for k in await _jwks(identity)}
    assert len(await _jwks(identity)) == 1


async def test_private_keys_are_stored_sealed_and_bound_to_their_key_id(identity):
    [published] = await _jwks(identity)

    async with identity.app.state.runtime.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM signing_keys"))).one()

    sealed = bytes(row.private_key_encrypted)
    vault = identity.app.state.authority.vault
    private_raw = vault.open(sealed, row.kid)
    private = Ed25519PrivateKey.from_private_bytes(private_raw)
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.urlsafe_b64encode(public_raw).rstrip(b"=").decode() == published["x"]
    # A 12-byte nonce, the 32-byte key encrypted, a 16-byte tag: and the key nowhere in clear.
    assert len(sealed) == 12 + 32 + 16
    assert private_raw not in sealed
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    assert all(private_raw not in bytes(v) and pem not in bytes(v) for v in row if isinstance(v, bytes | bytearray))
    with pytest.raises(InvalidTag):
        vault.open(sealed, "another-kid")


async def test_an_activation_delay_out_of_range_is_refused_and_changes_nothing(identity):
    before = await _jwks(identity)

    answer = await identity.http.post("/v1/auth/signing-keys/rotate", json={"activation_delay_s": -1})

    assert answer.status_code == 422
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/body/activation_delay_s"]
    assert await _jwks(identity) == before


async def test_a_restart_keeps_the_key_and_signs_with_it(tmp_path, start_identity):
    from vru_shared.settings import Settings

    async with start_identity(Settings(data_dir=tmp_path)) as first:
        [before] = await _jwks(first)
    async with start_identity(Settings(data_dir=tmp_path)) as second:
        client_id, secret = await second.provider_client()
        token = (await second.token(client_id, secret)).json()["access_token"]
        assert await _jwks(second) == [before]
    assert kid_of(token) == before["kid"]
