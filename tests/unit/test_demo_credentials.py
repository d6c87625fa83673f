"""Where the administrator's credentials for the demo loader come from: the file the embedded mode
writes, or the environment, and what the command says when there are none."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vru_deploy.cli import app as cli
from vru_deploy.demo import ClientCredentials, DemoLoadError, credentials_from, read_credentials


def test_credentials_are_read_from_the_file_the_embedded_mode_writes(tmp_path):
    path = tmp_path / "admin-client.json"
    path.write_text(json.dumps({"client_id": "vru_1", "client_secret": "s3cret", "token_url": "http://x/v1/auth/token"}))
    assert read_credentials(path) == ClientCredentials("vru_1", "s3cret")
    assert "s3cret" not in repr(read_credentials(path))


@pytest.mark.parametrize(("content", "message"), [
    (None, r"no administrator credentials at .*VRU_DEMO_CLIENT_ID"),
    ("not json", r"cannot read administrator credentials"),
    ('{"client_id": "vru_1"}', r"needs the strings client_id and client_secret"),
    ('["vru_1", "s"]', r"needs the strings client_id and client_secret"),
])
def test_a_missing_or_malformed_credentials_file_is_refused_saying_why(tmp_path, content, message):
    path = tmp_path / "admin-client.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DemoLoadError, match=message):
        read_credentials(path)


def test_credentials_may_come_from_the_environment_with_both_variables_or_neither():
    env = {"VRU_DEMO_CLIENT_ID": "vru_2", "VRU_DEMO_CLIENT_SECRET": "s"}
    assert credentials_from(env) == ClientCredentials("vru_2", "s")
    assert credentials_from({}) is None
    with pytest.raises(DemoLoadError, match="set both VRU_DEMO_CLIENT_ID and VRU_DEMO_CLIENT_SECRET"):
        credentials_from({"VRU_DEMO_CLIENT_ID": "vru_2"})


def test_the_command_without_credentials_says_where_to_get_them_and_loads_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VRU_DEMO_CLIENT_ID", raising=False)
    monkeypatch.delenv("VRU_DEMO_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["demo-data", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "data/admin-client.json" in result.output and "--credentials" in result.output


def test_the_command_takes_the_environments_credentials_when_no_file_is_named(monkeypatch):
    seen = {}

    async def fake_load(url, administrator, *, referrals, seed):
        seen.update(url=url, administrator=administrator, referrals=referrals)
        raise DemoLoadError("stopped here")

    monkeypatch.setattr("vru_deploy.demo.load_demo", fake_load)
    monkeypatch.setenv("VRU_DEMO_CLIENT_ID", "vru_3")
    monkeypatch.setenv("VRU_DEMO_CLIENT_SECRET", "from-env")
    result = CliRunner().invoke(cli, ["demo-data", "--url", "http://gw.test", "--referrals", "7"])
    assert result.exit_code == 1 and "demo data not loaded: stopped here" in result.output
    assert seen == {"url": "http://gw.test", "administrator": ClientCredentials("vru_3", "from-env"), "referrals": 7}
