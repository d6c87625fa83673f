"""`vru admin`: the administrator's commands, straight on the identity database."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from vru_deploy.admin_cli import app
from vru_shared.settings import Settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VRU_DATA_DIR", str(tmp_path))
    return tmp_path


def vru_admin(*arguments: str) -> dict | list:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def refused(*arguments: str):
    result = runner.invoke(app, list(arguments))
    assert result.exit_code != 0
    return result


def token_answers(start_identity, data_dir, *attempts: tuple[str, str]) -> list[int]:
    """The token endpoint's status for each (client id, secret), from the service on the same data."""

    async def ask() -> list[int]:
        async with start_identity(Settings(data_dir=data_dir), real_time=True) as identity:
            return [(await identity.token(client_id, secret)).status_code for client_id, secret in attempts]

    return asyncio.run(ask())


def test_an_organisation_created_from_the_command_line_is_listed_and_announced(data_dir):
    created = vru_admin("create-organisation", "Example Navigators", "--role", "provider")

    listed = vru_admin("list-organisations")

    assert created["role"] == "provider" and created["active"] is True
    assert [o["id"] for o in listed] == [created["id"]]
    # The event waits in the outbox for the service's relay to publish it.
    with sqlite3.connect(data_dir / "identity.db") as connection:
        types = [row[0] for row in connection.execute("SELECT event_type FROM outbox")]
    assert types == ["identity.organisation.registered.v1"]


def test_a_client_created_from_the_command_line_gets_tokens_with_the_secret_printed_once(data_dir, start_identity):
    organisation = vru_admin("create-organisation", "Example Outreach", "--role", "referrer")

    client = vru_admin("create-client", organisation["id"], "--name", "Custody suite system")

    assert client["token_url"] == "http://127.0.0.1:8000/v1/auth/token"
    assert token_answers(start_identity, data_dir, (client["client_id"], client["client_secret"])) == [200]
    assert client["client_secret"] not in json.dumps(vru_admin("list-organisations"))


def test_rotating_a_secret_with_no_grace_from_the_command_line_stops_the_old_one(data_dir, start_identity):
    organisation = vru_admin("create-organisation", "Example Outreach", "--role", "referrer")
    client = vru_admin("create-client", organisation["id"], "--name", "Case system")

    rotated = vru_admin("rotate-secret", client["client_id"], "--grace-hours", "0")

    assert token_answers(
        start_identity, data_dir, (client["client_id"], client["client_secret"]),
        (client["client_id"], rotated["client_secret"]),
    ) == [401, 200]


def test_a_client_revoked_from_the_command_line_gets_no_token(data_dir, start_identity):
    organisation = vru_admin("create-organisation", "Example Outreach", "--role", "referrer")
    client = vru_admin("create-client", organisation["id"], "--name", "Case system")

    revoked = vru_admin("revoke-client", client["client_id"])

    assert revoked["revoked_at"] is not None
    assert "client_secret" not in revoked
    assert token_answers(start_identity, data_dir, (client["client_id"], client["client_secret"])) == [401]


def test_a_deactivated_organisation_is_listed_inactive(data_dir):
    organisation = vru_admin("create-organisation", "Example Outreach", "--role", "referrer")

    vru_admin("deactivate-organisation", organisation["id"])

    assert [o["active"] for o in vru_admin("list-organisations")] == [False]


def test_a_signing_key_rotated_from_the_command_line_waits_60_seconds_unless_told_otherwise(data_dir):
    first = vru_admin("rotate-signing-key")  # nothing signs yet on a new database: active at once
    pending = vru_admin("rotate-signing-key")
    immediate = vru_admin("rotate-signing-key", "--activation-delay", "0")

    assert first["state"] == "active"
    assert pending["state"] == "pending"
    assert immediate["state"] == "active"
    assert "private" not in json.dumps([first, pending, immediate])


def test_unknown_ids_and_duplicate_names_are_refused_with_a_message(data_dir):
    vru_admin("create-organisation", "Example Outreach", "--role", "referrer")

    duplicate = refused("create-organisation", "example outreach", "--role", "vru")
    unknown_org = refused("create-client", "00000000-0000-4000-8000-000000000000", "--name", "x")
    unknown_client = refused("revoke-client", "vru_000000000000000000000000")

    assert (duplicate.exit_code, unknown_org.exit_code, unknown_client.exit_code) == (1, 1, 1)
    assert "already exists" in duplicate.stderr
    assert "no organisation" in unknown_org.stderr
    assert "no client" in unknown_client.stderr
    assert len(vru_admin("list-organisations")) == 1


def test_an_unknown_role_is_a_usage_error(data_dir):
    assert refused("create-organisation", "Example", "--role", "police").exit_code == 2


def test_the_full_mode_without_its_settings_is_a_configuration_error(data_dir, monkeypatch):
    monkeypatch.setenv("VRU_MODE", "full")

    result = refused("list-organisations")

    assert result.exit_code == 2
    assert "VRU_IDENTITY_DATABASE_URL" in result.stderr
