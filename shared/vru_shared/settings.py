"""Typed settings read from `VRU_*` environment variables; the full mode fails closed."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("referrals", "interventions", "outcomes", "identity")


class ConfigurationError(RuntimeError):
    """A setting the chosen mode needs is missing or unsafe."""


class Mode(StrEnum):
    EMBEDDED = "embedded"
    FULL = "full"


class Settings(BaseSettings):
    """Every setting of the platform. In full mode nothing falls back to a default location."""

    model_config = SettingsConfigDict(env_prefix="VRU_", extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("data")
    log_level: str = "INFO"

    amqp_url: SecretStr | None = None
    referrals_database_url: SecretStr | None = None
    interventions_database_url: SecretStr | None = None
    outcomes_database_url: SecretStr | None = None
    identity_database_url: SecretStr | None = None

    pseudonym_key: SecretStr | None = None
    pseudonym_key_version: int = Field(default=1, ge=1)
    # Keys of earlier versions, as JSON {"1": "..."}: kept after a rotation so a person first
    # pseudonymised under an old key is still recognised (and re-keyed) when seen again.
    pseudonym_retired_keys: dict[int, SecretStr] = Field(default_factory=dict)

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    referrals_url: str | None = None
    interventions_url: str | None = None
    outcomes_url: str | None = None
    identity_url: str | None = None

    # Access tokens: OAuth2 client credentials, JWTs signed by the identity service (RFC 9068).
    token_issuer: str = "vru-platform"
    token_audience: str = "vru-api"
    token_ttl_s: int = Field(default=300, ge=30, le=3600)
    # Encrypts the identity service's signing keys at rest; at least 32 characters.
    identity_key_encryption_key: SecretStr | None = None
    # Abuse controls at the gateway: per-client rate limits ("N/second|minute|hour", from the
    # `limits` library's notation) kept in the gateway's memory ("async+memory://") or, shared
    # by several gateways, in Redis ("async+redis://host:6379").
    rate_limit: str = "1200/minute"
    rate_limit_anonymous: str = "120/minute"
    rate_limit_storage: str = Field(default="async+memory://", pattern=r"^async\+[a-z]+://")
    max_request_bytes: int = Field(default=1_048_576, ge=1024)
    upstream_connect_timeout_s: float = Field(default=2.0, gt=0)
    upstream_timeout_s: float = Field(default=15.0, gt=0)

    bus_prefix: str = Field(default="vru", pattern=r"^[a-z0-9][a-z0-9_.-]{0,60}$")
    bus_max_attempts: int = Field(default=5, ge=1, le=50)
    bus_retry_delay_ms: int = Field(default=1000, ge=10)
    bus_prefetch: int = Field(default=32, ge=1)
    relay_batch_size: int = Field(default=200, ge=1)
    relay_poll_interval_s: float = Field(default=0.5, gt=0)

    @field_validator("rate_limit", "rate_limit_anonymous")
    @classmethod
    def _a_rate_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit like '600/minute'") from exc
        return value

    @model_validator(mode="after")
    def _secrets_are_strong(self) -> Settings:
        if self.pseudonym_key is not None and len(self.pseudonym_key.get_secret_value()) < 32:
            raise ValueError("VRU_PSEUDONYM_KEY must have at least 32 characters")
        for version, retired in self.pseudonym_retired_keys.items():
            if version >= self.pseudonym_key_version:
                raise ValueError("VRU_PSEUDONYM_RETIRED_KEYS may only hold versions older than the current one")
            if len(retired.get_secret_value()) < 32:
                raise ValueError(f"retired pseudonym key {version} must have at least 32 characters")
        key = self.identity_key_encryption_key
        if key is not None and len(key.get_secret_value()) < 32:
            raise ValueError("VRU_IDENTITY_KEY_ENCRYPTION_KEY must have at least 32 characters")
        return self

    # Each component asks only for what it uses, so the gateway needs no broker or key; in
    # full mode every one of these fails closed when its setting is missing.

    def broker_url(self) -> str:
        if self.amqp_url is None:
            raise ConfigurationError("VRU_AMQP_URL is required in full mode")
        return self.amqp_url.get_secret_value()

    def database_url(self, service: str) -> str:
        """The service's own database; embedded mode keeps SQLite files in the data folder."""
        configured: SecretStr | None = getattr(self, f"{service}_database_url")
        if configured is not None:
            return configured.get_secret_value()
        if self.mode is Mode.FULL:
            raise ConfigurationError(f"VRU_{service.upper()}_DATABASE_URL is required in full mode")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    def upstream_url(self, service: str, default_port: int) -> str:
        configured: str | None = getattr(self, f"{service}_url")
        if configured:
            return configured.rstrip("/")
        if self.mode is Mode.FULL:
            raise ConfigurationError(f"VRU_{service.upper()}_URL is required in full mode")
        return f"http://127.0.0.1:{default_port}"

    def pseudonym_secret(self) -> bytes:
        """The key for subject pseudonyms; embedded mode makes one once and keeps it."""
        return self._secret(self.pseudonym_key, "VRU_PSEUDONYM_KEY", "pseudonym.key")

    def pseudonym_secrets(self) -> dict[int, bytes]:
        """Every pseudonym key by version: the current one and those retired by rotation."""
        keys = {version: key.get_secret_value().encode() for version, key in self.pseudonym_retired_keys.items()}
        keys[self.pseudonym_key_version] = self.pseudonym_secret()
        return keys

    def key_encryption_secret(self) -> bytes:
        """The key that encrypts token signing keys at rest; embedded mode makes one once."""
        return self._secret(self.identity_key_encryption_key, "VRU_IDENTITY_KEY_ENCRYPTION_KEY", "key-encryption.key")

    def _secret(self, configured: SecretStr | None, variable: str, filename: str) -> bytes:
        if configured is not None:
            return configured.get_secret_value().encode()
        if self.mode is Mode.FULL:
            raise ConfigurationError(f"{variable} is required in full mode")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / filename
        if not path.exists():
            # Created readable by the owner only, before anything is written into it.
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()
