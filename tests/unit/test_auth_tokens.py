"""Access tokens are verified against the identity service's published keys, and nothing else."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from vru_shared.auth import InvalidToken, KeySet, KeysUnavailable, Role, TokenVerifier

ISSUER, AUDIENCE = "vru-platform", "vru-api"
ORG = uuid.uuid4()


def new_key(kid: str) -> tuple[Ed25519PrivateKey, dict]:
    private = Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    return private, {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}


def claims(**changes) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "vru_client", "client_id": "vru_client", "org": str(ORG),
            "role": "provider", "scope": "referrals:read enrolments:write", "iat": now, "nbf": now,
            "exp": now + 300, "jti": str(uuid.uuid4())}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(private, kid: str, body: dict | None = None, **header) -> str:
    return jwt.encode(body or claims(), private, algorithm="EdDSA", headers={"kid": kid, "typ": "at+jwt", **header})


class Jwks:
    def __init__(self, *jwks: dict) -> None:
        self.document = {"keys": list(jwks)}
        self.fetches = 0
        self.fail = False

    async def __call__(self) -> dict:
        self.fetches += 1
        if self.fail:
            raise ConnectionError("identity service unreachable")
        return self.document


def verifier(source: Jwks, **keyset) -> TokenVerifier:
    return TokenVerifier(KeySet(source, **keyset), issuer=ISSUER, audience=AUDIENCE)


async def test_a_token_signed_by_a_published_key_gives_the_client_its_organisation_and_scopes():
    private, jwk = new_key("k1")
    principal = await verifier(Jwks(jwk)).verify(sign(private, "k1"))
    assert principal.client_id == "vru_client"
    assert principal.organisation_id == ORG
    assert principal.role is Role.PROVIDER
    assert principal.has("enrolments:write") and not principal.has("admin")


# Times as seconds from when the test runs, not from when it was collected: a long suite would
# otherwise reach a "not yet valid" token after it became valid.
FROM_NOW = ("exp", "nbf")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"exp": -60}, "expired"),
        ({"aud": "someone-else"}, "not valid"),
        ({"iss": "https://evil.example"}, "not valid"),
        ({"jti": None}, "not valid"),
        ({"org": "not-a-uuid"}, "claims"),
        ({"role": "superuser"}, "claims"),
        ({"nbf": 600}, "not valid"),
    ],
)
async def test_a_token_with_a_wrong_or_missing_claim_is_refused(changes, message):
    private, jwk = new_key("k1")
    now = int(time.time())
    changes = {k: now + v if k in FROM_NOW else v for k, v in changes.items()}
    with pytest.raises(InvalidToken, match=message):
        await verifier(Jwks(jwk)).verify(sign(private, "k1", claims(**changes)))


async def test_a_token_signed_by_a_key_that_is_not_published_is_refused():
    _, jwk = new_key("k1")
    impostor, _ = new_key("k1")
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify(sign(impostor, "k1"))


async def test_a_tampered_payload_is_refused():
    private, jwk = new_key("k1")
    header, payload, signature = sign(private, "k1").split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["role"] = "administrator"
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify(f"{header}.{payload}.{signature}")


async def test_an_unsigned_token_is_refused():
    _, jwk = new_key("k1")
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": "k1", "typ": "at+jwt"})
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify(unsigned)


async def test_a_token_hmac_signed_with_the_public_key_is_refused():
    _, jwk = new_key("k1")
    # Algorithm confusion: the public key used as an HMAC secret.
    forged = jwt.encode(claims(), jwk["x"], algorithm="HS256", headers={"kid": "k1", "typ": "at+jwt"})
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify(forged)


async def test_an_id_token_or_other_jwt_type_is_not_an_access_token():
    private, jwk = new_key("k1")
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify(sign(private, "k1", typ="JWT"))


async def test_garbage_is_refused():
    _, jwk = new_key("k1")
    with pytest.raises(InvalidToken):
        await verifier(Jwks(jwk)).verify("not.a.token")


async def test_a_new_signing_key_is_fetched_when_a_token_names_it():
    old_private, old = new_key("k1")
    new_private, new = new_key("k2")
    source = Jwks(old)
    check = verifier(source, min_refresh_interval_s=0)
    await check.verify(sign(old_private, "k1"))
    source.document = {"keys": [old, new]}  # rotation: the new key is published
    principal = await check.verify(sign(new_private, "k2"))
    assert principal.client_id == "vru_client"
    assert source.fetches == 2
    await check.verify(sign(old_private, "k1"))  # tokens of the previous key still verify
    assert source.fetches == 2


async def test_made_up_key_ids_do_not_cause_a_fetch_each():
    private, jwk = new_key("k1")
    source = Jwks(jwk)
    check = verifier(source, min_refresh_interval_s=60)
    await check.verify(sign(private, "k1"))
    for n in range(20):
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await check.verify(sign(private, f"made-up-{n}"))
    assert source.fetches == 1


async def test_keys_already_fetched_keep_working_while_the_identity_service_is_away():
    private, jwk = new_key("k1")
    source = Jwks(jwk)
    check = verifier(source, max_age_s=0, min_refresh_interval_s=0)
    await check.verify(sign(private, "k1"))
    source.fail = True
    assert (await check.verify(sign(private, "k1"))).client_id == "vru_client"


async def test_without_any_keys_nothing_can_be_verified():
    private, _ = new_key("k1")
    source = Jwks()
    source.fail = True
    with pytest.raises(KeysUnavailable):
        await verifier(source).verify(sign(private, "k1"))


async def test_a_verified_token_is_remembered_so_its_signature_is_checked_once(monkeypatch):
    private, jwk = new_key("k1")
    checks = 0
    decode = jwt.decode

    def counting_decode(*args, **kwargs):
        nonlocal checks
        checks += 1
        return decode(*args, **kwargs)

    monkeypatch.setattr("vru_shared.auth.jwt.decode", counting_decode)
    tokens = verifier(Jwks(jwk))
    token = sign(private, "k1")
    first, second = await tokens.verify(token), await tokens.verify(token)
    assert first == second and checks == 1


async def test_remembering_a_token_does_not_admit_a_tampered_copy_of_it():
    private, jwk = new_key("k1")
    tokens = verifier(Jwks(jwk))
    token = sign(private, "k1")
    await tokens.verify(token)
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["role"] = "administrator"
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        await tokens.verify(f"{header}.{payload}.{signature}")


async def test_a_remembered_token_is_refused_once_it_expires():
    private, jwk = new_key("k1")
    tokens = TokenVerifier(KeySet(Jwks(jwk)), issuer=ISSUER, audience=AUDIENCE, leeway_s=0)
    token = sign(private, "k1", claims(exp=int(time.time()) + 1))
    await tokens.verify(token)
    await asyncio.sleep(1.2)
    with pytest.raises(InvalidToken, match="expired"):
        await tokens.verify(token)


async def test_the_verifier_remembers_a_bounded_number_of_tokens():
    private, jwk = new_key("k1")
    tokens = TokenVerifier(KeySet(Jwks(jwk)), issuer=ISSUER, audience=AUDIENCE, remembered=3)
    for _ in range(10):
        await tokens.verify(sign(private, "k1"))
    assert len(tokens._verified) == 3
