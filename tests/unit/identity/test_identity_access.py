"""Only administrators manage organisations, clients and keys; tokens and keys stay public."""

from __future__ import annotations

import pytest
from vru_shared.settings import Settings

ADMIN_ROUTES = [
    ("GET", "/v1/organisations", None),
    ("POST", "/v1/organisations", {"name": "Another Trust", "role": "provider"}),
    ("POST", "/v1/auth/signing-keys/rotate", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_administration_without_a_token_is_401(tmp_path, start_identity, method, path, body):
    async with start_identity(Settings(data_dir=tmp_path), real_time=True, as_admin=False) as identity:
        answer = await identity.http.request(method, path, json=body)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_administration_with_a_providers_token_is_403(tmp_path, start_identity, method, path, body):
    async with start_identity(Settings(data_dir=tmp_path), real_time=True) as admin:
        client_id, secret = await admin.provider_client()
    async with start_identity(Settings(data_dir=tmp_path), real_time=True, as_admin=False) as identity:
        token = (await identity.token(client_id, secret)).json()["access_token"]
        answer = await identity.http.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert "admin" in answer.json()["detail"]


async def test_the_embedded_administrator_can_administer_with_its_own_token(tmp_path, start_identity):
    import json

    async with start_identity(Settings(data_dir=tmp_path), real_time=True, as_admin=False) as identity:
        credentials = json.loads((tmp_path / "admin-client.json").read_text())
        token = (await identity.token(credentials["client_id"], credentials["client_secret"])).json()["access_token"]
        answer = await identity.http.post("/v1/organisations", json={"name": "Example Youth Trust", "role": "provider"},
                                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text


async def test_the_token_endpoint_and_the_key_set_need_no_token(tmp_path, start_identity):
    async with start_identity(Settings(data_dir=tmp_path), as_admin=False) as identity:
        keys = await identity.http.get("/v1/auth/jwks")
        token = await identity.http.post("/v1/auth/token", data={"grant_type": "client_credentials"})
    assert keys.status_code == 200
    assert token.status_code in (400, 401)  # refused for its content, not for lacking a bearer token
