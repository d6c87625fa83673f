"""The people of a system test: organisations with real API clients and real access tokens,
obtained from the running platform the way a provider's case system would."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Actor:
    role: str
    organisation_id: str
    client_id: str
    client_secret: str
    base_url: str
    _token: str | None = field(default=None, repr=False)
    _expires_at: float = 0.0

    def token(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at - 30:
            answer = httpx.post(f"{self.base_url}/v1/auth/token", data={"grant_type": "client_credentials"},
                                auth=(self.client_id, self.client_secret), timeout=15)
            answer.raise_for_status()
            body = answer.json()
            self._token, self._expires_at = body["access_token"], time.monotonic() + body["expires_in"]
        return self._token

    def client(self, **kwargs) -> httpx.Client:
        """An HTTP client to the gateway that sends this actor's token with every request."""
        return httpx.Client(base_url=self.base_url, auth=_Bearer(self), timeout=15, **kwargs)


class _Bearer(httpx.Auth):
    def __init__(self, actor: Actor) -> None:
        self._actor = actor

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._actor.token()}"
        yield request


def embedded_administrator(data_dir: Path, base_url: str) -> Actor:
    """The administrator the embedded mode makes on its first start."""
    credentials = json.loads((data_dir / "admin-client.json").read_text())
    return Actor("administrator", "", credentials["client_id"], credentials["client_secret"], base_url)


def full_administrator(env: dict[str, str], base_url: str) -> Actor:
    """An administrator made with `vru admin`, as an operator of the full mode does."""

    def vru_admin(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "vru_deploy", "admin", *args], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    organisation = vru_admin("create-organisation", f"Platform administrators {uuid.uuid4().hex[:6]}",
                             "--role", "administrator")
    client = vru_admin("create-client", organisation["id"], "--name", "System tests")
    return Actor("administrator", organisation["id"], client["client_id"], client["client_secret"], base_url)


def register(administrator: Actor, role: str, name: str | None = None) -> Actor:
    """A new organisation with the role, and an API client for it."""
    with administrator.client() as api:
        organisation = api.post("/v1/organisations", json={"name": name or f"{role.title()} {uuid.uuid4().hex[:8]} (synthetic)",
                                                          "role": role})
        assert organisation.status_code == 201, organisation.text
        organisation_id = organisation.json()["id"]
        client = api.post(f"/v1/organisations/{organisation_id}/clients", json={"name": "Case system"})
        assert client.status_code == 201, client.text
    return Actor(role, organisation_id, client.json()["client_id"], client.json()["client_secret"], administrator.base_url)


@dataclass
class Cast:
    """One organisation of each role, and a second provider to be the 'other organisation'."""

    administrator: Actor
    referrer: Actor
    provider: Actor
    other_provider: Actor
    vru: Actor

    @classmethod
    def assemble(cls, administrator: Actor) -> Cast:
        return cls(
            administrator=administrator,
            referrer=register(administrator, "referrer"),
            provider=register(administrator, "provider"),
            other_provider=register(administrator, "provider"),
            vru=register(administrator, "vru"),
        )
