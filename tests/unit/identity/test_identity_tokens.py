"""The token endpoint: OAuth2 client credentials (RFC 6749 4.4) and the JWT it answers with."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import jwt
import pytest

PROVIDER_SCOPE = (
    "referrals:read referrals:decide programmes:read enrolments:read enrolments:write "
    "outcomes:read outcomes:write metrics:read"
)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def test_a_client_authenticated_in_the_body_gets_a_bearer_token_with_its_roles_whole_scope(identity):
    client_id, secret = await identity.provider_client()

    answer = await identity.token(client_id, secret)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == PROVIDER_SCOPE
    assert answer.headers["cache-control"] == "no-store"


async def test_a_client_authenticated_with_http_basic_gets_a_token(identity):
    client_id, secret = await identity.provider_client()

    answer = await identity.http.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(client_id, secret)},
    )

    assert answer.status_code == 200
    assert jwt.decode(answer.json()["access_token"], options={"verify_signature": False})["sub"] == client_id


async def test_the_access_token_is_an_eddsa_at_jwt_with_exactly_the_agreed_claims(identity):
    identity.clock.catch_up()
    organisation = await identity.organisation(name="Example Outreach", role="referrer")
    client_id, secret = await identity.client(organisation["id"])

    token = (await identity.token(client_id, secret)).json()["access_token"]

    [published] = (await identity.http.get("/v1/auth/jwks")).json()["keys"]
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "at+jwt", "kid": published["kid"]}
    claims = await identity.verify(token)
    issued_at = int(identity.clock.now.timestamp())
    assert claims == {
        "iss": "vru-platform",
        "aud": "vru-api",
        "sub": client_id,
        "client_id": client_id,
        "org": organisation["id"],
        "role": "referrer",
        "scope": "referrals:read referrals:write programmes:read",
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + 300,
        "jti": claims["jti"],
    }
    assert uuid.UUID(claims["jti"]).version == 4
    second = (await identity.token(client_id, secret)).json()["access_token"]
    assert jwt.decode(second, options={"verify_signature": False})["jti"] != claims["jti"]


async def test_a_token_stops_verifying_when_its_lifetime_is_over(identity):
    client_id, secret = await identity.provider_client()
    identity.clock.catch_up()
    identity.clock.advance(seconds=-301)
    expired = (await identity.token(client_id, secret)).json()["access_token"]
    identity.clock.advance(seconds=2)
    still_valid = (await identity.token(client_id, secret)).json()["access_token"]

    with pytest.raises(jwt.ExpiredSignatureError):
        await identity.verify(expired)
    assert (await identity.verify(still_valid))["sub"] == client_id


async def test_a_client_may_narrow_its_scope_and_gets_it_in_its_roles_order(identity):
    client_id, secret = await identity.provider_client()

    answer = await identity.token(client_id, secret, scope="metrics:read referrals:read")

    assert answer.status_code == 200
    assert answer.json()["scope"] == "referrals:read metrics:read"
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "referrals:read metrics:read"


@pytest.mark.parametrize(
    "scope",
    ["admin", "referrals:read admin", "referrals:read  metrics:read", 'referrals:read "x"'],
    ids=["beyond the role", "partly beyond the role", "two spaces", "a quote"],
)
async def test_a_scope_the_role_does_not_grant_or_that_is_malformed_is_invalid_scope(identity, scope):
    client_id, secret = await identity.provider_client()

    answer = await identity.token(client_id, secret, scope=scope)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


async def test_an_empty_scope_counts_as_omitted_and_gets_the_whole_grant(identity):
    # RFC 6749 3.1: parameters sent without a value are treated as omitted.
    client_id, secret = await identity.provider_client()

    answer = await identity.token(client_id, secret, scope="")

    assert answer.json()["scope"] == PROVIDER_SCOPE


async def _request(identity, case: str, client_id: str, secret: str):
    post = identity.http.post
    url = "/v1/auth/token"
    grant = {"grant_type": "client_credentials"}
    credentials = {"client_id": client_id, "client_secret": secret}
    match case:
        case "no grant type":
            return await post(url, data=credentials)
        case "password grant":
            return await post(url, data={**credentials, "grant_type": "password"})
        case "authorization code grant":
            return await post(url, data={**credentials, "grant_type": "authorization_code", "code": "x"})
        case "json body":
            return await post(url, json={**grant, **credentials})
        case "repeated parameter":
            return await post(url, content=f"grant_type=client_credentials&client_id={client_id}"
                                           f"&client_secret={secret}&scope=admin&scope=metrics:read",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        case "two authentication methods":
            return await post(url, data={**grant, **credentials}, headers={"Authorization": basic(client_id, secret)})
        case "malformed basic":
            return await post(url, data=grant, headers={"Authorization": "Basic not*base64"})
        case "basic without a colon":
            token = base64.b64encode(client_id.encode()).decode()
            return await post(url, data=grant, headers={"Authorization": f"Basic {token}"})
        case "no client authentication":
            return await post(url, data=grant)
        case "client id without a secret":
            return await post(url, data={**grant, "client_id": client_id})
        case "wrong secret":
            return await post(url, data={**grant, "client_id": client_id, "client_secret": secret[:-1] + "x"})
        case "wrong secret over basic":
            return await post(url, data=grant, headers={"Authorization": basic(client_id, "not-the-secret")})
        case "unknown client":
            return await post(url, data={**grant, "client_id": "vru_000000000000000000000000", "client_secret": secret})
        case "bearer authentication":
            return await post(url, data=grant, headers={"Authorization": "Bearer something"})
        case "scope beyond the role":
            return await post(url, data={**grant, **credentials, "scope": "admin"})
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("no grant type", 400, "invalid_request"),
        ("json body", 400, "invalid_request"),
        ("repeated parameter", 400, "invalid_request"),
        ("two authentication methods", 400, "invalid_request"),
        ("malformed basic", 400, "invalid_request"),
        ("basic without a colon", 400, "invalid_request"),
        ("password grant", 400, "unsupported_grant_type"),
        ("authorization code grant", 400, "unsupported_grant_type"),
        ("no client authentication", 401, "invalid_client"),
        ("client id without a secret", 401, "invalid_client"),
        ("wrong secret", 401, "invalid_client"),
        ("wrong secret over basic", 401, "invalid_client"),
        ("unknown client", 401, "invalid_client"),
        ("bearer authentication", 401, "invalid_client"),
        ("scope beyond the role", 400, "invalid_scope"),
    ],
)
async def test_each_refused_token_request_answers_the_rfc_6749_error(identity, case, status, error):
    client_id, secret = await identity.provider_client()

    answer = await _request(identity, case, client_id, secret)

    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert set(answer.json()) == {"error", "error_description"}
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]
    assert answer.headers["cache-control"] == "no-store"
    if error == "invalid_client":
        assert answer.headers["www-authenticate"].startswith("Basic ")
    else:
        assert "www-authenticate" not in answer.headers


async def test_basic_credentials_are_form_decoded_as_rfc_6749_says(identity):
    client_id, secret = await identity.provider_client()
    # Encoded as RFC 6749 2.3.1 asks: form-encode each part, then base64 the pair.
    encoded = client_id.replace("_", "%5F") + ":" + secret.replace("-", "%2D")

    answer = await identity.http.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(encoded.encode()).decode()},
    )

    assert answer.status_code == 200


async def test_a_client_of_a_deactivated_organisation_gets_invalid_client(identity):
    organisation = await identity.organisation()
    client_id, secret = await identity.client(organisation["id"])
    assert (await identity.token(client_id, secret)).status_code == 200

    await identity.http.post(f"/v1/organisations/{organisation['id']}/deactivate")
    answer = await identity.token(client_id, secret)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_a_revoked_client_gets_no_more_tokens_but_a_token_it_holds_verifies_until_it_expires(identity):
    identity.clock.catch_up()
    client_id, secret = await identity.provider_client()
    held = (await identity.token(client_id, secret)).json()["access_token"]

    revoked = await identity.http.post(f"/v1/clients/{client_id}/revoke")
    answer = await identity.token(client_id, secret)

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    # Access tokens are self-contained: revocation cannot reach them, their short life does.
    assert (await identity.verify(held))["sub"] == client_id


async def test_the_token_lifetime_follows_the_settings(tmp_path, start_identity):
    from vru_shared.settings import Settings

    async with start_identity(Settings(data_dir=tmp_path, token_ttl_s=60, token_issuer="https://id.example",
                                       token_audience="example-api")) as identity:
        client_id, secret = await identity.provider_client()
        answer = await identity.token(client_id, secret)

    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert answer.json()["expires_in"] == 60
    assert claims["exp"] - claims["iat"] == 60
    assert (claims["iss"], claims["aud"]) == ("https://id.example", "example-api")
    assert timedelta(seconds=claims["exp"] - claims["nbf"]) == timedelta(minutes=1)
