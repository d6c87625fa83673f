"""Who the loader acts as: the administrator whose credentials it is given, and the demo's
organisations, each registered (or found by name) and given a fresh API client for this run.

The new clients' secrets live in memory only, and the clients are revoked when the load ends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx

from vru_deploy.demo.gateway import DemoLoadError, Gateway, check, problem_kind
from vru_deploy.demo.organisations import OrganisationSpec

TOKEN_PATH = "/v1/auth/token"
CLIENT_NAME = "VRU demo data loader"
ID_VARIABLE, SECRET_VARIABLE = "VRU_DEMO_CLIENT_ID", "VRU_DEMO_CLIENT_SECRET"
# A token is renewed once this share of its life has passed, so none expires on its way.
RENEW_AFTER = 0.8


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str = field(repr=False)


def read_credentials(path: Path) -> ClientCredentials:
    """An administrator's credentials from a JSON file with client_id and client_secret."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoLoadError(f"no administrator credentials at {path}: the embedded mode writes them to "
                            f"<data dir>/admin-client.json; or pass --credentials FILE, or set "
                            f"{ID_VARIABLE} and {SECRET_VARIABLE}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DemoLoadError(f"cannot read administrator credentials from {path}: {exc}") from None
    if not isinstance(document, dict) or not all(
            isinstance(document.get(k), str) and document[k] for k in ("client_id", "client_secret")):
        raise DemoLoadError(f"{path} is not a credentials file: it needs the strings client_id and client_secret")
    return ClientCredentials(document["client_id"], document["client_secret"])


def credentials_from(env: Mapping[str, str]) -> ClientCredentials | None:
    """An administrator's credentials from the environment, or None when neither variable is set."""
    client_id, secret = env.get(ID_VARIABLE, ""), env.get(SECRET_VARIABLE, "")
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        raise DemoLoadError(f"set both {ID_VARIABLE} and {SECRET_VARIABLE}, or neither")
    return ClientCredentials(client_id, secret)


def _basic(credentials: ClientCredentials) -> str:
    # RFC 6749 2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
    joined = f"{quote_plus(credentials.client_id)}:{quote_plus(credentials.client_secret)}"
    return "Basic " + base64.b64encode(joined.encode()).decode("ascii")


class Actor:
    """An organisation's API client: it gets access tokens (renewed before they expire) and sends
    requests with them."""

    def __init__(self, gateway: Gateway, who: str, credentials: ClientCredentials, *, hint: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.gateway, self.who, self.credentials, self._hint, self._clock = gateway, who, credentials, hint, clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, replacing: str | None = None) -> str:
        """The current token, renewed when its time has come or when it is the one `replacing` names."""
        async with self._lock:
            if self._token is None or self._token == replacing or self._clock() >= self._renew_at:
                asked = self._clock()
                response = await self.gateway.send("POST", TOKEN_PATH, form={"grant_type": "client_credentials"},
                                                   headers={"Authorization": _basic(self.credentials)})
                if response.status_code != 200:
                    raise DemoLoadError(f"POST {TOKEN_PATH} answered {response.status_code}: no access token for "
                                        f"{self.who} (client {self.credentials.client_id}): {_refusal(response)}"
                                        f"{self._hint if response.status_code == 401 else ''}")
                answer = response.json()
                self._token = answer["access_token"]
                self._renew_at = asked + RENEW_AFTER * float(answer["expires_in"])
            return self._token

    async def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        sent: list[str] = []

        async def bearer(replacing: str | None = None) -> str:
            sent.append(await self.token(replacing=replacing))
            return sent[-1]

        response = await self.gateway.send(method, path, json=body, bearer=bearer)
        if response.status_code == 401:
            # Expired on its way (clocks apart, say): renewed once, by whichever request found out
            # first, and sent again.
            response = await self.gateway.send(method, path, json=body, bearer=functools.partial(bearer, sent[-1]))
        return response

    async def call(self, method: str, path: str, expect: tuple[int, ...], body: Any = None) -> Any:
        return check(await self.send(method, path, body), expect, self.who)


