"""Settings fail closed: what full mode needs, what keys must be, what the embedded mode keeps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from vru_interventions.bootstrap import SPEC as INTERVENTIONS
from vru_referrals.bootstrap import SPEC as REFERRALS
from vru_shared.bus.memory import InProcessTransport
from vru_shared.service import create_app
from vru_shared.settings import SERVICES, ConfigurationError, Mode, Settings

from tests.unit.flows.flows_support import _no_vru_environment  # noqa: F401 - clears VRU_* for each test

# --- settings ----------------------------------------------------------------------------------

STRONG_KEY = "s" * 32
FULL = dict(
    mode="full",
    amqp_url="amqp://guest:guest@127.0.0.1:5672/",
    pseudonym_key=STRONG_KEY,
    referrals_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_referrals",
    interventions_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_interventions",
    outcomes_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_outcomes",
    identity_database_url="postgresql+asyncpg://vru@127.0.0.1/vru_identity",
    identity_url="http://127.0.0.1:8004",
)


def _full(**changes) -> dict:
    settings = {**FULL, **changes}
    return {k: v for k, v in settings.items() if v is not None}


def test_full_settings_with_every_part_are_accepted(tmp_path):
    settings = Settings(**_full(), data_dir=tmp_path)
    assert settings.mode is Mode.FULL
    assert settings.database_url("referrals") == FULL["referrals_database_url"]
    assert settings.broker_url() == FULL["amqp_url"]
    assert settings.pseudonym_secret() == STRONG_KEY.encode()


@pytest.mark.parametrize("mode", ["full", "embedded"])
def test_a_pseudonym_key_shorter_than_32_characters_is_refused(mode, tmp_path):
    with pytest.raises(ValidationError, match="PSEUDONYM_KEY"):
        Settings(**_full(mode=mode, pseudonym_key="s" * 31), data_dir=tmp_path)


def test_a_short_pseudonym_key_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("VRU_MODE", "full")
    monkeypatch.setenv("VRU_PSEUDONYM_KEY", "too-short")
    with pytest.raises(ValidationError):
        Settings()


def test_full_mode_without_a_broker_url_fails_closed(tmp_path):
    settings = Settings(**_full(amqp_url=None), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="VRU_AMQP_URL"):
        settings.broker_url()
    # A service asked to start on it refuses rather than run without a broker.
    with pytest.raises(ConfigurationError, match="VRU_AMQP_URL"):
        create_app(INTERVENTIONS, settings)


def test_full_mode_without_a_pseudonym_key_fails_closed(tmp_path):
    settings = Settings(**_full(pseudonym_key=None), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="VRU_PSEUDONYM_KEY"):
        settings.pseudonym_secret()
    with pytest.raises(ConfigurationError, match="VRU_PSEUDONYM_KEY"):
        create_app(REFERRALS, settings, InProcessTransport())
    assert not (tmp_path / "pseudonym.key").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_full_mode_without_a_database_url_fails_closed(service, tmp_path):
    settings = Settings(**_full(**{f"{service}_database_url": None}), data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match=f"VRU_{service.upper()}_DATABASE_URL"):
        settings.database_url(service)
    assert list(tmp_path.iterdir()) == []  # and no SQLite file appears in its place


def test_full_mode_reads_its_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VRU_MODE", "full")
    monkeypatch.setenv("VRU_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.mode is Mode.FULL
    with pytest.raises(ConfigurationError):
        settings.database_url("outcomes")


def test_embedded_mode_keeps_sqlite_files_and_one_generated_key_in_the_data_folder(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url("outcomes") == f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'outcomes.db').resolve()}"
    key = settings.pseudonym_secret()
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path / "data").pseudonym_secret() == key
    assert (tmp_path / "data" / "pseudonym.key").stat().st_mode & 0o077 == 0
