"""The first start: a signing key always; in embedded mode an administrator client, in full mode none."""

from __future__ import annotations

import json
import stat

import jwt
import pytest
from structlog.testing import capture_logs

from vru_shared.settings import ConfigurationError, Mode, Settings


def full_settings(tmp_path, **overrides) -> Settings:
    return Settings(
        mode=Mode.FULL,
        data_dir=tmp_path,
        identity_database_url=f"sqlite+aiosqlite:///{tmp_path / 'identity-full.db'}",
        identity_key_encryption_key="k" * 40,
        identity_url="http://127.0.0.1:8004",
        **overrides,
    )


async def _administrators(identity) -> list[dict]:
    answer = await identity.http.get("/v1/organisations", params={"role": "administrator"})
    return answer.json()["items"]


async def test_the_first_embedded_start_leaves_an_administrator_client_in_a_file_only_its_owner_can_read(
    tmp_path, start_identity
):
    with capture_logs() as logged:
        async with start_identity(Settings(data_dir=tmp_path)) as identity:
            path = tmp_path / "admin-client.json"
            credentials = json.loads(path.read_text())
            answer = await identity.token(credentials["client_id"], credentials["client_secret"])
            [administrators] = await _administrators(identity)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(credentials) == {"client_id", "client_secret", "token_url"}
    assert credentials["token_url"] == "http://127.0.0.1:8000/v1/auth/token"
    assert administrators["name"] == "Platform administrators"
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert (claims["role"], claims["org"]) == ("administrator", administrators["id"])
    assert claims["scope"] == "admin programmes:read programmes:write audit:read metrics:read subjects:erase"
    [announcement] = [e for e in logged if e["event"].startswith("administrator client created")]
    assert announcement["path"] == str(path.resolve())
    assert "grant_type=client_credentials" in announcement["get_a_token"]
    assert credentials["client_secret"] not in repr(logged)


async def test_a_later_start_makes_no_second_administrator_and_leaves_the_file_alone(tmp_path, start_identity):
    async with start_identity(Settings(data_dir=tmp_path)):
        pass
    written = (tmp_path / "admin-client.json").read_text()

    async with start_identity(Settings(data_dir=tmp_path)) as identity:
        administrators = await _administrators(identity)

    assert len(administrators) == 1
    assert (tmp_path / "admin-client.json").read_text() == written


async def test_when_the_credentials_cannot_be_written_nothing_is_created_and_the_next_start_tries_again(
    tmp_path, start_identity
):
    blocker = tmp_path / "admin-client.json"
    blocker.mkdir()  # a folder where the file should go: the write fails

    with pytest.raises(OSError):
        async with start_identity(Settings(data_dir=tmp_path)):
            pass
    blocker.rmdir()
    async with start_identity(Settings(data_dir=tmp_path)) as identity:
        administrators = await _administrators(identity)
        credentials = json.loads(blocker.read_text())
        answer = await identity.token(credentials["client_id"], credentials["client_secret"])

    assert len(administrators) == 1
    assert answer.status_code == 200


async def test_the_full_mode_makes_a_signing_key_but_never_an_administrator(tmp_path, start_identity):
    async with start_identity(full_settings(tmp_path)) as identity:
        administrators = await _administrators(identity)
        keys = (await identity.http.get("/v1/auth/jwks")).json()["keys"]

    assert administrators == []
    assert len(keys) == 1
    assert not (tmp_path / "admin-client.json").exists()


def test_the_full_mode_refuses_to_start_without_a_key_encryption_key(tmp_path):
    from vru_identity.bootstrap import SPEC
    from vru_shared.bus.memory import InProcessTransport
    from vru_shared.service import create_app

    settings = Settings(mode=Mode.FULL, identity_database_url=f"sqlite+aiosqlite:///{tmp_path / 'i.db'}",
                        identity_url="http://127.0.0.1:8004")

    with pytest.raises(ConfigurationError, match="VRU_IDENTITY_KEY_ENCRYPTION_KEY"):
        create_app(SPEC, settings, InProcessTransport())