def _refusal(response: httpx.Response) -> str:
    try:
        answer = response.json()
        error, why = answer.get("error") or answer.get("title"), answer.get("error_description") or answer.get("detail")
    except (ValueError, AttributeError):
        return response.text[:300]
    return f"{error}: {why}"


def _key(name: str) -> str:
    # The identity service keeps names unique ignoring case and spacing.
    return " ".join(name.split()).casefold()


@dataclass
class Cast:
    """The administrator, and an actor for every demo organisation that does something."""

    administrator: Actor
    # Organisation records (id, name, role, active...) by the demo's name for them.
    organisations: dict[str, dict[str, Any]]
    actors: dict[str, Actor]

    def __getitem__(self, organisation: str) -> Actor:
        return self.actors[organisation]

    def organisation_id(self, organisation: str) -> str:
        return str(self.organisations[organisation]["id"])

    async def retire(self) -> None:
        """Revoke this run's clients: their secrets were never kept, so no one could use them again."""
        await asyncio.gather(*(self.administrator.call("POST", f"/v1/clients/{a.credentials.client_id}/revoke", (200,))
                               for a in self.actors.values()))


async def _registered(administrator: Actor) -> dict[str, dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = await administrator.call("GET", f"/v1/organisations?limit=200&offset={len(found)}", (200,))
        found += page["items"]
        if len(page["items"]) < 200:
            return {_key(o["name"]): o for o in found}


async def _organisation(administrator: Actor, spec: OrganisationSpec, known: dict[str, dict[str, Any]]
                        ) -> dict[str, Any]:
    """The organisation of that name: the one registered already, else registered now."""
    found = known.get(_key(spec.name))
    if found is None:
        response = await administrator.send("POST", "/v1/organisations", {"name": spec.name, "role": spec.role})
        if response.status_code == 409 and problem_kind(response) == "duplicate-organisation":
            # Registered since the list was read (another load at the same time).
            found = (await _registered(administrator)).get(_key(spec.name))
            if found is None:
                raise DemoLoadError(f"registering organisation {spec.name!r} answered 409, yet no organisation "
                                    f"of that name is listed: {response.text[:300]}")
        else:
            found = check(response, (201,), administrator.who)
    if found["role"] != spec.role:
        raise DemoLoadError(f"organisation {spec.name!r} exists as a {found['role']} organisation, but the demo "
                            f"needs a {spec.role} of that name; load the demo into another platform")
    if not found["active"]:
        raise DemoLoadError(f"organisation {spec.name!r} exists but has been deactivated, so the demo cannot act "
                            f"as it; load the demo into another platform")
    return found


async def assemble(administrator: Actor, organisations: tuple[OrganisationSpec, ...],
                   acting: frozenset[str]) -> Cast:
    """Register (or find) the organisations, and give each one that acts (named in `acting`) a new client."""
    known = await _registered(administrator)
    records = {}
    for spec in organisations:
        records[spec.name] = await _organisation(administrator, spec, known)

    async def client(name: str) -> Actor:
        issued = await administrator.call("POST", f"/v1/organisations/{records[name]['id']}/clients", (201,),
                                          {"name": CLIENT_NAME})
        role = records[name]["role"]
        return Actor(administrator.gateway, f"{name} ({role})",
                     ClientCredentials(issued["client_id"], issued["client_secret"]))

    names = [spec.name for spec in organisations if spec.name in acting]
    made = await asyncio.gather(*(client(n) for n in names), return_exceptions=True)
    cast = Cast(administrator, records, {n: a for n, a in zip(names, made, strict=True) if isinstance(a, Actor)})
    failed = [e for e in made if isinstance(e, BaseException)]
    if failed:
        with contextlib.suppress(DemoLoadError):
            await cast.retire()
        raise failed[0]
    return cast
