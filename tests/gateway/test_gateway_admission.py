"""The gateway's abuse controls: per-client rate limits (429 with Retry-After) and body size limits (413)."""

from __future__ import annotations

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from gateway_fakes import serve
from jwt.algorithms import OKPAlgorithm

PROBLEM = "application/problem+json"


def identity_app(private: Ed25519PrivateKey) -> FastAPI:
    app = FastAPI()
    jwk = {**json.loads(OKPAlgorithm.to_jwk(private.public_key())), "kid": "k1", "alg": "EdDSA", "use": "sig"}

    @app.get("/v1/auth/jwks")
    async def jwks() -> dict:
        return {"keys": [jwk]}

    return app


def token(private: Ed25519PrivateKey, client_id: str) -> str:
    now = int(time.time())
    claims = {"iss": "vru-platform", "aud": "vru-api", "sub": client_id, "client_id": client_id,
              "org": str(uuid.uuid4()), "role": "provider", "scope": "referrals:read", "iat": now, "nbf": now,
              "exp": now + 300, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "k1", "typ": "at+jwt"})


async def test_a_caller_without_a_token_is_limited_by_address_and_told_when_to_retry(make_gateway):
    gateway = await make_gateway(rate_limit_anonymous="3/minute")
    answers = [await gateway.get("/v1/programmes") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_each_api_client_has_its_own_budget(make_gateway):
    private = Ed25519PrivateKey.generate()
    identity = await serve(identity_app(private))
    try:
        gateway = await make_gateway(identity_url=identity.url, rate_limit="2/minute", rate_limit_anonymous="100/minute")
        first = {"Authorization": f"Bearer {token(private, 'vru_first')}"}
        second = {"Authorization": f"Bearer {token(private, 'vru_second')}"}
        firsts = [(await gateway.get("/v1/programmes", headers=first)).status_code for _ in range(3)]
        seconds = [(await gateway.get("/v1/programmes", headers=second)).status_code for _ in range(2)]
        anonymous = (await gateway.get("/v1/programmes")).status_code
    finally:
        await identity.stop()
    assert firsts == [200, 200, 429]
    assert seconds == [200, 200]
    assert anonymous == 200


async def test_a_made_up_token_does_not_spend_a_real_clients_budget(make_gateway):
    private = Ed25519PrivateKey.generate()
    identity = await serve(identity_app(private))
    try:
        gateway = await make_gateway(identity_url=identity.url, rate_limit="2/minute", rate_limit_anonymous="100/minute")
        forged = token(Ed25519PrivateKey.generate(), "vru_victim")
        for _ in range(3):
            await gateway.get("/v1/programmes", headers={"Authorization": f"Bearer {forged}"})
        real = await gateway.get("/v1/programmes", headers={"Authorization": f"Bearer {token(private, 'vru_victim')}"})
    finally:
        await identity.stop()
    assert real.status_code == 200


async def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(make_gateway):
    gateway = await make_gateway(max_request_bytes=1024)
    answer = await gateway.post("/v1/enrolments", content=b"{" + b" " * 4000 + b"}",
                                headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert "1024" in answer.json()["detail"]


async def test_a_chunked_body_that_grows_past_the_limit_is_refused(make_gateway):
    gateway = await make_gateway(max_request_bytes=1024)

    async def chunks():
        for _ in range(10):
            yield b" " * 200

    answer = await gateway.post("/v1/enrolments", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413


async def test_a_body_within_the_limit_is_proxied(make_gateway):
    gateway = await make_gateway(max_request_bytes=1024)
    answer = await gateway.post("/v1/enrolments", json={"referral_id": "r-1"})
    assert answer.status_code == 201
